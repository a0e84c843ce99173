//! Request and response bodies (camelCase, as DreamScape's clients send them).

use axum::body::Bytes;
use kernel::ApiError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use chrono::{DateTime, NaiveDate, Utc};
use platform::auth::Role;
use uuid::Uuid;

use crate::domain::user::{Status, User};
use crate::service::account::Facts;
use crate::service::admin_users::dreamscape_category;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterRequest {
    #[schema(example = "jean@example.com")]
    pub email: String,
    /// At least 8 characters with an uppercase and a lowercase letter, a digit and a special character.
    #[schema(example = "Password1!", min_length = 8, max_length = 128)]
    pub password: String,
    #[schema(max_length = 50)]
    pub first_name: Option<String>,
    #[schema(max_length = 50)]
    pub last_name: Option<String>,
    #[schema(min_length = 3, max_length = 30)]
    pub username: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// Refresh token lives 30 days instead of 7.
    #[serde(default)]
    pub remember_me: bool,
    /// Required when two-factor authentication is enabled (or `recoveryCode`).
    pub totp_code: Option<String>,
    pub recovery_code: Option<String>,
}

/// DreamScape's role spelling on its routes. Hosts are `USER` with `isHost: true`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum DreamscapeRole {
    User,
    Admin,
}

impl From<Role> for DreamscapeRole {
    fn from(role: Role) -> Self {
        if role == Role::Admin { DreamscapeRole::Admin } else { DreamscapeRole::User }
    }
}

/// The account as DreamScape's auth routes answer it (`data.user`), plus our fields.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: Uuid,
    pub email: String,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub nationality: Option<String>,
    /// `LEISURE` or `BUSINESS`.
    pub user_category: String,
    /// The email address is verified.
    pub is_verified: bool,
    pub is_suspended: bool,
    /// `ADMIN` for administrators, else `USER`.
    pub role: DreamscapeRole,
    /// The account may publish listings (our `host` role).
    pub is_host: bool,
    pub onboarding_completed: bool,
    pub onboarding_completed_at: Option<DateTime<Utc>>,
    pub status: Status,
    pub email_verified: bool,
    pub mfa_enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl AccountView {
    pub fn new(u: &User, facts: &Facts) -> Self {
        AccountView {
            id: u.id,
            email: u.email.clone(),
            username: u.username.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            phone_number: u.phone_number.clone(),
            date_of_birth: facts.profile.date_of_birth,
            nationality: facts.profile.nationality.clone(),
            user_category: dreamscape_category(&u.user_category).to_owned(),
            is_verified: u.email_verified_at.is_some(),
            is_suspended: matches!(u.status, Status::Suspended | Status::Banned),
            role: u.role.into(),
            is_host: u.role == Role::Host,
            onboarding_completed: u.onboarding_completed,
            onboarding_completed_at: facts.onboarding_completed_at,
            status: u.status,
            email_verified: u.email_verified_at.is_some(),
            mfa_enabled: u.mfa_enabled(),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

/// A lifetime as DreamScape writes it: `15m`, `7d`, `2h`, else seconds (`604790s`).
pub fn span(secs: i64) -> String {
    match secs {
        s if s > 0 && s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s > 0 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s > 0 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Tokens {
    pub access_token: String,
    /// Also in the `refreshToken` cookie. DreamScape sends it only as the cookie; we keep it in
    /// the body for clients without a cookie jar (mobile apps, servers).
    pub refresh_token: String,
    /// e.g. `15m`.
    pub access_token_expires_in: String,
    /// What is left of the session: `7d` or `30d` at sign-in.
    pub refresh_token_expires_in: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthData {
    pub user: AccountView,
    pub tokens: Tokens,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserData {
    pub user: AccountView,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RefreshRequest {
    /// Optional when the `refreshToken` cookie is sent.
    pub refresh_token: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateProfileRequest {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone_number: Option<String>,
    /// `YYYY-MM-DD` or an ISO date-time; `""` clears it.
    pub date_of_birth: Option<String>,
    /// `""` clears it.
    pub nationality: Option<String>,
    /// `LEISURE` or `BUSINESS`.
    pub user_category: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenRequest {
    pub token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmailRequest {
    pub email: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResetPasswordRequest {
    pub token: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CodeRequest {
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DisableMfaRequest {
    pub password: String,
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StatusRequest {
    #[schema(example = "suspended")]
    pub status: String,
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// An optional JSON body: empty → `None`; otherwise it must parse.
pub fn optional_json<T: DeserializeOwned>(body: &Bytes) -> Result<Option<T>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| {
        if e.is_data() {
            ApiError::validation(vec![kernel::FieldError::new("body", e.to_string())])
        } else {
            ApiError::invalid_json("The request body is not valid JSON")
        }
    })
}
