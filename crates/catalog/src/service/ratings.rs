//! Reviews' ratings in catalog: the `catalog.ratings` consumer keeps the newest rating summary
//! per listing (`review.summary_changed`; every other `review.*` event is ignored), and every
//! listing view is rendered with it ([`super::views`]).
//!
//! A summary's version only grows per listing: an older or equal one is skipped, so a late or
//! redelivered event changes nothing. A rating change leaves the listing itself alone — no new
//! version, no `listing.updated` (search takes ratings from reviews directly, and a busy
//! listing's reviews must not turn into a storm of listing events) — but forgets the cached
//! public detail, which shows the rating.

use std::sync::Arc;

use async_trait::async_trait;
use kernel::{Clock, EventEnvelope};
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use platform::hot::HotCache;

use crate::domain::rating::RatingSummary;
use crate::store;

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const RATINGS_CONSUMER: &str = "catalog.ratings";
/// The reviews context's event carrying a listing's rating summary.
pub const RATING_EVENT: &str = "review.summary_changed";

/// Applies reviews' rating summaries.
pub struct RatingsConsumer {
    pub clock: Arc<dyn Clock>,
    pub cache: HotCache,
}

#[async_trait]
impl EventHandler for RatingsConsumer {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type != RATING_EVENT {
            return Ok(());
        }
        let Some(summary) = RatingSummary::from_payload(&event.data) else {
            tracing::warn!(event = %event.id, "catalog: a rating summary without a listing, a version or a sane rating; skipped");
            return Ok(());
        };
        if store::ratings::version(tx, summary.listing_id).await?.is_some_and(|v| v >= summary.version) {
            return Ok(());
        }
        store::ratings::record(tx, &summary, self.clock.now()).await?;
        Ok(())
    }

    async fn after_commit(&self, event: &EventEnvelope) {
        if event.event_type != RATING_EVENT {
            return;
        }
        if let Some(summary) = RatingSummary::from_payload(&event.data) {
            super::cached::forget(&self.cache, summary.listing_id).await;
        }
    }
}
