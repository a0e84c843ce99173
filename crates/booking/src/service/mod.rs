//! The booking engine: offers (what a request would cost, and whether it can be sold), the
//! reservation state machine, coupons and the scheduled jobs. Handlers call these; SQL stays
//! in `store`.

pub mod availability;
pub mod availability_feed;
pub mod calendar;
pub mod coupons;
pub mod fulfilment;
pub mod jobs;
pub mod offer;
pub mod order_view;
pub mod payments;
pub mod reserve;
pub mod transitions;
mod view;

use std::sync::Arc;

use kernel::{ApiError, Clock, EventEnvelope};
use platform::Events;
use platform::auth::AuthUser;
use platform::config::BookingConfig;
use platform::contracts::Need;
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
    /// Outgoing mail (an administrator re-sends a booking's confirmation).
    pub mailer: Arc<dyn platform::mail::Mailer>,
    /// Pushes order updates to the guest's and the kitchen's sockets.
    pub realtime: platform::realtime::Realtime,
}

impl Bookings {
    pub(crate) async fn emit(
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
        match store::find(&self.db, id).await? {
            Some(listing) if visible(&listing, viewer) => Ok(listing),
            known => Err(self.listing_not_found(id, known.as_ref(), viewer, Need::Visible).await),
        }
    }

    /// The answer for a listing the viewer may not use as this context knows it (`known`):
    /// 404, or `425 not_yet_replicated` when this context has not heard of it (or of its
    /// publication) and catalog, in another process, has it for the viewer.
    async fn listing_not_found(
        &self,
        id: Uuid,
        known: Option<&ListingModel>,
        viewer: Option<&AuthUser>,
        need: Need,
    ) -> ApiError {
        let missing = ApiError::not_found("Listing not found");
        // What booking knows settles it unless a change may still be on its way: a listing not
        // heard of at all, or a draft that may have been published since.
        let pending = match known {
            None => true,
            Some(l) => need == Need::Visible && l.status != "deleted" && l.status != "published",
        };
        if !pending {
            return missing;
        }
        let kind = platform::contracts::RecordKind::Listing;
        self.contracts.not_heard_of(kind, id, viewer.map(|u| u.user_id), need, missing).await
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
        match store::find_with_rules(&self.db, id).await? {
            Some(store::ListingWithRules(l, r)) if visible(&l, viewer) => Ok((l, r)),
            known => Err(self.listing_not_found(id, known.as_ref().map(|k| &k.0), viewer, Need::Visible).await),
        }
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
        match store::find_with_rules_and_nights(&self.db, id, from, to).await? {
            Some((store::ListingWithRules(l, r), nights)) if visible(&l, viewer) => {
                Ok((l, r, Some(offer::NightsRead { from, to, nights })))
            }
            known => {
                let known = known.as_ref().map(|(k, _)| &k.0);
                Err(self.listing_not_found(id, known, viewer, Need::Visible).await)
            }
        }
    }

    /// A listing its owner is changing (others get 404: existence is not revealed).
    pub async fn owned_listing(&self, id: Uuid, user: &AuthUser) -> Result<ListingModel, ApiError> {
        match store::find(&self.db, id).await? {
            Some(listing) if listing.status != "deleted" && listing.owner_id == user.user_id => Ok(listing),
            known => Err(self.listing_not_found(id, known.as_ref(), Some(user), Need::Owned).await),
        }
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
