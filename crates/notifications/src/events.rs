//! Events this context consumes (`user.*`, `booking.*`, `order.*`, `review.*`, `payment.*`,
//! `payout.*`, `message.*`, `identity.*`). It publishes none yet.
//!
//! Besides notices, `booking.*` plans and drops trip reminders (see
//! [`crate::delivery::reminders`]), and `message.read` calls off the message mails still
//! waiting for their reader.
//!
//! A reader's language is learnt from identity's `user.profile_updated` (it carries the
//! profile's `language`) into this context's own table: notifications never asks identity,
//! so it works the same when the two run apart. Until a user's profile event has been seen,
//! their notices are in English.

use std::sync::Arc;

use async_trait::async_trait;
use kernel::{Clock, EventEnvelope};
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};

use crate::domain::locale::Lang;
use crate::domain::{self, Draft};
use crate::store::{self, Notification};

/// Consumer names: dedupe records are keyed on them, so they must never change.
pub const INBOX_CONSUMER: &str = "notifications.inbox";
pub const BOOKINGS_CONSUMER: &str = "notifications.bookings";
pub const REVIEWS_CONSUMER: &str = "notifications.reviews";
/// Booking's menu orders, which it announces as `order.*` rather than `booking.*`.
pub const ORDERS_CONSUMER: &str = "notifications.orders";
/// Identity's transactional messages (`identity.*`: verification and reset links, phone codes).
pub const IDENTITY_CONSUMER: &str = "notifications.identity";
/// Payments' receipts, refusals and refunds (`payment.*`).
pub const PAYMENTS_CONSUMER: &str = "notifications.payments";
/// Hosts' payouts (`payout.*`).
pub const PAYOUTS_CONSUMER: &str = "notifications.payouts";
/// Messaging's new messages and read receipts (`message.*`).
pub const MESSAGES_CONSUMER: &str = "notifications.messages";

/// Fills the inbox from `user.*` events (welcome and account-security notices), `booking.*`
/// events (requests, confirmations, declines, cancellations, expiries; trip reminders planned
/// and dropped), `order.*` events (new, accepted, ready, rejected, expired and cancelled menu
/// orders), `review.*` events (reviews to answer, published, replied to, moderated;
/// reminders), `payment.*` and `payout.*` events (receipts, refusals, refunds, payouts) and
/// `message.*` events (new messages, whose mail waits to be read), and keeps the readers'
/// languages from `user.profile_updated`.
pub struct InboxFiller {
    pub clock: Arc<dyn Clock>,
    /// Pushes what reached an inbox to the reader's sockets once committed.
    pub push: Arc<crate::push::Pusher>,
    /// Queues email, SMS and push deliveries beside the notice.
    pub pipeline: Arc<crate::delivery::Pipeline>,
}

#[async_trait]
impl EventHandler for InboxFiller {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        self.push.begin(event.id);
        if event.event_type == "user.deleted" {
            // Erasure (GDPR): also done synchronously through the personal-data registry; the
            // event makes it happen wherever this context runs, and retries it on failure.
            if let Ok(user) = event.aggregate_id.parse::<uuid::Uuid>() {
                store::erase(tx, user).await?;
            }
            return Ok(());
        }
        if event.event_type.starts_with("identity.") {
            return crate::identity_mail::handle(tx, &self.pipeline, event, self.clock.now()).await;
        }
        crate::identity_mail::remember_contact(tx, event).await?;
        if event.event_type == "user.profile_updated" {
            self.remember_language(tx, event).await?;
            return Ok(());
        }
        if event.event_type == "message.read" {
            return self.message_read(tx, event).await;
        }
        let now = self.clock.now();
        // A new message's mail waits for it to be read (SMS and push do not).
        let mut hold = None;
        let drafts = if event.event_type.starts_with("booking.") {
            crate::delivery::reminders::on_booking(tx, &self.pipeline, event, now).await?;
            booking_drafts(tx, event).await?
        } else if event.event_type.starts_with("payment.") || event.event_type.starts_with("payout.") {
            let notice = domain::payment_texts::notice_for(event);
            single_draft(tx, notice, |n| n.user_id, domain::payment_texts::PaymentNotice::draft).await?
        } else if event.event_type.starts_with("message.") {
            let drafts = message_drafts(tx, event).await?;
            if let Ok((_, Some(conversation))) = &drafts {
                hold = Some((domain::message_texts::hold_key(*conversation), self.pipeline.message_delay));
            }
            drafts.map(|(drafts, _)| drafts)
        } else if event.event_type.starts_with("review.") {
            let notice = domain::reviews::notice_for(event);
            single_draft(tx, notice, |n| n.user_id, domain::reviews::ReviewNotice::draft).await?
        } else if event.event_type.starts_with("order.") {
            let notice = domain::orders::notice_for(event);
            single_draft(tx, notice, |n| n.user_id, domain::orders::OrderNotice::draft).await?
        } else {
            user_draft(tx, event).await?
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
                created_at: now,
            };
            // The platform already dedupes deliveries; the unique source id also holds if a
            // dedupe record has been pruned and the event comes round again.
            let delivered = crate::service::deliver(
                tx,
                &self.pipeline,
                &notification,
                Some(source),
                Some(event),
                hold.clone(),
                now,
            )
            .await?;
            if delivered.in_inbox {
                self.push.hold(event.id, notification);
            }
        }
        Ok(())
    }

    async fn after_commit(&self, event: &EventEnvelope) {
        self.push.committed(event.id);
        // Cheap when nothing was queued: the worker looks and finds nothing due.
        self.pipeline.queued();
    }
}

impl InboxFiller {
    /// Someone read a conversation: the message mails waiting for them there are not sent.
    async fn message_read(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let id = |key: &str| event.data.get(key).and_then(serde_json::Value::as_str).and_then(|s| s.parse().ok());
        let (Some(user), Some(conversation)) = (id("userId"), id("conversationId")) else {
            tracing::warn!(event_id = %event.id, "read receipt without a valid user or conversation: skipped");
            return Ok(());
        };
        let key = domain::message_texts::hold_key(conversation);
        let cancelled = crate::delivery::store::cancel_held(tx, user, &key, self.clock.now()).await?;
        if cancelled > 0 {
            tracing::debug!(%user, %conversation, cancelled, "message mails called off: the conversation was read");
        }
        Ok(())
    }

    async fn remember_language(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let d = &event.data;
        let raw = d.get("userId").and_then(serde_json::Value::as_str).unwrap_or(&event.aggregate_id);
        let Ok(user) = raw.trim().parse::<uuid::Uuid>() else {
            tracing::warn!(event_id = %event.id, "profile event without a valid user id: skipped");
            return Ok(());
        };
        let language = d.get("language").and_then(serde_json::Value::as_str).map(str::trim).filter(|l| !l.is_empty());
        store::set_reader_language(tx, user, language, event.occurred_at).await?;
        Ok(())
    }
}

/// The notice an identity event makes, in its reader's language.
async fn user_draft(tx: &mut Tx, event: &EventEnvelope) -> Result<Result<Vec<Draft>, &'static str>, HandlerError> {
    // Written in English first to learn who it is for; rewritten if they read another language.
    let draft = match domain::draft_for(event, Lang::En) {
        Ok(Some(draft)) => draft,
        Ok(None) => return Ok(Ok(Vec::new())),
        Err(reason) => return Ok(Err(reason)),
    };
    let lang = Lang::from_tag(store::reader_language(&mut *tx, draft.user_id).await?.as_deref());
    let draft = if lang == Lang::En { Some(draft) } else { domain::draft_for(event, lang).ok().flatten() };
    Ok(Ok(draft.into_iter().collect()))
}

/// The notices a booking event makes, each in its reader's language.
async fn booking_drafts(tx: &mut Tx, event: &EventEnvelope) -> Result<Result<Vec<Draft>, &'static str>, HandlerError> {
    let notices = match domain::bookings::notices_for(event) {
        Ok(Some(notices)) => notices,
        Ok(None) => return Ok(Ok(Vec::new())),
        Err(reason) => return Ok(Err(reason)),
    };
    let mut languages = std::collections::HashMap::new();
    for &(user, _) in &notices.recipients {
        let tag = store::reader_language(&mut *tx, user).await?;
        languages.insert(user, Lang::from_tag(tag.as_deref()));
    }
    Ok(Ok(notices.drafts(|user| languages.get(&user).copied().unwrap_or_default())))
}

/// The notices a new message makes, each in its reader's language, and its conversation (what
/// reading releases).
async fn message_drafts(
    tx: &mut Tx,
    event: &EventEnvelope,
) -> Result<Result<(Vec<Draft>, Option<uuid::Uuid>), &'static str>, HandlerError> {
    let notices = match domain::message_texts::notices_for(event) {
        Ok(Some(notices)) => notices,
        Ok(None) => return Ok(Ok((Vec::new(), None))),
        Err(reason) => return Ok(Err(reason)),
    };
    let mut drafts = Vec::with_capacity(notices.recipients.len());
    for &user in &notices.recipients {
        let lang = Lang::from_tag(store::reader_language(&mut *tx, user).await?.as_deref());
        drafts.push(notices.draft(user, lang));
    }
    Ok(Ok((drafts, Some(notices.conversation_id))))
}

/// The notice an event that tells one person makes (a review or an order event), if any, in
/// its reader's language.
async fn single_draft<N>(
    tx: &mut Tx,
    notice: Result<Option<N>, &'static str>,
    reader: impl Fn(&N) -> uuid::Uuid,
    write: impl Fn(&N, Lang) -> Draft,
) -> Result<Result<Vec<Draft>, &'static str>, HandlerError> {
    let notice = match notice {
        Ok(Some(notice)) => notice,
        Ok(None) => return Ok(Ok(Vec::new())),
        Err(reason) => return Ok(Err(reason)),
    };
    let lang = Lang::from_tag(store::reader_language(&mut *tx, reader(&notice)).await?.as_deref());
    Ok(Ok(vec![write(&notice, lang)]))
}
