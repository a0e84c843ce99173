//! The caller's profile and password.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::auth::AuthUser;
use platform::http::{Json, ok, ok_with_message};
use serde_json::json;

use super::State;
use super::dto::{ChangePasswordRequest, UpdateProfileRequest, UserData};
use crate::service::Accounts;
use crate::service::account::ProfileUpdate;

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/auth/profile", tag = "Profile", security(("bearerAuth" = [])),
    responses((status = 200, body = UserData), (status = 401, body = ErrorBody)))]
pub async fn get_profile(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let account = state.user(user.user_id).await?;
    Ok(ok(UserData { user: Accounts::view(&account) }))
}

/// Update the caller's account. A new email must be verified again.
#[utoipa::path(put, path = "/api/v1/auth/profile", tag = "Profile", security(("bearerAuth" = [])), request_body = UpdateProfileRequest,
    responses((status = 200, body = UserData), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, description = "`email_taken` / `username_taken`", body = ErrorBody)))]
pub async fn put_profile(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<UpdateProfileRequest>,
) -> Result<Response, ApiError> {
    let update = ProfileUpdate {
        email: body.email,
        first_name: body.first_name,
        last_name: body.last_name,
        username: body.username,
        phone_number: body.phone_number,
    };
    let account = state.update_profile(user.user_id, update).await?;
    Ok(ok_with_message(UserData { user: Accounts::view(&account) }, "Profile updated"))
}

/// Change the password; the caller's other sessions are signed out.
#[utoipa::path(post, path = "/api/v1/auth/change-password", tag = "Profile", security(("bearerAuth" = [])), request_body = ChangePasswordRequest,
    responses((status = 200, description = "Changed"), (status = 400, body = ErrorBody),
        (status = 401, description = "`invalid_credentials`: wrong current password", body = ErrorBody)))]
pub async fn change_password(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<ChangePasswordRequest>,
) -> Result<Response, ApiError> {
    state.change_password(user.user_id, user.session_id, &body.current_password, &body.new_password).await?;
    Ok(ok_with_message(json!({}), "Password changed; other sessions were signed out"))
}
