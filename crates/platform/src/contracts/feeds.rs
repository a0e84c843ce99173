//! Feeds: a read model's bootstrap. A context keeps its copy of another's data from events; when
//! that copy is missing (a new search process, an index rebuilt after a schema change) it reads
//! the owner's *feed* instead: the current state, page by page, in the same shape as the
//! owner's events carry it, so one code path applies both. Events keep the copy fresh afterwards.
//!
//! The owner provides a [`FeedSource`] for the kinds it owns when it mounts; a reader in another
//! process gets an HTTP client of the owner's internal endpoint (`services.*_url`).

use async_trait::async_trait;
use kernel::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The feeds there are, and who owns each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    /// Catalog: every published listing, each as the `listing.*` events' public view.
    Listings,
    /// Booking: each listing's availability, as the `availability.changed` event's payload.
    Availability,
    /// Reviews: each listing's rating, as the `review.summary_changed` event's payload.
    Ratings,
}

impl FeedKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Listings => "listings",
            Self::Availability => "availability",
            Self::Ratings => "ratings",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "listings" => Some(Self::Listings),
            "availability" => Some(Self::Availability),
            "ratings" => Some(Self::Ratings),
            _ => None,
        }
    }
}

/// One page of a feed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct FeedPage {
    pub items: Vec<Value>,
    /// Where the next page starts (opaque; give it back as `after`), `None` on the last page.
    pub next: Option<String>,
}

/// The owner's side of a feed.
#[async_trait]
pub trait FeedSource: Send + Sync + 'static {
    /// Up to `limit` items of `feed` after the cursor `after` (`None`: from the start), in a
    /// stable order, so that paging through sees every item present for the whole walk.
    async fn page(&self, feed: FeedKind, after: Option<&str>, limit: usize) -> Result<FeedPage, ApiError>;
}
