//! The kitchen's flow of an order — accept (capturing the payment), preparing, ready, served
//! or collected, or rejected with a full refund — the guest's cancellation before acceptance,
//! and the pushes that tell the guest and the kitchen each change.

use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde_json::json;
use uuid::Uuid;

use super::domain::{self, Mode};
use super::service::Access;
use super::store::{self, Order};
use super::view;
use crate::policy::Canceller;
use crate::service::Bookings;
use crate::service::transitions::refund_now;
use crate::store::reservations::{self, Reservation};

fn invalid(what: &str) -> ApiError {
    ApiError::new(409, "invalid_state", what.to_owned())
}

impl Bookings {
    /// The kitchen moves an order: `accept`, `preparing`, `ready`, `served` / `collected`, or
    /// `reject` (with a reason; the guest's money comes back in full).
    pub async fn kitchen(
        &self,
        user: &AuthUser,
        id: Uuid,
        step: &str,
        reason: Option<String>,
    ) -> Result<(Reservation, Order), ApiError> {
        let (r, order, access) = self.order_for(user, id).await?;
        if access != Access::Kitchen {
            return Err(ApiError::new(403, "forbidden", "Only the restaurant's staff can move an order"));
        }
        let mode = Mode::parse(&order.mode).ok_or_else(ApiError::internal)?;
        let now = self.clock.now();
        let entry = |s: &str| json!({"step": s, "at": now, "by": user.user_id, "reason": reason});
        let mut tx = self.db.begin().await?;
        let done = match step {
            "accept" => {
                if r.status != "awaiting_host" {
                    return Err(invalid(&format!("An order that is {} cannot be accepted", view::status(&r, &order))));
                }
                if r.respond_by.is_some_and(|t| t <= now) {
                    drop(tx);
                    self.expire(r.id).await?;
                    return Err(invalid("This order was not accepted in time and was cancelled"));
                }
                store::move_stage(&mut tx, id, "placed", "accepted", entry("accepted"), now).await?;
                let next = Reservation { status: "confirmed".into(), respond_by: None, ..r.clone() };
                self.transition(&mut tx, &r, next, "booking.confirmed", Some(user.user_id), None).await?
            }
            "reject" => {
                let why = reason.clone().filter(|w| !w.trim().is_empty()).ok_or_else(|| {
                    ApiError::validation(vec![FieldError::new("reason", "is required to reject an order")])
                })?;
                if !["awaiting_host", "confirmed"].contains(&r.status.as_str()) {
                    return Err(invalid(&format!("An order that is {} cannot be rejected", view::status(&r, &order))));
                }
                let refund = refund_now(&r, Canceller::Host, now);
                let status = if r.status == "awaiting_host" { "declined" } else { "cancelled" };
                let next = Reservation {
                    status: status.into(),
                    respond_by: None,
                    cancelled_by: Some("host".into()),
                    cancel_reason: Some(why.trim().chars().take(500).collect()),
                    ..r.clone()
                };
                let done =
                    self.transition(&mut tx, &r, next, "order.rejected", Some(user.user_id), Some(refund)).await?;
                store::move_stage(&mut tx, id, &order.stage, &order.stage, entry("rejected"), now).await?;
                done
            }
            next_step => {
                if r.status != "confirmed" || !domain::may_move(mode, &order.stage, next_step) {
                    return Err(invalid(&format!(
                        "An order that is {} cannot move to {next_step}",
                        view::status(&r, &order)
                    )));
                }
                if !store::move_stage(&mut tx, id, &order.stage, next_step, entry(next_step), now).await? {
                    return Err(invalid("The order changed meanwhile; read it again"));
                }
                if next_step == mode.handed_over() {
                    let next = Reservation { status: "completed".into(), ..r.clone() };
                    self.transition(&mut tx, &r, next, &format!("order.{next_step}"), Some(user.user_id), None).await?
                } else {
                    let moved = store::find(&mut tx, id).await?.ok_or_else(ApiError::internal)?;
                    let data = json!({"reservation": crate::service::transitions::event_reservation(&mut tx, &r).await?,
                                      "order": view::order(&r, &moved)});
                    self.emit(&mut tx, &format!("order.{next_step}"), id, Some(user.user_id), data).await?;
                    Some(r.clone())
                }
            }
        };
        if done.is_none() {
            return Err(invalid("The order changed meanwhile; read it again"));
        }
        tx.commit().await?;
        self.events.committed();
        let r = reservations::find(&self.db, id).await?.ok_or_else(ApiError::internal)?;
        let order = store::find(&self.db, id).await?.ok_or_else(ApiError::internal)?;
        self.announce_order(&r, &order).await;
        Ok((r, order))
    }

    /// The guest takes an order back before the kitchen accepted it (in full).
    pub async fn cancel_order(&self, user: &AuthUser, id: Uuid) -> Result<(Reservation, Order), ApiError> {
        let (r, order, access) = self.order_for(user, id).await?;
        if access != Access::Guest {
            return Err(ApiError::new(403, "forbidden", "The restaurant rejects an order instead"));
        }
        if !["pending_payment", "awaiting_host"].contains(&r.status.as_str()) {
            return Err(ApiError::new(409, "order_in_preparation", "The kitchen has accepted this order"));
        }
        let r = self.cancel(user, id, Some("Cancelled by the guest".into())).await?;
        Ok((r, order))
    }

    /// After a reservation transition committed: if it is an order, tell its people.
    pub(crate) async fn order_changed(&self, r: &Reservation) {
        if domain::mode_of(r.unit_key.as_deref()).is_none() {
            return;
        }
        if let Ok(Some(order)) = store::find(&self.db, r.id).await {
            self.announce_order(r, &order).await;
        }
    }

    /// After a payment event committed: orders it moved (paid: now in the kitchen's queue).
    pub(crate) async fn orders_paid(&self, ids: &[Uuid]) {
        for id in ids {
            if let Ok(Some(r)) = reservations::find(&self.db, *id).await {
                self.order_changed(&r).await;
            }
        }
    }

    /// Tells the guest and the restaurant's people an order changed (the realtime channel).
    pub(crate) async fn announce_order(&self, r: &Reservation, order: &Order) {
        let v = view::order(r, order);
        let mut to = vec![order.guest_id, r.host_id];
        if let Ok(staff) = store::staff(&self.db, order.listing_id).await {
            to.extend(staff.into_iter().map(|(u, _, _)| u));
        }
        to.sort_unstable();
        to.dedup();
        for user in to {
            self.realtime.publish(platform::realtime::Room::User(user), "order:updated", v.clone());
        }
    }
}
