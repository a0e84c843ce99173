//! DreamScape's user profile (`/api/v1/users/profile`) and the public profile.

use axum::extract::Multipart;
use axum::extract::State as AxumState;
use axum::extract::multipart::MultipartRejection;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, ErrorBody};
use platform::auth::{AuthUser, Role};
use platform::http::{Json, Path, ok, ok_with_message};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use crate::domain::user::User;
use crate::service::profile::ProfilePatch;
use crate::store::profiles::Profile;

#[derive(Debug, Serialize, ToSchema)]
pub struct Settings {
    pub language: String,
    pub currency: String,
    pub timezone: String,
    pub theme: String,
}

/// DreamScape's `UserProfile`, plus account and settings fields.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub id: Uuid,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone_number: Option<String>,
    pub avatar: Option<String>,
    pub bio: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub settings: Settings,
    pub role: Role,
    pub email_verified: bool,
    pub phone_verified: bool,
    pub onboarding_completed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(user: &User, p: Profile) -> ProfileView {
    ProfileView {
        id: user.id,
        email: user.email.clone(),
        first_name: user.first_name.clone(),
        last_name: user.last_name.clone(),
        username: user.username.clone(),
        phone_number: user.phone_number.clone(),
        avatar: p.avatar_url,
        bio: p.bio,
        date_of_birth: p.date_of_birth,
        settings: Settings {
            language: p.language.unwrap_or_else(|| "en".into()),
            currency: p.currency.unwrap_or_else(|| "EUR".into()),
            timezone: p.timezone.unwrap_or_else(|| "UTC".into()),
            theme: p.theme.unwrap_or_else(|| "system".into()),
        },
        role: user.role,
        email_verified: user.email_verified_at.is_some(),
        phone_verified: user.phone_verified_at.is_some(),
        onboarding_completed: user.onboarding_completed,
        created_at: user.created_at,
        updated_at: user.updated_at,
    }
}

/// The caller's profile (`data` is the profile itself, as in DreamScape's contract).
#[utoipa::path(get, path = "/api/v1/users/profile", operation_id = "get_user_profile", tag = "Profile", security(("bearerAuth" = [])),
    responses((status = 200, body = ProfileView), (status = 401, body = ErrorBody)))]
pub async fn get_profile(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let (account, extras) = state.profile_of(user.user_id).await?;
    Ok(ok(view(&account, extras)))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsPatch {
    /// Language tag such as `fr` or `pt-BR`.
    pub language: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// IANA time zone such as `Europe/Paris`.
    pub timezone: Option<String>,
    /// `light`, `dark` or `system`.
    pub theme: Option<String>,
}

/// Fields to change; absent fields are kept, `""` clears an optional one. Read-only fields a
/// client echoes back (`id`, `email`, `role`, ...) are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileUpdate {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    /// https URL of the avatar image.
    pub avatar: Option<String>,
    #[schema(max_length = 500)]
    pub bio: Option<String>,
    /// `YYYY-MM-DD`; at least 13 years ago.
    pub date_of_birth: Option<String>,
    pub settings: Option<SettingsPatch>,
}

/// Update the caller's profile and settings.
#[utoipa::path(put, path = "/api/v1/users/profile", operation_id = "update_user_profile", tag = "Profile", security(("bearerAuth" = [])), request_body = ProfileUpdate,
    responses((status = 200, body = ProfileView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put_profile(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<ProfileUpdate>,
) -> Result<Response, ApiError> {
    let settings = body.settings.unwrap_or_default();
    let patch = ProfilePatch {
        first_name: body.first_name,
        last_name: body.last_name,
        phone_number: body.phone_number,
        avatar: body.avatar,
        bio: body.bio,
        date_of_birth: body.date_of_birth,
        language: settings.language,
        currency: settings.currency,
        timezone: settings.timezone,
        theme: settings.theme,
    };
    let (account, extras) = state.patch_profile(user.user_id, patch).await?;
    Ok(ok_with_message(view(&account, extras), "Profile updated"))
}

/// Upload an avatar (multipart field `avatar` or `file`: JPEG, PNG or WebP, at most 10 MB).
/// It is cropped to a square, resized to 512×512 and re-encoded, dropping metadata.
#[utoipa::path(post, path = "/api/v1/users/profile/avatar", tag = "Profile", security(("bearerAuth" = [])),
    request_body(content_type = "multipart/form-data", description = "Field `avatar` (or `file`) with the image"),
    responses((status = 200, body = ProfileView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn upload_avatar(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let mut multipart = multipart.map_err(|e| ApiError::new(e.status().as_u16(), "bad_request", e.body_text()))?;
    let mut upload = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| multipart_error(&e))? {
        if matches!(field.name(), Some("avatar" | "file")) {
            upload = Some(field.bytes().await.map_err(|e| multipart_error(&e))?.to_vec());
            break;
        }
    }
    let upload = upload.ok_or_else(|| {
        ApiError::validation(vec![kernel::FieldError::new(
            "avatar",
            "a multipart field `avatar` with the image is required",
        )])
    })?;
    state.set_avatar(user.user_id, upload).await?;
    let (account, extras) = state.profile_of(user.user_id).await?;
    Ok(ok_with_message(view(&account, extras), "Avatar updated"))
}

fn multipart_error(e: &axum::extract::multipart::MultipartError) -> ApiError {
    let status = e.status().as_u16();
    let code = if status == 413 { "payload_too_large" } else { "bad_request" };
    ApiError::new(status, code, e.body_text())
}

/// Remove the avatar.
#[utoipa::path(delete, path = "/api/v1/users/profile/avatar", tag = "Profile", security(("bearerAuth" = [])),
    responses((status = 200, body = ProfileView), (status = 401, body = ErrorBody)))]
pub async fn remove_avatar(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    state.remove_avatar(user.user_id).await?;
    let (account, extras) = state.profile_of(user.user_id).await?;
    Ok(ok_with_message(view(&account, extras), "Avatar removed"))
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
