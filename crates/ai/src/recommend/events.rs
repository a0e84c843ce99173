//! What the recommender learns from other contexts. Identity: `user.onboarding_completed`
//! (the profile; identity emits it once per completion — later edits of a completed
//! questionnaire emit nothing, so the profile is the one completed), `user.favorites_added`
//! (destinations, hotels, activities and listings: favourite signals), `user.deleted`
//! (erasure). Booking: `booking.confirmed` (the guest booked the listing, and so its
//! destination) and `booking.cancelled` (removes it). Catalog: `listing.*` (the listings).
//! Each change about a user recomputes their stored list in the same transaction.

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use std::sync::atomic::Ordering;
use uuid::Uuid;

use super::feedback::{self, Signal};
use super::service::{Recommender, compute_user};
use super::{listings, store};
use crate::profile::{self, Profile};

/// Consumer names: dedupe records are keyed on them, never change them.
pub const USERS_CONSUMER: &str = "ai.recommend.users";
pub const BOOKINGS_CONSUMER: &str = "ai.recommend.bookings";
pub const LISTINGS_CONSUMER: &str = "ai.recommend.listings";

/// Most favourites one event may add that are counted.
const MAX_FAVORITES: usize = 100;

fn uuid(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key).and_then(Value::as_str).and_then(|s| s.parse().ok())
}

pub struct Users(pub Recommender);

#[async_trait]
impl EventHandler for Users {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let Some(user) = uuid(&event.data, "userId").or_else(|| event.aggregate_id.parse().ok()) else {
            return Ok(());
        };
        let now = self.0.now();
        match event.event_type.as_str() {
            "user.onboarding_completed" => {
                let null = Value::Null;
                let ours = event.data.get("travelProfile").unwrap_or(&null);
                let theirs = event.data.get("answers").unwrap_or(&null);
                let profile =
                    Profile { completed_at: Some(event.occurred_at), ..Profile::from_onboarding(user, ours, theirs) };
                profile::save(tx, &profile, now).await?;
                compute_user(tx, user, now, "onboarding", "onboarding").await?;
            }
            "user.favorites_added" => {
                let items = event.data.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
                let mut any = false;
                for item in items.iter().take(MAX_FAVORITES) {
                    let kind = item.get("itemType").and_then(Value::as_str).unwrap_or_default().to_lowercase();
                    let Some(id) = item.get("itemId").and_then(Value::as_str).filter(|s| s.len() <= 200) else {
                        continue;
                    };
                    if !matches!(kind.as_str(), "destination" | "hotel" | "activity" | "listing") {
                        continue;
                    }
                    let Some(destination) = feedback::destination_of(tx, &kind, id).await? else { continue };
                    let s = Signal {
                        user,
                        item_kind: kind,
                        item_id: id.to_owned(),
                        destination: Some(destination),
                        action: "favorite".into(),
                        weight: feedback::weight("favorite").unwrap_or(4.0),
                        source: "favorite".into(),
                        at: event.occurred_at,
                    };
                    feedback::insert(tx, &s).await?;
                    any = true;
                }
                if any {
                    compute_user(tx, user, now, "general", "behaviour").await?;
                    self.0.dirty.store(true, Ordering::Relaxed);
                }
            }
            "user.deleted" => erase(tx, user).await?,
            _ => {}
        }
        Ok(())
    }
}

/// Everything the recommender keeps about a user.
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), platform::db::DbError> {
    profile::erase(tx, user).await?;
    feedback::erase(tx, user).await?;
    store::erase(tx, user).await
}

pub struct Bookings(pub Recommender);

#[async_trait]
impl EventHandler for Bookings {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let Some(r) = event.data.get("reservation") else { return Ok(()) };
        let (Some(id), Some(guest)) = (uuid(r, "id"), uuid(r, "guestId")) else { return Ok(()) };
        let source = format!("booking:{id}");
        let now = self.0.now();
        match event.event_type.as_str() {
            "booking.confirmed" => {
                feedback::remove_source(tx, &source).await?;
                let listing = uuid(r, "listingId");
                let mut destination = match listing {
                    Some(l) => listings::find(tx, l).await?.and_then(|l| l.destination),
                    None => None,
                };
                if destination.is_none() {
                    let city = r.get("destination").and_then(Value::as_str).unwrap_or_default();
                    destination = super::catalog::resolve(city).map(|d| d.code.clone());
                }
                let s = Signal {
                    user: guest,
                    item_kind: "listing".into(),
                    item_id: listing.map(|l| l.to_string()).unwrap_or_default(),
                    destination,
                    action: "book".into(),
                    weight: feedback::weight("book").unwrap_or(5.0),
                    source,
                    at: event.occurred_at,
                };
                feedback::insert(tx, &s).await?;
                compute_user(tx, guest, now, "general", "behaviour").await?;
                self.0.dirty.store(true, Ordering::Relaxed);
            }
            "booking.cancelled" => {
                for user in feedback::remove_source(tx, &source).await? {
                    compute_user(tx, user, now, "general", "behaviour").await?;
                }
                self.0.dirty.store(true, Ordering::Relaxed);
            }
            _ => {}
        }
        Ok(())
    }
}

pub struct Listings(pub Recommender);

#[async_trait]
impl EventHandler for Listings {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let l = event.data.get("listing").unwrap_or(&event.data);
        let Some((listing, published)) = listings::from_event(l) else { return Ok(()) };
        if event.event_type == "listing.deleted" || !published {
            listings::remove(tx, listing.id).await?;
        } else {
            listings::upsert(tx, listing, event.occurred_at).await?;
        }
        Ok(())
    }
}
