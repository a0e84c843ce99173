//! GDPR administration: publishing privacy-policy versions and handling data-subject requests.

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kernel::{ApiError, ErrorBody, FieldError, Page, PageQuery, PageRequest};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok, ok_with_message};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::State;
use crate::service::requests::status;
use crate::store::privacy::Policy;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyIn {
    /// A new version label such as `2027-01-15`.
    pub version: String,
    pub title: String,
    /// The policy text (plain text, Markdown or HTML), at most 100 000 characters.
    pub content: String,
    /// When it takes effect (default: now).
    pub effective_at: Option<DateTime<Utc>>,
}

/// Publish a new privacy-policy version (administrators).
#[utoipa::path(post, path = "/api/v1/admin/privacy-policies", tag = "Administration", security(("bearerAuth" = [])), request_body = PolicyIn,
    responses((status = 201, description = "`{policy}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, description = "`version_exists`", body = ErrorBody)))]
pub async fn publish_policy(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Json(body): Json<PolicyIn>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let mut errors = Vec::new();
    let version = body.version.trim();
    if version.is_empty()
        || version.len() > 40
        || !version.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        errors.push(FieldError::new("version", "must be 1 to 40 letters, digits, '.', '-' or '_'"));
    }
    if body.title.trim().is_empty() || body.title.chars().count() > 200 {
        errors.push(FieldError::new("title", "must be 1 to 200 characters"));
    }
    if body.content.trim().is_empty() || body.content.chars().count() > 100_000 {
        errors.push(FieldError::new("content", "must be 1 to 100000 characters"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let now = state.now();
    let policy = Policy {
        id: Policy::id_of(version),
        version: version.to_owned(),
        title: body.title.trim().to_owned(),
        content: body.content,
        effective_at: body.effective_at.unwrap_or(now),
        created_at: now,
    };
    let policy = state.publish_policy(admin.user_id, policy).await?;
    Ok((StatusCode::CREATED, ok(serde_json::json!({ "policy": policy }))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminRequestsQuery {
    /// `PENDING`, `IN_PROGRESS`, `COMPLETED`, `REJECTED` or `CANCELLED` (any case; `received`
    /// is `PENDING`).
    pub status: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// Data-subject requests of every user, oldest first (administrators; never the archives).
#[utoipa::path(get, path = "/api/v1/admin/gdpr/requests", tag = "Administration", security(("bearerAuth" = [])), params(AdminRequestsQuery),
    responses((status = 200, description = "`{requests, pagination}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn admin_requests(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(q): Query<AdminRequestsQuery>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let page = PageRequest::parse(&PageQuery { limit: q.limit, offset: q.offset, cursor: None })?;
    let wanted = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(raw) => Some(status(raw).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new(
                "status",
                "must be PENDING, IN_PROGRESS, COMPLETED, REJECTED or CANCELLED",
            )])
        })?),
    };
    let (rows, total) = state.requests_for_admin(wanted, &page).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            let mut v = serde_json::json!(r);
            v.as_object_mut().map(|o| o.remove("exportData"));
            v
        })
        .collect();
    Ok(ok(Page::new(items, &page, u64::try_from(total).ok()).keyed("requests")))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandleRequest {
    /// `IN_PROGRESS`, `COMPLETED` or `REJECTED` (any case). Completing a `DATA_DELETION`
    /// request erases the account.
    pub status: String,
    /// Shown to the user with the request (`notes`), at most 1000 characters.
    pub note: Option<String>,
}

/// Move a request along (administrators): deletion, rectification and restriction requests are
/// handled by people.
#[utoipa::path(patch, path = "/api/v1/admin/gdpr/requests/{id}", tag = "Administration", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Request id")), request_body = HandleRequest,
    responses((status = 200, description = "`{request}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, description = "Account erased; another context still erasing", body = ErrorBody)))]
pub async fn handle_request(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<HandleRequest>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = kernel::parse_id(&id, "request")?;
    let request = state.handle_request(admin.user_id, id, &body.status, body.note.as_deref()).await?;
    Ok(ok_with_message(serde_json::json!({ "request": request }), "Request updated"))
}
