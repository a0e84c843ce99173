//! Writing to and measuring a context's outbox.

use chrono::{DateTime, Utc};
use kernel::EventEnvelope;

use crate::db::{Db, DbError, Tx, query};

/// Records `event` for publication. Call inside the transaction that makes the change the
/// event describes; if that transaction rolls back, the event never existed.
pub async fn enqueue(tx: &mut Tx, event: &EventEnvelope) -> Result<(), DbError> {
    enqueue_query(event)?.execute(tx).await?;
    Ok(())
}

/// The statement [`enqueue`] runs, to send in a [`crate::db::Batch`] with the change itself.
pub fn enqueue_query(event: &EventEnvelope) -> Result<crate::db::Query, DbError> {
    let stamped = crate::trace::stamp(event); // The request's trace context, captured now.
    let event = &*stamped;
    Ok(query(
        "INSERT INTO outbox (event_id, event_type, aggregate_id, occurred_at, payload, available_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(event.id)
    .bind(event.event_type.as_str())
    .bind(event.aggregate_id.as_str())
    .bind(event.occurred_at)
    .bind_json(event)?
    // Relay scheduling is wall-clock time (the relay compares with `Utc::now()`), whatever
    // clock the domain uses for `occurred_at` (tests move a manual clock).
    .bind(chrono::Utc::now()))
}

/// How far behind the relay is on one database.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxLag {
    pub pending: u64,
    /// Seconds since the oldest unpublished event occurred (0 when none).
    pub oldest_age_seconds: f64,
}

pub async fn lag(db: &Db, now: DateTime<Utc>) -> Result<OutboxLag, DbError> {
    let (pending, oldest): (i64, Option<DateTime<Utc>>) =
        query("SELECT COUNT(*), MIN(occurred_at) FROM outbox WHERE published_at IS NULL").fetch_one(db).await?;
    let oldest_age_seconds = oldest.map_or(0.0, |t| (now - t).num_milliseconds().max(0) as f64 / 1000.0);
    Ok(OutboxLag { pending: u64::try_from(pending).unwrap_or(0), oldest_age_seconds })
}
