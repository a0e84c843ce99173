//! How DreamScape's admin screens read an account: `role` `USER` / `ADMIN`, `isVerified`,
//! `isSuspended`, `_count`, `lastLoginAt`, plus ours (`status`, `isHost`, …).

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::paging::AdminPagination;
use crate::domain::backoffice::{major, two_decimals};
use crate::service::activity::ActivityItem;
use crate::service::admin_users::{dreamscape_category, dreamscape_role, is_suspended, suspended_at};
use crate::store::admin_users::{Details, Listed, REPORT_CURRENCY};

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminCounts {
    /// Searches in the user's history.
    pub searches: i64,
    pub favorites: i64,
    /// Always `null`: notifications live in the notifications context, which identity cannot
    /// count (see docs/users.md).
    pub notifications: Option<i64>,
    /// History entries (the detail only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<i64>,
}

/// An account on DreamScape's admin screens.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackOfficeUser {
    pub id: Uuid,
    pub email: String,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// `USER` or `ADMIN` (a host is a `USER`, with `isHost`).
    #[schema(example = "USER")]
    pub role: &'static str,
    /// The email address is verified.
    pub is_verified: bool,
    /// `LEISURE` or `BUSINESS`.
    pub user_category: &'static str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub onboarding_completed: bool,
    /// Suspended or banned.
    pub is_suspended: bool,
    pub suspended_at: Option<DateTime<Utc>>,
    pub suspended_reason: Option<String>,
    #[serde(rename = "_count")]
    pub count: AdminCounts,
    /// When the account last signed in.
    pub last_login_at: Option<DateTime<Utc>>,
    /// Bookings made (a DreamScape booking holding several reservations counts once).
    pub bookings_count: i64,
    /// What the user paid (succeeded payments in EUR, net of refunds), in major units.
    pub revenue_generated: f64,
    /// Ours: `active`, `suspended`, `banned` or `deleted`.
    pub status: String,
    /// Ours: the user hosts listings (role `host`).
    pub is_host: bool,
    /// Ours: when a timed suspension ends.
    pub suspended_until: Option<DateTime<Utc>>,
    pub phone_number: Option<String>,
    /// The detail only.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub details: Option<AdminUserDetails>,
}

/// What the detail screen adds.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminUserDetails {
    pub date_of_birth: Option<NaiveDate>,
    /// As the traveller gave it in their profile, if they did.
    pub nationality: Option<String>,
    pub onboarding_completed_at: Option<DateTime<Utc>>,
}

pub fn user_view(u: &Listed, details: Option<&Details>) -> BackOfficeUser {
    BackOfficeUser {
        id: u.id,
        email: u.email.clone(),
        username: u.username.clone(),
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        role: dreamscape_role(&u.role),
        is_verified: u.email_verified_at.is_some(),
        user_category: dreamscape_category(&u.user_category),
        created_at: u.created_at,
        updated_at: u.updated_at,
        onboarding_completed: u.onboarding_completed,
        is_suspended: is_suspended(&u.status),
        suspended_at: suspended_at(u),
        suspended_reason: if is_suspended(&u.status) { u.status_reason.clone() } else { None },
        count: AdminCounts {
            searches: u.searches,
            favorites: u.favorites,
            notifications: None,
            history: details.map(|d| d.history),
        },
        last_login_at: u.last_login_at,
        bookings_count: u.bookings,
        revenue_generated: two_decimals(major(u.revenue, REPORT_CURRENCY)),
        status: u.status.clone(),
        is_host: u.role == "host",
        suspended_until: u.suspended_until,
        phone_number: u.phone_number.clone(),
        details: details.map(|d| AdminUserDetails {
            date_of_birth: d.date_of_birth,
            nationality: d.nationality.clone(),
            onboarding_completed_at: d.onboarding_completed_at,
        }),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminUserList {
    pub users: Vec<BackOfficeUser>,
    pub pagination: AdminPagination,
}

/// One entry of a user's activity.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminActivity {
    /// `history-<id>`, `booking-<id>` or `payment-<id>`.
    pub id: String,
    /// `history`, `booking` or `payment`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub label: String,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<ActivityItem> for AdminActivity {
    fn from(a: ActivityItem) -> Self {
        AdminActivity {
            id: a.id,
            kind: a.kind,
            label: a.label,
            detail: a.detail,
            status: a.status,
            amount: a.amount,
            currency: a.currency,
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminActivityPage {
    pub items: Vec<AdminActivity>,
    pub pagination: AdminPagination,
}

/// `{ id }` of a deleted account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminDeleted {
    pub id: Uuid,
}
