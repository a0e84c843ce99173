//! `/api/v1/conversations/{id}/messages`: pages of messages, sending (JSON, or multipart with
//! files), soft delete, read receipts; and `/api/v1/messages/search`.

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request, State as AxumState};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, ok};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::conversations::idempotency_key;
use super::{CursorQuery, State, conversation_id, cursor_page, message_id, next_cursor};
use crate::service::send::{MAX_FILE_BYTES, MAX_FILES};
use crate::service::{Actor, Outgoing, Upload};

/// The largest JSON send body.
const MAX_JSON_BYTES: u64 = 64 * 1024;

/// A page of the conversation's messages, newest first.
#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "Messaging", operation_id = "list_messages",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id"), CursorQuery),
    responses((status = 200, description = "`{messages, pagination: {limit, nextCursor}}`"), (status = 400, description = "bad `limit` or `cursor`", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, description = "`conversation_not_found`", body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Query(q): Query<CursorQuery>,
) -> Result<Response, ApiError> {
    let id = conversation_id(&id)?;
    let (limit, cursor) = cursor_page(q.limit, q.cursor)?;
    let (items, next) = state.messages(&Actor::from(&user), id, cursor, limit).await?;
    Ok(ok(json!({"messages": items, "pagination": {"limit": limit, "offset": 0, "nextCursor": next_cursor(next)}})))
}

/// The JSON form of a send.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SendBody {
    /// 1–5000 characters once trimmed; no control characters but new line and tab.
    pub body: Option<String>,
    /// The client's own id for the message (echoed back).
    pub client_message_id: Option<String>,
}

fn multipart_error(e: &MultipartError) -> ApiError {
    let status = e.status().as_u16();
    let code = if status == 413 { "payload_too_large" } else { "bad_request" };
    ApiError::new(status, code, e.body_text())
}

async fn read_multipart(request: Request) -> Result<Outgoing, ApiError> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|e| ApiError::new(e.status().as_u16(), "bad_request", e.body_text()))?;
    let mut out = Outgoing::default();
    while let Some(mut field) = multipart.next_field().await.map_err(|e| multipart_error(&e))? {
        match field.name() {
            Some("body") => out.body = Some(field.text().await.map_err(|e| multipart_error(&e))?),
            Some("clientMessageId") => {
                out.client_message_id = Some(field.text().await.map_err(|e| multipart_error(&e))?)
            }
            Some("files" | "files[]" | "file") => {
                if out.files.len() == MAX_FILES {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "files",
                        format!("at most {MAX_FILES} files"),
                    )]));
                }
                let name = field.file_name().map(str::to_owned);
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(&e))? {
                    if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                        return Err(ApiError::new(413, "attachment_too_large", "Each file must be at most 10 MB"));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                out.files.push(Upload { name, bytes });
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Send a message: JSON `{body, clientMessageId?}`, or `multipart/form-data` with a `body`
/// field and up to 5 `files` (JPEG, PNG, WebP, GIF or PDF, recognised from their bytes; 10 MB
/// each). Until the reservation is confirmed, contact details are hidden from the other party
/// (`masked: true`; the sender gets `maskedBody` and `maskedRanges`). The same
/// `Idempotency-Key` answers the same message.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages", tag = "Messaging", operation_id = "send_message",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Conversation id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key, 1–255 characters")),
    request_body(content((SendBody = "application/json"), (SendBody = "multipart/form-data")), description = "JSON, or multipart with `body` and `files`"),
    responses((status = 201, description = "`{message}` (with `Idempotent-Replayed: true` when repeated)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, description = "`blocked`", body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, description = "`attachment_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_attachment_type`", body = ErrorBody),
        (status = 422, description = "`idempotency_key_reused`", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    request: Request,
) -> Result<Response, ApiError> {
    let id = conversation_id(&id)?;
    let key = idempotency_key(&headers)?;
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let out = if content_type.to_ascii_lowercase().starts_with("multipart/form-data") {
        read_multipart(request).await?
    } else {
        let length = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if length.is_some_and(|n| n > MAX_JSON_BYTES) {
            return Err(ApiError::new(413, "payload_too_large", "The message is too large"));
        }
        let Json(body) = Json::<SendBody>::from_request(request, &()).await?;
        Outgoing { body: body.body, files: Vec::new(), client_message_id: body.client_message_id }
    };
    let sent = state.send(&Actor::from(&user), id, out, key).await?;
    let mut response =
        (StatusCode::CREATED, axum::Json(json!({"success": true, "data": {"message": sent.view}}))).into_response();
    if sent.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// Soft-delete one of the caller's own messages: its text and files are gone, `deletedAt` set.
#[utoipa::path(delete, path = "/api/v1/conversations/{id}/messages/{messageId}", tag = "Messaging", operation_id = "delete_message",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Conversation id"), ("messageId" = String, Path, description = "Message id")),
    responses((status = 200, description = "`{message}`"), (status = 401, body = ErrorBody),
        (status = 404, description = "`conversation_not_found`, `message_not_found` (also others' messages)", body = ErrorBody)))]
pub async fn delete(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((id, message)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let view = state.delete_message(&Actor::from(&user), conversation_id(&id)?, message_id(&message)?).await?;
    Ok(ok(json!({ "message": view })))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadBody {
    /// The last message read (default: the newest). A receipt never moves backwards.
    pub message_id: Option<String>,
}

/// Mark the conversation read up to a message (default: the newest).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/read", tag = "Messaging", operation_id = "read_conversation",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id")), request_body = ReadBody,
    responses((status = 200, description = "`{conversationId, lastReadMessageId, readAt, unreadCount}`"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn read(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<ReadBody>,
) -> Result<Response, ApiError> {
    let message = body.message_id.as_deref().map(message_id).transpose()?;
    Ok(ok(state.read(&Actor::from(&user), conversation_id(&id)?, message).await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Text to find (case-insensitive substring, 1–200 characters).
    pub q: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Search the caller's own conversations (not deleted messages; masked text as the caller
/// reads it), newest first.
#[utoipa::path(get, path = "/api/v1/messages/search", tag = "Messaging", operation_id = "search_messages",
    security(("bearerAuth" = [])), params(SearchQuery),
    responses((status = 200, description = "`{messages, pagination}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn search(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let needle = q.q.as_deref().map(str::trim).unwrap_or_default().to_owned();
    if needle.is_empty() || needle.chars().count() > 200 {
        return Err(ApiError::validation(vec![FieldError::new("q", "must be 1 to 200 characters")]));
    }
    let (limit, cursor) = cursor_page(q.limit, q.cursor)?;
    let (items, next) = state.search(&Actor::from(&user), &needle, cursor, limit).await?;
    Ok(ok(json!({"messages": items, "pagination": {"limit": limit, "offset": 0, "nextCursor": next_cursor(next)}})))
}
