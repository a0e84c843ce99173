//! What tracking learns from other contexts: identity's `user.consent_changed` (whether a
//! signed-in user's events may be kept) and `user.deleted` (erasure), and search's
//! `search.counted` (server-side searches per UTC day).

use async_trait::async_trait;
use chrono::NaiveDate;
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

/// `search.counted` `{days: [{day, searches}]}`: a search instance's counts since its last
/// flush, added to the UTC days they name. Redelivery counts nothing twice (the platform's
/// dedupe runs in this transaction). `search.performed` (a signed-in caller's search, for
/// their history) is among the counted ones, so it is not counted again.
pub struct Searches;

/// Most days one event may name (a flush covers seconds; a day boundary makes two).
const MAX_DAYS: usize = 31;
/// More searches than any instance answers in a flush: a larger count is not search's.
const MAX_SEARCHES: i64 = 100_000_000;

#[async_trait]
impl EventHandler for Searches {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type != "search.counted" {
            return Ok(());
        }
        let days = event.data.get("days").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        for d in days.iter().take(MAX_DAYS) {
            let day = d.get("day").and_then(Value::as_str).and_then(|s| s.parse::<NaiveDate>().ok());
            let n = d.get("searches").and_then(Value::as_i64).filter(|n| (1..=MAX_SEARCHES).contains(n));
            match (day, n) {
                (Some(day), Some(n)) => store::add_searches(tx, day, n).await?,
                _ => tracing::warn!(event_id = %event.id, "search.counted with a malformed day: skipped"),
            }
        }
        Ok(())
    }
}
