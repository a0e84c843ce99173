//! Panoramas and videos: accepting an upload (checked from its bytes, counted against the
//! listing's quota, stored privately, answered at once as `processing`), reading, renaming and
//! deleting. What makes an object `ready` runs in the job queue (`process`).

use std::path::{Path, PathBuf};

use kernel::{ApiError, EventEnvelope, FieldError};
use platform::auth::Actor;
use platform::jobs::JobSpec;
use platform::storage::spool::SpoolError;
use serde_json::json;
use uuid::Uuid;

use super::MediaService;
use super::process::{PROCESS_JOB, PURGE_JOB};
use super::view::{ObjectView, object_view};
use crate::domain::object::{self, Kind, Status, Variants};
use crate::files::{self, FileError};
use crate::store::{self, objects::MediaObject};

pub fn object_not_found() -> ApiError {
    ApiError::not_found("Media not found")
}

/// What an upload turned out to be, once its bytes were checked.
pub struct Inspected {
    pub content_type: &'static str,
    /// Bytes after metadata was dropped.
    pub size: u64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub duration_ms: Option<i64>,
}

pub fn file_error(e: FileError) -> ApiError {
    match e {
        FileError::Unsupported(m) => ApiError::new(415, "unsupported_media_type", m),
        FileError::Invalid(m) => ApiError::new(422, "invalid_file", m),
        FileError::TooLarge(m) => ApiError::new(413, "payload_too_large", m),
        FileError::Io(e) => {
            tracing::error!(error = %e, "media file not readable");
            ApiError::internal()
        }
    }
}

pub fn spool_error(e: SpoolError) -> ApiError {
    match e {
        SpoolError::TooLarge { limit } => {
            ApiError::new(413, "payload_too_large", format!("The file is larger than {} MiB", limit / (1024 * 1024)))
        }
        SpoolError::Aborted(m) => ApiError::bad_request(format!("The upload did not arrive whole: {m}")),
        SpoolError::OffsetMismatch { current } => {
            ApiError::new(409, "offset_mismatch", format!("The upload is at offset {current}"))
        }
        SpoolError::Busy => ApiError::new(409, "offset_mismatch", "Another piece of this upload is being written"),
        other => {
            tracing::error!(error = %other, "upload not spooled");
            ApiError::unavailable("The upload could not be stored; try again", Some(10))
        }
    }
}

pub fn storage_error(e: &platform::storage::StorageError) -> ApiError {
    tracing::error!(error = %e, "media not stored");
    ApiError::unavailable("The file could not be stored; try again", Some(30))
}

fn quota_exceeded(used: i64, quota: u64) -> ApiError {
    ApiError::new(
        413,
        "quota_exceeded",
        format!(
            "This listing's media would exceed its {} MiB quota ({} MiB used); delete something first",
            quota / (1024 * 1024),
            used / (1024 * 1024)
        ),
    )
}

/// The first bytes of a file, enough to tell an image's format and size.
pub fn read_head(path: &Path) -> Result<Vec<u8>, FileError> {
    use std::io::Read;
    let mut head = Vec::with_capacity(files::SNIFF_BYTES);
    std::fs::File::open(path)
        .and_then(|f| f.take(files::SNIFF_BYTES as u64).read_to_end(&mut head))
        .map_err(FileError::Io)?;
    Ok(head)
}

/// A complete file to turn into an object of `listing` (owned by `owner`).
pub struct NewObject<'a> {
    pub listing: Uuid,
    pub owner: Uuid,
    pub kind: Kind,
    pub title: Option<String>,
    pub path: &'a Path,
    pub size: u64,
}

/// Private key of an accepted upload until processing publishes it.
pub fn incoming_key(listing: Uuid, id: Uuid) -> String {
    format!("incoming/{}/{}", listing.simple(), id.simple())
}

impl MediaService {
    /// Largest file of `kind` (a single request is further bounded by `max_request_upload_mb`).
    pub fn max_bytes(&self, kind: Kind) -> u64 {
        match kind {
            Kind::Panorama => self.config.media.max_panorama_bytes(),
            Kind::Video => self.config.media.max_video_bytes(),
        }
    }

    /// Fails when `extra` more bytes would take `listing` past its quota.
    pub async fn check_quota<'c>(
        &self,
        on: impl platform::db::Executor<'c>,
        listing: Uuid,
        extra: u64,
    ) -> Result<(), ApiError> {
        let used = store::objects::used_bytes(on, listing).await?;
        let quota = self.config.media.listing_quota_bytes();
        let after = u64::try_from(used).unwrap_or(0).saturating_add(extra);
        if after > quota { Err(quota_exceeded(used, quota)) } else { Ok(()) }
    }

    /// Checks the spooled file from its bytes: the format it really is, its dimensions, and for
    /// videos a whole structural check (with location metadata neutralised in place).
    pub async fn inspect(&self, kind: Kind, path: PathBuf) -> Result<Inspected, ApiError> {
        let max_pixels = self.config.media.panorama_max_pixels;
        let inspected = tokio::task::spawn_blocking(move || -> Result<Inspected, FileError> {
            match kind {
                Kind::Panorama => {
                    let info = files::sniff_image(&read_head(&path)?)?;
                    files::check_panorama(&info, max_pixels)?;
                    // One pass both proves the structure whole (a truncated file fails) and
                    // drops the metadata (GPS position, camera serial): no decoding here.
                    let clean = path.with_extension("clean");
                    let stripped = files::strip_metadata(&path, &clean, info.format)
                        .and_then(|()| std::fs::rename(&clean, &path).map_err(FileError::Io));
                    if stripped.is_err() {
                        let _ = std::fs::remove_file(&clean);
                    }
                    stripped?;
                    Ok(Inspected {
                        size: std::fs::metadata(&path).map_err(FileError::Io)?.len(),
                        content_type: info.content_type(),
                        width: Some(i64::from(info.width)),
                        height: Some(i64::from(info.height)),
                        duration_ms: None,
                    })
                }
                Kind::Video => {
                    let info = files::probe_video(&path)?;
                    files::strip_video_metadata(&path, info.container)?;
                    Ok(Inspected {
                        size: std::fs::metadata(&path).map_err(FileError::Io)?.len(),
                        content_type: info.content_type(),
                        width: info.width.map(i64::from),
                        height: info.height.map(i64::from),
                        duration_ms: info.duration_ms.and_then(|d| i64::try_from(d).ok()),
                    })
                }
            }
        })
        .await
        .map_err(|_| ApiError::internal())?;
        inspected.map_err(file_error)
    }

    /// Turns a complete spooled file into an object of `listing`: checked, stored privately,
    /// recorded as `processing` with its processing job, within the quota.
    pub async fn accept(&self, actor: Actor, new: NewObject<'_>) -> Result<ObjectView, ApiError> {
        let NewObject { listing, owner, kind, title, path, size } = new;
        if size == 0 {
            return Err(ApiError::new(422, "invalid_file", "The file is empty"));
        }
        let inspected = self.inspect(kind, path.to_path_buf()).await?;
        self.check_quota(&self.db, listing, inspected.size).await?;
        let id = kernel::new_id();
        let key = incoming_key(listing, id);
        let size = i64::try_from(inspected.size).map_err(|_| ApiError::internal())?;
        self.storage.put_file(&key, path, "application/octet-stream").await.map_err(|e| storage_error(&e))?;
        let now = self.clock.now();
        let o = MediaObject {
            id,
            listing_id: listing,
            owner_id: owner,
            kind,
            status: Status::Processing,
            failure: None,
            title,
            object_key: key.clone(),
            content_type: inspected.content_type.to_owned(),
            size_bytes: size,
            sha256: String::new(),
            width: inspected.width,
            height: inspected.height,
            duration_ms: inspected.duration_ms,
            variants: Variants::new(),
            created_at: now,
            updated_at: now,
        };
        let saved = async {
            let mut tx = self.db.begin().await?;
            if !store::listings::lock(&mut tx, listing).await? {
                return Err(super::listing_not_found());
            }
            // Checked again under the listing's lock: concurrent uploads cannot overrun it.
            let used = store::objects::used_bytes(&mut tx, listing).await?;
            let quota = self.config.media.listing_quota_bytes();
            if u64::try_from(used + size).unwrap_or(u64::MAX) > quota {
                return Err(quota_exceeded(used, quota));
            }
            store::objects::insert(&mut tx, &o).await?;
            self.jobs
                .enqueue(&mut tx, JobSpec::new(PROCESS_JOB, json!({"objectId": id})).dedupe(id.to_string()))
                .await?;
            let data = json!({"objectId": id, "listingId": listing, "kind": kind.as_str(), "sizeBytes": size});
            let event = EventEnvelope::new("media.uploaded", listing, now, data).with_actor(actor.user_id.to_string());
            platform::events::enqueue(&mut tx, &event).await?;
            tx.commit().await?;
            Ok::<_, ApiError>(())
        }
        .await;
        if let Err(e) = saved {
            if let Err(se) = self.storage.delete(&key).await {
                tracing::warn!(error = %se, key, "rejected upload not removed from storage");
            }
            return Err(e);
        }
        self.jobs.committed();
        self.events.committed();
        Ok(object_view(&self.storage, &o, true))
    }

    /// The objects of a listing `viewer` may see: everything for its editors, ready objects for
    /// the public.
    pub async fn listing_media(
        &self,
        listing: Uuid,
        viewer: Option<Actor>,
        kind: Option<Kind>,
    ) -> Result<Vec<ObjectView>, ApiError> {
        let l = self.visible_listing(listing, viewer).await?;
        let editor = Self::is_editor(&l, viewer);
        let objects = store::objects::of_listing(&self.db, listing).await?;
        Ok(objects
            .iter()
            .filter(|o| editor || o.status == Status::Ready)
            .filter(|o| kind.is_none_or(|k| o.kind == k))
            .map(|o| object_view(&self.storage, o, editor))
            .collect())
    }

    /// An object `viewer` may see (ready and its listing visible; or theirs).
    pub async fn object(&self, id: Uuid, viewer: Option<Actor>) -> Result<ObjectView, ApiError> {
        let o = store::objects::find(&self.db, id).await?.ok_or_else(object_not_found)?;
        let l = self.visible_listing(o.listing_id, viewer).await.map_err(|_| object_not_found())?;
        let editor = Self::is_editor(&l, viewer);
        if !editor && o.status != Status::Ready {
            return Err(object_not_found());
        }
        Ok(object_view(&self.storage, &o, editor))
    }

    /// The object `actor` may change.
    pub async fn owned_object(&self, id: Uuid, actor: Actor) -> Result<MediaObject, ApiError> {
        let o = store::objects::find(&self.db, id).await?.ok_or_else(object_not_found)?;
        self.owned_listing(o.listing_id, actor).await.map_err(|_| object_not_found())?;
        Ok(o)
    }

    pub async fn rename(&self, id: Uuid, actor: Actor, raw: Option<&str>) -> Result<ObjectView, ApiError> {
        let title = object::title(raw).map_err(|m| ApiError::validation(vec![FieldError::new("title", m)]))?;
        let o = self.owned_object(id, actor).await?;
        let mut tx = self.db.begin().await?;
        store::objects::set_title(&mut tx, o.id, title.as_deref(), self.clock.now()).await?;
        tx.commit().await?;
        let o = store::objects::find(&self.db, id).await?.ok_or_else(object_not_found)?;
        Ok(object_view(&self.storage, &o, true))
    }

    /// Deletes an object (owner): refused while a tour shows it. Its files are removed by a job.
    pub async fn delete_object(&self, id: Uuid, actor: Actor) -> Result<(), ApiError> {
        let o = self.owned_object(id, actor).await?;
        let mut tx = self.db.begin().await?;
        if store::tours::uses_panorama(&mut tx, o.id).await? {
            return Err(ApiError::new(
                409,
                "in_use",
                "A scene of the listing's tour shows this panorama; change the tour first",
            ));
        }
        if !store::objects::delete(&mut tx, o.id).await? {
            return Err(object_not_found());
        }
        let keys: Vec<String> =
            std::iter::once(o.object_key.clone()).chain(o.variants.values().map(|v| v.key.clone())).collect();
        self.jobs.enqueue(&mut tx, JobSpec::new(PURGE_JOB, json!({ "keys": keys }))).await?;
        let now = self.clock.now();
        let data = json!({"objectId": o.id, "listingId": o.listing_id, "kind": o.kind.as_str()});
        let event = EventEnvelope::new("media.deleted", o.listing_id, now, data).with_actor(actor.user_id.to_string());
        platform::events::enqueue(&mut tx, &event).await?;
        tx.commit().await?;
        self.jobs.committed();
        self.events.committed();
        Ok(())
    }
}
