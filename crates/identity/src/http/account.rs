//! The caller's account (`/api/v1/auth/profile`) and password.

use axum::extract::State as AxumState;
use axum::http::HeaderValue;
use axum::http::header::CACHE_CONTROL;
use axum::response::Response;
use kernel::{ApiError, Envelope, ErrorBody};
use platform::auth::AuthUser;
use platform::hot::Hot;
use platform::http::{IfNoneMatch, Json, ok_with_message};
use serde_json::json;

use super::dto::{AccountView, ChangePasswordRequest, UpdateProfileRequest, UserData};
use super::{State, cookie};
use crate::service::account::ProfileUpdate;

/// The caller's account, with an `ETag` (`"<updated ms>.<hash>"`).
#[utoipa::path(get, path = "/api/v1/auth/profile", tag = "Profile", security(("bearerAuth" = []), ("cookieAuth" = [])),
    params(("If-None-Match" = Option<String>, Header, description = "The `ETag` you hold: `304` if it is still current")),
    responses((status = 200, body = UserData), (status = 304, description = "Not modified: the `If-None-Match` ETag is current"),
        (status = 401, body = ErrorBody)))]
pub async fn get_profile(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    IfNoneMatch(if_none_match): IfNoneMatch,
) -> Result<Response, ApiError> {
    let hot = state
        .account_answer(user.user_id, crate::service::cached::PROFILE, |account, facts| {
            let data = UserData { user: AccountView::new(account, facts) };
            Hot::bare(
                &Envelope::with_message(data, "Profile retrieved successfully"),
                account.updated_at.timestamp_millis(),
                Some(account.id),
            )
        })
        .await?;
    let mut response = hot.respond(if_none_match.as_ref());
    // The caller's own data: a browser may keep it but must revalidate (the ETag makes that a
    // 304); a shared cache must not keep it at all.
    response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    Ok(response)
}

/// Update the caller's account. A new email must be verified again. An address or username
/// in use is a 400 here, as DreamScape answers it (`email_taken` / `username_taken`).
#[utoipa::path(put, path = "/api/v1/auth/profile", tag = "Profile", security(("bearerAuth" = []), ("cookieAuth" = [])), request_body = UpdateProfileRequest,
    responses((status = 200, body = UserData),
        (status = 400, description = "`validation_failed`, `email_taken`, `username_taken`", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
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
        date_of_birth: body.date_of_birth,
        nationality: body.nationality,
        user_category: body.user_category,
    };
    let account = state.update_profile(user.user_id, update).await.map_err(|e| {
        if e.status == 409 {
            ApiError { status: 400, message: "Email or username already exists".into(), ..e }
        } else {
            e
        }
    })?;
    let facts = state.facts(&account).await?;
    Ok(ok_with_message(UserData { user: AccountView::new(&account, &facts) }, "Profile updated successfully"))
}

/// Change the password; the caller's other sessions are signed out and the browser's cookies
/// cleared (the calling session's tokens keep working).
#[utoipa::path(post, path = "/api/v1/auth/change-password", tag = "Profile", security(("bearerAuth" = []), ("cookieAuth" = [])), request_body = ChangePasswordRequest,
    responses((status = 200, description = "Changed; cookies cleared"),
        (status = 400, description = "`invalid_credentials`: wrong current password; `validation_failed`", body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn change_password(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<ChangePasswordRequest>,
) -> Result<Response, ApiError> {
    state.change_password(user.user_id, user.session_id, &body.current_password, &body.new_password).await?;
    let mut response = ok_with_message(json!({}), "Password changed successfully");
    cookie::clear(&mut response, state.cookie_secure);
    Ok(response)
}
