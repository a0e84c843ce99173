//! Inventory guarded by the database itself: nights by primary key, countable units by a
//! conditional UPDATE. Nothing here checks and then writes.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{DbError, Executor, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

/// The statement selling `nights` of `listing` to `reservation`, all at once; it fails with a
/// unique violation on `reserved_nights` when one was already sold (the transaction must then
/// be rolled back: on PostgreSQL it is aborted).
pub fn nights_query(listing: Uuid, nights: &[NaiveDate], reservation: Uuid) -> platform::db::Query {
    // `($1, $3, $2), ($1, $4, $2), ...`
    let rows: Vec<String> = (0..nights.len()).map(|i| format!("($1, ${}, $2)", i + 3)).collect();
    let mut insert = platform::db::query_dynamic(format!(
        "INSERT INTO reserved_nights (listing_id, night, reservation_id) VALUES {}",
        rows.join(", ")
    ))
    .bind(listing)
    .bind(reservation);
    for night in nights {
        insert = insert.bind(*night);
    }
    insert
}

pub async fn release_nights(tx: &mut Tx, reservation: Uuid) -> Result<u64, DbError> {
    query("DELETE FROM reserved_nights WHERE reservation_id = $1").bind(reservation).execute(tx).await
}

/// Sold nights of `listing` in `[from, to)`.
pub async fn reserved<'c>(
    on: impl Executor<'c>,
    listing: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NaiveDate>, DbError> {
    let rows: Vec<(NaiveDate,)> =
        query("SELECT night FROM reserved_nights WHERE listing_id = $1 AND night >= $2 AND night < $3 ORDER BY night")
            .bind(listing)
            .bind(from)
            .bind(to)
            .fetch_all(on)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Creates a countable unit with `capacity` unless it exists.
pub async fn ensure_unit(tx: &mut Tx, listing: Uuid, key: &str, capacity: i64) -> Result<(), DbError> {
    query(
        "INSERT INTO capacity_units (listing_id, unit_key, capacity, taken) VALUES ($1, $2, $3, 0) \
         ON CONFLICT (listing_id, unit_key) DO NOTHING",
    )
    .bind(listing)
    .bind(key)
    .bind(capacity)
    .execute(tx)
    .await?;
    Ok(())
}

/// Sets a unit's capacity (the catalog changed it); what is taken stays taken.
pub async fn set_capacity(tx: &mut Tx, listing: Uuid, key: &str, capacity: i64) -> Result<(), DbError> {
    query(
        "INSERT INTO capacity_units (listing_id, unit_key, capacity, taken) VALUES ($1, $2, $3, 0) \
         ON CONFLICT (listing_id, unit_key) DO UPDATE SET capacity = excluded.capacity",
    )
    .bind(listing)
    .bind(key)
    .bind(capacity)
    .execute(tx)
    .await?;
    Ok(())
}

/// Takes `n` of a unit if that many remain: the whole guard is this one statement.
pub async fn take(tx: &mut Tx, listing: Uuid, key: &str, n: i64) -> Result<bool, DbError> {
    let changed = query(
        "UPDATE capacity_units SET taken = taken + $3 WHERE listing_id = $1 AND unit_key = $2 AND taken + $3 <= capacity",
    )
    .bind(listing)
    .bind(key)
    .bind(n)
    .execute(tx)
    .await?;
    Ok(changed == 1)
}

/// Gives `n` back (a reservation ended without being used).
pub async fn give_back(tx: &mut Tx, listing: Uuid, key: &str, n: i64) -> Result<(), DbError> {
    query("UPDATE capacity_units SET taken = taken - $3 WHERE listing_id = $1 AND unit_key = $2 AND taken >= $3")
        .bind(listing)
        .bind(key)
        .bind(n)
        .execute(tx)
        .await?;
    Ok(())
}

/// `(capacity, taken)` of a unit, if it exists.
pub async fn unit<'c>(on: impl Executor<'c>, listing: Uuid, key: &str) -> Result<Option<(i64, i64)>, DbError> {
    query("SELECT capacity, taken FROM capacity_units WHERE listing_id = $1 AND unit_key = $2")
        .bind(listing)
        .bind(key)
        .fetch_optional(on)
        .await
}

/// Units of a listing whose key starts with `prefix`, as `(key, capacity, taken)`.
pub async fn units_with_prefix<'c>(
    on: impl Executor<'c>,
    listing: Uuid,
    prefix: &str,
) -> Result<Vec<(String, i64, i64)>, DbError> {
    query("SELECT unit_key, capacity, taken FROM capacity_units WHERE listing_id = $1 AND unit_key LIKE $2")
        .bind(listing)
        .bind(format!("{prefix}%"))
        .fetch_all(on)
        .await
}

/// An activity session or a transport trip.
#[derive(Debug, Clone)]
pub struct Departure {
    pub id: Uuid,
    pub listing_id: Uuid,
    /// `session` or `trip`.
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub price: i64,
    pub active: bool,
    /// The catalog's event payload (origin, destination, ...).
    pub data: Value,
    pub capacity: i64,
    pub taken: i64,
}

impl Departure {
    pub fn unit_key(&self) -> String {
        format!("{}:{}", self.kind, self.id)
    }
}

impl FromRow for Departure {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(data): Json<Value> = row.get("data")?;
        Ok(Departure {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            kind: row.get("kind")?,
            starts_at: row.get("starts_at")?,
            ends_at: row.get("ends_at")?,
            price: row.get("price")?,
            active: row.get("active")?,
            data,
            capacity: row.get("capacity")?,
            taken: row.get("taken")?,
        })
    }
}

pub async fn save_departure(tx: &mut Tx, d: &Departure) -> Result<(), DbError> {
    query(
        "INSERT INTO departures (id, listing_id, kind, unit_key, starts_at, ends_at, price, active, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, \
         ends_at = excluded.ends_at, price = excluded.price, active = excluded.active, data = excluded.data",
    )
    .bind(d.id)
    .bind(d.listing_id)
    .bind(d.kind.as_str())
    .bind(d.unit_key())
    .bind(d.starts_at)
    .bind(d.ends_at)
    .bind(d.price)
    .bind(d.active)
    .bind(d.data.clone())
    .execute(&mut *tx)
    .await?;
    set_capacity(tx, d.listing_id, &d.unit_key(), d.capacity).await
}

pub async fn deactivate_departure(tx: &mut Tx, id: Uuid) -> Result<u64, DbError> {
    query("UPDATE departures SET active = FALSE WHERE id = $1").bind(id).execute(tx).await
}

pub async fn departure<'c>(on: impl Executor<'c>, listing: Uuid, id: Uuid) -> Result<Option<Departure>, DbError> {
    query(
        "SELECT d.id, d.listing_id, d.kind, d.starts_at, d.ends_at, d.price, d.active, d.data, \
         COALESCE(u.capacity, 0) AS capacity, COALESCE(u.taken, 0) AS taken FROM departures d \
         LEFT JOIN capacity_units u ON u.listing_id = d.listing_id AND u.unit_key = d.unit_key \
         WHERE d.listing_id = $1 AND d.id = $2",
    )
    .bind(listing)
    .bind(id)
    .fetch_optional(on)
    .await
}

/// Active departures of a listing starting in `[from, to)`, earliest first.
pub async fn departures_between<'c>(
    on: impl Executor<'c>,
    listing: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Departure>, DbError> {
    query(
        "SELECT d.id, d.listing_id, d.kind, d.starts_at, d.ends_at, d.price, d.active, d.data, \
         COALESCE(u.capacity, 0) AS capacity, COALESCE(u.taken, 0) AS taken FROM departures d \
         LEFT JOIN capacity_units u ON u.listing_id = d.listing_id AND u.unit_key = d.unit_key \
         WHERE d.listing_id = $1 AND d.active AND d.starts_at >= $2 AND d.starts_at < $3 ORDER BY d.starts_at LIMIT 500",
    )
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(on)
    .await
}
