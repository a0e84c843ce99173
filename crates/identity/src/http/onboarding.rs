//! The onboarding questionnaire (`/api/v1/users/onboarding/...`): DreamScape's routes (the
//! travel-profile fields, `PUT /step`) and ours (six steps, `POST /progress`), one store.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, ok, ok_with_message};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use super::State;
use crate::service::onboarding::{completion_view, profile_view, progress, progress_view};

/// The caller's onboarding profile: DreamScape's travel-profile fields, both on `data` and
/// under `data.stepData`, with `isCompleted`, `completedSteps`, `version`, the account's flags
/// under `user` and our progress under `onboarding`.
#[utoipa::path(get, path = "/api/v1/users/onboarding", operation_id = "get_onboarding", tag = "Onboarding",
    security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "`data`: the onboarding profile"), (status = 401, body = ErrorBody),
        (status = 404, description = "Onboarding not started", body = ErrorBody)))]
pub async fn get_onboarding(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding_started(user.user_id).await?;
    let account = state.user(user.user_id).await?;
    Ok(ok(profile_view(&account, &o)))
}

/// Start onboarding (DreamScape's create; any body is ignored). 409 if already started.
#[utoipa::path(post, path = "/api/v1/users/onboarding", operation_id = "create_onboarding", tag = "Onboarding",
    security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "`data`: the new, empty onboarding profile"), (status = 401, body = ErrorBody),
        (status = 409, description = "Already started", body = ErrorBody)))]
pub async fn create_onboarding(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding_create(user.user_id).await?;
    let account = state.user(user.user_id).await?;
    Ok(ok_with_message(profile_view(&account, &o), "Onboarding profile created successfully"))
}

/// Delete the questionnaire (both vocabularies) and mark onboarding not completed.
#[utoipa::path(delete, path = "/api/v1/users/onboarding", operation_id = "reset_onboarding", tag = "Onboarding",
    security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "`data: null`"), (status = 401, body = ErrorBody),
        (status = 404, description = "Onboarding not started", body = ErrorBody)))]
pub async fn reset_onboarding(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    state.onboarding_reset(user.user_id).await?;
    Ok(ok_with_message(Value::Null, "Onboarding profile deleted successfully"))
}

/// One DreamScape step.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnswerRequest {
    /// A step key such as `budget` or `style_comfort` (1–50 letters, digits, `_`, `-`).
    #[schema(example = "budget", min_length = 1, max_length = 50)]
    pub step: String,
    /// Travel-profile fields, e.g. `{"globalBudgetRange": {"min": 500, "max": 3000, "currency": "EUR"}}`;
    /// see docs/users.md for the fields and their types. `null` forgets a field.
    #[schema(value_type = Object)]
    pub data: Map<String, Value>,
    /// Record `step` as completed.
    #[serde(default)]
    pub mark_completed: bool,
}

/// Save one DreamScape step (onboarding must be started).
#[utoipa::path(put, path = "/api/v1/users/onboarding/step", tag = "Onboarding", security(("bearerAuth" = []), ("cookieAuth" = [])),
    request_body = AnswerRequest,
    responses((status = 200, description = "`data`: the updated onboarding profile"),
        (status = 400, description = "`validation_failed`: `details` name each field, `data.validationErrors` as DreamScape lists them", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 404, description = "Onboarding not started", body = ErrorBody)))]
pub async fn answer_step(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<AnswerRequest>,
) -> Result<Response, ApiError> {
    let o = state.onboarding_answer(user.user_id, &body.step, &body.data, body.mark_completed).await?;
    let account = state.user(user.user_id).await?;
    let message = format!("Step '{}' updated successfully", body.step.trim());
    Ok(ok_with_message(profile_view(&account, &o), message))
}

/// Progress: DreamScape's `completedSteps`, `totalSteps`, `progressPercentage`, `isCompleted`,
/// `completedAt`, `nextRecommendedStep`, the web client's `currentStep`, and our progress
/// under `onboarding`.
#[utoipa::path(get, path = "/api/v1/users/onboarding/progress", tag = "Onboarding", security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "The progress"), (status = 401, body = ErrorBody),
        (status = 404, description = "Onboarding not started", body = ErrorBody)))]
pub async fn get_progress(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding_started(user.user_id).await?;
    let account = state.user(user.user_id).await?;
    Ok(ok(progress_view(&account, &o)))
}

/// Start onboarding (idempotent: answers already given are kept).
#[utoipa::path(post, path = "/api/v1/users/onboarding/init", tag = "Onboarding", security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "`{onboarding}` progress"), (status = 401, body = ErrorBody)))]
pub async fn init(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding_init(user.user_id).await?;
    Ok(ok(json!({ "onboarding": progress(Some(&o)) })))
}

/// One of our steps' answers.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRequest {
    /// `travel_style`, `destinations`, `budget`, `accommodation`, `activities` or `constraints`.
    #[schema(example = "travel_style")]
    pub step: String,
    /// Answers of that step, e.g. `{"styles": ["beach", "culture"]}`; see docs/users.md.
    #[schema(value_type = Object)]
    pub data: Value,
}

/// Save (or revise) one of our steps; starts onboarding if needed.
#[utoipa::path(post, path = "/api/v1/users/onboarding/progress", tag = "Onboarding", security(("bearerAuth" = []), ("cookieAuth" = [])),
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

/// Finish onboarding (no body): needs DreamScape's required steps completed (`destinations`,
/// `budget`, `travel_types`, `accommodation`, `transport`) or ours answered (`travel_style`,
/// `destinations`, `budget`). Calling it again changes nothing.
#[utoipa::path(post, path = "/api/v1/users/onboarding/complete", tag = "Onboarding", security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "`{completedAt, user, profile, onboarding}`"), (status = 401, body = ErrorBody),
        (status = 400, description = "`onboarding_incomplete`, listing the missing steps", body = ErrorBody),
        (status = 404, description = "Onboarding not started", body = ErrorBody)))]
pub async fn complete(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding_complete(user.user_id).await?;
    let account = state.user(user.user_id).await?;
    Ok(ok_with_message(completion_view(&account, &o), "Onboarding completed successfully"))
}

/// The traveller profile built from our steps (what recommendations read).
#[utoipa::path(get, path = "/api/v1/users/travel-profile", tag = "Onboarding", security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, description = "`{travelProfile, isCompleted}`"), (status = 401, body = ErrorBody)))]
pub async fn travel_profile(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let o = state.onboarding(user.user_id).await?;
    let steps = o.as_ref().map(|s| Value::Object(s.steps.clone())).unwrap_or_else(|| json!({}));
    Ok(ok(json!({ "travelProfile": steps, "isCompleted": o.is_some_and(|s| s.completed_at.is_some()) })))
}
