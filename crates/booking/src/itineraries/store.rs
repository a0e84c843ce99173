//! Itineraries' SQL. Every change to an itinerary or its items first [`lock`]s the itinerary
//! (a conditional `UPDATE` of its row, which also proves the caller owns it); item positions
//! are then read and renumbered inside that transaction.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Itinerary {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub destination: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub is_public: bool,
    /// Counted when read; not a column.
    pub item_count: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for Itinerary {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Itinerary {
            id: row.get("id")?,
            owner_id: row.get("owner_id")?,
            name: row.get("name")?,
            description: row.get("description")?,
            destination: row.get("destination")?,
            start_date: row.get("start_date")?,
            end_date: row.get("end_date")?,
            is_public: row.get("is_public")?,
            item_count: row.get("item_count")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: Uuid,
    pub itinerary_id: Uuid,
    /// 0..n-1 within the itinerary, unique.
    pub position: i64,
    /// `flight`, `hotel`, … (served as `type`).
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub timezone: Option<String>,
    pub booking_reference: Option<String>,
    pub reservation_id: Option<Uuid>,
    /// A JSON object.
    pub data: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for Item {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let data: Option<Json<Value>> = row.get("data")?;
        Ok(Item {
            id: row.get("id")?,
            itinerary_id: row.get("itinerary_id")?,
            position: row.get("position")?,
            kind: row.get("kind")?,
            title: row.get("title")?,
            description: row.get("description")?,
            location: row.get("location")?,
            starts_at: row.get("starts_at")?,
            ends_at: row.get("ends_at")?,
            timezone: row.get("timezone")?,
            booking_reference: row.get("booking_reference")?,
            reservation_id: row.get("reservation_id")?,
            data: data.map(|Json(v)| v),
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const SELECT: &str = "SELECT i.id, i.owner_id, i.name, i.description, i.destination, i.start_date, i.end_date, \
     i.is_public, i.created_at, i.updated_at, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM itinerary_items t WHERE t.itinerary_id = i.id) AS item_count \
     FROM itineraries i";

const ITEM_COLUMNS: &str = "id, itinerary_id, position, kind, title, description, location, starts_at, ends_at, \
     timezone, booking_reference, reservation_id, data, created_at, updated_at";

/// Serialises an owner's creations until the transaction ends (see the migration).
pub async fn lock_owner(tx: &mut Tx, owner: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO itinerary_owners (owner_id, touched_at) VALUES ($1, $2) \
         ON CONFLICT (owner_id) DO UPDATE SET touched_at = excluded.touched_at",
    )
    .bind(owner)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn count_of_owner<'c>(on: impl Executor<'c>, owner: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) =
        query("SELECT CAST(COUNT(*) AS BIGINT) FROM itineraries WHERE owner_id = $1").bind(owner).fetch_one(on).await?;
    Ok(n)
}

pub async fn insert(tx: &mut Tx, i: &Itinerary) -> Result<(), DbError> {
    query(
        "INSERT INTO itineraries (id, owner_id, name, description, destination, start_date, end_date, is_public, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(i.id)
    .bind(i.owner_id)
    .bind(i.name.as_str())
    .bind(i.description.clone())
    .bind(i.destination.clone())
    .bind(i.start_date)
    .bind(i.end_date)
    .bind(i.is_public)
    .bind(i.created_at)
    .bind(i.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Marks the owner's itinerary changed at `now`, locking it for the rest of the transaction.
/// `false`: no such itinerary of this owner.
pub async fn lock(tx: &mut Tx, id: Uuid, owner: Uuid, now: DateTime<Utc>) -> Result<bool, DbError> {
    let changed = query("UPDATE itineraries SET updated_at = $3 WHERE id = $1 AND owner_id = $2")
        .bind(id)
        .bind(owner)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(changed == 1)
}

/// The owner's itinerary (`None` for anyone else's).
pub async fn find<'c>(on: impl Executor<'c>, id: Uuid, owner: Uuid) -> Result<Option<Itinerary>, DbError> {
    platform::db::query_dynamic(format!("{SELECT} WHERE i.id = $1 AND i.owner_id = $2"))
        .bind(id)
        .bind(owner)
        .fetch_optional(on)
        .await
}

/// A page of the owner's itineraries, newest first, and how many they have.
pub async fn of_owner(db: &Db, owner: Uuid, limit: i64, offset: i64) -> Result<(Vec<Itinerary>, i64), DbError> {
    let rows = platform::db::query_dynamic(format!(
        "{SELECT} WHERE i.owner_id = $1 ORDER BY i.created_at DESC, i.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(owner)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    Ok((rows, count_of_owner(db, owner).await?))
}

/// Writes every field the owner can change (and `updated_at`).
pub async fn update(tx: &mut Tx, i: &Itinerary) -> Result<(), DbError> {
    query(
        "UPDATE itineraries SET name = $2, description = $3, destination = $4, start_date = $5, end_date = $6, \
         is_public = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(i.id)
    .bind(i.name.as_str())
    .bind(i.description.clone())
    .bind(i.destination.clone())
    .bind(i.start_date)
    .bind(i.end_date)
    .bind(i.is_public)
    .bind(i.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Deletes an itinerary and its items.
pub async fn delete(tx: &mut Tx, id: Uuid) -> Result<(), DbError> {
    query("DELETE FROM itinerary_items WHERE itinerary_id = $1").bind(id).execute(&mut *tx).await?;
    query("DELETE FROM itineraries WHERE id = $1").bind(id).execute(tx).await?;
    Ok(())
}

/// An itinerary's items in order.
pub async fn items<'c>(on: impl Executor<'c>, itinerary: Uuid) -> Result<Vec<Item>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {ITEM_COLUMNS} FROM itinerary_items WHERE itinerary_id = $1 ORDER BY position"
    ))
    .bind(itinerary)
    .fetch_all(on)
    .await
}

pub async fn insert_item(tx: &mut Tx, t: &Item) -> Result<(), DbError> {
    query(
        "INSERT INTO itinerary_items (id, itinerary_id, position, kind, title, description, location, starts_at, \
         ends_at, timezone, booking_reference, reservation_id, data, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(t.id)
    .bind(t.itinerary_id)
    .bind(t.position)
    .bind(t.kind.as_str())
    .bind(t.title.as_str())
    .bind(t.description.clone())
    .bind(t.location.clone())
    .bind(t.starts_at)
    .bind(t.ends_at)
    .bind(t.timezone.clone())
    .bind(t.booking_reference.clone())
    .bind(t.reservation_id)
    .bind(t.data.clone())
    .bind(t.created_at)
    .bind(t.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Writes every field of an item but its position (see [`move_item`]).
pub async fn update_item(tx: &mut Tx, t: &Item) -> Result<(), DbError> {
    query(
        "UPDATE itinerary_items SET kind = $2, title = $3, description = $4, location = $5, starts_at = $6, \
         ends_at = $7, timezone = $8, booking_reference = $9, reservation_id = $10, data = $11, updated_at = $12 \
         WHERE id = $1",
    )
    .bind(t.id)
    .bind(t.kind.as_str())
    .bind(t.title.as_str())
    .bind(t.description.clone())
    .bind(t.location.clone())
    .bind(t.starts_at)
    .bind(t.ends_at)
    .bind(t.timezone.clone())
    .bind(t.booking_reference.clone())
    .bind(t.reservation_id)
    .bind(t.data.clone())
    .bind(t.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn delete_item(tx: &mut Tx, id: Uuid) -> Result<(), DbError> {
    query("DELETE FROM itinerary_items WHERE id = $1").bind(id).execute(tx).await?;
    Ok(())
}

// Renumbering keeps `UNIQUE (itinerary_id, position)` true after every statement, whatever
// order the engine updates rows in: the rows that move are first parked at the negative
// `-1 - new_position` (distinct from each other and from every position in use), then all
// parked rows are turned back.

/// Parks the items at positions `lo..=hi` at their position plus `delta`.
async fn park_range(tx: &mut Tx, itinerary: Uuid, lo: i64, hi: i64, delta: i64) -> Result<(), DbError> {
    query(
        "UPDATE itinerary_items SET position = -1 - (position + $4) \
         WHERE itinerary_id = $1 AND position >= $2 AND position <= $3",
    )
    .bind(itinerary)
    .bind(lo)
    .bind(hi)
    .bind(delta)
    .execute(tx)
    .await?;
    Ok(())
}

async fn unpark(tx: &mut Tx, itinerary: Uuid) -> Result<(), DbError> {
    query("UPDATE itinerary_items SET position = -1 - position WHERE itinerary_id = $1 AND position < 0")
        .bind(itinerary)
        .execute(tx)
        .await?;
    Ok(())
}

/// Moves the items at positions `lo..=hi` by `delta` (an empty range does nothing).
pub async fn shift(tx: &mut Tx, itinerary: Uuid, lo: i64, hi: i64, delta: i64) -> Result<(), DbError> {
    if lo > hi {
        return Ok(());
    }
    park_range(tx, itinerary, lo, hi, delta).await?;
    unpark(tx, itinerary).await
}

/// Moves an item from position `from` to `to`; the items in between close up behind it.
pub async fn move_item(tx: &mut Tx, itinerary: Uuid, item: Uuid, from: i64, to: i64) -> Result<(), DbError> {
    if from == to {
        return Ok(());
    }
    query("UPDATE itinerary_items SET position = -1 - $2 WHERE id = $1").bind(item).bind(to).execute(&mut *tx).await?;
    if to > from {
        park_range(tx, itinerary, from + 1, to, -1).await?;
    } else {
        park_range(tx, itinerary, to, from - 1, 1).await?;
    }
    unpark(tx, itinerary).await
}
