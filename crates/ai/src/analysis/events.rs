//! What the analysis part keeps from other contexts' events: guests' published reviews
//! (scored once, hidden ones left out of aggregates), confirmed reservations (the trip-purpose
//! inputs), listings' owners (who may see a listing's photo duplicates), and account deletion.
//! Handlers are idempotent: every write is an upsert keyed by the source's id.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use super::lexicon;
use super::purpose::Inputs;
use super::store;

/// Consumer names: dedupe records are keyed on them, never change them.
pub const REVIEWS_CONSUMER: &str = "ai.analysis.reviews";
pub const BOOKINGS_CONSUMER: &str = "ai.analysis.bookings";
pub const LISTINGS_CONSUMER: &str = "ai.analysis.listings";
pub const PEOPLE_CONSUMER: &str = "ai.analysis.people";

fn id(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key)?.as_str()?.parse().ok()
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

fn date(v: &Value, key: &str) -> Option<NaiveDate> {
    text(v, key)?.parse().ok()
}

fn instant(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    text(v, key)?.parse().ok()
}

pub struct Reviews;

#[async_trait]
impl EventHandler for Reviews {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let d = &event.data;
        match event.event_type.as_str() {
            // Guests' reviews of listings; hosts' reviews are about guests.
            "review.published" if text(d, "authorRole") == Some("guest") => {
                let (Some(review_id), Some(listing_id), Some(comment)) =
                    (id(d, "reviewId"), id(d, "listingId"), text(d, "comment"))
                else {
                    tracing::warn!(event_id = %event.id, "review.published without id, listing or comment: skipped");
                    return Ok(());
                };
                let s = lexicon::sentiment(comment, None);
                let review = store::NewReview {
                    review_id,
                    listing_id,
                    score: s.score,
                    language: s.language.code(),
                    words: serde_json::to_value(&s.words).unwrap_or(Value::Null),
                    published_at: instant(d, "publishedAt").unwrap_or(event.occurred_at),
                };
                store::upsert_review(tx, &review).await?;
            }
            "review.moderated" => {
                if let Some(review_id) = id(d, "reviewId") {
                    store::set_hidden(tx, review_id, text(d, "action") == Some("hidden")).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// The trip-purpose inputs of a reservation as `booking.*` events carry it.
pub fn inputs_of(r: &Value, occurred: DateTime<Utc>) -> Option<Inputs> {
    let kind = text(r, "kind").unwrap_or("stay");
    let starts = instant(r, "startsAt");
    let check_in = date(r, "checkIn").or_else(|| starts.map(|s| s.date_naive()))?;
    let check_out = date(r, "checkOut").or_else(|| instant(r, "endsAt").map(|e| e.date_naive())).unwrap_or(check_in);
    let guests = r.get("quantity").and_then(Value::as_u64).and_then(|q| u32::try_from(q).ok()).unwrap_or(1);
    let booked = instant(r, "createdAt").unwrap_or(occurred).date_naive();
    Some(Inputs::from_dates(kind, check_in, check_out, guests, booked))
}

pub struct Bookings;

#[async_trait]
impl EventHandler for Bookings {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if !matches!(event.event_type.as_str(), "booking.confirmed" | "booking.completed") {
            return Ok(());
        }
        let Some(r) = event.data.get("reservation") else { return Ok(()) };
        let (Some(reservation), Some(listing_id), Some(inputs)) =
            (id(r, "id"), id(r, "listingId"), inputs_of(r, event.occurred_at))
        else {
            tracing::warn!(event_id = %event.id, "booking event without a usable reservation: skipped");
            return Ok(());
        };
        let row = store::TripRow {
            listing_id,
            guest_id: id(r, "guestId"),
            host_id: id(r, "hostId"),
            inputs: serde_json::to_value(&inputs).unwrap_or(Value::Null),
        };
        store::upsert_trip(tx, reservation, &row, event.occurred_at).await?;
        Ok(())
    }
}

pub struct Listings;

#[async_trait]
impl EventHandler for Listings {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if !event.event_type.starts_with("listing.") {
            return Ok(());
        }
        let l = event.data.get("listing").unwrap_or(&event.data);
        if let (Some(listing), Some(owner)) = (id(l, "id"), id(l, "ownerId")) {
            store::upsert_listing(tx, listing, owner, event.event_type == "listing.deleted").await?;
        }
        Ok(())
    }
}

pub struct People;

#[async_trait]
impl EventHandler for People {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.event_type == "user.deleted"
            && let Some(user) = id(&event.data, "userId")
        {
            store::erase(tx, user).await?;
        }
        Ok(())
    }
}
