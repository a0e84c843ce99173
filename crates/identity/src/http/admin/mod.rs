//! Administrator routes under `/api/v1/admin`: DreamScape's user administration
//! ([`users`]) and dashboard ([`dashboard`]), and our own account actions (here: timed
//! suspension, status, role). Every route checks the admin role; anyone else gets 403.

pub mod dashboard;
mod paging;
pub mod users;
mod views;

use axum::extract::State as AxumState;
use axum::response::Response;
use chrono::{DateTime, Utc};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::{AuthUser, Role};
use platform::http::{Json, Path, ok_with_message};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::State;
use super::dto::StatusRequest;
use crate::domain::user::{Status, User, UserView};
use crate::service::admin::parse_duration;

/// An account as administrators see it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserView {
    #[serde(flatten)]
    pub user: UserView,
    pub status_reason: Option<String>,
    pub suspended_until: Option<DateTime<Utc>>,
    pub phone_verified: bool,
}

fn admin_view(u: &User) -> AdminUserView {
    AdminUserView {
        user: UserView::from(u),
        status_reason: u.status_reason.clone(),
        suspended_until: u.suspended_until,
        phone_verified: u.phone_verified_at.is_some(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SuspendRequest {
    #[schema(max_length = 500)]
    pub reason: String,
    /// How long, e.g. `12h`, `7d`, `2w` (at most a year). Absent: until lifted.
    #[schema(example = "7d")]
    pub duration: Option<String>,
}

/// Suspend an account: it is signed out everywhere at once and cannot sign in until lifted
/// (or until `duration` has passed). DreamScape's `PUT` on the same path is
/// [`users::suspend`].
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/suspend", tag = "Administration", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "User id")), request_body = SuspendRequest,
    responses((status = 200, body = AdminUserView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn suspend(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<SuspendRequest>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = kernel::parse_id(&id, "user")?;
    let reason = body.reason.trim();
    let mut errors = Vec::new();
    if reason.is_empty() || reason.chars().count() > 500 {
        errors.push(FieldError::new("reason", "must be 1 to 500 characters"));
    }
    let duration = body.duration.as_deref().map(parse_duration);
    if matches!(duration, Some(None)) {
        errors.push(FieldError::new("duration", "must look like 30m, 12h, 7d or 2w (at most a year)"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let until = duration.flatten().map(|d| state.now() + d);
    let user = state.set_status(admin.user_id, id, Status::Suspended, Some(reason), until).await?;
    Ok(ok_with_message(serde_json::json!({ "user": admin_view(&user) }), "Account suspended"))
}

/// Lift a suspension.
#[utoipa::path(post, path = "/api/v1/admin/users/{id}/unsuspend", tag = "Administration", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = AdminUserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unsuspend(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = kernel::parse_id(&id, "user")?;
    let user = state.set_status(admin.user_id, id, Status::Active, None, None).await?;
    Ok(ok_with_message(serde_json::json!({ "user": admin_view(&user) }), "Account reactivated"))
}

/// Activate, suspend or ban an account. Suspending or banning signs it out everywhere at once.
#[utoipa::path(patch, path = "/api/v1/admin/users/{id}/status", tag = "Administration", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "User id")), request_body = StatusRequest,
    responses((status = 200, body = AdminUserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_status(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<StatusRequest>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = kernel::parse_id(&id, "user")?;
    let status = Status::parse(&body.status).filter(|s| *s != Status::Deleted).ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("status", "must be one of active, suspended, banned")])
    })?;
    if body.reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::validation(vec![FieldError::new("reason", "must be at most 500 characters")]));
    }
    let user = state.set_status(admin.user_id, id, status, body.reason.as_deref(), None).await?;
    Ok(ok_with_message(serde_json::json!({ "user": admin_view(&user) }), "Status updated"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RoleRequest {
    /// `user`, `host` or `admin`.
    pub role: String,
}

/// Change an account's role. Taking a role away signs the account out everywhere.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/role", tag = "Administration", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "User id")), request_body = RoleRequest,
    responses((status = 200, body = AdminUserView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn set_role(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<RoleRequest>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = kernel::parse_id(&id, "user")?;
    let role = Role::parse(body.role.trim())
        .ok_or_else(|| ApiError::validation(vec![FieldError::new("role", "must be user, host or admin")]))?;
    let user = state.set_role(admin.user_id, id, role).await?;
    Ok(ok_with_message(serde_json::json!({ "user": admin_view(&user) }), "Role updated"))
}
