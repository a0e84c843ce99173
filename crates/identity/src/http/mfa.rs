//! Two-factor authentication (TOTP) endpoints.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, ok, ok_with_message};
use serde_json::json;

use super::State;
use super::dto::{CodeRequest, DisableMfaRequest};

/// Start two-factor setup: a new secret and its `otpauth://` URI (for a QR code).
#[utoipa::path(post, path = "/api/v1/auth/mfa/setup", tag = "Two-factor", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{secret, otpauthUri}`"), (status = 409, body = ErrorBody)))]
pub async fn setup(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let s = state.mfa_setup(user.user_id).await?;
    Ok(ok(json!({ "secret": s.secret, "otpauthUri": s.otpauth_uri })))
}

/// Turn two-factor on with a code from the app; returns 10 single-use recovery codes, shown once.
#[utoipa::path(post, path = "/api/v1/auth/mfa/enable", tag = "Two-factor", security(("bearerAuth" = [])), request_body = CodeRequest,
    responses((status = 200, description = "`{recoveryCodes}`"), (status = 400, description = "`invalid_mfa_code`", body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn enable(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<CodeRequest>,
) -> Result<Response, ApiError> {
    let codes = state.mfa_enable(user.user_id, &body.code).await?;
    Ok(ok_with_message(json!({ "recoveryCodes": codes }), "Two-factor authentication enabled"))
}

/// Turn two-factor off (password and a current code or recovery code).
#[utoipa::path(post, path = "/api/v1/auth/mfa/disable", tag = "Two-factor", security(("bearerAuth" = [])), request_body = DisableMfaRequest,
    responses((status = 200, description = "Disabled"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn disable(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<DisableMfaRequest>,
) -> Result<Response, ApiError> {
    state.mfa_disable(user.user_id, &body.password, &body.code).await?;
    Ok(ok_with_message(json!({}), "Two-factor authentication disabled"))
}
