use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::{Value, json};
use uuid::Uuid;

/// What an account tells about itself and how it wants the product to behave (our settings and
/// DreamScape's). `None` reads as the default.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub language: Option<String>,
    pub currency: Option<String>,
    pub timezone: Option<String>,
    pub theme: Option<String>,
    pub deal_alerts: Option<bool>,
    pub trip_reminders: Option<bool>,
    pub price_alerts: Option<bool>,
    pub newsletter: Option<bool>,
    pub profile_visibility: Option<String>,
    pub data_sharing: Option<bool>,
    pub marketing: Option<bool>,
    /// `{ preferredDestinations, accommodationType, activities, dietary }`, lists of strings.
    pub travel: Option<Value>,
    /// The profile row's free preferences (the dashboard's travel preferences).
    pub preferences: Option<Value>,
    pub nationality: Option<String>,
    /// When the profile was created; `None` while only settings are stored.
    pub created_at: Option<DateTime<Utc>>,
}

impl Profile {
    /// Whether the profile holds what DreamScape keeps in its profile row.
    pub fn has_personal_data(&self) -> bool {
        self.avatar_url.is_some() || self.bio.is_some() || self.date_of_birth.is_some() || self.preferences.is_some()
    }

    /// Marks the profile created the first time it holds personal data.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        if self.created_at.is_none() && self.has_personal_data() {
            self.created_at = Some(now);
        }
    }

    /// Everything stored, for the data export.
    pub fn export(&self) -> Value {
        json!({
            "bio": self.bio, "avatar": self.avatar_url, "dateOfBirth": self.date_of_birth,
            "nationality": self.nationality,
            "language": self.language, "currency": self.currency, "timezone": self.timezone, "theme": self.theme,
            "notifications": {"dealAlerts": self.deal_alerts, "tripReminders": self.trip_reminders,
                              "priceAlerts": self.price_alerts, "newsletter": self.newsletter},
            "privacy": {"profileVisibility": self.profile_visibility, "dataSharing": self.data_sharing,
                        "marketing": self.marketing},
            "travel": self.travel, "preferences": self.preferences, "createdAt": self.created_at,
        })
    }
}

impl FromRow for Profile {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Profile::decode(row, "created_at")
    }
}

impl Profile {
    /// Reads a profile from `row`, its creation time from column `created_at` (a join with
    /// another table's `created_at` renames it).
    pub(crate) fn decode(row: &Row<'_>, created_at: &str) -> Result<Self, DbError> {
        let travel: Option<Json<Value>> = row.get("travel")?;
        let preferences: Option<Json<Value>> = row.get("preferences")?;
        Ok(Profile {
            bio: row.get("bio")?,
            avatar_url: row.get("avatar_url")?,
            date_of_birth: row.get("date_of_birth")?,
            language: row.get("language")?,
            currency: row.get("currency")?,
            timezone: row.get("timezone")?,
            theme: row.get("theme")?,
            deal_alerts: row.get("deal_alerts")?,
            trip_reminders: row.get("trip_reminders")?,
            price_alerts: row.get("price_alerts")?,
            newsletter: row.get("newsletter")?,
            profile_visibility: row.get("profile_visibility")?,
            data_sharing: row.get("data_sharing")?,
            marketing: row.get("marketing")?,
            travel: travel.map(|Json(v)| v),
            preferences: preferences.map(|Json(v)| v),
            nationality: row.get("nationality")?,
            created_at: row.get(created_at)?,
        })
    }
}

/// Every column but `created_at` (a join renames that one).
pub(crate) const COLUMNS_BUT_CREATED: &str = "bio, avatar_url, date_of_birth, language, currency, timezone, theme, deal_alerts, \
                       trip_reminders, price_alerts, newsletter, profile_visibility, data_sharing, marketing, travel, \
                       preferences, nationality";

pub async fn find(db: &Db, user: Uuid) -> Result<Option<Profile>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS_BUT_CREATED}, created_at FROM profiles WHERE user_id = $1"))
        .bind(user)
        .fetch_optional(db)
        .await
}

pub async fn find_tx(tx: &mut Tx, user: Uuid) -> Result<Option<Profile>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS_BUT_CREATED}, created_at FROM profiles WHERE user_id = $1"))
        .bind(user)
        .fetch_optional(tx)
        .await
}

/// Serialises changes to `user`'s profile for the rest of `tx` (a row lock on the account on
/// PostgreSQL; SQLite transactions already hold the write lock).
pub async fn lock_user(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    if tx.dialect() == platform::db::Dialect::Postgres {
        let _: Option<(Uuid,)> =
            query("SELECT id FROM users WHERE id = $1 FOR UPDATE").bind(user).fetch_optional(&mut *tx).await?;
    }
    Ok(())
}

/// Stores the whole profile (insert or replace).
pub async fn save(tx: &mut Tx, user: Uuid, p: &Profile, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO profiles (user_id, bio, avatar_url, date_of_birth, language, currency, timezone, theme, \
         deal_alerts, trip_reminders, price_alerts, newsletter, profile_visibility, data_sharing, marketing, travel, \
         preferences, nationality, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) \
         ON CONFLICT (user_id) DO UPDATE SET \
         bio = excluded.bio, avatar_url = excluded.avatar_url, date_of_birth = excluded.date_of_birth, \
         language = excluded.language, currency = excluded.currency, timezone = excluded.timezone, \
         theme = excluded.theme, deal_alerts = excluded.deal_alerts, trip_reminders = excluded.trip_reminders, \
         price_alerts = excluded.price_alerts, newsletter = excluded.newsletter, \
         profile_visibility = excluded.profile_visibility, data_sharing = excluded.data_sharing, \
         marketing = excluded.marketing, travel = excluded.travel, preferences = excluded.preferences, \
         nationality = excluded.nationality, \
         created_at = excluded.created_at, updated_at = excluded.updated_at",
    )
    .bind(user)
    .bind(p.bio.clone())
    .bind(p.avatar_url.clone())
    .bind(p.date_of_birth)
    .bind(p.language.clone())
    .bind(p.currency.clone())
    .bind(p.timezone.clone())
    .bind(p.theme.clone())
    .bind(p.deal_alerts)
    .bind(p.trip_reminders)
    .bind(p.price_alerts)
    .bind(p.newsletter)
    .bind(p.profile_visibility.clone())
    .bind(p.data_sharing)
    .bind(p.marketing)
    .bind(p.travel.clone())
    .bind(p.preferences.clone())
    .bind(p.nationality.clone())
    .bind(p.created_at)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}
