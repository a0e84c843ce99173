//! The caller's search history (`/api/v1/search/history`): their `SEARCHED` history entries —
//! listing searches recorded from search's `search.performed` events and DreamScape's recorded
//! hotel, flight and activity searches alike — newest first; one can be deleted, or all. Other
//! kinds of history are untouched. Always the caller's own: another user's entry is a 404.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Path, Query, ok, ok_with_message};
use serde::Deserialize;
use serde_json::{Value, json};

use super::State;
use crate::service::search_history::search_view;

const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchHistoryQuery {
    /// 1–100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// The caller's searches, newest first: `{searches: [{id, entityType, entityId, query, metadata, createdAt}]}`.
#[utoipa::path(get, path = "/api/v1/search/history", operation_id = "list_search_history", tag = "History",
    security(("bearerAuth" = [])), params(SearchHistoryQuery),
    responses((status = 200, description = "`{searches}`, newest first; `query` is the entry's `metadata.query`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<SearchHistoryQuery>,
) -> Result<Response, ApiError> {
    let limit = match q.limit.as_deref().map(str::trim) {
        None => DEFAULT_LIMIT,
        Some(raw) => raw.parse::<u32>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("limit", format!("must be an integer from 1 to {MAX_LIMIT}"))])
        })?,
    };
    let searches: Vec<Value> = state.searches(user.user_id, limit).await?.iter().map(search_view).collect();
    Ok(ok(json!({ "searches": searches })))
}

/// Delete all the caller's searches (other history is kept): `{deletedCount}`.
#[utoipa::path(delete, path = "/api/v1/search/history", operation_id = "clear_search_history", tag = "History",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{deletedCount}`"), (status = 401, body = ErrorBody)))]
pub async fn clear(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let deleted = state.clear_searches(user.user_id).await?;
    Ok(ok_with_message(json!({ "deletedCount": deleted }), format!("Deleted {deleted} searches")))
}

/// Delete one of the caller's searches; anything else is 404.
#[utoipa::path(delete, path = "/api/v1/search/history/{id}", operation_id = "remove_search_history_entry",
    tag = "History", security(("bearerAuth" = [])), params(("id" = String, Path, description = "The entry's id")),
    responses((status = 200, description = "`data: null`"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = uuid::Uuid::try_parse(id.trim()).map_err(|_| ApiError::not_found("Search not found"))?;
    state.remove_search(user.user_id, id).await?;
    Ok(ok_with_message(Value::Null, "Search deleted"))
}
