//! Listings as clients see them: each with its reviews' rating ([`super::ratings`]) and its
//! media summary ([`super::media`]), read for a whole page at once; and the detail, which adds
//! the photos and, like the photo list, is served from the hot cache ([`super::cached`]) to
//! everyone but the listing's owner and administrators (who see photos that are not ready yet,
//! so their answer is their own).

use std::sync::Arc;

use kernel::ApiError;
use platform::auth::AuthUser;
use platform::hot::{Hot, HotLookup};
use serde_json::{Value, json};
use uuid::Uuid;

use super::photos::sees_all_photos;
use super::{Catalog, cached};
use crate::domain::listing::Listing;
use crate::store;
use crate::view;

impl Catalog {
    /// `listings` as clients see them (one query for all their ratings, two for their media).
    pub async fn views(&self, listings: &[Listing]) -> Result<Vec<Value>, ApiError> {
        let ids: Vec<_> = listings.iter().map(|l| l.id).collect();
        let ratings = store::ratings::of(&self.db, &ids).await?;
        let media = store::media::summaries(&self.db, &ids).await?;
        Ok(listings
            .iter()
            .map(|l| {
                let rating = ratings.get(&l.id).cloned().unwrap_or_default();
                view::shown(l, &rating, &media.get(&l.id).cloned().unwrap_or_default())
            })
            .collect())
    }

    /// `l` as clients see it.
    pub async fn view(&self, l: &Listing) -> Result<Value, ApiError> {
        Ok(self.views(std::slice::from_ref(l)).await?.pop().unwrap_or_else(|| view::listing(l)))
    }
}

/// Whether `viewer` sees more than the public answer about a listing owned by `owner`: its owner
/// and administrators see every photo, so their answer is their own.
fn sees_more_than_public(owner: Option<Uuid>, viewer: Option<&AuthUser>) -> bool {
    viewer.is_some_and(|v| v.is_admin() || owner == Some(v.user_id))
}

impl Catalog {
    /// The answer to `GET /api/v1/listings/{id}` for `viewer` (`{ listing }` with its photos),
    /// from the hot cache when it is the public one.
    pub async fn listing_detail(&self, id: Uuid, viewer: Option<&AuthUser>) -> Result<Arc<Hot>, ApiError> {
        self.listing_answer(id, viewer, cached::DETAIL, async |l: &Listing, all: bool| {
            let mut listing = self.view(l).await?;
            listing["photos"] = json!(self.photos_of(l.id, all).await?);
            Ok(json!({ "listing": listing }))
        })
        .await
    }

    /// The answer to `GET /api/v1/listings/{id}/photos` for `viewer`, like the detail.
    pub async fn listing_photos_answer(&self, id: Uuid, viewer: Option<&AuthUser>) -> Result<Arc<Hot>, ApiError> {
        self.listing_answer(id, viewer, cached::PHOTOS, async |l: &Listing, all: bool| {
            Ok(json!({ "photos": self.photos_of(l.id, all).await? }))
        })
        .await
    }

    /// Answer `key` about listing `id` for `viewer`: from the hot cache when the cached answer
    /// is the one `viewer` sees, else made by `body(listing, sees_all_photos)` and kept for
    /// others only when it is the public answer of a published listing.
    async fn listing_answer(
        &self,
        id: Uuid,
        viewer: Option<&AuthUser>,
        key: &str,
        body: impl AsyncFnOnce(&Listing, bool) -> Result<Value, ApiError>,
    ) -> Result<Arc<Hot>, ApiError> {
        let group = cached::listing_group(id);
        let ticket = match self.hot.get(&group, key) {
            HotLookup::Hit(hot) if !sees_more_than_public(hot.owner, viewer) => return Ok(hot),
            HotLookup::Hit(_) => None,
            HotLookup::Miss(ticket) => Some(ticket),
        };
        let l = self.listing(id, viewer).await?;
        let all = sees_all_photos(&l, viewer);
        let hot = Hot::json(&body(&l, all).await?, l.version, Some(l.owner_id))?;
        Ok(match ticket.filter(|_| l.status == "published" && !all) {
            Some(ticket) => self.hot.put(ticket, hot),
            None => Arc::new(hot),
        })
    }
}
