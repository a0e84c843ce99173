//! The caller's inbox.

use axum::extract::State as AxumState;
use axum::response::Response;
use chrono::{DateTime, Utc};
use kernel::{ApiError, ErrorBody, FieldError, Page, PageQuery, PageRequest, Pagination};
use platform::auth::AuthUser;
use platform::http::{Path, Query, ok, ok_with_message};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::State;
use crate::domain::{Kind, Status};
use crate::store::{self, Filter, Notification};

/// One notification as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationView {
    pub id: Uuid,
    /// `welcome`, booking news (`booking_requested`, `booking_confirmed`, `booking_declined`,
    /// `booking_cancelled`, `booking_expired`), or a preference type such as `account_security`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub body: String,
    /// Free-form details for the client (links, ids); an object.
    #[schema(value_type = Object)]
    pub data: Value,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Notification> for NotificationView {
    fn from(n: Notification) -> Self {
        NotificationView {
            id: n.id,
            kind: n.kind,
            title: n.title,
            body: n.body,
            data: serde_json::from_str(&n.data).unwrap_or_else(|_| json!({})),
            read: n.read_at.is_some(),
            read_at: n.read_at,
            created_at: n.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListData {
    pub notifications: Vec<NotificationView>,
    pub pagination: Pagination,
    /// Unread notifications of the caller, whatever the filters.
    pub unread_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnreadCountData {
    pub unread_count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationData {
    pub notification: NotificationView,
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

/// `type` values (documentation only).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
enum TypeParam {
    Welcome,
    BookingRequested,
    BookingConfirmed,
    BookingDeclined,
    BookingCancelled,
    BookingExpired,
    BookingConfirmation,
    PriceAlert,
    TripReminder,
    Promotions,
    AccountSecurity,
    Messages,
    Reviews,
}

/// List filters (alongside `limit` and `offset`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListFilter {
    /// `unread`, `read` or `all` (default).
    #[param(value_type = Option<StatusParam>, inline)]
    pub status: Option<String>,
    /// Only this type: `welcome`, `booking_requested`, `booking_confirmed`, `booking_declined`,
    /// `booking_cancelled`, `booking_expired`, `booking_confirmation` (booking notices made
    /// before booking news had types of their own), `price_alert`, `trip_reminder`,
    /// `promotions`, `account_security`, `messages` or `reviews`.
    #[serde(rename = "type")]
    #[param(rename = "type", value_type = Option<TypeParam>, inline)]
    pub kind: Option<String>,
}

/// The caller's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/users/notifications", tag = "Notifications", operation_id = "list_notifications",
    security(("bearerAuth" = [])),
    params(ListFilter,
        ("limit" = Option<u32>, Query, description = "Items per page, 1–100 (default 20).", minimum = 1, maximum = 100),
        ("offset" = Option<u64>, Query, description = "Items to skip, 0–100 000 (default 0).", maximum = 100000)),
    responses((status = 200, description = "A page of notifications", body = ListData),
        (status = 400, description = "`validation_failed`: bad status, type, limit or offset", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(filter): Query<ListFilter>,
    Query(page): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let status = match nonblank(&filter.status) {
        None => Some(Status::All),
        Some(raw) => Status::parse(raw).or_else(|| {
            errors.push(FieldError::new("status", "must be one of unread, read, all"));
            None
        }),
    };
    let kind = match nonblank(&filter.kind) {
        None => None,
        Some(raw) => Kind::parse(raw).or_else(|| {
            errors.push(FieldError::new("type", format!("must be one of {}", Kind::names().join(", "))));
            None
        }),
    };
    let request = PageRequest::parse(&page).map_err(|e| errors.extend(e.details)).ok();
    let (Some(status), Some(request), true) = (status, request, errors.is_empty()) else {
        return Err(ApiError::validation(errors));
    };
    let filter = Filter { user_id: user.user_id, status: status.as_str(), kind: kind.map(Kind::as_str) };
    let items = store::list(&state.db, filter, request.limit, request.offset).await?;
    let total = store::count(&state.db, filter).await?;
    let unread_count = store::unread_count(&state.db, user.user_id).await?;
    let page = Page::new(items, &request, Some(u64::try_from(total).unwrap_or_default()));
    Ok(ok(ListData {
        notifications: page.items.into_iter().map(NotificationView::from).collect(),
        pagination: page.pagination,
        unread_count,
    }))
}

fn nonblank(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// How many of the caller's notifications are unread.
#[utoipa::path(get, path = "/api/v1/users/notifications/unread-count", tag = "Notifications", operation_id = "count_unread_notifications", security(("bearerAuth" = [])),
    responses((status = 200, description = "Unread count", body = UnreadCountData), (status = 401, body = ErrorBody)))]
pub async fn unread_count(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let unread_count = store::unread_count(&state.db, user.user_id).await?;
    Ok(ok(UnreadCountData { unread_count }))
}

/// Mark one notification read. Idempotent: an already-read notification keeps its first `readAt`.
#[utoipa::path(patch, path = "/api/v1/users/notifications/{id}/read", tag = "Notifications", operation_id = "mark_notification_read", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 200, description = "The notification", body = NotificationData), (status = 401, body = ErrorBody),
        (status = 404, description = "No such notification of the caller", body = ErrorBody)))]
pub async fn mark_read(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "notification")?;
    let notification = store::mark_read(&state.db, user.user_id, id, state.clock.now())
        .await?
        .ok_or_else(|| ApiError::not_found("notification not found"))?;
    Ok(ok(NotificationData { notification: notification.into() }))
}

/// Mark every notification of the caller read.
#[utoipa::path(post, path = "/api/v1/users/notifications/read-all", tag = "Notifications", operation_id = "mark_all_notifications_read", security(("bearerAuth" = [])),
    responses((status = 200, description = "How many changed", body = UpdatedData), (status = 401, body = ErrorBody)))]
pub async fn read_all(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let updated = store::mark_all_read(&state.db, user.user_id, state.clock.now()).await?;
    Ok(ok_with_message(UpdatedData { updated }, "All notifications marked as read"))
}

/// Delete the caller's read notifications (unread ones stay).
#[utoipa::path(delete, path = "/api/v1/users/notifications", tag = "Notifications", operation_id = "delete_read_notifications", security(("bearerAuth" = [])),
    responses((status = 200, description = "How many were deleted", body = DeletedData), (status = 401, body = ErrorBody)))]
pub async fn delete_read(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let deleted = store::delete_read(&state.db, user.user_id).await?;
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
    let id = kernel::parse_id(&id, "notification")?;
    if !store::delete(&state.db, user.user_id, id).await? {
        return Err(ApiError::not_found("notification not found"));
    }
    Ok(ok_with_message(DeletedData { deleted: 1 }, "Notification deleted"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::PartialSchema;

    fn documented(schema: utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>) -> Vec<String> {
        let v = serde_json::to_value(schema).unwrap_or_default();
        v["enum"]
            .as_array()
            .map(|e| e.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    #[test]
    fn documented_filter_values_are_the_accepted_ones() {
        assert_eq!(documented(TypeParam::schema()), Kind::names());
        assert_eq!(documented(StatusParam::schema()), vec!["unread", "read", "all"]);
    }
}
