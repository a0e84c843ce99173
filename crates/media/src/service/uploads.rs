//! Chunked, resumable uploads for large files (required above `media.max_request_upload_mb`):
//! the client declares the file (kind, size), then sends it in pieces, each at the offset the
//! server holds (`Upload-Offset`); after a dropped connection it asks where it stands and goes
//! on from there. The declared size is reserved against the listing's quota from the start.
//! The last piece turns the upload into an object, exactly as a single-request upload.
//!
//! The bytes received so far live in this process's spool directory, so all pieces of one
//! upload must reach the same process (docs/media.md, "Split deployments").

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use platform::auth::Actor;
use platform::storage::spool::{self, SpoolError};
use serde::Serialize;
use uuid::Uuid;

use super::MediaService;
use super::objects::{NewObject, spool_error, storage_error};
use super::view::ObjectView;
use crate::domain::object::{self, Kind};
use crate::store::{self, uploads::Upload};

/// What a client declares to start an upload.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StartUpload {
    /// `panorama` or `video`.
    pub kind: String,
    /// The file's exact size in bytes.
    pub size: u64,
    /// What the client believes the file is (informative: the bytes decide).
    pub content_type: Option<String>,
    pub title: Option<String>,
}

/// An upload in progress.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UploadView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub kind: Kind,
    pub size: i64,
    /// Bytes received: send the next piece at this offset.
    pub offset: i64,
    /// The piece size to use.
    pub chunk_size: u64,
    pub expires_at: DateTime<Utc>,
}

/// What a piece achieved: the upload so far, and the object once the last piece arrived.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PieceOutcome {
    pub upload: UploadView,
    /// Set when the upload is complete: the new object, `processing`.
    pub object: Option<ObjectView>,
}

fn upload_not_found() -> ApiError {
    ApiError::not_found("Upload not found (finished, aborted or expired)")
}

fn offset_mismatch(current: i64) -> ApiError {
    ApiError::new(409, "offset_mismatch", format!("The upload holds {current} bytes; send the piece at that offset"))
        .with_data(serde_json::json!({ "offset": current }))
}

impl MediaService {
    fn upload_view(&self, u: &Upload) -> UploadView {
        UploadView {
            id: u.id,
            listing_id: u.listing_id,
            kind: u.kind,
            size: u.size_bytes,
            offset: u.received_bytes,
            chunk_size: self.config.media.chunk_bytes(),
            expires_at: u.expires_at,
        }
    }

    fn part_path(&self, id: Uuid) -> PathBuf {
        self.storage.spool_dir().join(format!("upload-{}.part", id.simple()))
    }

    /// Declares an upload to `listing` (owner): its size must fit the kind's limit and the quota.
    pub async fn start_upload(&self, listing: Uuid, actor: Actor, input: StartUpload) -> Result<UploadView, ApiError> {
        let kind = Kind::parse(&input.kind)
            .ok_or_else(|| ApiError::validation(vec![FieldError::new("kind", "must be `panorama` or `video`")]))?;
        let title = object::title(input.title.as_deref())
            .map_err(|m| ApiError::validation(vec![FieldError::new("title", m)]))?;
        let l = self.owned_listing(listing, actor).await?;
        let max = self.max_bytes(kind);
        if input.size == 0 {
            return Err(ApiError::validation(vec![FieldError::new("size", "must be at least 1 byte")]));
        }
        if input.size > max {
            return Err(ApiError::new(
                413,
                "payload_too_large",
                format!("A {} may be at most {} MiB", kind.as_str(), max / (1024 * 1024)),
            ));
        }
        let size = i64::try_from(input.size).map_err(|_| ApiError::bad_request("size is too large"))?;
        let now = self.clock.now();
        let hours = i64::try_from(self.config.media.upload_expiry_hours).unwrap_or(24);
        let upload = Upload {
            id: kernel::new_id(),
            listing_id: listing,
            owner_id: l.owner_id,
            kind,
            title,
            content_type: input.content_type.unwrap_or_default().chars().take(100).collect(),
            size_bytes: size,
            received_bytes: 0,
            created_at: now,
            expires_at: now + chrono::Duration::hours(hours),
        };
        tokio::fs::create_dir_all(self.storage.spool_dir()).await.map_err(|e| spool_error(SpoolError::Io(e)))?;
        let mut tx = self.db.begin().await?;
        if !store::listings::lock(&mut tx, listing).await? {
            return Err(super::listing_not_found());
        }
        self.check_quota(&mut tx, listing, input.size).await?;
        store::uploads::insert(&mut tx, &upload).await?;
        tx.commit().await?;
        Ok(self.upload_view(&upload))
    }

    async fn own_upload(&self, id: Uuid, actor: Actor) -> Result<Upload, ApiError> {
        let u = store::uploads::find(&self.db, id).await?.ok_or_else(upload_not_found)?;
        if u.owner_id != actor.user_id && !actor.admin {
            return Err(upload_not_found());
        }
        if u.expires_at <= self.clock.now() {
            self.discard_upload(u.id).await;
            return Err(upload_not_found());
        }
        Ok(u)
    }

    pub async fn upload_status(&self, id: Uuid, actor: Actor) -> Result<UploadView, ApiError> {
        Ok(self.upload_view(&self.own_upload(id, actor).await?))
    }

    /// Appends one piece at `offset`, which must be where the upload stands. The partial file
    /// is the truth about how much arrived (a piece cut off midway keeps what came); the row
    /// follows it.
    pub async fn append_piece<S, E>(
        &self,
        id: Uuid,
        actor: Actor,
        offset: u64,
        body: S,
    ) -> Result<PieceOutcome, ApiError>
    where
        S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Send + Unpin,
        E: std::fmt::Display,
    {
        let u = self.own_upload(id, actor).await?;
        let path = self.part_path(id);
        let total = u64::try_from(u.size_bytes).unwrap_or(0);
        // The spool directory may be new (a fresh disk): a piece at offset 0 creates the file.
        tokio::fs::create_dir_all(self.storage.spool_dir()).await.map_err(|e| spool_error(SpoolError::Io(e)))?;
        let appended = spool::append(body, &path, offset, total).await;
        let held = match &appended {
            Ok(n) => *n,
            // Another request holds the file and is writing it: its length is in flight, and
            // that request records it.
            Err(SpoolError::Busy) => u64::try_from(u.received_bytes).unwrap_or(0),
            Err(_) => tokio::fs::metadata(&path).await.map(|m| m.len()).unwrap_or(0),
        };
        let received = i64::try_from(held).map_err(|_| ApiError::internal())?;
        if received > u.received_bytes {
            let mut tx = self.db.begin().await?;
            store::uploads::advance(&mut tx, id, received).await?;
            tx.commit().await?;
        }
        match appended {
            Ok(_) => {}
            Err(SpoolError::TooLarge { .. }) => {
                return Err(ApiError::new(
                    413,
                    "payload_too_large",
                    format!("The piece goes past the declared size of {total} bytes"),
                ));
            }
            Err(SpoolError::OffsetMismatch { current }) => {
                return Err(offset_mismatch(i64::try_from(current).unwrap_or(0)));
            }
            Err(SpoolError::Busy) => return Err(offset_mismatch(received)),
            Err(SpoolError::Aborted(m)) => {
                return Err(ApiError::bad_request(format!("The piece broke off ({m}); resume at {received}"))
                    .with_data(serde_json::json!({ "offset": received })));
            }
            Err(e) => return Err(spool_error(e)),
        }
        let mut upload = self.upload_view(&u);
        upload.offset = received;
        if received < u.size_bytes {
            return Ok(PieceOutcome { upload, object: None });
        }
        // Complete: the reservation becomes the object (or the file is refused).
        let mut tx = self.db.begin().await?;
        let finished = store::uploads::delete(&mut tx, id).await?;
        tx.commit().await?;
        if !finished {
            return Err(upload_not_found());
        }
        let accepted = self
            .accept(
                actor,
                NewObject {
                    listing: u.listing_id,
                    owner: u.owner_id,
                    kind: u.kind,
                    title: u.title.clone(),
                    path: &path,
                    size: held,
                },
            )
            .await;
        let _ = tokio::fs::remove_file(&path).await;
        Ok(PieceOutcome { upload, object: Some(accepted?) })
    }

    /// Abandons an upload (owner): its bytes and its quota reservation go.
    pub async fn abort_upload(&self, id: Uuid, actor: Actor) -> Result<(), ApiError> {
        let u = self.own_upload(id, actor).await?;
        self.discard_upload(u.id).await;
        Ok(())
    }

    async fn discard_upload(&self, id: Uuid) {
        let removed = async {
            let mut tx = self.db.begin().await?;
            store::uploads::delete(&mut tx, id).await?;
            tx.commit().await
        }
        .await;
        if let Err(e) = removed {
            tracing::warn!(upload = %id, error = %e, "upload row not removed");
        }
        let _ = tokio::fs::remove_file(self.part_path(id)).await;
    }

    /// Discards uploads past their expiry; how many.
    pub async fn sweep_uploads(&self) -> Result<usize, ApiError> {
        let expired = store::uploads::expired(&self.db, self.clock.now(), 100).await?;
        for id in &expired {
            self.discard_upload(*id).await;
        }
        Ok(expired.len())
    }

    /// Stores an owner's poster image for a video; rendered by a job.
    pub async fn upload_poster(&self, id: Uuid, actor: Actor, image: Vec<u8>) -> Result<(), ApiError> {
        let o = self.owned_object(id, actor).await?;
        if o.kind != Kind::Video {
            return Err(ApiError::new(409, "not_a_video", "Only videos have a poster"));
        }
        let info = crate::files::sniff_image(&image).map_err(super::objects::file_error)?;
        let tag: String = kernel::new_id().simple().to_string().chars().take(12).collect();
        let key = format!("incoming/{}/{}-poster-{tag}", o.listing_id.simple(), o.id.simple());
        self.storage.put(&key, image, info.content_type()).await.map_err(|e| storage_error(&e))?;
        let spec =
            platform::jobs::JobSpec::new(super::process::POSTER_JOB, serde_json::json!({"objectId": o.id, "key": key}));
        self.jobs.submit(spec).await?;
        Ok(())
    }
}
