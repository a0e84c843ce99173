//! Flags users raise on reviews, the moderators' queue, and the log of what moderators did.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Flag {
    pub id: Uuid,
    pub review_id: Uuid,
    pub reporter_id: Uuid,
    pub reason: String,
    pub details: Option<String>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: Option<String>,
}

impl FromRow for Flag {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Flag {
            id: row.get("id")?,
            review_id: row.get("review_id")?,
            reporter_id: row.get("reporter_id")?,
            reason: row.get("reason")?,
            details: row.get("details")?,
            created_at: row.get("created_at")?,
            resolved_at: row.get("resolved_at")?,
            resolution: row.get("resolution")?,
        })
    }
}

/// Records a flag; a second one by the same reporter on the same review violates `review_flags_once`.
pub async fn flag(tx: &mut Tx, f: &Flag) -> Result<(), DbError> {
    query(
        "INSERT INTO review_flags (id, review_id, reporter_id, reason, details, created_at, resolved_at, resolution) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL)",
    )
    .bind(f.id)
    .bind(f.review_id)
    .bind(f.reporter_id)
    .bind(f.reason.as_str())
    .bind(f.details.clone())
    .bind(f.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Resolves a review's open flags with what the moderator decided.
pub async fn resolve_flags(tx: &mut Tx, review: Uuid, resolution: &str, now: DateTime<Utc>) -> Result<u64, DbError> {
    query("UPDATE review_flags SET resolved_at = $1, resolution = $2 WHERE review_id = $3 AND resolved_at IS NULL")
        .bind(now)
        .bind(resolution)
        .bind(review)
        .execute(tx)
        .await
}

pub async fn flags_of(db: &Db, review: Uuid) -> Result<Vec<Flag>, DbError> {
    query(
        "SELECT id, review_id, reporter_id, reason, details, created_at, resolved_at, resolution FROM review_flags \
         WHERE review_id = $1 ORDER BY created_at, id",
    )
    .bind(review)
    .fetch_all(db)
    .await
}

/// Records a moderator's action.
pub async fn log(
    tx: &mut Tx,
    review: Uuid,
    moderator: Uuid,
    action: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO review_moderation (id, review_id, moderator_id, action, reason, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(kernel::new_id())
    .bind(review)
    .bind(moderator)
    .bind(action)
    .bind(reason)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    pub moderator_id: Uuid,
    pub action: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Action {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Action {
            moderator_id: row.get("moderator_id")?,
            action: row.get("action")?,
            reason: row.get("reason")?,
            created_at: row.get("created_at")?,
        })
    }
}

pub async fn history(db: &Db, review: Uuid) -> Result<Vec<Action>, DbError> {
    query(
        "SELECT moderator_id, action, reason, created_at FROM review_moderation WHERE review_id = $1 \
         ORDER BY created_at, id",
    )
    .bind(review)
    .fetch_all(db)
    .await
}

/// What the queue shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Queue {
    /// Reviews with open flags, most flagged first.
    Flagged,
    /// Reviews hidden by moderators, most recently hidden first.
    Hidden,
}

/// One page of the queue: (review id, open flags) and the total.
pub async fn queue(db: &Db, which: Queue, limit: u32, offset: u64) -> Result<(Vec<(Uuid, i64)>, u64), DbError> {
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let (page, total): (Vec<(Uuid, i64)>, (i64,)) = match which {
        Queue::Flagged => (
            query(
                "SELECT review_id, COUNT(*) AS n FROM review_flags WHERE resolved_at IS NULL GROUP BY review_id \
                 ORDER BY n DESC, MIN(created_at), review_id LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(db)
            .await?,
            query("SELECT COUNT(DISTINCT review_id) FROM review_flags WHERE resolved_at IS NULL").fetch_one(db).await?,
        ),
        Queue::Hidden => (
            query(
                "SELECT r.id, (SELECT COUNT(*) FROM review_flags f WHERE f.review_id = r.id AND f.resolved_at IS NULL) \
                 FROM reviews r WHERE r.hidden_at IS NOT NULL ORDER BY r.hidden_at DESC, r.id LIMIT $1 OFFSET $2",
            )
            .bind(limit)
            .bind(offset)
            .fetch_all(db)
            .await?,
            query("SELECT COUNT(*) FROM reviews WHERE hidden_at IS NOT NULL").fetch_one(db).await?,
        ),
    };
    Ok((page, u64::try_from(total.0).unwrap_or(0)))
}

/// Flags `user` raised (for the export).
pub async fn raised_by(db: &Db, user: Uuid) -> Result<Vec<Flag>, DbError> {
    query(
        "SELECT id, review_id, reporter_id, reason, details, created_at, resolved_at, resolution FROM review_flags \
         WHERE reporter_id = $1 ORDER BY created_at, id",
    )
    .bind(user)
    .fetch_all(db)
    .await
}

/// Erasure: the flags a user raised lose their free-text details.
pub async fn erase_reporter(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("UPDATE review_flags SET details = NULL WHERE reporter_id = $1").bind(user).execute(tx).await?;
    Ok(())
}
