//! DreamScape's user profile (`/api/v1/users/profile`) and the public profile.

use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kernel::{ApiError, ErrorBody};
use platform::auth::{AuthUser, Role};
use platform::http::{Json, Path, ok};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::profile_view::{SettingsSaved, SettingsView, saved, settings_view};
use crate::domain::settings::SettingsUpdate;
use crate::domain::user::User;

/// The caller's profile and settings, as DreamScape's settings page reads it: the object
/// itself, without the `{ success, data }` envelope.
#[utoipa::path(get, path = "/api/v1/users/profile", operation_id = "get_user_profile", tag = "Profile",
    security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, body = SettingsView), (status = 401, body = ErrorBody)))]
pub async fn get_profile(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let (account, extras) = state.profile_of(user.user_id).await?;
    Ok(axum::Json(settings_view(&account, &extras)).into_response())
}

/// Update the profile and settings: send back the object `GET` answers (or any part of it);
/// values equal to the stored ones change nothing. No envelope.
#[utoipa::path(put, path = "/api/v1/users/profile", operation_id = "update_user_profile", tag = "Profile",
    security(("bearerAuth" = []), ("cookieAuth" = [])), request_body = SettingsUpdate,
    responses((status = 200, body = SettingsSaved),
        (status = 400, description = "`validation_failed`, naming each field (`preferences.language`)", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 409, description = "`email_taken` / `username_taken`", body = ErrorBody)))]
pub async fn put_profile(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<SettingsUpdate>,
) -> Result<Response, ApiError> {
    let (account, extras) = state.update_settings(user.user_id, body).await?;
    Ok(axum::Json(saved(settings_view(&account, &extras))).into_response())
}

/// What other users see of an account.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicProfile {
    pub id: Uuid,
    /// First name and last initial, e.g. "Jean D.".
    pub display_name: String,
    pub first_name: Option<String>,
    pub avatar: Option<String>,
    pub bio: Option<String>,
    pub role: Role,
    pub email_verified: bool,
    pub phone_verified: bool,
    pub member_since: DateTime<Utc>,
}

fn display_name(user: &User) -> String {
    let first = user.first_name.clone().or_else(|| user.username.clone()).unwrap_or_else(|| "Traveller".into());
    match user.last_name.as_deref().and_then(|l| l.chars().next()) {
        Some(initial) => format!("{first} {initial}."),
        None => first,
    }
}

/// The public profile of any account (no contact details, no birth date).
#[utoipa::path(get, path = "/api/v1/users/{id}/public", tag = "Profile", security(()),
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = PublicProfile), (status = 404, body = ErrorBody)))]
pub async fn public_profile(AxumState(state): AxumState<State>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "user")?;
    let (user, extras) = state.public_profile(id).await?;
    let profile = PublicProfile {
        id: user.id,
        display_name: display_name(&user),
        first_name: user.first_name.clone(),
        avatar: extras.avatar_url,
        bio: extras.bio,
        role: user.role,
        email_verified: user.email_verified_at.is_some(),
        phone_verified: user.phone_verified_at.is_some(),
        member_since: user.created_at,
    };
    Ok(ok(serde_json::json!({ "profile": profile })))
}
