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

use kernel::EventEnvelope;
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

/// The group of the listing (or provider) a `listing.*` or `provider.*` event is about: what
/// the `catalog.cache` consumers forget ([`platform::hot::ForgetOnEvent`]).
pub(crate) fn changed_group(event: &EventEnvelope) -> Option<String> {
    let id = event.aggregate_id.parse::<Uuid>().ok()?;
    Some(if event.event_type.starts_with("provider.") { provider_group(id) } else { listing_group(id) })
}
