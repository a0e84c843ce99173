//! Data-subject (GDPR) requests. `result` holds an export archive (JSON) until `expires_at`.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// A request in DreamScape's shape, plus `downloadable`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `DATA_EXPORT`, `DATA_DELETION`, `DATA_RECTIFICATION`, `RESTRICTION` or `PORTABILITY`.
    pub request_type: String,
    /// `PENDING`, `IN_PROGRESS`, `COMPLETED`, `REJECTED` or `CANCELLED`.
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub processed_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    /// The archive of a completed export (only on the owner's own request views).
    #[schema(value_type = Option<Object>)]
    pub export_data: Option<Value>,
    /// Until when the archive can be downloaded.
    pub expires_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    /// What an administrator (or the platform, for a failed export) noted.
    pub notes: Option<String>,
    /// Whether an archive can be downloaded.
    pub downloadable: bool,
}

impl FromRow for Request {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let result: Option<Json<Value>> = row.get("result")?;
        Ok(Request {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            request_type: row.get("type")?,
            status: row.get("status")?,
            requested_at: row.get("created_at")?,
            processed_at: row.get("processed_at")?,
            completed_at: row.get("completed_at")?,
            export_data: result.map(|Json(v)| v),
            expires_at: row.get("expires_at")?,
            reason: row.get("reason")?,
            notes: row.get("admin_note")?,
            downloadable: row.get::<i64>("has_result")? != 0,
        })
    }
}

/// Columns without the archive (`result` NULL) or with it.
fn columns(with_archive: bool) -> String {
    let result = if with_archive { "result" } else { "NULL AS result" };
    format!(
        "id, user_id, type, status, reason, admin_note, created_at, processed_at, completed_at, expires_at, {result}, \
         CAST(CASE WHEN result IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_result"
    )
}

pub async fn insert(tx: &mut Tx, r: &Request) -> Result<(), DbError> {
    query(
        "INSERT INTO gdpr_requests (id, user_id, type, status, reason, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(r.id)
    .bind(r.user_id)
    .bind(r.request_type.as_str())
    .bind(r.status.as_str())
    .bind(r.reason.clone())
    .bind(r.requested_at)
    .bind(r.expires_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Ends a request: `status`, the archive (exports), notes, and when the archive expires.
pub async fn finish(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    result: Option<Value>,
    notes: Option<&str>,
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), DbError> {
    query(
        "UPDATE gdpr_requests SET status = $1, result = $2, admin_note = COALESCE($3, admin_note), \
         processed_at = COALESCE(processed_at, $4), completed_at = $4, expires_at = $5 WHERE id = $6",
    )
    .bind(status)
    .bind(result)
    .bind(notes)
    .bind(now)
    .bind(expires_at)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}

/// The user's requests, newest first (at most 200).
pub async fn list(db: &Db, user: Uuid, with_archive: bool) -> Result<Vec<Request>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {} FROM gdpr_requests WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200",
        columns(with_archive)
    ))
    .bind(user)
    .fetch_all(db)
    .await
}

/// A request by id, whoever filed it (the caller checks ownership).
pub async fn find(db: &Db, id: Uuid, with_archive: bool) -> Result<Option<Request>, DbError> {
    platform::db::query_dynamic(format!("SELECT {} FROM gdpr_requests WHERE id = $1", columns(with_archive)))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Requests for administrators (never with archives), oldest first, optionally of one status.
pub async fn queue(db: &Db, status: Option<&str>, limit: u32, offset: u64) -> Result<(Vec<Request>, i64), DbError> {
    let (total,): (i64,) = query("SELECT COUNT(*) FROM gdpr_requests WHERE ($1 IS NULL OR status = $1)")
        .bind(status)
        .fetch_one(db)
        .await?;
    let rows = platform::db::query_dynamic(format!(
        "SELECT {} FROM gdpr_requests WHERE ($1 IS NULL OR status = $1) ORDER BY created_at, id LIMIT $2 OFFSET $3",
        columns(false)
    ))
    .bind(status)
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    Ok((rows, total))
}

/// Moves a request to `status` (administrators); a final status sets `completed_at`.
pub async fn set_status(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let done = matches!(status, "COMPLETED" | "REJECTED" | "CANCELLED");
    query(
        "UPDATE gdpr_requests SET status = $1, admin_note = COALESCE($2, admin_note), \
         processed_at = COALESCE(processed_at, $4), completed_at = CASE WHEN $3 THEN $4 ELSE NULL END WHERE id = $5",
    )
    .bind(status)
    .bind(note)
    .bind(done)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(())
}
