//! `booking.*` events: what reservations owe, and when an authorisation is captured or released.

use async_trait::async_trait;
use kernel::{ApiError, EventEnvelope};
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;

use crate::ops::{self, Kind};
use crate::service::Payments;
use crate::store::{self, Payable};

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const BOOKINGS_CONSUMER: &str = "payments.bookings";
/// Consumer of menu orders' events (`order.*`: reservations announced under the order's names).
pub const ORDERS_CONSUMER: &str = "payments.orders";
/// Consumer of DreamScape bookings' events (supplier refunds).
pub const VOYAGE_CONSUMER: &str = "payments.voyage";

/// `voyage.cancelled` (`supplierRefund`) and `voyage.refund_due` (`refundAmount`): the
/// suppliers' part of a booking's payment to give back. Every `voyage.*` event also updates
/// what payments knows of the booking ([`crate::dreamscape::bookings`]).
pub struct VoyageFollower {
    pub engine: Payments,
}

#[async_trait]
impl EventHandler for VoyageFollower {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let now = self.engine.clock.now();
        crate::dreamscape::bookings::on_voyage(tx, event, now).await.map_err(|e| HandlerError::from(e.to_string()))?;
        let field = match event.event_type.as_str() {
            "voyage.cancelled" => "supplierRefund",
            "voyage.refund_due" => "refundAmount",
            _ => return Ok(()),
        };
        let amount = event.data.get(field).and_then(serde_json::Value::as_i64).unwrap_or(0);
        let reference = event.data.get("bookingReference").and_then(serde_json::Value::as_str).unwrap_or("");
        if amount > 0 && crate::groups::is_group(reference) {
            self.engine.refund_supplier_part(tx, reference, amount).await.map_err(|e| HandlerError::from(e.message))?;
        }
        Ok(())
    }

    async fn after_commit(&self, _event: &EventEnvelope) {
        self.engine.run_ops().await;
    }
}

pub struct BookingsFollower {
    pub engine: Payments,
}

#[async_trait]
impl EventHandler for BookingsFollower {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        self.engine.on_booking(tx, event).await.map_err(|e| e.message.into())
    }

    /// Captures, releases and refunds the event decided are made now.
    async fn after_commit(&self, _event: &EventEnvelope) {
        self.engine.run_ops().await;
    }
}

impl Payments {
    /// Follows booking: records what reservations owe, captures an authorisation when the host
    /// accepts, and releases it when the reservation ends unused.
    pub async fn on_booking(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), ApiError> {
        let Some(r) = event.data.get("reservation") else { return Ok(()) };
        let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
        let (Some(id), Some(guest)) =
            (text("id").and_then(|s| s.parse().ok()), text("guestId").and_then(|s| s.parse().ok()))
        else {
            tracing::warn!(event_id = %event.id, "booking event without a usable reservation: skipped");
            return Ok(());
        };
        let amount = |k: &str| r.get("amounts").and_then(|a| a.get(k)).and_then(Value::as_i64).unwrap_or(0);
        let payable = Payable {
            reservation_id: id,
            guest_id: guest,
            host_id: text("hostId").and_then(|s| s.parse().ok()),
            host_payout: amount("hostPayout"),
            platform_revenue: amount("platformRevenue"),
            taxes: amount("taxes"),
            starts_at: text("startsAt")
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| t.with_timezone(&chrono::Utc)),
            currency: text("currency").unwrap_or_default(),
            total: r.get("total").and_then(Value::as_i64).unwrap_or(0),
            instant_book: r.get("instantBook").and_then(Value::as_bool).unwrap_or(true),
            status: text("status").unwrap_or_default(),
        };
        store::save_payable(tx, &payable, self.clock.now()).await?;
        if event.event_type == "booking.completed" {
            crate::payouts::delivered(tx, &payable, self.clock.now()).await?;
        }
        crate::dreamscape::bookings::on_reservation(tx, event, self.clock.now()).await?;
        // Captured when the host accepts, released when the reservation ends unused (or was
        // authorised after it ended: `booking.refund_due`): calls to the processor, made once
        // this transaction commits (see `crate::ops`).
        let kind = as_booking(&event.event_type);
        let settle = match kind {
            "booking.confirmed" => Some(Kind::Capture),
            "booking.declined" | "booking.expired" | "booking.cancelled" | "booking.refund_due" => Some(Kind::Cancel),
            _ => None,
        };
        if let Some(kind) = settle {
            for held in store::of_reservation(&mut *tx, id, "requires_capture").await? {
                // An authorisation whose capture is on its way is not released: booking's
                // refund, below, follows the capture.
                if kind == Kind::Cancel && ops::pending(&mut *tx, Kind::Capture, &held.id).await? {
                    continue;
                }
                ops::schedule(tx, kind, Some(&held.id), &held.id, self.clock.now()).await?;
            }
        }
        // Money booking says goes back (a cancellation by policy, a late payment): refunded from
        // what was captured. Booking never asks back an authorisation it knows is released
        // above (its `refundAmount` counts captured money, and an accepted authorisation whose
        // capture is on its way).
        let owed = event.data.get("refundAmount").and_then(Value::as_i64).unwrap_or(0);
        let refunding = ["booking.cancelled", "booking.declined", "booking.expired", "booking.refund_due"];
        if owed > 0 && refunding.contains(&kind) {
            // Booking's breakdown: the host is owed `hostPayout` less than before, `taxes` go back.
            let refund = event.data.get("refund");
            let part = |k: &str| refund.and_then(|r| r.get(k)).and_then(Value::as_i64);
            let split = match part("hostPayout") {
                Some(still_owed) => Some((payable.host_payout - still_owed, part("taxes").unwrap_or(0))),
                None => Some((payable.host_payout, payable.taxes)),
            };
            self.refund_reservation(tx, id, owed, split).await?;
        }
        Ok(())
    }
}

/// A menu order's event under the name of the reservation event it stands for: the kitchen
/// accepting is a confirmation (capture), rejecting a decline (release, or refund once
/// captured), and so on. Booking's own names pass through.
fn as_booking(event_type: &str) -> &str {
    match event_type {
        "order.accepted" => "booking.confirmed",
        "order.rejected" => "booking.declined",
        "order.cancelled" => "booking.cancelled",
        "order.expired" => "booking.expired",
        "order.refund_due" => "booking.refund_due",
        other => other,
    }
}
