use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub capacity: i64,
    /// Minor units, in the listing's currency.
    pub price_per_person: i64,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Session {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Session {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            starts_at: row.get("starts_at")?,
            capacity: row.get("capacity")?,
            price_per_person: row.get("price_per_person")?,
            created_at: row.get("created_at")?,
        })
    }
}

pub async fn insert(tx: &mut Tx, s: &Session) -> Result<(), DbError> {
    query(
        "INSERT INTO listing_sessions (id, listing_id, starts_at, capacity, price_per_person, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(s.id)
    .bind(s.listing_id)
    .bind(s.starts_at)
    .bind(s.capacity)
    .bind(s.price_per_person)
    .bind(s.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Sessions starting in `[from, to)`, earliest first (at most 500).
pub async fn between(db: &Db, listing: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Session>, DbError> {
    query(
        "SELECT id, listing_id, starts_at, capacity, price_per_person, created_at FROM listing_sessions \
         WHERE listing_id = $1 AND starts_at >= $2 AND starts_at < $3 ORDER BY starts_at LIMIT 500",
    )
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

pub async fn remove(tx: &mut Tx, listing: Uuid, id: Uuid) -> Result<Option<Session>, DbError> {
    let found: Option<Session> = query(
        "SELECT id, listing_id, starts_at, capacity, price_per_person, created_at FROM listing_sessions \
         WHERE id = $1 AND listing_id = $2",
    )
    .bind(id)
    .bind(listing)
    .fetch_optional(&mut *tx)
    .await?;
    if found.is_some() {
        query("DELETE FROM listing_sessions WHERE id = $1").bind(id).execute(tx).await?;
    }
    Ok(found)
}
