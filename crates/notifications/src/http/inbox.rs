//! The caller's inbox: DreamScape's routes (list with `filter`/`page`/`limit`, unread count,
//! `mark-all-read`, `{id}/read`) and Sojourn's (`status`/`type`/`offset` filters, `read-all`,
//! deletes), over the same service functions.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Path, Query, ok, ok_with_message};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::State;
use super::view::{KindDoc, NotificationView};
use crate::domain::{Kind, Status, dreamscape};
use crate::service;
use crate::store::Filter;

/// Where a page sits: DreamScape's `page`, `limit`, `total`, `hasMore`, and the `offset`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PagePosition {
    pub total: u64,
    pub page: u64,
    pub limit: u32,
    /// Whether more notifications follow this page.
    pub has_more: bool,
    pub offset: u64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListData {
    pub notifications: Vec<NotificationView>,
    pub pagination: PagePosition,
    /// Unread notifications of the caller, whatever the filters.
    pub unread_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnreadCountData {
    /// Unread notifications of the caller (DreamScape's name).
    pub count: i64,
    /// The same number, under Sojourn's earlier name.
    pub unread_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UpdatedData {
    /// Notifications that changed from unread to read.
    pub updated: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeletedData {
    pub deleted: u64,
}

/// `status` values (documentation only: the handler parses the raw string to name bad values).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum StatusParam {
    Unread,
    Read,
    All,
}

/// The list's query. Every value is read as text so that a bad one is named in a 400.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// DreamScape's filter: `all` (default), `unread` or `read`; any other value means `all`.
    /// `status`, when given, wins.
    pub filter: Option<String>,
    /// `unread`, `read` or `all` (default); anything else, empty included, is a 400.
    #[param(value_type = Option<StatusParam>, inline)]
    pub status: Option<String>,
    /// Only this precise type (see `kind`); anything else, empty included, is a 400.
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<KindDoc>, inline)]
    pub kind: Option<String>,
    /// Page number (default 1); values below 1 mean 1.
    #[param(value_type = Option<i64>)]
    pub page: Option<String>,
    /// Items per page, 1–50 (default 20); values outside are clamped.
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// Items to skip, 0–100 000; when given, it is used instead of `page`.
    #[param(value_type = Option<u64>, maximum = 100000)]
    pub offset: Option<String>,
}

/// The largest `offset` (as in every Sojourn list).
const MAX_OFFSET: u64 = 100_000;

/// An integer query value, or a validation error naming it.
fn integer(raw: Option<&str>, field: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let raw = raw?;
    dreamscape::integer(raw).or_else(|| {
        errors.push(FieldError::new(field, "must be an integer"));
        None
    })
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/users/notifications", tag = "Notifications", operation_id = "list_notifications",
    security(("bearerAuth" = [])),
    params(ListQuery),
    responses((status = 200, description = "A page of notifications", body = ListData),
        (status = 400, description = "`validation_failed`: bad status, type, page, limit or offset", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let status = match query.status.as_deref() {
        None => Status::from_filter(query.filter.as_deref()),
        Some(raw) => Status::parse(raw).unwrap_or_else(|| {
            errors.push(FieldError::new("status", "must be one of unread, read, all"));
            Status::All
        }),
    };
    let kind = query.kind.as_deref().and_then(|raw| {
        Kind::parse(raw).or_else(|| {
            errors.push(FieldError::new("type", format!("must be one of {}", Kind::names().join(", "))));
            None
        })
    });
    let page = integer(query.page.as_deref(), "page", &mut errors);
    let limit = dreamscape::clamp_limit(integer(query.limit.as_deref(), "limit", &mut errors));
    let offset = match integer(query.offset.as_deref(), "offset", &mut errors) {
        None => dreamscape::page_offset(page, limit),
        Some(n) => u64::try_from(n).ok().filter(|n| *n <= MAX_OFFSET).unwrap_or_else(|| {
            errors.push(FieldError::new("offset", format!("must be an integer from 0 to {MAX_OFFSET}")));
            0
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let filter = Filter { user_id: user.user_id, status: status.as_str(), kind: kind.map(Kind::as_str) };
    let listed = service::list(&state.db, filter, limit, offset).await?;
    let shown = u64::try_from(listed.items.len()).unwrap_or_default();
    let pagination = PagePosition {
        total: listed.total,
        page: offset / u64::from(limit) + 1,
        limit,
        has_more: offset.saturating_add(shown) < listed.total,
        offset,
    };
    Ok(ok(ListData {
        notifications: listed.items.into_iter().map(NotificationView::from).collect(),
        pagination,
        unread_count: listed.unread,
    }))
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/users/notifications/unread-count", tag = "Notifications", operation_id = "count_unread_notifications", security(("bearerAuth" = [])),
    responses((status = 200, description = "Unread count", body = UnreadCountData), (status = 401, body = ErrorBody)))]
pub async fn unread_count(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let count = service::unread_count(&state.db, user.user_id).await?;
    Ok(ok(UnreadCountData { count, unread_count: count }))
}

/// Mark one notification read; `data` is the notification. Idempotent: an already-read
/// notification keeps its first `readAt`. No body.
#[utoipa::path(patch, path = "/api/v1/users/notifications/{id}/read", tag = "Notifications", operation_id = "mark_notification_read", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 200, description = "The notification", body = NotificationView), (status = 401, body = ErrorBody),
        (status = 404, description = "No such notification of the caller", body = ErrorBody)))]
pub async fn mark_read(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let notification = service::mark_read(&state.db, user.user_id, &id, state.clock.now()).await?;
    Ok(ok(NotificationView::from(notification)))
}

async fn read_everything(state: &State, user: &AuthUser) -> Result<Response, ApiError> {
    let updated = service::mark_all_read(&state.db, user.user_id, state.clock.now()).await?;
    Ok(ok_with_message(UpdatedData { updated }, "All notifications marked as read"))
}

/// Mark every notification of the caller read (DreamScape's route). No body.
#[utoipa::path(patch, path = "/api/v1/users/notifications/mark-all-read", tag = "Notifications", operation_id = "mark_all_notifications_read", security(("bearerAuth" = [])),
    responses((status = 200, description = "How many changed", body = UpdatedData), (status = 401, body = ErrorBody)))]
pub async fn mark_all_read(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    read_everything(&state, &user).await
}

/// Mark every notification of the caller read (same as `PATCH …/mark-all-read`). No body.
#[utoipa::path(post, path = "/api/v1/users/notifications/read-all", tag = "Notifications", operation_id = "read_all_notifications", security(("bearerAuth" = [])),
    responses((status = 200, description = "How many changed", body = UpdatedData), (status = 401, body = ErrorBody)))]
pub async fn read_all(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    read_everything(&state, &user).await
}

/// Delete the caller's read notifications (unread ones stay).
#[utoipa::path(delete, path = "/api/v1/users/notifications", tag = "Notifications", operation_id = "delete_read_notifications", security(("bearerAuth" = [])),
    responses((status = 200, description = "How many were deleted", body = DeletedData), (status = 401, body = ErrorBody)))]
pub async fn delete_read(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let deleted = service::delete_read(&state.db, user.user_id).await?;
    Ok(ok_with_message(DeletedData { deleted }, "Read notifications deleted"))
}

/// Delete one notification of the caller, read or not.
#[utoipa::path(delete, path = "/api/v1/users/notifications/{id}", tag = "Notifications", operation_id = "delete_notification", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 200, description = "Deleted", body = DeletedData), (status = 401, body = ErrorBody),
        (status = 404, description = "No such notification of the caller", body = ErrorBody)))]
pub async fn delete_one(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    service::delete(&state.db, user.user_id, &id).await?;
    Ok(ok_with_message(DeletedData { deleted: 1 }, "Notification deleted"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;

    #[test]
    fn documented_status_values_are_the_accepted_ones() {
        let v = serde_json::to_value(StatusParam::schema()).unwrap_or_default();
        assert_eq!(v["enum"], serde_json::json!(["unread", "read", "all"]));
    }
}
