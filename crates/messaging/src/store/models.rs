//! Read models of other contexts, kept from their events: who owns each listing (catalog's
//! `listing.*`: enquiries go to the host, only about published listings) and where each
//! reservation stands (booking's `booking.*`: masking lifts once it is confirmed; check-in
//! messages are written when a confirmed stay starts).

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Row, Tx, query};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub status: String,
    pub title: Option<String>,
}

impl FromRow for Listing {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Listing {
            id: row.get("id")?,
            owner_id: row.get("owner_id")?,
            status: row.get("status")?,
            title: row.get("title")?,
        })
    }
}

/// Records a listing as an event of `at` describes it, unless a later event was recorded.
pub async fn upsert_listing(tx: &mut Tx, l: &Listing, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO listings (id, owner_id, status, title, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, status = excluded.status, title = excluded.title, \
         updated_at = excluded.updated_at WHERE listings.updated_at <= excluded.updated_at",
    )
    .bind(l.id)
    .bind(l.owner_id)
    .bind(l.status.as_str())
    .bind(l.title.clone())
    .bind(at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn listing<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Listing>, DbError> {
    query("SELECT id, owner_id, status, title FROM listings WHERE id = $1").bind(id).fetch_optional(on).await
}

#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub guest_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub status: String,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
}

impl FromRow for Reservation {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Reservation {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            guest_id: row.get("guest_id")?,
            host_id: row.get("host_id")?,
            status: row.get("status")?,
            starts_at: row.get("starts_at")?,
            ends_at: row.get("ends_at")?,
        })
    }
}

/// Records a reservation as an event of `at` describes it, unless a later event was recorded.
pub async fn upsert_reservation(tx: &mut Tx, r: &Reservation, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO reservations (id, listing_id, guest_id, host_id, status, starts_at, ends_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, starts_at = excluded.starts_at, \
         ends_at = excluded.ends_at, updated_at = excluded.updated_at WHERE reservations.updated_at <= excluded.updated_at",
    )
    .bind(r.id)
    .bind(r.listing_id)
    .bind(r.guest_id)
    .bind(r.host_id)
    .bind(r.status.as_str())
    .bind(r.starts_at)
    .bind(r.ends_at)
    .bind(at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn reservation<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Reservation>, DbError> {
    query("SELECT id, listing_id, guest_id, host_id, status, starts_at, ends_at FROM reservations WHERE id = $1")
        .bind(id)
        .fetch_optional(on)
        .await
}

/// Confirmed reservations that have started and have no check-in message yet.
pub async fn due_check_ins(db: &Db, now: DateTime<Utc>, limit: u32) -> Result<Vec<Uuid>, DbError> {
    let rows: Vec<(Uuid,)> = query(
        "SELECT id FROM reservations WHERE status = 'confirmed' AND checked_in_at IS NULL AND starts_at <= $1 \
         ORDER BY starts_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Claims a reservation's check-in; false when another run claimed it.
pub async fn claim_check_in(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query("UPDATE reservations SET checked_in_at = $1 WHERE id = $2 AND checked_in_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(n == 1)
}
