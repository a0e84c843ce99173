//! The user service's AI-integration endpoints (DreamScape's `/api/v1/ai/users/...` and
//! `/api/v1/ai/health`). DreamScape leaves them open for its ai service; here a user reads
//! their own preferences and administrators everything. Answers carry `timestamp` as
//! DreamScape's do. (The ai context adds other `/api/v1/ai/*` routes.)

use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, Path};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::State;

fn answer(state: &State, data: Value) -> Response {
    axum::Json(json!({"success": true, "data": data, "timestamp": state.now()})).into_response()
}

/// A user's AI-preferences document, built from onboarding: destinations, budget, travel types
/// and style, timing, accommodation, transport, activities, constraints, experience, climate,
/// loyalty, and `metadata.dataQuality`. The caller's own id, or any for an administrator.
#[utoipa::path(get, path = "/api/v1/ai/users/{userId}/preferences", tag = "AI integration",
    security(("bearerAuth" = []), ("cookieAuth" = [])),
    params(("userId" = String, Path, description = "User id")),
    responses((status = 200, description = "`{ success, data: document, timestamp }`"), (status = 401, body = ErrorBody),
        (status = 403, description = "Another user's id (not an administrator)", body = ErrorBody),
        (status = 404, description = "`User not found`", body = ErrorBody)))]
pub async fn preferences(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(user_id): Path<String>,
) -> Result<Response, ApiError> {
    if !user.is_admin() && user_id.trim() != user.user_id.to_string() {
        return Err(ApiError::forbidden("You can only read your own preferences"));
    }
    let doc = state.ai_preferences(&user_id).await?;
    Ok(answer(&state, doc))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchRequest {
    /// 1 to 100 user ids; unknown ones are listed in `meta.notFound`.
    #[schema(min_items = 1, max_items = 100)]
    pub user_ids: Option<Vec<String>>,
}

/// AI-preferences documents of up to 100 users (administrators only).
#[utoipa::path(post, path = "/api/v1/ai/users/preferences/batch", tag = "AI integration",
    security(("bearerAuth" = []), ("cookieAuth" = [])), request_body = BatchRequest,
    responses((status = 200, description = "`data: { users, meta: { requested, found, notFound } }`"),
        (status = 400, description = "`User IDs array is required` / `Maximum 100 users per batch request`", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn preferences_batch(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<BatchRequest>,
) -> Result<Response, ApiError> {
    user.require_admin()?;
    let data = state.ai_preferences_batch(&body.user_ids.unwrap_or_default()).await?;
    Ok(answer(&state, data))
}

/// How much onboarding data recommendations can use (administrators only: it exposes counts).
#[utoipa::path(get, path = "/api/v1/ai/health", operation_id = "ai_users_health", tag = "AI integration",
    security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "`data: { totalUsers, onboardingStats, aiIntegration, healthStatus }`"),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody)))]
pub async fn health(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    user.require_admin()?;
    let data = state.ai_health().await?;
    Ok(answer(&state, data))
}
