//! Interactions with typed recommendations (handed to the recommender as implicit feedback,
//! and counted per item for the learned scoring), the status routes and the accommodation
//! configuration (shared by every instance; administrators change it).

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::Json;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::super::settings::{ACCOMMODATIONS, default_accommodation_config, patch_accommodation_config};
use super::super::{Service, State, store};
use super::params::owner;

const FLIGHT_TYPES: [&str; 5] = ["view", "click", "book", "compare", "save"];
const ACTIVITY_TYPES: [&str; 6] = ["view", "click", "book", "like", "dislike", "wishlist"];
const HOTEL_TYPES: [&str; 5] = ["view", "click", "book", "like", "dislike"];

fn required(message: &str, valid: &[&str], key: &str) -> ApiError {
    ApiError::new(400, "validation_failed", message).with_data(json!({key: valid}))
}

/// Checks, records (recommender + per-item count), returns (user, item, action, at).
async fn record(
    s: &Service,
    caller: &AuthUser,
    body: &Value,
    (kind, id_key, type_key): (&str, &str, &str),
    valid: &[&str],
    missing: &str,
    valid_key: &str,
) -> Result<(uuid::Uuid, String, String, chrono::DateTime<chrono::Utc>), ApiError> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty());
    let (Some(item), Some(action)) = (text(id_key), text(type_key)) else {
        return Err(required(missing, valid, valid_key));
    };
    let user = owner(caller, text("userId"))?;
    if !valid.contains(&action) {
        let message = if valid_key == "valid" {
            "Invalid interactionType".to_owned()
        } else {
            format!("Invalid interaction type: {action}")
        };
        return Err(required(&message, valid, valid_key));
    }
    if item.len() > 256 {
        return Err(super::params::invalid(id_key, "must be at most 256 characters"));
    }
    let at = s.clock.now();
    crate::recommend::record_interaction(&s.db, user, kind, item, action, at).await?;
    store::count(&s.db, kind, item, action, at).await?;
    Ok((user, item.to_owned(), action.to_owned(), at))
}

/// `{userId?, <item id>, <type>}`.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
pub struct FlightInteraction {
    user_id: Option<String>,
    flight_id: String,
    /// view, click, book, compare, save
    #[serde(rename = "type")]
    kind: String,
}

/// Records what the caller did with a recommended flight.
#[utoipa::path(post, path = "/api/v1/recommendations/flights/interactions", operation_id = "ai_ctx_flight_interaction",
    tag = "AI recommendations", security(("bearerAuth" = [])), request_body = FlightInteraction,
    responses((status = 200, description = "`{success, message, userId, flightId, type, timestamp}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn flight_interaction(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let (user, item, action, at) = record(
        &s,
        &caller,
        &body,
        ("flight", "flightId", "type"),
        &FLIGHT_TYPES,
        "userId, flightId, and type are required",
        "validTypes",
    )
    .await?;
    Ok(axum::Json(json!({"success": true, "message": "Interaction tracked successfully", "userId": user,
                         "flightId": item, "type": action, "timestamp": at}))
    .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
pub struct ActivityInteraction {
    user_id: Option<String>,
    activity_id: String,
    /// view, click, book, like, dislike, wishlist
    #[serde(rename = "type")]
    kind: String,
}

/// Records what the caller did with a recommended activity.
#[utoipa::path(post, path = "/api/v1/recommendations/activities/interactions", operation_id = "ai_ctx_activity_interaction",
    tag = "AI recommendations", security(("bearerAuth" = [])), request_body = ActivityInteraction,
    responses((status = 200, description = "`{success, message, userId, activityId, type, timestamp}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn activity_interaction(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let (user, item, action, at) = record(
        &s,
        &caller,
        &body,
        ("activity", "activityId", "type"),
        &ACTIVITY_TYPES,
        "userId, activityId, and type are required",
        "validTypes",
    )
    .await?;
    Ok(axum::Json(json!({"success": true, "message": "Interaction tracked successfully", "userId": user,
                         "activityId": item, "type": action, "timestamp": at}))
    .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
pub struct HotelInteraction {
    user_id: Option<String>,
    hotel_id: String,
    /// view, click, book, like, dislike
    interaction_type: String,
}

/// Records what the caller did with a recommended hotel.
#[utoipa::path(post, path = "/api/v1/recommendations/accommodations/interactions", operation_id = "ai_ctx_hotel_interaction",
    tag = "AI recommendations", security(("bearerAuth" = [])), request_body = HotelInteraction,
    responses((status = 200, description = "`{success, tracked: {userId, hotelId, interactionType, timestamp}}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn accommodation_interaction(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let (user, item, action, at) = record(
        &s,
        &caller,
        &body,
        ("hotel", "hotelId", "interactionType"),
        &HOTEL_TYPES,
        "Missing required fields",
        "valid",
    )
    .await?;
    Ok(axum::Json(json!({"success": true, "tracked": {"userId": user, "hotelId": item, "interactionType": action, "timestamp": at}}))
        .into_response())
}

async fn database_ok(s: &Service) -> bool {
    store::setting(&s.db, "ping").await.is_ok()
}

/// Whether the flight recommendations can work (always `200`).
#[utoipa::path(get, path = "/api/v1/recommendations/flights/status", operation_id = "ai_ctx_flights_status",
    tag = "AI recommendations", responses((status = 200, description = "`{healthy, services: {database, voyage, cache}}`", body = Value)))]
pub async fn flights_status(AxumState(s): AxumState<State>) -> Response {
    let (database, voyage) = (database_ok(&s).await, s.contracts.has_supplier());
    axum::Json(
        json!({"healthy": database && voyage, "services": {"database": database, "voyage": voyage, "cache": true}}),
    )
    .into_response()
}

/// Whether the accommodation recommendations can work: `200`, or `503` with the same object.
#[utoipa::path(get, path = "/api/v1/recommendations/accommodations/status", operation_id = "ai_ctx_accommodations_status",
    tag = "AI recommendations", responses((status = 200, description = "`{healthy, services: {database, voyage}, timestamp}`", body = Value),
        (status = 503, description = "Not healthy (same object)", body = Value)))]
pub async fn accommodations_status(AxumState(s): AxumState<State>) -> Response {
    let (database, voyage) = (database_ok(&s).await, s.contracts.has_supplier());
    let healthy = database && voyage;
    let status = if healthy { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body =
        json!({"healthy": healthy, "services": {"database": database, "voyage": voyage}, "timestamp": s.clock.now()});
    (status, axum::Json(body)).into_response()
}

/// The accommodation scoring configuration.
#[utoipa::path(get, path = "/api/v1/recommendations/accommodations/config", operation_id = "ai_ctx_get_config",
    tag = "AI recommendations", responses((status = 200, description = "`{vectorization: {priceWeight, ratingWeight, amenitiesWeight, locationWeight}, scoring: {similarityWeight, popularityWeight, qualityWeight, priceWeight, segmentWeight}}`", body = Value)))]
pub async fn get_config(AxumState(s): AxumState<State>) -> Result<Response, ApiError> {
    let config = store::setting(&s.db, ACCOMMODATIONS).await?.unwrap_or_else(default_accommodation_config);
    Ok(axum::Json(config).into_response())
}

/// `{vectorization?, scoring?}` with weights 0–1.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct ConfigPatch {
    #[schema(value_type = Option<Object>)]
    vectorization: Option<Value>,
    #[schema(value_type = Option<Object>)]
    scoring: Option<Value>,
}

/// Changes weights of the accommodation scoring for every instance (administrators).
#[utoipa::path(patch, path = "/api/v1/recommendations/accommodations/config", operation_id = "ai_ctx_patch_config",
    tag = "AI recommendations", security(("bearerAuth" = [])), request_body = ConfigPatch,
    responses((status = 200, description = "`{success, message: \"Configuration updated\", config}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn patch_config(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let current = store::setting(&s.db, ACCOMMODATIONS).await?.unwrap_or_else(default_accommodation_config);
    let next = patch_accommodation_config(&current, &body)?;
    store::put_setting(&s.db, ACCOMMODATIONS, &next, s.clock.now()).await?;
    Ok(axum::Json(json!({"success": true, "message": "Configuration updated", "config": next})).into_response())
}
