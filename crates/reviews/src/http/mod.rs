//! Reviews' HTTP surface under `/api/v1/reviews` (the paths of HomeTrip's review service):
//! writing, reading, lists and aggregates (public), responses, flags, and the administrators'
//! moderation queue. Handlers parse, call the service and render.

mod lists;
mod moderation;
mod reviews;

use kernel::{ApiError, FieldError, PageQuery, PageRequest};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::service::{ListQuery, Reviews, review_not_found};
use crate::store::Sort;

pub type State = Reviews;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(reviews::create))
        .routes(routes!(reviews::get, reviews::withdraw))
        .routes(routes!(reviews::respond))
        .routes(routes!(reviews::flag))
        .routes(routes!(reviews::of_reservation))
        .routes(routes!(reviews::awaiting))
        .routes(routes!(lists::of_listing))
        .routes(routes!(lists::listing_stats))
        .routes(routes!(lists::of_user))
        .routes(routes!(lists::user_stats))
        .routes(routes!(moderation::moderate))
        .routes(routes!(moderation::queue))
        .routes(routes!(moderation::run_jobs))
}

/// `sort`, `limit` and `offset` of a list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `newest` (default), `highest` or `lowest` rating first.
    pub sort: Option<String>,
    /// Items per page, 1–100 (default 20).
    pub limit: Option<String>,
    /// Items to skip (default 0).
    pub offset: Option<String>,
}

impl ListParams {
    pub fn parse(self) -> Result<ListQuery, ApiError> {
        let mut errors = Vec::new();
        let page = PageRequest::parse_collecting(
            &PageQuery { limit: self.limit, offset: self.offset, cursor: None },
            &mut errors,
        );
        let sort = match self.sort.as_deref().map(str::trim) {
            None | Some("" | "newest") => Sort::Newest,
            Some("highest") => Sort::Highest,
            Some("lowest") => Sort::Lowest,
            Some(_) => {
                errors.push(FieldError::new("sort", "must be newest, highest or lowest"));
                Sort::Newest
            }
        };
        if errors.is_empty() {
            Ok(ListQuery { sort, limit: page.limit, offset: page.offset })
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// The page envelope of lists: `{reviews, total, limit, offset, hasMore}`.
pub fn page_json(page: crate::service::Page, q: ListQuery) -> serde_json::Value {
    let shown = page.reviews.len() as u64;
    serde_json::json!({"reviews": page.reviews, "total": page.total, "limit": q.limit, "offset": q.offset,
        "hasMore": q.offset.saturating_add(shown) < page.total})
}

pub fn review_id(raw: &str) -> Result<Uuid, ApiError> {
    kernel::parse_id(raw, "Review").map_err(|_| review_not_found())
}

pub fn some_id(raw: &str, what: &str, code: &'static str) -> Result<Uuid, ApiError> {
    kernel::parse_id(raw, what).map_err(|_| ApiError::new(404, code, format!("{what} not found")))
}
