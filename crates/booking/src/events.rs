//! Events booking consumes: the catalog's `listing.*` events keep the listings read model
//! current. Lifecycle events carry the whole listing view; schedule events (sessions, trips)
//! are read by the inventory models that use them.

use std::sync::Arc;

use async_trait::async_trait;
use kernel::{Clock, EventEnvelope};
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use crate::store::{self, ListingModel};

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const LISTINGS_CONSUMER: &str = "booking.listings";

const LIFECYCLE: [&str; 5] =
    ["listing.created", "listing.updated", "listing.published", "listing.unpublished", "listing.deleted"];

pub struct ListingsReadModel {
    pub clock: Arc<dyn Clock>,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The read-model row an event's listing view describes, if it is well formed.
pub fn model_of(event_type: &str, view: &Value) -> Option<ListingModel> {
    let status = if event_type == "listing.deleted" { "deleted".to_owned() } else { text(view, "status")? };
    Some(ListingModel {
        id: text(view, "id")?.parse::<Uuid>().ok()?,
        owner_id: text(view, "ownerId")?.parse::<Uuid>().ok()?,
        kind: text(view, "kind")?,
        status,
        timezone: text(view, "timezone")?,
        currency: text(view, "currency")?,
        cancellation_policy: text(view, "cancellationPolicy")?,
        instant_book: view.get("instantBook").and_then(Value::as_bool)?,
        data: view.clone(),
        version: view.get("version").and_then(Value::as_i64)?,
    })
}

#[async_trait]
impl EventHandler for ListingsReadModel {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if !LIFECYCLE.contains(&event.event_type.as_str()) {
            return Ok(());
        }
        let Some(model) = model_of(&event.event_type, &event.data) else {
            // Retrying cannot repair a malformed event; skip it rather than block the consumer.
            tracing::warn!(event_id = %event.id, "listing event without a usable listing view: skipped");
            return Ok(());
        };
        store::upsert(tx, &model, self.clock.now()).await?;
        Ok(())
    }
}
