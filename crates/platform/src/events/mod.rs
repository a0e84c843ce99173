//! Domain events between contexts.
//!
//! A context writes an [`EventEnvelope`] into its own `outbox` table inside the transaction
//! that changes its state ([`enqueue`]), so an event exists if and only if the change
//! committed. The [`Relay`] later hands pending events to an [`EventBus`] — in-process by
//! default, NATS JetStream when scaled out — which delivers them at least once to
//! [`Subscription`]s. Each subscription records handled event ids in its own database
//! (`processed_events`) in the same transaction as its effects, so redelivery is harmless.

mod admin_action;
mod batch;
mod bus;
mod daily;
mod nats;
mod outbox;
mod relay;
pub(crate) mod settle;

use std::sync::Arc;

use async_trait::async_trait;
use kernel::EventEnvelope;

use crate::db::{Db, Tx};

pub use admin_action::{ADMIN_ACTION, admin_action};
pub use bus::{BusError, EventBus, InProcessBus};
pub use daily::DailyCounter;
pub use nats::{NatsBus, NatsOptions, durable_name, filter_subject};
pub use outbox::{OutboxLag, enqueue, enqueue_query, lag};
pub use relay::{Relay, RelayStats, Ticket};

pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Reacts to one event, inside a transaction on the consuming context's database.
#[async_trait]
pub trait EventHandler: Send + Sync + 'static {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError>;

    /// Runs once the effects of `handle` committed: for work that must not happen inside the
    /// transaction (calls to other systems), which `handle` recorded durably to be done.
    async fn after_commit(&self, _event: &EventEnvelope) {}
}

/// A consumer's interest in a family of events.
#[derive(Clone)]
pub struct Subscription {
    /// Stable, unique name of the consumer (`search.listing-indexer`): the dedupe key, and
    /// the durable consumer name on JetStream.
    pub consumer: String,
    /// `booking.confirmed`, `booking.*` or `*`.
    pub pattern: String,
    /// The consuming context's database (dedupe records and effects go there).
    pub db: Db,
    pub handler: Arc<dyn EventHandler>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription").field("consumer", &self.consumer).field("pattern", &self.pattern).finish()
    }
}

impl Subscription {
    pub fn new(consumer: impl Into<String>, pattern: impl Into<String>, db: Db, handler: impl EventHandler) -> Self {
        Self { consumer: consumer.into(), pattern: pattern.into(), db, handler: Arc::new(handler) }
    }
}
