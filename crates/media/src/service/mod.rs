//! Media's use cases. Handlers call these; SQL stays in `store`, rules in `domain`.

use std::sync::Arc;

use kernel::{ApiError, Clock};
use platform::ContextEnv;
use platform::auth::Actor;
use platform::contracts::{Contracts, Need, RecordKind};
use platform::db::{Db, Tx};
use uuid::Uuid;

use crate::store::{self, listings::Listing};

pub mod tours;
pub mod view;

/// The media service: cheap to clone.
#[derive(Clone)]
pub struct MediaService {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub storage: platform::storage::Media,
    pub events: platform::Events,
    pub contracts: Arc<Contracts>,
    pub limits: Arc<platform::ratelimit::RateLimiter>,
    pub config: Arc<platform::Config>,
}

pub fn listing_not_found() -> ApiError {
    ApiError::not_found("Listing not found")
}

impl MediaService {
    pub fn new(env: &ContextEnv) -> Self {
        Self {
            db: env.db.clone(),
            clock: env.clock.clone(),
            storage: env.media.clone(),
            events: env.events.clone(),
            contracts: env.contracts.clone(),
            limits: env.limits.clone(),
            config: env.config.clone(),
        }
    }

    /// The listing `actor` may change (its owner, or an administrator); 404 otherwise. A
    /// listing not heard of yet is asked of catalog (`425 not_yet_replicated` if it exists).
    pub async fn owned_listing(&self, listing: Uuid, actor: Actor) -> Result<Listing, ApiError> {
        match store::listings::find(&self.db, listing).await? {
            Some(l) if !l.is_deleted() && (l.owner_id == actor.user_id || actor.admin) => Ok(l),
            Some(_) => Err(listing_not_found()),
            None => Err(self.not_heard_of(listing, Some(actor.user_id), Need::Owned).await),
        }
    }

    /// The listing `viewer` may see (published, or theirs, or any for an administrator).
    pub async fn visible_listing(&self, listing: Uuid, viewer: Option<Actor>) -> Result<Listing, ApiError> {
        match store::listings::find(&self.db, listing).await? {
            Some(l) if !l.is_deleted() && Self::may_see(&l, viewer) => Ok(l),
            Some(_) => Err(listing_not_found()),
            None => Err(self.not_heard_of(listing, viewer.map(|v| v.user_id), Need::Visible).await),
        }
    }

    /// Whether `viewer` sees everything of `listing` (its owner, an administrator).
    pub fn is_editor(listing: &Listing, viewer: Option<Actor>) -> bool {
        viewer.is_some_and(|v| v.admin || v.user_id == listing.owner_id)
    }

    fn may_see(listing: &Listing, viewer: Option<Actor>) -> bool {
        listing.is_public() || Self::is_editor(listing, viewer)
    }

    async fn not_heard_of(&self, listing: Uuid, caller: Option<Uuid>, need: Need) -> ApiError {
        self.contracts.not_heard_of(RecordKind::Listing, listing, caller, need, listing_not_found()).await
    }

    /// Removes everything a deleted user owned here, inside the event's transaction.
    pub async fn erase_owner(&self, tx: &mut Tx, owner: Uuid) -> Result<(), platform::db::DbError> {
        store::tours::delete_of_owner(tx, owner).await?;
        for upload in store::uploads::of_owner(&mut *tx, owner).await? {
            store::uploads::delete(tx, upload).await?;
        }
        for object in store::objects::of_owner(&mut *tx, owner).await? {
            store::objects::delete(tx, object.id).await?;
        }
        Ok(())
    }
}
