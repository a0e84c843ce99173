//! What tracking learns from other contexts: identity's `user.consent_changed` (whether a
//! signed-in user's events may be kept) and `user.deleted` (erasure), and search's
//! `search.performed` (server-side searches per UTC day).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use super::store;

/// Consumer names: dedupe records are keyed on them, never change them.
pub const CONSENT_CONSUMER: &str = "insights.consent";
pub const SEARCHES_CONSUMER: &str = "insights.searches";

/// The consent purpose that governs tracking (identity's purposes: analytics, marketing,
/// functional, preferences).
const ANALYTICS: &str = "analytics";

fn user_of(event: &EventEnvelope) -> Option<Uuid> {
    event.data.get("userId").and_then(Value::as_str).and_then(|s| s.parse().ok())
}

/// `user.consent_changed` `{userId, changes: [{purpose, granted}]}` and `user.deleted`.
pub struct Consents;

#[async_trait]
impl EventHandler for Consents {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let Some(user) = user_of(event).or_else(|| event.aggregate_id.parse().ok()) else { return Ok(()) };
        match event.event_type.as_str() {
            "user.consent_changed" => {
                let changes = event.data.get("changes").and_then(Value::as_array).cloned().unwrap_or_default();
                let analytics = changes
                    .iter()
                    .filter(|c| c.get("purpose").and_then(Value::as_str) == Some(ANALYTICS))
                    .filter_map(|c| c.get("granted").and_then(Value::as_bool))
                    .next_back();
                if let Some(granted) = analytics {
                    store::set_consent(tx, user, granted, event.occurred_at).await?;
                }
            }
            "user.deleted" => store::erase(tx, user).await?,
            _ => {}
        }
        Ok(())
    }
}

/// `search.performed` `{userId, query, resultsCount, at}`: one more search on the UTC day of
/// `at`. Redelivery counts nothing twice (the platform's dedupe runs in this transaction).
pub struct Searches;

#[async_trait]
impl EventHandler for Searches {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type != "search.performed" {
            return Ok(());
        }
        let at = event
            .data
            .get("at")
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map_or(event.occurred_at, |t| t.with_timezone(&Utc));
        store::add_search(tx, at.date_naive()).await?;
        Ok(())
    }
}
