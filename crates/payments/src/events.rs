//! `booking.*` events: what reservations owe, and when an authorisation is captured or released.

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};

use crate::service::Payments;

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const BOOKINGS_CONSUMER: &str = "payments.bookings";
/// Consumer of DreamScape bookings' events (supplier refunds).
pub const VOYAGE_CONSUMER: &str = "payments.voyage";

/// `voyage.cancelled` (`supplierRefund`) and `voyage.refund_due` (`refundAmount`): the
/// suppliers' part of a booking's payment to give back.
pub struct VoyageFollower {
    pub engine: Payments,
}

#[async_trait]
impl EventHandler for VoyageFollower {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
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
