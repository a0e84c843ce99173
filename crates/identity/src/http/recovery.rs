//! Email verification and password reset.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{ClientIp, Json, ok_with_message};
use serde_json::json;

use super::State;
use super::dto::{EmailRequest, ResetPasswordRequest, TokenRequest};

/// Confirm an email address with the token from the verification mail.
#[utoipa::path(post, path = "/api/v1/auth/verify-email", tag = "Account recovery", security(()), request_body = TokenRequest,
    responses((status = 200, description = "Verified"), (status = 400, description = "`invalid_token`", body = ErrorBody)))]
pub async fn verify_email(
    AxumState(state): AxumState<State>,
    Json(body): Json<TokenRequest>,
) -> Result<Response, ApiError> {
    state.verify_email(&body.token).await?;
    Ok(ok_with_message(json!({ "emailVerified": true }), "Email address verified"))
}

/// Send the verification mail again.
#[utoipa::path(post, path = "/api/v1/auth/resend-verification", tag = "Account recovery", security(("bearerAuth" = [])),
    responses((status = 200, description = "Sent"), (status = 401, body = ErrorBody),
        (status = 409, description = "`already_verified`", body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn resend_verification(
    AxumState(state): AxumState<State>,
    ip: ClientIp,
    user: AuthUser,
) -> Result<Response, ApiError> {
    state.resend_verification(user.user_id, &ip.label()).await?;
    Ok(ok_with_message(json!({}), "Verification email sent"))
}

/// Ask for a password-reset link. The answer is the same whether or not the address exists.
#[utoipa::path(post, path = "/api/v1/auth/forgot-password", tag = "Account recovery", security(()), request_body = EmailRequest,
    responses((status = 200, description = "Accepted"), (status = 429, body = ErrorBody)))]
pub async fn forgot_password(
    AxumState(state): AxumState<State>,
    ip: ClientIp,
    Json(body): Json<EmailRequest>,
) -> Result<Response, ApiError> {
    state.forgot_password(&body.email, &ip.label()).await?;
    Ok(ok_with_message(json!({}), "If an account exists for this address, a reset link is on its way"))
}

/// Set a new password with the token from the reset mail; signs out every session.
#[utoipa::path(post, path = "/api/v1/auth/reset-password", tag = "Account recovery", security(()), request_body = ResetPasswordRequest,
    responses((status = 200, description = "Password changed"), (status = 400, description = "`invalid_token` or weak password", body = ErrorBody)))]
pub async fn reset_password(
    AxumState(state): AxumState<State>,
    Json(body): Json<ResetPasswordRequest>,
) -> Result<Response, ApiError> {
    state.reset_password(&body.token, &body.new_password).await?;
    Ok(ok_with_message(json!({}), "Password changed; sign in with the new password"))
}
