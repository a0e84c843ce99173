//! Phone verification by SMS code, under DreamScape's profile prefix
//! (`/api/v1/users/profile/phone/…`): the caller's own account only.

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kernel::{ApiError, Envelope, ErrorBody, Phone};
use platform::auth::AuthUser;
use platform::http::{Json, ok};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::State;
use super::dto::CodeRequest;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PhoneCodeRequest {
    /// The number to verify, international (`+33 6 12 34 56 78`, `0033…`; spaces, dots, dashes
    /// and brackets are ignored). Absent: the account's phone number.
    #[schema(example = "+33 6 12 34 56 78")]
    pub phone_number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhoneCodeSent {
    /// E.164.
    #[schema(value_type = String, example = "+33612345678")]
    pub phone_number: Phone,
    /// When the code stops working (10 minutes).
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhoneVerified {
    /// The account's phone number now, E.164.
    #[schema(value_type = String, example = "+33612345678")]
    pub phone_number: Phone,
    pub phone_verified: bool,
}

/// Text a 6-digit code to a number (the account's own by default) to prove it. A new request
/// replaces the pending code. At most 5 per hour per account and per number.
#[utoipa::path(post, path = "/api/v1/users/profile/phone/verification", tag = "Profile",
    security(("bearerAuth" = []), ("cookieAuth" = [])), request_body = PhoneCodeRequest,
    responses((status = 202, description = "The code is on its way", body = PhoneCodeSent),
        (status = 400, description = "`validation_failed`: `phoneNumber` missing or not an international number", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "`already_verified`: this number is the account's, verified", body = ErrorBody),
        (status = 429, description = "Too many codes for this account or number (`Retry-After`)", body = ErrorBody)))]
pub async fn request_code(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<PhoneCodeRequest>,
) -> Result<Response, ApiError> {
    let sent = state.start_phone_verification(user.user_id, body.phone_number.as_deref()).await?;
    let data = PhoneCodeSent { phone_number: sent.phone, expires_at: sent.expires_at };
    Ok((StatusCode::ACCEPTED, Envelope::ok(data)).into_response())
}

/// Prove the number with the code from the SMS: it becomes the account's phone number,
/// verified. A code works once, for 10 minutes and 5 tries.
#[utoipa::path(post, path = "/api/v1/users/profile/phone/verify", tag = "Profile",
    security(("bearerAuth" = []), ("cookieAuth" = [])), request_body = CodeRequest,
    responses((status = 200, description = "Verified", body = PhoneVerified),
        (status = 400, description = "`invalid_code` (wrong, or void after 5 tries), `code_expired`, or `validation_failed` (not 6 digits); `details[].field` = `code`", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "`no_pending_verification`", body = ErrorBody)))]
pub async fn verify(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<CodeRequest>,
) -> Result<Response, ApiError> {
    let phone = state.verify_phone(user.user_id, &body.code).await?;
    Ok(ok(PhoneVerified { phone_number: phone, phone_verified: true }))
}
