//! The assistant's routes. Everything here is about the caller, so everything needs their
//! token; a conversation of anyone else is `404`. Without a model every route answers
//! `503 assistant_not_configured` (checked first, so a client learns it before signing in).
//! Success bodies are bare JSON, like the rest of DreamScape's AI service.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State as AxumState;
use axum::http::header::ACCEPT;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, Query};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::draft::{__path_draft_itinerary, draft_itinerary};
use super::service::Assistant;
use super::turn::Progress;

pub type State = Assistant;

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(get, delete))
        .routes(routes!(send))
        .routes(routes!(usage))
        .routes(routes!(draft_itinerary))
}

/// The caller, once the assistant is known to be configured.
pub(super) fn caller(state: &State, user: Option<AuthUser>) -> Result<Uuid, ApiError> {
    state.model()?;
    user.map(|u| u.user_id).ok_or_else(|| ApiError::unauthorized("Access token required"))
}

fn conversation_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::not_found("Conversation not found"))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConversationIn {
    /// Up to 200 characters; named after the first message when left out.
    pub title: Option<String>,
}

/// Starts a conversation with the travel assistant.
#[utoipa::path(post, path = "/api/v1/ai/assistant/conversations", tag = "AI assistant",
    operation_id = "ai_assistant_create_conversation", security(("bearerAuth" = [])), request_body = ConversationIn,
    responses((status = 201, description = "`{id, title, createdAt, updatedAt, messages: []}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 503, description = "`assistant_not_configured`", body = ErrorBody)))]
pub async fn create(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Json(body): Json<ConversationIn>,
) -> Result<Response, ApiError> {
    let user = caller(&state, user)?;
    Ok((StatusCode::CREATED, axum::Json(state.create(user, body.title.as_deref()).await?)).into_response())
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// From 1 (default 1).
    pub page: Option<i64>,
    /// 1 to 100 (default 20).
    pub limit: Option<i64>,
}

/// The caller's conversations, most recently active first.
#[utoipa::path(get, path = "/api/v1/ai/assistant/conversations", tag = "AI assistant",
    operation_id = "ai_assistant_list_conversations", security(("bearerAuth" = [])), params(ListParams),
    responses((status = 200, description = "`{conversations: [{id, title, createdAt, updatedAt}], total, page, limit}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Query(params): Query<ListParams>,
) -> Result<Response, ApiError> {
    let user = caller(&state, user)?;
    let page = params.page.unwrap_or(1);
    let limit = params.limit.unwrap_or(20);
    let mut errors = Vec::new();
    if !(1..=100_000).contains(&page) {
        errors.push(FieldError::new("page", "must be 1 to 100000"));
    }
    if !(1..=100).contains(&limit) {
        errors.push(FieldError::new("limit", "must be 1 to 100"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(axum::Json(state.list(user, page, limit).await?).into_response())
}

/// One of the caller's conversations with its messages (user and assistant; an assistant
/// message names the tools it used and carries the itinerary it drafted).
#[utoipa::path(get, path = "/api/v1/ai/assistant/conversations/{id}", tag = "AI assistant",
    operation_id = "ai_assistant_get_conversation", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "The conversation")),
    responses((status = 200, description = "`{id, title, createdAt, updatedAt, messages: [{id, role, content, createdAt, toolCalls?, itinerary?, usage?}]}`"),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = caller(&state, user)?;
    Ok(axum::Json(state.get(user, conversation_id(&id)?).await?).into_response())
}

/// Deletes one of the caller's conversations.
#[utoipa::path(delete, path = "/api/v1/ai/assistant/conversations/{id}", tag = "AI assistant",
    operation_id = "ai_assistant_delete_conversation", security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "The conversation")),
    responses((status = 200, description = "`{deleted: true, id}`"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn delete(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let user = caller(&state, user)?;
    let id = conversation_id(&id)?;
    state.delete(user, id).await?;
    Ok(axum::Json(json!({"deleted": true, "id": id})).into_response())
}

/// What the caller spent on the assistant today (UTC), the daily limits and what is left.
#[utoipa::path(get, path = "/api/v1/ai/assistant/usage", tag = "AI assistant",
    operation_id = "ai_assistant_usage", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{day, promptTokens, completionTokens, totalTokens, costMicros, calls, \
            limits: {tokens, costMicros}, remaining: {tokens, costMicros}, resetsAt}`"),
        (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn usage(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
) -> Result<Response, ApiError> {
    let user = caller(&state, user)?;
    Ok(axum::Json(state.usage_today(user).await?).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MessageIn {
    /// 1 to 4,000 characters.
    pub content: String,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SendParams {
    /// `true`: answer as server-sent events (as `Accept: text/event-stream` does).
    pub stream: Option<bool>,
}

/// Sends a message and answers the assistant's reply, after the searches and drafting it
/// needed (at most 6 calls to the model). With `Accept: text/event-stream` or `?stream=true`
/// the reply is streamed: `delta` events (`{text}`), `tool` events (`{name, status}`: running,
/// done, failed), then `done` (the message, as the JSON answer) or `error` (the error body).
#[utoipa::path(post, path = "/api/v1/ai/assistant/conversations/{id}/messages", tag = "AI assistant",
    operation_id = "ai_assistant_send_message", security(("bearerAuth" = [])), request_body = MessageIn,
    params(("id" = String, Path, description = "The conversation"), SendParams),
    responses((status = 200, description = "`{id, role: assistant, content, createdAt, toolCalls?, itinerary?: {title, destination, \
            startDate, endDate, items: [{type, offerId, title, day?, date?, notes?, quantity, price, cartItem}], totals}, usage, \
            conversationId, turnUsage}`; or `text/event-stream`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`turn_in_progress`", body = ErrorBody), (status = 422, description = "`conversation_full`", body = ErrorBody),
        (status = 429, description = "`ai_quota_exceeded` or `rate_limited`", body = ErrorBody),
        (status = 502, description = "`model_error`", body = ErrorBody),
        (status = 503, description = "`assistant_not_configured`, `model_unavailable`", body = ErrorBody)))]
pub async fn send(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Path(id): Path<String>,
    Query(params): Query<SendParams>,
    headers: HeaderMap,
    Json(body): Json<MessageIn>,
) -> Result<Response, ApiError> {
    let user = caller(&state, user)?;
    let (conversation, busy) = state.admit(user, conversation_id(&id)?, &body.content).await?;
    let wants_stream = params.stream.unwrap_or(false)
        || headers.get(ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/event-stream"));
    if !wants_stream {
        let answer = state.turn(user, &conversation, &body.content, None).await;
        drop(busy);
        return Ok(axum::Json(answer?).into_response());
    }
    let (tx, rx) = mpsc::channel::<Progress>(64);
    let (done_tx, done_rx) = tokio::sync::oneshot::channel::<Result<Value, ApiError>>();
    // The turn runs to its end even if the client goes away: it is stored either way.
    tokio::spawn(async move {
        let result = state.turn(user, &conversation, &body.content, Some(&tx)).await;
        drop((tx, busy));
        let _ = done_tx.send(result);
    });
    Ok(sse(rx, done_rx).into_response())
}

fn event(name: &str, data: &Value) -> Event {
    Event::default().event(name).data(data.to_string())
}

/// The turn's progress as server-sent events, then its end.
fn sse(
    rx: mpsc::Receiver<Progress>,
    done: tokio::sync::oneshot::Receiver<Result<Value, ApiError>>,
) -> Sse<impl futures_util::Stream<Item = Result<Event, Infallible>>> {
    let stream = futures_util::stream::unfold((Some(rx), Some(done)), |(rx, done)| async move {
        if let Some(mut rx) = rx
            && let Some(progress) = rx.recv().await
        {
            let e = match progress {
                Progress::Delta(text) => event("delta", &json!({"text": text})),
                Progress::Tool { name, status } => event("tool", &json!({"name": name, "status": status})),
            };
            return Some((Ok(e), (Some(rx), done)));
        }
        let result = done?.await.unwrap_or_else(|_| Err(ApiError::internal()));
        let e = match result {
            Ok(message) => event("done", &message),
            Err(e) => event(
                "error",
                &json!({"success": false, "error": e.message, "code": e.code, "message": e.message, "status": e.status}),
            ),
        };
        Some((Ok(e), (None, None)))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
