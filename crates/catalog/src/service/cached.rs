//! The public detail of published listings, in the shared cache (Redis, when configured). Every
//! viewer of a published listing gets the same body, so one entry serves all; drafts are never
//! cached. Each change forgets the entry right after its commit, and the `catalog.cache`
//! consumer forgets it again on the `listing.*` event, as a backstop for a forget that failed.
//! A read that raced with a change does not put its older copy back (see [`platform::cache`]).

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::cache::{Cache, Lookup, Ticket};
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

fn decode(raw: &[u8]) -> Option<CachedListing> {
    let mut entry: Value = serde_json::from_slice(raw).ok()?;
    let version = entry.get("version")?.as_i64()?;
    Some(CachedListing { body: entry.get_mut("body")?.take(), version })
}

impl Catalog {
    /// The cached detail of `id`, or the ticket to cache it once read (an unreadable entry is
    /// a miss that cannot be stored over; the next change or the TTL clears it).
    pub async fn cached_listing(&self, id: Uuid) -> Result<CachedListing, Option<Ticket>> {
        match self.cache.get(&key(id)).await {
            Lookup::Hit(raw) => decode(&raw).ok_or(None),
            Lookup::Miss(ticket) => Err(Some(ticket)),
        }
    }

    pub async fn cache_listing(&self, ticket: Ticket, body: &Value, version: i64) {
        if !self.cache.enabled() {
            return;
        }
        let entry = serde_json::json!({"version": version, "body": body});
        if let Ok(bytes) = serde_json::to_vec(&entry) {
            self.cache.put(ticket, &bytes).await;
        }
    }

    pub(crate) async fn forget_listing(&self, id: Uuid) {
        forget(&self.cache, id).await;
    }
}

/// Forgets the cached detail of `listing`.
pub(crate) async fn forget(cache: &Cache, listing: Uuid) {
    cache.forget(&key(listing)).await;
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
            forget(&self.0, id).await;
        }
    }
}
