//! `supplier_orders`: every order placed at the supplier, claimed by its idempotency key
//! before the supplier is called, so one key never orders twice.

use chrono::{DateTime, Utc};
use kernel::ApiError;
use platform::db::{Db, Json, Row};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Order {
    pub id: Uuid,
    pub supplier: String,
    pub kind: String,
    pub confirmation: String,
    pub supplier_order_id: String,
    pub key: String,
    /// `pending` (claimed, supplier being asked), `booked`, `cancelled`, `cancel_by_hand`.
    pub status: String,
    pub amount: i64,
    pub currency: String,
    pub refundable: bool,
    pub user_id: Option<Uuid>,
    pub offer: Value,
    pub answer: Value,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, supplier, kind, confirmation, supplier_order_id, idempotency_key, status, amount, currency, \
                       refundable, user_id, offer, answer, created_at";

impl platform::db::FromRow for Order {
    fn from_row(row: &Row<'_>) -> Result<Self, platform::db::DbError> {
        Ok(Self {
            id: row.get("id")?,
            supplier: row.get("supplier")?,
            kind: row.get("kind")?,
            confirmation: row.get("confirmation")?,
            supplier_order_id: row.get("supplier_order_id")?,
            key: row.get("idempotency_key")?,
            status: row.get("status")?,
            amount: row.get("amount")?,
            currency: row.get("currency")?,
            refundable: row.get("refundable")?,
            user_id: row.get("user_id")?,
            offer: row.get::<Json<Value>>("offer")?.0,
            answer: row.get::<Json<Value>>("answer")?.0,
            created_at: row.get("created_at")?,
        })
    }
}

/// Claims `order.key`; `false` when the key is already claimed (by a retry or a concurrent call).
pub async fn claim(db: &Db, order: &Order) -> Result<bool, ApiError> {
    let sql = "INSERT INTO supplier_orders (id, supplier, kind, confirmation, supplier_order_id, idempotency_key, status, \
               amount, currency, refundable, user_id, offer, answer, created_at) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (idempotency_key) DO NOTHING";
    let inserted = platform::db::query(sql)
        .bind(order.id)
        .bind(order.supplier.as_str())
        .bind(order.kind.as_str())
        .bind(order.confirmation.as_str())
        .bind(order.supplier_order_id.as_str())
        .bind(order.key.as_str())
        .bind(order.status.as_str())
        .bind(order.amount)
        .bind(order.currency.as_str())
        .bind(order.refundable)
        .bind(order.user_id)
        .bind(order.offer.clone())
        .bind(order.answer.clone())
        .bind(order.created_at)
        .execute(db)
        .await?;
    Ok(inserted == 1)
}

/// Records the supplier's answer to a claimed order.
pub async fn booked(
    db: &Db,
    id: Uuid,
    confirmation: &str,
    supplier_order_id: &str,
    answer: &Value,
) -> Result<(), ApiError> {
    platform::db::query(
        "UPDATE supplier_orders SET status = 'booked', confirmation = $2, supplier_order_id = $3, answer = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(confirmation)
    .bind(supplier_order_id)
    .bind(answer.clone())
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets a claim whose order the supplier refused or could not take (a retry claims again).
pub async fn release(db: &Db, id: Uuid) -> Result<(), ApiError> {
    platform::db::query("DELETE FROM supplier_orders WHERE id = $1 AND status = 'pending'")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_status(db: &Db, id: Uuid, status: &str, at: DateTime<Utc>) -> Result<(), ApiError> {
    platform::db::query("UPDATE supplier_orders SET status = $2, cancelled_at = $3 WHERE id = $1")
        .bind(id)
        .bind(status)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn by_key(db: &Db, key: &str) -> Result<Option<Order>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM supplier_orders WHERE idempotency_key = $1");
    Ok(platform::db::query_dynamic(sql).bind(key).fetch_optional(db).await?)
}

/// An order by what the traveller or the supplier calls it (confirmation or order id).
pub async fn by_reference(db: &Db, reference: &str) -> Result<Option<Order>, ApiError> {
    let sql =
        format!("SELECT {COLUMNS} FROM supplier_orders WHERE confirmation = $1 OR supplier_order_id = $1 LIMIT 1");
    Ok(platform::db::query_dynamic(sql).bind(reference).fetch_optional(db).await?)
}

/// Every order placed for `user`, oldest first.
pub async fn of_user(db: &Db, user: Uuid) -> Result<Vec<Order>, ApiError> {
    let sql = format!("SELECT {COLUMNS} FROM supplier_orders WHERE user_id = $1 ORDER BY created_at");
    Ok(platform::db::query_dynamic(sql).bind(user).fetch_all(db).await?)
}
