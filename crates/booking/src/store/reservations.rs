//! Reservations and their idempotency keys. A transition is one guarded UPDATE: it applies
//! only if the reservation is still in the state the caller read.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{DbError, Executor, FromRow, Json, Row, Tx, query, query_dynamic};
use serde_json::Value;
use uuid::Uuid;

use crate::pricing::Quote;

#[derive(Debug, Clone)]
pub struct Reservation {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub guest_id: Uuid,
    pub host_id: Uuid,
    pub kind: String,
    pub status: String,
    pub check_in: Option<NaiveDate>,
    pub check_out: Option<NaiveDate>,
    pub unit_key: Option<String>,
    pub quantity: i64,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub currency: String,
    /// The listing's IANA time zone when booked (local dates, ICS, refunds by local nights).
    pub timezone: String,
    pub total: i64,
    pub quote: Quote,
    pub coupon_id: Option<Uuid>,
    pub instant_book: bool,
    pub cancellation_policy: String,
    pub hold_expires_at: Option<DateTime<Utc>>,
    pub respond_by: Option<DateTime<Utc>>,
    /// Minor units the payment holds authorised, not captured (a request to book waiting for
    /// its host, or accepted and being captured).
    pub authorised: i64,
    /// Minor units captured.
    pub paid: i64,
    /// Minor units actually refunded (payments' `payment.refunded`).
    pub refunded: i64,
    pub payment_id: Option<String>,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub refund: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, listing_id, guest_id, host_id, kind, status, check_in, check_out, unit_key, quantity, \
     starts_at, ends_at, currency, timezone, total, quote, coupon_id, instant_book, cancellation_policy, hold_expires_at, \
     respond_by, authorised, paid, refunded, payment_id, cancelled_by, cancel_reason, refund, created_at, updated_at";

impl FromRow for Reservation {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(quote): Json<Quote> = row.get("quote")?;
        let refund: Option<Json<Value>> = row.get("refund")?;
        Ok(Reservation {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            guest_id: row.get("guest_id")?,
            host_id: row.get("host_id")?,
            kind: row.get("kind")?,
            status: row.get("status")?,
            check_in: row.get("check_in")?,
            check_out: row.get("check_out")?,
            unit_key: row.get("unit_key")?,
            quantity: row.get("quantity")?,
            starts_at: row.get("starts_at")?,
            ends_at: row.get("ends_at")?,
            currency: row.get("currency")?,
            timezone: row.get("timezone")?,
            total: row.get("total")?,
            quote,
            coupon_id: row.get("coupon_id")?,
            instant_book: row.get("instant_book")?,
            cancellation_policy: row.get("cancellation_policy")?,
            hold_expires_at: row.get("hold_expires_at")?,
            respond_by: row.get("respond_by")?,
            authorised: row.get("authorised")?,
            paid: row.get("paid")?,
            refunded: row.get("refunded")?,
            payment_id: row.get("payment_id")?,
            cancelled_by: row.get("cancelled_by")?,
            cancel_reason: row.get("cancel_reason")?,
            refund: refund.map(|Json(v)| v),
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

/// The statement inserting `r` (to send in a batch with the rest of a sale).
pub fn insert_query(r: &Reservation) -> Result<platform::db::Query, DbError> {
    Ok(query(
        "INSERT INTO reservations (id, listing_id, guest_id, host_id, kind, status, check_in, check_out, unit_key, \
         quantity, starts_at, ends_at, currency, timezone, total, quote, coupon_id, instant_book, cancellation_policy, \
         hold_expires_at, respond_by, authorised, paid, refunded, payment_id, cancelled_by, cancel_reason, refund, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)",
    )
    .bind(r.id)
    .bind(r.listing_id)
    .bind(r.guest_id)
    .bind(r.host_id)
    .bind(r.kind.as_str())
    .bind(r.status.as_str())
    .bind(r.check_in)
    .bind(r.check_out)
    .bind(r.unit_key.clone())
    .bind(r.quantity)
    .bind(r.starts_at)
    .bind(r.ends_at)
    .bind(r.currency.as_str())
    .bind(r.timezone.as_str())
    .bind(r.total)
    .bind_json(&r.quote)?
    .bind(r.coupon_id)
    .bind(r.instant_book)
    .bind(r.cancellation_policy.as_str())
    .bind(r.hold_expires_at)
    .bind(r.respond_by)
    .bind(r.authorised)
    .bind(r.paid)
    .bind(r.refunded)
    .bind(r.payment_id.clone())
    .bind(r.cancelled_by.clone())
    .bind(r.cancel_reason.clone())
    .bind(r.refund.clone())
    .bind(r.created_at)
    .bind(r.updated_at))
}

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Reservation>, DbError> {
    query_dynamic(format!("SELECT {COLUMNS} FROM reservations WHERE id = $1")).bind(id).fetch_optional(on).await
}

/// The reservations of `ids` that exist, in no particular order (chunks of 500 binds).
pub async fn find_many(db: &platform::db::Db, ids: &[Uuid]) -> Result<Vec<Reservation>, DbError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let mut q = query_dynamic(format!("SELECT {COLUMNS} FROM reservations WHERE id IN ({})", marks.join(", ")));
        for id in chunk {
            q = q.bind(*id);
        }
        out.extend(q.fetch_all::<Reservation>(db).await?);
    }
    Ok(out)
}

/// Writes `next` over the reservation if it is still `expected`; `None` when another
/// transition won.
pub async fn transition(tx: &mut Tx, next: &Reservation, expected: &str) -> Result<Option<Reservation>, DbError> {
    query_dynamic(format!(
        "UPDATE reservations SET status = $2, hold_expires_at = $3, respond_by = $4, paid = $5, refunded = $6, \
         payment_id = $7, cancelled_by = $8, cancel_reason = $9, refund = $10, updated_at = $11, authorised = $12 \
         WHERE id = $1 AND status = $13 RETURNING {COLUMNS}"
    ))
    .bind(next.id)
    .bind(next.status.as_str())
    .bind(next.hold_expires_at)
    .bind(next.respond_by)
    .bind(next.paid)
    .bind(next.refunded)
    .bind(next.payment_id.clone())
    .bind(next.cancelled_by.clone())
    .bind(next.cancel_reason.clone())
    .bind(next.refund.clone())
    .bind(next.updated_at)
    .bind(next.authorised)
    .bind(expected)
    .fetch_optional(tx)
    .await
}

/// Which side of the reservation a list is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Guest,
    Host,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub listing: Option<Uuid>,
    /// Reservations that end on or after this instant (or have no end).
    pub from: Option<DateTime<Utc>>,
    /// Reservations that start before this instant (or have no start).
    pub to: Option<DateTime<Utc>>,
}

/// One page of a user's reservations (newest first) and the total.
pub async fn list(
    db: &platform::db::Db,
    side: Side,
    user: Uuid,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Reservation>, i64), DbError> {
    let who = match side {
        Side::Guest => "guest_id",
        Side::Host => "host_id",
    };
    let conditions = format!(
        "{who} = $1 AND ($2 IS NULL OR status = $2) AND ($3 IS NULL OR listing_id = $3) \
         AND ($4 IS NULL OR ends_at IS NULL OR ends_at >= $4) AND ($5 IS NULL OR starts_at IS NULL OR starts_at < $5)"
    );
    let bind = |q: platform::db::Query| q.bind(user).bind(f.status.clone()).bind(f.listing).bind(f.from).bind(f.to);
    let rows = bind(query_dynamic(format!(
        "SELECT {COLUMNS} FROM reservations WHERE {conditions} ORDER BY created_at DESC, id DESC LIMIT $6 OFFSET $7"
    )))
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    let (total,): (i64,) =
        bind(query_dynamic(format!("SELECT CAST(COUNT(*) AS BIGINT) FROM reservations WHERE {conditions}")))
            .fetch_one(db)
            .await?;
    Ok((rows, total))
}

/// Ids of reservations due for the scheduler as of `now`: unpaid holds run out, requests
/// unanswered, confirmed reservations ended. The status is written out so that each query uses
/// its partial index.
pub async fn due<'c>(
    on: impl Executor<'c>,
    column: DueColumn,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Uuid>, DbError> {
    let sql = match column {
        DueColumn::Hold => {
            "SELECT id FROM reservations WHERE status = 'pending_payment' AND hold_expires_at <= $1 LIMIT $2"
        }
        DueColumn::Request => {
            "SELECT id FROM reservations WHERE status = 'awaiting_host' AND respond_by <= $1 LIMIT $2"
        }
        DueColumn::End => "SELECT id FROM reservations WHERE status = 'confirmed' AND ends_at <= $1 LIMIT $2",
    };
    let rows: Vec<(Uuid,)> = query(sql).bind(now).bind(limit).fetch_all(on).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

#[derive(Debug, Clone, Copy)]
pub enum DueColumn {
    Hold,
    Request,
    End,
}

/// Records `key` for `reservation`; `false` when the guest already used it.
pub async fn save_key(
    tx: &mut Tx,
    guest: Uuid,
    key: &str,
    fingerprint: &str,
    reservation: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let saved = query(
        "INSERT INTO reservation_keys (guest_id, idem_key, fingerprint, reservation_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(guest)
    .bind(key)
    .bind(fingerprint)
    .bind(reservation)
    .bind(now)
    .execute(tx)
    .await;
    match saved {
        Ok(_) => Ok(true),
        Err(DbError::UniqueViolation { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `(fingerprint, reservation)` recorded under a guest's key.
pub async fn find_key<'c>(on: impl Executor<'c>, guest: Uuid, key: &str) -> Result<Option<(String, Uuid)>, DbError> {
    query("SELECT fingerprint, reservation_id FROM reservation_keys WHERE guest_id = $1 AND idem_key = $2")
        .bind(guest)
        .bind(key)
        .fetch_optional(on)
        .await
}

/// Reservations still holding a countable unit (a session's or trip's seats).
pub async fn holding_unit(tx: &mut Tx, listing: Uuid, key: &str) -> Result<Vec<Reservation>, DbError> {
    query_dynamic(format!(
        "SELECT {COLUMNS} FROM reservations WHERE listing_id = $1 AND unit_key = $2 \
         AND status IN ('pending_payment', 'awaiting_host', 'confirmed')"
    ))
    .bind(listing)
    .bind(key)
    .fetch_all(tx)
    .await
}

/// Forgets idempotency keys recorded before `before`.
pub async fn forget_keys(db: &platform::db::Db, before: DateTime<Utc>) -> Result<u64, DbError> {
    let mut tx = db.begin().await?;
    let n = query("DELETE FROM reservation_keys WHERE created_at < $1").bind(before).execute(&mut tx).await?;
    tx.commit().await?;
    Ok(n)
}

/// Takes the reservation's row if it is still `expected` (bumping `updated_at`) and returns it
/// as it now is; `None` when it moved on. A step that changes what belongs to a reservation
/// without changing its state (a shipment, a return) takes it first, as a transition would:
/// on PostgreSQL it is then the row lock that orders it with transitions.
pub async fn touch(tx: &mut Tx, id: Uuid, expected: &str, now: DateTime<Utc>) -> Result<Option<Reservation>, DbError> {
    query_dynamic(format!("UPDATE reservations SET updated_at = $2 WHERE id = $1 AND status = $3 RETURNING {COLUMNS}"))
        .bind(id)
        .bind(now)
        .bind(expected)
        .fetch_optional(tx)
        .await
}
