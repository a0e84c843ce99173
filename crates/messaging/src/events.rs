//! Events messaging consumes besides booking's (see `service::bookings`): catalog's
//! `listing.*` keep who hosts each listing (lifecycle events carry the listing's view, with
//! `ownerId` and `status`), and identity's `user.deleted` erases a user here too.

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use crate::store::{self, models};

pub const LISTINGS_CONSUMER: &str = "messaging.listings";
pub const ERASURE_CONSUMER: &str = "messaging.erasure";

const LIFECYCLE: [&str; 5] =
    ["listing.created", "listing.updated", "listing.published", "listing.unpublished", "listing.deleted"];

fn id(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key)?.as_str()?.parse().ok()
}

pub struct ListingsReadModel;

#[async_trait]
impl EventHandler for ListingsReadModel {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let kind = event.event_type.as_str();
        if !LIFECYCLE.contains(&kind) {
            return Ok(());
        }
        let v = &event.data;
        let status = if kind == "listing.deleted" {
            Some("deleted".to_owned())
        } else {
            v.get("status").and_then(Value::as_str).map(str::to_owned)
        };
        let (Some(listing), Some(owner), Some(status)) = (id(v, "id"), id(v, "ownerId"), status) else {
            tracing::warn!(event_id = %event.id, "listing event without a usable listing view: skipped");
            return Ok(());
        };
        let title = v.get("title").and_then(Value::as_str).map(|t| t.chars().take(200).collect());
        models::upsert_listing(tx, &models::Listing { id: listing, owner_id: owner, status, title }, event.occurred_at)
            .await?;
        Ok(())
    }
}

/// Erases on `user.deleted` too, wherever this context runs (retried by the event's delivery).
pub struct ErasureOnDelete;

#[async_trait]
impl EventHandler for ErasureOnDelete {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if let Ok(user) = event.aggregate_id.parse::<Uuid>() {
            store::erase_user(tx, user).await?;
        }
        Ok(())
    }
}
