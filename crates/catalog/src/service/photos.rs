//! Listing photos: up to [`MAX_PHOTOS`] per listing, uploaded by the owner, checked and
//! re-encoded into three JPEG sizes on the blocking pool (metadata such as the GPS position
//! stripped), stored under content-addressed keys, captioned, reordered and deleted by the
//! owner. Reads follow the listing's visibility.

use std::collections::{BTreeMap, BTreeSet};

use aws_lc_rs::digest;
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use platform::images::{self, ImageError};
use serde::Serialize;
use uuid::Uuid;

use super::Catalog;
use crate::domain::fields;
use crate::store::{self, photos::Photo, photos::StoredVariant};

/// Most photos a listing may have.
pub const MAX_PHOTOS: i64 = 10;
/// Longest caption, in characters.
pub const MAX_CAPTION: usize = 200;

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
    /// 1, 2, … in display order.
    pub position: i32,
    pub caption: Option<String>,
    /// `thumb` (longest edge ≤ 320), `medium` (≤ 1024), `large` (≤ 2048): JPEG, never upscaled.
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

/// The first 20 hex digits of the SHA-256 of `bytes`.
fn content_tag(bytes: &[u8]) -> String {
    let hash = digest::digest(&digest::SHA256, bytes);
    hash.as_ref().iter().take(10).map(|b| format!("{b:02x}")).collect()
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
        PhotoView { id: p.id, position: p.position, caption: p.caption.clone(), variants }
    }

    /// The photos of `listing` in display order, without any visibility check: for callers
    /// that already decided the listing may be seen (e.g. the listing view).
    pub async fn photos_of(&self, listing: Uuid) -> Result<Vec<PhotoView>, ApiError> {
        let photos = store::photos::list(&self.db, listing).await?;
        Ok(photos.iter().map(|p| self.photo_view(p)).collect())
    }

    /// The photos of a listing `viewer` may see (see [`Catalog::listing`]).
    pub async fn listing_photos(&self, listing: Uuid, viewer: Option<&AuthUser>) -> Result<Vec<PhotoView>, ApiError> {
        self.listing(listing, viewer).await?;
        self.photos_of(listing).await
    }

    /// Deletes the stored objects among `keys` that no photo of `listing` refers to any more
    /// (keys are content-addressed, so the same picture uploaded twice shares them).
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

    /// Adds a photo at the end of the listing's photos (owner only).
    pub async fn add_photo(
        &self,
        listing: Uuid,
        user: &AuthUser,
        upload: Vec<u8>,
        caption_raw: Option<&str>,
    ) -> Result<PhotoView, ApiError> {
        self.owned(listing, user).await?;
        let caption = caption(caption_raw)?;
        // Cheap early answer before any decoding; checked again under the lock below.
        if store::photos::count(&self.db, listing).await? >= MAX_PHOTOS {
            return Err(photo_limit());
        }
        let variants = tokio::task::spawn_blocking(move || images::listing_variants(&upload))
            .await
            .map_err(|_| ApiError::internal())?
            .map_err(|e| image_error(&e))?;

        let mut stored = BTreeMap::new();
        let mut put_keys = Vec::new();
        for v in variants {
            let key = format!("listings/{}/{}-{}.jpg", listing.simple(), content_tag(&v.bytes), v.name);
            if let Err(e) = self.media.put(&key, v.bytes, v.content_type).await {
                self.discard_objects(listing, put_keys).await;
                return Err(storage_error(&e));
            }
            put_keys.push(key.clone());
            stored.insert(v.name.to_owned(), StoredVariant { key, width: v.width, height: v.height });
        }

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
                id: kernel::new_id(),
                listing_id: listing,
                position: i32::try_from(n + 1).map_err(|_| ApiError::internal())?,
                caption,
                variants: stored,
                created_at: self.clock.now(),
            };
            store::photos::insert(&mut tx, &photo).await?;
            tx.commit().await?;
            self.forget_listing(listing).await;
            Ok(photo)
        }
        .await;
        match saved {
            Ok(photo) => Ok(self.photo_view(&photo)),
            Err(e) => {
                self.discard_objects(listing, put_keys).await;
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

    /// Deletes a photo and its stored sizes; the photos after it move up (owner only).
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
        self.discard_objects(listing, removed.variants.into_values().map(|v| v.key)).await;
        Ok(())
    }
}
