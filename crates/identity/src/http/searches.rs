//! The dashboard's "recent search" (`/api/search-history/recent`, also under `/api/v1`): a bare
//! array of the caller's latest flight searches, read from their history. The client sends
//! `Authorization: Bearer null`, so the access cookie (or nothing) identifies the caller; an
//! anonymous caller gets `[]`.

use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::MaybeAuthUser;
use platform::http::Query;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::State;
use crate::service::history::MAX_RECENT;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecentQuery {
    /// How many searches (default 5).
    #[param(minimum = 1, maximum = 20)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Passengers {
    pub adults: u32,
    pub children: u32,
    pub infants: u32,
}

/// A flight search as the dashboard's recommendations read it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct RecentSearch {
    /// The history entry it comes from.
    pub id: uuid::Uuid,
    pub origin: String,
    pub destination: String,
    pub departure_date: Option<String>,
    pub return_date: Option<String>,
    pub passengers: Passengers,
    /// `ECONOMY` unless the search said otherwise.
    pub cabin_class: String,
    pub searched_at: chrono::DateTime<chrono::Utc>,
}

async fn recent_searches(state: State, user: MaybeAuthUser, q: RecentQuery) -> Result<Response, ApiError> {
    let limit = q.limit.unwrap_or(5);
    if !(1..=MAX_RECENT).contains(&limit) {
        return Err(ApiError::validation(vec![FieldError::new("limit", "must be an integer from 1 to 20")]));
    }
    let searches = match user.0 {
        Some(user) => state.recent_searches(user.user_id, limit).await?,
        None => Vec::new(),
    };
    Ok(axum::Json(searches).into_response())
}

/// The caller's latest flight searches, newest first, as a bare array (`[]` when signed out).
#[utoipa::path(get, path = "/api/search-history/recent", tag = "History", security((), ("bearerAuth" = []), ("cookieAuth" = [])),
    params(RecentQuery),
    responses((status = 200, description = "A bare array", body = [RecentSearch]), (status = 400, body = ErrorBody),
        (status = 401, description = "An invalid or expired token", body = ErrorBody)))]
pub async fn recent(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Query(q): Query<RecentQuery>,
) -> Result<Response, ApiError> {
    recent_searches(state, user, q).await
}

/// As `GET /api/search-history/recent`.
#[utoipa::path(get, path = "/api/v1/search-history/recent", operation_id = "recent_searches_v1", tag = "History",
    security((), ("bearerAuth" = []), ("cookieAuth" = [])), params(RecentQuery),
    responses((status = 200, description = "A bare array", body = [RecentSearch]), (status = 400, body = ErrorBody),
        (status = 401, description = "An invalid or expired token", body = ErrorBody)))]
pub async fn recent_v1(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Query(q): Query<RecentQuery>,
) -> Result<Response, ApiError> {
    recent_searches(state, user, q).await
}
