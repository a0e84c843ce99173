//! What an administrator does to a booking by reference. Every change goes through the
//! booking's own flows, never around them:
//!
//! - a status is reached only the way the booking reaches it: `CONFIRMED` once payments says
//!   the money arrived (and the suppliers booked), `COMPLETED` once every reservation ended and
//!   is completed, `CANCELLED` by the cancellation flow. `DRAFT`, `PENDING_PAYMENT`, `PENDING`
//!   and `FAILED` follow from the payment and cannot be set; any other move is `409
//!   invalid_transition` (`CANCELLED` → `CONFIRMED`, say);
//! - cancelling uses the traveller's cancellation (reservations through their state machine,
//!   offers at the supplier, payments refunding), by the listings' policies or, with
//!   `refund`, everything paid given back;
//! - notes and free fields go to an administrators' area of the booking, never into its
//!   priced lines; the total changes only while no payment exists for it.

use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use platform::events::{admin_action, enqueue};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::admin::{Loaded, STATUSES, admin_detail};
use super::admin_store;
use super::cancel::Cancelling;
use super::money::{major, minor_of};
use crate::policy::Canceller;
use crate::service::Bookings;

/// `PUT /admin/bookings/{id}/status`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusIn {
    /// The BookingStatus to reach.
    #[schema(value_type = String, max_length = 32)]
    pub status: Option<String>,
}

/// `PUT /admin/bookings/bulk/status`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkStatusIn {
    /// Booking ids or references, 1 to 100.
    #[schema(min_items = 1, max_items = 100)]
    pub ids: Option<Vec<String>>,
    #[schema(value_type = String, max_length = 32)]
    pub status: Option<String>,
}

/// `PUT /admin/bookings/{id}/cancel`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CancelIn {
    /// Give back everything paid (default: what the listings' policies give back).
    pub refund: Option<bool>,
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// `PUT /admin/bookings/{id}/modify`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModifyIn {
    /// The new total in major units: only while no payment was opened for the booking.
    #[schema(minimum = 0)]
    pub total_amount: Option<f64>,
    /// Stored as `data.adminNotes` (empty clears them).
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
    /// Shallow-merged into `data.extra` (a `null` value removes its key); at most 8 KB.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Map<String, Value>>,
}

/// The status asked for: 400 when missing (DreamScape checks this before the booking).
pub fn wanted_status(raw: Option<&str>) -> Result<String, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(s.to_owned()),
        None => Err(ApiError::validation(vec![FieldError::new("status", "Status is required")])),
    }
}

/// 400 unless `status` is a BookingStatus (checked after the booking is found).
fn valid_status(status: &str) -> Result<(), ApiError> {
    if STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(ApiError::validation(vec![FieldError::new("status", "Invalid status")]))
    }
}

fn invalid_transition(from: &str, to: &str, why: &str) -> ApiError {
    ApiError::new(409, "invalid_transition", format!("A {from} booking cannot become {to}: {why}"))
}

impl Bookings {
    /// The detail of a booking, with its payment as payments reports it.
    pub async fn admin_view(&self, b: &Loaded) -> Value {
        let t = &b.trip;
        let Some(intent) = t.payment_intent_id.clone() else { return admin_detail(b, Value::Null) };
        let state = match self.contracts.payments() {
            Ok(p) => p.payment_state(&t.reference).await.unwrap_or_else(|e| {
                tracing::warn!(reference = %t.reference, error = %e, "payment state for the admin view");
                None
            }),
            Err(_) => None,
        };
        let (id, status, refunded) = match &state {
            Some(s) => (s.payment_intent_id.clone(), s.status.as_str(), s.amount_refunded),
            None => (intent, if t.paid > 0 { "succeeded" } else { "requires_payment_method" }, t.refunded),
        };
        let status = match status {
            "succeeded" if refunded > 0 && refunded >= t.paid => "REFUNDED",
            "succeeded" => "SUCCEEDED",
            "processing" | "requires_capture" => "PROCESSING",
            "canceled" => "CANCELED",
            _ => "PENDING",
        };
        let payment = json!({ "paymentIntentId": id, "status": status, "amount": major(t.total, &t.currency),
            "amountRefunded": major(refunded, &t.currency), "currency": t.currency, "paymentMethod": Value::Null,
            "failureReason": Value::Null, "confirmedAt": t.confirmed_at,
            "refundedAt": if refunded > 0 { json!(t.updated_at) } else { Value::Null } });
        admin_detail(b, payment)
    }

    /// Moves a booking to `wanted` the way the booking itself gets there.
    pub async fn admin_set_status(&self, admin: &AuthUser, id: &str, wanted: &str) -> Result<Value, ApiError> {
        let b = self.admin_trip(id).await?;
        valid_status(wanted)?;
        let from = b.status;
        let reference = b.trip.reference.clone();
        if from == wanted {
            return Ok(self.admin_view(&b).await);
        }
        match (from, wanted) {
            ("DRAFT" | "PENDING_PAYMENT" | "PENDING" | "CONFIRMED", "CANCELLED") => {
                let how = Cancelling { by: Some(Canceller::Guest), ..Cancelling::default() };
                self.cancel_trip_with(admin, &reference, &how).await?;
            }
            ("DRAFT" | "PENDING_PAYMENT", "CONFIRMED") => {
                self.confirm_trip(admin, &reference).await?;
            }
            ("PENDING", "CONFIRMED") => {
                self.book_supplier_items().await?;
            }
            ("CONFIRMED", "COMPLETED") => {
                if b.found.is_empty() {
                    return Err(invalid_transition(from, wanted, "it has no reservation to complete"));
                }
                for r in b.found.iter().filter(|r| r.status == "confirmed") {
                    self.complete(admin, r.id).await?;
                }
            }
            _ => {
                return Err(invalid_transition(from, wanted, "the booking's own flow does not go there"));
            }
        }
        let after = self.admin_trip(&b.trip.id.to_string()).await?;
        if after.status != wanted {
            return Err(invalid_transition(from, wanted, &format!("it is {} after trying", after.status)));
        }
        // The move happened in the booking's own flows; the audit log learns who asked for it.
        let detail = json!({ "reference": reference, "from": from, "to": wanted });
        let mut tx = self.db.begin().await?;
        let target = b.trip.id.to_string();
        enqueue(
            &mut tx,
            &admin_action(admin.user_id, "booking.set_status", ("booking", &target), detail, self.clock.now()),
        )
        .await?;
        tx.commit().await?;
        self.events.committed();
        Ok(self.admin_view(&after).await)
    }

    /// [`Self::admin_set_status`] for each of `ids`: `{updated, failed: [{id, code, message}]}`.
    pub async fn admin_bulk_status(&self, admin: &AuthUser, ids: Vec<String>, wanted: &str) -> Result<Value, ApiError> {
        if ids.is_empty() || ids.len() > 100 || ids.iter().any(|i| i.is_empty() || i.len() > 64) {
            return Err(ApiError::validation(vec![FieldError::new("ids", "1 to 100 ids of at most 64 characters")]));
        }
        valid_status(wanted)?;
        let mut updated = 0;
        let mut failed = Vec::new();
        for id in &ids {
            match self.admin_set_status(admin, id, wanted).await {
                Ok(_) => updated += 1,
                Err(e) if e.is_server_error() => return Err(e),
                Err(e) => failed.push(json!({ "id": id, "code": e.code, "message": e.message })),
            }
        }
        Ok(json!({ "updated": updated, "failed": failed }))
    }

    /// Cancels a booking for an administrator; the reason is kept in its data.
    pub async fn admin_cancel(&self, admin: &AuthUser, id: &str, body: CancelIn) -> Result<Value, ApiError> {
        if body.reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(ApiError::validation(vec![FieldError::new("reason", "must be at most 500 characters")]));
        }
        let reason = body.reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
        let b = self.admin_trip(id).await?;
        match b.status {
            "CANCELLED" => return Err(ApiError::new(409, "invalid_state", "Booking already cancelled")),
            "COMPLETED" => return Err(ApiError::new(409, "invalid_state", "Cannot cancel a completed booking")),
            _ => {}
        }
        let refund = body.refund.unwrap_or(false);
        let how = Cancelling {
            by: Some(if refund { Canceller::Host } else { Canceller::Guest }),
            suppliers_in_full: refund,
            reason: Some(reason.clone().unwrap_or_else(|| "Cancelled by an administrator".into())),
        };
        self.cancel_trip_with(admin, &b.trip.reference, &how).await?;
        let now = self.clock.now();
        let mut data = b.trip.admin_data.as_object().cloned().unwrap_or_default();
        data.insert("cancellationReason".into(), json!(reason));
        data.insert("cancelledAt".into(), json!(now));
        data.insert("cancelledBy".into(), json!(admin.user_id));
        data.insert("refundRequested".into(), json!(refund));
        let mut tx = self.db.begin().await?;
        admin_store::set_admin_data(&mut tx, b.trip.id, &Value::Object(data), now).await?;
        let detail = json!({ "reference": b.trip.reference, "from": b.status, "refund": refund });
        let target = b.trip.id.to_string();
        enqueue(&mut tx, &admin_action(admin.user_id, "booking.cancel", ("booking", &target), detail, now)).await?;
        tx.commit().await?;
        self.events.committed();
        let after = self.admin_trip(&b.trip.id.to_string()).await?;
        Ok(self.admin_view(&after).await)
    }

    /// Notes, free fields and (while no payment exists) the total.
    pub async fn admin_modify(&self, admin: &AuthUser, id: &str, body: ModifyIn) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        if body.notes.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            errors.push(FieldError::new("notes", "must be at most 2000 characters"));
        }
        if body.total_amount.is_some_and(|t| !t.is_finite() || t < 0.0) {
            errors.push(FieldError::new("totalAmount", "must be a positive number"));
        }
        if body.data.as_ref().is_some_and(|d| d.len() > 50 || d.keys().any(|k| k.is_empty() || k.len() > 64)) {
            errors.push(FieldError::new("data", "at most 50 keys of 1 to 64 characters"));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let b = self.admin_trip(id).await?;
        let now = self.clock.now();
        let (notes_given, data_given) = (body.notes.is_some(), body.data.is_some());
        let mut data = b.trip.admin_data.as_object().cloned().unwrap_or_default();
        if let Some(notes) = body.notes {
            match notes.trim() {
                "" => data.remove("adminNotes"),
                text => data.insert("adminNotes".into(), json!(text)),
            };
        }
        if let Some(fields) = body.data {
            let mut extra = data.get("extra").and_then(Value::as_object).cloned().unwrap_or_default();
            for (k, v) in fields {
                if v.is_null() {
                    extra.remove(&k);
                } else {
                    extra.insert(k, v);
                }
            }
            if Value::Object(extra.clone()).to_string().len() > 8192 {
                return Err(ApiError::validation(vec![FieldError::new(
                    "data",
                    "the extra data must stay within 8 KB",
                )]));
            }
            data.insert("extra".into(), Value::Object(extra));
        }
        let mut tx = self.db.begin().await?;
        let mut adjusted = None;
        if let Some(total) = body.total_amount {
            let t = &b.trip;
            let minor = minor_of(total, &t.currency)
                .ok_or_else(|| ApiError::validation(vec![FieldError::new("totalAmount", "is out of range")]))?;
            if minor != t.total {
                let reserved: i64 = b.items.iter().filter(|i| i.reservation_id.is_some()).map(|i| i.amount).sum();
                let locked = match b.status {
                    "DRAFT" => None,
                    "PENDING_PAYMENT" => Some(format!(
                        "its payment is open for {} at payments; cancel it and check out again",
                        crate::export::format_amount(t.total, &t.currency)
                    )),
                    _ if t.paid > 0 => Some("it has been paid: refund or cancel it instead".to_owned()),
                    other => Some(format!("it is {other}")),
                };
                if let Some(why) = locked {
                    return Err(ApiError::new(409, "amount_locked", format!("The total cannot change: {why}")));
                }
                if minor < reserved.max(1) {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "totalAmount",
                        format!(
                            "must be at least {} (the reservations' prices, which their hosts are paid)",
                            crate::export::format_amount(reserved.max(1), &t.currency)
                        ),
                    )]));
                }
                if !admin_store::set_unpaid_total(&mut tx, t.id, minor, minor - reserved, now).await? {
                    return Err(ApiError::new(409, "amount_locked", "The booking's payment was opened meanwhile"));
                }
                adjusted = Some(json!({ "fromMinor": t.total, "toMinor": minor, "currency": t.currency }));
                data.insert("amountAdjustment".into(), json!({ "fromMinor": t.total, "toMinor": minor, "at": now }));
            }
        }
        let changed = json!({ "reference": b.trip.reference, "notes": notes_given, "data": data_given,
            "amountAdjustment": adjusted });
        admin_store::set_admin_data(&mut tx, b.trip.id, &Value::Object(data), now).await?;
        let target = b.trip.id.to_string();
        enqueue(&mut tx, &admin_action(admin.user_id, "booking.modify", ("booking", &target), changed, now)).await?;
        tx.commit().await?;
        self.events.committed();
        let after = self.admin_trip(&b.trip.id.to_string()).await?;
        Ok(self.admin_view(&after).await)
    }

    /// Sends the booking's confirmation again to its contact e-mail.
    pub async fn admin_resend(&self, id: &str) -> Result<(), ApiError> {
        let b = self.admin_trip(id).await?;
        let t = &b.trip;
        let Some(to) = t.contact_email.clone() else {
            return Err(ApiError::new(409, "no_contact_email", "This booking holds no e-mail address to send to"));
        };
        let amount = |minor: i64| crate::export::format_amount(minor, &t.currency);
        let mut text = format!("Your booking {} ({}) — {}\n\n", t.reference, b.status, t.created_at.format("%Y-%m-%d"));
        for i in &b.items {
            text.push_str(&format!("- {} × {}: {}\n", i.title, i.quantity, amount(i.amount)));
        }
        text.push_str(&format!(
            "\nTotal: {}\nPaid: {}\nRefunded: {}\n",
            amount(t.total),
            amount(t.paid),
            amount(t.refunded)
        ));
        let message =
            platform::mail::Message { to, subject: format!("Your booking {} — confirmation", t.reference), text };
        self.mailer.send(&message).await.map_err(|e| {
            tracing::warn!(reference = %t.reference, error = %e, "booking confirmation e-mail");
            ApiError::unavailable("The confirmation e-mail could not be sent; try again later", Some(60))
        })
    }
}
