//! Consents, privacy policies and their acceptance, the data-access log, and erasure.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use serde::Serialize;
use uuid::Uuid;

/// A stable id derived from what identifies a record that has no id column of its own (a
/// policy by its version, a user's consent record, an acceptance).
pub fn derived_id(kind: &str, key: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, format!("urn:sojourn:identity:{kind}:{key}").as_bytes())
}

/// Where a change came from, kept as proof of consent.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentEvent {
    pub id: Uuid,
    pub purpose: String,
    pub granted: bool,
    pub created_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

impl FromRow for ConsentEvent {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(ConsentEvent {
            id: row.get("id")?,
            purpose: row.get("purpose")?,
            granted: row.get("granted")?,
            created_at: row.get("created_at")?,
            ip_address: row.get("ip_address")?,
            user_agent: row.get("user_agent")?,
        })
    }
}

pub async fn record_consent(
    tx: &mut Tx,
    user: Uuid,
    purpose: &str,
    granted: bool,
    source: &Source,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO consent_events (id, user_id, purpose, granted, created_at, ip_address, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(kernel::new_id())
    .bind(user)
    .bind(purpose)
    .bind(granted)
    .bind(now)
    .bind(source.ip.clone())
    .bind(source.user_agent.clone())
    .execute(tx)
    .await?;
    Ok(())
}

const CONSENT_SQL: &str = "SELECT id, purpose, granted, created_at, ip_address, user_agent FROM consent_events \
     WHERE user_id = $1 ORDER BY created_at, id";

/// Every consent change of the user, oldest first.
pub async fn consent_history(db: &Db, user: Uuid) -> Result<Vec<ConsentEvent>, DbError> {
    query(CONSENT_SQL).bind(user).fetch_all(db).await
}

pub async fn consent_history_tx(tx: &mut Tx, user: Uuid) -> Result<Vec<ConsentEvent>, DbError> {
    query(CONSENT_SQL).bind(user).fetch_all(tx).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Derived from the version: the same version always has the same id.
    pub id: Uuid,
    pub version: String,
    pub title: String,
    pub content: String,
    pub effective_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl Policy {
    pub fn id_of(version: &str) -> Uuid {
        derived_id("privacy-policy", version)
    }
}

impl FromRow for Policy {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let version: String = row.get("version")?;
        Ok(Policy {
            id: Policy::id_of(&version),
            version,
            title: row.get("title")?,
            content: row.get("content")?,
            effective_at: row.get("effective_at")?,
            created_at: row.get("created_at")?,
        })
    }
}

const POLICY_COLUMNS: &str = "version, title, content, effective_at, created_at";

pub async fn current_policy(db: &Db, now: DateTime<Utc>) -> Result<Option<Policy>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {POLICY_COLUMNS} FROM privacy_policies WHERE effective_at <= $1 \
         ORDER BY effective_at DESC, version DESC LIMIT 1"
    ))
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Every version, including future ones, latest effective first.
pub async fn policies(db: &Db) -> Result<Vec<Policy>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {POLICY_COLUMNS} FROM privacy_policies ORDER BY effective_at DESC, version DESC LIMIT 500"
    ))
    .fetch_all(db)
    .await
}

pub async fn insert_policy(tx: &mut Tx, p: &Policy) -> Result<(), DbError> {
    query(
        "INSERT INTO privacy_policies (version, title, content, effective_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(p.version.as_str())
    .bind(p.title.as_str())
    .bind(p.content.as_str())
    .bind(p.effective_at)
    .bind(p.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

/// Records (or refreshes) the user's acceptance of `version`.
pub async fn accept_policy(
    tx: &mut Tx,
    user: Uuid,
    version: &str,
    source: &Source,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO policy_acceptances (user_id, version, accepted_at, ip_address, user_agent) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, version) DO UPDATE SET accepted_at = $3, ip_address = $4, user_agent = $5",
    )
    .bind(user)
    .bind(version)
    .bind(now)
    .bind(source.ip.clone())
    .bind(source.user_agent.clone())
    .execute(tx)
    .await?;
    Ok(())
}

/// One acceptance, in DreamScape's shape.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Acceptance {
    pub id: Uuid,
    pub user_id: Uuid,
    pub policy_id: Uuid,
    pub policy_version: String,
    pub accepted_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

impl FromRow for Acceptance {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let user_id: Uuid = row.get("user_id")?;
        let version: String = row.get("version")?;
        Ok(Acceptance {
            id: derived_id("policy-acceptance", &format!("{user_id}:{version}")),
            user_id,
            policy_id: Policy::id_of(&version),
            policy_version: version,
            accepted_at: row.get("accepted_at")?,
            ip_address: row.get("ip_address")?,
            user_agent: row.get("user_agent")?,
        })
    }
}

/// Every policy the user accepted, oldest first.
pub async fn acceptances(db: &Db, user: Uuid) -> Result<Vec<Acceptance>, DbError> {
    query(
        "SELECT user_id, version, accepted_at, ip_address, user_agent FROM policy_acceptances WHERE user_id = $1 \
         ORDER BY accepted_at, version",
    )
    .bind(user)
    .fetch_all(db)
    .await
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
/// anonymous) and the legal records (consents, policy acceptances, requests, access log —
/// without the addresses and browsers they were given from).
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
        "DELETE FROM price_alerts WHERE user_id = $1",
        "DELETE FROM one_time_tokens WHERE user_id = $1",
        "DELETE FROM phone_verifications WHERE user_id = $1",
        "DELETE FROM recovery_codes WHERE user_id = $1",
        "UPDATE gdpr_requests SET result = NULL, reason = NULL WHERE user_id = $1",
        "UPDATE consent_events SET ip_address = NULL, user_agent = NULL WHERE user_id = $1",
        "UPDATE policy_acceptances SET ip_address = NULL, user_agent = NULL WHERE user_id = $1",
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
