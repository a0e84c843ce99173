//! Events booking consumes. The catalog's `listing.*` events keep the listings read model
//! current (lifecycle events carry the whole listing view; schedule events add and remove
//! sessions and trips). The payments context's `payment.*` events move reservations on.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use serde_json::Value;
use uuid::Uuid;

use crate::policy::Canceller;
use crate::service::Bookings;
use crate::service::transitions::refund_now;
use crate::store::inventory::{self, Departure};
use crate::store::reservations::{self, Reservation};
use crate::store::{self, ListingModel};

/// Consumer names: dedupe records are keyed on them, so they must never change.
pub const LISTINGS_CONSUMER: &str = "booking.listings";
pub const PAYMENTS_CONSUMER: &str = "booking.payments";

const LIFECYCLE: [&str; 5] =
    ["listing.created", "listing.updated", "listing.published", "listing.unpublished", "listing.deleted"];

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn id(v: &Value, key: &str) -> Option<Uuid> {
    text(v, key)?.parse().ok()
}

fn instant(v: &Value, key: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(v.get(key)?.as_str()?).ok().map(|t| t.with_timezone(&Utc))
}

fn error(e: kernel::ApiError) -> HandlerError {
    e.message.into()
}

/// The read-model row an event's listing view describes, if it is well formed.
pub fn model_of(event_type: &str, view: &Value) -> Option<ListingModel> {
    let status = if event_type == "listing.deleted" { "deleted".to_owned() } else { text(view, "status")? };
    Some(ListingModel {
        id: id(view, "id")?,
        owner_id: id(view, "ownerId")?,
        kind: text(view, "kind")?,
        status,
        timezone: text(view, "timezone")?,
        currency: text(view, "currency")?,
        cancellation_policy: text(view, "cancellationPolicy")?,
        instant_book: view.get("instantBook").and_then(Value::as_bool)?,
        data: view.clone(),
        version: view.get("version").and_then(Value::as_i64)?,
    })
}

/// A session or trip added by the catalog.
fn departure_of(event_type: &str, d: &Value) -> Option<Departure> {
    let session = event_type == "listing.session_added";
    let (id_key, start_key, capacity_key, price_key) = if session {
        ("sessionId", "startsAt", "capacity", "pricePerPerson")
    } else {
        ("tripId", "departsAt", "seats", "pricePerSeat")
    };
    Some(Departure {
        id: id(d, id_key)?,
        listing_id: id(d, "listingId")?,
        kind: if session { "session" } else { "trip" }.into(),
        starts_at: instant(d, start_key)?,
        ends_at: instant(d, "arrivesAt"),
        price: d.get(price_key)?.as_i64()?,
        active: true,
        data: d.clone(),
        capacity: d.get(capacity_key)?.as_i64()?,
        taken: 0,
    })
}

pub struct ListingsReadModel {
    pub engine: Bookings,
}

impl ListingsReadModel {
    /// A removed session or trip: reservations on it are cancelled by the host, fully refunded.
    async fn removed(&self, tx: &mut Tx, listing: Uuid, key: String) -> Result<(), HandlerError> {
        for r in reservations::holding_unit(tx, listing, &key).await? {
            let refund = refund_now(&r, Canceller::Host, self.engine.clock.now());
            let next = Reservation {
                status: "cancelled".into(),
                cancelled_by: Some("host".into()),
                cancel_reason: Some("The host removed this date".into()),
                ..r.clone()
            };
            self.engine.transition(tx, &r, next, "booking.cancelled", None, Some(refund)).await.map_err(error)?;
        }
        Ok(())
    }
}

#[async_trait]
impl EventHandler for ListingsReadModel {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let kind = event.event_type.as_str();
        let data = &event.data;
        if LIFECYCLE.contains(&kind) {
            let Some(model) = model_of(kind, data) else {
                // Retrying cannot repair a malformed event; skip it rather than block the consumer.
                tracing::warn!(event_id = %event.id, "listing event without a usable listing view: skipped");
                return Ok(());
            };
            store::upsert(tx, &model, self.engine.clock.now()).await?;
            if let Some(stock) = data.get("product").and_then(|p| p.get("stockQuantity")).and_then(Value::as_i64) {
                inventory::set_capacity(tx, model.id, "stock", stock).await?;
            }
            // Its first event makes the listing known (its initial availability); later ones
            // may change its stock, opening hours or time zone.
            return self.engine.publish_availability(tx, &[model.id]).await.map_err(error);
        }
        let schedule =
            ["listing.session_added", "listing.trip_added", "listing.session_removed", "listing.trip_removed"];
        let Some(listing) = id(data, "listingId").filter(|_| schedule.contains(&kind)) else {
            return Ok(());
        };
        // The listing's lock first, as sales take it (see `publish_availability`).
        store::lock_for_sale(tx, listing).await?;
        match kind {
            "listing.session_added" | "listing.trip_added" => match departure_of(kind, data) {
                Some(d) => inventory::save_departure(tx, &d).await?,
                None => tracing::warn!(event_id = %event.id, "schedule event without a usable payload: skipped"),
            },
            "listing.session_removed" | "listing.trip_removed" => {
                let (key, unit) =
                    if kind == "listing.session_removed" { ("sessionId", "session") } else { ("tripId", "trip") };
                if let Some(dep) = id(data, key) {
                    inventory::deactivate_departure(tx, dep).await?;
                    self.removed(tx, listing, format!("{unit}:{dep}")).await?;
                }
            }
            _ => return Ok(()),
        }
        self.engine.publish_availability(tx, &[listing]).await.map_err(error)
    }
}

pub struct PaymentsHandler {
    pub engine: Bookings,
}

#[async_trait]
impl EventHandler for PaymentsHandler {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        self.engine.on_payment(tx, event).await.map_err(error)
    }

    /// A paid DreamScape booking's supplier offers are booked now (the supplier is another
    /// system: never inside the transaction).
    async fn after_commit(&self, event: &EventEnvelope) {
        self.engine.orders_paid(&crate::service::payments::reservation_ids(&event.data)).await;
        if event.event_type == "payment.succeeded"
            && event
                .data
                .get("bookingReference")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|r| r.starts_with("DS-"))
            && let Err(e) = self.engine.book_supplier_items().await
        {
            tracing::warn!(error = %e.message, "supplier offers could not be booked yet");
        }
    }
}
