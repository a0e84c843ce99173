//! The consumer of catalog's `listing.*` events: a published listing is (re)indexed, any other
//! status removes it. The platform dedupes deliveries; the version recorded per listing also
//! makes an older event arriving after a newer one harmless (it is skipped).
//!
//! Index changes go to the writer thread once the version is recorded in the transaction; if
//! that transaction then fails, redelivery applies the same change again (an upsert or a
//! delete is idempotent).

use async_trait::async_trait;
use kernel::{Clock, EventEnvelope};
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};

use crate::domain::IndexedListing;
use crate::index::{Change, Writer};
use crate::store;

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const LISTINGS_CONSUMER: &str = "search.listing-indexer";

/// Event types carrying the listing's public view.
const LISTING_EVENTS: &[&str] =
    &["listing.created", "listing.updated", "listing.published", "listing.unpublished", "listing.deleted"];

pub struct ListingIndexer {
    pub clock: std::sync::Arc<dyn Clock>,
    pub writer: Writer,
}

#[async_trait]
impl EventHandler for ListingIndexer {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if !LISTING_EVENTS.contains(&event.event_type.as_str()) {
            return Ok(());
        }
        let Some(listing) = IndexedListing::from_event(&event.data) else {
            tracing::warn!(event_id = %event.id, event_type = %event.event_type, "search: skipped, no listing in it");
            return Ok(());
        };
        if store::applied_version(tx, listing.id).await?.is_some_and(|v| v > listing.version) {
            return Ok(());
        }
        let searchable = listing.searchable();
        store::record(tx, listing.id, listing.version, searchable, self.clock.now()).await?;
        let change = if searchable { Change::Upsert(Box::new(listing)) } else { Change::Remove(listing.id) };
        if !self.writer.send(change) {
            return Err("the search writer has stopped".into());
        }
        Ok(())
    }
}
