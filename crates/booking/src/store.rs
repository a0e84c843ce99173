//! The booking context's SQL.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

/// A listing as booking knows it (from catalog events).
#[derive(Debug, Clone)]
pub struct ListingModel {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub kind: String,
    pub status: String,
    pub timezone: String,
    pub currency: String,
    pub cancellation_policy: String,
    pub instant_book: bool,
    /// The catalog's listing view, as carried by the event.
    pub data: Value,
    pub version: i64,
}

impl FromRow for ListingModel {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(data): Json<Value> = row.get("data")?;
        Ok(ListingModel {
            id: row.get("id")?,
            owner_id: row.get("owner_id")?,
            kind: row.get("kind")?,
            status: row.get("status")?,
            timezone: row.get("timezone")?,
            currency: row.get("currency")?,
            cancellation_policy: row.get("cancellation_policy")?,
            instant_book: row.get("instant_book")?,
            data,
            version: row.get("version")?,
        })
    }
}

/// Stores `m` unless a newer version is already there.
pub async fn upsert(tx: &mut Tx, m: &ListingModel, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO listings (id, owner_id, kind, status, timezone, currency, cancellation_policy, instant_book, data, \
         version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, kind = excluded.kind, status = excluded.status, \
         timezone = excluded.timezone, currency = excluded.currency, cancellation_policy = excluded.cancellation_policy, \
         instant_book = excluded.instant_book, data = excluded.data, version = excluded.version, \
         updated_at = excluded.updated_at WHERE listings.version <= excluded.version",
    )
    .bind(m.id)
    .bind(m.owner_id)
    .bind(m.kind.as_str())
    .bind(m.status.as_str())
    .bind(m.timezone.as_str())
    .bind(m.currency.as_str())
    .bind(m.cancellation_policy.as_str())
    .bind(m.instant_book)
    .bind(m.data.clone())
    .bind(m.version)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<ListingModel>, DbError> {
    query(
        "SELECT id, owner_id, kind, status, timezone, currency, cancellation_policy, instant_book, data, version \
         FROM listings WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// A host's setting for one night.
#[derive(Debug, Clone, PartialEq)]
pub struct NightSetting {
    pub night: chrono::NaiveDate,
    pub blocked: bool,
    pub price: Option<i64>,
    pub min_nights: Option<i64>,
}

impl FromRow for NightSetting {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(NightSetting {
            night: row.get("night")?,
            blocked: row.get("blocked")?,
            price: row.get("price")?,
            min_nights: row.get("min_nights")?,
        })
    }
}

/// Settings of nights in `[from, to)`.
pub async fn nights(
    db: &Db,
    listing: Uuid,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<NightSetting>, DbError> {
    query(
        "SELECT night, blocked, price, min_nights FROM calendar_nights WHERE listing_id = $1 AND night >= $2 AND night < $3 \
         ORDER BY night",
    )
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

pub async fn nights_tx(
    tx: &mut Tx,
    listing: Uuid,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Result<Vec<NightSetting>, DbError> {
    query(
        "SELECT night, blocked, price, min_nights FROM calendar_nights WHERE listing_id = $1 AND night >= $2 AND night < $3 \
         ORDER BY night",
    )
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(tx)
    .await
}

/// Stores a night's setting; a night back to defaults is removed.
pub async fn save_night(tx: &mut Tx, listing: Uuid, s: &NightSetting, now: DateTime<Utc>) -> Result<(), DbError> {
    if !s.blocked && s.price.is_none() && s.min_nights.is_none() {
        query("DELETE FROM calendar_nights WHERE listing_id = $1 AND night = $2")
            .bind(listing)
            .bind(s.night)
            .execute(tx)
            .await?;
        return Ok(());
    }
    query(
        "INSERT INTO calendar_nights (listing_id, night, blocked, price, min_nights, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (listing_id, night) DO UPDATE SET blocked = excluded.blocked, price = excluded.price, \
         min_nights = excluded.min_nights, updated_at = excluded.updated_at",
    )
    .bind(listing)
    .bind(s.night)
    .bind(s.blocked)
    .bind(s.price)
    .bind(s.min_nights)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}
