//! Avatars and DreamScape's profile row keyed by user id (`/api/v1/users/profile/{userId}`).
//! DreamScape lets anyone act on any id there; here the caller acts on their own id (an
//! administrator on any), and another id is a 403.

use axum::extract::State as AxumState;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, ok_with_message};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::State;
use super::profile_view::{ProfileRow, SettingsView, profile_row, settings_view};
use crate::service::avatar::upload_bytes;
use crate::service::profile::NewProfile;

fn multipart_error(e: &MultipartError) -> ApiError {
    let status = e.status().as_u16();
    let code = if status == 413 { "payload_too_large" } else { "bad_request" };
    ApiError::new(status, code, e.body_text())
}

/// The first field named one of `names`: a file, or a `data:` URL sent as text.
async fn image_field(multipart: Result<Multipart, MultipartRejection>, names: &[&str]) -> Result<Vec<u8>, ApiError> {
    let mut multipart = multipart.map_err(|e| ApiError::new(e.status().as_u16(), "bad_request", e.body_text()))?;
    while let Some(field) = multipart.next_field().await.map_err(|e| multipart_error(&e))? {
        if field.name().is_some_and(|n| names.contains(&n)) {
            let bytes = field.bytes().await.map_err(|e| multipart_error(&e))?;
            return upload_bytes(bytes.to_vec());
        }
    }
    let message = format!("a multipart field `{}` with the image is required", names.join("` or `"));
    let missing = ApiError::validation(vec![FieldError::new("avatar", message)]);
    Err(ApiError { message: "No avatar file uploaded".into(), ..missing })
}

/// Upload an avatar: multipart field `avatar` (or `file`) holding the image file, or — as
/// DreamScape's web client sends it — a `data:image/jpeg;base64,…` URL as a text field. JPEG,
/// PNG or WebP, at most 10 MB; cropped to a square, resized to 512×512 and re-encoded, dropping
/// metadata, by a background job the upload waits for (up to 5 s). Answers the new avatar URL
/// as a bare JSON string — if the job is not done within the wait, the URL the avatar will
/// have once it is (the profile shows the new avatar only then).
#[utoipa::path(post, path = "/api/v1/users/profile/avatar", tag = "Profile", security(("bearerAuth" = []), ("cookieAuth" = [])),
    request_body(content_type = "multipart/form-data", description = "Field `avatar` (or `file`): the image, or a data URL as text"),
    responses((status = 200, description = "The avatar URL, as a JSON string", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)))]
pub async fn upload_avatar(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let upload = image_field(multipart, &["avatar", "file"]).await?;
    let url = state.set_avatar(user.user_id, upload).await?;
    Ok(axum::Json(url).into_response())
}

/// Remove the avatar; answers the profile and settings.
#[utoipa::path(delete, path = "/api/v1/users/profile/avatar", tag = "Profile", security(("bearerAuth" = []), ("cookieAuth" = [])),
    responses((status = 200, body = SettingsView), (status = 401, body = ErrorBody)))]
pub async fn remove_avatar(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    state.remove_avatar(user.user_id).await?;
    let (account, extras) = state.profile_of(user.user_id).await?;
    Ok(ok_with_message(settings_view(&account, &extras), "Avatar removed"))
}

/// The user `raw` names, if the caller may act for it: themselves, or anyone for an
/// administrator (an id that is not one is unknown: 404).
fn target(user: &AuthUser, raw: &str) -> Result<Uuid, ApiError> {
    match Uuid::parse_str(raw.trim()) {
        Ok(id) if id == user.user_id => Ok(id),
        Ok(id) if user.is_admin() => Ok(id),
        Err(_) if user.is_admin() => Err(ApiError::not_found("Profile not found")),
        _ => Err(ApiError::forbidden("You can only manage your own profile")),
    }
}

/// DreamScape's profile-row fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NewProfileRequest {
    #[schema(min_length = 1, max_length = 50)]
    pub first_name: String,
    #[schema(min_length = 1, max_length = 50)]
    pub last_name: String,
    /// Optional `+`, digits and spaces; 6–15 digits.
    pub phone: Option<String>,
    /// `YYYY-MM-DD` or an ISO date-time.
    pub date_of_birth: Option<String>,
    /// Free JSON object (at most 4 KiB) stored as sent.
    #[schema(value_type = Option<Object>)]
    pub preferences: Option<Value>,
}

/// Create the profile of `userId` (the caller's own, or any for an administrator): names and
/// phone are the account's, birth date and preferences the profile's.
#[utoipa::path(post, path = "/api/v1/users/profile/{userId}", operation_id = "create_user_profile", tag = "Profile",
    security(("bearerAuth" = []), ("cookieAuth" = [])),
    params(("userId" = String, Path, description = "The caller's user id")), request_body = NewProfileRequest,
    responses((status = 201, body = ProfileRow),
        (status = 400, description = "`validation_failed`: names missing, bad phone or birth date", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Another user's id", body = ErrorBody),
        (status = 404, description = "No such user (administrators)", body = ErrorBody),
        (status = 409, description = "The profile already exists", body = ErrorBody)))]
pub async fn create_profile(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(user_id): Path<String>,
    Json(body): Json<NewProfileRequest>,
) -> Result<Response, ApiError> {
    let id = target(&user, &user_id)?;
    if body.preferences.as_ref().is_some_and(|p| !p.is_object() && !p.is_null()) {
        return Err(ApiError::validation(vec![FieldError::new("preferences", "must be an object")]));
    }
    let new = NewProfile {
        first_name: Some(body.first_name),
        last_name: Some(body.last_name),
        phone: body.phone,
        date_of_birth: body.date_of_birth,
        preferences: body.preferences,
    };
    let (account, extras) = state.create_profile(id, new).await?;
    Ok((StatusCode::CREATED, axum::Json(profile_row(&account, &extras))).into_response())
}

/// `{ message, avatar, profile }`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AvatarUploaded {
    pub message: String,
    /// The new avatar's URL (when it is still being made, the URL it will have).
    pub avatar: Option<String>,
    /// The profile as it is now: with the new avatar once it is made.
    pub profile: ProfileRow,
}

/// Upload the avatar of `userId`'s profile: multipart field `avatar`, a JPEG, PNG or WebP
/// image of at most 2 MB (recognised by its bytes). The profile must exist. Made by a
/// background job the upload waits for (up to 5 s); if it takes longer, `avatar` is the URL
/// the avatar will have and `profile` still shows the previous one.
#[utoipa::path(post, path = "/api/v1/users/profile/{userId}/avatar", tag = "Profile",
    security(("bearerAuth" = []), ("cookieAuth" = [])),
    params(("userId" = String, Path, description = "The caller's user id")),
    request_body(content_type = "multipart/form-data", description = "Field `avatar` with the image"),
    responses((status = 200, body = AvatarUploaded),
        (status = 400, description = "No `avatar` field, or a damaged image", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, description = "Another user's id", body = ErrorBody),
        (status = 404, description = "No profile", body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, description = "Not a JPEG, PNG or WebP image", body = ErrorBody)))]
pub async fn upload_profile_avatar(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(user_id): Path<String>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let id = target(&user, &user_id)?;
    state.existing_profile(id).await?;
    let upload = image_field(multipart, &["avatar"]).await?;
    let avatar = state.upload_profile_avatar(id, upload).await?;
    let (account, extras) = state.existing_profile(id).await?;
    let body = AvatarUploaded {
        message: "Avatar uploaded successfully".into(),
        avatar,
        profile: profile_row(&account, &extras),
    };
    Ok(axum::Json(body).into_response())
}

/// Delete the profile of `userId`: birth date, avatar, bio and preferences. The account, its
/// names and its settings stay (deleting the account is `DELETE /api/v1/users/profile`).
#[utoipa::path(delete, path = "/api/v1/users/profile/{userId}", operation_id = "delete_user_profile_row", tag = "Profile",
    security(("bearerAuth" = []), ("cookieAuth" = [])),
    params(("userId" = String, Path, description = "The caller's user id")),
    responses((status = 200, description = "`{ message }`"), (status = 401, body = ErrorBody),
        (status = 403, description = "Another user's id", body = ErrorBody),
        (status = 404, description = "No profile", body = ErrorBody)))]
pub async fn delete_profile(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(user_id): Path<String>,
) -> Result<Response, ApiError> {
    let id = target(&user, &user_id)?;
    state.delete_profile(id).await?;
    Ok(axum::Json(json!({"message": "Profile deleted successfully"})).into_response())
}
