//! DreamScape's `create-intent` and `update-metadata`.

use axum::extract::State as AxumState;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, ok_with_message};
use serde_json::{Value, json};

use super::intents::{CreateIntentIn, MetadataIn};
use crate::http::actor;
use crate::idempotency;
use crate::service::{Payments, created_view, intent_view};

/// The payment of a booking of the caller's (DreamScape's `create-intent`): the booking's open
/// payment if it has one (the one the checkout opened), else a new one for what the booking
/// owes. `userId` must be the caller; `amount` (minor units) and `currency` must be what the
/// booking owes, else `409 amount_mismatch` with the real amount in `data` and
/// `details[].value`. `200`, as DreamScape answers.
#[utoipa::path(post, path = "/api/v1/payment/create-intent", tag = "Payments", operation_id = "dreamscape_create_intent",
    security(("bearerAuth" = [])), request_body = CreateIntentIn,
    params(("Idempotency-Key" = Option<String>, Header, description = "The same key answers the same response for 24 h")),
    responses((status = 200, description = "`{paymentIntentId, clientSecret, amount, currency, status}`"),
        (status = 400, description = "`Missing required fields` (`data.required`), `Invalid amount`, bad values", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "`userId` is not the caller", body = ErrorBody),
        (status = 404, description = "no such booking of the caller's", body = ErrorBody),
        (status = 409, description = "`amount_mismatch` (`data.amount`: what is owed), `not_payable`", body = ErrorBody),
        (status = 425, description = "the booking was just made and payments has not heard of it yet", body = ErrorBody),
        (status = 503, description = "the processor cannot be reached", body = ErrorBody)))]
pub async fn create_intent(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    request: Option<axum::Extension<platform::http::RequestId>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let body = CreateIntentIn::parse(&body)?;
    let fingerprint = format!("create-intent {}", serde_json::to_string(&body).map_err(|_| ApiError::internal())?);
    idempotency::run(&state, user.user_id, &headers, fingerprint, || async {
        let i = state.create_for_booking(&user, body, &actor(&user, request)).await?;
        Ok((StatusCode::OK, json!({ "success": true, "data": created_view(&i) })))
    })
    .await
}

/// Merges string metadata into a payment of the caller's (DreamScape's `update-metadata`).
/// Metadata never changes which booking a payment is for.
#[utoipa::path(put, path = "/api/v1/payment/update-metadata", tag = "Payments", operation_id = "dreamscape_update_metadata",
    security(("bearerAuth" = [])), request_body = MetadataIn,
    responses((status = 200, description = "`{success, message}`, and the payment in `data`"),
        (status = 400, description = "`Missing required fields` (`data.required`), metadata not strings or too large", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, description = "no such payment of the caller's", body = ErrorBody)))]
pub async fn update_metadata(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let body = MetadataIn::parse(&body)?;
    let i = state.update_metadata(&user, body).await?;
    Ok(ok_with_message(intent_view(&i), "Payment intent metadata updated successfully"))
}
