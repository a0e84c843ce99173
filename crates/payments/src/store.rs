//! The payments context's SQL.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

/// What a reservation owes, as booking announced it.
#[derive(Debug, Clone)]
pub struct Payable {
    pub reservation_id: Uuid,
    pub guest_id: Uuid,
    pub host_id: Option<Uuid>,
    pub currency: String,
    pub total: i64,
    pub instant_book: bool,
    pub status: String,
    /// The split of `total` (booking's quote): the host's payout, the platform's revenue, taxes.
    pub host_payout: i64,
    pub platform_revenue: i64,
    pub taxes: i64,
    /// When the reservation starts (check-in, slot or departure); none for goods.
    pub starts_at: Option<DateTime<Utc>>,
}

impl FromRow for Payable {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Payable {
            reservation_id: row.get("reservation_id")?,
            guest_id: row.get("guest_id")?,
            host_id: row.get("host_id")?,
            currency: row.get("currency")?,
            total: row.get("total")?,
            instant_book: row.get("instant_book")?,
            status: row.get("status")?,
            host_payout: row.get("host_payout")?,
            platform_revenue: row.get("platform_revenue")?,
            taxes: row.get("taxes")?,
            starts_at: row.get("starts_at")?,
        })
    }
}

pub async fn save_payable(tx: &mut Tx, p: &Payable, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO payables (reservation_id, guest_id, currency, total, instant_book, status, updated_at, host_id, \
         host_payout, platform_revenue, taxes, starts_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (reservation_id) DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at",
    )
    .bind(p.reservation_id)
    .bind(p.guest_id)
    .bind(p.currency.as_str())
    .bind(p.total)
    .bind(p.instant_book)
    .bind(p.status.as_str())
    .bind(now)
    .bind(p.host_id)
    .bind(p.host_payout)
    .bind(p.platform_revenue)
    .bind(p.taxes)
    .bind(p.starts_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn payable<'c>(on: impl Executor<'c>, reservation: Uuid) -> Result<Option<Payable>, DbError> {
    query(
        "SELECT reservation_id, guest_id, host_id, currency, total, instant_book, status, host_payout, platform_revenue, \
         taxes, starts_at FROM payables WHERE reservation_id = $1",
    )
        .bind(reservation)
        .fetch_optional(on)
        .await
}

#[derive(Debug, Clone)]
pub struct Intent {
    pub id: String,
    pub client_secret: String,
    pub user_id: Uuid,
    pub reservation_id: Uuid,
    pub booking_reference: String,
    pub amount: i64,
    pub currency: String,
    pub status: String,
    pub capture_method: String,
    pub provider: String,
    pub last_error: Option<String>,
    pub amount_refunded: i64,
    pub metadata: Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The processor's id of this payment (ours, for the sandbox).
    pub provider_ref: String,
    /// What the processor needs remembered between calls.
    pub provider_data: Value,
}

impl FromRow for Intent {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(metadata): Json<Value> = row.get("metadata")?;
        let Json(provider_data): Json<Value> = row.get("provider_data")?;
        let id: String = row.get("id")?;
        let provider_ref: Option<String> = row.get("provider_ref")?;
        Ok(Intent {
            provider_ref: provider_ref.unwrap_or_else(|| id.clone()),
            provider_data,
            id,
            client_secret: row.get("client_secret")?,
            user_id: row.get("user_id")?,
            reservation_id: row.get("reservation_id")?,
            booking_reference: row.get("booking_reference")?,
            amount: row.get("amount")?,
            currency: row.get("currency")?,
            status: row.get("status")?,
            capture_method: row.get("capture_method")?,
            provider: row.get("provider")?,
            last_error: row.get("last_error")?,
            amount_refunded: row.get("amount_refunded")?,
            metadata,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const COLUMNS: &str = "id, client_secret, user_id, reservation_id, booking_reference, amount, currency, status, \
     capture_method, provider, last_error, amount_refunded, metadata, created_at, updated_at, provider_ref, provider_data";

pub async fn insert(tx: &mut Tx, i: &Intent) -> Result<(), DbError> {
    query(
        "INSERT INTO payment_intents (id, client_secret, user_id, reservation_id, booking_reference, amount, currency, \
         status, capture_method, provider, last_error, metadata, created_at, updated_at, provider_ref, provider_data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(i.id.as_str())
    .bind(i.client_secret.as_str())
    .bind(i.user_id)
    .bind(i.reservation_id)
    .bind(i.booking_reference.as_str())
    .bind(i.amount)
    .bind(i.currency.as_str())
    .bind(i.status.as_str())
    .bind(i.capture_method.as_str())
    .bind(i.provider.as_str())
    .bind(i.last_error.clone())
    .bind(i.metadata.clone())
    .bind(i.created_at)
    .bind(i.updated_at)
    .bind(i.provider_ref.as_str())
    .bind(i.provider_data.clone())
    .execute(&mut *tx)
    .await?;
    link(tx, &i.id, i.reservation_id).await
}

/// Records that payment `intent` pays for `reservation`.
pub async fn link(tx: &mut Tx, intent: &str, reservation: Uuid) -> Result<(), DbError> {
    query("INSERT INTO intent_reservations (intent_id, reservation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(intent)
        .bind(reservation)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn find<'c>(on: impl Executor<'c>, id: &str) -> Result<Option<Intent>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM payment_intents WHERE id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await
}

/// The intent a processor knows by `reference` (its webhooks name payments so).
pub async fn find_by_reference<'c>(on: impl Executor<'c>, reference: &str) -> Result<Option<Intent>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM payment_intents WHERE provider_ref = $1 LIMIT 1"))
        .bind(reference)
        .fetch_optional(on)
        .await
}

/// Merges `data` (an object) into what is remembered for the processor.
pub async fn merge_provider_data(tx: &mut Tx, intent: &Intent, data: &Value) -> Result<Value, DbError> {
    let mut merged = intent.provider_data.clone();
    if let (Some(into), Some(from)) = (merged.as_object_mut(), data.as_object()) {
        for (k, v) in from {
            into.insert(k.clone(), v.clone());
        }
    }
    query("UPDATE payment_intents SET provider_data = $2 WHERE id = $1")
        .bind(intent.id.as_str())
        .bind(merged.clone())
        .execute(tx)
        .await?;
    Ok(merged)
}

/// Intents of a reservation in `status`.
pub async fn of_reservation<'c>(
    on: impl Executor<'c>,
    reservation: Uuid,
    status: &str,
) -> Result<Vec<Intent>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM payment_intents WHERE status = $2 AND id IN \
         (SELECT intent_id FROM intent_reservations WHERE reservation_id = $1) ORDER BY created_at, id"
    ))
    .bind(reservation)
    .bind(status)
    .fetch_all(on)
    .await
}

/// Moves an intent from `expected` to `next`'s status; `false` if another change won.
pub async fn transition(tx: &mut Tx, next: &Intent, expected: &str) -> Result<bool, DbError> {
    let n =
        query("UPDATE payment_intents SET status = $2, last_error = $3, updated_at = $4 WHERE id = $1 AND status = $5")
            .bind(next.id.as_str())
            .bind(next.status.as_str())
            .bind(next.last_error.clone())
            .bind(next.updated_at)
            .bind(expected)
            .execute(tx)
            .await?;
    Ok(n == 1)
}

/// Replaces an intent's metadata (what its payer or administrators attached).
pub async fn set_metadata(tx: &mut Tx, i: &Intent) -> Result<(), DbError> {
    query("UPDATE payment_intents SET metadata = $2, updated_at = $3 WHERE id = $1")
        .bind(i.id.as_str())
        .bind(i.metadata.clone())
        .bind(i.updated_at)
        .execute(tx)
        .await?;
    Ok(())
}

/// A user's intents, newest first, and how many there are.
pub async fn history(db: &Db, user: Uuid, limit: i64, offset: i64) -> Result<(Vec<Intent>, i64), DbError> {
    let rows = platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM payment_intents WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(user)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    let (total,): (i64,) = query("SELECT CAST(COUNT(*) AS BIGINT) FROM payment_intents WHERE user_id = $1")
        .bind(user)
        .fetch_one(db)
        .await?;
    Ok((rows, total))
}

/// Counts `amount` as refunded if that much money is left (captured, or authorised with its
/// capture on its way); `false` otherwise.
pub async fn take_refund(tx: &mut Tx, intent: &str, amount: i64, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query(
        "UPDATE payment_intents SET amount_refunded = amount_refunded + $2, updated_at = $3 \
         WHERE id = $1 AND status IN ('succeeded', 'requires_capture') AND amount_refunded + $2 <= amount",
    )
    .bind(intent)
    .bind(amount)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

/// A refund as recorded: who asked (`api` by an administrator, or `booking` from a
/// cancellation), how much and why.
#[derive(Debug, Clone)]
pub struct RefundRecord<'a> {
    pub id: &'a str,
    pub amount: i64,
    pub reason: &'a str,
    pub source: &'a str,
    pub by: Option<Uuid>,
    /// The reservation it gives money back for (the payment's own, or one of its group's).
    pub reservation: Uuid,
    /// Booking's breakdown: how much less the host is owed, and the taxes given back.
    pub split: Option<(i64, i64)>,
}

pub async fn insert_refund(
    tx: &mut Tx,
    intent: &Intent,
    r: &RefundRecord<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO refunds (id, intent_id, reservation_id, amount, currency, reason, source, created_by, created_at, \
         status, split_host, split_taxes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11)",
    )
    .bind(r.id)
    .bind(intent.id.as_str())
    .bind(r.reservation)
    .bind(r.amount)
    .bind(intent.currency.as_str())
    .bind(r.reason)
    .bind(r.source)
    .bind(r.by)
    .bind(now)
    .bind(r.split.map(|s| s.0))
    .bind(r.split.map(|s| s.1))
    .execute(tx)
    .await?;
    Ok(())
}

/// A refund as stored.
#[derive(Debug, Clone)]
pub struct Refund {
    pub id: String,
    pub intent_id: String,
    pub reservation_id: Uuid,
    pub amount: i64,
    pub currency: String,
    pub reason: String,
    pub source: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub split: Option<(i64, i64)>,
}

impl FromRow for Refund {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let host: Option<i64> = row.get("split_host")?;
        let taxes: Option<i64> = row.get("split_taxes")?;
        Ok(Refund {
            id: row.get("id")?,
            intent_id: row.get("intent_id")?,
            reservation_id: row.get("reservation_id")?,
            amount: row.get("amount")?,
            currency: row.get("currency")?,
            reason: row.get("reason")?,
            source: row.get("source")?,
            status: row.get("status")?,
            split: host.map(|h| (h, taxes.unwrap_or(0))),
        })
    }
}

pub async fn refund<'c>(on: impl Executor<'c>, id: &str) -> Result<Option<Refund>, DbError> {
    query(
        "SELECT id, intent_id, reservation_id, amount, currency, reason, source, status, split_host, split_taxes \
         FROM refunds WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(on)
    .await
}
