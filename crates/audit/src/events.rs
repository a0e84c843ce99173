//! The consumers: identity's `user.*` and `privacy_policy.*`, payments' `payment.*`,
//! `refund.*` and `payout.*`, and everyone's `admin.*`. Each event the log records (see
//! [`crate::domain`]) is appended to the chain inside the consumer's transaction, so the entry
//! commits with the platform's dedupe record; an event already recorded appends nothing.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{Clock, EventEnvelope};
use platform::db::{DbError, Tx};
use platform::events::{EventHandler, HandlerError};

use crate::chain::{self, Entry};
use crate::domain;
use crate::store;

/// Consumer name of a family (`audit.user` for `user.*`): dedupe records are keyed on it,
/// never change them.
pub fn consumer(family: &str) -> String {
    format!("audit.{}", family.trim_end_matches(".*"))
}

pub struct Recorder {
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl EventHandler for Recorder {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        append(tx, event, self.clock.now()).await?;
        Ok(())
    }
}

/// Appends the entry `event` makes, at the head of the chain; `None` when the log does not
/// record such events or already recorded this one.
pub async fn append(tx: &mut Tx, event: &EventEnvelope, now: DateTime<Utc>) -> Result<Option<Entry>, DbError> {
    let Some(draft) = domain::draft(event) else { return Ok(None) };
    let head = store::lock_head(tx).await?;
    if store::recorded(tx, event.id).await? {
        return Ok(None);
    }
    let mut entry = Entry {
        seq: head.seq + 1,
        id: kernel::new_id(),
        at: kernel::truncate_micros(event.occurred_at),
        recorded_at: kernel::truncate_micros(now),
        category: draft.category.as_str().to_owned(),
        action: draft.action,
        actor_id: draft.actor_id,
        subject_type: draft.subject_type,
        subject_id: draft.subject_id,
        amount: draft.amount,
        currency: draft.currency,
        ip: draft.ip,
        source_event_id: event.id,
        detail: domain::detail_text(&draft.detail),
        prev_hash: head.hash.clone(),
        hash: String::new(),
    };
    entry.hash = chain::seal(&head.hash, &entry)
        .ok_or_else(|| DbError::Other(format!("the audit head holds no valid hash: {}", head.hash)))?;
    store::insert(tx, &entry).await?;
    Ok(Some(entry))
}
