//! What media hears: catalog's `listing.*` (lifecycle events carry the listing's view, with
//! `ownerId` and `status`) keeps who owns each listing and whether the public sees it; a
//! deleted listing's media is removed. Identity's `user.deleted` removes the user's media.

use std::sync::Arc;

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use crate::service::MediaService;
use crate::store;

pub const LISTINGS_CONSUMER: &str = "media.listings";
pub const ERASURE_CONSUMER: &str = "media.erasure";

const LIFECYCLE: [&str; 5] =
    ["listing.created", "listing.updated", "listing.published", "listing.unpublished", "listing.deleted"];

fn id(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key)?.as_str()?.parse().ok()
}

pub struct ListingsReadModel {
    pub service: Arc<MediaService>,
}

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
        let deleted = status == "deleted";
        let row = store::listings::Listing { id: listing, owner_id: owner, status };
        store::listings::upsert(tx, &row, event.occurred_at).await?;
        if deleted {
            self.service.remove_listing(tx, listing).await?;
        }
        Ok(())
    }
}

/// Removes a deleted user's media (rows here; stored objects after the commit).
pub struct ErasureOnDelete {
    pub service: Arc<MediaService>,
}

#[async_trait]
impl EventHandler for ErasureOnDelete {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if let Ok(user) = event.aggregate_id.parse::<Uuid>() {
            self.service.erase_owner(tx, user).await?;
        }
        Ok(())
    }
}
