//! The public detail of published listings, in the shared cache (Redis, when configured). Every
//! viewer of a published listing gets the same body, so one entry serves all; drafts are never
//! cached. Each change forgets the entry right after its commit, and the `catalog.cache`
//! consumer forgets it again on the `listing.*` event, as a backstop for a forget that failed.

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::cache::Cache;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use super::Catalog;

fn key(listing: Uuid) -> String {
    format!("catalog:listing:{listing}")
}

/// A cached detail: the response body and its version (the ETag).
pub struct CachedListing {
    pub body: Value,
    pub version: i64,
}

impl Catalog {
    pub async fn cached_listing(&self, id: Uuid) -> Option<CachedListing> {
        let raw = self.cache.get(&key(id)).await?;
        let mut entry: Value = serde_json::from_slice(&raw).ok()?;
        let version = entry.get("version")?.as_i64()?;
        Some(CachedListing { body: entry.get_mut("body")?.take(), version })
    }

    pub async fn cache_listing(&self, id: Uuid, body: &Value, version: i64) {
        if !self.cache.enabled() {
            return;
        }
        let entry = serde_json::json!({"version": version, "body": body});
        if let Ok(bytes) = serde_json::to_vec(&entry) {
            self.cache.put(&key(id), &bytes).await;
        }
    }

    pub(super) async fn forget_listing(&self, id: Uuid) {
        self.cache.forget(&key(id)).await;
    }
}

/// Forgets the detail of a listing whose event says it changed.
pub struct ForgetChanged(pub Cache);

#[async_trait]
impl EventHandler for ForgetChanged {
    async fn handle(&self, _tx: &mut Tx, _event: &EventEnvelope) -> Result<(), HandlerError> {
        Ok(())
    }

    async fn after_commit(&self, event: &EventEnvelope) {
        if let Ok(id) = event.aggregate_id.parse::<Uuid>() {
            self.0.forget(&key(id)).await;
        }
    }
}
