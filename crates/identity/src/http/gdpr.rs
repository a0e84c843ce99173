//! DreamScape's GDPR endpoints (`/api/v1/users/gdpr/...`), the data-access log, account
//! deletion (`DELETE /api/v1/users/profile`) and publishing privacy-policy versions.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kernel::{ApiError, ErrorBody, FieldError, Page, PageQuery, PageRequest};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, Query, ok, ok_with_message};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::State;
use super::dto::optional_json;
use crate::service::privacy::current_consents;
use crate::store::privacy::{ConsentEvent, Policy};

fn consent_view(history: &[ConsentEvent]) -> Value {
    let (current, updated_at) = current_consents(history);
    let mut v = json!(current);
    v["updatedAt"] = json!(updated_at);
    v
}

/// The caller's current consents (never-answered purposes are not granted).
#[utoipa::path(get, path = "/api/v1/users/gdpr/consent", tag = "GDPR", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{analytics, marketing, functional, preferences, updatedAt}`"), (status = 401, body = ErrorBody)))]
pub async fn get_consent(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(consent_view(&state.consents(user.user_id).await?)))
}

/// Grant or withdraw consents; every change is kept in the history.
#[utoipa::path(post, path = "/api/v1/users/gdpr/consent", tag = "GDPR", security(("bearerAuth" = [])),
    request_body(content = Object, description = "`{analytics?, marketing?, functional?, preferences?}` booleans"),
    responses((status = 200, description = "Current consents"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn set_consent(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<BTreeMap<String, bool>>,
) -> Result<Response, ApiError> {
    let history = state.set_consents(user.user_id, &body).await?;
    Ok(ok_with_message(consent_view(&history), "Consents updated"))
}

/// Every consent change, oldest first.
#[utoipa::path(get, path = "/api/v1/users/gdpr/consent/history", tag = "GDPR", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{history}`"), (status = 401, body = ErrorBody)))]
pub async fn consent_history(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(json!({ "history": state.consents(user.user_id).await? })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GdprRequestIn {
    /// `DATA_EXPORT`, `DATA_DELETION`, `DATA_RECTIFICATION`, `RESTRICTION` or `PORTABILITY`.
    #[serde(rename = "type")]
    pub kind: String,
    pub reason: Option<String>,
    /// Required for `DATA_DELETION` unless the session signed in within the last 10 minutes.
    pub password: Option<String>,
}

/// File a data-subject request. Exports are ready at once (download within 7 days); deletion
/// erases the account immediately.
#[utoipa::path(post, path = "/api/v1/users/gdpr/request", tag = "GDPR", security(("bearerAuth" = [])), request_body = GdprRequestIn,
    responses((status = 201, description = "`{request}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "`reauthentication_required` (deletion)", body = ErrorBody)))]
pub async fn file_request(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<GdprRequestIn>,
) -> Result<Response, ApiError> {
    let kind = body.kind.trim().to_ascii_uppercase();
    if kind == "DATA_DELETION" {
        state.delete_account(user.user_id, user.session_id, body.password.as_deref()).await?;
        return Ok((
            StatusCode::CREATED,
            ok_with_message(json!({ "request": {"type": kind, "status": "completed"} }), "Account deleted"),
        )
            .into_response());
    }
    let request = state.file_request(user.user_id, &kind, body.reason.as_deref()).await?;
    Ok((StatusCode::CREATED, ok_with_message(json!({ "request": request }), "Request received")).into_response())
}

/// The caller's requests, newest first.
#[utoipa::path(get, path = "/api/v1/users/gdpr/requests", tag = "GDPR", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{requests}`"), (status = 401, body = ErrorBody)))]
pub async fn list_requests(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(json!({ "requests": state.requests(user.user_id).await? })))
}

/// One request and its status.
#[utoipa::path(get, path = "/api/v1/users/gdpr/requests/{id}", tag = "GDPR", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "`{request}`"), (status = 404, body = ErrorBody)))]
pub async fn get_request(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let request = state.request(user.user_id, kernel::parse_id(&id, "request")?).await?;
    Ok(ok(json!({ "request": request })))
}

/// Download the JSON archive of a completed export.
#[utoipa::path(get, path = "/api/v1/users/gdpr/requests/{id}/download", tag = "GDPR", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The archive (`application/json` attachment)"), (status = 404, body = ErrorBody),
        (status = 409, description = "`archive_unavailable`", body = ErrorBody)))]
pub async fn download(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "request")?;
    let archive = state.download(user.user_id, id).await?;
    let mut response = axum::Json(archive).into_response();
    let disposition = format!("attachment; filename=\"sojourn-export-{id}.json\"");
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The privacy policy in force; with a Bearer token, also whether the caller accepted it.
#[utoipa::path(get, path = "/api/v1/users/gdpr/privacy-policy", tag = "GDPR", security(()),
    responses((status = 200, description = "`{policy, accepted?}`"), (status = 404, body = ErrorBody)))]
pub async fn privacy_policy(AxumState(state): AxumState<State>, user: MaybeAuthUser) -> Result<Response, ApiError> {
    let policy = state.privacy_policy().await?;
    let mut data = json!({ "policy": policy });
    if let Some(user) = user.0 {
        let accepted = state.accepted_policies(user.user_id).await?;
        data["accepted"] = json!(accepted.iter().any(|(v, _)| *v == policy.version));
    }
    Ok(ok(data))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcceptRequest {
    /// The version being accepted; must be the current one when given.
    pub version: Option<String>,
}

/// Accept the privacy policy in force.
#[utoipa::path(post, path = "/api/v1/users/gdpr/privacy-policy/accept", tag = "GDPR", security(("bearerAuth" = [])),
    request_body(content = AcceptRequest, description = "Optional"),
    responses((status = 200, description = "`{acceptedVersion}`"), (status = 401, body = ErrorBody),
        (status = 409, description = "`policy_outdated`", body = ErrorBody)))]
pub async fn accept_policy(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: AcceptRequest = optional_json(&body)?.unwrap_or_default();
    let policy = state.accept_policy(user.user_id, body.version.as_deref()).await?;
    Ok(ok_with_message(json!({ "acceptedVersion": policy.version }), "Privacy policy accepted"))
}

/// Who accessed or handed out the caller's personal data.
#[utoipa::path(get, path = "/api/v1/users/gdpr/access-log", tag = "GDPR", security(("bearerAuth" = [])), params(PageQuery),
    responses((status = 200, description = "`{entries, pagination}`"), (status = 401, body = ErrorBody)))]
pub async fn access_log(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&q)?;
    let (entries, total) = state.access_log(user.user_id, &page).await?;
    Ok(ok(Page::new(entries, &page, u64::try_from(total).ok()).keyed("entries")))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteAccountRequest {
    /// Needed unless the session signed in within the last 10 minutes.
    pub password: Option<String>,
}

/// Delete the account (GDPR erasure): personal data is erased everywhere; payment records are
/// kept without names or contact details.
#[utoipa::path(delete, path = "/api/v1/users/profile", tag = "Profile", security(("bearerAuth" = [])),
    request_body(content = Option<DeleteAccountRequest>, description = "Optional: `{ password }` (needed unless the session signed in within the last 10 minutes)"),
    responses((status = 200, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, description = "`reauthentication_required`", body = ErrorBody)))]
pub async fn delete_account(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: DeleteAccountRequest = optional_json(&body)?.unwrap_or_default();
    state.delete_account(user.user_id, user.session_id, body.password.as_deref()).await?;
    Ok(ok_with_message(json!({}), "Account deleted"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PolicyIn {
    /// A new version label such as `2027-01-15`.
    pub version: String,
    pub title: String,
    /// The policy text (plain text or Markdown), at most 100 000 characters.
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
    let policy = Policy {
        version: version.to_owned(),
        title: body.title.trim().to_owned(),
        content: body.content,
        effective_at: body.effective_at.unwrap_or_else(|| state.now()),
    };
    let policy = state.publish_policy(admin.user_id, policy).await?;
    Ok((StatusCode::CREATED, ok(json!({ "policy": policy }))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminRequestsQuery {
    /// `received`, `in_progress`, `completed` or `rejected`.
    pub status: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// Data-subject requests of every user, oldest first (administrators).
#[utoipa::path(get, path = "/api/v1/admin/gdpr/requests", tag = "Administration", security(("bearerAuth" = [])), params(AdminRequestsQuery),
    responses((status = 200, description = "`{requests, pagination}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn admin_requests(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Query(q): Query<AdminRequestsQuery>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let page = PageRequest::parse(&PageQuery { limit: q.limit, offset: q.offset, cursor: None })?;
    let status = q.status.as_deref().map(str::trim);
    if status.is_some_and(|s| !["received", "in_progress", "completed", "rejected"].contains(&s)) {
        return Err(ApiError::validation(vec![FieldError::new(
            "status",
            "must be received, in_progress, completed or rejected",
        )]));
    }
    let (rows, total) = state.requests_for_admin(status, &page).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|(user, r)| {
            let mut v = json!(r);
            v["userId"] = json!(user);
            v
        })
        .collect();
    Ok(ok(Page::new(items, &page, u64::try_from(total).ok()).keyed("requests")))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HandleRequest {
    /// `in_progress`, `completed` or `rejected`.
    pub status: String,
    /// Shown to the user with the request.
    pub note: Option<String>,
}

/// Move a request along (administrators): rectification and restriction requests are handled
/// by people.
#[utoipa::path(patch, path = "/api/v1/admin/gdpr/requests/{id}", tag = "Administration", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Request id")), request_body = HandleRequest,
    responses((status = 200, description = "`{request}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn handle_request(
    AxumState(state): AxumState<State>,
    admin: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<HandleRequest>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let id = kernel::parse_id(&id, "request")?;
    let request = state.handle_request(admin.user_id, id, body.status.trim(), body.note.as_deref()).await?;
    Ok(ok_with_message(json!({ "request": request }), "Request updated"))
}
