//! Searches in the activity history: the one store of what a user searched — DreamScape's
//! recorded hotel, flight and activity searches (`SEARCHED` entries the web client posts) and
//! Sojourn's listing searches, which search publishes as `search.performed` and
//! [`SearchHistory`] records (`SEARCHED`, entity type `search`, entity id `search-<event id>`,
//! metadata `{query, resultsCount}`). The per-user search-history API reads and deletes
//! `SEARCHED` entries only; other kinds of history are left alone.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{ApiError, EventEnvelope};
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Accounts;
use crate::domain::items;
use crate::store::history::{self, Entry, HistoryFilter};

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const SEARCH_HISTORY_CONSUMER: &str = "identity.search-history";

const SEARCHED: &str = "SEARCHED";

/// Records search's `search.performed` events. Redelivery is harmless (the platform's dedupe
/// runs in the same transaction); an erased or unknown user gets nothing; a malformed event
/// is skipped with a warning (retrying could not repair it).
pub struct SearchHistory;

#[async_trait]
impl EventHandler for SearchHistory {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type != "search.performed" {
            return Ok(());
        }
        let d = &event.data;
        let user = d.get("userId").and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok());
        let query = d.get("query").filter(|q| q.is_object());
        let metadata = query.and_then(|q| {
            items::snapshot(&json!({"query": q, "resultsCount": d.get("resultsCount").and_then(Value::as_u64)})).ok()
        });
        let (Some(user), Some(metadata)) = (user, metadata) else {
            tracing::warn!(event_id = %event.id, "search.performed without a user or a query: skipped");
            return Ok(());
        };
        if !history::is_live_user(tx, user).await? {
            return Ok(());
        }
        let at = d
            .get("at")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map_or(event.occurred_at, |t| t.with_timezone(&Utc));
        let entry = Entry {
            id: kernel::new_id(),
            user_id: user,
            action_type: SEARCHED.to_owned(),
            entity_type: "search".to_owned(),
            entity_id: format!("search-{}", event.id),
            metadata: Some(metadata),
            created_at: at,
        };
        history::record(tx, &entry).await?;
        Ok(())
    }
}

/// A search as the search-history API answers it.
pub fn search_view(e: &Entry) -> Value {
    let query = e.metadata.as_ref().and_then(|m| m.get("query")).cloned().unwrap_or(Value::Null);
    json!({"id": e.id, "entityType": e.entity_type, "entityId": e.entity_id, "query": query,
           "metadata": e.metadata, "createdAt": e.created_at})
}

impl Accounts {
    /// The user's latest `limit` searches, newest first.
    pub async fn searches(&self, user: Uuid, limit: u32) -> Result<Vec<Entry>, ApiError> {
        let filter = HistoryFilter { action_type: Some(SEARCHED), ..HistoryFilter::default() };
        Ok(history::list(&self.db, user, &filter, limit, 0).await?.0)
    }

    /// Deletes one of the user's searches; anything else (another user's entry, another kind
    /// of entry, no entry) is the same 404.
    pub async fn remove_search(&self, user: Uuid, id: Uuid) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        if !history::remove_of_action(&mut tx, user, id, SEARCHED).await? {
            return Err(ApiError::not_found("Search not found"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes all the user's searches; returns how many.
    pub async fn clear_searches(&self, user: Uuid) -> Result<u64, ApiError> {
        let mut tx = self.db.begin().await?;
        let n = history::clear_action(&mut tx, user, SEARCHED).await?;
        tx.commit().await?;
        Ok(n)
    }
}
