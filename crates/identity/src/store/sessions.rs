use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    pub id: Uuid,
    #[serde(skip)]
    pub user_id: Uuid,
    pub device_label: String,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    #[serde(skip)]
    pub remember_me: bool,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    #[serde(skip)]
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, user_id, device_label, user_agent, ip, remember_me, created_at, last_used_at, expires_at, revoked_at";

impl FromRow for Session {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Session {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            device_label: row.get("device_label")?,
            user_agent: row.get("user_agent")?,
            ip: row.get("ip")?,
            remember_me: row.get("remember_me")?,
            created_at: row.get("created_at")?,
            last_used_at: row.get("last_used_at")?,
            expires_at: row.get("expires_at")?,
            revoked_at: row.get("revoked_at")?,
        })
    }
}

pub async fn insert(tx: &mut Tx, s: &Session) -> Result<(), DbError> {
    query(
        "INSERT INTO sessions (id, user_id, remember_me, user_agent, ip, device_label, created_at, last_used_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
    )
    .bind(s.id)
    .bind(s.user_id)
    .bind(s.remember_me)
    .bind(s.user_agent.clone())
    .bind(s.ip.clone())
    .bind(s.device_label.as_str())
    .bind(s.created_at)
    .bind(s.expires_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn insert_refresh(tx: &mut Tx, hash: Vec<u8>, session: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)")
        .bind(hash)
        .bind(session)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

/// Spends a refresh token: true only for the one caller that flips it from unused to used.
pub async fn spend_refresh(tx: &mut Tx, hash: Vec<u8>, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query("UPDATE refresh_tokens SET rotated_at = $1 WHERE token_hash = $2 AND rotated_at IS NULL")
        .bind(now)
        .bind(hash)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

/// The session a refresh token belongs to, whatever its state.
pub async fn session_of_refresh(tx: &mut Tx, hash: Vec<u8>) -> Result<Option<Session>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM sessions WHERE id = (SELECT session_id FROM refresh_tokens WHERE token_hash = $1)"
    ))
    .bind(hash)
    .fetch_optional(tx)
    .await
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<Session>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM sessions WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn touch(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE sessions SET last_used_at = $1 WHERE id = $2").bind(now).bind(id).execute(tx).await?;
    Ok(())
}

/// Live sessions of a user, newest first.
pub async fn list_live(db: &Db, user: Uuid, now: DateTime<Utc>) -> Result<Vec<Session>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM sessions WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 \
         ORDER BY last_used_at DESC, id DESC LIMIT 200"
    ))
    .bind(user)
    .bind(now)
    .fetch_all(db)
    .await
}

/// Revokes one session if live; true when it was.
pub async fn revoke(tx: &mut Tx, id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query("UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL")
        .bind(now)
        .bind(reason)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

/// Revokes every live session of `user` except `keep`; returns the ids revoked.
pub async fn revoke_all(
    tx: &mut Tx,
    user: Uuid,
    keep: Option<Uuid>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbError> {
    let ids: Vec<(Uuid,)> = query("SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL")
        .bind(user)
        .fetch_all(&mut *tx)
        .await?;
    let ids: Vec<Uuid> = ids.into_iter().map(|(id,)| id).filter(|id| Some(*id) != keep).collect();
    for id in &ids {
        revoke(tx, *id, reason, now).await?;
    }
    Ok(ids)
}

/// Sessions revoked since `since` (their access tokens may still be unexpired).
pub async fn revoked_since(db: &Db, since: DateTime<Utc>) -> Result<Vec<(Uuid, DateTime<Utc>)>, DbError> {
    query("SELECT id, revoked_at FROM sessions WHERE revoked_at IS NOT NULL AND revoked_at > $1")
        .bind(since)
        .fetch_all(db)
        .await
}

/// Every session of a user, live or ended (for the data export).
pub async fn all_for_user(db: &Db, user: Uuid) -> Result<Vec<Session>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM sessions WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(user)
    .fetch_all(db)
    .await
}

/// Whether another session of `user` than `except`, live or ended, had `device_label` (ended
/// sessions are kept 30 days: older ones are forgotten).
pub async fn device_seen(tx: &mut Tx, user: Uuid, device_label: &str, except: Uuid) -> Result<bool, DbError> {
    let (n,): (i64,) = query("SELECT COUNT(*) FROM sessions WHERE user_id = $1 AND device_label = $2 AND id <> $3")
        .bind(user)
        .bind(device_label)
        .bind(except)
        .fetch_one(tx)
        .await?;
    Ok(n > 0)
}
