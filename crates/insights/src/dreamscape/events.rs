//! Keeping DreamScape bookings by reference current, in the consumers' transactions: booking's
//! `voyage.*` events (consumer [`VOYAGES_CONSUMER`]) create and move them, and the hooks below,
//! called by insights' reservation and money consumers, re-derive a booking's status when one
//! of its reservations changes or its payment is opened, and link captures and refunds to their
//! payment. The three families may arrive in any order relative to each other.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::EventEnvelope;
use kernel::dreamscape::trip_status;
use platform::db::{DbError, Tx};
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use crate::facts::Movement;
use crate::facts::trips::{self, Trip};

/// Consumer name: dedupe records are keyed on it, never change it.
pub const VOYAGES_CONSUMER: &str = "insights.voyages";

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

/// The DreamScape booking `voyage.created` describes.
fn trip_of(event: &EventEnvelope) -> Option<Trip> {
    let d = &event.data;
    let parts = d
        .get("reservationIds")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |ids| ids.iter().filter_map(Value::as_str).filter_map(|s| s.parse().ok()).collect());
    Some(Trip {
        id: event.aggregate_id.parse().ok()?,
        reference: text(d, "bookingReference")?,
        amount: d.get("total")?.as_i64()?,
        currency: text(d, "currency")?.to_ascii_uppercase(),
        parts,
        created_at: event.occurred_at,
    })
}

/// Booking's `voyage.created`, `voyage.booked`, `voyage.cancelled` and `voyage.refund_due`
/// (a payment that came after every hold lapsed fails the booking).
pub struct Voyages;

#[async_trait]
impl EventHandler for Voyages {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let at = event.occurred_at;
        if event.event_type == "voyage.created" {
            match trip_of(event) {
                Some(t) => {
                    trips::create_trip(tx, &t).await?;
                    refresh(tx, t.id, at).await?;
                }
                None => tracing::warn!(event_id = %event.id, "voyage.created without a usable payload: skipped"),
            }
            return Ok(());
        }
        let moves: &[(&str, &str)] = match event.event_type.as_str() {
            "voyage.booked" => &[("pending_payment", "paid")],
            "voyage.cancelled" => &[("pending_payment", "cancelled"), ("paid", "cancelled")],
            "voyage.refund_due" if text(&event.data, "reason").as_deref() == Some("paid_after_expiry") => {
                &[("pending_payment", "failed")]
            }
            _ => return Ok(()),
        };
        let Some(reference) = text(&event.data, "bookingReference") else { return Ok(()) };
        let Some(trip) = trips::trip_by_reference(tx, &reference).await? else {
            tracing::warn!(reference = %reference, "event about a DreamScape booking not heard of: skipped");
            return Ok(());
        };
        for (from, to) in moves {
            if trips::move_trip(tx, trip, from, to, at).await? {
                refresh(tx, trip, at).await?;
            }
        }
        Ok(())
    }
}

/// Derives a DreamScape booking's status again from what is known of it and its reservations.
async fn refresh(tx: &mut Tx, trip: Uuid, at: DateTime<Utc>) -> Result<(), DbError> {
    if let Some((state, opened, parts)) = trips::trip_facts(tx, trip).await? {
        trips::set_trip_status(tx, trip, trip_status(&state, opened, &parts), at).await?;
    }
    Ok(())
}

/// A reservation's facts changed: the DreamScape booking holding it, if any, is re-derived.
pub async fn reservation_changed(tx: &mut Tx, reservation: Uuid, at: DateTime<Utc>) -> Result<(), DbError> {
    if let Some(trip) = trips::trip_of_reservation(tx, reservation).await? {
        refresh(tx, trip, at).await?;
    }
    Ok(())
}

/// A payments event: `payment.created` opens its booking reference's payment (a DreamScape
/// booking leaves `DRAFT`).
pub async fn payment_event(tx: &mut Tx, event: &EventEnvelope) -> Result<(), DbError> {
    if event.event_type != "payment.created" {
        return Ok(());
    }
    let Some(reference) = text(&event.data, "bookingReference") else { return Ok(()) };
    trips::payment_opened(tx, &reference, event.occurred_at).await?;
    if let Some(trip) = trips::trip_by_reference(tx, &reference).await? {
        refresh(tx, trip, event.occurred_at).await?;
    }
    Ok(())
}

/// A capture or a refund was recorded: it is linked to its payment intent.
pub async fn movement_recorded(tx: &mut Tx, m: &Movement, event: &EventEnvelope) -> Result<(), DbError> {
    if !matches!(m.kind.as_str(), "capture" | "refund") {
        return Ok(());
    }
    match text(&event.data, "paymentIntentId") {
        Some(payment) => trips::link_payment(tx, &m.id, &payment).await,
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_checkout_names_its_reservations() {
        let r = Uuid::now_v7();
        let data = json!({"bookingReference": "DS-1", "userId": Uuid::now_v7(), "total": 45_000, "currency": "eur",
                          "reservationIds": [r, "not-an-id"], "types": ["stay", "flight"]});
        let trip = Uuid::now_v7();
        let t = trip_of(&EventEnvelope::new("voyage.created", trip, Utc::now(), data)).unwrap();
        assert_eq!((t.id, t.reference.as_str(), t.amount, t.currency.as_str()), (trip, "DS-1", 45_000, "EUR"));
        assert_eq!(t.parts, vec![r]);
        let bad = json!({"userId": Uuid::now_v7(), "total": 1, "currency": "EUR"});
        assert!(trip_of(&EventEnvelope::new("voyage.created", trip, Utc::now(), bad)).is_none());
    }
}
