//! `/admin/*` (DreamScape §5.5), administrators only (DreamScape leaves them open): the A/B test
//! between learned and rule-based scoring of typed recommendations, and the learned scorer's
//! state. "ML" here is that scorer: the popularity it learns from interactions with offered
//! flights, activities and hotels (`ai_ctx_item_stats`), blended into the rule-based score.

use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::Json;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::settings::{AB_TEST, AbTest, CIRCUIT, Circuit, FAILURES_TO_OPEN};
use super::{Service, State, store};

const TAG: &str = "AI administration";
const TEST_NAME: &str = "typed_recommendations_scoring";

pub fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(ab_status))
        .routes(routes!(ml_split))
        .routes(routes!(toggle))
        .routes(routes!(ml_status))
        .routes(routes!(circuit_reset))
        .routes(routes!(model_info))
}

async fn load<T: serde::de::DeserializeOwned + Default>(s: &Service, name: &str) -> Result<T, ApiError> {
    Ok(store::setting(&s.db, name).await?.and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default())
}

async fn save<T: serde::Serialize>(s: &Service, name: &str, value: &T) -> Result<(), ApiError> {
    let value = serde_json::to_value(value).map_err(|_| ApiError::internal())?;
    Ok(store::put_setting(&s.db, name, &value, s.clock.now()).await?)
}

fn summary(ab: &AbTest) -> Value {
    json!({"testName": TEST_NAME, "enabled": ab.enabled, "mlSplitPercent": ab.ml_split_percent,
           "ruleBasedPercent": 100u8.saturating_sub(ab.ml_split_percent)})
}

fn envelope(data: Value, message: Option<String>) -> Response {
    let mut body = json!({"success": true, "data": data});
    if let Some(m) = message {
        body["message"] = json!(m);
    }
    axum::Json(body).into_response()
}

fn bad(message: &str, field: &str) -> ApiError {
    let mut error = ApiError::validation(vec![kernel::FieldError::new(field, message)]);
    error.message = message.to_owned();
    error
}

/// The A/B test: whether it runs and the share of users on learned scoring.
#[utoipa::path(get, path = "/admin/ab-test/status", operation_id = "ai_ctx_ab_status", tag = TAG, security(("bearerAuth" = [])),
    responses((status = 200, description = "`{success, data: {testName, enabled, mlSplitPercent, ruleBasedPercent}}`", body = Value),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn ab_status(AxumState(s): AxumState<State>, caller: AuthUser) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let ab: AbTest = load(&s, AB_TEST).await?;
    Ok(envelope(summary(&ab), None))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct SplitBody {
    /// 0–100.
    #[schema(value_type = f64)]
    split_percent: Value,
}

/// Sets the share (percent) of users whose typed recommendations use learned scoring.
#[utoipa::path(post, path = "/admin/ab-test/ml-split", operation_id = "ai_ctx_ab_split", tag = TAG, security(("bearerAuth" = [])),
    request_body = SplitBody,
    responses((status = 200, description = "`{success, message: \"ML split updated to <n>%\", data}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn ml_split(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let message = "splitPercent must be a number between 0 and 100";
    let split = body.get("splitPercent").and_then(Value::as_f64).filter(|n| (0.0..=100.0).contains(n));
    let split = split.ok_or_else(|| bad(message, "splitPercent"))?;
    let mut ab: AbTest = load(&s, AB_TEST).await?;
    ab.ml_split_percent = split.round() as u8;
    save(&s, AB_TEST, &ab).await?;
    Ok(envelope(summary(&ab), Some(format!("ML split updated to {}%", ab.ml_split_percent))))
}

#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ToggleBody {
    #[schema(value_type = bool)]
    enabled: Value,
}

/// Starts or stops the A/B test (stopped: rule-based scoring for everyone).
#[utoipa::path(post, path = "/admin/ab-test/toggle", operation_id = "ai_ctx_ab_toggle", tag = TAG, security(("bearerAuth" = [])),
    request_body = ToggleBody,
    responses((status = 200, description = "`{success, message: \"A/B testing enabled\"|\"A/B testing disabled\", data}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn toggle(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let enabled =
        body.get("enabled").and_then(Value::as_bool).ok_or_else(|| bad("enabled must be a boolean", "enabled"))?;
    let mut ab: AbTest = load(&s, AB_TEST).await?;
    ab.enabled = enabled;
    save(&s, AB_TEST, &ab).await?;
    let message = if enabled { "A/B testing enabled" } else { "A/B testing disabled" };
    Ok(envelope(summary(&ab), Some(message.to_owned())))
}

async fn interactions(s: &Service) -> Result<(Value, Value, i64), ApiError> {
    let (actions, items) = store::totals(&s.db).await?;
    let mut by_kind: Map<String, Value> = Map::new();
    let mut total = 0;
    for (kind, action, n) in actions {
        total += n;
        let entry = by_kind.entry(kind).or_insert_with(|| json!({}));
        entry[action] = json!(n);
    }
    let items: Map<String, Value> = items.into_iter().map(|(k, n)| (k, json!(n))).collect();
    Ok((Value::Object(by_kind), Value::Object(items), total))
}

/// The learned scorer's health and circuit breaker.
#[utoipa::path(get, path = "/admin/ml/status", operation_id = "ai_ctx_ml_status", tag = TAG, security(("bearerAuth" = [])),
    responses((status = 200, description = "`{success, data: {circuitState, healthy, modelReady, cacheConnected, uptimeSeconds, failures, error?}}`", body = Value),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn ml_status(AxumState(s): AxumState<State>, caller: AuthUser) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let circuit: Circuit = load(&s, CIRCUIT).await?;
    let (_, _, total) = interactions(&s).await?;
    let mut data = json!({
        "circuitState": circuit.state(), "healthy": !circuit.open, "modelReady": true, "trainedOn": total,
        "cacheConnected": true, "uptimeSeconds": (s.clock.now() - s.started).num_seconds().max(0),
        "failures": circuit.failures, "failuresToOpen": FAILURES_TO_OPEN, "resetAt": circuit.reset_at,
    });
    if let Some(e) = circuit.last_failure {
        data["error"] = json!(e);
    }
    Ok(envelope(data, None))
}

/// Closes the circuit: learned scoring for its arm again.
#[utoipa::path(post, path = "/admin/ml/circuit-reset", operation_id = "ai_ctx_circuit_reset", tag = TAG, security(("bearerAuth" = [])),
    responses((status = 200, description = "`{success, message: \"Circuit breaker reset successfully\", data: {circuitState}}`", body = Value),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn circuit_reset(AxumState(s): AxumState<State>, caller: AuthUser) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let circuit = Circuit { reset_at: Some(s.clock.now()), ..Circuit::default() };
    save(&s, CIRCUIT, &circuit).await?;
    Ok(envelope(json!({"circuitState": circuit.state()}), Some("Circuit breaker reset successfully".to_owned())))
}

/// What the learned scorer holds: interaction counts per kind and action, items with counts.
#[utoipa::path(get, path = "/admin/ml/model-info", operation_id = "ai_ctx_model_info", tag = TAG, security(("bearerAuth" = [])),
    responses((status = 200, description = "`{success, data: {model, description, interactions, itemsWithInteractions, totalInteractions, abTest, strategies}}`", body = Value),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn model_info(AxumState(s): AxumState<State>, caller: AuthUser) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let (by_kind, items, total) = interactions(&s).await?;
    let ab: AbTest = load(&s, AB_TEST).await?;
    let data = json!({
        "model": "typed-recommendations-learned-popularity",
        "description": "Per offered flight, activity and hotel: engagement (click, like, save, compare; booking ×3) against views and dislikes, smoothed (0.5 without data), blended 70/30 with the rule-based popularity and weighed 2× in the learned arm. Rule-based parts: profile similarity, price, quality, season/weather, popularity.",
        "interactions": by_kind, "itemsWithInteractions": items, "totalInteractions": total,
        "abTest": summary(&ab), "strategies": ["ml_learned", "rule_based", "rule_based_fallback"],
        "scope": "the contextual part's scorer only; the destination recommender reports its own model under /api/v1/recommendations",
    });
    Ok(envelope(data, None))
}
