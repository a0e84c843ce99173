//! The payments contract's internal endpoints, for a booking service in another process (see
//! `platform::contracts::http`): opening a group payment and telling where it stands. Callers
//! prove they are one of ours with the `internal_api_key` secret, compared in constant time.
//! Not in the public API documentation.

use axum::Router;
use axum::extract::State as AxumState;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use kernel::ApiError;
use platform::contracts::PaymentsContract;
use platform::contracts::http::{GROUPS_PATH, internal_caller};
use platform::http::{Json, Path, ok};
use platform::secrets::Secret;

use crate::service::Payments;

/// The internal endpoints, with the key they check.
pub fn routes(key: Secret) -> Router<Payments> {
    let key = std::sync::Arc::new(key);
    let open_key = key.clone();
    Router::new()
        .route(GROUPS_PATH, post(move |state, headers, body| open(state, headers, body, open_key.clone())))
        .route(
            &format!("{GROUPS_PATH}/{{reference}}"),
            get(move |state, headers, reference| state_of(state, headers, reference, key.clone())),
        )
}

async fn open(
    AxumState(state): AxumState<Payments>,
    headers: HeaderMap,
    Json(request): Json<platform::contracts::PaymentRequest>,
    key: std::sync::Arc<Secret>,
) -> Result<Response, ApiError> {
    internal_caller(&headers, &key)?;
    Ok(ok(state.open_payment(&request).await?))
}

async fn state_of(
    AxumState(state): AxumState<Payments>,
    headers: HeaderMap,
    Path(reference): Path<String>,
    key: std::sync::Arc<Secret>,
) -> Result<Response, ApiError> {
    internal_caller(&headers, &key)?;
    Ok(ok(state.payment_state(&reference).await?))
}
