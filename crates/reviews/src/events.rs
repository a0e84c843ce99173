//! Events reviews consumes: booking's `booking.*` (who took part in each reservation, and when
//! it was completed — which opens the review window) and identity's `user.*` (authors' names;
//! `user.deleted` erases here too).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{Clock, EventEnvelope};
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use crate::domain;
use crate::store::{people, stays};

/// Consumer names: dedupe records are keyed on them, never change them.
pub const BOOKINGS_CONSUMER: &str = "reviews.bookings";
pub const PEOPLE_CONSUMER: &str = "reviews.people";

fn id(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key)?.as_str()?.parse().ok()
}

fn text(v: &Value, key: &str, max: usize) -> Option<String> {
    let t = v.get(key)?.as_str()?.trim();
    (!t.is_empty()).then(|| t.chars().take(max).collect())
}

/// The reservation an event describes, completed at the event's time when it says so.
fn stay_of(event: &EventEnvelope) -> Option<stays::Stay> {
    let r = event.data.get("reservation")?;
    let status = r.get("status")?.as_str()?.to_owned();
    let completed = event.event_type == "booking.completed" || status == "completed";
    let completed_at: Option<DateTime<Utc>> = completed.then_some(event.occurred_at);
    Some(stays::Stay {
        id: id(r, "id")?,
        listing_id: id(r, "listingId")?,
        kind: r.get("kind").and_then(Value::as_str).unwrap_or("stay").to_owned(),
        guest_id: id(r, "guestId"),
        host_id: id(r, "hostId"),
        listing_title: text(r, "listingTitle", 200),
        timezone: text(r, "timezone", 64),
        status,
        completed_at,
        closes_at: completed_at.map(domain::closes_at),
        published_at: None,
    })
}

pub struct Bookings;

#[async_trait]
impl EventHandler for Bookings {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.data.get("reservation").is_none() {
            return Ok(()); // bookkeeping events (refunds due…) carry no reservation view
        }
        let Some(stay) = stay_of(event) else {
            tracing::warn!(event_id = %event.id, "booking event without a usable reservation: skipped");
            return Ok(());
        };
        stays::upsert(tx, &stay, event.occurred_at).await?;
        Ok(())
    }
}

pub struct People {
    pub clock: Arc<dyn Clock>,
}

#[async_trait]
impl EventHandler for People {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let d = &event.data;
        let Some(user) = id(d, "userId").or_else(|| event.aggregate_id.parse().ok()) else { return Ok(()) };
        match event.event_type.as_str() {
            "user.created" | "user.updated" => {
                let (first, last) = (text(d, "firstName", 100), text(d, "lastName", 100));
                people::upsert(tx, user, first.as_deref(), last.as_deref(), event.occurred_at).await?;
            }
            "user.deleted" => crate::privacy::erase(tx, user, self.clock.now()).await?,
            _ => {}
        }
        Ok(())
    }
}
