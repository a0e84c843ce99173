//! Keeping the administrators' read model of bookings and payments current, from the booking
//! and payments contexts' events (the consumers in `crate::events` parse them; this applies
//! them, inside the consumer's transaction). Delivery is at least once, deduplicated by the
//! platform; the writes are idempotent anyway, and tolerate the three families arriving in
//! any order relative to each other.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Tx};
use uuid::Uuid;

use crate::domain::backoffice::{refunded_status, trip_status};
use crate::store::backoffice::{self as store, PaymentSeen, ReservationSeen, TripSeen};

/// A reservation changed: it is written, and the DreamScape booking holding it re-derived.
pub async fn reservation(tx: &mut Tx, r: &ReservationSeen) -> Result<(), DbError> {
    if let Some(trip) = store::save_reservation(tx, r).await? {
        refresh_trip(tx, trip, r.at).await?;
    }
    Ok(())
}

/// A DreamScape booking was checked out.
pub async fn trip_created(tx: &mut Tx, t: &TripSeen) -> Result<(), DbError> {
    store::save_trip(tx, t).await?;
    refresh_trip(tx, t.id, t.created_at).await
}

/// A DreamScape booking moved from `from` to `to` (paid, cancelled, failed).
pub async fn trip_moved(tx: &mut Tx, reference: &str, from: &str, to: &str, at: DateTime<Utc>) -> Result<(), DbError> {
    let Some(trip) = store::trip_by_reference(tx, reference).await? else {
        tracing::warn!(reference, "event about a booking not heard of: skipped");
        return Ok(());
    };
    if store::set_trip_state(tx, trip, from, to, at).await? {
        refresh_trip(tx, trip, at).await?;
    }
    Ok(())
}

/// Derives a DreamScape booking's status again from what is known of it and its parts.
async fn refresh_trip(tx: &mut Tx, trip: Uuid, at: DateTime<Utc>) -> Result<(), DbError> {
    if let Some((state, opened, parts)) = store::trip_parts(tx, trip).await? {
        store::set_trip_status(tx, trip, trip_status(&state, opened, &parts), at).await?;
    }
    Ok(())
}

/// A payment was opened or moved on. Opening one for a DreamScape booking takes it out of
/// `DRAFT`.
pub async fn payment(tx: &mut Tx, p: &PaymentSeen, opened: bool) -> Result<(), DbError> {
    store::save_payment(tx, p).await?;
    if opened && let Some(trip) = store::payment_opened(tx, &p.reference).await? {
        refresh_trip(tx, trip, p.at).await?;
    }
    Ok(())
}

/// `amount` of payment `id` went back to the payer.
pub async fn refund(tx: &mut Tx, id: &str, amount: i64, at: DateTime<Utc>) -> Result<(), DbError> {
    let Some((paid, refunded, status)) = store::payment_amounts(tx, id).await? else {
        tracing::warn!(payment = id, "refund of a payment not heard of: skipped");
        return Ok(());
    };
    let refunded = (refunded + amount.max(0)).min(paid);
    store::set_refunded(tx, id, refunded, refunded_status(&status, paid, refunded), at).await
}
