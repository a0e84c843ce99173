//! The reservation state machine. Every transition is a function naming its actor; it reads
//! the reservation, computes the next state, and writes it with a guarded UPDATE (`WHERE status
//! = <the state it read>`), so two transitions racing on one reservation cannot both apply.
//!
//! ```text
//! pending_payment ──paid──▶ awaiting_host ──accept──▶ confirmed ──end──▶ completed
//!        │   └──paid (instant book)────────────────────▲  │
//!        ▼                      ▼ decline / 24 h        │  ▼
//!  expired / cancelled     declined / expired       cancelled
//! ```

use chrono::{DateTime, Duration, Utc};
use kernel::ApiError;
use platform::auth::AuthUser;
use platform::db::Tx;
use serde_json::json;
use uuid::Uuid;

use super::Bookings;
use super::view::event_view;
use crate::policy::{self, CancelInput, Canceller, Policy, Refund};
use crate::store::reservations::{self, Reservation};
use crate::store::{self, coupons, inventory};

/// Who a user is to a reservation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Guest,
    Host,
    Admin,
}

/// States that still hold inventory.
const HOLDING: [&str; 3] = ["pending_payment", "awaiting_host", "confirmed"];

/// Whether moving from `from` to `to` gives the reservation's inventory back (and so changes
/// its listing's availability: whoever commits the transition publishes it).
pub(crate) fn releases(from: &str, to: &str) -> bool {
    ["declined", "cancelled", "expired"].contains(&to) && HOLDING.contains(&from)
}

fn invalid_state(r: &Reservation, action: &str) -> ApiError {
    ApiError::new(409, "invalid_state", format!("A reservation that is {} cannot be {action}", r.status))
}

fn reason(raw: Option<String>) -> Result<Option<String>, ApiError> {
    match raw.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()) {
        Some(r) if r.chars().count() > 500 => {
            Err(ApiError::validation(vec![kernel::FieldError::new("reason", "must be at most 500 characters")]))
        }
        other => Ok(other),
    }
}

/// What the guest gets back if the reservation is cancelled now by `by`: a refund of money
/// captured. An authorisation of a request the host has not accepted is released instead
/// (payments does it on the reservation's end), so it is never refunded.
pub fn refund_now(r: &Reservation, by: Canceller, now: DateTime<Utc>) -> Refund {
    // Before the host accepted, and for goods not yet delivered, nothing was consumed.
    let full = r.status != "confirmed" || r.kind == "product";
    // Once accepted, an authorisation is being captured: it counts as paid (payments refunds
    // from the capture once made).
    let capturing = if ["confirmed", "completed"].contains(&r.status.as_str()) { r.authorised } else { 0 };
    let mut refund = policy::refund(&CancelInput {
        policy: Policy::parse(&r.cancellation_policy).unwrap_or(Policy::Moderate),
        by,
        quote: &r.quote,
        paid: r.paid + capturing,
        already_refunded: r.refunded,
        booked_at: r.created_at,
        starts_at: r.starts_at.unwrap_or(r.created_at),
        now,
        full,
        nights_begun: nights_begun(r, now),
    });
    if refund.amount == 0 && r.authorised > capturing {
        refund.rule = "authorisation_released".to_owned();
    }
    refund
}

/// Nights of a stay whose local start (the check-in time on that date, in the listing's time
/// zone) is at or before `now`.
fn nights_begun(r: &Reservation, now: DateTime<Utc>) -> Option<usize> {
    let (check_in, check_out, starts_at) = (r.check_in?, r.check_out?, r.starts_at?);
    let tz: chrono_tz::Tz = r.timezone.parse().ok()?;
    let time = starts_at.with_timezone(&tz).time();
    Some(
        check_in
            .iter_days()
            .take_while(|d| *d < check_out)
            .filter(|d| crate::slots::instant(tz, d.and_time(time)) <= now)
            .count(),
    )
}

impl Bookings {
    /// A reservation and who `user` is to it; 404 for anyone else.
    pub async fn reservation_for(&self, user: &AuthUser, id: Uuid) -> Result<(Reservation, Role), ApiError> {
        let r = reservations::find(&self.db, id).await?.ok_or_else(|| ApiError::not_found("Reservation not found"))?;
        let role = if r.guest_id == user.user_id {
            Role::Guest
        } else if r.host_id == user.user_id {
            Role::Host
        } else if user.is_admin() {
            Role::Admin
        } else {
            return Err(ApiError::not_found("Reservation not found"));
        };
        Ok((r, role))
    }

    async fn as_host(&self, user: &AuthUser, id: Uuid, action: &str) -> Result<Reservation, ApiError> {
        match self.reservation_for(user, id).await? {
            (r, Role::Host | Role::Admin) => Ok(r),
            _ => Err(ApiError::new(403, "forbidden", format!("Only the host can {action} this reservation"))),
        }
    }

    pub async fn accept(&self, user: &AuthUser, id: Uuid) -> Result<Reservation, ApiError> {
        let r = self.as_host(user, id, "accept").await?;
        if r.status != "awaiting_host" {
            return Err(invalid_state(&r, "accepted"));
        }
        if r.respond_by.is_some_and(|t| t <= self.clock.now()) {
            // Past its deadline the request is over, whether or not the scheduler ran yet.
            self.expire(r.id).await?;
            return Err(ApiError::new(409, "invalid_state", "This request expired before it was accepted"));
        }
        let next = Reservation { status: "confirmed".into(), respond_by: None, ..r.clone() };
        self.apply(&r, next, "booking.confirmed", Some(user.user_id), None).await
    }

    pub async fn decline(&self, user: &AuthUser, id: Uuid, why: Option<String>) -> Result<Reservation, ApiError> {
        let why = reason(why)?;
        let r = self.as_host(user, id, "decline").await?;
        if r.status != "awaiting_host" {
            return Err(invalid_state(&r, "declined"));
        }
        // Nothing was captured: the authorisation is released (payments does it on
        // `booking.declined`), and the refund is nothing.
        let refund = refund_now(&r, Canceller::Host, self.clock.now());
        let next = Reservation {
            status: "declined".into(),
            respond_by: None,
            cancelled_by: Some("host".into()),
            cancel_reason: why,
            ..r.clone()
        };
        self.apply(&r, next, "booking.declined", Some(user.user_id), Some(refund)).await
    }

    /// Cancellation by the guest (the listing's policy applies once confirmed) or by the host
    /// or an administrator (always a full refund).
    pub async fn cancel(&self, user: &AuthUser, id: Uuid, why: Option<String>) -> Result<Reservation, ApiError> {
        self.cancel_as(user, id, why, None).await
    }

    /// [`Self::cancel`], with the refund of `rule` instead of the caller's own (an
    /// administrator cancelling a booking by the guest's policy).
    pub async fn cancel_as(
        &self,
        user: &AuthUser,
        id: Uuid,
        why: Option<String>,
        rule: Option<Canceller>,
    ) -> Result<Reservation, ApiError> {
        let why = reason(why)?;
        let (r, role) = self.reservation_for(user, id).await?;
        if !HOLDING.contains(&r.status.as_str()) {
            return Err(invalid_state(&r, "cancelled"));
        }
        if r.status == "confirmed"
            && role == Role::Guest
            && crate::orders::domain::mode_of(r.unit_key.as_deref()).is_some()
        {
            return Err(ApiError::new(409, "order_in_preparation", "The kitchen has accepted this order"));
        }
        let now = self.clock.now();
        if r.ends_at.is_some_and(|end| end <= now) {
            return Err(ApiError::new(409, "invalid_state", "This reservation is already over"));
        }
        let (by, who) = match role {
            Role::Guest => (Canceller::Guest, "guest"),
            Role::Host => (Canceller::Host, "host"),
            Role::Admin => (Canceller::Host, "admin"),
        };
        let refund = refund_now(&r, rule.unwrap_or(by), now);
        let next =
            Reservation { status: "cancelled".into(), cancelled_by: Some(who.into()), cancel_reason: why, ..r.clone() };
        self.apply(&r, next, "booking.cancelled", Some(user.user_id), Some(refund)).await
    }

    /// What cancelling now would refund, for the caller's role.
    pub async fn cancellation_preview(&self, user: &AuthUser, id: Uuid) -> Result<(Reservation, Refund), ApiError> {
        let (r, role) = self.reservation_for(user, id).await?;
        if r.kind == "product"
            && store::shipments::order(&self.db, id).await?.is_some_and(|o| o.shipment.status != "pending")
        {
            return Err(ApiError::new(409, "invalid_state", "Shipped goods are not cancelled: return them instead"));
        }
        let by = if role == Role::Guest { Canceller::Guest } else { Canceller::Host };
        let refund = refund_now(&r, by, self.clock.now());
        Ok((r, refund))
    }

    /// The host marks a reservation done: goods delivered, or a stay or slot that has ended.
    pub async fn complete(&self, user: &AuthUser, id: Uuid) -> Result<Reservation, ApiError> {
        let r = self.as_host(user, id, "complete").await?;
        if r.status != "confirmed" {
            return Err(invalid_state(&r, "completed"));
        }
        if r.kind == "product" && store::shipments::order(&self.db, id).await?.is_some() {
            // Its shipment tells delivery: completing it here would leave it "pending".
            return Err(ApiError::new(409, "use_deliver", "Goods that ship are completed by marking them delivered"));
        }
        if r.ends_at.is_some_and(|end| end > self.clock.now()) {
            return Err(ApiError::new(409, "not_finished", "This reservation has not ended yet"));
        }
        let next = Reservation { status: "completed".into(), ..r.clone() };
        self.apply(&r, next, "booking.completed", Some(user.user_id), None).await
    }

    /// Scheduler: an unpaid hold or an unanswered request ran out. `None` when another
    /// instance (or a payment) got there first.
    pub async fn expire(&self, id: Uuid) -> Result<Option<Reservation>, ApiError> {
        let Some(r) = reservations::find(&self.db, id).await? else { return Ok(None) };
        let now = self.clock.now();
        let due = match r.status.as_str() {
            "pending_payment" => r.hold_expires_at.is_some_and(|t| t <= now),
            "awaiting_host" => r.respond_by.is_some_and(|t| t <= now),
            _ => false,
        };
        if !due {
            return Ok(None);
        }
        let refund = refund_now(&r, Canceller::Host, now);
        let next = Reservation { status: "expired".into(), ..r.clone() };
        self.apply_claim(&r, next, "booking.expired", Some(refund)).await
    }

    /// Scheduler: a confirmed reservation whose end has passed.
    pub async fn complete_due(&self, id: Uuid) -> Result<Option<Reservation>, ApiError> {
        let Some(r) = reservations::find(&self.db, id).await? else { return Ok(None) };
        if r.status != "confirmed" || r.ends_at.is_none_or(|end| end > self.clock.now()) {
            return Ok(None);
        }
        let next = Reservation { status: "completed".into(), ..r.clone() };
        self.apply_claim(&r, next, "booking.completed", None).await
    }

    async fn apply(
        &self,
        current: &Reservation,
        next: Reservation,
        event: &str,
        actor: Option<Uuid>,
        refund: Option<Refund>,
    ) -> Result<Reservation, ApiError> {
        let mut tx = self.db.begin().await?;
        let done = self.transition(&mut tx, current, next, event, actor, refund).await?;
        let done = done
            .ok_or_else(|| ApiError::new(409, "invalid_state", "The reservation changed meanwhile; read it again"))?;
        if releases(&current.status, &done.status) {
            self.publish_availability(&mut tx, &[done.listing_id]).await?;
        }
        tx.commit().await?;
        self.events.committed();
        self.order_changed(&done).await;
        Ok(done)
    }

    async fn apply_claim(
        &self,
        current: &Reservation,
        next: Reservation,
        event: &str,
        refund: Option<Refund>,
    ) -> Result<Option<Reservation>, ApiError> {
        let mut tx = self.db.begin().await?;
        let done = self.transition(&mut tx, current, next, event, None, refund).await?;
        if let Some(done) = done.as_ref().filter(|d| releases(&current.status, &d.status)) {
            self.publish_availability(&mut tx, &[done.listing_id]).await?;
        }
        tx.commit().await?;
        if let Some(done) = &done {
            self.events.committed();
            self.order_changed(done).await;
        }
        Ok(done)
    }

    /// Writes `next` if `current` is still current, frees the inventory of a reservation that
    /// ends unused, and announces the change; all inside `tx`. When it [`releases`], the caller
    /// publishes the listing's availability before committing (once for all its transitions).
    pub(crate) async fn transition(
        &self,
        tx: &mut Tx,
        current: &Reservation,
        mut next: Reservation,
        event: &str,
        actor: Option<Uuid>,
        refund: Option<Refund>,
    ) -> Result<Option<Reservation>, ApiError> {
        next.updated_at = self.clock.now();
        if next.status != "pending_payment" {
            next.hold_expires_at = None;
        }
        if let Some(refund) = &refund {
            next.refund = Some(serde_json::to_value(refund).map_err(|_| ApiError::internal())?);
        }
        let Some(done) = reservations::transition(tx, &next, &current.status).await? else {
            return Ok(None);
        };
        // Goods on their way come back as returns (`service::fulfilment`), not by a cancellation.
        if done.status == "cancelled" && done.kind == "product" && store::shipments::sent(tx, done.id).await? {
            return Err(ApiError::new(409, "invalid_state", "This order has been shipped: units come back as returns"));
        }
        if releases(&current.status, &done.status) {
            // The listing's lock first, as a sale takes it before the inventory: a release and a
            // sale of one listing then never wait for each other in opposite orders.
            store::lock_for_sale(&mut *tx, done.listing_id).await?;
            release(tx, &done).await?;
        }
        let mut data = json!({
            "reservation": event_reservation(tx, &done).await?,
            "refundAmount": refund.as_ref().map(|r| r.amount),
            "refund": refund,
        });
        // An order's transitions are announced as the order's (`booking.confirmed` is the
        // kitchen accepting it), with the order's view.
        let event = match crate::orders::domain::mode_of(done.unit_key.as_deref()) {
            Some(_) => {
                if let Some(order) = crate::orders::store::find(&mut *tx, done.id).await? {
                    data["order"] = crate::orders::view::order(&done, &order);
                }
                crate::orders::domain::event_name(event)
            }
            None => event.to_owned(),
        };
        self.emit(tx, &event, done.id, actor, data).await?;
        Ok(Some(done))
    }

    /// When a request to book (or a menu order) must be answered, from now.
    pub(crate) fn respond_by(&self, r: &Reservation) -> DateTime<Utc> {
        match crate::orders::domain::mode_of(r.unit_key.as_deref()) {
            Some(_) => self.clock.now() + Duration::minutes(self.config.order_accept_minutes),
            None => self.clock.now() + Duration::hours(self.config.request_hours),
        }
    }
}

/// `r` as its events carry it, with its listing's current title.
pub(crate) async fn event_reservation(tx: &mut Tx, r: &Reservation) -> Result<serde_json::Value, ApiError> {
    let listing = store::find(&mut *tx, r.listing_id).await?;
    Ok(event_view(r, listing.as_ref()))
}

/// Gives back what a reservation held: its nights, its seats, table or stock, its coupon use.
async fn release(tx: &mut Tx, r: &Reservation) -> Result<(), ApiError> {
    inventory::release_nights(tx, r.id).await?;
    if let Some(key) = &r.unit_key {
        let n = if key.starts_with("table:") { 1 } else { r.quantity };
        inventory::give_back(tx, r.listing_id, key, n).await?;
    }
    coupons::release(tx, r.id).await?;
    Ok(())
}
