//! The ratings feed (`FeedKind::Ratings`): every listing's last published aggregate, in
//! listing-id order, each item shaped as the `review.summary_changed` event carries it — what
//! search reads to build its index before events keep it fresh.

use async_trait::async_trait;
use kernel::ApiError;
use platform::contracts::{FeedKind, FeedPage, FeedSource};
use platform::db::Db;
use uuid::Uuid;

use crate::store::summaries;

pub struct RatingsFeed {
    pub db: Db,
}

#[async_trait]
impl FeedSource for RatingsFeed {
    async fn page(&self, feed: FeedKind, after: Option<&str>, limit: usize) -> Result<FeedPage, ApiError> {
        if feed != FeedKind::Ratings {
            return Err(ApiError::not_found("No such feed here"));
        }
        let after = match after {
            Some(raw) => Some(raw.parse::<Uuid>().map_err(|_| ApiError::bad_request("Unknown feed position"))?),
            None => None,
        };
        let limit = u32::try_from(limit).unwrap_or(u32::MAX);
        let rows = summaries::page(&self.db, after, limit).await?;
        let next = (rows.len() as u64 == u64::from(limit)).then(|| rows.last().map(|(id, _)| id.to_string())).flatten();
        Ok(FeedPage { items: rows.into_iter().map(|(_, v)| v).collect(), next })
    }
}
