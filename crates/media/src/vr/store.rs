//! `vr_sessions` (every PIN: DreamScape's destination sessions and the PINs of tour sessions),
//! `tour_sessions` and `tour_session_viewers`. SQL lives here only.

use chrono::{DateTime, Utc};
use platform::db::{DbError, Executor, FromRow, Json, Row, Tx, query};
use uuid::Uuid;

use super::rules::LiveState;

/// A PIN and what it opens.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    pub pin: String,
    pub destination: String,
    /// Set for a tour session's PIN (which is never used up and has no expiry of its own).
    pub tour_session_id: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
    pub used_at: Option<DateTime<Utc>>,
}

impl FromRow for Pin {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Self {
            pin: row.get("pin")?,
            destination: row.get("destination")?,
            tour_session_id: row.get("tour_session_id")?,
            expires_at: row.get("expires_at")?,
            used_at: row.get("used_at")?,
        })
    }
}

/// Stores a destination PIN unless the PIN is taken; whether it was stored.
pub async fn insert_pin(
    tx: &mut Tx,
    pin: &str,
    destination: &str,
    tour_session: Option<Uuid>,
    creator: Option<Uuid>,
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<bool, DbError> {
    let n = query(
        "INSERT INTO vr_sessions (pin, destination, tour_session_id, creator_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (pin) DO NOTHING",
    )
    .bind(pin)
    .bind(destination)
    .bind(tour_session)
    .bind(creator)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(n == 1)
}

pub async fn find_pin<'c>(on: impl Executor<'c>, pin: &str) -> Result<Option<Pin>, DbError> {
    query("SELECT pin, destination, tour_session_id, expires_at, used_at FROM vr_sessions WHERE pin = $1")
        .bind(pin)
        .fetch_optional(on)
        .await
}

/// Marks a live, unused destination PIN used; false when another request did first (or it
/// expired meanwhile). One statement, so of concurrent requests exactly one wins.
pub async fn use_pin<'c>(on: impl Executor<'c>, pin: &str, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query(
        "UPDATE vr_sessions SET used_at = $2 WHERE pin = $1 AND used_at IS NULL AND expires_at > $2 \
         AND tour_session_id IS NULL",
    )
    .bind(pin)
    .bind(now)
    .execute(on)
    .await?;
    Ok(n == 1)
}

/// Deletes the destination PIN if it has expired.
pub async fn delete_expired_pin<'c>(on: impl Executor<'c>, pin: &str, now: DateTime<Utc>) -> Result<(), DbError> {
    query("DELETE FROM vr_sessions WHERE pin = $1 AND expires_at <= $2").bind(pin).bind(now).execute(on).await?;
    Ok(())
}

/// Deletes every expired destination PIN; how many.
pub async fn purge_pins<'c>(on: impl Executor<'c>, now: DateTime<Utc>) -> Result<u64, DbError> {
    query("DELETE FROM vr_sessions WHERE expires_at <= $1").bind(now).execute(on).await
}

/// A tour shown live.
#[derive(Debug, Clone, PartialEq)]
pub struct TourSession {
    pub id: Uuid,
    pub pin: String,
    pub tour_id: Uuid,
    pub listing_id: Uuid,
    pub leader_id: Uuid,
    pub state: LiveState,
    pub seq: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl FromRow for TourSession {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let Json(state): Json<LiveState> = row.get("state")?;
        Ok(Self {
            id: row.get("id")?,
            pin: row.get("pin")?,
            tour_id: row.get("tour_id")?,
            listing_id: row.get("listing_id")?,
            leader_id: row.get("leader_id")?,
            state,
            seq: row.get("seq")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            expires_at: row.get("expires_at")?,
        })
    }
}

fn state_value(state: &LiveState) -> Result<serde_json::Value, DbError> {
    serde_json::to_value(state).map_err(|e| DbError::Other(e.to_string()))
}

pub async fn insert_session(tx: &mut Tx, s: &TourSession) -> Result<(), DbError> {
    query(
        "INSERT INTO tour_sessions (id, pin, tour_id, listing_id, leader_id, state, seq, created_at, updated_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(s.id)
    .bind(s.pin.as_str())
    .bind(s.tour_id)
    .bind(s.listing_id)
    .bind(s.leader_id)
    .bind(state_value(&s.state)?)
    .bind(s.seq)
    .bind(s.created_at)
    .bind(s.updated_at)
    .bind(s.expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

const SESSION_COLUMNS: &str = "SELECT id, pin, tour_id, listing_id, leader_id, state, seq, created_at, updated_at, \
                               expires_at FROM tour_sessions";

pub async fn find_session<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<TourSession>, DbError> {
    platform::db::query_dynamic(format!("{SESSION_COLUMNS} WHERE id = $1")).bind(id).fetch_optional(on).await
}

/// Live sessions `leader` leads.
pub async fn count_led<'c>(on: impl Executor<'c>, leader: Uuid, now: DateTime<Utc>) -> Result<i64, DbError> {
    let (n,): (i64,) = query("SELECT COUNT(*) FROM tour_sessions WHERE leader_id = $1 AND expires_at > $2")
        .bind(leader)
        .bind(now)
        .fetch_one(on)
        .await?;
    Ok(n)
}

/// Stores the leader's state as of `seq` (never going back to an older one) and pushes the
/// expiry to `expires_at`; false when the session is gone.
pub async fn save_state<'c>(
    on: impl Executor<'c>,
    id: Uuid,
    state: &LiveState,
    seq: i64,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = query(
        "UPDATE tour_sessions SET state = CASE WHEN seq < $3 THEN $2 ELSE state END, \
         seq = CASE WHEN seq < $3 THEN $3 ELSE seq END, updated_at = $4, expires_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(state_value(state)?)
    .bind(seq)
    .bind(now)
    .bind(expires_at)
    .execute(on)
    .await?;
    Ok(n == 1)
}

/// Pushes the expiry of a session (someone joined: it is in use).
pub async fn touch<'c>(on: impl Executor<'c>, id: Uuid, expires_at: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE tour_sessions SET expires_at = $2 WHERE id = $1 AND expires_at < $2")
        .bind(id)
        .bind(expires_at)
        .execute(on)
        .await?;
    Ok(())
}

/// Deletes a tour session with its PIN and viewers; whether it existed.
pub async fn delete_session(tx: &mut Tx, id: Uuid) -> Result<bool, DbError> {
    query("DELETE FROM tour_session_viewers WHERE session_id = $1").bind(id).execute(&mut *tx).await?;
    query("DELETE FROM vr_sessions WHERE tour_session_id = $1").bind(id).execute(&mut *tx).await?;
    Ok(query("DELETE FROM tour_sessions WHERE id = $1").bind(id).execute(&mut *tx).await? > 0)
}

/// Up to `limit` sessions whose time is up.
pub async fn expired_sessions<'c>(on: impl Executor<'c>, now: DateTime<Utc>, limit: i64) -> Result<Vec<Uuid>, DbError> {
    let rows: Vec<(Uuid,)> = query("SELECT id FROM tour_sessions WHERE expires_at <= $1 LIMIT $2")
        .bind(now)
        .bind(limit)
        .fetch_all(on)
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Records `user` as a viewer (again is fine).
pub async fn add_viewer<'c>(
    on: impl Executor<'c>,
    session: Uuid,
    user: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO tour_session_viewers (session_id, user_id, joined_at) VALUES ($1, $2, $3) \
         ON CONFLICT (session_id, user_id) DO NOTHING",
    )
    .bind(session)
    .bind(user)
    .bind(now)
    .execute(on)
    .await?;
    Ok(())
}

pub async fn is_viewer<'c>(on: impl Executor<'c>, session: Uuid, user: Uuid) -> Result<bool, DbError> {
    let found: Option<(Uuid,)> =
        query("SELECT user_id FROM tour_session_viewers WHERE session_id = $1 AND user_id = $2")
            .bind(session)
            .bind(user)
            .fetch_optional(on)
            .await?;
    Ok(found.is_some())
}

pub async fn count_viewers<'c>(on: impl Executor<'c>, session: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) =
        query("SELECT COUNT(*) FROM tour_session_viewers WHERE session_id = $1").bind(session).fetch_one(on).await?;
    Ok(n)
}

/// A deleted user: the sessions they lead end, they leave the others, and the PINs they made
/// forget them. Returns the sessions ended.
pub async fn erase_user(tx: &mut Tx, user: Uuid) -> Result<Vec<Uuid>, DbError> {
    let led: Vec<(Uuid,)> =
        query("SELECT id FROM tour_sessions WHERE leader_id = $1").bind(user).fetch_all(&mut *tx).await?;
    for (id,) in &led {
        delete_session(tx, *id).await?;
    }
    query("DELETE FROM tour_session_viewers WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    query("UPDATE vr_sessions SET creator_id = NULL WHERE creator_id = $1").bind(user).execute(&mut *tx).await?;
    Ok(led.into_iter().map(|(id,)| id).collect())
}
