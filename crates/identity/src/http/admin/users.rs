//! DreamScape's user administration (`/api/v1/admin/users…`, WEB-CLIENT rows M5–M12), in
//! its envelope `{ success, data }` and spelling (`USER` / `ADMIN`, `isSuspended`, …).

use axum::extract::State as AxumState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::super::State;
use super::paging::Paging;
use super::views::{AdminActivityPage, AdminDeleted, AdminUserList, BackOfficeUser, user_view};
use crate::service::admin_users::{AdminEdit, ListInput, list_query};

/// `role` values (documentation only: the handler parses the raw string to name bad values).
/// `MODERATOR` does not exist in Sojourn and matches nobody; the lower-case names are ours
/// (`user` alone, without hosts).
#[derive(ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)]
enum RoleParam {
    USER,
    ADMIN,
    MODERATOR,
    #[schema(rename = "user")]
    User,
    #[schema(rename = "host")]
    Host,
    #[schema(rename = "admin")]
    Admin,
}

/// `status` values (documentation only). `suspended` includes banned accounts; erased
/// accounts are listed only with `deleted`.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum StatusParam {
    Active,
    Suspended,
    Banned,
    AdminDeleted,
}

/// `sortBy` values (documentation only).
#[derive(ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)]
enum SortParam {
    CreatedAt,
    UpdatedAt,
    Email,
    FirstName,
    LastName,
    Username,
    Role,
    IsVerified,
    IsSuspended,
    UserCategory,
    OnboardingCompleted,
    SuspendedAt,
    LastLoginAt,
}

#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
enum OrderParam {
    Asc,
    Desc,
}

/// DreamScape's user filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct UserFilters {
    /// Part of the email, names or username, ignoring case (at most 100 characters).
    #[param(max_length = 100)]
    pub search: Option<String>,
    /// `USER` (users and hosts), `ADMIN`, `MODERATOR` (nobody), or ours: `user`, `host`, `admin`.
    #[param(value_type = Option<RoleParam>, inline)]
    pub role: Option<String>,
    /// `active`, `suspended` (suspended or banned), `banned` or `deleted`; without it erased
    /// accounts are left out.
    #[param(value_type = Option<StatusParam>, inline)]
    pub status: Option<String>,
    /// Created from (RFC 3339 instant or `YYYY-MM-DD`).
    pub start_date: Option<String>,
    /// Created until (RFC 3339 instant, or `YYYY-MM-DD`: that day included).
    pub end_date: Option<String>,
}

impl UserFilters {
    fn input(&self) -> ListInput<'_> {
        ListInput {
            search: self.search.as_deref(),
            role: self.role.as_deref(),
            status: self.status.as_deref(),
            start_date: self.start_date.as_deref(),
            end_date: self.end_date.as_deref(),
            ..ListInput::default()
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ListParams {
    /// Page, from 1 (default 1).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100000)]
    pub page: Option<String>,
    /// Items per page, 1–100 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// Items to skip, when `page` is absent.
    #[param(value_type = Option<u64>, minimum = 0, maximum = 10000000)]
    pub offset: Option<String>,
    /// Sort column (default `createdAt`).
    #[param(value_type = Option<SortParam>, inline)]
    pub sort_by: Option<String>,
    /// `asc` or `desc` (default).
    #[param(value_type = Option<OrderParam>, inline)]
    pub sort_order: Option<String>,
}

/// Accounts, filtered and sorted (erased ones only with `status=deleted`).
#[utoipa::path(get, path = "/api/v1/admin/users", operation_id = "list_users", tag = "Administration",
    security(("bearerAuth" = [])), params(UserFilters, ListParams),
    responses((status = 200, description = "`{ users, pagination: { page, limit, total, totalPages } }`", body = AdminUserList),
        (status = 400, description = "A bad filter, sort or page", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(filters): Query<UserFilters>,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let mut errors = Vec::new();
    let paging =
        Paging::parse(params.page.as_deref(), params.limit.as_deref(), params.offset.as_deref(), 50, &mut errors);
    let input =
        ListInput { sort_by: params.sort_by.as_deref(), sort_order: params.sort_order.as_deref(), ..filters.input() };
    let query = list_query(&input);
    let (filter, sort) = match query {
        Ok(q) if errors.is_empty() => q,
        Ok(_) => return Err(ApiError::validation(errors)),
        Err(e) => return Err(ApiError::validation(e.details.into_iter().chain(errors).collect())),
    };
    let (users, total) = state.backoffice_users(&filter, sort, paging.limit, paging.offset).await?;
    let users = users.iter().map(|u| user_view(u, None)).collect();
    Ok(ok(AdminUserList { users, pagination: paging.of(u64::try_from(total).unwrap_or(0)) }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Only these accounts: user ids, comma-separated (at most 100); overrides nothing else.
    #[param(max_length = 3700)]
    pub ids: Option<String>,
}

/// The accounts the filters keep as CSV (at most 10 000, newest first): `id, email,
/// firstName, lastName, role, isVerified, isSuspended, createdAt, lastLoginAt, bookingsCount,
/// revenueGenerated`. Text cells a spreadsheet would run as a formula start with `'`.
#[utoipa::path(get, path = "/api/v1/admin/users/export", operation_id = "export_users", tag = "Administration",
    security(("bearerAuth" = [])), params(UserFilters, ExportParams),
    responses((status = 200, description = "`users-export.csv`", content_type = "text/csv", body = String),
        (status = 400, description = "A bad filter or id", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn export(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(filters): Query<UserFilters>,
    Query(params): Query<ExportParams>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let (filter, _) = list_query(&ListInput { ids: params.ids.as_deref(), ..filters.input() })?;
    let csv = state.export_users(&filter).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"users-export.csv\""),
        ],
        csv,
    )
        .into_response())
}

/// One account with its counts, what it booked and paid; the look is written to the user's
/// access log (`admin_viewed_account`). Erased accounts answer with status `deleted`.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}", operation_id = "get_user", tag = "Administration",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = BackOfficeUser), (status = 401, body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such user (or not a user id)", body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = user_id(&id)?;
    let (user, details) = state.backoffice_user(admin.user_id, id).await?;
    Ok(ok(user_view(&user, Some(&details))))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// Page, from 1 (default 1).
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100000)]
    pub page: Option<String>,
    /// Items per page, 1–100 (default 20).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

/// The user's latest 100 history entries, bookings and payments, merged newest first.
#[utoipa::path(get, path = "/api/v1/admin/users/{id}/activity", operation_id = "get_user_activity", tag = "Administration",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "User id"), ActivityParams),
    responses((status = 200, body = AdminActivityPage), (status = 400, description = "A bad page or limit", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody)))]
pub async fn activity(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
    Query(params): Query<ActivityParams>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = user_id(&id)?;
    let mut errors = Vec::new();
    let paging = Paging::parse(params.page.as_deref(), params.limit.as_deref(), None, 20, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let (items, total) = state.activity(id, paging.limit, paging.offset).await?;
    let items = items.into_iter().map(Into::into).collect();
    Ok(ok(AdminActivityPage { items, pagination: paging.of(u64::try_from(total).unwrap_or(0)) }))
}

/// DreamScape's editable fields; absent ones are kept.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdminEditRequest {
    #[schema(max_length = 50)]
    pub first_name: Option<String>,
    #[schema(max_length = 50)]
    pub last_name: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// `USER` or `ADMIN` (`USER` keeps a host a host). `MODERATOR` does not exist in Sojourn: 400.
    #[schema(value_type = Option<AdminEditRole>)]
    pub role: Option<String>,
    /// Marks the email verified (or not).
    pub is_verified: Option<bool>,
    #[schema(value_type = Option<AdminUserCategory>)]
    pub user_category: Option<String>,
}

#[derive(ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)]
enum AdminEditRole {
    USER,
    ADMIN,
}

#[derive(ToSchema)]
#[allow(dead_code, clippy::upper_case_acronyms)]
enum AdminUserCategory {
    LEISURE,
    BUSINESS,
}

/// Edit an account. A new email is unverified again (a verification mail goes to it) unless
/// `isVerified` is sent too; demoting an administrator signs them out everywhere.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}", operation_id = "update_user", tag = "Administration",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "User id")),
    request_body(content = Option<AdminEditRequest>, description = "Optional"),
    responses((status = 200, body = BackOfficeUser),
        (status = 400, description = "A bad field, an unknown role (`MODERATOR` included), or one's own role", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "`email_taken`: the email is in use; `account_deleted`: the account was erased", body = ErrorBody)))]
pub async fn update(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<AdminEditRequest>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = user_id(&id)?;
    let edit = AdminEdit {
        first_name: body.first_name,
        last_name: body.last_name,
        email: body.email,
        role: body.role,
        is_verified: body.is_verified,
        user_category: body.user_category,
    };
    let user = state.admin_edit(admin.user_id, id, edit).await?;
    Ok(ok(user_view(&user, None)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdminSuspendRequest {
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// DreamScape's suspension (until reactivated): signed out everywhere at once.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/suspend", operation_id = "suspend_user", tag = "Administration",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "User id")),
    request_body(content = Option<AdminSuspendRequest>, description = "Optional"),
    responses((status = 200, body = BackOfficeUser),
        (status = 400, description = "One's own account, or a reason over 500 characters", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "Already suspended (or banned), or erased", body = ErrorBody)))]
pub async fn suspend(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<AdminSuspendRequest>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = user_id(&id)?;
    let user = state.admin_suspend(admin.user_id, id, body.reason.as_deref()).await?;
    Ok(ok(user_view(&user, None)))
}

/// DreamScape's reactivation: lifts a suspension (or a ban). No body.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/reactivate", operation_id = "reactivate_user", tag = "Administration",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = BackOfficeUser), (status = 401, body = ErrorBody),
        (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
        (status = 409, description = "Not suspended, or erased", body = ErrorBody)))]
pub async fn reactivate(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = user_id(&id)?;
    let user = state.admin_reactivate(admin.user_id, id).await?;
    Ok(ok(user_view(&user, None)))
}

/// Erase an account, as its owner deleting it would (every context hears `user.deleted`).
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}", operation_id = "delete_user", tag = "Administration",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = AdminDeleted), (status = 400, description = "One's own account", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "No such user (or already erased)", body = ErrorBody),
        (status = 503, description = "Erased; another context is still erasing its part", body = ErrorBody)))]
pub async fn delete(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = user_id(&id)?;
    state.admin_delete(admin.user_id, id).await?;
    Ok(ok(AdminDeleted { id }))
}

/// A path id that is not a user id names no user: 404, as DreamScape.
fn user_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    raw.trim().parse().map_err(|_| ApiError::not_found("User not found"))
}
