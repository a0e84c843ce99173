//! Listings as clients see them: each with its reviews' rating ([`super::ratings`]) and its
//! media summary ([`super::media`]), read for a whole page at once; and the detail, which adds
//! the photos and is served from the shared cache to everyone but the listing's owner and
//! administrators (who see photos that are not ready yet, so their detail is their own).

use kernel::ApiError;
use platform::auth::AuthUser;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Catalog;
use super::photos::sees_all_photos;
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

/// Whether the cached public `body` is not what `viewer` sees: its owner and administrators see
/// every photo.
fn sees_more_than_cached(body: &Value, viewer: Option<&AuthUser>) -> bool {
    viewer.is_some_and(|v| {
        v.is_admin() || body["listing"]["ownerId"].as_str().and_then(|o| o.parse::<Uuid>().ok()) == Some(v.user_id)
    })
}

impl Catalog {
    /// The body of `GET /api/v1/listings/{id}` for `viewer` (`{ listing }` with its photos), and
    /// the listing's version for the ETag.
    pub async fn listing_detail(&self, id: Uuid, viewer: Option<&AuthUser>) -> Result<(Value, i64), ApiError> {
        let ticket = match self.cached_listing(id).await {
            Ok(hit) if !sees_more_than_cached(&hit.body, viewer) => return Ok((hit.body, hit.version)),
            Ok(_) => None,
            Err(ticket) => ticket,
        };
        let l = self.listing(id, viewer).await?;
        let all = sees_all_photos(&l, viewer);
        let mut listing = self.view(&l).await?;
        listing["photos"] = json!(self.photos_of(l.id, all).await?);
        let body = json!({ "listing": listing });
        if let Some(ticket) = ticket.filter(|_| l.status == "published" && !all) {
            self.cache_listing(ticket, &body, l.version).await;
        }
        Ok((body, l.version))
    }
}
