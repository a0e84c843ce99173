//! Reading the administrators' read model and the accounts for DreamScape's dashboard's recent
//! transactions and a user's activity. Windows are half-open, `[from, to)`, on creation times.
//! Bookings held by a DreamScape booking (`trip_id`) count through it only.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, query, query_dynamic};
use uuid::Uuid;

/// A search among history entries `h`. This and [`HISTORY_FIELDS`] are the only places the
/// back-office spells the history table's columns.
pub const IS_SEARCH: &str = "h.action_type = 'SEARCHED'";

/// A history entry `h` as [`HistoryRow`] reads it.
const HISTORY_FIELDS: &str =
    "h.id, h.action_type AS kind, h.entity_type AS item_type, h.entity_id AS item_id, h.created_at";

/// A payment as the dashboard and the activity list show it, with its payer when known.
#[derive(Debug, Clone)]
pub struct PaymentRow {
    pub id: String,
    pub reference: String,
    pub amount: i64,
    pub refunded: i64,
    pub currency: String,
    pub status: String,
    pub method: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `None` when the payer is unknown or the account was erased.
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

impl FromRow for PaymentRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(PaymentRow {
            id: row.get("id")?,
            reference: row.get("booking_reference")?,
            amount: row.get("amount")?,
            refunded: row.get("refunded")?,
            currency: row.get("currency")?,
            status: row.get("status")?,
            method: row.get("payment_method")?,
            created_at: row.get("created_at")?,
            email: row.get("email")?,
            first_name: row.get("first_name")?,
            last_name: row.get("last_name")?,
        })
    }
}

const PAYMENTS: &str = "SELECT p.id, p.booking_reference, p.amount, p.refunded, p.currency, p.status, p.payment_method, \
     p.created_at, u.email, u.first_name, u.last_name FROM admin_payments p \
     LEFT JOIN users u ON u.id = p.user_id AND u.status <> 'deleted'";

/// The window's payments, newest first.
pub async fn recent_payments(
    db: &Db,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<PaymentRow>, DbError> {
    query_dynamic(format!(
        "{PAYMENTS} WHERE p.created_at >= $1 AND p.created_at < $2 ORDER BY p.created_at DESC, p.id DESC LIMIT $3"
    ))
    .bind(from)
    .bind(to)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}

/// A user's latest payments, newest first.
pub async fn payments_of(db: &Db, user: Uuid, limit: u32) -> Result<Vec<PaymentRow>, DbError> {
    query_dynamic(format!("{PAYMENTS} WHERE p.user_id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT $2"))
        .bind(user)
        .bind(i64::from(limit))
        .fetch_all(db)
        .await
}

/// A booking as a user's activity shows it.
#[derive(Debug, Clone)]
pub struct BookingRow {
    pub id: Uuid,
    pub reference: String,
    pub booking_type: String,
    pub status: String,
    pub amount: i64,
    pub currency: String,
    pub destination: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for BookingRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(BookingRow {
            id: row.get("id")?,
            reference: row.get("reference")?,
            booking_type: row.get("booking_type")?,
            status: row.get("status")?,
            amount: row.get("amount")?,
            currency: row.get("currency")?,
            destination: row.get("destination")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// A user's latest bookings, newest first.
pub async fn bookings_of(db: &Db, user: Uuid, limit: u32) -> Result<Vec<BookingRow>, DbError> {
    query(
        "SELECT id, reference, booking_type, status, amount, currency, destination, created_at FROM admin_bookings \
         WHERE user_id = $1 AND trip_id IS NULL ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(user)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}

/// A history entry as a user's activity shows it.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    pub id: Uuid,
    pub kind: String,
    pub item_type: Option<String>,
    pub item_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for HistoryRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(HistoryRow {
            id: row.get("id")?,
            kind: row.get("kind")?,
            item_type: row.get("item_type")?,
            item_id: row.get("item_id")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// A user's latest history entries, newest first.
pub async fn history_of(db: &Db, user: Uuid, limit: u32) -> Result<Vec<HistoryRow>, DbError> {
    query_dynamic(format!(
        "SELECT {HISTORY_FIELDS} FROM history h WHERE h.user_id = $1 ORDER BY h.created_at DESC, h.id DESC LIMIT $2"
    ))
    .bind(user)
    .bind(i64::from(limit))
    .fetch_all(db)
    .await
}
