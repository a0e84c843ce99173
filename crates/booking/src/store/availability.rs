//! What the published availability of a listing is read from, beyond the calendar and
//! inventory queries it shares with quotes: its version counter, the dates of departures
//! with seats left, the table units of a window, and the listings in feed order.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Executor, FromRow, Row, Tx, query};
use uuid::Uuid;

use super::ListingModel;

/// Bumps the listing's availability version and returns it (`None`: booking does not know the
/// listing). On PostgreSQL this takes the listing's row lock, so what is read afterwards in the
/// transaction includes every change of an earlier publication.
pub async fn bump_version(tx: &mut Tx, listing: Uuid) -> Result<Option<(ListingModel, i64)>, DbError> {
    let row: Option<Versioned> = query(
        "UPDATE listings SET availability_version = availability_version + 1 WHERE id = $1 RETURNING id, owner_id, \
         kind, status, timezone, currency, cancellation_policy, instant_book, data, version, availability_version",
    )
    .bind(listing)
    .fetch_optional(tx)
    .await?;
    Ok(row.map(|v| (v.0, v.1)))
}

/// A listing and its availability version.
pub struct Versioned(pub ListingModel, pub i64);

impl FromRow for Versioned {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Versioned(ListingModel::from_row(row)?, row.get("availability_version")?))
    }
}

/// Up to `limit` listings after `after` (all when `None`), by id.
pub async fn page<'c>(on: impl Executor<'c>, after: Option<Uuid>, limit: i64) -> Result<Vec<Versioned>, DbError> {
    let columns = "id, owner_id, kind, status, timezone, currency, cancellation_policy, instant_book, data, version, \
                   availability_version";
    match after {
        Some(after) => {
            platform::db::query_dynamic(format!("SELECT {columns} FROM listings WHERE id > $1 ORDER BY id LIMIT $2"))
                .bind(after)
                .bind(limit)
                .fetch_all(on)
                .await
        }
        None => {
            platform::db::query_dynamic(format!("SELECT {columns} FROM listings ORDER BY id LIMIT $1"))
                .bind(limit)
                .fetch_all(on)
                .await
        }
    }
}

/// Start instants of the listing's active departures in `[from, to)` with at least one seat
/// left, earliest first.
pub async fn open_departures<'c>(
    on: impl Executor<'c>,
    listing: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, DbError> {
    let rows: Vec<(DateTime<Utc>,)> = query(
        "SELECT d.starts_at FROM departures d JOIN capacity_units u ON u.listing_id = d.listing_id \
         AND u.unit_key = d.unit_key WHERE d.listing_id = $1 AND d.active AND d.starts_at >= $2 AND d.starts_at < $3 \
         AND u.taken < u.capacity ORDER BY d.starts_at",
    )
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(on)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Table units `(key, capacity, taken)` of slots starting in `[from, to)`: their keys are
/// `table:<UTC instant, fixed width>:<seats>`, so a key range is an instant range.
pub async fn table_units<'c>(
    on: impl Executor<'c>,
    listing: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(String, i64, i64)>, DbError> {
    let key = |t: DateTime<Utc>| format!("table:{}", t.format("%Y-%m-%dT%H:%M:%SZ"));
    query(
        "SELECT unit_key, capacity, taken FROM capacity_units WHERE listing_id = $1 AND unit_key >= $2 \
         AND unit_key < $3",
    )
    .bind(listing)
    .bind(key(from))
    .bind(key(to))
    .fetch_all(on)
    .await
}
