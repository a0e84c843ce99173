//! Payment coupling, by events only: the payments context announces what happened to money
//! and the reservations it was for move on. Payments name their reservations in
//! `reservationId` / `reservationIds`, at the top level or under `metadata`.
//!
//! A reservation's money fields say what its payment really did, never what was decided:
//! `authorised` is held on the card and not taken (`payment.authorized`, back to 0 on
//! `payment.succeeded` or `payment.canceled`), `paid` was captured (`payment.succeeded`) and
//! `refunded` was given back (`payment.refunded`).

use kernel::{ApiError, EventEnvelope};
use platform::db::Tx;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Bookings;
use super::transitions::event_reservation;
use crate::store::reservations::{self, Reservation};

/// The reservations a payment event is about.
pub fn reservation_ids(data: &Value) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for scope in [Some(data), data.get("metadata")].into_iter().flatten() {
        if let Some(id) = scope.get("reservationId").and_then(Value::as_str).and_then(|s| s.parse().ok()) {
            ids.push(id);
        }
        for id in scope.get("reservationIds").and_then(Value::as_array).into_iter().flatten() {
            if let Some(id) = id.as_str().and_then(|s| s.parse().ok()) {
                ids.push(id);
            }
        }
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn payment_id(data: &Value) -> Option<String> {
    ["paymentIntentId", "paymentId", "id"].iter().find_map(|k| data.get(*k).and_then(Value::as_str)).map(str::to_owned)
}

/// Whether capturing `r`'s authorisation was asked for: the host accepted it (it is, or was
/// when cancelled: a refund decided on an accepted reservation counted the authorisation, so
/// its rule is not one of those for money never taken).
fn capture_expected(r: &Reservation) -> bool {
    let rule = r.refund.as_ref().and_then(|f| f.get("rule")).and_then(Value::as_str);
    match r.status.as_str() {
        "confirmed" | "completed" => true,
        "cancelled" => !matches!(rule, Some("authorisation_released" | "nothing_paid")),
        _ => false,
    }
}

impl Bookings {
    /// Applies a `payment.*` event to the reservations it names, inside the consumer's
    /// transaction (so a redelivered event changes nothing twice).
    pub async fn on_payment(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), ApiError> {
        let ids = reservation_ids(&event.data);
        let amount = event.data.get("amount").and_then(Value::as_i64);
        let mut found = Vec::new();
        for id in ids {
            match reservations::find(&mut *tx, id).await? {
                Some(r) => found.push(r),
                None => {
                    tracing::warn!(reservation = %id, event = %event.event_type, "payment for an unknown reservation")
                }
            }
        }
        let owed: i64 = found.iter().map(|r| r.total).sum();
        let paying = matches!(event.event_type.as_str(), "payment.succeeded" | "payment.authorized");
        if paying && amount.is_some_and(|a| a < owed) {
            // Less than the reservations cost: the payments context checks amounts, so this
            // is a bug or tampering somewhere; nothing moves on short money.
            tracing::error!(event = %event.id, ?amount, owed, "payment short of what its reservations cost: ignored");
            return Ok(());
        }
        let group = event.data.get("bookingReference").and_then(Value::as_str).filter(|r| r.starts_with("DS-"));
        if let Some(reference) = group
            && event.event_type == "payment.succeeded"
            && found.iter().any(|r| ["expired", "cancelled"].contains(&r.status.as_str()))
        {
            return self.trip_paid_too_late(tx, reference, &found, &event.data).await;
        }
        for r in found {
            match event.event_type.as_str() {
                "payment.succeeded" => self.paid(tx, &r, &event.data).await?,
                "payment.authorized" => self.authorised(tx, &r, &event.data).await?,
                "payment.canceled" if r.authorised > 0 => {
                    // The authorisation was released: nothing is held any more.
                    let next = Reservation { authorised: 0, updated_at: self.clock.now(), ..r.clone() };
                    reservations::transition(tx, &next, &r.status).await?;
                }
                "payment.refunded" => {
                    let refunded = (r.refunded + amount.unwrap_or(0).max(0)).min(r.paid);
                    let next = Reservation { refunded, ..r.clone() };
                    reservations::transition(tx, &next, &r.status).await?;
                }
                // A failed attempt leaves the hold running: the guest may try another card.
                _ => tracing::info!(reservation = %r.id, event = %event.event_type, "payment event noted"),
            }
        }
        // A DreamScape booking (checkout) paid or refunded as a whole.
        if let Some(reference) =
            event.data.get("bookingReference").and_then(Value::as_str).filter(|r| r.starts_with("DS-"))
        {
            match event.event_type.as_str() {
                "payment.succeeded" => self.trip_paid(tx, reference, &event.data).await?,
                "payment.refunded" => self.trip_refunded(tx, reference, amount.unwrap_or(0)).await?,
                _ => {}
            }
        }
        Ok(())
    }

    /// A payment for a reservation that already ended unpaid: recorded, and asked back.
    pub(crate) async fn late_payment(&self, tx: &mut Tx, r: &Reservation, data: &Value) -> Result<(), ApiError> {
        self.paid(tx, r, data).await
    }

    /// `pending_payment` moves on once money is captured or authorised: an instant booking
    /// is confirmed, a request waits for its host.
    async fn moves_on(&self, tx: &mut Tx, r: &Reservation, next: Reservation) -> Result<(), ApiError> {
        let (status, event, respond_by) = if r.instant_book {
            ("confirmed", "booking.confirmed", None)
        } else {
            ("awaiting_host", "booking.requested", Some(self.respond_by(r)))
        };
        let next = Reservation { status: status.into(), respond_by, ..next };
        self.transition(tx, r, next, event, None, None).await?;
        Ok(())
    }

    /// `payment.authorized`: the card holds the money, nothing is taken yet (a request to
    /// book; payments captures it on `booking.confirmed`).
    async fn authorised(&self, tx: &mut Tx, r: &Reservation, data: &Value) -> Result<(), ApiError> {
        let payment = payment_id(data);
        match r.status.as_str() {
            "pending_payment" => {
                let next = Reservation {
                    authorised: r.total,
                    payment_id: payment.or_else(|| r.payment_id.clone()),
                    ..r.clone()
                };
                self.moves_on(tx, r, next).await
            }
            "expired" | "cancelled" | "declined" if r.paid == 0 && r.authorised == 0 => {
                // Authorised after the hold ran out: recorded, and released by payments
                // (`booking.refund_due` releases what is only authorised; nothing to refund).
                let next = Reservation { authorised: r.total, payment_id: payment, ..r.clone() };
                if let Some(done) = reservations::transition(tx, &next, &r.status).await? {
                    let data = json!({"reservation": event_reservation(tx, &done).await?, "refundAmount": 0,
                                      "reason": "authorised_after_expiry"});
                    self.emit(tx, "booking.refund_due", done.id, None, data).await?;
                }
                Ok(())
            }
            _ => {
                tracing::debug!(reservation = %r.id, status = %r.status, "authorisation for a reservation already settled");
                Ok(())
            }
        }
    }

    /// `payment.succeeded`: money captured, at once (instant book, a booking of several
    /// items) or as the capture of an authorisation the host's acceptance asked for.
    async fn paid(&self, tx: &mut Tx, r: &Reservation, data: &Value) -> Result<(), ApiError> {
        let payment = payment_id(data);
        match r.status.as_str() {
            "pending_payment" => {
                let next = Reservation {
                    paid: r.total,
                    authorised: 0,
                    payment_id: payment.or_else(|| r.payment_id.clone()),
                    ..r.clone()
                };
                self.moves_on(tx, r, next).await?;
            }
            _ if r.authorised > 0 => {
                // The authorisation was captured. Payments captures only after the host
                // accepted; if the reservation was cancelled since, the refund decided then
                // counted this money and payments makes it once captured.
                let captured = r.authorised;
                let next = Reservation {
                    paid: r.paid + captured,
                    authorised: 0,
                    payment_id: payment.or_else(|| r.payment_id.clone()),
                    updated_at: self.clock.now(),
                    ..r.clone()
                };
                if let Some(done) = reservations::transition(tx, &next, &r.status).await?
                    && !capture_expected(r)
                {
                    // Captured though it was to be released (never accepted): all of it goes back.
                    let data = json!({"reservation": event_reservation(tx, &done).await?, "refundAmount": captured,
                                      "reason": "captured_after_release"});
                    self.emit(tx, "booking.refund_due", done.id, None, data).await?;
                }
            }
            "expired" | "cancelled" | "declined" if r.paid == 0 => {
                // The money arrived after the hold ran out and the inventory went back on sale:
                // record it and ask for it to be returned.
                let next = Reservation { paid: r.total, payment_id: payment, ..r.clone() };
                if let Some(done) = reservations::transition(tx, &next, &r.status).await? {
                    let data = json!({"reservation": event_reservation(tx, &done).await?, "refundAmount": done.total,
                                      "reason": "paid_after_expiry"});
                    self.emit(tx, "booking.refund_due", done.id, None, data).await?;
                }
            }
            // Already paid: a redelivered or duplicate notification.
            _ => tracing::debug!(reservation = %r.id, status = %r.status, "payment for a reservation already settled"),
        }
        Ok(())
    }
}
