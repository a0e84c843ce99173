//! The events insights learns from: catalog's `listing.*`, booking's `booking.*`, payments'
//! `payment.*`, `refund.*` and `payout.*`, identity's `user.*` (booking's `voyage.*`:
//! [`crate::dreamscape`], which also hooks reservations and payments here). Each handler turns an event
//! into facts (see [`crate::facts`]) in the consumer's transaction; a redelivered or late
//! event changes nothing (facts are keyed by id and ordered by the source's own clock).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use crate::facts::{self, Listing, Movement, Reservation, User};
use crate::rollups;
use crate::rollups::listing_days::{conversations, reviews};

/// Consumer names: dedupe records are keyed on them, never change them.
pub const LISTINGS_CONSUMER: &str = "insights.listings";
pub const BOOKINGS_CONSUMER: &str = "insights.bookings";
pub const PAYMENTS_CONSUMER: &str = "insights.payments";
pub const REFUNDS_CONSUMER: &str = "insights.refunds";
pub const PAYOUTS_CONSUMER: &str = "insights.payouts";
pub const PEOPLE_CONSUMER: &str = "insights.people";
pub const MESSAGES_CONSUMER: &str = "insights.messages";
pub const REVIEWS_CONSUMER: &str = "insights.reviews";

fn id(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key)?.as_str()?.parse().ok()
}

fn text(v: &Value, key: &str, max: usize) -> Option<String> {
    let t = v.get(key)?.as_str()?.trim();
    (!t.is_empty()).then(|| t.chars().take(max).collect())
}

fn int(v: &Value, key: &str) -> i64 {
    v.get(key).and_then(Value::as_i64).unwrap_or(0)
}

fn instant(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    v.get(key)?.as_str()?.parse().ok()
}

fn date(v: &Value, key: &str) -> Option<NaiveDate> {
    v.get(key)?.as_str()?.parse().ok()
}

/// An IANA zone we can compute with, else UTC.
fn zone(v: &Value) -> String {
    text(v, "timezone", 64).filter(|z| z.parse::<chrono_tz::Tz>().is_ok()).unwrap_or_else(|| "UTC".to_owned())
}

pub struct Listings;

#[async_trait]
impl EventHandler for Listings {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        // Catalog's listing events carry the listing itself as `data` (docs/catalog.md#events).
        let l = event.data.get("listing").unwrap_or(&event.data);
        let (Some(listing_id), Some(host_id)) = (id(l, "id"), id(l, "ownerId")) else {
            tracing::warn!(event_id = %event.id, "listing event without id or owner: skipped");
            return Ok(());
        };
        let address = l.get("address").cloned().unwrap_or(Value::Null);
        let listing = Listing {
            id: listing_id,
            host_id,
            kind: text(l, "kind", 32).unwrap_or_else(|| "stay".into()),
            title: text(l, "title", 200).unwrap_or_default(),
            city: text(&address, "city", 100),
            country: text(&address, "country", 2),
            timezone: zone(l),
            currency: text(l, "currency", 3).unwrap_or_else(|| "EUR".into()),
            status: text(l, "status", 32).unwrap_or_else(|| "draft".into()),
            created_at: instant(l, "createdAt").unwrap_or(event.occurred_at),
            published_at: instant(l, "publishedAt"),
            deleted_at: (event.event_type == "listing.deleted").then_some(event.occurred_at),
            version: int(l, "version"),
        };
        let before = facts::find_listing(tx, listing.id).await?;
        if facts::upsert_listing(tx, &listing).await? {
            rollups::listing_changed(tx, before.as_ref(), &listing).await?;
        }
        Ok(())
    }
}

/// The reservation a `booking.*` event carries.
fn reservation_of(event: &EventEnvelope) -> Option<Reservation> {
    let r = event.data.get("reservation")?;
    let amounts = r.get("amounts").cloned().unwrap_or(Value::Null);
    let status = text(r, "status", 32)?;
    let check_in = date(r, "checkIn");
    let check_out = date(r, "checkOut");
    let nights = match (check_in, check_out) {
        (Some(a), Some(b)) if b > a => (b - a).num_days(),
        _ => 1,
    };
    let cancelled = matches!(status.as_str(), "cancelled" | "declined" | "expired");
    Some(Reservation {
        id: id(r, "id")?,
        listing_id: id(r, "listingId")?,
        host_id: id(r, "hostId"),
        guest_id: id(r, "guestId"),
        kind: text(r, "kind", 32).unwrap_or_else(|| "stay".into()),
        currency: text(r, "currency", 3).unwrap_or_else(|| "EUR".into()),
        timezone: zone(r),
        destination: text(r, "destination", 100),
        starts_at: instant(r, "startsAt")?,
        ends_at: instant(r, "endsAt")?,
        check_in,
        check_out,
        nights,
        quantity: int(r, "quantity").max(1),
        base: int(&amounts, "base"),
        guest_total: int(&amounts, "guestTotal"),
        guest_service_fee: int(&amounts, "guestServiceFee"),
        host_fee: int(&amounts, "hostFee"),
        taxes: int(&amounts, "taxes"),
        host_payout: int(&amounts, "hostPayout"),
        platform_revenue: int(&amounts, "platformRevenue"),
        paid: int(r, "paid"),
        refunded: int(r, "refunded"),
        booked_at: instant(r, "createdAt").unwrap_or(event.occurred_at),
        confirmed_at: (event.event_type == "booking.confirmed" || status == "confirmed" || status == "completed")
            .then_some(event.occurred_at),
        cancelled_at: cancelled.then_some(event.occurred_at),
        updated_at: instant(r, "updatedAt").unwrap_or(event.occurred_at),
        status,
    })
}

pub struct Bookings;

#[async_trait]
impl EventHandler for Bookings {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.data.get("reservation").is_none() {
            return Ok(()); // bookkeeping events carry no reservation view
        }
        let Some(r) = reservation_of(event) else {
            tracing::warn!(event_id = %event.id, "booking event without a usable reservation: skipped");
            return Ok(());
        };
        let before = facts::find_reservation(tx, r.id).await?;
        // What is stored keeps the first confirmation and cancellation instants.
        if let Some(after) = facts::upsert_reservation(tx, &r).await? {
            rollups::reservation_changed(tx, before.as_ref(), &after).await?;
            crate::dreamscape::reservation_changed(tx, after.id, event.occurred_at).await?;
            if let Some(guest) = after.guest_id {
                active(tx, guest, event.occurred_at).await?;
            }
        }
        Ok(())
    }
}

/// The movement a payments event describes, if it is one insights counts.
fn movement_of(event: &EventEnvelope) -> Option<Movement> {
    let d = &event.data;
    let (kind, key) = match event.event_type.as_str() {
        "payment.succeeded" => ("capture", text(d, "paymentIntentId", 200)?),
        "payment.failed" => ("failure", text(d, "paymentIntentId", 200)?),
        "refund.completed" => ("refund", text(d, "refundId", 200)?),
        "payout.paid" => ("payout", text(d, "id", 200)?),
        "payout.failed" => ("payout_failed", text(d, "id", 200)?),
        "payout.recovery_recorded" => ("recovery", text(d, "id", 200)?),
        _ => return None,
    };
    let host_amount = match kind {
        "capture" => d.get("hostPayout").and_then(Value::as_i64),
        "refund" => d.get("hostShare").and_then(Value::as_i64),
        "payout" | "recovery" => d.get("amount").and_then(Value::as_i64),
        _ => None,
    };
    Some(Movement {
        id: format!("{kind}:{key}"),
        kind: kind.to_owned(),
        at: event.occurred_at,
        reservation_id: id(d, "reservationId"),
        user_id: id(d, "userId"),
        host_id: id(d, "hostId"),
        amount: int(d, "amount"),
        host_amount,
        currency: text(d, "currency", 3).unwrap_or_else(|| "EUR".into()).to_ascii_uppercase(),
        reference: text(d, "bookingReference", 64),
        method: text(d, "paymentMethod", 32),
        status: text(d, "status", 32),
    })
}

pub struct Money;

#[async_trait]
impl EventHandler for Money {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        crate::dreamscape::payment_event(tx, event).await?;
        let Some(m) = movement_of(event) else { return Ok(()) };
        let Some(stored) = facts::record_movement(tx, &m).await? else { return Ok(()) };
        rollups::movement_recorded(tx, &stored).await?;
        crate::dreamscape::movement_recorded(tx, &stored, event).await?;
        if let (Some(user), "capture") = (stored.user_id, stored.kind.as_str()) {
            active(tx, user, event.occurred_at).await?;
        }
        Ok(())
    }
}

pub struct People;

#[async_trait]
impl EventHandler for People {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let d = &event.data;
        let Some(user) = id(d, "userId").or_else(|| event.aggregate_id.parse().ok()) else { return Ok(()) };
        let at = event.occurred_at;
        match event.event_type.as_str() {
            "user.created" => {
                let role = text(d, "role", 32).unwrap_or_else(|| "user".into()).to_ascii_lowercase();
                let u = User { id: user, role, status: "active".into(), verified: false, created_at: at };
                facts::create_user(tx, &u).await?;
            }
            "user.email_verified" => facts::set_user(tx, user, facts::UserChange::Verified).await?,
            "user.role_changed" => {
                if let Some(to) = text(d, "to", 32) {
                    facts::set_user(tx, user, facts::UserChange::Role(to.to_ascii_lowercase())).await?;
                }
            }
            "user.status_changed" => {
                if let Some(to) = text(d, "to", 32) {
                    facts::set_user(tx, user, facts::UserChange::Status(to.to_ascii_lowercase())).await?;
                }
            }
            "user.logged_in" => return active(tx, user, at).await,
            "user.deleted" => facts::set_user(tx, user, facts::UserChange::Deleted(at)).await?,
            _ => return Ok(()),
        }
        rollups::user_changed(tx, user, at.date_naive()).await?;
        Ok(())
    }
}

/// Messaging's `message.sent`: messages of guest ↔ host conversations, to time hosts' replies.
pub struct Messages;

#[async_trait]
impl EventHandler for Messages {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type != "message.sent" {
            return Ok(());
        }
        let d = &event.data;
        let (Some(message_id), Some(conversation_id), Some(author_id)) =
            (id(d, "messageId"), id(d, "conversationId"), id(d, "authorId"))
        else {
            return Ok(()); // system messages have no author
        };
        let sent = conversations::Sent {
            message_id,
            conversation_id,
            listing_id: id(d, "listingId"),
            host_id: id(d, "hostId"),
            author_id,
            at: event.occurred_at,
        };
        conversations::message_sent(tx, &sent).await?;
        Ok(())
    }
}

/// Reviews' `review.published` (guests' reviews of listings) and `review.moderated`.
pub struct Reviews;

#[async_trait]
impl EventHandler for Reviews {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let d = &event.data;
        let Some(review) = id(d, "reviewId") else { return Ok(()) };
        let changed = match event.event_type.as_str() {
            "review.published" if text(d, "authorRole", 16).as_deref() == Some("guest") => {
                let (Some(listing_id), Some(rating)) = (id(d, "listingId"), d.get("rating").and_then(Value::as_i64))
                else {
                    return Ok(());
                };
                let at = instant(d, "publishedAt").unwrap_or(event.occurred_at);
                let r = reviews::Published { id: review, listing_id, rating, at };
                reviews::published(tx, &r).await?.then_some((listing_id, at))
            }
            "review.moderated" => match text(d, "action", 16).as_deref() {
                Some("hidden") => reviews::moderated(tx, review, true).await?,
                Some("restored") => reviews::moderated(tx, review, false).await?,
                _ => None,
            },
            _ => None,
        };
        if let Some((listing, at)) = changed {
            rollups::listing_days::review_changed(tx, listing, at).await?;
        }
        Ok(())
    }
}

/// Marks `user` active on the day of `at` (the first time that day counts for DAU).
async fn active(tx: &mut Tx, user: Uuid, at: DateTime<Utc>) -> Result<(), HandlerError> {
    if facts::active(tx, user, at).await? {
        rollups::user_changed(tx, user, at.date_naive()).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: &str, data: Value) -> EventEnvelope {
        EventEnvelope::new(kind, Uuid::nil(), "2026-03-01T10:00:00Z".parse().unwrap(), data)
    }

    #[test]
    fn a_stay_counts_its_nights_and_a_cancellation_its_instant() {
        let r = json!({ "reservation": {
            "id": Uuid::now_v7(), "listingId": Uuid::now_v7(), "status": "cancelled", "kind": "stay",
            "currency": "EUR", "timezone": "Europe/Paris", "startsAt": "2026-04-01T13:00:00Z",
            "endsAt": "2026-04-04T09:00:00Z", "checkIn": "2026-04-01", "checkOut": "2026-04-04",
            "createdAt": "2026-02-01T10:00:00Z", "amounts": { "guestTotal": 36000, "hostPayout": 29100 },
        }});
        let r = reservation_of(&event("booking.cancelled", r)).unwrap();
        assert_eq!((r.nights, r.guest_total, r.host_payout), (3, 36000, 29100));
        assert_eq!(r.cancelled_at, Some("2026-03-01T10:00:00Z".parse().unwrap()));
        assert_eq!(r.timezone, "Europe/Paris");
    }

    #[test]
    fn an_unknown_zone_reads_as_utc_and_a_missing_start_is_no_reservation() {
        let r = json!({ "reservation": { "id": Uuid::now_v7(), "listingId": Uuid::now_v7(), "status": "confirmed",
            "timezone": "Mars/Olympus", "startsAt": "2026-04-01T13:00:00Z", "endsAt": "2026-04-01T15:00:00Z" }});
        assert_eq!(reservation_of(&event("booking.confirmed", r)).unwrap().timezone, "UTC");
        let r = json!({ "reservation": { "id": Uuid::now_v7(), "listingId": Uuid::now_v7(), "status": "confirmed" }});
        assert!(reservation_of(&event("booking.confirmed", r)).is_none());
    }

    #[test]
    fn movements_are_keyed_by_kind_and_source_id() {
        let m =
            movement_of(&event("refund.completed", json!({ "refundId": "re_1", "amount": 500, "currency": "eur" })));
        let m = m.unwrap();
        assert_eq!(
            (m.id.as_str(), m.kind.as_str(), m.amount, m.currency.as_str()),
            ("refund:re_1", "refund", 500, "EUR")
        );
        assert!(movement_of(&event("payment.created", json!({ "paymentIntentId": "pi_1" }))).is_none());
    }
}
