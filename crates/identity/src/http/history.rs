//! DreamScape's activity history (`/api/v1/users/history`).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok, ok_with_message};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::State;
use crate::domain::items;
use crate::service::history::{NewEntry, parse_bound};
use crate::store::history::HistoryFilter;

/// Items per page when `limit` is absent or 0; larger values count as [`MAX_LIMIT`].
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;
/// Larger `limit` values are refused rather than clamped.
const MAX_ASKED_LIMIT: u32 = 1000;
/// Deep pages are refused (offset scans load the database).
const MAX_PAGE: u32 = 10_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    /// Page number from 1 (0 or absent: 1).
    #[param(maximum = 10000)]
    pub page: Option<u32>,
    /// Entries per page (0 or absent: 20; above 100: 100).
    #[param(maximum = 1000)]
    pub limit: Option<u32>,
    /// `CREATED`, `VIEWED`, `UPDATED`, `DELETED`, `SEARCHED`, `FAVORITED` or `UNFAVORITED`; any
    /// other value is ignored (no filter), as DreamScape does.
    #[param(max_length = 100)]
    pub action_type: Option<String>,
    /// `booking`, `search`, `favorite`, `destination`, `hotel`, `activity`, `flight` or
    /// `listing`; any other value is ignored.
    #[param(max_length = 100)]
    pub entity_type: Option<String>,
    /// Only entries about this entity (exact match).
    #[param(max_length = 200)]
    pub entity_id: Option<String>,
    /// From this day (`YYYY-MM-DD`) or instant, inclusive.
    pub from: Option<String>,
    /// Up to this day (inclusive) or instant (exclusive).
    pub to: Option<String>,
}

/// The caller's activity, newest first: `{items, pagination}`.
#[utoipa::path(get, path = "/api/v1/users/history", operation_id = "list_history", tag = "History", security(("bearerAuth" = [])), params(HistoryQuery),
    responses((status = 200, description = "`{items, pagination: {page, limit, total, totalPages, hasNext, hasPrevious}}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let page = q.page.unwrap_or(1).max(1);
    if page > MAX_PAGE {
        errors.push(FieldError::new("page", "must be at most 10000"));
    }
    if q.limit.is_some_and(|l| l > MAX_ASKED_LIMIT) {
        errors.push(FieldError::new("limit", "must be at most 1000"));
    }
    let limit = match q.limit.unwrap_or(0) {
        0 => DEFAULT_LIMIT,
        n => n.min(MAX_LIMIT),
    };
    let from = parse_bound("from", q.from.as_deref(), false).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let to = parse_bound("to", q.to.as_deref(), true).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    for (field, value, max) in
        [("actionType", &q.action_type, 100), ("entityType", &q.entity_type, 100), ("entityId", &q.entity_id, 200)]
    {
        if value.as_ref().is_some_and(|v| v.chars().count() > max) {
            errors.push(FieldError::new(field, format!("must be at most {max} characters")));
        }
    }
    let entity_id = q.entity_id.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let filter = HistoryFilter {
        action_type: q.action_type.as_deref().and_then(items::action_type),
        entity_type: q.entity_type.as_deref().and_then(items::entity_type),
        entity_id,
        from,
        to,
    };
    let offset = u64::from(page - 1) * u64::from(limit);
    let (entries, total) = state.history(user.user_id, &filter, limit, offset).await?;
    let total = u64::try_from(total).unwrap_or(0);
    let total_pages = total.div_ceil(u64::from(limit));
    Ok(ok(json!({
        "items": entries,
        "pagination": {
            "page": page, "limit": limit, "total": total, "totalPages": total_pages,
            "hasNext": u64::from(page) < total_pages, "hasPrevious": page > 1,
        },
    })))
}

/// Counts of the caller's entries by action type and entity type.
#[utoipa::path(get, path = "/api/v1/users/history/stats", tag = "History", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{totalCount, byActionType, byEntityType, mostRecentActivity}`",
        body = crate::service::history::HistoryStats), (status = 401, body = ErrorBody)))]
pub async fn stats(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(state.history_stats(user.user_id).await?))
}

/// DreamScape's history action types.
#[derive(Debug, Serialize, ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)]
pub enum HistoryActionType {
    CREATED,
    VIEWED,
    UPDATED,
    DELETED,
    SEARCHED,
    FAVORITED,
    UNFAVORITED,
}

/// History entity types (DreamScape's, lower case, plus `listing`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum HistoryEntityType {
    Booking,
    Search,
    Favorite,
    Destination,
    Hotel,
    Activity,
    Flight,
    Listing,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecordRequest {
    #[schema(value_type = HistoryActionType)]
    pub action_type: String,
    #[schema(value_type = HistoryEntityType)]
    pub entity_type: String,
    /// 1 to 200 characters, e.g. `search-1767225600000`.
    #[schema(min_length = 1, max_length = 200)]
    pub entity_id: String,
    /// What was searched or viewed (`{query}`, `{hotelName}`…): a JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// Record an activity (the web client records searches and views).
#[utoipa::path(post, path = "/api/v1/users/history", tag = "History", security(("bearerAuth" = [])), request_body = RecordRequest,
    responses((status = 200, description = "`History entry created successfully`: the entry", body = crate::store::history::Entry),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn record(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<RecordRequest>,
) -> Result<Response, ApiError> {
    let entry = NewEntry {
        action_type: body.action_type,
        entity_type: body.entity_type,
        entity_id: body.entity_id,
        metadata: body.metadata,
    };
    let entry = state.record_activity(user.user_id, entry).await?;
    Ok(ok_with_message(entry, "History entry created successfully"))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct ClearQuery {
    /// Only entries of this entity type; any other value is ignored (everything is deleted),
    /// as DreamScape does.
    #[param(max_length = 100)]
    pub entity_type: Option<String>,
}

/// Delete the caller's history (or one entity type of it).
#[utoipa::path(delete, path = "/api/v1/users/history", tag = "History", security(("bearerAuth" = [])), params(ClearQuery),
    responses((status = 200, description = "`{deletedCount}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn clear(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<ClearQuery>,
) -> Result<Response, ApiError> {
    if q.entity_type.as_ref().is_some_and(|v| v.chars().count() > 100) {
        return Err(ApiError::validation(vec![FieldError::new("entityType", "must be at most 100 characters")]));
    }
    let entity_type = q.entity_type.as_deref().and_then(items::entity_type);
    let deleted = state.clear_history(user.user_id, entity_type).await?;
    Ok(ok_with_message(json!({ "deletedCount": deleted }), format!("Successfully deleted {deleted} history entries")))
}

/// Delete one entry; another user's entry is 404.
#[utoipa::path(delete, path = "/api/v1/users/history/{id}", operation_id = "remove_history_entry", tag = "History", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Entry id")),
    responses((status = 200, description = "`History entry deleted successfully`, `data: null`"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn remove(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::not_found("History entry not found or does not belong to you");
    let id = uuid::Uuid::try_parse(id.trim()).map_err(|_| not_found())?;
    state.remove_history_entry(user.user_id, id).await?;
    Ok(ok_with_message(Value::Null, "History entry deleted successfully"))
}
