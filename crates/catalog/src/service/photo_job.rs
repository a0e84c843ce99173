//! `catalog.photo`: the job that turns an uploaded photo `ready`, off the request path (the
//! platform job queue: leased, retried with backoff, kept across restarts). It decodes the
//! private original, renders the three JPEG sizes (`platform::images::listing_variants`, which
//! also drops every metadata segment), stores them, marks the photo ready and forgets the
//! listing's cached detail, then deletes the original. An image that does not decode marks the
//! photo `failed` with the reason; so does a job that runs out of attempts.
//!
//! Runs may repeat (at least once): the sizes go under keys fixed by the photo's id, a photo
//! that is no longer processing is left alone, and a photo deleted meanwhile gets what the job
//! stored removed.

use std::collections::BTreeMap;
use std::sync::{Arc, Weak};

use async_trait::async_trait;
use platform::images;
use platform::jobs::{Job, JobError, JobHandler};
use uuid::Uuid;

use super::Catalog;
use crate::store::{self, photos::PhotoStatus, photos::StoredVariant};

/// The job kind (kept in queued rows: never rename it).
pub const PHOTO_JOB: &str = "catalog.photo";

/// Shown to the owner when processing gave up for a reason of ours, not of the image.
const GAVE_UP: &str = "the photo could not be processed; delete it and upload it again";

/// Where an upload waits for its job: a key `/media` never serves (its type is not an image).
pub fn original_key(listing: Uuid, photo: Uuid) -> String {
    format!("incoming/photos/{}/{}", listing.simple(), photo.simple())
}

/// Where a size of a photo goes: fixed by the photo, so a repeated run writes the same keys
/// (and a photo's sizes never change, so they may be cached for good).
fn variant_key(listing: Uuid, photo: Uuid, name: &str) -> String {
    format!("listings/{}/{}-{name}.jpg", listing.simple(), photo.simple())
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::retry(e.to_string())
}

fn ids(job: &Job) -> Result<(Uuid, Uuid), JobError> {
    let id = |key: &str| job.payload.get(key).and_then(|v| v.as_str()).and_then(|s| s.parse::<Uuid>().ok());
    match (id("listingId"), id("photoId")) {
        (Some(listing), Some(photo)) => Ok((listing, photo)),
        _ => Err(JobError::fail("bad payload")),
    }
}

impl Catalog {
    /// One run of `catalog.photo`.
    async fn process_photo(&self, listing: Uuid, photo: Uuid) -> Result<(), JobError> {
        let Some(p) = store::photos::find(&self.db, photo).await.map_err(retry)? else {
            self.remove_photo_files(listing, photo).await;
            return Ok(());
        };
        if p.status != PhotoStatus::Processing {
            return Ok(());
        }
        let key = p.original_key.unwrap_or_else(|| original_key(listing, photo));
        let Some(original) = self.media.get(&key).await.map_err(retry)? else {
            let reason = "the uploaded file is missing";
            self.fail_photo(listing, photo, reason).await.map_err(retry)?;
            return Err(JobError::fail(reason));
        };
        let rendered = tokio::task::spawn_blocking(move || images::listing_variants(&original.bytes))
            .await
            .map_err(|_| JobError::retry("photo rendering panicked"))?;
        let variants = match rendered {
            Ok(variants) => variants,
            Err(e) => {
                let reason = e.to_string();
                self.fail_photo(listing, photo, &reason).await.map_err(retry)?;
                return Err(JobError::fail(reason));
            }
        };
        let mut stored = BTreeMap::new();
        for v in variants {
            let key = variant_key(listing, photo, v.name);
            self.media.put(&key, v.bytes, v.content_type).await.map_err(retry)?;
            stored.insert(v.name.to_owned(), StoredVariant { key, width: v.width, height: v.height });
        }
        let mut tx = self.db.begin().await.map_err(retry)?;
        let ready = store::photos::set_ready(&mut tx, photo, &stored).await.map_err(retry)?;
        tx.commit().await.map_err(retry)?;
        if ready {
            self.forget_listing(listing).await;
            self.delete_file(&key).await;
        } else if !self.photo_is_ready(photo).await {
            // Deleted (or failed) while we worked: what we stored is nobody's.
            self.remove_photo_files(listing, photo).await;
        }
        Ok(())
    }

    /// Marks a processing photo failed (the owner sees `reason`) and deletes its original.
    async fn fail_photo(&self, listing: Uuid, photo: Uuid, reason: &str) -> Result<(), platform::db::DbError> {
        store::photos::set_failed(&self.db, photo, reason).await?;
        self.delete_file(&original_key(listing, photo)).await;
        Ok(())
    }

    async fn photo_is_ready(&self, photo: Uuid) -> bool {
        matches!(store::photos::find(&self.db, photo).await, Ok(Some(p)) if p.status == PhotoStatus::Ready)
    }

    /// Removes the original and the sizes a run may have stored for `photo`.
    async fn remove_photo_files(&self, listing: Uuid, photo: Uuid) {
        self.delete_file(&original_key(listing, photo)).await;
        for (name, _) in images::LISTING_VARIANTS {
            self.delete_file(&variant_key(listing, photo, name)).await;
        }
    }

    async fn delete_file(&self, key: &str) {
        if let Err(e) = self.media.delete(key).await {
            tracing::warn!(error = %e, key, "listing photo file not deleted");
        }
    }
}

/// Runs `catalog.photo` jobs. It holds the service weakly: the service holds the queue, which
/// holds its handlers, and a strong cycle would keep the context's database pool open for good.
pub struct PhotoJob(pub Weak<Catalog>);

impl PhotoJob {
    pub fn new(catalog: &Arc<Catalog>) -> Self {
        Self(Arc::downgrade(catalog))
    }
}

#[async_trait]
impl JobHandler for PhotoJob {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let (listing, photo) = ids(job)?;
        let catalog = self.0.upgrade().ok_or_else(|| JobError::retry("the catalog is shutting down"))?;
        catalog.process_photo(listing, photo).await
    }

    /// The job gave up: a photo still processing fails (an image that did not decode was
    /// already marked with its own reason) and nothing it stored stays behind.
    async fn failed(&self, job: &Job, reason: &str) {
        let (Ok((listing, photo)), Some(catalog)) = (ids(job), self.0.upgrade()) else { return };
        tracing::warn!(%photo, reason, "listing photo processing gave up");
        if let Err(e) = catalog.fail_photo(listing, photo, GAVE_UP).await {
            tracing::error!(%photo, error = %e, "listing photo not marked failed");
        }
        if !catalog.photo_is_ready(photo).await {
            catalog.remove_photo_files(listing, photo).await;
        }
    }
}
