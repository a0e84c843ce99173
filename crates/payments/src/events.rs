//! `booking.*` events: what reservations owe, and when an authorisation is captured or released.

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};

use crate::service::Payments;

/// Consumer name: dedupe records are keyed on it, so it must never change.
pub const BOOKINGS_CONSUMER: &str = "payments.bookings";

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
