//! Data-subject requests: DreamScape's export / deletion / list / download routes and our
//! `POST /gdpr/request` and `/requests/{id}/download`, on one service.

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, Path, ok, ok_with_message};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use crate::store::requests::Request;

fn request_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw.trim()).map_err(|_| ApiError::not_found("Request not found"))
}

fn created(request: Request, message: &str) -> Response {
    (StatusCode::CREATED, ok_with_message(request, message)).into_response()
}

/// Export everything the platform holds about the caller. No body. The archive is built at
/// once: the request answered is already `COMPLETED` and can be downloaded for 7 days.
#[utoipa::path(post, path = "/api/v1/users/gdpr/data-export", tag = "GDPR", security(("bearerAuth" = [])),
    responses((status = 201, description = "`Data export request created`: the request", body = Request),
        (status = 401, body = ErrorBody),
        (status = 503, description = "Another part of the platform could not answer; the request is `REJECTED`", body = ErrorBody)))]
pub async fn data_export(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let request = state.file_request(user.user_id, "DATA_EXPORT", None).await?;
    Ok(created(request, "Data export request created"))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeletionIn {
    /// Why (at most 1000 characters).
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
}

/// Ask for the account to be deleted. The request stays `PENDING` until an administrator
/// completes it, which erases the account (`DELETE /api/v1/users/profile` deletes at once).
#[utoipa::path(post, path = "/api/v1/users/gdpr/data-deletion", tag = "GDPR", security(("bearerAuth" = [])),
    request_body(content = Option<DeletionIn>, description = "Optional"),
    responses((status = 201, description = "`Data deletion request created`: the request", body = Request),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn data_deletion(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: DeletionIn = super::gdpr::object_body(&body)?;
    let request = state.file_request(user.user_id, "DATA_DELETION", body.reason.as_deref()).await?;
    Ok(created(request, "Data deletion request created"))
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

/// File a data-subject request (our form). Exports are ready at once; `DATA_DELETION` here
/// erases the account immediately.
#[utoipa::path(post, path = "/api/v1/users/gdpr/request", tag = "GDPR", security(("bearerAuth" = [])), request_body = GdprRequestIn,
    responses((status = 201, description = "`{request}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "`reauthentication_required` (deletion)", body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn file_request(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<GdprRequestIn>,
) -> Result<Response, ApiError> {
    let kind = body.kind.trim().to_ascii_uppercase();
    if kind == "DATA_DELETION" {
        state.delete_account(user.user_id, user.session_id, body.password.as_deref()).await?;
        let request = json!({"requestType": kind, "status": "COMPLETED"});
        return Ok(
            (StatusCode::CREATED, ok_with_message(json!({ "request": request }), "Account deleted")).into_response()
        );
    }
    let request = state.file_request(user.user_id, &kind, body.reason.as_deref()).await?;
    Ok((StatusCode::CREATED, ok_with_message(json!({ "request": request }), "Request received")).into_response())
}

/// The caller's requests, newest first (exports with their archive in `exportData`).
#[utoipa::path(get, path = "/api/v1/users/gdpr/requests", tag = "GDPR", security(("bearerAuth" = [])),
    responses((status = 200, description = "The requests", body = [Request]), (status = 401, body = ErrorBody)))]
pub async fn list_requests(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(state.requests(user.user_id, true).await?))
}

/// One of the caller's requests; someone else's is `403`.
#[utoipa::path(get, path = "/api/v1/users/gdpr/requests/{id}", tag = "GDPR", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The request", body = Request), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_request(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(ok(state.request(user.user_id, request_id(&id)?, true).await?))
}

async fn archive(state: &State, user: &AuthUser, id: &str, filename: &str) -> Result<Response, ApiError> {
    let archive = state.download(user.user_id, request_id(id)?).await?;
    let mut response = axum::Json(archive).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Download a completed export: the archive itself, as a JSON attachment.
#[utoipa::path(get, path = "/api/v1/users/gdpr/data-export/{id}/download", tag = "GDPR", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The archive (`dreamscape-data-export.json` attachment)"),
        (status = 400, description = "`export_not_completed`", body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "Unknown request, or the archive expired", body = ErrorBody)))]
pub async fn download_export(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    archive(&state, &user, &id, "dreamscape-data-export.json").await
}

/// Download a completed export (our path).
#[utoipa::path(get, path = "/api/v1/users/gdpr/requests/{id}/download", tag = "GDPR", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Request id")),
    responses((status = 200, description = "The archive (`sojourn-export-<id>.json` attachment)"),
        (status = 400, description = "`export_not_completed`", body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "Unknown request, or the archive expired", body = ErrorBody)))]
pub async fn download(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let name = format!("sojourn-export-{}.json", request_id(&id)?);
    archive(&state, &user, &id, &name).await
}
