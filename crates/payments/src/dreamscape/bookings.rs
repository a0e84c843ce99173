//! The bookings payments are for, as booking's events describe them (`payment_bookings`): a
//! reservation (`booking.*`, whose data carries the reservation) or a DreamScape booking of
//! several items (`voyage.*`, whose aggregate is the booking's id). Payments never reads
//! booking's tables; this read model is what administrators see of a payment's booking, and
//! how a DreamScape `bookingId` is matched to its `bookingReference`.

use chrono::{DateTime, Utc};
use kernel::EventEnvelope;
use platform::db::{DbError, Executor, FromRow, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

/// A booking as payments heard of it.
#[derive(Debug, Clone)]
pub struct BookingSeen {
    pub id: Uuid,
    /// `DS-…`, or the reservation's id.
    pub reference: String,
    pub user_id: Uuid,
    /// The reservation's kind (`stay`, `activity`, …); none for a DS- booking.
    pub kind: Option<String>,
    /// DreamScape's BookingStatus as last heard.
    pub status: String,
    pub total: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

impl FromRow for BookingSeen {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(BookingSeen {
            id: row.get("id")?,
            reference: row.get("reference")?,
            user_id: row.get("user_id")?,
            kind: row.get("kind")?,
            status: row.get("status")?,
            total: row.get("total")?,
            currency: row.get("currency")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// DreamScape's BookingStatus of a reservation's status.
pub fn reservation_status(status: &str) -> &'static str {
    match status {
        "pending_payment" => "PENDING_PAYMENT",
        "confirmed" => "CONFIRMED",
        "completed" => "COMPLETED",
        "cancelled" | "declined" => "CANCELLED",
        "expired" => "FAILED",
        // `awaiting_host`: paid (authorised), waiting for the host's answer.
        _ => "PENDING",
    }
}

/// DreamScape's BookingType of a reservation's kind, where there is one.
pub fn booking_type(kind: Option<&str>) -> Option<&'static str> {
    match kind? {
        "stay" => Some("HOTEL"),
        "activity" => Some("ACTIVITY"),
        "transport" => Some("TRANSFER"),
        _ => None,
    }
}

/// Inserts or refreshes a booking; its id, reference, owner and creation never change.
async fn save(tx: &mut Tx, b: &BookingSeen, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO payment_bookings (id, reference, user_id, kind, status, total, currency, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
         total = excluded.total, kind = COALESCE(payment_bookings.kind, excluded.kind), updated_at = excluded.updated_at",
    )
    .bind(b.id)
    .bind(b.reference.as_str())
    .bind(b.user_id)
    .bind(b.kind.clone())
    .bind(b.status.as_str())
    .bind(b.total)
    .bind(b.currency.as_str())
    .bind(b.created_at)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_owned)
}

/// Records what a `booking.*` event says of its reservation.
pub async fn on_reservation(tx: &mut Tx, event: &EventEnvelope, now: DateTime<Utc>) -> Result<(), DbError> {
    let Some(r) = event.data.get("reservation") else { return Ok(()) };
    let (Some(id), Some(guest)) =
        (text(r, "id").and_then(|s| s.parse::<Uuid>().ok()), text(r, "guestId").and_then(|s| s.parse().ok()))
    else {
        return Ok(());
    };
    let created = text(r, "createdAt")
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .map_or(event.occurred_at, |t| t.with_timezone(&Utc));
    let seen = BookingSeen {
        id,
        reference: id.to_string(),
        user_id: guest,
        kind: text(r, "kind"),
        status: reservation_status(&text(r, "status").unwrap_or_default()).into(),
        total: r.get("total").and_then(Value::as_i64).unwrap_or(0),
        currency: text(r, "currency").unwrap_or_default().to_ascii_uppercase(),
        created_at: created,
    };
    save(tx, &seen, now).await
}

/// Records what a `voyage.*` event says of a DS- booking: created (waiting for payment), paid
/// (`voyage.booked`), cancelled.
pub async fn on_voyage(tx: &mut Tx, event: &EventEnvelope, now: DateTime<Utc>) -> Result<(), DbError> {
    let Ok(id) = event.aggregate_id.parse::<Uuid>() else { return Ok(()) };
    let d = &event.data;
    let status = match event.event_type.as_str() {
        "voyage.created" => "PENDING_PAYMENT",
        "voyage.booked" => "PENDING",
        "voyage.cancelled" => {
            query("UPDATE payment_bookings SET status = 'CANCELLED', updated_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(tx)
                .await?;
            return Ok(());
        }
        _ => return Ok(()),
    };
    let (Some(reference), Some(user)) =
        (text(d, "bookingReference"), text(d, "userId").and_then(|s| s.parse::<Uuid>().ok()))
    else {
        return Ok(());
    };
    if event.event_type == "voyage.created" {
        // A late `voyage.created` never undoes what a later event said.
        let known: Option<(String,)> =
            query("SELECT status FROM payment_bookings WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
        if known.is_some() {
            return Ok(());
        }
    }
    let seen = BookingSeen {
        id,
        reference,
        user_id: user,
        kind: None,
        status: status.into(),
        total: d.get("total").and_then(Value::as_i64).unwrap_or(0),
        currency: text(d, "currency").unwrap_or_default().to_ascii_uppercase(),
        created_at: event.occurred_at,
    };
    save(tx, &seen, now).await
}

/// The booking a payment is for: its reservation, or its DS- booking by reference.
pub async fn of_payment<'c>(
    on: impl Executor<'c>,
    reservation: Uuid,
    reference: &str,
) -> Result<Option<BookingSeen>, DbError> {
    query(
        "SELECT id, reference, user_id, kind, status, total, currency, created_at FROM payment_bookings \
         WHERE id = $1 OR reference = $2 ORDER BY created_at LIMIT 1",
    )
    .bind(reservation)
    .bind(reference)
    .fetch_optional(on)
    .await
}

/// The booking of `reference` (a DS- reference, or a reservation's id as text).
pub async fn by_reference<'c>(on: impl Executor<'c>, reference: &str) -> Result<Option<BookingSeen>, DbError> {
    query(
        "SELECT id, reference, user_id, kind, status, total, currency, created_at FROM payment_bookings \
         WHERE reference = $1",
    )
    .bind(reference)
    .fetch_optional(on)
    .await
}
