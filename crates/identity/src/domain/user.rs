//! The account as the rest of the context sees it.

use chrono::{DateTime, Utc};
use platform::auth::Role;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Suspended,
    Banned,
    /// Erased at the user's request: the row stays, anonymous, for financial records.
    Deleted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Banned => "banned",
            Status::Deleted => "deleted",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        match raw {
            "active" => Some(Status::Active),
            "suspended" => Some(Status::Suspended),
            "banned" => Some(Status::Banned),
            "deleted" => Some(Status::Deleted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub password_hash: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone_number: Option<String>,
    pub role: Role,
    pub status: Status,
    pub status_reason: Option<String>,
    pub suspended_until: Option<DateTime<Utc>>,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub phone_verified_at: Option<DateTime<Utc>>,
    pub onboarding_completed: bool,
    /// `leisure` or `business` (DreamScape's `userCategory`).
    pub user_category: String,
    pub mfa_secret: Option<String>,
    pub mfa_pending_secret: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    pub fn mfa_enabled(&self) -> bool {
        self.mfa_secret.is_some()
    }
}

/// The public view of an account (DreamScape's `User`, plus our fields). No secrets, ever.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone_number: Option<String>,
    pub role: Role,
    pub status: Status,
    pub email_verified: bool,
    pub mfa_enabled: bool,
    pub onboarding_completed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        UserView {
            id: u.id,
            email: u.email.clone(),
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            username: u.username.clone(),
            phone_number: u.phone_number.clone(),
            role: u.role,
            status: u.status,
            email_verified: u.email_verified_at.is_some(),
            mfa_enabled: u.mfa_enabled(),
            onboarding_completed: u.onboarding_completed,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}
