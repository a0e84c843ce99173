//! `GET /api/v1/search/suggest` (as-you-type suggestions) and `GET /api/v1/search/popular`
//! (popular destinations), both public. Query values are read as text so that a bad one is
//! named in a 400 `validation_failed`.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::http::{Query, ok};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::State;
use crate::discover::popular::{Destination, MAX_DAYS};

/// Longest suggest `q`, in characters.
pub const MAX_SUGGEST_CHARS: usize = 100;
pub const DEFAULT_SUGGEST_LIMIT: i64 = 8;
pub const MAX_SUGGEST_LIMIT: i64 = 20;
pub const DEFAULT_POPULAR_LIMIT: i64 = 10;
pub const MAX_POPULAR_LIMIT: i64 = 50;
pub const DEFAULT_POPULAR_DAYS: i64 = 30;

/// `raw` as an integer in `min..=max` (see [`super::params::int`]), `default` when absent or bad.
fn int(raw: Option<&str>, field: &str, (min, max, default): (i64, i64, i64), errors: &mut Vec<FieldError>) -> i64 {
    super::params::int(raw, field, min, max, errors).unwrap_or(default)
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "search: discovery failed");
    ApiError::internal()
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuggestQuery {
    /// What was typed so far: 1 to 100 characters (trimmed). Every word but the last must be
    /// complete; the last is a prefix. Case and accents are ignored.
    pub q: Option<String>,
    /// 1–20 (default 8).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestData {
    /// Cities (`type: city`, `text`, `country`, `count` of listings), then countries
    /// (`type: country`, `text` its English name, `country` its code, `count`), then listing
    /// titles (`type: listing`, `text`, `listingId`, `city`); each with `highlight`: the text
    /// HTML-escaped with the typed words in `<em>…</em>`.
    #[schema(value_type = Vec<Object>)]
    pub suggestions: Vec<Value>,
}

/// As-you-type suggestions: cities, countries and listing titles.
#[utoipa::path(get, path = "/api/v1/search/suggest", tag = "Search", operation_id = "search_suggest",
    params(SuggestQuery),
    responses((status = 200, description = "Suggestions, cities first", body = SuggestData),
        (status = 400, description = "`validation_failed`: `q` missing, blank or too long, or a bad `limit`", body = ErrorBody),
        (status = 503, description = "`search_warming_up`: the index is being built; retry", body = ErrorBody)))]
pub async fn suggest(
    AxumState(state): AxumState<State>,
    Query(query): Query<SuggestQuery>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let q = query.q.as_deref().map(str::trim).unwrap_or_default().to_owned();
    if q.is_empty() {
        errors.push(FieldError::new("q", "is required (at least 1 character)"));
    } else if q.chars().count() > MAX_SUGGEST_CHARS {
        errors.push(FieldError::new("q", format!("must be at most {MAX_SUGGEST_CHARS} characters")));
    }
    let limit =
        int(query.limit.as_deref(), "limit", (1, MAX_SUGGEST_LIMIT, DEFAULT_SUGGEST_LIMIT), &mut errors) as usize;
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    state.serving()?;
    let (index, discover) = (state.index.clone(), state.discover.clone());
    let suggestions = tokio::task::spawn_blocking(move || {
        discover.suggestions.suggest(&index, &discover.places.get(), &q, limit).map(|a| a.as_ref().clone())
    })
    .await
    .map_err(internal)?
    .map_err(internal)?;
    Ok(ok(SuggestData { suggestions }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PopularQuery {
    /// 1–50 (default 10).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// The window, in days up to today: 1–90 (default 30).
    #[param(value_type = Option<i64>)]
    pub days: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PopularData {
    /// Best first: `score` = confirmed bookings × 10 + searches naming the place.
    pub destinations: Vec<Destination>,
}

/// Popular destinations over the last days, from confirmed bookings and searches.
#[utoipa::path(get, path = "/api/v1/search/popular", tag = "Search", operation_id = "search_popular",
    params(PopularQuery),
    responses((status = 200, description = "Destinations, best first", body = PopularData),
        (status = 400, description = "`validation_failed`: a bad `limit` or `days`", body = ErrorBody)))]
pub async fn popular(
    AxumState(state): AxumState<State>,
    Query(query): Query<PopularQuery>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let limit = int(query.limit.as_deref(), "limit", (1, MAX_POPULAR_LIMIT, DEFAULT_POPULAR_LIMIT), &mut errors);
    let days = int(query.days.as_deref(), "days", (1, MAX_DAYS, DEFAULT_POPULAR_DAYS), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let destinations = state.discover.popular.top(days, limit as usize).await.map_err(internal)?;
    Ok(ok(PopularData { destinations }))
}
