//! Cancelling a booking by reference: each reservation through the reservation state machine
//! (payments refunds what its rule gives back, notifications tell the guest and the host), each
//! supplier offer at the supplier (`voyage.cancelled` tells payments what to give back of the
//! suppliers' part). The traveller cancels by the listings' policies; an administrator either
//! by the same policies or with everything paid given back.

use kernel::{ApiError, EventEnvelope};
use platform::auth::AuthUser;
use platform::events::enqueue;
use serde_json::{Value, json};

use super::store::{self, Trip};
use super::trips::status_of;
use crate::policy::Canceller;
use crate::service::Bookings;

/// How a booking is cancelled.
#[derive(Debug, Clone, Default)]
pub struct Cancelling {
    /// Whose rule refunds the reservations: `None` for the caller's own (the guest's policy,
    /// or a full refund for a host or an administrator).
    pub by: Option<Canceller>,
    /// Give back the whole suppliers' part that was paid, whatever the suppliers refund.
    pub suppliers_in_full: bool,
    pub reason: Option<String>,
}

impl Bookings {
    /// Cancels a booking as its traveller: each reservation by its listing's policy, each
    /// supplier offer at the supplier (what it refunds is paid back).
    pub async fn cancel_trip(&self, user: &AuthUser, reference: &str) -> Result<Value, ApiError> {
        let how = Cancelling { reason: Some("Booking cancelled".into()), ..Cancelling::default() };
        self.cancel_trip_with(user, reference, &how).await
    }

    /// Cancels a booking `user` may see (its traveller's, or any for an administrator).
    pub(crate) async fn cancel_trip_with(
        &self,
        user: &AuthUser,
        reference: &str,
        how: &Cancelling,
    ) -> Result<Value, ApiError> {
        let (trip, items, found) = self.trip_of(user, reference).await?;
        if trip.status == "cancelled" {
            return Err(ApiError::new(409, "invalid_state", "This booking is already cancelled"));
        }
        if ["COMPLETED", "FAILED"].contains(&status_of(&trip, &items, &found)) {
            return Err(ApiError::new(409, "invalid_state", "This booking can no longer be cancelled"));
        }
        for r in &found {
            if ["pending_payment", "awaiting_host", "confirmed"].contains(&r.status.as_str()) {
                self.cancel_as(user, r.id, how.reason.clone(), how.by).await?;
            }
        }
        let mut supplier_refund = 0;
        // Offers the supplier could not cancel just now: the booking is cancelled all the same and
        // the scheduler cancels them at the supplier until it holds (their refund follows then).
        let mut later = Vec::new();
        for item in items.iter().filter(|i| i.reservation_id.is_none()) {
            match (item.status.as_str(), &item.supplier_ref) {
                ("booked", Some(confirmation)) => {
                    match self.contracts.supplier()?.cancel(confirmation, &format!("cancel-{}", item.id)).await {
                        Ok(refund) => supplier_refund += refund,
                        Err(e) if e.status >= 500 => {
                            tracing::warn!(item = %item.id, error = %e.message, "supplier cancellation retried later");
                            later.push(item.id);
                        }
                        Err(e) => return Err(e),
                    }
                }
                // Not booked yet: nothing was bought, all of it goes back.
                ("pending", _) if trip.status == "paid" => supplier_refund += item.amount,
                _ => {}
            }
        }
        if how.suppliers_in_full && trip.status == "paid" {
            supplier_refund = trip.supplier_amount;
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        for item in items.iter().filter(|i| i.reservation_id.is_none()) {
            if later.contains(&item.id) {
                store::set_item_status(&mut tx, item.id, "booked", "cancelling", None).await?;
                continue;
            }
            for from in ["booked", "pending"] {
                store::set_item_status(&mut tx, item.id, from, "cancelled", None).await?;
            }
        }
        let next = Trip { status: "cancelled".into(), updated_at: now, ..trip.clone() };
        if !store::update_trip(&mut tx, &next, &trip.status).await? {
            return Err(ApiError::new(409, "invalid_state", "This booking changed meanwhile; read it again"));
        }
        let data = json!({ "bookingReference": trip.reference, "userId": trip.user_id,
                           "supplierRefund": supplier_refund.min(trip.supplier_amount), "currency": trip.currency });
        enqueue(
            &mut tx,
            &EventEnvelope::new("voyage.cancelled", trip.id, now, data).with_actor(user.user_id.to_string()),
        )
        .await?;
        tx.commit().await?;
        self.events.committed();
        let (trip, items, found) = self.trip_of(user, reference).await?;
        Ok(Self::trip_view(&trip, &items, &found))
    }
}

impl Bookings {
    /// Cancels at the supplier the offers of cancelled bookings it could not cancel at the time,
    /// and has payments refund what the supplier gives back (`voyage.refund_due`). An offer still
    /// not cancelled after an hour is logged as an error each run: an operator must look.
    pub async fn cancel_supplier_items(&self) -> Result<usize, ApiError> {
        let due: Vec<(uuid::Uuid, uuid::Uuid)> =
            platform::db::query("SELECT i.id, i.trip_id FROM trip_items i WHERE i.status = 'cancelling' LIMIT 50")
                .fetch_all(&self.db)
                .await?;
        let mut done = 0;
        for (item_id, trip_id) in due {
            let Some(trip) = store::trip(&self.db, trip_id).await? else { continue };
            let Some(item) = store::trip_items(&self.db, trip_id).await?.into_iter().find(|i| i.id == item_id) else {
                continue;
            };
            let Some(confirmation) = item.supplier_ref.clone() else { continue };
            match self.contracts.supplier()?.cancel(&confirmation, &format!("cancel-{}", item.id)).await {
                Ok(refund) => {
                    let mut tx = self.db.begin().await?;
                    if store::set_item_status(&mut tx, item.id, "cancelling", "cancelled", None).await? && refund > 0 {
                        let data = json!({ "bookingReference": trip.reference, "itemId": item.id,
                                           "refundAmount": refund.min(item.amount), "currency": trip.currency,
                                           "reason": "supplier_cancelled" });
                        let event = EventEnvelope::new("voyage.refund_due", trip.id, self.clock.now(), data);
                        enqueue(&mut tx, &event).await?;
                    }
                    tx.commit().await?;
                    self.events.committed();
                    done += 1;
                }
                Err(e) => {
                    let waiting = self.clock.now() - trip.updated_at;
                    if waiting > chrono::Duration::hours(1) {
                        tracing::error!(reference = %trip.reference, item = %item.id, confirmation, error = %e.message,
                            "a cancelled booking's supplier offer is still not cancelled at the supplier");
                    }
                }
            }
        }
        Ok(done)
    }
}
