//! The booking engine: offers (what a request would cost, and whether it can be sold), the
//! reservation state machine, coupons and the scheduled jobs. Handlers call these; SQL stays
//! in `store`.

pub mod availability;
pub mod calendar;
pub mod coupons;
pub mod jobs;
pub mod offer;
pub mod payments;
pub mod reserve;
pub mod transitions;
mod view;

use std::sync::Arc;

use kernel::{ApiError, Clock, EventEnvelope};
use platform::Events;
use platform::auth::AuthUser;
use platform::config::BookingConfig;
use platform::db::{Db, Tx};
use platform::events::enqueue;
use serde_json::Value;
use uuid::Uuid;

use crate::store::{self, ListingModel};

pub use view::reservation_view;

#[derive(Clone)]
pub struct Bookings {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: BookingConfig,
    pub events: Events,
    /// Payments and the travel supplier, asked at checkout.
    pub contracts: Arc<platform::contracts::Contracts>,
}

impl Bookings {
    async fn emit(
        &self,
        tx: &mut Tx,
        kind: &str,
        aggregate: Uuid,
        actor: Option<Uuid>,
        data: Value,
    ) -> Result<(), ApiError> {
        let mut event = EventEnvelope::new(kind, aggregate, self.clock.now(), data);
        if let Some(actor) = actor {
            event = event.with_actor(actor.to_string());
        }
        enqueue(tx, &event).await?;
        Ok(())
    }

    /// A listing as its viewer may see it: published ones for anyone, others for their owner
    /// and administrators; deleted ones for nobody.
    pub async fn visible_listing(&self, id: Uuid, viewer: Option<&AuthUser>) -> Result<ListingModel, ApiError> {
        store::find(&self.db, id)
            .await?
            .filter(|l| l.status != "deleted")
            .filter(|l| l.status == "published" || viewer.is_some_and(|u| u.user_id == l.owner_id || u.is_admin()))
            .ok_or_else(|| ApiError::not_found("Listing not found"))
    }

    /// One page of the user's reservations as guest or host, and the total.
    pub async fn list(
        &self,
        user: &AuthUser,
        side: store::reservations::Side,
        filter: &store::reservations::Filter,
        page: &kernel::PageRequest,
    ) -> Result<(Vec<store::reservations::Reservation>, i64), ApiError> {
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        Ok(store::reservations::list(&self.db, side, user.user_id, filter, i64::from(page.limit), offset).await?)
    }

    /// As [`Bookings::visible_listing`], with the listing's rules read in the same query.
    pub async fn visible_listing_with_rules(
        &self,
        id: Uuid,
        viewer: Option<&AuthUser>,
    ) -> Result<(ListingModel, crate::rules::Rules), ApiError> {
        store::find_with_rules(&self.db, id)
            .await?
            .filter(|l| visible(&l.0, viewer))
            .map(|store::ListingWithRules(l, r)| (l, r))
            .ok_or_else(|| ApiError::not_found("Listing not found"))
    }

    /// [`Self::visible_listing_with_rules`], and for a request that reads as a stay the
    /// settings of its nights, in the same read (for [`Self::prefetch`]).
    pub async fn visible_listing_for(
        &self,
        id: Uuid,
        viewer: Option<&AuthUser>,
        body: &crate::request::ReservationBody,
    ) -> Result<(ListingModel, crate::rules::Rules, Option<offer::NightsRead>), ApiError> {
        let Some((from, to)) = crate::request::stay_window(body) else {
            let (listing, rules) = self.visible_listing_with_rules(id, viewer).await?;
            return Ok((listing, rules, None));
        };
        store::find_with_rules_and_nights(&self.db, id, from, to)
            .await?
            .filter(|(l, _)| visible(&l.0, viewer))
            .map(|(store::ListingWithRules(l, r), nights)| (l, r, Some(offer::NightsRead { from, to, nights })))
            .ok_or_else(|| ApiError::not_found("Listing not found"))
    }

    /// A listing its owner is changing (others get 404: existence is not revealed).
    pub async fn owned_listing(&self, id: Uuid, user: &AuthUser) -> Result<ListingModel, ApiError> {
        store::find(&self.db, id)
            .await?
            .filter(|l| l.status != "deleted" && l.owner_id == user.user_id)
            .ok_or_else(|| ApiError::not_found("Listing not found"))
    }
}

/// Whether `viewer` may see `l`: published, or their own (or an administrator's view) unless
/// deleted.
fn visible(l: &ListingModel, viewer: Option<&AuthUser>) -> bool {
    l.status != "deleted"
        && (l.status == "published" || viewer.is_some_and(|u| u.user_id == l.owner_id || u.is_admin()))
}

/// The listing's time zone (UTC if the read model holds an unknown name).
pub fn tz_of(l: &ListingModel) -> chrono_tz::Tz {
    l.timezone.parse().unwrap_or(chrono_tz::UTC)
}
