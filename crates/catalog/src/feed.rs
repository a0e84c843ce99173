//! Catalog owns the listings feed: a read model of listings (search's index) that starts empty
//! or is rebuilt reads every published listing from here, in the very shape the `listing.*`
//! events carry ([`crate::view::event`]), so one code path applies both
//! (see `platform::contracts::feeds`). Keyset pages in id order: a walk of 100,000 listings
//! costs one indexed range read per page, and a listing published during the walk is either
//! seen by it or delivered by its event.

use async_trait::async_trait;
use kernel::{ApiError, FieldError};
use platform::contracts::{FEED_MAX_PAGE, FeedKind, FeedPage, FeedSource};
use platform::db::Db;
use uuid::Uuid;

pub struct ListingsFeed {
    pub db: Db,
}

#[async_trait]
impl FeedSource for ListingsFeed {
    async fn page(&self, feed: FeedKind, after: Option<&str>, limit: usize) -> Result<FeedPage, ApiError> {
        if feed != FeedKind::Listings {
            return Err(ApiError::not_found("Catalog has no such feed"));
        }
        let after = after
            .map(|a| {
                Uuid::try_parse(a)
                    .map_err(|_| ApiError::validation(vec![FieldError::new("after", "must be a listing id")]))
            })
            .transpose()?;
        let limit = limit.clamp(1, FEED_MAX_PAGE);
        // One more than asked tells whether this page is the last.
        let mut listings = crate::store::listings::published_after(&self.db, after, limit + 1).await?;
        let more = listings.len() > limit;
        listings.truncate(limit);
        let next = more.then(|| listings.last().map(|l| l.id.to_string())).flatten();
        Ok(FeedPage { items: listings.iter().map(crate::view::event).collect(), next })
    }
}
