//! Applying what the owners publish — a listing view, an availability, a rating — to this
//! context's tables, and working out what the index must then hold for that listing. Events
//! and feeds (a bootstrap or reindex) go through the same functions, so they cannot disagree.
//!
//! Each source's version is checked against the last one applied: an older payload is skipped
//! (`None`), an equal one re-applied (harmless). The answer is the change for the index, built
//! from the tables after the write, so it always carries everything known of the listing.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kernel::Clock;
use platform::db::{DbError, Tx};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::{Availability, IndexedListing, Rating, Rev};
use crate::index::{Change, Writer};
use crate::store;

/// What indexing needs: the clock (for `updated_at`) and the writer.
pub struct Indexing {
    pub clock: Arc<dyn Clock>,
    pub writer: Writer,
}

/// Applies catalog's listing view (`removed`: a `listing.deleted` event); `None` when it is
/// older than what was applied or malformed.
pub async fn listing(tx: &mut Tx, view: &Value, removed: bool, now: DateTime<Utc>) -> Result<Option<Change>, DbError> {
    let Some(l) = IndexedListing::from_event(view) else { return Ok(None) };
    if store::applied_version(tx, l.id).await?.is_some_and(|v| v > l.version) {
        return Ok(None);
    }
    let searchable = l.searchable() && !removed;
    store::record(tx, l.id, l.version, searchable.then_some(view), now).await?;
    change_for(tx, l.id, l.version).await.map(Some)
}

/// Applies booking's availability payload; `None` when stale, malformed or of a listing the
/// index does not hold (it is kept, and used when the listing is published).
pub async fn availability(tx: &mut Tx, payload: &Value, now: DateTime<Utc>) -> Result<Option<Change>, DbError> {
    let Some(a) = Availability::from_payload(payload) else { return Ok(None) };
    if store::availability_version(tx, a.listing_id).await?.is_some_and(|v| v >= a.version) {
        return Ok(None);
    }
    store::record_availability(tx, a.listing_id, a.version, payload, now).await?;
    Ok(store::assemble(tx, a.listing_id).await?.map(|l| Change::Upsert(Box::new(l))))
}

/// Applies reviews' rating payload; as [`availability`].
pub async fn rating(tx: &mut Tx, payload: &Value, now: DateTime<Utc>) -> Result<Option<Change>, DbError> {
    let Some(r) = Rating::from_payload(payload) else { return Ok(None) };
    if store::rating_version(tx, r.listing_id).await?.is_some_and(|v| v >= r.version) {
        return Ok(None);
    }
    store::record_rating(tx, &r, now).await?;
    Ok(store::assemble(tx, r.listing_id).await?.map(|l| Change::Upsert(Box::new(l))))
}

/// What the index must hold for `id` now, per the tables.
async fn change_for(tx: &mut Tx, id: Uuid, version: i64) -> Result<Change, DbError> {
    if let Some(l) = store::assemble(tx, id).await? {
        return Ok(Change::Upsert(Box::new(l)));
    }
    let availability = store::availability_version(tx, id).await?.unwrap_or(0);
    let rating = store::rating_version(tx, id).await?.unwrap_or(0);
    Ok(Change::Remove(id, Rev(version, availability, rating)))
}

impl Indexing {
    /// Hands `change` to the writer, noting it as pending in `tx` (the event's transaction), so
    /// that a crash before the index commits is repaired at the next start.
    pub async fn stage(&self, tx: &mut Tx, change: Change) -> Result<(), String> {
        let id = match &change {
            Change::Upsert(l) => l.id,
            Change::Remove(id, _) => *id,
        };
        let token = kernel::new_id();
        store::pending(tx, id, token).await.map_err(|e| e.to_string())?;
        if !self.writer.send(change, Some(token)) {
            return Err("the search writer has stopped".into());
        }
        Ok(())
    }
}
