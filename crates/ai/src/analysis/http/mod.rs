//! The analysis part's routes. Handlers parse and check input, call the pure functions of the
//! sibling modules or the store, and answer bare JSON.

mod files;
mod reviews;
mod text;

use axum::Json as BareJson;
use axum::response::{IntoResponse, Response};
use kernel::ApiError;
use platform::auth::AuthUser;
use platform::config::Limit;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::State;

/// Largest upload for image analysis (the platform's image limit) and for transcription.
pub const MAX_IMAGE_BYTES: usize = platform::images::MAX_INPUT_BYTES;
pub const MAX_AUDIO_BYTES: usize = 25 * 1024 * 1024;
/// Multipart framing and small fields around a file.
const FRAMING: usize = 64 * 1024;

/// Text, image and audio tools per user: offline ones are cheap but not free; model calls
/// also count against the model's own per-user limits.
pub const TOOL_LIMIT: Limit = Limit::new(60, 60);

pub fn routes() -> OpenApiRouter<State> {
    let images = OpenApiRouter::new()
        .routes(routes!(files::analyze))
        .routes(routes!(files::describe))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_IMAGE_BYTES + FRAMING));
    let audio = OpenApiRouter::new()
        .routes(routes!(files::transcribe))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_AUDIO_BYTES + FRAMING));
    OpenApiRouter::new()
        .merge(images)
        .merge(audio)
        .routes(routes!(reviews::listing_sentiment))
        .routes(routes!(reviews::reservation_purpose))
        .routes(routes!(reviews::purpose_of_input))
        .routes(routes!(files::duplicates))
        .routes(routes!(text::tool))
}

pub fn bare<T: Serialize>(value: T) -> Response {
    BareJson(value).into_response()
}

/// Counts one use of the tools by the caller (`429` beyond [`TOOL_LIMIT`]).
pub async fn count_use(state: &State, user: &AuthUser) -> Result<(), ApiError> {
    state.limits.check(&format!("ai.analysis:{}", user.user_id), TOOL_LIMIT).await?;
    Ok(())
}
