use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentEvent {
    pub purpose: String,
    pub granted: bool,
    pub created_at: DateTime<Utc>,
}

impl FromRow for ConsentEvent {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(ConsentEvent {
            purpose: row.get("purpose")?,
            granted: row.get("granted")?,
            created_at: row.get("created_at")?,
        })
    }
}

pub async fn record_consent(
    tx: &mut Tx,
    user: Uuid,
    purpose: &str,
    granted: bool,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query("INSERT INTO consent_events (id, user_id, purpose, granted, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(kernel::new_id())
        .bind(user)
        .bind(purpose)
        .bind(granted)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

/// Every consent change of the user, oldest first.
pub async fn consent_history(db: &Db, user: Uuid) -> Result<Vec<ConsentEvent>, DbError> {
    query("SELECT purpose, granted, created_at FROM consent_events WHERE user_id = $1 ORDER BY created_at, id")
        .bind(user)
        .fetch_all(db)
        .await
}

pub async fn consent_history_tx(tx: &mut Tx, user: Uuid) -> Result<Vec<ConsentEvent>, DbError> {
    query("SELECT purpose, granted, created_at FROM consent_events WHERE user_id = $1 ORDER BY created_at, id")
        .bind(user)
        .fetch_all(tx)
        .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    pub version: String,
    pub title: String,
    pub content: String,
    pub effective_at: DateTime<Utc>,
}

impl FromRow for Policy {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Policy {
            version: row.get("version")?,
            title: row.get("title")?,
            content: row.get("content")?,
            effective_at: row.get("effective_at")?,
        })
    }
}

pub async fn current_policy(db: &Db, now: DateTime<Utc>) -> Result<Option<Policy>, DbError> {
    query(
        "SELECT version, title, content, effective_at FROM privacy_policies WHERE effective_at <= $1 \
         ORDER BY effective_at DESC, version DESC LIMIT 1",
    )
    .bind(now)
    .fetch_optional(db)
    .await
}

pub async fn insert_policy(tx: &mut Tx, p: &Policy, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO privacy_policies (version, title, content, effective_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(p.version.as_str())
    .bind(p.title.as_str())
    .bind(p.content.as_str())
    .bind(p.effective_at)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn accept_policy(tx: &mut Tx, user: Uuid, version: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO policy_acceptances (user_id, version, accepted_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, version) DO NOTHING",
    )
    .bind(user)
    .bind(version)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// (version, accepted_at) of every policy the user accepted, oldest first.
pub async fn acceptances(db: &Db, user: Uuid) -> Result<Vec<(String, DateTime<Utc>)>, DbError> {
    query("SELECT version, accepted_at FROM policy_acceptances WHERE user_id = $1 ORDER BY accepted_at, version")
        .bind(user)
        .fetch_all(db)
        .await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether an archive can be downloaded.
    pub downloadable: bool,
    /// What an administrator noted when handling it.
    pub admin_note: Option<String>,
}

impl FromRow for Request {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Request {
            id: row.get("id")?,
            kind: row.get("type")?,
            status: row.get("status")?,
            reason: row.get("reason")?,
            created_at: row.get("created_at")?,
            completed_at: row.get("completed_at")?,
            expires_at: row.get("expires_at")?,
            downloadable: row.get::<i64>("has_result")? != 0,
            admin_note: row.get("admin_note")?,
        })
    }
}

const REQUEST_COLUMNS: &str = "id, type, status, reason, admin_note, created_at, completed_at, expires_at, \
     CAST(CASE WHEN result IS NULL THEN 0 ELSE 1 END AS BIGINT) AS has_result";

pub async fn insert_request(tx: &mut Tx, user: Uuid, r: &Request) -> Result<(), DbError> {
    query("INSERT INTO gdpr_requests (id, user_id, type, status, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(r.id)
        .bind(user)
        .bind(r.kind.as_str())
        .bind(r.status.as_str())
        .bind(r.reason.clone())
        .bind(r.created_at)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn finish_request(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    result: Option<Value>,
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(), DbError> {
    query("UPDATE gdpr_requests SET status = $1, result = $2, completed_at = $3, expires_at = $4 WHERE id = $5")
        .bind(status)
        .bind(result)
        .bind(now)
        .bind(expires_at)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn requests(db: &Db, user: Uuid) -> Result<Vec<Request>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {REQUEST_COLUMNS} FROM gdpr_requests WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 200"
    ))
    .bind(user)
    .fetch_all(db)
    .await
}

pub async fn request(db: &Db, user: Uuid, id: Uuid) -> Result<Option<Request>, DbError> {
    platform::db::query_dynamic(format!("SELECT {REQUEST_COLUMNS} FROM gdpr_requests WHERE id = $1 AND user_id = $2"))
        .bind(id)
        .bind(user)
        .fetch_optional(db)
        .await
}

pub async fn archive(db: &Db, user: Uuid, id: Uuid) -> Result<Option<Value>, DbError> {
    let row: Option<(Option<Json<Value>>,)> = query("SELECT result FROM gdpr_requests WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .fetch_optional(db)
        .await?;
    Ok(row.and_then(|(r,)| r.map(|Json(v)| v)))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Access {
    pub id: Uuid,
    /// Who: the user themself, an administrator, or the platform (`null`).
    pub actor_id: Option<Uuid>,
    pub action: String,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Access {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Access {
            id: row.get("id")?,
            actor_id: row.get("actor_id")?,
            action: row.get("action")?,
            detail: row.get("detail")?,
            created_at: row.get("created_at")?,
        })
    }
}

pub async fn log_access(
    tx: &mut Tx,
    user: Uuid,
    actor: Option<Uuid>,
    action: &str,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query("INSERT INTO data_access_log (id, user_id, actor_id, action, detail, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(kernel::new_id())
        .bind(user)
        .bind(actor)
        .bind(action)
        .bind(detail)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn access_log(db: &Db, user: Uuid, limit: u32, offset: u64) -> Result<(Vec<Access>, i64), DbError> {
    let (total,): (i64,) =
        query("SELECT COUNT(*) FROM data_access_log WHERE user_id = $1").bind(user).fetch_one(db).await?;
    let items = query(
        "SELECT id, actor_id, action, detail, created_at FROM data_access_log WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3",
    )
    .bind(user)
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    Ok((items, total))
}

/// Removes personal data of `user` from every identity table, keeping the account row (now
/// anonymous) and the legal records (consents, policy acceptances, requests, access log).
pub async fn erase(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    let tombstone = format!("deleted-{}@deleted.invalid", user.simple());
    query(
        "UPDATE users SET email = $1, password_hash = $2, first_name = NULL, last_name = NULL, username = NULL, \
         username_key = NULL, phone_number = NULL, status = 'deleted', status_reason = NULL, suspended_until = NULL, \
         email_verified_at = NULL, phone_verified_at = NULL, mfa_secret = NULL, mfa_pending_secret = NULL, \
         mfa_enabled_at = NULL, mfa_last_step = NULL, updated_at = $3 WHERE id = $4",
    )
    .bind(tombstone)
    .bind("!deleted")
    .bind(now)
    .bind(user)
    .execute(&mut *tx)
    .await?;
    query("DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE user_id = $1)")
        .bind(user)
        .execute(&mut *tx)
        .await?;
    for sql in [
        "DELETE FROM sessions WHERE user_id = $1",
        "DELETE FROM profiles WHERE user_id = $1",
        "DELETE FROM onboarding WHERE user_id = $1",
        "DELETE FROM favorites WHERE user_id = $1",
        "DELETE FROM history WHERE user_id = $1",
        "DELETE FROM one_time_tokens WHERE user_id = $1",
        "DELETE FROM recovery_codes WHERE user_id = $1",
        "UPDATE gdpr_requests SET result = NULL WHERE user_id = $1",
    ] {
        platform::db::query_dynamic(sql.to_owned()).bind(user).execute(&mut *tx).await?;
    }
    // Delivered events about the account carried its email and names; they are not needed
    // any more (undelivered ones go out first, then age out of the outbox).
    query("DELETE FROM outbox WHERE aggregate_id = $1 AND published_at IS NOT NULL")
        .bind(user.to_string())
        .execute(tx)
        .await?;
    Ok(())
}

/// Requests for administrators, oldest first, optionally of one status.
pub async fn pending_requests(
    db: &Db,
    status: Option<&str>,
    limit: u32,
    offset: u64,
) -> Result<(Vec<(Uuid, Request)>, i64), DbError> {
    struct Row2(Uuid, Request);
    impl FromRow for Row2 {
        fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
            Ok(Row2(row.get("user_id")?, Request::from_row(row)?))
        }
    }
    let (total,): (i64,) = query("SELECT COUNT(*) FROM gdpr_requests WHERE ($1 IS NULL OR status = $1)")
        .bind(status)
        .fetch_one(db)
        .await?;
    let rows: Vec<Row2> = platform::db::query_dynamic(format!(
        "SELECT user_id, {REQUEST_COLUMNS} FROM gdpr_requests WHERE ($1 IS NULL OR status = $1) \
         ORDER BY created_at, id LIMIT $2 OFFSET $3"
    ))
    .bind(status)
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    Ok((rows.into_iter().map(|Row2(u, r)| (u, r)).collect(), total))
}

/// Moves a request to `status` (administrators); returns its owner, or `None` if unknown.
pub async fn set_request_status(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Uuid>, DbError> {
    let done = matches!(status, "completed" | "rejected");
    let owner: Option<(Uuid,)> =
        query("SELECT user_id FROM gdpr_requests WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
    if owner.is_none() {
        return Ok(None);
    }
    query(
        "UPDATE gdpr_requests SET status = $1, admin_note = COALESCE($2, admin_note), \
         completed_at = CASE WHEN $3 THEN $4 ELSE NULL END WHERE id = $5",
    )
    .bind(status)
    .bind(note)
    .bind(done)
    .bind(now)
    .bind(id)
    .execute(tx)
    .await?;
    Ok(owner.map(|(u,)| u))
}
