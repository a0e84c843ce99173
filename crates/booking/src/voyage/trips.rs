//! Bookings by reference (DreamScape's `/bookings`): a checked-out cart, its reservations and
//! supplier offers, one payment. Its DreamScape status is derived from what is stored, so it
//! can never disagree with its parts:
//!
//! - `DRAFT` while its payment is not opened yet (payments could not be reached at checkout;
//!   checking out again with the same `Idempotency-Key` opens it), then `PENDING_PAYMENT`
//!   until payments says the money arrived; `FAILED` if every hold lapsed unpaid; `CANCELLED`
//!   once cancelled;
//! - once paid: `CONFIRMED` when every reservation is confirmed and every supplier offer
//!   booked, `COMPLETED` when every reservation is completed, `PENDING` in between.
//!
//! A booking is paid only by payments' event (`payment.succeeded` naming its reference) or by
//! `POST …/confirm`, which asks payments — never on the client's word.

use kernel::{ApiError, EventEnvelope};
use platform::auth::AuthUser;
use platform::contracts::Traveller;
use platform::db::Tx;
use platform::events::enqueue;
use serde_json::{Value, json};

use super::money::major;
use super::store::{self, Trip, TripItem};
use crate::service::Bookings;
use crate::store::reservations::{self, Reservation};

/// A paid supplier offer not yet ordered this long after checkout is logged as an error on each
/// retry; after [`SUPPLIER_GIVE_UP`] it is given up and its part refunded, never left paid but
/// not ordered.
const SUPPLIER_ALERT: chrono::Duration = chrono::Duration::minutes(30);
const SUPPLIER_GIVE_UP: chrono::Duration = chrono::Duration::hours(6);

/// DreamScape's status of a trip, from the trip and its parts.
pub fn status_of(trip: &Trip, items: &[TripItem], reservations: &[Reservation]) -> &'static str {
    let states: Vec<&str> = reservations.iter().map(|r| r.status.as_str()).collect();
    match trip.status.as_str() {
        "cancelled" => "CANCELLED",
        "failed" => "FAILED",
        "pending_payment" => {
            let lapsed = !states.is_empty() && states.iter().all(|s| ["expired", "cancelled"].contains(s));
            match (lapsed, trip.payment_intent_id.is_some()) {
                (true, _) => "FAILED",
                (false, false) => "DRAFT",
                (false, true) => "PENDING_PAYMENT",
            }
        }
        _ => {
            let supplier_items: Vec<&TripItem> = items.iter().filter(|i| i.reservation_id.is_none()).collect();
            // A failed offer was refunded: it settles the booking like a booked one, and a
            // booking of offers that all failed has failed.
            if states.is_empty() && !supplier_items.is_empty() && supplier_items.iter().all(|i| i.status == "failed") {
                return "FAILED";
            }
            let suppliers_booked = supplier_items.iter().all(|i| ["booked", "failed"].contains(&i.status.as_str()));
            if !states.is_empty() && states.iter().all(|s| *s == "completed") && suppliers_booked {
                "COMPLETED"
            } else if states.iter().all(|s| ["confirmed", "completed"].contains(s)) && suppliers_booked {
                "CONFIRMED"
            } else {
                "PENDING"
            }
        }
    }
}

impl Bookings {
    /// A trip of the caller's (anyone else's: 404), with its items and their reservations.
    pub async fn trip_of(
        &self,
        user: &AuthUser,
        reference: &str,
    ) -> Result<(Trip, Vec<TripItem>, Vec<Reservation>), ApiError> {
        let trip = store::trip_by_reference(&self.db, reference.trim())
            .await?
            .filter(|t| t.user_id == user.user_id || user.is_admin())
            .ok_or_else(|| ApiError::not_found("Booking not found"))?;
        let items = store::trip_items(&self.db, trip.id).await?;
        let mut found = Vec::new();
        for id in items.iter().filter_map(|i| i.reservation_id) {
            if let Some(r) = reservations::find(&self.db, id).await? {
                found.push(r);
            }
        }
        Ok((trip, items, found))
    }

    pub fn trip_view(trip: &Trip, items: &[TripItem], found: &[Reservation]) -> Value {
        let c = &trip.currency;
        let status = status_of(trip, items, found);
        let lines: Vec<Value> = items
            .iter()
            .map(|i| {
                let r = i.reservation_id.and_then(|id| found.iter().find(|r| r.id == id));
                json!({ "id": i.id, "itemType": i.item_type, "title": i.title, "quantity": i.quantity,
                        "amount": major(i.amount, c), "amountMinor": i.amount,
                        "status": r.map_or(i.status.as_str(), |r| r.status.as_str()),
                        "reservationId": i.reservation_id, "supplierReference": i.supplier_ref,
                        "startsAt": r.and_then(|r| r.starts_at), "endsAt": r.and_then(|r| r.ends_at),
                        "checkIn": r.and_then(|r| r.check_in), "checkOut": r.and_then(|r| r.check_out),
                        "timezone": r.map(|r| r.timezone.as_str()),
                        "cancellationPolicy": r.map(|r| r.cancellation_policy.as_str()), "offer": i.offer })
            })
            .collect();
        json!({ "bookingReference": trip.reference, "status": status, "userId": trip.user_id, "currency": c,
                "amount": major(trip.total, c), "amountMinor": trip.total, "paid": major(trip.paid, c),
                "refunded": major(trip.refunded, c), "paymentIntentId": trip.payment_intent_id,
                "contactEmail": trip.contact_email, "items": lines, "createdAt": trip.created_at,
                "updatedAt": trip.updated_at })
    }

    /// The caller's trips, newest first.
    pub async fn trips(&self, user: &AuthUser, page: &kernel::PageRequest) -> Result<(Vec<Value>, i64), ApiError> {
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        let (rows, total) = store::trips_of(&self.db, user.user_id, i64::from(page.limit), offset).await?;
        let mut out = Vec::new();
        for trip in rows {
            let (trip, items, found) = self.trip_of(user, &trip.reference).await?;
            out.push(Self::trip_view(&trip, &items, &found));
        }
        Ok((out, total))
    }

    /// Payments says the booking's money arrived (inside the payment consumer's transaction).
    pub(crate) async fn trip_paid(&self, tx: &mut Tx, reference: &str, data: &Value) -> Result<(), ApiError> {
        let Some(trip) = store::trip_by_reference(&mut *tx, reference).await? else {
            tracing::warn!(reference, "payment for an unknown booking reference");
            return Ok(());
        };
        if trip.status != "pending_payment" {
            return Ok(());
        }
        let amount = data.get("amount").and_then(Value::as_i64).unwrap_or(0);
        if amount < trip.total {
            tracing::error!(reference, amount, owed = trip.total, "payment short of the booking's total: ignored");
            return Ok(());
        }
        let payment = data.get("paymentIntentId").and_then(Value::as_str).map(str::to_owned);
        let next = Trip {
            status: "paid".into(),
            paid: amount,
            payment_intent_id: payment.or_else(|| trip.payment_intent_id.clone()),
            updated_at: self.clock.now(),
            confirmed_at: Some(self.clock.now()),
            ..trip.clone()
        };
        store::update_trip(tx, &next, "pending_payment").await?;
        let event = EventEnvelope::new(
            "voyage.booked",
            trip.id,
            self.clock.now(),
            json!({ "bookingReference": trip.reference, "userId": trip.user_id, "total": trip.total, "currency": trip.currency }),
        );
        enqueue(tx, &event).await?;
        Ok(())
    }

    /// The booking's money arrived after some of its holds ran out: it cannot be delivered
    /// whole, so none of it is. Every reservation still held ends (expired, its inventory
    /// back on sale) with a full refund, lapsed ones are refunded as any late payment, and the
    /// suppliers' part goes back; the booking is `FAILED`.
    pub(crate) async fn trip_paid_too_late(
        &self,
        tx: &mut Tx,
        reference: &str,
        found: &[Reservation],
        data: &Value,
    ) -> Result<(), ApiError> {
        let payment = data.get("paymentIntentId").and_then(Value::as_str).map(str::to_owned);
        let mut released = Vec::new();
        for r in found {
            match r.status.as_str() {
                "pending_payment" => {
                    let paid = Reservation { paid: r.total, payment_id: payment.clone(), ..r.clone() };
                    let refund = crate::service::transitions::refund_now(
                        &paid,
                        crate::policy::Canceller::Guest,
                        self.clock.now(),
                    );
                    let next = Reservation { status: "expired".into(), ..paid.clone() };
                    if self.transition(tx, r, next, "booking.expired", None, Some(refund)).await?.is_some() {
                        released.push(r.listing_id);
                    }
                }
                "expired" | "cancelled" if r.paid == 0 => self.late_payment(tx, r, data).await?,
                _ => {}
            }
        }
        self.publish_availability(tx, &released).await?;
        let Some(trip) = store::trip_by_reference(&mut *tx, reference).await? else { return Ok(()) };
        if trip.status != "pending_payment" {
            return Ok(());
        }
        let amount = data.get("amount").and_then(Value::as_i64).unwrap_or(0);
        let next = Trip {
            status: "failed".into(),
            paid: amount,
            payment_intent_id: payment,
            updated_at: self.clock.now(),
            ..trip.clone()
        };
        store::update_trip(tx, &next, "pending_payment").await?;
        if trip.supplier_amount > 0 {
            let data = json!({ "bookingReference": trip.reference, "refundAmount": trip.supplier_amount,
                               "currency": trip.currency, "reason": "paid_after_expiry" });
            enqueue(tx, &EventEnvelope::new("voyage.refund_due", trip.id, self.clock.now(), data)).await?;
        }
        Ok(())
    }

    /// A refund of the booking's payment (inside the payment consumer's transaction).
    pub(crate) async fn trip_refunded(&self, tx: &mut Tx, reference: &str, amount: i64) -> Result<(), ApiError> {
        if let Some(trip) = store::trip_by_reference(&mut *tx, reference).await? {
            let next = Trip {
                refunded: (trip.refunded + amount.max(0)).min(trip.paid),
                updated_at: self.clock.now(),
                ..trip.clone()
            };
            store::update_trip(tx, &next, &trip.status).await?;
        }
        Ok(())
    }

    /// Books the supplier offers of paid trips (after the payment's transaction committed: the
    /// supplier is another system). Each offer is booked once, keyed by its item id.
    pub async fn book_supplier_items(&self) -> Result<usize, ApiError> {
        let due: Vec<(uuid::Uuid,)> = platform::db::query(
            "SELECT i.id FROM trip_items i JOIN trips t ON t.id = i.trip_id \
             WHERE i.status = 'pending' AND i.reservation_id IS NULL AND t.status = 'paid' LIMIT 50",
        )
        .fetch_all(&self.db)
        .await?;
        let mut booked = 0;
        for (item_id,) in due {
            let Some((trip, item)) = self.trip_item(item_id).await? else { continue };
            let offer = self.contracts.supplier()?;
            let data = item.offer.as_ref().and_then(|o| o.get("itemData")).cloned().unwrap_or(Value::Null);
            let priced = offer.price(&item.item_type, &data, item.quantity).await;
            let traveller = Traveller {
                user_id: trip.user_id,
                email: trip.contact_email.clone(),
                passengers: trip.passengers.clone(),
            };
            let outcome = match priced {
                Ok(p) => offer.book(&p, item.quantity, &traveller, &item.id.to_string()).await,
                Err(e) => Err(e),
            };
            let mut tx = self.db.begin().await?;
            match outcome {
                Ok(confirmation) => {
                    store::set_item_status(&mut tx, item.id, "pending", "booked", Some(&confirmation)).await?;
                    booked += 1;
                }
                Err(e) if e.status >= 500 && self.clock.now() - item.created_at < SUPPLIER_GIVE_UP => {
                    if self.clock.now() - item.created_at > SUPPLIER_ALERT {
                        // Paid, not ordered: an operator should know before the traveller does.
                        tracing::error!(reference = %trip.reference, item = %item.id, error = %e.message,
                            "a paid supplier offer is still not ordered; retried");
                    } else {
                        tracing::warn!(item = %item.id, error = %e.message, "supplier unavailable: booking retried later");
                    }
                    continue;
                }
                Err(e) => {
                    tracing::warn!(item = %item.id, error = %e.message, "supplier refused the offer");
                    store::set_item_status(&mut tx, item.id, "pending", "failed", None).await?;
                    let data = json!({ "bookingReference": trip.reference, "itemId": item.id, "refundAmount": item.amount,
                                       "currency": trip.currency, "reason": "supplier_failed" });
                    enqueue(&mut tx, &EventEnvelope::new("voyage.refund_due", trip.id, self.clock.now(), data)).await?;
                }
            }
            tx.commit().await?;
            self.events.committed();
        }
        Ok(booked)
    }

    async fn trip_item(&self, item: uuid::Uuid) -> Result<Option<(Trip, TripItem)>, ApiError> {
        let row: Option<(uuid::Uuid,)> = platform::db::query("SELECT trip_id FROM trip_items WHERE id = $1")
            .bind(item)
            .fetch_optional(&self.db)
            .await?;
        let Some((trip_id,)) = row else { return Ok(None) };
        let Some(trip) = store::trip(&self.db, trip_id).await? else { return Ok(None) };
        let item = store::trip_items(&self.db, trip_id).await?.into_iter().find(|i| i.id == item);
        Ok(item.map(|i| (trip, i)))
    }

    /// `POST /bookings/{reference}/confirm`: asks payments where the booking's payment
    /// stands; only a captured payment confirms it.
    pub async fn confirm_trip(&self, user: &AuthUser, reference: &str) -> Result<Value, ApiError> {
        let (trip, _, _) = self.trip_of(user, reference).await?;
        if trip.status == "pending_payment" {
            let state = self.contracts.payments()?.payment_state(&trip.reference).await?;
            match state {
                Some(s) if s.status == "succeeded" => {
                    let mut tx = self.db.begin().await?;
                    let data = json!({ "amount": s.amount, "paymentIntentId": s.payment_intent_id });
                    self.trip_paid(&mut tx, &trip.reference, &data).await?;
                    tx.commit().await?;
                    self.events.committed();
                }
                Some(s) => {
                    return Err(ApiError::new(409, "payment_incomplete", format!("The payment is {}", s.status)));
                }
                None => return Err(ApiError::new(409, "payment_incomplete", "Nothing was paid for this booking")),
            }
            self.book_supplier_items().await?;
        }
        let (trip, items, found) = self.trip_of(user, reference).await?;
        Ok(Self::trip_view(&trip, &items, &found))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trip(status: &str, payment: Option<&str>) -> Trip {
        Trip {
            id: uuid::Uuid::nil(),
            reference: "DS-TEST0001".into(),
            user_id: uuid::Uuid::nil(),
            status: status.into(),
            currency: "EUR".into(),
            total: 100,
            supplier_amount: 0,
            paid: 0,
            refunded: 0,
            payment_intent_id: payment.map(str::to_owned),
            contact_email: None,
            passengers: json!([]),
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
            confirmed_at: None,
            admin_data: json!({}),
        }
    }

    fn offer(status: &str) -> TripItem {
        TripItem {
            id: uuid::Uuid::nil(),
            trip_id: uuid::Uuid::nil(),
            position: 0,
            item_type: "flight".into(),
            title: "Flight".into(),
            quantity: 1,
            amount: 100,
            reservation_id: None,
            offer: None,
            status: status.into(),
            supplier_ref: None,
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_status_follows_payment_then_every_part() {
        assert_eq!(status_of(&trip("pending_payment", None), &[offer("pending")], &[]), "DRAFT");
        assert_eq!(status_of(&trip("pending_payment", Some("pi_1")), &[offer("pending")], &[]), "PENDING_PAYMENT");
        assert_eq!(
            status_of(&trip("paid", Some("pi_1")), &[offer("pending")], &[]),
            "PENDING",
            "not booked at the supplier yet"
        );
        assert_eq!(status_of(&trip("paid", Some("pi_1")), &[offer("booked")], &[]), "CONFIRMED");
        // Every offer refused (and refunded): the booking failed; one refused beside a booked one
        // leaves the rest confirmed.
        assert_eq!(status_of(&trip("paid", Some("pi_1")), &[offer("failed")], &[]), "FAILED");
        assert_eq!(status_of(&trip("paid", Some("pi_1")), &[offer("booked"), offer("failed")], &[]), "CONFIRMED");
        assert_eq!(status_of(&trip("cancelled", Some("pi_1")), &[offer("booked")], &[]), "CANCELLED");
    }
}
