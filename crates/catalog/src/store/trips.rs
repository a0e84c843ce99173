use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Trip {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub origin: String,
    pub destination: String,
    pub departs_at: DateTime<Utc>,
    pub arrives_at: DateTime<Utc>,
    pub seats: i64,
    /// Minor units, in the listing's currency.
    pub price_per_seat: i64,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Trip {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Trip {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            origin: row.get("origin")?,
            destination: row.get("destination")?,
            departs_at: row.get("departs_at")?,
            arrives_at: row.get("arrives_at")?,
            seats: row.get("seats")?,
            price_per_seat: row.get("price_per_seat")?,
            created_at: row.get("created_at")?,
        })
    }
}

const COLUMNS: &str = "id, listing_id, origin, destination, departs_at, arrives_at, seats, price_per_seat, created_at";

pub async fn insert(tx: &mut Tx, t: &Trip) -> Result<(), DbError> {
    platform::db::query_dynamic(format!(
        "INSERT INTO listing_trips ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(t.id)
    .bind(t.listing_id)
    .bind(t.origin.as_str())
    .bind(t.destination.as_str())
    .bind(t.departs_at)
    .bind(t.arrives_at)
    .bind(t.seats)
    .bind(t.price_per_seat)
    .bind(t.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Trips departing in `[from, to)`, earliest first (at most 500).
pub async fn between(db: &Db, listing: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Trip>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM listing_trips WHERE listing_id = $1 AND departs_at >= $2 AND departs_at < $3 \
         ORDER BY departs_at, origin LIMIT 500"
    ))
    .bind(listing)
    .bind(from)
    .bind(to)
    .fetch_all(db)
    .await
}

pub async fn remove(tx: &mut Tx, listing: Uuid, id: Uuid) -> Result<Option<Trip>, DbError> {
    let found: Option<Trip> =
        platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM listing_trips WHERE id = $1 AND listing_id = $2"))
            .bind(id)
            .bind(listing)
            .fetch_optional(&mut *tx)
            .await?;
    if found.is_some() {
        query("DELETE FROM listing_trips WHERE id = $1").bind(id).execute(tx).await?;
    }
    Ok(found)
}
