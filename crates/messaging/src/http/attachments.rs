//! `GET /api/v1/conversations/{id}/attachments/{attachmentId}`: a file, to participants only.
//! Attachments have no public URL: their object keys are random and never shown, and this
//! route is the only way to them.

use axum::extract::State as AxumState;
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::Path;

use super::{State, conversation_id};
use crate::service::Actor;

/// The file, with the type sniffed at upload, `Content-Disposition` and `nosniff`.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/attachments/{attachmentId}", tag = "Messaging", operation_id = "download_attachment",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Conversation id"), ("attachmentId" = String, Path, description = "Attachment id")),
    responses((status = 200, description = "The file's bytes"), (status = 401, body = ErrorBody),
        (status = 404, description = "`conversation_not_found`, `attachment_not_found`", body = ErrorBody)))]
pub async fn download(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((id, attachment)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = conversation_id(&id)?;
    let attachment = kernel::parse_id(&attachment, "Attachment")
        .map_err(|_| ApiError::new(404, "attachment_not_found", "Attachment not found"))?;
    let (a, object) = state.attachment(&Actor::from(&user), id, attachment).await?;
    let disposition = if a.content_type.starts_with("image/") { "inline" } else { "attachment" };
    // The stored name is already reduced to [A-Za-z0-9 _-] plus the extension.
    let header = |v: String| HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    let headers = [
        (CONTENT_TYPE, header(a.content_type.clone())),
        (CONTENT_DISPOSITION, header(format!("{disposition}; filename=\"{}\"", a.file_name))),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
    ];
    Ok((StatusCode::OK, headers, object.bytes).into_response())
}
