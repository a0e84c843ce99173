//! The recommender's SQL: users' vectors and segments and their stored recommendation lists
//! (the precomputed model's is in [`super::model`], re-exported here).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

pub use super::model::{Run, last_run, neighbours, neighbours_of, popularity, replace_model, signals_since};

/// One stored recommendation (DreamScape's entity).
#[derive(Debug, Clone, PartialEq)]
pub struct Rec {
    pub id: Uuid,
    pub user_id: Uuid,
    pub destination_id: String,
    pub destination_name: String,
    pub destination_type: String,
    pub score: f64,
    pub confidence: f64,
    pub reasons: Vec<String>,
    pub context_type: String,
    pub context_data: Option<Value>,
    pub status: String,
    pub viewed_at: Option<DateTime<Utc>>,
    pub clicked_at: Option<DateTime<Utc>>,
    pub booked_at: Option<DateTime<Utc>>,
    pub rejected_at: Option<DateTime<Utc>>,
    pub user_rating: Option<i64>,
    pub expires_at: DateTime<Utc>,
    pub is_active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const REC_COLUMNS: &str = "id, user_id, destination_id, destination_name, destination_type, score, confidence, \
     reasons, context_type, context_data, status, viewed_at, clicked_at, booked_at, rejected_at, user_rating, \
     expires_at, is_active, created_at, updated_at";

impl FromRow for Rec {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(reasons): Json<Vec<String>> = row.get("reasons")?;
        let context: Option<Json<Value>> = row.get("context_data")?;
        Ok(Rec {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            destination_id: row.get("destination_id")?,
            destination_name: row.get("destination_name")?,
            destination_type: row.get("destination_type")?,
            score: row.get("score")?,
            confidence: row.get("confidence")?,
            reasons,
            context_type: row.get("context_type")?,
            context_data: context.map(|Json(v)| v),
            status: row.get("status")?,
            viewed_at: row.get("viewed_at")?,
            clicked_at: row.get("clicked_at")?,
            booked_at: row.get("booked_at")?,
            rejected_at: row.get("rejected_at")?,
            user_rating: row.get("user_rating")?,
            expires_at: row.get("expires_at")?,
            is_active: row.get("is_active")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

/// A user's active, unexpired recommendations, best first (optionally of one status). Expiry is
/// checked here, not in SQL: with it in the WHERE clause SQLite's planner prefers the expiry
/// index (every active row of everyone) to the user's.
pub async fn active(
    db: &Db,
    user: Uuid,
    status: Option<&str>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Rec>, DbError> {
    let sql = format!(
        "SELECT {REC_COLUMNS} FROM ai_recommendations WHERE user_id = $1 AND is_active = TRUE \
         AND ($2 IS NULL OR status = $2) ORDER BY score DESC, destination_id LIMIT 500"
    );
    let rows: Vec<Rec> =
        platform::db::query_dynamic(sql).bind(user).bind(status.map(str::to_owned)).fetch_all(db).await?;
    let limit = usize::try_from(limit).unwrap_or(0);
    Ok(rows.into_iter().filter(|r| r.expires_at > now).take(limit).collect())
}

/// The user's active rows by destination (to update them in place).
pub async fn active_tx(tx: &mut Tx, user: Uuid) -> Result<Vec<Rec>, DbError> {
    let sql = format!("SELECT {REC_COLUMNS} FROM ai_recommendations WHERE user_id = $1 AND is_active = TRUE");
    platform::db::query_dynamic(sql).bind(user).fetch_all(&mut *tx).await
}

pub async fn find(tx: &mut Tx, id: Uuid) -> Result<Option<Rec>, DbError> {
    let sql = format!("SELECT {REC_COLUMNS} FROM ai_recommendations WHERE id = $1");
    platform::db::query_dynamic(sql).bind(id).fetch_optional(&mut *tx).await
}

/// Inserts or rewrites a row (by id).
pub async fn put(tx: &mut Tx, r: &Rec) -> Result<(), DbError> {
    put_query(r)?.execute(&mut *tx).await?;
    Ok(())
}

/// The upsert of [`put`], to send in a [`platform::db::Batch`].
pub fn put_query(r: &Rec) -> Result<platform::db::Query, DbError> {
    Ok(query(
        "INSERT INTO ai_recommendations (id, user_id, destination_id, destination_name, destination_type, score, \
         confidence, reasons, context_type, context_data, status, viewed_at, clicked_at, booked_at, rejected_at, \
         user_rating, expires_at, is_active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT (id) DO UPDATE SET score = excluded.score, \
         confidence = excluded.confidence, reasons = excluded.reasons, context_type = excluded.context_type, \
         context_data = excluded.context_data, status = excluded.status, viewed_at = excluded.viewed_at, \
         clicked_at = excluded.clicked_at, booked_at = excluded.booked_at, rejected_at = excluded.rejected_at, \
         user_rating = excluded.user_rating, expires_at = excluded.expires_at, is_active = excluded.is_active, \
         updated_at = excluded.updated_at",
    )
    .bind(r.id)
    .bind(r.user_id)
    .bind(r.destination_id.as_str())
    .bind(r.destination_name.as_str())
    .bind(r.destination_type.as_str())
    .bind(r.score)
    .bind(r.confidence)
    .bind_json(&r.reasons)?
    .bind(r.context_type.as_str())
    .bind(r.context_data.clone())
    .bind(r.status.as_str())
    .bind(r.viewed_at)
    .bind(r.clicked_at)
    .bind(r.booked_at)
    .bind(r.rejected_at)
    .bind(r.user_rating)
    .bind(r.expires_at)
    .bind(r.is_active)
    .bind(r.created_at)
    .bind(r.updated_at))
}

/// Deactivates a user's active rows (all, or those not in `keep`).
pub async fn deactivate(tx: &mut Tx, user: Uuid, keep: &[Uuid], now: DateTime<Utc>) -> Result<(), DbError> {
    for r in active_tx(tx, user).await? {
        if !keep.contains(&r.id) {
            deactivate_query(r.id, now).execute(&mut *tx).await?;
        }
    }
    Ok(())
}

/// Deactivates the row `id`, in a [`platform::db::Batch`].
pub fn deactivate_query(id: Uuid, now: DateTime<Utc>) -> platform::db::Query {
    query("UPDATE ai_recommendations SET is_active = FALSE, updated_at = $2 WHERE id = $1").bind(id).bind(now)
}

/// Marks active rows past their expiry `EXPIRED`; how many.
pub async fn expire(db: &Db, now: DateTime<Utc>) -> Result<u64, DbError> {
    query(
        "UPDATE ai_recommendations SET status = 'EXPIRED', is_active = FALSE, updated_at = $1 \
         WHERE is_active = TRUE AND expires_at <= $1",
    )
    .bind(now)
    .execute(db)
    .await
}

/// Every row of a user (export) or of everyone since `from` (analytics), newest first.
pub async fn all_of(db: &Db, user: Option<Uuid>, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Rec>, DbError> {
    let sql = format!(
        "SELECT {REC_COLUMNS} FROM ai_recommendations WHERE ($1 IS NULL OR user_id = $1) AND created_at >= $2 \
         AND created_at < $3 ORDER BY created_at DESC LIMIT 20000"
    );
    platform::db::query_dynamic(sql).bind(user).bind(from).bind(to).fetch_all(db).await
}

/// A stored user vector with segments.
#[derive(Debug, Clone, PartialEq)]
pub struct UserVector {
    pub user_id: Uuid,
    pub vector: Vec<f64>,
    pub source: String,
    pub segments: Value,
    pub primary_segment: String,
    pub confidence: f64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for UserVector {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(vector): Json<Vec<f64>> = row.get("vector")?;
        let Json(segments): Json<Value> = row.get("segments")?;
        Ok(UserVector {
            user_id: row.get("user_id")?,
            vector,
            source: row.get("source")?,
            segments,
            primary_segment: row.get("primary_segment")?,
            confidence: row.get("confidence")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const VECTOR_COLUMNS: &str = "SELECT user_id, vector, source, segments, primary_segment, confidence, created_at, updated_at FROM ai_user_vectors";

pub async fn vector(db: &Db, user: Uuid) -> Result<Option<UserVector>, DbError> {
    platform::db::query_dynamic(format!("{VECTOR_COLUMNS} WHERE user_id = $1")).bind(user).fetch_optional(db).await
}

/// Upserts a user's vector (in a [`platform::db::Batch`]).
pub fn put_vector_query(v: &UserVector) -> Result<platform::db::Query, DbError> {
    Ok(query(
        "INSERT INTO ai_user_vectors (user_id, vector, source, segments, primary_segment, confidence, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id) DO UPDATE SET vector = \
         excluded.vector, source = excluded.source, segments = excluded.segments, primary_segment = \
         excluded.primary_segment, confidence = excluded.confidence, updated_at = excluded.updated_at",
    )
    .bind(v.user_id)
    .bind_json(&v.vector)?
    .bind(v.source.as_str())
    .bind(v.segments.clone())
    .bind(v.primary_segment.as_str())
    .bind(v.confidence)
    .bind(v.created_at)
    .bind(v.updated_at))
}

/// Each user's primary segment.
pub async fn primary_segments(db: &Db) -> Result<HashMap<Uuid, String>, DbError> {
    let rows: Vec<(Uuid, String)> = query("SELECT user_id, primary_segment FROM ai_user_vectors").fetch_all(db).await?;
    Ok(rows.into_iter().collect())
}

/// Users the model knows: with a profile, a vector or a signal.
pub async fn known_users(db: &Db, limit: i64) -> Result<Vec<Uuid>, DbError> {
    let rows: Vec<(Uuid,)> = query(
        "SELECT user_id FROM ai_profiles UNION SELECT user_id FROM ai_user_vectors \
         UNION SELECT user_id FROM ai_interactions LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// Erasure: the user's vector and recommendations.
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("DELETE FROM ai_user_vectors WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    query("DELETE FROM ai_recommendations WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    Ok(())
}
