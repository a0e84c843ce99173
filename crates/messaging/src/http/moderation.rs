//! `/api/v1/blocks` (block, unblock, list) and reporting a message to the moderators.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, created, ok, ok_with_message};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{State, conversation_id, message_id};
use crate::service::Actor;

fn user_id(raw: &str) -> Result<Uuid, ApiError> {
    kernel::parse_id(raw, "User").map_err(|_| ApiError::new(404, "user_not_found", "User not found"))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlockBody {
    pub user_id: Option<String>,
}

/// Block a user: they can no longer write in conversations with the caller nor open enquiries
/// to them (system messages and support are unaffected). Idempotent.
#[utoipa::path(post, path = "/api/v1/blocks", tag = "Messaging", operation_id = "block_user", security(("bearerAuth" = [])),
    request_body = BlockBody,
    responses((status = 201, description = "`{block: {userId, blocked}}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, description = "`cannot_block_self`", body = ErrorBody)))]
pub async fn block(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<BlockBody>,
) -> Result<Response, ApiError> {
    let raw = body.user_id.ok_or_else(|| ApiError::validation(vec![FieldError::new("userId", "is required")]))?;
    let target =
        raw.trim().parse().map_err(|_| ApiError::validation(vec![FieldError::new("userId", "must be a user id")]))?;
    Ok(created(json!({ "block": state.block(&Actor::from(&user), target).await? })))
}

/// Unblock a user.
#[utoipa::path(delete, path = "/api/v1/blocks/{userId}", tag = "Messaging", operation_id = "unblock_user", security(("bearerAuth" = [])),
    params(("userId" = String, Path, description = "The blocked user")),
    responses((status = 200, description = "Unblocked"), (status = 401, body = ErrorBody), (status = 404, description = "`block_not_found`", body = ErrorBody)))]
pub async fn unblock(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(target): Path<String>,
) -> Result<Response, ApiError> {
    state.unblock(&Actor::from(&user), user_id(&target)?).await?;
    Ok(ok_with_message(json!({"userId": target.trim(), "blocked": false}), "User unblocked"))
}

/// The users the caller blocked, most recent first.
#[utoipa::path(get, path = "/api/v1/blocks", tag = "Messaging", operation_id = "list_blocks", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{blocks: [{userId, createdAt}]}`"), (status = 401, body = ErrorBody)))]
pub async fn list_blocks(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(json!({ "blocks": state.blocks(&Actor::from(&user)).await? })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportBody {
    /// `spam`, `harassment`, `scam`, `off_platform_payment`, `inappropriate` or `other`.
    pub reason: Option<String>,
    /// Up to 2000 characters.
    pub details: Option<String>,
}

/// Report a message of a conversation the caller takes part in (one open report per message
/// and reporter).
#[utoipa::path(post, path = "/api/v1/conversations/{id}/messages/{messageId}/report", tag = "Messaging", operation_id = "report_message",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Conversation id"), ("messageId" = String, Path, description = "Message id")),
    request_body = ReportBody,
    responses((status = 201, description = "`{report}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "`already_reported`", body = ErrorBody)))]
pub async fn report(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((id, message)): Path<(String, String)>,
    Json(body): Json<ReportBody>,
) -> Result<Response, ApiError> {
    let (id, message) = (conversation_id(&id)?, message_id(&message)?);
    let reason = body.reason.unwrap_or_default();
    let report = state.report(&Actor::from(&user), id, message, reason.trim(), body.details).await?;
    Ok(created(json!({ "report": report })))
}
