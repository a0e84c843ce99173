//! The consumers: catalog's `listing.*` (a published listing is indexed, any other status
//! removes it), booking's `availability.changed` and reviews' `review.summary_changed`. The
//! platform dedupes deliveries; the versions recorded per listing also make an older event
//! arriving after a newer one harmless (see [`crate::indexing`]).
//!
//! Index changes go to the writer thread once recorded in the transaction, with a pending row
//! naming them; if that transaction then fails, redelivery applies the same change again (an
//! upsert or a delete is idempotent).

use std::sync::Arc;

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};

use crate::indexing::{self, Indexing};

/// Consumer names: dedupe records are keyed on them, so they must never change.
pub const LISTINGS_CONSUMER: &str = "search.listing-indexer";
pub const AVAILABILITY_CONSUMER: &str = "search.availability";
pub const RATINGS_CONSUMER: &str = "search.ratings";

/// Event types carrying the listing's public view.
const LISTING_EVENTS: &[&str] =
    &["listing.created", "listing.updated", "listing.published", "listing.unpublished", "listing.deleted"];
/// Booking's event type (subject `availability.changed`).
pub const AVAILABILITY_EVENT: &str = "availability.changed";
/// Reviews' event type (subject `review.summary_changed`).
pub const RATING_EVENT: &str = "review.summary_changed";

/// One handler for the three consumers; what it does depends on the event type.
pub struct Indexer(pub Arc<Indexing>);

#[async_trait]
impl EventHandler for Indexer {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let now = self.0.clock.now();
        let data = &event.data;
        let kind = event.event_type.as_str();
        let change = if LISTING_EVENTS.contains(&kind) {
            indexing::listing(tx, data, kind == "listing.deleted", now).await?
        } else if kind == AVAILABILITY_EVENT {
            indexing::availability(tx, data, now).await?
        } else if kind == RATING_EVENT {
            indexing::rating(tx, data, now).await?
        } else {
            return Ok(());
        };
        if let Some(change) = change {
            self.0.stage(tx, change).await?;
        }
        Ok(())
    }
}
