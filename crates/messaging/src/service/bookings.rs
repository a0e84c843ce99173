//! What booking's events do here: every `booking.*` event updates the reservation read model;
//! the reservation's conversation is created (guest and host, id derived from the
//! reservation's) the first time one is seen, linked to the guest's enquiry about the listing;
//! state changes write a system message into it; and, after the commit, guest and host get
//! `booking_update` (and `new_message` for the system message). A periodic sweep writes the
//! "checked in" message once a confirmed stay has started (booking has no such event).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{ApiError, EventEnvelope};
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use super::Messaging;
use crate::domain::{self, system};
use crate::store::{self, Conversation, messages, models};

/// Consumer name (dedupe records are keyed on it: never change it).
pub const BOOKINGS_CONSUMER: &str = "messaging.bookings";

/// The reservation state changes guest and host hear about (`booking_update`); other
/// `booking.*` events (`booking.refund_due`) are bookkeeping.
const STATE_CHANGES: [&str; 7] = [
    "booking.created",
    "booking.requested",
    "booking.confirmed",
    "booking.declined",
    "booking.cancelled",
    "booking.expired",
    "booking.completed",
];

/// Check-ins written per sweep; the next sweep takes the rest.
const BATCH: u32 = 200;

fn id(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key)?.as_str()?.parse().ok()
}

fn instant(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.get(key)?.as_str()?).ok().map(|t| t.with_timezone(&Utc))
}

fn reservation_of(event: &EventEnvelope) -> Option<(models::Reservation, &Value)> {
    let r = event.data.get("reservation")?;
    let model = models::Reservation {
        id: id(r, "id")?,
        listing_id: id(r, "listingId")?,
        guest_id: id(r, "guestId"),
        host_id: id(r, "hostId"),
        status: r.get("status")?.as_str()?.to_owned(),
        starts_at: instant(r, "startsAt"),
        ends_at: instant(r, "endsAt"),
    };
    Some((model, r))
}

fn source_key(event: &EventEnvelope) -> String {
    format!("event:{}", event.id)
}

pub struct BookingsHandler {
    pub service: Messaging,
}

impl Messaging {
    /// The reservation's conversation, created with its participants if new; true when new.
    async fn ensure_reservation_conversation(
        &self,
        tx: &mut Tx,
        r: &models::Reservation,
        title: Option<String>,
    ) -> Result<bool, HandlerError> {
        let now = self.clock.now();
        let c = Conversation {
            id: kernel::id::reservation_conversation_id(&r.id),
            kind: domain::RESERVATION.into(),
            listing_id: Some(r.listing_id),
            reservation_id: Some(r.id),
            guest_id: r.guest_id,
            host_id: r.host_id,
            subject: title,
            enquiry_key: None,
            last_message_at: now,
            created_at: now,
            updated_at: now,
        };
        if !store::insert(tx, &c).await? {
            return Ok(false);
        }
        for (user, role) in [(r.guest_id, "guest"), (r.host_id, "host")] {
            if let Some(user) = user {
                store::add_participant(tx, c.id, user, role, now).await?;
            }
        }
        if let Some(guest) = r.guest_id {
            store::link_enquiry(tx, &format!("{guest}:{}", r.listing_id), r.id, now).await?;
        }
        Ok(true)
    }

    /// Writes a system message into a conversation (once per `source_key`).
    async fn system_message(
        &self,
        tx: &mut Tx,
        conversation: Uuid,
        code: &str,
        text: String,
        source_key: String,
    ) -> Result<(), HandlerError> {
        let now = self.clock.now();
        let m = messages::Message {
            id: kernel::new_id(),
            conversation_id: conversation,
            author_id: None,
            author_erased: false,
            kind: "system".into(),
            code: Some(code.to_owned()),
            body: Some(text),
            masked_body: None,
            mask_ranges: None,
            client_message_id: None,
            source_key: Some(source_key),
            deleted_at: None,
            created_at: now,
        };
        if messages::insert(tx, &m).await? {
            store::touch(tx, conversation, None, now).await?;
        }
        Ok(())
    }

    /// Publishes the system message written under `source_key`, if there is one.
    async fn announce_source(&self, source_key: &str) {
        match messages::find_by_source(&self.db, source_key).await {
            Ok(Some(m)) => self.announce(m.conversation_id, &m, &[]).await,
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "system message not published"),
        }
    }

    /// Writes the check-in message of every confirmed stay that has started.
    pub async fn sweep_check_ins(&self) -> Result<u64, ApiError> {
        let now = self.clock.now();
        let mut written = 0;
        for reservation in models::due_check_ins(&self.db, now, BATCH).await? {
            let conversation = kernel::id::reservation_conversation_id(&reservation);
            let key = format!("checkin:{reservation}");
            let mut tx = self.db.begin().await?;
            if !models::claim_check_in(&mut tx, reservation, now).await? {
                continue;
            }
            if store::find(&mut tx, conversation).await?.is_some() {
                self.system_message(&mut tx, conversation, system::CHECKED_IN, system::checked_in_text(), key.clone())
                    .await
                    .map_err(|e| {
                        tracing::error!(error = %e, "check-in message not written");
                        ApiError::internal()
                    })?;
            }
            tx.commit().await?;
            written += 1;
            self.announce_source(&key).await;
        }
        Ok(written)
    }

    /// Runs the check-in sweep and forgets day-old idempotency keys every `every`, until the
    /// database closes.
    pub fn spawn_scheduler(&self, every: Duration) {
        let service = self.clone();
        platform::schedule::every(self.db.clone(), every, "messaging jobs", move || {
            let service = service.clone();
            async move { service.run_jobs().await.map(|_| ()) }
        });
    }

    /// One run of the scheduled work: (check-ins written, keys forgotten).
    pub async fn run_jobs(&self) -> Result<(u64, u64), ApiError> {
        let written = self.sweep_check_ins().await?;
        let forgotten = messages::forget_keys(&self.db, self.clock.now() - chrono::Duration::hours(24)).await?;
        Ok((written, forgotten))
    }
}

#[async_trait]
impl EventHandler for BookingsHandler {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let Some((r, view)) = reservation_of(event) else {
            tracing::warn!(event_id = %event.id, "booking event without a usable reservation: skipped");
            return Ok(());
        };
        models::upsert_reservation(tx, &r, event.occurred_at).await?;
        let title = view.get("listingTitle").and_then(Value::as_str).map(str::to_owned);
        self.service.ensure_reservation_conversation(tx, &r, title).await?;
        let cancelled_by = view.get("cancelledBy").and_then(Value::as_str);
        if let Some((code, text)) = system::for_event(&event.event_type, cancelled_by) {
            let conversation = kernel::id::reservation_conversation_id(&r.id);
            self.service.system_message(tx, conversation, code, text, source_key(event)).await?;
        }
        Ok(())
    }

    async fn after_commit(&self, event: &EventEnvelope) {
        let Some((r, view)) = reservation_of(event) else { return };
        let parties: Vec<Uuid> = [r.guest_id, r.host_id].into_iter().flatten().collect();
        if event.event_type == "booking.created" {
            let conversation = kernel::id::reservation_conversation_id(&r.id);
            for user in &parties {
                let actor = super::Actor { user_id: *user, admin: false };
                if let Ok(v) = self.service.view_for(&actor, conversation).await {
                    self.service.publisher.conversation_updated(*user, v);
                }
            }
        }
        self.service.announce_source(&source_key(event)).await;
        if STATE_CHANGES.contains(&event.event_type.as_str()) {
            self.service.publisher.booking_update(&parties, &event.event_type, view);
        }
    }
}
