//! DreamScape's onboarding questionnaire (`/api/v1/users/onboarding/...`).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, ok, ok_with_message};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::State;
use crate::service::onboarding::progress;

/// Start onboarding (idempotent: answers already given are kept).
#[utoipa::path(post, path = "/api/v1/users/onboarding/init", tag = "Onboarding", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{onboarding}` progress"), (status = 401, body = ErrorBody)))]
pub async fn init(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding_init(user.user_id).await?;
    Ok(ok(json!({ "onboarding": progress(Some(&o)) })))
}

/// Progress: answers so far, completed and remaining steps, percentage.
#[utoipa::path(get, path = "/api/v1/users/onboarding/progress", tag = "Onboarding", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{onboarding}` progress"), (status = 401, body = ErrorBody)))]
pub async fn get_progress(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding(user.user_id).await?;
    Ok(ok(json!({ "onboarding": progress(o.as_ref()) })))
}

/// One step's answers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// `travel_style`, `destinations`, `budget`, `accommodation`, `activities` or `constraints`.
    #[schema(example = "travel_style")]
    pub step: String,
    /// Answers of that step, e.g. `{"styles": ["beach", "culture"]}`; see docs/users.md.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

/// Save (or revise) one step.
#[utoipa::path(post, path = "/api/v1/users/onboarding/progress", tag = "Onboarding", security(("bearerAuth" = [])),
    request_body = StepRequest,
    responses((status = 200, description = "`{onboarding}` progress"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn save_step(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<StepRequest>,
) -> Result<Response, ApiError> {
    let o = state.onboarding_step(user.user_id, body.step.trim(), &body.data).await?;
    Ok(ok_with_message(json!({ "onboarding": progress(Some(&o)) }), "Step saved"))
}

/// Finish onboarding; needs the required steps (`travel_style`, `destinations`, `budget`).
#[utoipa::path(post, path = "/api/v1/users/onboarding/complete", tag = "Onboarding", security(("bearerAuth" = [])),
    responses((status = 200, description = "Completed; `{onboarding}`"), (status = 401, body = ErrorBody),
        (status = 422, description = "`onboarding_incomplete`, listing the missing steps", body = ErrorBody)))]
pub async fn complete(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding_complete(user.user_id).await?;
    Ok(ok_with_message(json!({ "onboarding": progress(Some(&o)) }), "Onboarding completed"))
}

/// The traveller profile built from onboarding (what recommendations read).
#[utoipa::path(get, path = "/api/v1/users/travel-profile", tag = "Onboarding", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{travelProfile, isCompleted}`"), (status = 401, body = ErrorBody)))]
pub async fn travel_profile(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding(user.user_id).await?;
    let steps = o.as_ref().map(|s| serde_json::Value::Object(s.steps.clone())).unwrap_or_else(|| json!({}));
    Ok(ok(json!({ "travelProfile": steps, "isCompleted": o.is_some_and(|s| s.completed_at.is_some()) })))
}
