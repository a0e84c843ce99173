//! Delivery beyond the inbox: email, SMS and web push, through one durable queue.
//!
//! A notice that reaches a reader (or a transactional message such as a verification mail)
//! becomes one row per channel and recipient in `notification_deliveries`, written in the same
//! transaction as the notice — so a crash never loses one, and the unique `dedupe_key` (the
//! notice or event, the channel, the recipient) means a redelivered event never queues a second.
//! A worker ([`worker`]) takes due rows under a lease, sends them off the request path, and
//! records the outcome: sent, retried with exponential backoff until `give_up_at` (24 hours by
//! default), or failed with the reason. Every row stays as the reader's delivery log.
//!
//! What is queued is decided by [`fanout`] (preferences, verified contacts, subscriptions,
//! quiet hours); how it is sent by [`send`].

pub mod extras;
pub mod fanout;
pub mod links;
pub mod metrics;
pub mod quiet;
pub mod reminders;
pub mod send;
pub(crate) mod store;
pub mod worker;

use chrono::{DateTime, Utc};
use platform::db::{DbError, Tx};
use serde_json::Value;
use uuid::Uuid;

use crate::domain::{Channel, Topic};

/// A delivery to queue.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub user_id: Option<Uuid>,
    pub notification_id: Option<Uuid>,
    pub channel: Channel,
    /// The email template, or the notice type an SMS or push carries.
    pub template: String,
    /// The preference it follows (`None`: transactional, always sent).
    pub topic: Option<Topic>,
    /// Address, E.164 number or push subscription id.
    pub recipient: String,
    pub payload: Value,
    /// Holds a secret (a link, a code): the payload is wiped once the delivery is done.
    pub sensitive: bool,
    pub not_before: DateTime<Utc>,
    /// What cancels it while it waits (see [`store::cancel_held`]).
    pub hold_key: Option<String>,
    /// Unique per notice or event, channel and recipient.
    pub dedupe_key: String,
}

/// Queues `delivery` inside `tx`; false when the same one was already queued.
pub async fn enqueue(
    tx: &mut Tx,
    delivery: &NewDelivery,
    now: DateTime<Utc>,
    retry_for: chrono::Duration,
) -> Result<bool, DbError> {
    store::insert(tx, delivery, now, delivery.not_before.max(now) + retry_for).await
}

/// What the pipeline's parts share: links, timings, the queue's wake-up and its counters.
#[derive(Debug)]
pub struct Pipeline {
    pub links: links::Links,
    /// How long a delivery is retried before it fails.
    pub retry_for: chrono::Duration,
    /// A message mail waits this long for the message to be read.
    pub message_delay: chrono::Duration,
    /// Trip reminders go this long before check-in.
    pub reminder_before: chrono::Duration,
    /// A stay's check-in time on the listing's clock (minutes after midnight).
    pub default_check_in: u32,
    pub quiet_default: quiet::QuietHours,
    pub push_enabled: bool,
    /// Wakes the worker when something was queued (after commit).
    pub wake: std::sync::Arc<tokio::sync::Notify>,
    pub metrics: std::sync::Arc<metrics::DeliveryMetrics>,
}

impl Pipeline {
    /// Tells the worker that deliveries were committed.
    pub fn queued(&self) {
        self.wake.notify_one();
    }
}
