//! The audit log of money movements: what moved (an intent created, confirmed, captured,
//! released or cancelled; a refund; a payout; a webhook applied), how much, who caused it
//! (a user, or none for the platform itself) and from which request. Written in the same
//! transaction as the movement, never changed afterwards.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use serde_json::{Value, json};
use uuid::Uuid;

/// Who caused a movement, as the HTTP layer knows it.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user: Option<Uuid>,
    pub request_id: Option<String>,
}

impl Actor {
    /// The platform itself (event handlers, scheduled runs).
    pub fn system() -> Self {
        Actor::default()
    }
}

#[derive(Debug, Clone)]
pub struct Movement<'a> {
    pub action: &'a str,
    pub subject: &'a str,
    pub reservation: Option<Uuid>,
    pub amount: i64,
    pub currency: &'a str,
}

pub async fn record(tx: &mut Tx, m: &Movement<'_>, actor: &Actor, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO audit_log (id, at, action, subject, reservation_id, amount, currency, actor_id, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(kernel::new_id())
    .bind(at)
    .bind(m.action)
    .bind(m.subject)
    .bind(m.reservation)
    .bind(m.amount)
    .bind(m.currency)
    .bind(actor.user)
    .bind(actor.request_id.clone())
    .execute(tx)
    .await?;
    Ok(())
}

struct Entry(Value);

impl FromRow for Entry {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let at: DateTime<Utc> = row.get("at")?;
        let reservation: Option<Uuid> = row.get("reservation_id")?;
        let actor: Option<Uuid> = row.get("actor_id")?;
        Ok(Entry(json!({
            "at": at, "action": row.get::<String>("action")?, "subject": row.get::<String>("subject")?,
            "reservationId": reservation, "amount": row.get::<i64>("amount")?, "currency": row.get::<String>("currency")?,
            "actorId": actor, "requestId": row.get::<Option<String>>("request_id")?,
        })))
    }
}

/// Newest first.
pub async fn list(db: &Db, limit: i64, offset: i64) -> Result<Vec<Value>, DbError> {
    let rows: Vec<Entry> = query(
        "SELECT at, action, subject, reservation_id, amount, currency, actor_id, request_id FROM audit_log \
         ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|e| e.0).collect())
}
