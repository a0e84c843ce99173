//! Chunked, resumable uploads: `POST /api/v1/listings/{id}/media/uploads` declares the file,
//! `PATCH /api/v1/media/uploads/{id}` sends a piece at `Upload-Offset`, `GET` tells where the
//! upload stands (after a dropped connection), `DELETE` abandons it.

use axum::body::Body;
use axum::extract::State as AxumState;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::{Actor, AuthUser};
use platform::http::{Json, Path, created, ok};

use super::State;
use crate::service::uploads::{PieceOutcome, StartUpload, UploadView};

/// The header carrying a piece's offset (as in the tus protocol).
const UPLOAD_OFFSET: &str = "upload-offset";

fn upload_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("Upload not found (finished, aborted or expired)"))
}

fn with_offset(mut response: Response, offset: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&offset.to_string()) {
        response.headers_mut().insert(UPLOAD_OFFSET, v);
    }
    response
}

/// Start a chunked upload of a panorama or video to a listing (owner). Required for files
/// larger than `media.max_request_upload_mb` (100 MiB by default). The declared size counts
/// against the listing's quota until the upload ends.
#[utoipa::path(post, path = "/api/v1/listings/{id}/media/uploads", tag = "Media", operation_id = "start_media_upload",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")), request_body = StartUpload,
    responses((status = 201, description = "`{data: upload}`; send pieces from `offset` 0", body = UploadView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, description = "`payload_too_large` or `quota_exceeded`", body = ErrorBody)))]
pub async fn start(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<StartUpload>,
) -> Result<Response, ApiError> {
    let upload = state.start_upload(kernel::parse_id(&id, "listing")?, Actor::from(&user), body).await?;
    let offset = upload.offset;
    Ok(with_offset(created(upload), offset))
}

/// Where an upload stands: send the next piece at `offset` (also in `Upload-Offset`).
#[utoipa::path(get, path = "/api/v1/media/uploads/{id}", tag = "Media", operation_id = "get_media_upload",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Upload id")),
    responses((status = 200, description = "`{data: upload}`", body = UploadView), (status = 401, body = ErrorBody),
        (status = 404, description = "Finished, aborted, expired or not yours", body = ErrorBody)))]
pub async fn status(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let upload = state.upload_status(upload_id(&id)?, Actor::from(&user)).await?;
    let offset = upload.offset;
    Ok(with_offset(ok(upload), offset))
}

/// Send a piece: the body's bytes go at `Upload-Offset`, which must equal the upload's current
/// offset (else `409 offset_mismatch` with the right one). The piece that completes the file
/// answers `201` with the new object (`processing`).
#[utoipa::path(patch, path = "/api/v1/media/uploads/{id}", tag = "Media", operation_id = "append_media_upload",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Upload id"), ("Upload-Offset" = u64, Header, description = "Where this piece starts")),
    request_body(content_type = "application/offset+octet-stream", description = "The piece's bytes"),
    responses((status = 200, description = "`{data: {upload, object: null}}`", body = PieceOutcome),
        (status = 201, description = "Complete: `{data: {upload, object}}`", body = PieceOutcome),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`offset_mismatch` (`data.offset` is where to resume)", body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn append(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let id = upload_id(&id)?;
    let offset = headers
        .get(UPLOAD_OFFSET)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .ok_or_else(|| ApiError::bad_request("Send the piece's offset in the Upload-Offset header"))?;
    let outcome = state.append_piece(id, Actor::from(&user), offset, body.into_data_stream()).await?;
    let at = outcome.upload.offset;
    let response = if outcome.object.is_some() { created(outcome) } else { ok(outcome) };
    Ok(with_offset(response, at))
}

/// Abandon an upload (owner): its bytes and quota reservation go.
#[utoipa::path(delete, path = "/api/v1/media/uploads/{id}", tag = "Media", operation_id = "abort_media_upload",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Upload id")),
    responses((status = 204, description = "Abandoned"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn abort(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    state.abort_upload(upload_id(&id)?, Actor::from(&user)).await?;
    Ok(StatusCode::NO_CONTENT)
}
