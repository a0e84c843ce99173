//! DreamScape's settings object as `GET /api/v1/users/profile` answers it (no envelope), with
//! our richer profile fields as extra keys.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::dto::DreamscapeRole;
use crate::domain::settings::{self, TRAVEL_LISTS};
use crate::domain::user::User;
use crate::service::admin_users::dreamscape_category;
use crate::service::profile::dashboard_of;
use crate::store::profiles::Profile;

/// `GET /api/v1/users/profile`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsView {
    pub profile: ProfileCard,
    pub preferences: PreferencesView,
    pub notifications: NotificationsView,
    pub privacy: PrivacyView,
    pub travel: TravelView,
}

/// `PUT /api/v1/users/profile`: the stored settings, read back.
#[derive(Debug, Serialize, ToSchema)]
pub struct SettingsSaved {
    /// `Profile updated successfully`.
    pub message: String,
    pub profile: ProfileCard,
    pub preferences: PreferencesView,
    pub notifications: NotificationsView,
    pub privacy: PrivacyView,
    pub travel: TravelView,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileCard {
    /// The username, else first and last name, else `""`.
    pub name: String,
    pub email: String,
    /// The avatar URL.
    pub photo: Option<String>,
    pub id: Uuid,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone_number: Option<String>,
    /// Same as `photo`.
    pub avatar: Option<String>,
    pub bio: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub nationality: Option<String>,
    pub user_category: String,
    pub role: DreamscapeRole,
    pub is_host: bool,
    pub email_verified: bool,
    pub phone_verified: bool,
    pub onboarding_completed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesView {
    /// The language's name (`English`, `French`, …), or its tag when it has none here.
    pub language: String,
    pub currency: String,
    pub timezone: String,
    /// The language's tag (`en`).
    pub language_code: String,
    pub theme: String,
    /// The dashboard's names of `languageCode` and `currency`.
    pub preferred_language: String,
    pub preferred_currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub travel_class: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat_preference: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub travel_style: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub meal_preference: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<String>>)]
    pub destinations: Option<Value>,
    /// `{ min, max }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub budget_range: Option<Value>,
    /// `{ email, sms, push }`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub notifications: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsView {
    pub deal_alerts: bool,
    pub trip_reminders: bool,
    pub price_alerts: bool,
    pub newsletter: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrivacyView {
    /// `public` or `private`.
    pub profile_visibility: String,
    pub data_sharing: bool,
    pub marketing: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TravelView {
    pub preferred_destinations: Vec<String>,
    pub accommodation_type: Vec<String>,
    pub activities: Vec<String>,
    pub dietary: Vec<String>,
}

fn list(p: &Profile, key: &str) -> Vec<String> {
    p.travel
        .as_ref()
        .and_then(|t| t.get(key))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

pub fn settings_view(u: &User, p: &Profile) -> SettingsView {
    let tag = p.language.clone().unwrap_or_else(|| settings::DEFAULT_LANGUAGE.into());
    let currency = p.currency.clone().unwrap_or_else(|| settings::DEFAULT_CURRENCY.into());
    let mut dashboard = dashboard_of(p);
    let [destinations, accommodation, activities, dietary] = TRAVEL_LISTS.map(|k| list(p, k));
    SettingsView {
        profile: ProfileCard {
            name: settings::display_name(u.username.as_deref(), u.first_name.as_deref(), u.last_name.as_deref()),
            email: u.email.clone(),
            photo: p.avatar_url.clone(),
            id: u.id,
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            username: u.username.clone(),
            phone_number: u.phone_number.clone(),
            avatar: p.avatar_url.clone(),
            bio: p.bio.clone(),
            date_of_birth: p.date_of_birth,
            nationality: p.nationality.clone(),
            user_category: dreamscape_category(&u.user_category).to_owned(),
            role: u.role.into(),
            is_host: u.role == platform::auth::Role::Host,
            email_verified: u.email_verified_at.is_some(),
            phone_verified: u.phone_verified_at.is_some(),
            onboarding_completed: u.onboarding_completed,
            created_at: u.created_at,
            updated_at: u.updated_at,
        },
        preferences: PreferencesView {
            language: settings::language_name(&tag),
            currency: currency.clone(),
            timezone: p.timezone.clone().unwrap_or_else(|| settings::DEFAULT_TIMEZONE.into()),
            language_code: tag.clone(),
            theme: p.theme.clone().unwrap_or_else(|| settings::DEFAULT_THEME.into()),
            preferred_language: tag,
            preferred_currency: currency,
            travel_class: dashboard.remove("travelClass"),
            seat_preference: dashboard.remove("seatPreference"),
            travel_style: dashboard.remove("travelStyle"),
            meal_preference: dashboard.remove("mealPreference"),
            destinations: dashboard.remove("destinations"),
            budget_range: dashboard.remove("budgetRange"),
            notifications: dashboard.remove("notifications"),
        },
        notifications: NotificationsView {
            deal_alerts: p.deal_alerts.unwrap_or(true),
            trip_reminders: p.trip_reminders.unwrap_or(true),
            price_alerts: p.price_alerts.unwrap_or(true),
            newsletter: p.newsletter.unwrap_or(false),
        },
        privacy: PrivacyView {
            profile_visibility: p.profile_visibility.clone().unwrap_or_else(|| settings::DEFAULT_VISIBILITY.into()),
            data_sharing: p.data_sharing.unwrap_or(false),
            marketing: p.marketing.unwrap_or(true),
        },
        travel: TravelView {
            preferred_destinations: destinations,
            accommodation_type: accommodation,
            activities,
            dietary,
        },
    }
}

pub fn saved(view: SettingsView) -> SettingsSaved {
    let SettingsView { profile, preferences, notifications, privacy, travel } = view;
    SettingsSaved {
        message: "Profile updated successfully".into(),
        profile,
        preferences,
        notifications,
        privacy,
        travel,
    }
}

/// DreamScape's profile row (`POST /api/v1/users/profile/{userId}` and the avatar upload).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileRow {
    /// The user id (one profile per user).
    pub id: Uuid,
    pub user_id: Uuid,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub avatar: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub preferences: Option<Value>,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub user: RowUser,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RowUser {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

pub fn profile_row(u: &User, p: &Profile) -> ProfileRow {
    ProfileRow {
        id: u.id,
        user_id: u.id,
        first_name: u.first_name.clone(),
        last_name: u.last_name.clone(),
        phone: u.phone_number.clone(),
        date_of_birth: p.date_of_birth,
        avatar: p.avatar_url.clone(),
        preferences: p.preferences.clone(),
        created_at: p.created_at,
        updated_at: u.updated_at,
        user: RowUser { email: u.email.clone(), first_name: u.first_name.clone(), last_name: u.last_name.clone() },
    }
}
