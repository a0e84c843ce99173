//! This context's part of GDPR exports and erasure: a user's reservations (as guest and as
//! host), menu orders, coupons, DreamScape bookings, cart and itineraries. Erasure keeps the reservations
//! and bookings — they are accounting records the law requires — but removes the free text
//! people wrote (cancellation and return reasons), delivery addresses (all but the country),
//! contact details and passengers of bookings, the cart, the itineraries and the idempotency
//! keys.

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::{Db, DbError, Tx, query};
use platform::events::{EventHandler, HandlerError};
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::service::order_view::with_orders;
use crate::store::reservations::{self, Filter, Side};

pub struct BookingData {
    pub db: Db,
}

fn fail(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("booking", e)
}

#[async_trait]
impl PersonalData for BookingData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let all = Filter::default();
        let (as_guest, _) = reservations::list(&self.db, Side::Guest, user, &all, 10_000, 0).await.map_err(fail)?;
        let (as_host, _) = reservations::list(&self.db, Side::Host, user, &all, 10_000, 0).await.map_err(fail)?;
        let coupons = crate::store::coupons::of_owner(&self.db, Some(user), 10_000, 0).await.map_err(fail)?;
        let (trips, _) = crate::voyage::store::trips_of(&self.db, user, 10_000, 0).await.map_err(fail)?;
        let mut bookings = Vec::new();
        for trip in &trips {
            let items = crate::voyage::store::trip_items(&self.db, trip.id).await.map_err(fail)?;
            bookings.push(json!({ "bookingReference": trip.reference, "status": trip.status, "currency": trip.currency,
                "total": trip.total, "paid": trip.paid, "refunded": trip.refunded, "contactEmail": trip.contact_email,
                "passengers": trip.passengers, "createdAt": trip.created_at,
                "items": items.iter().map(|i| json!({ "itemType": i.item_type, "title": i.title, "quantity": i.quantity,
                    "amount": i.amount, "reservationId": i.reservation_id, "status": i.status })).collect::<Vec<_>>() }));
        }
        let cart = crate::voyage::store::items(&self.db, user).await.map_err(fail)?;
        let itineraries = crate::itineraries::export(&self.db, user).await.map_err(fail)?;
        let orders = crate::orders::view::of_guest(&self.db, user).await.map_err(fail)?;
        Ok(json!({
            "reservations": with_orders(&self.db, &as_guest).await.map_err(fail)?,
            "hostedReservations": hosted(with_orders(&self.db, &as_host).await.map_err(fail)?),
            "coupons": coupons.iter().map(crate::service::coupons::coupon_view).collect::<Vec<_>>(),
            "bookings": bookings,
            "cart": cart.iter().map(crate::voyage::cart::item_view).collect::<Vec<_>>(),
            "itineraries": itineraries,
            "orders": orders,
        }))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(fail)?;
        erase(&mut tx, user).await.map_err(fail)?;
        tx.commit().await.map_err(fail)
    }
}

/// The reservations a user hosted, as their export shows them: without their guests' delivery
/// addresses, which are the guests' data (in the guests' own exports).
fn hosted(mut views: Vec<Value>) -> Vec<Value> {
    for v in &mut views {
        if let Some(map) = v.as_object_mut() {
            map.remove("deliveryAddress");
        }
    }
    views
}

/// Removes what people wrote and the idempotency keys (idempotent).
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("UPDATE reservations SET cancel_reason = NULL WHERE guest_id = $1 OR host_id = $1")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    query("DELETE FROM reservation_keys WHERE guest_id = $1").bind(user).execute(&mut *tx).await?;
    crate::store::shipments::erase(tx, user, chrono::Utc::now()).await?;
    // Administrators' notes and reasons are about the person too.
    query("UPDATE trips SET contact_email = NULL, passengers = $2, admin_data = $3 WHERE user_id = $1")
        .bind(user)
        .bind(json!([]))
        .bind(json!({}))
        .execute(&mut *tx)
        .await?;
    crate::orders::store::erase(tx, user).await?;
    for statement in [
        "DELETE FROM trip_keys WHERE user_id = $1",
        "DELETE FROM cart_items WHERE user_id = $1",
        "DELETE FROM carts WHERE user_id = $1",
        "DELETE FROM itinerary_items WHERE itinerary_id IN (SELECT id FROM itineraries WHERE owner_id = $1)",
        "DELETE FROM itineraries WHERE owner_id = $1",
        "DELETE FROM itinerary_owners WHERE owner_id = $1",
    ] {
        query(statement).bind(user).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Erases on `user.deleted` too, wherever this context runs (retried by the event's delivery).
pub struct ErasureOnDelete;

#[async_trait]
impl EventHandler for ErasureOnDelete {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if let Ok(user) = event.aggregate_id.parse::<Uuid>() {
            erase(tx, user).await?;
        }
        Ok(())
    }
}
