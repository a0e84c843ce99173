//! `GET /api/v1/search/listings`: full text, filters, dates, distance, sorts and facets. The
//! parameters are checked in [`super::params`]; the search itself runs on a blocking thread
//! (Tantivy is synchronous).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::MaybeAuthUser;
use platform::http::{Query, ok};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::State;
use super::params::{self, SearchQuery};
use crate::index::query;

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
    /// Give it back as `cursor` for the next page; null on the last one.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchData {
    /// Hits: id, kind, title, city, country, price, currency, location, instantBook,
    /// maxGuests, bedrooms, amenities, createdAt, rating, reviewCount, score (relevance sort),
    /// distanceKm (`near`), highlights (`q`).
    #[schema(value_type = Vec<Object>)]
    pub listings: Vec<Value>,
    /// Over the whole filtered set: counts per `kind`, `city` and `amenities`, the `price`
    /// histogram `[{from, to, count}]` and `rating` buckets `[{min, count}]`.
    #[schema(value_type = Object)]
    pub facets: Value,
    pub pagination: Pagination,
}

/// Searches published listings.
#[utoipa::path(get, path = "/api/v1/search/listings", tag = "Search", operation_id = "search_listings",
    params(SearchQuery),
    responses((status = 200, description = "A page of hits with facets", body = SearchData),
        (status = 400, description = "`validation_failed`: the field is named", body = ErrorBody),
        (status = 503, description = "`search_warming_up`: the index is being built; retry", body = ErrorBody)))]
pub async fn search(
    AxumState(state): AxumState<State>,
    viewer: MaybeAuthUser,
    Query(query): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let today = state.clock.now().date_naive();
    let mut request = params::validate(&query, today)?;
    if let Some(cursor) = query.cursor.as_deref() {
        params::apply_cursor(&mut request, cursor, query.offset.is_some())?;
    }
    state.serving()?;
    let index = state.index.clone();
    let req = request.clone();
    let result = tokio::task::spawn_blocking(move || query::run(&index, &req))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "search: the search task failed");
            ApiError::internal()
        })?
        .map_err(|e| {
            tracing::error!(error = %e, "search: the index failed");
            ApiError::internal()
        })?;
    // Discovery: popular destinations count it; a signed-in caller's history records it.
    let user = viewer.0.map(|u| u.user_id);
    state.discover.searched(user, &request, result.total);
    Ok(ok(SearchData {
        listings: result.hits,
        facets: result.facets,
        pagination: Pagination {
            total: result.total,
            limit: request.limit,
            offset: request.offset,
            next_cursor: params::next_cursor(&request, result.total),
        },
    }))
}
