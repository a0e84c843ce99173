//! Fulfilment of product orders. The seller ships (carrier, tracking); the parcel is delivered —
//! the seller says so, or the guest confirms receipt — and the reservation completes through
//! the usual transition, so `booking.completed` follows as for any other kind. Units sent back
//! are refunded by the path cancellations take: `booking.refund_due` with `refundAmount` and the
//! `refund` breakdown payments reads.
//!
//! Each step takes the reservation's row first (as transitions do), then makes one guarded
//! change to the shipment, and writes its `order.*` event, all in one transaction: of two
//! racing requests one applies and the other answers `409`. A cancellation checks, in its own
//! transaction, that the goods have not left (`transitions`), so an order is never both
//! shipped and cancelled.

use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use platform::db::{Conn, DbError, Tx};
use serde_json::json;
use uuid::Uuid;

use super::Bookings;
use super::order_view::shipment_view;
use super::transitions::{Role, event_reservation};
use crate::shipping::returns::{self, ReturnAsk, ReturnError};
use crate::shipping::tracking::{ReturnRequest, Tracking};
use crate::store::reservations::{self, Reservation};
use crate::store::shipments::{self, ReturnRecord, Shipment};

/// A return made, or the one an earlier request with the same `Idempotency-Key` made.
#[derive(Debug)]
pub struct Returned {
    pub reservation: Reservation,
    pub record: ReturnRecord,
    pub replayed: bool,
}

/// Who confirms a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    /// The seller (or an administrator) marks it delivered.
    Seller,
    /// The guest confirms receipt.
    Guest,
}

fn invalid_state(message: impl Into<String>) -> ApiError {
    ApiError::new(409, "invalid_state", message)
}

fn changed() -> ApiError {
    invalid_state("The order changed meanwhile; read it again")
}

impl Bookings {
    /// The reservation `user` may act on as seller (or administrator); its guest gets 403,
    /// anyone else 404.
    async fn as_seller(&self, user: &AuthUser, id: Uuid, action: &str) -> Result<Reservation, ApiError> {
        match self.reservation_for(user, id).await? {
            (r, Role::Host | Role::Admin) => Ok(r),
            (_, Role::Guest) => {
                Err(ApiError::new(403, "forbidden", format!("Only the seller can {action} this order")))
            }
        }
    }

    /// `r`'s shipment, if it is a product order shipped to an address.
    async fn shipment_of(&self, r: &Reservation) -> Result<Shipment, ApiError> {
        let found = shipments::shipment(&mut Conn::Db(&self.db), r.id).await?;
        found
            .filter(|_| r.kind == "product")
            .ok_or_else(|| invalid_state("This reservation is not an order shipped to an address"))
    }

    /// The seller sends the goods of a confirmed order: `pending` → `shipped`, `order.shipped`.
    pub async fn ship(&self, user: &AuthUser, id: Uuid, tracking: Tracking) -> Result<Reservation, ApiError> {
        let r = self.as_seller(user, id, "ship").await?;
        let s = self.shipment_of(&r).await?;
        if r.status != "confirmed" || s.status != "pending" {
            let what = if r.status == "confirmed" { s.status.as_str() } else { r.status.as_str() };
            return Err(invalid_state(format!("An order that is {what} cannot be shipped")));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let done = reservations::touch(&mut tx, id, "confirmed", now).await?.ok_or_else(changed)?;
        if !shipments::mark_shipped(&mut tx, id, &tracking, now).await? {
            return Err(changed());
        }
        self.announce(&mut tx, "order.shipped", &done, Some(user.user_id), json!({})).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(done)
    }

    /// The parcel arrived (`shipped` → `delivered`, `order.delivered`): the reservation is
    /// completed by the usual transition (`booking.completed`).
    pub async fn deliver(&self, user: &AuthUser, id: Uuid, by: Receiver) -> Result<Reservation, ApiError> {
        let r = match (by, self.reservation_for(user, id).await?) {
            (Receiver::Seller, (r, Role::Host | Role::Admin)) | (Receiver::Guest, (r, Role::Guest)) => r,
            (Receiver::Seller, _) => return Err(ApiError::new(403, "forbidden", "Only the seller marks it delivered")),
            (Receiver::Guest, _) => return Err(ApiError::new(403, "forbidden", "Only the guest confirms receipt")),
        };
        let s = self.shipment_of(&r).await?;
        if r.status != "confirmed" || s.status != "shipped" {
            let what = if r.status == "confirmed" { s.status.as_str() } else { r.status.as_str() };
            return Err(invalid_state(format!("An order that is {what} cannot be delivered")));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let fresh = reservations::touch(&mut tx, id, "confirmed", now).await?.ok_or_else(changed)?;
        if !shipments::mark_delivered(&mut tx, id, now).await? {
            return Err(changed());
        }
        let next = Reservation { status: "completed".into(), ..fresh.clone() };
        let done = self
            .transition(&mut tx, &fresh, next, "booking.completed", Some(user.user_id), None)
            .await?
            .ok_or_else(changed)?;
        let confirmed_by = if by == Receiver::Guest { "guest" } else { "seller" };
        self.announce(&mut tx, "order.delivered", &done, Some(user.user_id), json!({"confirmedBy": confirmed_by}))
            .await?;
        tx.commit().await?;
        self.events.committed();
        Ok(done)
    }

    /// The seller takes back `ask.quantity` units of a shipped or delivered order and refunds
    /// their share ([`returns::refund`]): `order.returned`, and `booking.refund_due` when there
    /// is money to give back.
    pub async fn return_units(
        &self,
        user: &AuthUser,
        id: Uuid,
        ask: ReturnRequest,
        key: Option<&str>,
    ) -> Result<Returned, ApiError> {
        let r = self.as_seller(user, id, "take back units of").await?;
        let fingerprint = format!("{}\n{}", ask.quantity, ask.reason);
        if let Some(key) = key
            && let Some(done) = self.replay_return(&r, key, &fingerprint).await?
        {
            return Ok(done);
        }
        let s = self.shipment_of(&r).await?;
        if s.status == "pending" || !["confirmed", "completed"].contains(&r.status.as_str()) {
            return Err(invalid_state("Units can be returned once the order has been shipped"));
        }
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let fresh = reservations::touch(&mut tx, id, &r.status, now).await?.ok_or_else(changed)?;
        // A request under the same key may have committed while this one waited for the row.
        if let Some(key) = key
            && shipments::return_by_key(&mut Conn::Tx(&mut tx), id, key).await?.is_some()
        {
            drop(tx);
            return self.replay_return(&r, key, &fingerprint).await?.ok_or_else(ApiError::internal);
        }
        let s = shipments::shipment(&mut Conn::Tx(&mut tx), id).await?.ok_or_else(changed)?;
        // Once the host accepted, an authorisation being captured counts as paid (as for a
        // cancellation); earlier refunds count as decided, even before payments made them.
        let paid = fresh.paid + fresh.authorised;
        let refund = returns::refund(&ReturnAsk {
            quote: &fresh.quote,
            bought: fresh.quantity,
            returned_before: s.returned,
            returning: ask.quantity,
            paid,
            refunded_before: fresh.refunded.max(s.refunds_decided),
        })
        .map_err(|e| match e {
            ReturnError::NoUnits => ApiError::validation(vec![FieldError::new("quantity", "must be at least 1")]),
            ReturnError::TooMany { left } => ApiError::new(
                409,
                "return_exceeds_quantity",
                format!("Only {left} of the units bought are left to return"),
            )
            .with_details(vec![FieldError::new("quantity", format!("must be at most {left}"))]),
        })?;
        if !shipments::take_return(&mut tx, &s, ask.quantity, refund.amount, now).await? {
            return Err(changed());
        }
        let record = ReturnRecord {
            id: kernel::new_id(),
            reservation_id: id,
            quantity: ask.quantity,
            reason: Some(ask.reason),
            refund_amount: refund.amount,
            refund: serde_json::to_value(&refund).map_err(|_| ApiError::internal())?,
            idem_key: key.map(str::to_owned),
            fingerprint: key.map(|_| fingerprint.clone()),
            created_at: now,
        };
        match shipments::insert_return(&mut tx, &record).await {
            Ok(()) => {}
            // The same key, in a request that committed while this one waited: answer its return.
            Err(DbError::UniqueViolation { .. }) if key.is_some() => {
                drop(tx);
                let key = key.unwrap_or_default();
                return self.replay_return(&r, key, &fingerprint).await?.ok_or_else(ApiError::internal);
            }
            Err(e) => return Err(e.into()),
        }
        let returned = json!({"returnId": record.id, "quantity": record.quantity, "reason": record.reason,
                              "refundAmount": refund.amount, "refund": record.refund});
        self.announce(&mut tx, "order.returned", &fresh, Some(user.user_id), returned).await?;
        if refund.amount > 0 {
            let due = json!({"reservation": event_reservation(&mut tx, &fresh).await?, "refundAmount": refund.amount,
                             "refund": record.refund, "reason": "returned"});
            self.emit(&mut tx, "booking.refund_due", id, Some(user.user_id), due).await?;
        }
        tx.commit().await?;
        self.events.committed();
        Ok(Returned { reservation: fresh, record, replayed: false })
    }

    async fn replay_return(&self, r: &Reservation, key: &str, fingerprint: &str) -> Result<Option<Returned>, ApiError> {
        let Some(record) = shipments::return_by_key(&mut Conn::Db(&self.db), r.id, key).await? else {
            return Ok(None);
        };
        if record.fingerprint.as_deref() != Some(fingerprint) {
            return Err(ApiError::new(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request",
            ));
        }
        let reservation = reservations::find(&self.db, r.id).await?.ok_or_else(ApiError::internal)?;
        Ok(Some(Returned { reservation, record, replayed: true }))
    }

    /// Writes `order.<step>`: `{ reservation, shipment, ...extra }`, the reservation as booking's
    /// events carry it and the shipment as it now is.
    async fn announce(
        &self,
        tx: &mut Tx,
        kind: &str,
        r: &Reservation,
        actor: Option<Uuid>,
        extra: serde_json::Value,
    ) -> Result<(), ApiError> {
        let shipment = shipments::shipment(&mut Conn::Tx(&mut *tx), r.id).await?.ok_or_else(ApiError::internal)?;
        let mut data =
            json!({"reservation": event_reservation(&mut *tx, r).await?, "shipment": shipment_view(&shipment)});
        if let (Some(map), serde_json::Value::Object(extra)) = (data.as_object_mut(), extra) {
            map.extend(extra);
        }
        self.emit(tx, kind, r.id, actor, data).await
    }
}
