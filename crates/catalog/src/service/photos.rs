//! Listing photos: up to [`MAX_PHOTOS`] per listing, uploaded, captioned, reordered and
//! deleted by the owner. An upload is only checked from its bytes (format, the header's
//! dimensions, a proper end), kept under a private key and answered at once as `processing`;
//! the `catalog.photo` job ([`super::photo_job`]) decodes it off the request path and makes its
//! three JPEG sizes (metadata such as the GPS position dropped). Reads follow the listing's
//! visibility, and show ready photos only — except to the owner (and administrators), who see
//! every photo with its status and, for a failed one, why.

use std::collections::{BTreeMap, BTreeSet};

use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use platform::images::ImageError;
use platform::jobs::JobSpec;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::Catalog;
use super::photo_job::{PHOTO_JOB, original_key};
use crate::domain::fields;
use crate::domain::listing::Listing;
use crate::store::{self, photos::Photo, photos::PhotoStatus};

/// Most photos a listing may have (processing and failed ones count).
pub const MAX_PHOTOS: i64 = 10;
/// Longest caption, in characters.
pub const MAX_CAPTION: usize = 200;
/// How an original waiting for processing is stored: never served by `/media`.
const PRIVATE_TYPE: &str = "application/octet-stream";

/// One size of a photo as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VariantView {
    pub url: String,
    pub width: u32,
    pub height: u32,
}

/// A listing photo as clients see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhotoView {
    pub id: Uuid,
    /// 1, 2, … in display order, counting every photo (the public may not see all of them).
    pub position: i32,
    pub caption: Option<String>,
    /// `processing` (just uploaded, no sizes yet), `ready`, or `failed`. Only the owner sees
    /// photos that are not ready.
    pub status: PhotoStatus,
    /// Why a failed photo could not be processed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// `thumb` (longest edge ≤ 320), `medium` (≤ 1024), `large` (≤ 2048): JPEG, never upscaled.
    /// Empty until the photo is ready.
    pub variants: BTreeMap<String, VariantView>,
}

fn listing_not_found() -> ApiError {
    ApiError::not_found("Listing not found")
}

fn photo_not_found() -> ApiError {
    ApiError::not_found("Photo not found")
}

fn image_error(e: &ImageError) -> ApiError {
    let code = match e {
        ImageError::UnsupportedFormat => "unsupported_media_type",
        ImageError::TooLarge | ImageError::TooManyPixels => "payload_too_large",
        ImageError::Corrupt => "invalid_image",
    };
    ApiError::new(e.status(), code, e.to_string())
}

fn photo_limit() -> ApiError {
    ApiError::new(409, "photo_limit", format!("A listing has at most {MAX_PHOTOS} photos; delete one first"))
}

fn storage_error(e: &platform::storage::StorageError) -> ApiError {
    tracing::error!(error = %e, "listing photo not stored");
    ApiError::unavailable("The photo could not be stored; try again", Some(30))
}

/// A caption as sent → what is stored: trimmed plain text of at most 200 characters; empty or
/// absent means none.
pub fn caption(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    fields::text(raw, 1, MAX_CAPTION, false)
        .map(Some)
        .map_err(|m| ApiError::validation(vec![FieldError::new("caption", m)]))
}

/// Whether `viewer` sees every photo of `l` (with its status), not only the ready ones.
pub fn sees_all_photos(l: &Listing, viewer: Option<&AuthUser>) -> bool {
    viewer.is_some_and(|v| v.user_id == l.owner_id || v.is_admin())
}

impl Catalog {
    fn photo_view(&self, p: &Photo) -> PhotoView {
        let variants = p
            .variants
            .iter()
            .map(|(name, v)| {
                (name.clone(), VariantView { url: self.media.url_for(&v.key), width: v.width, height: v.height })
            })
            .collect();
        PhotoView {
            id: p.id,
            position: p.position,
            caption: p.caption.clone(),
            status: p.status,
            failure: p.failure.clone(),
            variants,
        }
    }

    /// The photos of `listing` in display order — every one with `all`, else the ready ones —
    /// without any visibility check: for callers that already decided the listing may be seen
    /// (e.g. the listing view).
    pub async fn photos_of(&self, listing: Uuid, all: bool) -> Result<Vec<PhotoView>, ApiError> {
        let photos = store::photos::list(&self.db, listing).await?;
        Ok(photos.iter().filter(|p| all || p.status == PhotoStatus::Ready).map(|p| self.photo_view(p)).collect())
    }

    /// The photos of a listing `viewer` may see (see [`Catalog::listing`]): the ready ones, or
    /// all of them for its owner and administrators.
    pub async fn listing_photos(&self, listing: Uuid, viewer: Option<&AuthUser>) -> Result<Vec<PhotoView>, ApiError> {
        let l = self.listing(listing, viewer).await?;
        self.photos_of(listing, sees_all_photos(&l, viewer)).await
    }

    /// Deletes the stored objects among `keys` that no photo of `listing` refers to any more
    /// (photos stored before the job queue have content-addressed keys, which copies of the same
    /// picture share).
    async fn discard_objects(&self, listing: Uuid, keys: impl IntoIterator<Item = String>) {
        let in_use: BTreeSet<String> = match store::photos::list(&self.db, listing).await {
            Ok(photos) => photos.into_iter().flat_map(|p| p.variants.into_values().map(|v| v.key)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "listing photos not read; stored objects kept");
                return;
            }
        };
        for key in keys.into_iter().collect::<BTreeSet<_>>() {
            if !in_use.contains(&key)
                && let Err(e) = self.media.delete(&key).await
            {
                tracing::warn!(error = %e, key, "listing photo object not deleted");
            }
        }
    }

    /// Adds a photo at the end of the listing's photos (owner only), `processing`: the
    /// original is checked from its bytes and kept privately, and the `catalog.photo` job is
    /// queued with the photo, in one transaction.
    pub async fn add_photo(
        &self,
        listing: Uuid,
        user: &AuthUser,
        upload: Vec<u8>,
        caption_raw: Option<&str>,
    ) -> Result<PhotoView, ApiError> {
        self.owned(listing, user).await?;
        let caption = caption(caption_raw)?;
        // Cheap early answer before anything is stored; checked again under the lock below.
        if store::photos::count(&self.db, listing).await? >= MAX_PHOTOS {
            return Err(photo_limit());
        }
        platform::images::inspect(&upload).map_err(|e| image_error(&e))?;
        let id = kernel::new_id();
        let key = original_key(listing, id);
        self.media.put(&key, upload, PRIVATE_TYPE).await.map_err(|e| storage_error(&e))?;

        let saved = async {
            let mut tx = self.db.begin().await?;
            if !store::photos::lock_listing(&mut tx, listing).await? {
                return Err(listing_not_found());
            }
            let n = store::photos::count_tx(&mut tx, listing).await?;
            if n >= MAX_PHOTOS {
                return Err(photo_limit());
            }
            let photo = Photo {
                id,
                listing_id: listing,
                position: i32::try_from(n + 1).map_err(|_| ApiError::internal())?,
                caption,
                variants: BTreeMap::new(),
                status: PhotoStatus::Processing,
                failure: None,
                original_key: Some(key.clone()),
                created_at: self.clock.now(),
            };
            store::photos::insert(&mut tx, &photo).await?;
            let job = JobSpec::new(PHOTO_JOB, json!({ "photoId": id, "listingId": listing }));
            self.jobs.enqueue(&mut tx, job).await?;
            tx.commit().await?;
            Ok(photo)
        }
        .await;
        match saved {
            Ok(photo) => {
                self.jobs.committed();
                Ok(self.photo_view(&photo))
            }
            Err(e) => {
                if let Err(e) = self.media.delete(&key).await {
                    tracing::warn!(error = %e, key, "refused photo upload not deleted");
                }
                Err(e)
            }
        }
    }

    /// Changes a photo (owner only): `caption` `Some(text)` sets it, `Some(None)` clears it,
    /// `None` leaves it.
    pub async fn update_photo(
        &self,
        listing: Uuid,
        photo: Uuid,
        user: &AuthUser,
        caption_raw: Option<Option<&str>>,
    ) -> Result<PhotoView, ApiError> {
        self.owned(listing, user).await?;
        let new_caption = caption_raw.map(caption).transpose()?;
        let mut tx = self.db.begin().await?;
        if !store::photos::lock_listing(&mut tx, listing).await? {
            return Err(listing_not_found());
        }
        let mut p = store::photos::list_tx(&mut tx, listing)
            .await?
            .into_iter()
            .find(|p| p.id == photo)
            .ok_or_else(photo_not_found)?;
        if let Some(caption) = new_caption {
            store::photos::set_caption(&mut tx, p.id, caption.as_deref()).await?;
            p.caption = caption;
        }
        tx.commit().await?;
        self.forget_listing(listing).await;
        Ok(self.photo_view(&p))
    }

    /// Puts the listing's photos in the order of `order`, which must name each of them exactly
    /// once (owner only). Returns them in their new order.
    pub async fn reorder_photos(
        &self,
        listing: Uuid,
        user: &AuthUser,
        order: &[Uuid],
    ) -> Result<Vec<PhotoView>, ApiError> {
        self.owned(listing, user).await?;
        let mut tx = self.db.begin().await?;
        if !store::photos::lock_listing(&mut tx, listing).await? {
            return Err(listing_not_found());
        }
        let mut photos = store::photos::list_tx(&mut tx, listing).await?;
        let current: BTreeSet<Uuid> = photos.iter().map(|p| p.id).collect();
        let wanted: BTreeSet<Uuid> = order.iter().copied().collect();
        if wanted.len() != order.len() || wanted != current {
            return Err(ApiError::validation(vec![FieldError::new(
                "photoIds",
                "must list each of the listing's photos exactly once",
            )]));
        }
        photos.sort_by_key(|p| order.iter().position(|id| *id == p.id));
        for (i, p) in photos.iter_mut().enumerate() {
            let position = i32::try_from(i + 1).map_err(|_| ApiError::internal())?;
            if p.position != position {
                store::photos::set_position(&mut tx, p.id, position).await?;
                p.position = position;
            }
        }
        tx.commit().await?;
        self.forget_listing(listing).await;
        Ok(photos.iter().map(|p| self.photo_view(p)).collect())
    }

    /// Deletes a photo (in any state) and its stored files; the photos after it move up (owner
    /// only).
    pub async fn delete_photo(&self, listing: Uuid, photo: Uuid, user: &AuthUser) -> Result<(), ApiError> {
        self.owned(listing, user).await?;
        let mut tx = self.db.begin().await?;
        if !store::photos::lock_listing(&mut tx, listing).await? {
            return Err(listing_not_found());
        }
        let mut photos = store::photos::list_tx(&mut tx, listing).await?;
        let at = photos.iter().position(|p| p.id == photo).ok_or_else(photo_not_found)?;
        let removed = photos.remove(at);
        store::photos::delete(&mut tx, removed.id).await?;
        for (i, p) in photos.iter().enumerate() {
            let position = i32::try_from(i + 1).map_err(|_| ApiError::internal())?;
            if p.position != position {
                store::photos::set_position(&mut tx, p.id, position).await?;
            }
        }
        tx.commit().await?;
        self.forget_listing(listing).await;
        // A photo still processing has its original instead; its job, finding the photo gone,
        // removes whatever it stored meanwhile.
        let keys = removed.variants.into_values().map(|v| v.key).chain(removed.original_key);
        self.discard_objects(listing, keys).await;
        Ok(())
    }
}
