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

/// Pages the internal endpoint serves: 500 unless the reader asks otherwise, at most 1000.
pub const DEFAULT_PAGE: usize = 500;
pub const MAX_PAGE: usize = 1000;

/// The internal endpoint serving the feeds this process owns, for readers in other processes
/// (`GET {FEEDS_PATH}/{feed}?after=…&limit=…`, the `internal_api_key` as bearer token). Not in
/// the public API documentation; `data` is the [`FeedPage`]. A feed owned elsewhere (or by
/// nobody) is 404: a reader must not mistake a proxy's answer for the owner's.
pub fn routes(contracts: std::sync::Arc<super::Contracts>, key: crate::secrets::Secret) -> axum::Router {
    use axum::extract::{Path, State};
    use axum::http::HeaderMap;
    type Shared = (std::sync::Arc<super::Contracts>, std::sync::Arc<crate::secrets::Secret>);

    #[derive(Deserialize)]
    struct PageQuery {
        after: Option<String>,
        limit: Option<String>,
    }

    async fn page(
        State((contracts, key)): State<Shared>,
        headers: HeaderMap,
        Path(feed): Path<String>,
        crate::http::Query(query): crate::http::Query<PageQuery>,
    ) -> Result<axum::response::Response, ApiError> {
        super::http::internal_caller(&headers, &key)?;
        let (kind, source) = FeedKind::parse(&feed)
            .and_then(|kind| Some((kind, contracts.local_feed(kind)?)))
            .ok_or_else(|| ApiError::not_found("No such feed here"))?;
        let limit = parse_limit(query.limit.as_deref())?;
        let after = query.after.as_deref().filter(|a| !a.is_empty());
        Ok(crate::http::ok(source.page(kind, after, limit).await?))
    }

    axum::Router::new()
        .route(&format!("{}/{{feed}}", super::http::FEEDS_PATH), axum::routing::get(page))
        .with_state((contracts, std::sync::Arc::new(key)))
}

fn parse_limit(given: Option<&str>) -> Result<usize, ApiError> {
    let Some(given) = given else { return Ok(DEFAULT_PAGE) };
    given.trim().parse::<usize>().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| {
        ApiError::validation(vec![kernel::FieldError::new(
            "limit",
            format!("must be a whole number from 1 to {MAX_PAGE}"),
        )])
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limit_defaults_to_500_and_stays_within_1_to_1000() {
        assert_eq!(parse_limit(None).unwrap(), DEFAULT_PAGE);
        assert_eq!(parse_limit(Some("1")).unwrap(), 1);
        assert_eq!(parse_limit(Some("1000")).unwrap(), 1000);
        for bad in ["0", "1001", "-1", "ten", ""] {
            assert_eq!(parse_limit(Some(bad)).unwrap_err().status, 400, "{bad}");
        }
    }
}
