//! The jobs that make an accepted upload `ready`, off the request path (platform job queue:
//! leased, retried with backoff, kept across restarts):
//! - `media.process`: a panorama (whose metadata the upload already dropped, losslessly) is
//!   decoded and gets a `preview` and a `thumb`; a video gets a `poster` frame (with ffmpeg)
//!   and a `thumb`. The file is then
//!   published under its final key and the object turns `ready` (`media.ready`), or `failed`
//!   with the reason when the file turns out unusable (`media.failed`).
//! - `media.poster`: an owner's poster image for a video, rendered the same way.
//! - `media.purge`: removes stored files once their rows are gone.
//!
//! A job that finds its object deleted meanwhile removes what it stored and ends.

use std::path::Path;
use std::sync::{Arc, Weak};

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::jobs::{Job, JobError, JobHandler};
use platform::storage::spool::Spooled;
use serde_json::json;
use uuid::Uuid;

use super::MediaService;
use crate::domain::object::{Kind, Status, StoredVariant, Variants};
use crate::files::{self, FileError, Rendition};
use crate::store::{self, objects::MediaObject, objects::Processed};

pub const PROCESS_JOB: &str = "media.process";
pub const POSTER_JOB: &str = "media.poster";
pub const PURGE_JOB: &str = "media.purge";

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::retry(e.to_string())
}

/// A file problem is final (the bytes will not change); an I/O problem may pass.
fn file_job_error(e: FileError) -> JobError {
    match e {
        FileError::Io(e) => retry(e),
        FileError::Unsupported(m) | FileError::Invalid(m) | FileError::TooLarge(m) => JobError::fail(m),
    }
}

fn object_id(job: &Job, key: &str) -> Result<Uuid, JobError> {
    job.payload
        .get(key)
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| JobError::fail("bad payload"))
}

/// The final key of an object's file, and of its derived files.
fn final_key(o: &MediaObject, ext: &str) -> String {
    format!("listings/{}/{}.{ext}", o.listing_id.simple(), o.id.simple())
}

fn variant_key(o: &MediaObject, name: &str, tag: &str) -> String {
    format!("listings/{}/{}-{name}-{tag}.jpg", o.listing_id.simple(), o.id.simple())
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => "png",
        "image/webp" => "webp",
        "video/mp4" => "mp4",
        "video/webm" => "webm",
        _ => "jpg",
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, FileError> + Send + 'static) -> Result<T, JobError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| JobError::retry("processing task panicked"))?
        .map_err(file_job_error)
}

impl MediaService {
    /// Copies a stored object into the spool directory (hashing it on the way).
    async fn fetch(&self, key: &str) -> Result<Spooled, JobError> {
        let Some((_, stream)) = self.storage.open(key, None).await.map_err(retry)? else {
            return Err(JobError::fail("the uploaded file is missing from storage"));
        };
        let dir = self.storage.spool_dir();
        platform::storage::spool::spool(stream, &dir, u64::MAX).await.map_err(|e| retry(format!("{e:?}")))
    }

    /// Stores renditions under fresh keys: the variants, and the keys written.
    async fn put_renditions(
        &self,
        o: &MediaObject,
        renditions: Vec<Rendition>,
        tag: &str,
    ) -> Result<(Variants, Vec<String>), JobError> {
        let mut variants = Variants::new();
        let mut keys = Vec::new();
        for r in renditions {
            let key = variant_key(o, r.name, tag);
            if let Err(e) = self.storage.put(&key, r.bytes, "image/jpeg").await {
                self.remove_keys(&keys).await;
                return Err(retry(e));
            }
            keys.push(key.clone());
            variants.insert(
                r.name.to_owned(),
                StoredVariant { key, content_type: "image/jpeg".into(), width: r.width, height: r.height },
            );
        }
        Ok((variants, keys))
    }

    async fn remove_keys(&self, keys: &[String]) {
        for key in keys {
            if let Err(e) = self.storage.delete(key).await {
                tracing::warn!(error = %e, key, "media file not removed");
            }
        }
    }

    /// `media.process` for one object.
    async fn process(&self, id: Uuid) -> Result<(), JobError> {
        let Some(o) = store::objects::find(&self.db, id).await.map_err(retry)? else { return Ok(()) };
        if o.status != Status::Processing {
            return Ok(());
        }
        let original = self.fetch(&o.object_key).await?;
        let sha: String = original.sha256.iter().map(|b| format!("{b:02x}")).collect();
        let tag = &sha[..12];
        let renditions = match o.kind {
            Kind::Panorama => {
                let (src, max) = (original.path.clone(), self.config.media.panorama_max_pixels);
                blocking(move || files::panorama_renditions(&src, max)).await?
            }
            Kind::Video => self.poster_frame(&o, &original.path).await,
        };
        let publish_from = original.path.clone();
        let (variants, mut written) = self.put_renditions(&o, renditions, tag).await?;
        let key = final_key(&o, extension(&o.content_type));
        if let Err(e) = self.storage.put_file(&key, &publish_from, &o.content_type).await {
            self.remove_keys(&written).await;
            return Err(retry(e));
        }
        written.push(key.clone());
        let now = self.clock.now();
        let done = Processed { key: &key, sha256: &sha, variants: &variants };
        let finished = async {
            let mut tx = self.db.begin().await?;
            if !store::objects::finish_ready(&mut tx, o.id, &done, now).await? {
                return Ok(false);
            }
            let mut data = json!({"objectId": o.id, "listingId": o.listing_id, "kind": o.kind.as_str(),
                "url": self.storage.url_for(&key), "width": o.width, "height": o.height, "durationMs": o.duration_ms});
            for (name, v) in &variants {
                data[format!("{name}Url")] = json!(self.storage.url_for(&v.key));
            }
            platform::events::enqueue(&mut tx, &EventEnvelope::new("media.ready", o.listing_id, now, data)).await?;
            tx.commit().await?;
            Ok::<_, platform::db::DbError>(true)
        }
        .await;
        match finished {
            Ok(true) => {
                self.events.committed();
                self.remove_keys(std::slice::from_ref(&o.object_key)).await;
                Ok(())
            }
            Ok(false) => {
                // Deleted (or finished elsewhere) while we worked: what we stored is nobody's.
                self.remove_keys(&written).await;
                Ok(())
            }
            Err(e) => {
                self.remove_keys(&written).await;
                Err(retry(e))
            }
        }
    }

    /// A video's poster renditions from a frame, when ffmpeg is there and can read it; none
    /// otherwise (the owner may upload a poster).
    async fn poster_frame(&self, o: &MediaObject, video: &Path) -> Vec<Rendition> {
        let Some(ffmpeg) = self.ffmpeg.as_ref() else { return Vec::new() };
        let at = o.duration_ms.map_or(1000, |d| u64::try_from(d / 10).unwrap_or(0).min(1000));
        let frame = match files::frame_with_ffmpeg(ffmpeg, video, at).await {
            Ok(frame) => frame,
            Err(e) => {
                tracing::warn!(object = %o.id, error = ?e, "no poster frame for this video");
                return Vec::new();
            }
        };
        match tokio::task::spawn_blocking(move || files::poster_renditions(&frame)).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                tracing::warn!(object = %o.id, error = ?e, "poster frame not rendered");
                Vec::new()
            }
            Err(_) => Vec::new(),
        }
    }

    /// Marks an object whose processing gave up as failed.
    async fn processing_failed(&self, id: Uuid, reason: &str) {
        let Ok(Some(o)) = store::objects::find(&self.db, id).await else { return };
        let now = self.clock.now();
        let done = async {
            let mut tx = self.db.begin().await?;
            if store::objects::finish_failed(&mut tx, id, reason, now).await? {
                let data =
                    json!({"objectId": id, "listingId": o.listing_id, "kind": o.kind.as_str(), "reason": reason});
                platform::events::enqueue(&mut tx, &EventEnvelope::new("media.failed", o.listing_id, now, data))
                    .await?;
            }
            tx.commit().await
        }
        .await;
        match done {
            Ok(()) => {
                self.events.committed();
                self.remove_keys(std::slice::from_ref(&o.object_key)).await;
            }
            Err(e) => tracing::error!(object = %id, error = %e, "failed media object not recorded"),
        }
    }

    /// `media.poster`: the owner's image becomes the video's `poster` and `thumb`.
    async fn set_poster(&self, id: Uuid, upload_key: &str) -> Result<(), JobError> {
        let Some(o) = store::objects::find(&self.db, id).await.map_err(retry)? else {
            self.remove_keys(&[upload_key.to_owned()]).await;
            return Ok(());
        };
        let Some(image) = self.storage.get(upload_key).await.map_err(retry)? else { return Ok(()) };
        let tag = &upload_key.rsplit('-').next().unwrap_or("p").chars().take(12).collect::<String>();
        let renditions = blocking(move || files::poster_renditions(&image.bytes)).await?;
        let (fresh, written) = self.put_renditions(&o, renditions, tag).await?;
        let mut variants = o.variants.clone();
        let replaced: Vec<String> = fresh
            .keys()
            .filter_map(|name| variants.get(name).map(|v| v.key.clone()))
            .filter(|k| !written.contains(k))
            .collect();
        variants.extend(fresh);
        let mut tx = self.db.begin().await.map_err(retry)?;
        let set = store::objects::set_variants(&mut tx, id, &variants, self.clock.now()).await.map_err(retry)?;
        tx.commit().await.map_err(retry)?;
        if set {
            self.remove_keys(&replaced).await;
        } else {
            self.remove_keys(&written).await;
        }
        self.remove_keys(&[upload_key.to_owned()]).await;
        Ok(())
    }
}

pub struct ProcessJob(pub Weak<MediaService>);

#[async_trait]
impl JobHandler for ProcessJob {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        live(&self.0)?.process(object_id(job, "objectId")?).await
    }

    async fn failed(&self, job: &Job, reason: &str) {
        if let (Ok(id), Ok(service)) = (object_id(job, "objectId"), live(&self.0)) {
            service.processing_failed(id, reason).await;
        }
    }
}

pub struct PosterJob(pub Weak<MediaService>);

#[async_trait]
impl JobHandler for PosterJob {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let key = job.payload.get("key").and_then(|k| k.as_str()).ok_or_else(|| JobError::fail("bad payload"))?;
        live(&self.0)?.set_poster(object_id(job, "objectId")?, key).await
    }
}

/// Removes stored files whose rows are gone.
pub struct PurgeJob(pub Weak<MediaService>);

#[async_trait]
impl JobHandler for PurgeJob {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let keys = job.payload.get("keys").and_then(|k| k.as_array()).ok_or_else(|| JobError::fail("bad payload"))?;
        let service = live(&self.0)?;
        for key in keys.iter().filter_map(|k| k.as_str()) {
            service.storage.delete(key).await.map_err(retry)?;
        }
        Ok(())
    }
}

/// The service, unless the context is being dropped (the job is then retried later).
fn live(service: &Weak<MediaService>) -> Result<Arc<MediaService>, JobError> {
    service.upgrade().ok_or_else(|| JobError::retry("the media context is stopping"))
}

/// Registers media's jobs on the context's queue. Handlers hold the service weakly: the
/// service holds the queue, which holds the handlers, and a strong reference would be a cycle
/// that never frees the database pools. The context's event subscriptions keep it alive.
pub fn register(service: &Arc<MediaService>) {
    let weak = Arc::downgrade(service);
    service.jobs.register(PROCESS_JOB, Arc::new(ProcessJob(weak.clone())));
    service.jobs.register(POSTER_JOB, Arc::new(PosterJob(weak.clone())));
    service.jobs.register(PURGE_JOB, Arc::new(PurgeJob(weak)));
}
