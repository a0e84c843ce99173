//! The media context's events in catalog: the `catalog.media` consumer (on `media.*`) keeps,
//! per listing, which panoramas and videos are ready and which tour it has, and every listing
//! view shows the summary ([`crate::domain::media::MediaSummary`]). Handling is idempotent —
//! a redelivered or late event finds the tombstone or the newer tour version and changes
//! nothing — and, like a rating, a media change is no change of the listing: no new version,
//! no `listing.*` event, only the cached public detail forgotten.

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use platform::hot::HotCache;

use crate::domain::media::MediaChange;
use crate::store;

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const MEDIA_CONSUMER: &str = "catalog.media";
/// What it listens to.
pub const MEDIA_EVENTS: &str = "media.*";

/// Applies media's events to the listings' media summaries.
pub struct MediaConsumer {
    pub cache: HotCache,
}

#[async_trait]
impl EventHandler for MediaConsumer {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        match MediaChange::read(&event.event_type, &event.data) {
            Ok(Some(change)) => store::media::apply(tx, &change, event.occurred_at).await?,
            Ok(None) => {}
            Err(problem) => {
                tracing::warn!(event = %event.id, kind = %event.event_type, problem, "catalog: unusable media event; skipped");
            }
        }
        Ok(())
    }

    async fn after_commit(&self, event: &EventEnvelope) {
        if let Ok(Some(change)) = MediaChange::read(&event.event_type, &event.data) {
            super::cached::forget(&self.cache, change.listing()).await;
        }
    }
}
