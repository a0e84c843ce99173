//! DreamScape's admin payments (its user service's `/api/v1/admin/payments`), on our payments:
//! a list with its filters, one payment with its booking, and a status change limited to what
//! keeps the ledger and the processor in step.

use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde_json::{Value, json};

use super::bookings::{self, BookingSeen};
use super::transactions::{self, Filter, MARKED_FAILED, Transaction};
use crate::audit::Actor;
use crate::refunds::RefundIn;
use crate::service::Payments;
use crate::store;

/// The statuses an administrator may ask for (DreamScape's PUT accepts these four).
pub const SETTABLE: [&str; 4] = ["PENDING", "SUCCEEDED", "FAILED", "REFUNDED"];

/// A page of the list as DreamScape renders it.
#[derive(Debug, Clone, Copy)]
pub struct PageAt {
    pub page: i64,
    pub limit: i64,
}

pub(crate) fn admin_only(user: &AuthUser) -> Result<(), ApiError> {
    if user.is_admin() { Ok(()) } else { Err(ApiError::forbidden("Admin access required")) }
}

impl Payments {
    /// `GET /api/v1/admin/payments`: `{payments, pagination: {page, limit, total, totalPages}}`.
    pub async fn admin_payments(&self, user: &AuthUser, f: &Filter, at: PageAt) -> Result<Value, ApiError> {
        admin_only(user)?;
        let offset = (at.page - 1).saturating_mul(at.limit);
        let (rows, total) = transactions::list(&self.db, f, at.limit, offset).await?;
        let pages = if total == 0 { 0 } else { (total + at.limit - 1) / at.limit };
        Ok(json!({
            "payments": rows.iter().map(transactions::item).collect::<Vec<_>>(),
            "pagination": { "page": at.page, "limit": at.limit, "total": total, "totalPages": pages },
        }))
    }

    async fn transaction(&self, id: &str) -> Result<Transaction, ApiError> {
        transactions::find(&self.db, id.trim()).await?.ok_or_else(|| ApiError::not_found("Payment not found"))
    }

    /// `GET /api/v1/admin/payments/{id}`: the item, its `metadata` and its `booking` as
    /// payments heard of it (`null` when it has not).
    pub async fn admin_payment(&self, user: &AuthUser, id: &str) -> Result<Value, ApiError> {
        admin_only(user)?;
        let t = self.transaction(id).await?;
        let seen = bookings::of_payment(&self.db, t.reservation_id, &t.booking_reference).await?;
        let booking = match seen {
            Some(b) => Some(self.booking_view(&b).await?),
            None => None,
        };
        let mut item = transactions::item(&t);
        if let Some(map) = item.as_object_mut() {
            map.insert("metadata".into(), t.metadata.clone());
            map.insert("booking".into(), booking.unwrap_or(Value::Null));
            if let Some(u) = map.get_mut("user").and_then(Value::as_object_mut) {
                u.insert("username".into(), Value::Null);
            }
        }
        Ok(item)
    }

    /// A booking as DreamScape's admin shows it. A paid DS- booking is `CONFIRMED` (or
    /// `COMPLETED`) when it has no supplier part and each of its reservations is; payments does
    /// not follow supplier bookings, so otherwise it stays `PENDING`.
    async fn booking_view(&self, b: &BookingSeen) -> Result<Value, ApiError> {
        let mut status = b.status.clone();
        if status == "PENDING"
            && b.kind.is_none()
            && let Some(g) = crate::groups::find(&self.db, &b.reference).await?
            && g.supplier_amount == 0
        {
            let mut states = Vec::new();
            for id in &g.reservations {
                states.push(store::payable(&self.db, *id).await?.map(|p| p.status).unwrap_or_default());
            }
            if !states.is_empty() && states.iter().all(|s| s == "completed") {
                status = "COMPLETED".into();
            } else if !states.is_empty() && states.iter().all(|s| s == "confirmed" || s == "completed") {
                status = "CONFIRMED".into();
            }
        }
        Ok(json!({
            "id": b.id, "reference": b.reference, "type": bookings::booking_type(b.kind.as_deref()), "status": status,
            "totalAmount": transactions::major(b.total, &b.currency), "currency": b.currency, "createdAt": b.created_at,
        }))
    }

    /// `PUT /api/v1/admin/payments/{id}/status`. Money moves only through the processor, so a
    /// status is never simply written:
    ///
    /// - the payment's own status again: nothing changes;
    /// - `FAILED` of a payment not made yet (`PENDING`): cancelled at the processor, so it can
    ///   never be paid, and shown `FAILED` (`failureReason` says an administrator did it);
    /// - `REFUNDED` of a captured payment (`SUCCEEDED`): everything not refunded yet is refunded
    ///   through the refund flow (ledger, host's share, processor), as `POST /refund` does;
    /// - anything else (`SUCCEEDED` without the processor's capture, `PENDING` again, a
    ///   `FAILED` of money authorised or taken, …) is `409 invalid_state`.
    pub async fn admin_set_status(
        &self,
        user: &AuthUser,
        id: &str,
        status: Option<&str>,
        actor: &Actor,
    ) -> Result<Value, ApiError> {
        admin_only(user)?;
        let Some(wanted) = status.map(str::trim).filter(|s| !s.is_empty()) else {
            return Err(ApiError { message: "Status is required".into(), ..validation("status", "is required") });
        };
        let t = self.transaction(id).await?;
        let Some(wanted) = SETTABLE.iter().copied().find(|s| *s == wanted) else {
            return Err(ApiError {
                message: "Invalid status".into(),
                ..validation("status", "must be PENDING, SUCCEEDED, FAILED or REFUNDED")
            });
        };
        let refuse = |why: &str| {
            ApiError::new(409, "invalid_state", format!("This payment is {}: {why}", t.status))
                .with_data(json!({ "status": t.status, "requested": wanted }))
        };
        match (t.status.as_str(), wanted) {
            (now, wanted) if now == wanted => {}
            ("PENDING", "FAILED") => {
                let intent =
                    store::find(&self.db, &t.id).await?.ok_or_else(|| ApiError::not_found("Payment not found"))?;
                self.cancel_open(&intent, Some(MARKED_FAILED), actor).await?;
            }
            ("SUCCEEDED", "REFUNDED") => {
                let all = RefundIn { payment_intent_id: t.id.clone(), ..RefundIn::default() };
                self.refund(user, all, actor).await?;
            }
            (_, "SUCCEEDED") => return Err(refuse("only the processor's capture makes a payment succeeded")),
            (_, "REFUNDED") => return Err(refuse("only a captured payment can be refunded")),
            (_, "FAILED") => {
                return Err(refuse("only a payment not made yet can be marked failed; refund money taken instead"));
            }
            _ => return Err(refuse("a payment cannot go back to PENDING")),
        }
        Ok(transactions::item(&self.transaction(&t.id).await?))
    }
}

fn validation(field: &str, message: &str) -> ApiError {
    ApiError::validation(vec![FieldError::new(field, message)])
}
