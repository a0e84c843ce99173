//! The administrators' read model of bookings and payments (`admin_bookings`,
//! `admin_booking_parts`, `admin_payments`): what the consumers write. Reads are in
//! [`super::dashboard`].

use chrono::{DateTime, Utc};
use platform::db::{DbError, Tx, query};
use uuid::Uuid;

/// A reservation as booking's `booking.*` events describe it.
#[derive(Debug, Clone)]
pub struct ReservationSeen {
    pub id: Uuid,
    pub user_id: Uuid,
    pub booking_type: &'static str,
    pub state: String,
    pub status: &'static str,
    pub amount: i64,
    pub currency: String,
    pub destination: Option<String>,
    pub created_at: DateTime<Utc>,
    /// When the event happened: older news never overwrites newer.
    pub at: DateTime<Utc>,
}

/// Writes what a reservation event says, unless newer news was already written. Answers the
/// DreamScape booking it belongs to, when known.
pub async fn save_reservation(tx: &mut Tx, r: &ReservationSeen) -> Result<Option<Uuid>, DbError> {
    let confirmed_at = (r.state == "confirmed").then_some(r.at);
    query(
        "INSERT INTO admin_bookings (id, kind, reference, user_id, booking_type, state, status, amount, currency, \
         destination, trip_id, payment_opened, created_at, confirmed_at, updated_at) \
         VALUES ($1, 'reservation', $2, $3, $4, $5, $6, $7, $8, $9, \
         (SELECT p.trip_id FROM admin_booking_parts p WHERE p.reservation_id = $1), FALSE, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, status = excluded.status, amount = excluded.amount, \
         destination = COALESCE(excluded.destination, admin_bookings.destination), \
         confirmed_at = COALESCE(admin_bookings.confirmed_at, excluded.confirmed_at), updated_at = excluded.updated_at \
         WHERE admin_bookings.updated_at <= excluded.updated_at",
    )
    .bind(r.id)
    .bind(r.id.to_string())
    .bind(r.user_id)
    .bind(r.booking_type)
    .bind(r.state.as_str())
    .bind(r.status)
    .bind(r.amount)
    .bind(r.currency.as_str())
    .bind(r.destination.clone())
    .bind(r.created_at)
    .bind(confirmed_at)
    .bind(r.at)
    .execute(&mut *tx)
    .await?;
    let (trip,): (Option<Uuid>,) =
        query("SELECT trip_id FROM admin_bookings WHERE id = $1").bind(r.id).fetch_one(&mut *tx).await?;
    Ok(trip)
}

/// A DreamScape booking by reference, as `voyage.created` describes it.
#[derive(Debug, Clone)]
pub struct TripSeen {
    pub id: Uuid,
    pub reference: String,
    pub user_id: Uuid,
    pub booking_type: &'static str,
    pub amount: i64,
    pub currency: String,
    pub parts: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Records a new DreamScape booking and which reservations it holds (a redelivery changes
/// nothing).
pub async fn save_trip(tx: &mut Tx, t: &TripSeen) -> Result<(), DbError> {
    query(
        "INSERT INTO admin_bookings (id, kind, reference, user_id, booking_type, state, status, amount, currency, \
         destination, trip_id, payment_opened, created_at, confirmed_at, updated_at) \
         VALUES ($1, 'trip', $2, $3, $4, 'pending_payment', 'DRAFT', $5, $6, NULL, NULL, \
         EXISTS (SELECT 1 FROM admin_payments p WHERE p.booking_reference = $2), $7, NULL, $7) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(t.id)
    .bind(t.reference.as_str())
    .bind(t.user_id)
    .bind(t.booking_type)
    .bind(t.amount)
    .bind(t.currency.as_str())
    .bind(t.created_at)
    .execute(&mut *tx)
    .await?;
    for part in &t.parts {
        query("INSERT INTO admin_booking_parts (reservation_id, trip_id) VALUES ($1, $2) ON CONFLICT (reservation_id) DO NOTHING")
            .bind(*part)
            .bind(t.id)
            .execute(&mut *tx)
            .await?;
        query("UPDATE admin_bookings SET trip_id = $1 WHERE id = $2 AND kind = 'reservation'")
            .bind(t.id)
            .bind(*part)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The id of the DreamScape booking `reference`, if known.
pub async fn trip_by_reference(tx: &mut Tx, reference: &str) -> Result<Option<Uuid>, DbError> {
    let row: Option<(Uuid,)> = query("SELECT id FROM admin_bookings WHERE reference = $1 AND kind = 'trip'")
        .bind(reference)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Moves a DreamScape booking from one of `from` to `to`; false when it was elsewhere.
pub async fn set_trip_state(tx: &mut Tx, id: Uuid, from: &str, to: &str, at: DateTime<Utc>) -> Result<bool, DbError> {
    let n =
        query("UPDATE admin_bookings SET state = $1, updated_at = $2 WHERE id = $3 AND kind = 'trip' AND state = $4")
            .bind(to)
            .bind(at)
            .bind(id)
            .bind(from)
            .execute(&mut *tx)
            .await?;
    Ok(n == 1)
}

/// Notes that the payment of DreamScape booking `reference` was opened; its id if known.
pub async fn payment_opened(tx: &mut Tx, reference: &str) -> Result<Option<Uuid>, DbError> {
    query("UPDATE admin_bookings SET payment_opened = TRUE WHERE reference = $1 AND kind = 'trip'")
        .bind(reference)
        .execute(&mut *tx)
        .await?;
    trip_by_reference(tx, reference).await
}

/// A DreamScape booking's own state, whether its payment was opened, and the states of the
/// reservations it holds.
pub async fn trip_parts(tx: &mut Tx, id: Uuid) -> Result<Option<(String, bool, Vec<String>)>, DbError> {
    let row: Option<(String, bool)> =
        query("SELECT state, payment_opened FROM admin_bookings WHERE id = $1 AND kind = 'trip'")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((state, opened)) = row else { return Ok(None) };
    let parts: Vec<(String,)> = query("SELECT state FROM admin_bookings WHERE trip_id = $1 ORDER BY created_at, id")
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
    Ok(Some((state, opened, parts.into_iter().map(|(s,)| s).collect())))
}

/// Sets a DreamScape booking's derived status (stamping `confirmed_at` the first time it is
/// confirmed) and takes its destination from its first reservation that has one.
pub async fn set_trip_status(tx: &mut Tx, id: Uuid, status: &str, at: DateTime<Utc>) -> Result<(), DbError> {
    let confirmed = matches!(status, "CONFIRMED" | "COMPLETED").then_some(at);
    query(
        "UPDATE admin_bookings SET status = $1, confirmed_at = COALESCE(confirmed_at, $2), \
         destination = COALESCE(destination, (SELECT r.destination FROM admin_bookings r \
             WHERE r.trip_id = $3 AND r.destination IS NOT NULL ORDER BY r.created_at, r.id LIMIT 1)) \
         WHERE id = $3",
    )
    .bind(status)
    .bind(confirmed)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A payment as payments' `payment.*` events describe it.
#[derive(Debug, Clone)]
pub struct PaymentSeen {
    pub id: String,
    pub user_id: Option<Uuid>,
    pub reference: String,
    pub amount: i64,
    pub currency: String,
    pub status: &'static str,
    pub method: Option<String>,
    pub created_at: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

/// Writes what a payment event says, unless newer news was already written; a refunded
/// payment stays refunded.
pub async fn save_payment(tx: &mut Tx, p: &PaymentSeen) -> Result<(), DbError> {
    query(
        "INSERT INTO admin_payments (id, user_id, booking_reference, amount, refunded, currency, status, payment_method, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, amount = excluded.amount, \
         user_id = COALESCE(admin_payments.user_id, excluded.user_id), \
         payment_method = COALESCE(excluded.payment_method, admin_payments.payment_method), \
         updated_at = excluded.updated_at \
         WHERE admin_payments.updated_at <= excluded.updated_at AND admin_payments.status <> 'REFUNDED'",
    )
    .bind(p.id.as_str())
    .bind(p.user_id)
    .bind(p.reference.as_str())
    .bind(p.amount)
    .bind(p.currency.as_str())
    .bind(p.status)
    .bind(p.method.clone())
    .bind(p.created_at)
    .bind(p.at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A payment's amount, refunded amount and status, if known.
pub async fn payment_amounts(tx: &mut Tx, id: &str) -> Result<Option<(i64, i64, String)>, DbError> {
    query("SELECT amount, refunded, status FROM admin_payments WHERE id = $1").bind(id).fetch_optional(&mut *tx).await
}

pub async fn set_refunded(
    tx: &mut Tx,
    id: &str,
    refunded: i64,
    status: &str,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    query("UPDATE admin_payments SET refunded = $1, status = $2, updated_at = $3 WHERE id = $4")
        .bind(refunded)
        .bind(status)
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
