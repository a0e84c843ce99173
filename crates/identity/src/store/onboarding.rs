use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::{Map, Value};
use uuid::Uuid;

/// One user's questionnaire: our six steps' answers and DreamScape's profile fields.
#[derive(Debug, Clone)]
pub struct Onboarding {
    /// Our step name → normalised answers.
    pub steps: Map<String, Value>,
    /// DreamScape's profile field name → value (validated, enums upper-case).
    pub answers: Map<String, Value>,
    /// DreamScape step keys marked completed, in the order they were.
    pub completed_steps: Vec<String>,
    pub version: i64,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl FromRow for Onboarding {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(steps): Json<Map<String, Value>> = row.get("steps")?;
        let Json(answers): Json<Map<String, Value>> = row.get("answers")?;
        let Json(completed_steps): Json<Vec<String>> = row.get("completed_steps")?;
        Ok(Onboarding {
            steps,
            answers,
            completed_steps,
            version: row.get("version")?,
            started_at: row.get("started_at")?,
            updated_at: row.get("updated_at")?,
            completed_at: row.get("completed_at")?,
        })
    }
}

const SELECT: &str = "SELECT steps, answers, completed_steps, version, started_at, updated_at, completed_at \
                      FROM onboarding WHERE user_id = $1";

pub async fn find(db: &Db, user: Uuid) -> Result<Option<Onboarding>, DbError> {
    query(SELECT).bind(user).fetch_optional(db).await
}

pub async fn find_tx(tx: &mut Tx, user: Uuid) -> Result<Option<Onboarding>, DbError> {
    query(SELECT).bind(user).fetch_optional(tx).await
}

/// Starts onboarding if it has not started; never resets answers. True when this call started it.
pub async fn init(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query(
        "INSERT INTO onboarding (user_id, steps, answers, completed_steps, version, started_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user)
    .bind(Value::Object(Map::new()))
    .bind(Value::Object(Map::new()))
    .bind(Value::Array(Vec::new()))
    .bind(1_i64)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn save_steps(
    tx: &mut Tx,
    user: Uuid,
    steps: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query("UPDATE onboarding SET steps = $1, updated_at = $2 WHERE user_id = $3")
        .bind(Value::Object(steps.clone()))
        .bind(now)
        .bind(user)
        .execute(tx)
        .await?;
    Ok(())
}

/// Stores DreamScape's fields and completed steps, one version later.
pub async fn save_answers(tx: &mut Tx, user: Uuid, o: &Onboarding, now: DateTime<Utc>) -> Result<(), DbError> {
    let completed = Value::Array(o.completed_steps.iter().cloned().map(Value::String).collect());
    query(
        "UPDATE onboarding SET answers = $1, completed_steps = $2, version = version + 1, updated_at = $3 \
         WHERE user_id = $4",
    )
    .bind(Value::Object(o.answers.clone()))
    .bind(completed)
    .bind(now)
    .bind(user)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn complete(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE onboarding SET completed_at = COALESCE(completed_at, $1), updated_at = $1 WHERE user_id = $2")
        .bind(now)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    set_account_flag(tx, user, true, now).await
}

/// Deletes the questionnaire and clears the account's completion flag. False if there was none.
pub async fn delete(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query("DELETE FROM onboarding WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    set_account_flag(tx, user, false, now).await?;
    Ok(n == 1)
}

async fn set_account_flag(tx: &mut Tx, user: Uuid, done: bool, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE users SET onboarding_completed = $1, updated_at = $2 WHERE id = $3")
        .bind(done)
        .bind(now)
        .bind(user)
        .execute(tx)
        .await?;
    Ok(())
}

/// Counts behind the AI-integration health report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub users: i64,
    pub users_completed: i64,
    pub profiles: i64,
    pub profiles_completed: i64,
    pub updated_since: i64,
}

impl FromRow for Stats {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Stats {
            users: row.get_at(0)?,
            users_completed: row.get_at(1)?,
            profiles: row.get_at(2)?,
            profiles_completed: row.get_at(3)?,
            updated_since: row.get_at(4)?,
        })
    }
}

/// Accounts (not deleted), those with onboarding completed, questionnaires, completed ones, and
/// questionnaires changed since `since`.
pub async fn stats(db: &Db, since: DateTime<Utc>) -> Result<Stats, DbError> {
    query(
        "SELECT (SELECT COUNT(*) FROM users WHERE status <> 'deleted'), \
         (SELECT COUNT(*) FROM users WHERE status <> 'deleted' AND onboarding_completed = $1), \
         (SELECT COUNT(*) FROM onboarding), \
         (SELECT COUNT(*) FROM onboarding WHERE completed_at IS NOT NULL), \
         (SELECT COUNT(*) FROM onboarding WHERE updated_at >= $2)",
    )
    .bind(true)
    .bind(since)
    .fetch_one(db)
    .await
}
