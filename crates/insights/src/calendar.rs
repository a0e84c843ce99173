//! The nights hosts close in booking's calendar, learnt from booking's `availability.changed`
//! (its `blocked` list, docs/booking.md): a host's nights available — the denominator of
//! occupancy and RevPAR — are the published nights without them. Each event states a whole
//! window `[from, until)`, so applying it replaces the listing's nights of that window; nights
//! before the window are past and keep what they were when they passed. An event older than
//! the last one applied (by its `version`) changes nothing.

use async_trait::async_trait;
use chrono::NaiveDate;
use kernel::EventEnvelope;
use platform::db::{DbError, Tx, query, query_dynamic};
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

/// Consumer name: dedupe records are keyed on it, never change it.
pub const AVAILABILITY_CONSUMER: &str = "insights.availability";

/// Booking publishes a year; anything longer is not from booking.
const MAX_NIGHTS: usize = 400;
/// Nights per INSERT statement.
const CHUNK: usize = 100;

pub struct Blocked;

fn date(v: &Value, key: &str) -> Option<NaiveDate> {
    v.get(key)?.as_str()?.parse().ok()
}

#[async_trait]
impl EventHandler for Blocked {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let d = &event.data;
        if event.event_type != "availability.changed" || d.get("kind").and_then(Value::as_str) != Some("stay") {
            return Ok(());
        }
        let listing = d.get("listingId").and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok());
        let version = d.get("version").and_then(Value::as_i64);
        // A publisher from before `blocked` existed says nothing about closed nights.
        let nights = d.get("blocked").and_then(Value::as_array);
        let (Some(listing), Some(version), Some(from), Some(until), Some(nights)) =
            (listing, version, date(d, "from"), date(d, "until"), nights)
        else {
            tracing::warn!(event_id = %event.id, "availability.changed without listing, version, window or blocked: skipped");
            return Ok(());
        };
        let mut closed: Vec<NaiveDate> = nights
            .iter()
            .filter_map(|n| n.as_str()?.parse().ok())
            .filter(|n| *n >= from && *n < until)
            .take(MAX_NIGHTS)
            .collect();
        closed.sort_unstable();
        closed.dedup();
        replace(tx, listing, version, from, until, &closed).await?;
        Ok(())
    }
}

/// Replaces `listing`'s closed nights of `[from, until)` by `closed`, unless a version at least
/// as new was applied.
async fn replace(
    tx: &mut Tx,
    listing: Uuid,
    version: i64,
    from: NaiveDate,
    until: NaiveDate,
    closed: &[NaiveDate],
) -> Result<(), DbError> {
    let newer = query(
        "INSERT INTO insights_availability_versions (listing_id, version) VALUES ($1, $2) \
         ON CONFLICT (listing_id) DO UPDATE SET version = excluded.version \
         WHERE insights_availability_versions.version < excluded.version",
    )
    .bind(listing)
    .bind(version)
    .execute(&mut *tx)
    .await?;
    if newer == 0 {
        return Ok(());
    }
    query("DELETE FROM insights_blocked_nights WHERE listing_id = $1 AND night >= $2 AND night < $3")
        .bind(listing)
        .bind(from)
        .bind(until)
        .execute(&mut *tx)
        .await?;
    for chunk in closed.chunks(CHUNK) {
        let values: Vec<String> = (0..chunk.len()).map(|i| format!("($1, ${})", i + 2)).collect();
        let mut q = query_dynamic(format!(
            "INSERT INTO insights_blocked_nights (listing_id, night) VALUES {}",
            values.join(", ")
        ))
        .bind(listing);
        for night in chunk {
            q = q.bind(*night);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}
