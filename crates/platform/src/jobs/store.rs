//! The job queue's SQL (table `platform_jobs`, platform migration 2). Every outcome is written
//! with a compare-and-set on the lease token, so a worker whose lease ran out and was taken over
//! records nothing: whatever happens, a job's completion is recorded once.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::JobState;
use crate::db::{Db, DbError, Dialect, FromRow, Json, Row, Tx, query, query_dynamic};

/// A job as a worker takes it.
#[derive(Debug, Clone)]
pub(super) struct Taken {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Attempts started, this one included.
    pub attempts: i64,
    pub max_attempts: i64,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Taken {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(payload): Json<serde_json::Value> = row.get("payload")?;
        Ok(Taken {
            id: row.get("id")?,
            kind: row.get("kind")?,
            payload,
            attempts: row.get("attempts")?,
            max_attempts: row.get("max_attempts")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// What a new row holds.
pub(super) struct NewJob<'a> {
    pub kind: &'a str,
    pub payload: &'a serde_json::Value,
    pub dedupe_key: Option<&'a str>,
    pub max_attempts: u32,
    pub not_before: DateTime<Utc>,
    pub now: DateTime<Utc>,
}

/// Inserts a job, or finds the unfinished one with the same kind and dedupe key: its id.
pub(super) async fn insert(tx: &mut Tx, job: &NewJob<'_>) -> Result<Uuid, DbError> {
    // Between a refused insert and the look-up, the other job may finish (and free the key):
    // then insert again. Twice is plenty; the third time means something else is wrong.
    for _ in 0..3 {
        let id = kernel::new_id();
        let inserted = query(
            "INSERT INTO platform_jobs (id, kind, payload, status, attempts, max_attempts, not_before, dedupe_key, \
             created_at, updated_at) VALUES ($1, $2, $3, 'pending', 0, $4, $5, $6, $7, $7) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(job.kind)
        .bind(job.payload.clone())
        .bind(i64::from(job.max_attempts))
        .bind(job.not_before)
        .bind(job.dedupe_key)
        .bind(job.now)
        .execute(&mut *tx)
        .await?;
        if inserted == 1 {
            return Ok(id);
        }
        let existing: Option<(Uuid,)> = query(
            "SELECT id FROM platform_jobs WHERE kind = $1 AND dedupe_key = $2 AND status = 'pending' \
             AND dedupe_key IS NOT NULL",
        )
        .bind(job.kind)
        .bind(job.dedupe_key)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id,)) = existing {
            return Ok(id);
        }
    }
    Err(DbError::Other(format!("job `{}`: neither inserted nor found under its dedupe key", job.kind)))
}

/// Leases up to `limit` due jobs of `kinds` to `token` until `lease_until`, counting the
/// attempt. Rows another worker holds are skipped (on PostgreSQL without waiting for its lock),
/// so several processes can work one queue and none runs what another is running.
pub(super) async fn claim(
    db: &Db,
    kinds: &[&'static str],
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    token: Uuid,
    limit: usize,
) -> Result<Vec<Taken>, DbError> {
    if kinds.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let skip_locked = if db.dialect() == Dialect::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let mut q = query_dynamic(format!(
        "UPDATE platform_jobs SET lease_until = $2, lease_token = $3, attempts = attempts + 1, updated_at = $1 \
         WHERE id IN (SELECT id FROM platform_jobs WHERE status = 'pending' AND not_before <= $1 \
         AND (lease_until IS NULL OR lease_until <= $1) AND kind IN ({}) ORDER BY not_before LIMIT $4{skip_locked}) \
         RETURNING id, kind, payload, attempts, max_attempts, created_at",
        placeholders(5, kinds.len())
    ))
    .bind(now)
    .bind(lease_until)
    .bind(token)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX));
    for kind in kinds {
        q = q.bind(*kind);
    }
    let mut tx = db.begin().await?;
    let rows = q.fetch_all::<Taken>(&mut tx).await?;
    tx.commit().await?;
    Ok(rows)
}

/// Moves the lease of a job this worker holds to `lease_until`: false when it no longer holds it.
pub(super) async fn renew(
    db: &Db,
    id: Uuid,
    token: Uuid,
    lease_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let changed = query(
        "UPDATE platform_jobs SET lease_until = $3, updated_at = $4 \
         WHERE id = $1 AND lease_token = $2 AND status = 'pending'",
    )
    .bind(id)
    .bind(token)
    .bind(lease_until)
    .bind(now)
    .execute(db)
    .await?;
    Ok(changed == 1)
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    Done,
    Retry { at: DateTime<Utc>, error: String },
    Failed { error: String },
}

/// Records `outcome` for a job leased under `token`: false (and nothing written) when the
/// lease was lost to another worker.
pub(super) async fn finish(
    db: &Db,
    id: Uuid,
    token: Uuid,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let q = match outcome {
        Outcome::Done => query(
            "UPDATE platform_jobs SET status = 'done', finished_at = $3, updated_at = $3, lease_until = NULL, \
             lease_token = NULL, last_error = NULL WHERE id = $1 AND lease_token = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(token)
        .bind(now),
        Outcome::Retry { at, error } => query(
            "UPDATE platform_jobs SET not_before = $4, last_error = $5, updated_at = $3, lease_until = NULL, \
             lease_token = NULL WHERE id = $1 AND lease_token = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(token)
        .bind(now)
        .bind(*at)
        .bind(truncate(error)),
        Outcome::Failed { error } => query(
            "UPDATE platform_jobs SET status = 'failed', finished_at = $3, updated_at = $3, last_error = $4, \
             lease_until = NULL, lease_token = NULL WHERE id = $1 AND lease_token = $2 AND status = 'pending'",
        )
        .bind(id)
        .bind(token)
        .bind(now)
        .bind(truncate(error)),
    };
    Ok(q.execute(db).await? == 1)
}

/// Reasons are for people reading them: long ones are cut.
fn truncate(text: &str) -> String {
    text.chars().take(1000).collect()
}

/// The state of job `id` at `now`.
pub(super) async fn state(db: &Db, id: Uuid, now: DateTime<Utc>) -> Result<Option<JobState>, DbError> {
    let row: Option<(String, Option<DateTime<Utc>>, Option<String>)> =
        query("SELECT status, lease_until, last_error FROM platform_jobs WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(status, lease_until, error)| match status.as_str() {
        "done" => JobState::Done,
        "failed" => JobState::Failed { reason: error.unwrap_or_default() },
        _ if lease_until.is_some_and(|until| until > now) => JobState::Running,
        _ => JobState::Pending,
    }))
}

/// `$first, $first+1, …`: `n` placeholders for an `IN` list (only placeholders are spliced into
/// SQL text; the values are bound).
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The soonest moment a pending job of `kinds` becomes due (its delay or its lease over).
pub(super) async fn next_due(db: &Db, kinds: &[&'static str]) -> Result<Option<DateTime<Utc>>, DbError> {
    if kinds.is_empty() {
        return Ok(None);
    }
    let mut q = query_dynamic(format!(
        "SELECT MIN(CASE WHEN lease_until IS NOT NULL AND lease_until > not_before THEN lease_until ELSE not_before END) \
         FROM platform_jobs WHERE status = 'pending' AND kind IN ({})",
        placeholders(1, kinds.len())
    ));
    for kind in kinds {
        q = q.bind(*kind);
    }
    let row: Option<(Option<DateTime<Utc>>,)> = q.fetch_optional(db).await?;
    Ok(row.and_then(|(at,)| at))
}

/// Unfinished jobs per kind, and how many of them are due at `now` (for `/metrics`, and to
/// warn about kinds nobody here handles).
pub(super) async fn pending_by_kind(db: &Db, now: DateTime<Utc>) -> Result<Vec<(String, i64, i64)>, DbError> {
    query(
        "SELECT kind, COUNT(*), SUM(CASE WHEN not_before <= $1 THEN 1 ELSE 0 END) \
         FROM platform_jobs WHERE status = 'pending' GROUP BY kind",
    )
    .bind(now)
    .fetch_all(db)
    .await
}

/// Deletes jobs that finished before `before`: how many.
pub(super) async fn purge(db: &Db, before: DateTime<Utc>) -> Result<u64, DbError> {
    query("DELETE FROM platform_jobs WHERE status <> 'pending' AND finished_at < $1").bind(before).execute(db).await
}
