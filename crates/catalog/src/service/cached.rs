//! The catalog's hot public answers, in the in-process cache ([`platform::hot`]): the detail
//! and the photo list of published listings, and providers' public profiles. Each is kept as
//! the finished response body with its ETag, so a hit costs no database read and no JSON work,
//! and a client holding the current ETag gets `304`.
//!
//! Every anonymous or ordinary viewer of a published listing gets the same answer, so one entry
//! serves all; the owner and administrators see photos that are not ready yet, so theirs is
//! built for them and never stored; drafts are never stored. Each change forgets the listing's
//! answers right after its commit (writer's path: listing saves, photo changes, the photo job),
//! and the consumers of what else is shown forget them too (`review.*` ratings, media's
//! summaries, erasures), as does the `catalog.cache` consumer on `listing.*`, a backstop for
//! changes committed by another process. With Redis, forgets reach every instance.

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use platform::hot::HotCache;
use uuid::Uuid;

/// The group of a listing's answers.
pub(crate) fn listing_group(listing: Uuid) -> String {
    listing.simple().to_string()
}

/// The group of a provider's public profile.
pub(crate) fn provider_group(provider: Uuid) -> String {
    format!("p{}", provider.simple())
}

pub(crate) const DETAIL: &str = "detail";
pub(crate) const PHOTOS: &str = "photos";
pub(crate) const PROFILE: &str = "profile";

/// Forgets every cached answer about `listing`.
pub(crate) async fn forget(cache: &HotCache, listing: Uuid) {
    cache.forget(&listing_group(listing)).await;
}

impl super::Catalog {
    pub(crate) async fn forget_listing(&self, id: Uuid) {
        forget(&self.hot, id).await;
    }
}

/// Forgets the answers about a listing (or provider) whose event says it changed.
pub struct ForgetChanged(pub HotCache);

#[async_trait]
impl EventHandler for ForgetChanged {
    async fn handle(&self, _tx: &mut Tx, _event: &EventEnvelope) -> Result<(), HandlerError> {
        Ok(())
    }

    async fn after_commit(&self, event: &EventEnvelope) {
        if let Ok(id) = event.aggregate_id.parse::<Uuid>() {
            if event.event_type.starts_with("provider.") {
                self.0.forget(&provider_group(id)).await;
            } else {
                forget(&self.0, id).await;
            }
        }
    }
}
