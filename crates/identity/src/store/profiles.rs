use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use uuid::Uuid;

/// The optional "about me" and settings of an account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub bio: Option<String>,
    pub avatar_url: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub language: Option<String>,
    pub currency: Option<String>,
    pub timezone: Option<String>,
    pub theme: Option<String>,
}

impl FromRow for Profile {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Profile {
            bio: row.get("bio")?,
            avatar_url: row.get("avatar_url")?,
            date_of_birth: row.get("date_of_birth")?,
            language: row.get("language")?,
            currency: row.get("currency")?,
            timezone: row.get("timezone")?,
            theme: row.get("theme")?,
        })
    }
}

const COLUMNS: &str = "bio, avatar_url, date_of_birth, language, currency, timezone, theme";

pub async fn find(db: &Db, user: Uuid) -> Result<Option<Profile>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM profiles WHERE user_id = $1"))
        .bind(user)
        .fetch_optional(db)
        .await
}

pub async fn find_tx(tx: &mut Tx, user: Uuid) -> Result<Option<Profile>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM profiles WHERE user_id = $1"))
        .bind(user)
        .fetch_optional(tx)
        .await
}

/// Stores the whole profile (insert or replace).
pub async fn save(tx: &mut Tx, user: Uuid, p: &Profile, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO profiles (user_id, bio, avatar_url, date_of_birth, language, currency, timezone, theme, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id) DO UPDATE SET \
         bio = excluded.bio, avatar_url = excluded.avatar_url, date_of_birth = excluded.date_of_birth, \
         language = excluded.language, currency = excluded.currency, timezone = excluded.timezone, \
         theme = excluded.theme, updated_at = excluded.updated_at",
    )
    .bind(user)
    .bind(p.bio.clone())
    .bind(p.avatar_url.clone())
    .bind(p.date_of_birth)
    .bind(p.language.clone())
    .bind(p.currency.clone())
    .bind(p.timezone.clone())
    .bind(p.theme.clone())
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}
