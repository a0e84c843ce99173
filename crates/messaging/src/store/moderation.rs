//! Blocks between users and reports of messages to the moderators.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Row, Tx, query, query_dynamic};
use uuid::Uuid;

/// Blocks `blocked` for `blocker`; false when it was already.
pub async fn block(db: &Db, blocker: Uuid, blocked: Uuid, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query("INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
        .bind(blocker)
        .bind(blocked)
        .bind(now)
        .execute(db)
        .await?;
    Ok(n == 1)
}

pub async fn unblock(db: &Db, blocker: Uuid, blocked: Uuid) -> Result<bool, DbError> {
    let n = query("DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2")
        .bind(blocker)
        .bind(blocked)
        .execute(db)
        .await?;
    Ok(n == 1)
}

pub async fn blocks(db: &Db, blocker: Uuid) -> Result<Vec<(Uuid, DateTime<Utc>)>, DbError> {
    query("SELECT blocked_id, created_at FROM blocks WHERE blocker_id = $1 ORDER BY created_at DESC, blocked_id")
        .bind(blocker)
        .fetch_all(db)
        .await
}

pub async fn is_blocked<'c>(on: impl Executor<'c>, blocker: Uuid, blocked: Uuid) -> Result<bool, DbError> {
    let row: Option<(i64,)> = query("SELECT CAST(1 AS BIGINT) FROM blocks WHERE blocker_id = $1 AND blocked_id = $2")
        .bind(blocker)
        .bind(blocked)
        .fetch_optional(on)
        .await?;
    Ok(row.is_some())
}

/// Whether another participant of the conversation blocked `sender`.
pub async fn blocked_in<'c>(on: impl Executor<'c>, conversation: Uuid, sender: Uuid) -> Result<bool, DbError> {
    let row: Option<(i64,)> = query(
        "SELECT CAST(1 AS BIGINT) FROM blocks b JOIN participants p ON p.user_id = b.blocker_id \
         WHERE p.conversation_id = $1 AND b.blocked_id = $2 LIMIT 1",
    )
    .bind(conversation)
    .bind(sender)
    .fetch_optional(on)
    .await?;
    Ok(row.is_some())
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: Uuid,
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub reporter_id: Option<Uuid>,
    pub reason: String,
    pub details: Option<String>,
    /// `open` or `resolved`.
    pub status: String,
    /// `dismiss` or `remove_message`, once resolved.
    pub action: Option<String>,
    pub note: Option<String>,
    pub resolved_by: Option<Uuid>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Report {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Report {
            id: row.get("id")?,
            message_id: row.get("message_id")?,
            conversation_id: row.get("conversation_id")?,
            reporter_id: row.get("reporter_id")?,
            reason: row.get("reason")?,
            details: row.get("details")?,
            status: row.get("status")?,
            action: row.get("action")?,
            note: row.get("note")?,
            resolved_by: row.get("resolved_by")?,
            resolved_at: row.get("resolved_at")?,
            created_at: row.get("created_at")?,
        })
    }
}

const REPORT: &str = "id, message_id, conversation_id, reporter_id, reason, details, status, action, note, resolved_by, \
     resolved_at, created_at";

/// Files a report; a unique violation (`message_reports`) means the reporter has one open.
pub async fn insert_report(db: &Db, r: &Report) -> Result<(), DbError> {
    query(
        "INSERT INTO message_reports (id, message_id, conversation_id, reporter_id, reason, details, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(r.id)
    .bind(r.message_id)
    .bind(r.conversation_id)
    .bind(r.reporter_id)
    .bind(r.reason.as_str())
    .bind(r.details.clone())
    .bind(r.status.as_str())
    .bind(r.created_at)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn find_report<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Report>, DbError> {
    query_dynamic(format!("SELECT {REPORT} FROM message_reports WHERE id = $1")).bind(id).fetch_optional(on).await
}

/// Reports in one status, oldest first (a queue).
pub async fn reports(db: &Db, status: &str, limit: u32, offset: u64) -> Result<(Vec<Report>, i64), DbError> {
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    let rows = query_dynamic(format!(
        "SELECT {REPORT} FROM message_reports WHERE status = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3"
    ))
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await?;
    let (total,): (i64,) =
        query("SELECT COUNT(*) FROM message_reports WHERE status = $1").bind(status).fetch_one(db).await?;
    Ok((rows, total))
}

/// Resolves an open report; false when it was not open.
pub async fn resolve(
    tx: &mut Tx,
    id: Uuid,
    action: &str,
    note: Option<&str>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = query(
        "UPDATE message_reports SET status = 'resolved', action = $1, note = $2, resolved_by = $3, resolved_at = $4 \
         WHERE id = $5 AND status = 'open'",
    )
    .bind(action)
    .bind(note)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(n == 1)
}
