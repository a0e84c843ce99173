//! Events identity consumes: a user who becomes a provider in the catalog gets the `host`
//! role (their next access token carries it); bookings' and payments' events feed the
//! administrators' read model ([`BackOffice`]).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{Clock, EventEnvelope};
use platform::db::{Tx, query};
use platform::events::{EventHandler, HandlerError, enqueue};
use serde_json::{Value, json};
use std::sync::Arc;
use uuid::Uuid;

use crate::domain::backoffice;
use crate::service::backoffice as service;
use crate::store::backoffice::{PaymentSeen, ReservationSeen, TripSeen};

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const ROLES_CONSUMER: &str = "identity.roles";

pub struct RoleSync {
    pub clock: Arc<dyn Clock>,
    /// `GET /auth/profile` answers, which show the role.
    pub cache: platform::hot::HotCache,
}

fn provider_user(event: &EventEnvelope) -> Option<Uuid> {
    event.data.get("userId").and_then(|v| v.as_str()).and_then(|v| v.parse::<Uuid>().ok())
}

#[async_trait]
impl EventHandler for RoleSync {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type != "provider.created" {
            return Ok(());
        }
        let Some(user) = provider_user(event) else {
            tracing::warn!(event_id = %event.id, "provider.created without a userId: skipped");
            return Ok(());
        };
        let now = self.clock.now();
        // Only plain users are promoted; admins keep their role.
        let changed = query("UPDATE users SET role = 'host', updated_at = $1 WHERE id = $2 AND role = 'user'")
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        if changed == 1 {
            let data = json!({"userId": user, "from": "user", "to": "host", "by": "catalog"});
            enqueue(tx, &EventEnvelope::new("user.role_changed", user, now, data)).await?;
        }
        Ok(())
    }

    async fn after_commit(&self, event: &EventEnvelope) {
        if event.event_type == "provider.created"
            && let Some(user) = provider_user(event)
        {
            self.cache.forget(&crate::service::cached::group(user)).await;
        }
    }
}

/// Consumer names of the administrators' read model (dedupe records are keyed on them).
pub const BOOKINGS_CONSUMER: &str = "identity.backoffice.bookings";
pub const VOYAGES_CONSUMER: &str = "identity.backoffice.voyages";
pub const PAYMENTS_CONSUMER: &str = "identity.backoffice.payments";

/// The administrators' read model of bookings and payments (DreamScape's dashboard, a user's
/// bookings and revenue, their activity), fed by `booking.*`, `voyage.*` and `payment.*`.
/// A malformed event is skipped with a warning: retrying could not repair it.
pub struct BackOffice;

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn uuid_at(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key).and_then(Value::as_str).and_then(|s| s.parse().ok())
}

fn instant(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.get(key)?.as_str()?).ok().map(|t| t.with_timezone(&Utc))
}

fn reservation_of(event: &EventEnvelope) -> Option<ReservationSeen> {
    let r = event.data.get("reservation")?;
    let state = text(r, "status")?;
    let kind = text(r, "kind")?;
    Some(ReservationSeen {
        id: uuid_at(r, "id")?,
        user_id: uuid_at(r, "guestId")?,
        booking_type: backoffice::booking_type(&kind),
        status: backoffice::reservation_status(&state),
        state,
        amount: r.get("total")?.as_i64()?,
        currency: text(r, "currency")?,
        destination: text(r, "destination").filter(|d| !d.trim().is_empty()),
        created_at: instant(r, "createdAt").unwrap_or(event.occurred_at),
        at: event.occurred_at,
    })
}

fn trip_of(event: &EventEnvelope) -> Option<TripSeen> {
    let d = &event.data;
    let types: Vec<String> = d
        .get("types")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |t| t.iter().filter_map(Value::as_str).map(str::to_owned).collect());
    let parts = d
        .get("reservationIds")
        .and_then(Value::as_array)
        .map_or_else(Vec::new, |ids| ids.iter().filter_map(Value::as_str).filter_map(|s| s.parse().ok()).collect());
    Some(TripSeen {
        id: event.aggregate_id.parse().ok()?,
        reference: text(d, "bookingReference")?,
        user_id: uuid_at(d, "userId")?,
        booking_type: backoffice::trip_type(types.iter().map(String::as_str)),
        amount: d.get("total")?.as_i64()?,
        currency: text(d, "currency")?,
        parts,
        created_at: event.occurred_at,
    })
}

fn payment_of(event: &EventEnvelope, status: &'static str) -> Option<PaymentSeen> {
    let d = &event.data;
    let user = uuid_at(d, "userId").or_else(|| event.actor.as_deref().and_then(|a| a.parse().ok()));
    Some(PaymentSeen {
        id: text(d, "paymentIntentId")?,
        user_id: user,
        reference: text(d, "bookingReference")?,
        amount: d.get("amount")?.as_i64()?,
        currency: text(d, "currency")?,
        status,
        method: text(d, "paymentMethod"),
        created_at: instant(d, "createdAt").unwrap_or(event.occurred_at),
        at: event.occurred_at,
    })
}

fn skipped(event: &EventEnvelope) {
    tracing::warn!(event_id = %event.id, event_type = %event.event_type, "event without a usable payload: skipped");
}

#[async_trait]
impl EventHandler for BackOffice {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let kind = event.event_type.as_str();
        let data = &event.data;
        let at = event.occurred_at;
        if kind.starts_with("booking.") {
            match reservation_of(event) {
                Some(r) => service::reservation(tx, &r).await?,
                None => skipped(event),
            }
            return Ok(());
        }
        let reference = text(data, "bookingReference");
        match (kind, reference) {
            ("voyage.created", _) => match trip_of(event) {
                Some(t) => service::trip_created(tx, &t).await?,
                None => skipped(event),
            },
            ("voyage.booked", Some(r)) => service::trip_moved(tx, &r, "pending_payment", "paid", at).await?,
            ("voyage.cancelled", Some(r)) => {
                for from in ["pending_payment", "paid"] {
                    service::trip_moved(tx, &r, from, "cancelled", at).await?;
                }
            }
            // Paid after every hold lapsed: booking failed it and pays everything back.
            ("voyage.refund_due", Some(r)) if text(data, "reason").as_deref() == Some("paid_after_expiry") => {
                service::trip_moved(tx, &r, "pending_payment", "failed", at).await?;
            }
            ("payment.refunded", _) => {
                match (text(data, "paymentIntentId"), data.get("amount").and_then(Value::as_i64)) {
                    (Some(id), Some(amount)) => service::refund(tx, &id, amount, at).await?,
                    _ => skipped(event),
                }
            }
            (kind, _) if kind.starts_with("payment.") => {
                let Some(status) = backoffice::payment_status(kind) else { return Ok(()) };
                match payment_of(event, status) {
                    Some(p) => service::payment(tx, &p, kind == "payment.created").await?,
                    None => skipped(event),
                }
            }
            _ => {}
        }
        Ok(())
    }
}
