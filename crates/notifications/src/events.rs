//! Events this context consumes (`user.*`, `booking.*`). It publishes none yet.

use std::sync::Arc;

use async_trait::async_trait;
use kernel::{Clock, EventEnvelope};
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};

use crate::domain::{self, Channel, Kind};
use crate::store::{self, Notification};

/// Consumer names: dedupe records are keyed on them, so they must never change.
pub const INBOX_CONSUMER: &str = "notifications.inbox";
pub const BOOKINGS_CONSUMER: &str = "notifications.bookings";

/// Fills the inbox from `user.*` events (welcome and account-security notices) and `booking.*`
/// events (requests, confirmations, declines, cancellations, expiries).
pub struct InboxFiller {
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl EventHandler for InboxFiller {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type == "user.deleted" {
            // Erasure (GDPR): also done synchronously through the personal-data registry; the
            // event makes it happen wherever this context runs, and retries it on failure.
            if let Ok(user) = event.aggregate_id.parse::<uuid::Uuid>() {
                store::erase(tx, user).await?;
            }
            return Ok(());
        }
        let drafts = if event.event_type.starts_with("booking.") {
            domain::bookings::drafts_for(event)
        } else {
            domain::draft_for(event).map(|d| d.into_iter().collect())
        };
        let drafts = match drafts {
            Ok(drafts) => drafts,
            Err(reason) => {
                // Retrying cannot repair the event; skip it rather than block the consumer.
                tracing::warn!(event_id = %event.id, event_type = %event.event_type, "skipped: {reason}");
                return Ok(());
            }
        };
        let several = drafts.len() > 1;
        for draft in drafts {
            if let Kind::Topic(topic) = draft.kind {
                let stored = store::preference(tx, draft.user_id, topic.as_str(), Channel::InApp.as_str()).await?;
                if !domain::delivers_in_app(topic, stored) {
                    continue;
                }
            }
            // One notice per event and recipient: an event telling two people keys each notice
            // on a name derived from the event and the recipient.
            let source = if several { uuid::Uuid::new_v5(&event.id, draft.user_id.as_bytes()) } else { event.id };
            let notification = Notification {
                id: kernel::new_id(),
                user_id: draft.user_id,
                kind: draft.kind.as_str().to_owned(),
                title: draft.title,
                body: draft.body,
                data: draft.data.to_string(),
                read_at: None,
                created_at: self.clock.now(),
            };
            // The platform already dedupes deliveries; the unique source id also holds if a
            // dedupe record has been pruned and the event comes round again.
            store::insert_from_event(tx, &notification, source).await?;
        }
        Ok(())
    }
}
