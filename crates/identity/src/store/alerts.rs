use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use uuid::Uuid;

/// A price alert. Amounts are minor units of `currency`.
#[derive(Debug, Clone)]
pub struct Alert {
    pub id: Uuid,
    pub user_id: Uuid,
    pub route: String,
    pub origin: String,
    pub destination: String,
    pub departure_date: NaiveDate,
    pub currency: String,
    pub target_price: i64,
    /// `None` until a price source feeds the alert.
    pub current_price: Option<i64>,
    pub previous_price: Option<i64>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for Alert {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Alert {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            route: row.get("route")?,
            origin: row.get("origin")?,
            destination: row.get("destination")?,
            departure_date: row.get("departure_date")?,
            currency: row.get("currency")?,
            target_price: row.get("target_price")?,
            current_price: row.get("current_price")?,
            previous_price: row.get("previous_price")?,
            is_active: row.get("is_active")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const COLUMNS: &str = "id, user_id, route, origin, destination, departure_date, currency, target_price, \
     current_price, previous_price, is_active, created_at, updated_at";

pub async fn insert(tx: &mut Tx, a: &Alert) -> Result<(), DbError> {
    query(
        "INSERT INTO price_alerts (id, user_id, route, origin, destination, departure_date, currency, target_price, \
         current_price, previous_price, is_active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(a.id)
    .bind(a.user_id)
    .bind(a.route.as_str())
    .bind(a.origin.as_str())
    .bind(a.destination.as_str())
    .bind(a.departure_date)
    .bind(a.currency.as_str())
    .bind(a.target_price)
    .bind(a.current_price)
    .bind(a.previous_price)
    .bind(a.is_active)
    .bind(a.created_at)
    .bind(a.updated_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn count(tx: &mut Tx, user: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) = query("SELECT COUNT(*) FROM price_alerts WHERE user_id = $1").bind(user).fetch_one(tx).await?;
    Ok(n)
}

/// The user's alerts, newest first.
pub async fn list(db: &Db, user: Uuid) -> Result<Vec<Alert>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM price_alerts WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user)
    .fetch_all(db)
    .await
}

/// One of the user's alerts (another user's reads as absent).
pub async fn find(tx: &mut Tx, user: Uuid, id: Uuid) -> Result<Option<Alert>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM price_alerts WHERE id = $1 AND user_id = $2"))
        .bind(id)
        .bind(user)
        .fetch_optional(tx)
        .await
}

pub async fn update(tx: &mut Tx, a: &Alert) -> Result<(), DbError> {
    query("UPDATE price_alerts SET is_active = $1, target_price = $2, updated_at = $3 WHERE id = $4")
        .bind(a.is_active)
        .bind(a.target_price)
        .bind(a.updated_at)
        .bind(a.id)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn remove(tx: &mut Tx, user: Uuid, id: Uuid) -> Result<bool, DbError> {
    Ok(query("DELETE FROM price_alerts WHERE id = $1 AND user_id = $2").bind(id).bind(user).execute(tx).await? == 1)
}
