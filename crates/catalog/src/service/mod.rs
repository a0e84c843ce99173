//! What the catalog does — providers, the listing life cycle, listing photos (and the job that
//! processes them), and the ratings and media summaries shown on listings — independent of
//! HTTP.

pub mod cached;
mod listings;
pub mod media;
pub mod photo_job;
pub mod photos;
pub mod providers;
pub mod ratings;
pub mod sessions;
pub mod trips;
mod views;

use std::sync::Arc;

use kernel::{ApiError, Clock, EventEnvelope};
use platform::Events;
use platform::db::{Db, Tx};
use platform::events::enqueue;
use platform::storage::Media;
use serde_json::Value;
use uuid::Uuid;

pub struct Catalog {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub events: Events,
    /// Listing photos: the object store and the public URLs of its objects.
    pub media: Media,
    /// The catalog's job queue (`catalog.photo`).
    pub jobs: platform::jobs::Jobs,
    /// Fills in coordinates from addresses, when configured.
    pub geocoder: Option<Arc<dyn crate::geocode::Geocoder>>,
    /// Hot public answers (listing details and photos, provider profiles), finished and
    /// in-process; forgotten on every change ([`cached`]).
    pub hot: platform::hot::HotCache,
}

impl Catalog {
    /// Looks up coordinates for a listing with a full address and none given. A failed lookup
    /// only leaves them missing (publishing then asks for them).
    async fn fill_location(&self, l: &mut crate::domain::listing::Listing) {
        let Some(geocoder) = &self.geocoder else { return };
        let a = &l.address;
        if l.location.is_some() || a.line1.is_none() || a.city.is_none() || a.country.is_none() {
            return;
        }
        match geocoder.locate(a).await {
            Ok(found) => l.location = found,
            Err(e) => tracing::warn!(error = %e, "geocoding failed"),
        }
    }

    async fn emit(&self, tx: &mut Tx, kind: &str, aggregate: Uuid, actor: Uuid, data: Value) -> Result<(), ApiError> {
        let event = EventEnvelope::new(kind, aggregate, self.clock.now(), data).with_actor(actor.to_string());
        enqueue(tx, &event).await?;
        Ok(())
    }
}
