//! `/api/v1/conversations`: open one (an enquiry about a listing, or a support thread), list
//! the caller's, read one, archive or mute it, and count what is unread.

use axum::extract::State as AxumState;
use axum::http::HeaderMap;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query, created, ok};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{State, conversation_id, cursor_page, next_cursor};
use crate::service::Actor;
use crate::service::conversations::Opening;

/// `{listingId, message}` opens (or finds) an enquiry; `{type: "support", subject, message}`
/// opens a support conversation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    /// `enquiry` (default) or `support`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub listing_id: Option<String>,
    pub subject: Option<String>,
    /// The first message (1–5000 characters).
    pub message: Option<String>,
}

pub(super) use platform::http::idempotency_key;

/// Open a conversation. An enquiry goes to the listing's host (published listings only; one
/// per guest and listing: a second POST adds the message to it and answers 200). A support
/// conversation goes to the administrators.
#[utoipa::path(post, path = "/api/v1/conversations", tag = "Messaging", operation_id = "create_conversation",
    security(("bearerAuth" = [])), request_body = CreateBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe key for the first message")),
    responses((status = 201, description = "`{conversation}`, new"), (status = 200, description = "`{conversation}`, the existing enquiry"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, description = "`blocked`", body = ErrorBody),
        (status = 404, description = "`listing_not_found`", body = ErrorBody), (status = 422, description = "`own_listing`", body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    headers: HeaderMap,
    Json(body): Json<CreateBody>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let message = body.message.unwrap_or_default();
    let opening = match body.kind.as_deref().unwrap_or("enquiry") {
        "enquiry" => {
            let raw = body
                .listing_id
                .ok_or_else(|| ApiError::validation(vec![FieldError::new("listingId", "is required")]))?;
            let listing =
                raw.trim().parse().map_err(|_| ApiError::new(404, "listing_not_found", "Listing not found"))?;
            Opening::Enquiry { listing, message }
        }
        "support" => Opening::Support { subject: body.subject.unwrap_or_default(), message },
        _ => return Err(ApiError::validation(vec![FieldError::new("type", "must be enquiry or support")])),
    };
    let opened = state.open(&Actor::from(&user), opening, key).await?;
    let data = json!({ "conversation": opened.view });
    Ok(if opened.created { created(data) } else { ok(data) })
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `true` for archived conversations, `false` (default) for the others.
    pub archived: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The caller's conversations, most recent activity first, each with its last message and
/// the caller's unread count.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "Messaging", operation_id = "list_conversations",
    security(("bearerAuth" = [])), params(ListQuery),
    responses((status = 200, description = "`{conversations, pagination}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let archived = match q.archived.as_deref().map(str::trim) {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::validation(vec![FieldError::new("archived", "must be true or false")])),
    };
    let (limit, cursor) = cursor_page(q.limit, q.cursor)?;
    let (items, next) = state.list(&Actor::from(&user), archived, false, cursor, limit).await?;
    Ok(ok(
        json!({"conversations": items, "pagination": {"limit": limit, "offset": 0, "nextCursor": next_cursor(next)}}),
    ))
}

/// Unread messages (by others, after the caller's read receipt, not deleted) per conversation
/// and in total.
#[utoipa::path(get, path = "/api/v1/conversations/unread-count", tag = "Messaging", operation_id = "count_unread_messages",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{unreadCount, conversations: [{conversationId, unreadCount}]}`"), (status = 401, body = ErrorBody)))]
pub async fn unread_count(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(state.unread(&Actor::from(&user)).await?))
}

/// One conversation (participants only; administrators: support conversations).
#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "Messaging", operation_id = "get_conversation",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id")),
    responses((status = 200, description = "`{conversation}`"), (status = 401, body = ErrorBody),
        (status = 404, description = "`conversation_not_found`", body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let view = state.view_for(&Actor::from(&user), conversation_id(&id)?).await?;
    Ok(ok(json!({ "conversation": view })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    pub archived: Option<bool>,
    pub muted: Option<bool>,
}

/// Archive / unarchive, mute / unmute the conversation for the caller.
#[utoipa::path(patch, path = "/api/v1/conversations/{id}", tag = "Messaging", operation_id = "update_conversation",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Conversation id")), request_body = UpdateBody,
    responses((status = 200, description = "`{conversation}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn update(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<UpdateBody>,
) -> Result<Response, ApiError> {
    let view = state.set_flags(&Actor::from(&user), conversation_id(&id)?, body.archived, body.muted).await?;
    Ok(ok(json!({ "conversation": view })))
}
