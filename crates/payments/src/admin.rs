//! Operators' view of the calls to the processor (see [`crate::ops`]): what waits, what
//! failed and why, and a way to retry what is due now rather than at the next tick.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Query, ok};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::Payments;

pub fn routes() -> OpenApiRouter<Payments> {
    OpenApiRouter::new().routes(routes!(list_ops)).routes(routes!(run_ops))
}

fn admin_only(user: &AuthUser) -> Result<(), ApiError> {
    if user.is_admin() { Ok(()) } else { Err(ApiError::forbidden("Administrators only")) }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpsQuery {
    /// `pending`, `done` or `failed`; default: all.
    pub status: Option<String>,
    /// At most this many (1–200, default 50).
    pub limit: Option<String>,
}

/// Calls to the processor, newest first (administrators).
#[utoipa::path(get, path = "/api/v1/admin/payments/ops", tag = "Payments", operation_id = "list_processor_ops",
    security(("bearerAuth" = [])), params(OpsQuery),
    responses((status = 200, description = "`{ops: [{id, kind, paymentIntentId, subject, status, attempts, nextAttemptAt, lastError, updatedAt}]}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_ops(
    AxumState(state): AxumState<Payments>,
    user: AuthUser,
    Query(q): Query<OpsQuery>,
) -> Result<Response, ApiError> {
    admin_only(&user)?;
    let mut errors = Vec::new();
    if q.status.as_deref().is_some_and(|s| !["pending", "done", "failed"].contains(&s)) {
        errors.push(FieldError::new("status", "must be pending, done or failed"));
    }
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(raw) => raw.parse::<i64>().ok().filter(|n| (1..=200).contains(n)).unwrap_or_else(|| {
            errors.push(FieldError::new("limit", "must be a number from 1 to 200"));
            50
        }),
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(ok(json!({ "ops": state.list_ops(q.status.as_deref(), limit).await? })))
}

/// Makes every due call now (administrators; they are also retried every 30 s).
#[utoipa::path(post, path = "/api/v1/admin/payments/ops/run", tag = "Payments", operation_id = "run_processor_ops",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{attempted}`"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn run_ops(AxumState(state): AxumState<Payments>, user: AuthUser) -> Result<Response, ApiError> {
    admin_only(&user)?;
    Ok(ok(json!({ "attempted": state.run_ops().await })))
}
