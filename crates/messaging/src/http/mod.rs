//! Messaging's HTTP surface, all under `/api/v1`, all authenticated: conversations, their
//! messages and attachments, read receipts, search, blocks, reports, and the administrators'
//! support queue and report queue. Handlers parse, call the service and render.

mod admin;
mod attachments;
mod conversations;
mod messages;
mod moderation;

use chrono::{DateTime, Utc};
use kernel::{ApiError, Cursor, PageQuery, PageRequest};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::service::{Messaging, conversation_not_found, message_not_found, send};

pub type State = Messaging;

pub fn routes() -> OpenApiRouter<State> {
    // Sends may carry 5 files of 10 MB: beyond the server-wide body limit.
    let uploads = OpenApiRouter::new()
        .routes(routes!(messages::list, messages::send))
        .layer(axum::extract::DefaultBodyLimit::max(send::MAX_FILES * send::MAX_FILE_BYTES + 1024 * 1024));
    OpenApiRouter::new()
        .merge(uploads)
        .routes(routes!(conversations::list, conversations::create))
        .routes(routes!(conversations::unread_count))
        .routes(routes!(conversations::get, conversations::update))
        .routes(routes!(messages::read))
        .routes(routes!(messages::delete))
        .routes(routes!(messages::search))
        .routes(routes!(attachments::download))
        .routes(routes!(moderation::list_blocks, moderation::block))
        .routes(routes!(moderation::unblock))
        .routes(routes!(moderation::report))
        .routes(routes!(admin::support_conversations))
        .routes(routes!(admin::reports))
        .routes(routes!(admin::resolve))
        .routes(routes!(admin::run_jobs))
}

/// `limit` and `cursor` of a cursor-paged list (a bad cursor is a 400).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CursorQuery {
    /// Items per page, 1–100 (default 20).
    pub limit: Option<String>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

/// A position in a newest-first list: (time, id).
pub type Position = (DateTime<Utc>, Uuid);

pub fn cursor_page(limit: Option<String>, cursor: Option<String>) -> Result<(u32, Option<Position>), ApiError> {
    let page = PageRequest::parse(&PageQuery { limit, offset: None, cursor })?;
    let position = page.cursor.as_deref().map(Cursor::decode::<Position>).transpose()?;
    Ok((page.limit, position))
}

pub fn next_cursor(next: Option<Position>) -> Option<String> {
    next.map(|p| Cursor::encode(&p))
}

pub fn conversation_id(raw: &str) -> Result<Uuid, ApiError> {
    kernel::parse_id(raw, "Conversation").map_err(|_| conversation_not_found())
}

pub fn message_id(raw: &str) -> Result<Uuid, ApiError> {
    kernel::parse_id(raw, "Message").map_err(|_| message_not_found())
}
