//! DreamScape bookings by reference (`insights_trips`, `insights_trip_parts`), the booking
//! references whose payment was opened (`insights_payment_refs`), and the payment a capture or
//! a refund belongs to (`insights_money.payment_id`): what DreamScape's admin dashboard counts
//! beyond the other facts. Writes only; `crate::dreamscape` derives statuses and reads.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Tx, query};
use uuid::Uuid;

/// A DreamScape booking as booking's `voyage.created` describes it (its traveller is not kept:
/// nothing counts by person).
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    pub id: Uuid,
    pub reference: String,
    /// Minor units of `currency`.
    pub amount: i64,
    pub currency: String,
    /// The reservations it holds.
    pub parts: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

/// Records a new DreamScape booking (`pending_payment`, `DRAFT` until derived) and the
/// reservations it holds; a redelivery changes nothing.
pub async fn create_trip(tx: &mut Tx, t: &Trip) -> Result<(), DbError> {
    query(
        "INSERT INTO insights_trips (id, reference, state, status, amount, currency, destination, created_at, updated_at) \
         VALUES ($1, $2, 'pending_payment', 'DRAFT', $3, $4, NULL, $5, $5) ON CONFLICT (id) DO NOTHING",
    )
    .bind(t.id)
    .bind(t.reference.as_str())
    .bind(t.amount)
    .bind(t.currency.as_str())
    .bind(t.created_at)
    .execute(&mut *tx)
    .await?;
    for part in &t.parts {
        query("INSERT INTO insights_trip_parts (reservation_id, trip_id) VALUES ($1, $2) ON CONFLICT (reservation_id) DO NOTHING")
            .bind(*part)
            .bind(t.id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// The DreamScape booking `reference`, if known.
pub async fn trip_by_reference(tx: &mut Tx, reference: &str) -> Result<Option<Uuid>, DbError> {
    let row: Option<(Uuid,)> =
        query("SELECT id FROM insights_trips WHERE reference = $1").bind(reference).fetch_optional(&mut *tx).await?;
    Ok(row.map(|(id,)| id))
}

/// The DreamScape booking holding `reservation`, if any.
pub async fn trip_of_reservation(tx: &mut Tx, reservation: Uuid) -> Result<Option<Uuid>, DbError> {
    let row: Option<(Uuid,)> = query("SELECT trip_id FROM insights_trip_parts WHERE reservation_id = $1")
        .bind(reservation)
        .fetch_optional(&mut *tx)
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Moves a DreamScape booking from `from` to `to`; false when it was in another state.
pub async fn move_trip(tx: &mut Tx, id: Uuid, from: &str, to: &str, at: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query("UPDATE insights_trips SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4")
        .bind(to)
        .bind(at)
        .bind(id)
        .bind(from)
        .execute(&mut *tx)
        .await?;
    Ok(n == 1)
}

/// Notes that a payment was opened for `reference` (once).
pub async fn payment_opened(tx: &mut Tx, reference: &str, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO insights_payment_refs (reference, opened_at) VALUES ($1, $2) ON CONFLICT (reference) DO NOTHING",
    )
    .bind(reference)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// What a DreamScape booking's status is derived from: its own state, whether its payment was
/// opened, and the states of the reservations it holds that are known (oldest first).
pub async fn trip_facts(tx: &mut Tx, id: Uuid) -> Result<Option<(String, bool, Vec<String>)>, DbError> {
    let row: Option<(String, i64)> = query(
        "SELECT t.state, (SELECT COUNT(*) FROM insights_payment_refs p WHERE p.reference = t.reference) \
         FROM insights_trips t WHERE t.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((state, opened)) = row else { return Ok(None) };
    let parts: Vec<(String,)> = query(
        "SELECT r.status FROM insights_trip_parts p JOIN insights_reservations r ON r.id = p.reservation_id \
         WHERE p.trip_id = $1 ORDER BY r.booked_at, r.id",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    Ok(Some((state, opened > 0, parts.into_iter().map(|(s,)| s).collect())))
}

/// Sets a DreamScape booking's derived status, and its destination, once known, from its
/// first reservation that has one.
pub async fn set_trip_status(tx: &mut Tx, id: Uuid, status: &str, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "UPDATE insights_trips SET status = $1, updated_at = $2, destination = COALESCE(destination, \
         (SELECT r.destination FROM insights_trip_parts p JOIN insights_reservations r ON r.id = p.reservation_id \
          WHERE p.trip_id = $3 AND r.destination IS NOT NULL ORDER BY r.booked_at, r.id LIMIT 1)) WHERE id = $3",
    )
    .bind(status)
    .bind(at)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Records which payment intent the money movement `movement` (a capture or a refund) belongs to.
pub async fn link_payment(tx: &mut Tx, movement: &str, payment: &str) -> Result<(), DbError> {
    query("UPDATE insights_money SET payment_id = $1 WHERE id = $2")
        .bind(payment)
        .bind(movement)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
