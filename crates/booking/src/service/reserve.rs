//! Creating a reservation: one transaction takes the listing's sale lock, prices the request,
//! takes the inventory (guarded by the database), counts the coupon use and records the
//! reservation and its idempotency key, then announces it.

use chrono::Duration;
use kernel::ApiError;
use kernel::EventEnvelope;
use platform::auth::AuthUser;
use platform::db::{Batch, Conn, Dialect};
use platform::events::enqueue_query;
use serde_json::json;

use super::Bookings;
use super::offer::{Hold, Mode, Offer};
use super::view::event_view;
use crate::request::{self, ReservationBody};
use crate::store::reservations::{self, Reservation};
use crate::store::{self, coupons, inventory};

/// A created reservation, or the one an earlier request with the same idempotency key made.
#[derive(Debug)]
pub struct Created {
    pub reservation: Reservation,
    pub replayed: bool,
}

impl Bookings {
    /// Prices a request without holding anything.
    pub async fn quote(&self, viewer: Option<&AuthUser>, body: &ReservationBody) -> Result<Offer, ApiError> {
        let id = request::listing_id(body)?;
        let coupon = request::coupon_code(body)?;
        let (listing, rules, nights) = self.visible_listing_for(id, viewer, body).await?;
        let target = request::target(&listing.kind, body)?;
        let pre = self.prefetch(&listing, rules, &target, coupon.as_deref(), nights).await?;
        let mut conn = Conn::Db(&self.db);
        let guest = viewer.map(|u| u.user_id);
        self.offer(&mut conn, &listing, target, &pre, guest, self.clock.now(), Mode::Quote).await
    }

    pub async fn reserve(
        &self,
        guest: &AuthUser,
        body: &ReservationBody,
        key: Option<&str>,
    ) -> Result<Created, ApiError> {
        let fingerprint = serde_json::to_string(body).map_err(|_| ApiError::internal())?;
        if let Some(key) = key
            && let Some(done) = self.replay(guest, key, &fingerprint).await?
        {
            return Ok(done);
        }
        let id = request::listing_id(body)?;
        let coupon = request::coupon_code(body)?;
        let (listing, rules, nights) = self.visible_listing_for(id, Some(guest), body).await?;
        if listing.owner_id == guest.user_id {
            return Err(ApiError::new(422, "own_listing", "Hosts cannot book their own listing"));
        }
        let target = request::target(&listing.kind, body)?;
        let pre = self.prefetch(&listing, rules, &target, coupon.as_deref(), nights).await?;
        let now = self.clock.now();

        let reservation_id = kernel::new_id();
        // Concurrent sales share one commit on SQLite (`Db::grouped`). The key is claimed
        // first: a request with the same key as one in flight finds it taken once that one
        // has committed, and replays it instead of finding the inventory taken.
        let sold = self
            .db
            .grouped(async |tx| {
                if let Some(key) = key
                    && !reservations::save_key(tx, guest.user_id, key, &fingerprint, reservation_id, now).await?
                {
                    return Ok(None);
                }
                let sold = self.sell(tx, guest.user_id, listing, target, &pre, reservation_id, now).await?;
                self.publish_availability(tx, &[sold.listing_id]).await?;
                Ok::<_, ApiError>(Some(sold))
            })
            .await?;
        self.events.committed();
        match (sold, key) {
            (Some(reservation), _) => Ok(Created { reservation, replayed: false }),
            (None, Some(key)) => self.replay(guest, key, &fingerprint).await?.ok_or_else(ApiError::internal),
            (None, None) => Err(ApiError::internal()),
        }
    }

    /// Sells one request inside `tx`: takes the listing's sale lock, prices it, takes the
    /// inventory (guarded by the database), counts the coupon use, records the reservation and
    /// enqueues its events. The caller publishes the listing's availability once the
    /// transaction's sales are made, and commits (a checkout sells several in one transaction).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn sell(
        &self,
        tx: &mut platform::db::Tx,
        guest: uuid::Uuid,
        listing: crate::store::ListingModel,
        target: crate::request::Target,
        pre: &super::offer::Prefetched,
        reservation_id: uuid::Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Reservation, ApiError> {
        let id = listing.id;
        // PostgreSQL: the listing's row lock orders its sales. SQLite: the single writer already
        // orders every sale, and the listing was read just before.
        let listing = match self.db.dialect() {
            Dialect::Postgres => store::lock_for_sale(&mut *tx, id).await?,
            Dialect::Sqlite => Some(listing),
        }
        .filter(|l| l.status == "published")
        .ok_or_else(|| ApiError::new(409, "listing_unavailable", "This listing is not open for booking"))?;
        let offer = {
            let mut conn = Conn::Tx(&mut *tx);
            self.offer(&mut conn, &listing, target, pre, Some(guest), now, Mode::Sell).await?
        };
        // What needs no answer in between goes in one batch: the nights, the reservation, its events.
        let mut batch = Batch::new();
        let unit_key = match &offer.hold {
            Hold::Nights(nights) => {
                batch.push(inventory::nights_query(listing.id, nights, reservation_id));
                None
            }
            Hold::Units { key, capacity } => {
                let n = offer.target.quantity();
                let mut taken = inventory::take(&mut *tx, listing.id, key, n).await?;
                if !taken && inventory::unit(&mut *tx, listing.id, key).await?.is_none() {
                    // The catalog's events create units; one missing is created on first sale.
                    inventory::ensure_unit(&mut *tx, listing.id, key, *capacity).await?;
                    taken = inventory::take(&mut *tx, listing.id, key, n).await?;
                }
                if !taken {
                    return Err(ApiError::new(409, "sold_out", "Not enough places are left"));
                }
                Some(key.clone())
            }
            Hold::Table { candidates } => {
                let mut got = None;
                for (key, count) in candidates {
                    inventory::ensure_unit(&mut *tx, listing.id, key, *count).await?;
                    if inventory::take(&mut *tx, listing.id, key, 1).await? {
                        got = Some(key.clone());
                        break;
                    }
                }
                Some(got.ok_or_else(|| ApiError::new(409, "sold_out", "No table is free for that party at that time"))?)
            }
        };
        if let Some(c) = &offer.coupon {
            // The conditional UPDATE counts the use and locks the coupon, so the per-user count
            // that follows sees every committed use.
            let exhausted = || ApiError::new(409, "coupon_exhausted", "This coupon has been used up");
            if !coupons::take_use(&mut *tx, c.id).await? {
                return Err(exhausted());
            }
            if let Some(max) = c.max_uses_per_user
                && coupons::uses_by(&mut *tx, c.id, guest).await? >= max
            {
                return Err(exhausted());
            }
            coupons::redeem(&mut *tx, c.id, reservation_id, guest, now).await?;
        }
        let total = offer.quote.guest_total;
        let (status, hold_expires_at, respond_by) = if total > 0 {
            ("pending_payment", Some(now + Duration::minutes(self.config.hold_minutes)), None)
        } else if listing.instant_book {
            ("confirmed", None, None)
        } else {
            ("awaiting_host", None, Some(now + Duration::hours(self.config.request_hours)))
        };
        let (check_in, check_out) = match offer.target {
            crate::request::Target::Stay { check_in, check_out, .. } => (Some(check_in), Some(check_out)),
            _ => (None, None),
        };
        let r = Reservation {
            id: reservation_id,
            listing_id: listing.id,
            guest_id: guest,
            host_id: listing.owner_id,
            kind: listing.kind.clone(),
            status: status.into(),
            check_in,
            check_out,
            unit_key,
            quantity: offer.target.quantity(),
            starts_at: offer.starts_at,
            ends_at: offer.ends_at,
            currency: listing.currency.clone(),
            timezone: listing.timezone.clone(),
            total,
            quote: offer.quote.clone(),
            coupon_id: offer.coupon.as_ref().map(|c| c.id),
            instant_book: listing.instant_book,
            cancellation_policy: listing.cancellation_policy.clone(),
            hold_expires_at,
            respond_by,
            authorised: 0,
            paid: 0,
            refunded: 0,
            payment_id: None,
            cancelled_by: None,
            cancel_reason: None,
            refund: None,
            created_at: now,
            updated_at: now,
        };
        batch.push(reservations::insert_query(&r)?);
        if let (crate::request::Target::Stock { shipping: Some(ask), .. }, Some(line)) =
            (&offer.target, &offer.quote.shipping)
        {
            for q in crate::store::shipments::insert_queries(r.id, &ask.address, line, now) {
                batch.push(q);
            }
        }
        let data = json!({ "reservation": event_view(&r, Some(&listing)) });
        let mut events = vec!["booking.created"];
        match status {
            "confirmed" => events.push("booking.confirmed"),
            "awaiting_host" => events.push("booking.requested"),
            _ => {}
        }
        for kind in events {
            let event = EventEnvelope::new(kind, r.id, now, data.clone()).with_actor(guest.to_string());
            batch.push(enqueue_query(&event)?);
        }
        batch.execute(&mut *tx).await.map_err(|e| {
            if e.is_unique_violation("reserved_nights") {
                ApiError::new(409, "dates_unavailable", "Those nights were just booked")
            } else {
                ApiError::from(e)
            }
        })?;
        Ok(r)
    }

    async fn replay(&self, guest: &AuthUser, key: &str, fingerprint: &str) -> Result<Option<Created>, ApiError> {
        let Some((seen, id)) = reservations::find_key(&self.db, guest.user_id, key).await? else {
            return Ok(None);
        };
        if seen != fingerprint {
            return Err(ApiError::new(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request",
            ));
        }
        let reservation = reservations::find(&self.db, id).await?.ok_or_else(ApiError::internal)?;
        Ok(Some(Created { reservation, replayed: true }))
    }
}
