use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Onboarding {
    /// Step name → normalised answers.
    pub steps: serde_json::Map<String, Value>,
    pub started_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl FromRow for Onboarding {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(steps): Json<serde_json::Map<String, Value>> = row.get("steps")?;
        Ok(Onboarding {
            steps,
            started_at: row.get("started_at")?,
            updated_at: row.get("updated_at")?,
            completed_at: row.get("completed_at")?,
        })
    }
}

pub async fn find(db: &Db, user: Uuid) -> Result<Option<Onboarding>, DbError> {
    query("SELECT steps, started_at, updated_at, completed_at FROM onboarding WHERE user_id = $1")
        .bind(user)
        .fetch_optional(db)
        .await
}

pub async fn find_tx(tx: &mut Tx, user: Uuid) -> Result<Option<Onboarding>, DbError> {
    query("SELECT steps, started_at, updated_at, completed_at FROM onboarding WHERE user_id = $1")
        .bind(user)
        .fetch_optional(tx)
        .await
}

/// Starts onboarding if it has not started; never resets answers.
pub async fn init(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO onboarding (user_id, steps, started_at, updated_at) VALUES ($1, $2, $3, $3) \
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user)
    .bind(Value::Object(serde_json::Map::new()))
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn save_steps(
    tx: &mut Tx,
    user: Uuid,
    steps: &serde_json::Map<String, Value>,
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

pub async fn complete(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE onboarding SET completed_at = COALESCE(completed_at, $1), updated_at = $1 WHERE user_id = $2")
        .bind(now)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    query("UPDATE users SET onboarding_completed = $1, updated_at = $2 WHERE id = $3")
        .bind(true)
        .bind(now)
        .bind(user)
        .execute(tx)
        .await?;
    Ok(())
}
