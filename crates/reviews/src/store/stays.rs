//! Reservations as booking's events describe them, their review windows (from completion),
//! the claim that publishes their reviews exactly once, and the reminders' claims.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Row, Tx, query};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Stay {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub kind: String,
    pub guest_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub listing_title: Option<String>,
    pub timezone: Option<String>,
    pub status: String,
    pub completed_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
}

impl FromRow for Stay {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Stay {
            id: row.get("id")?,
            listing_id: row.get("listing_id")?,
            kind: row.get("kind")?,
            guest_id: row.get("guest_id")?,
            host_id: row.get("host_id")?,
            listing_title: row.get("listing_title")?,
            timezone: row.get("timezone")?,
            status: row.get("status")?,
            completed_at: row.get("completed_at")?,
            closes_at: row.get("closes_at")?,
            published_at: row.get("published_at")?,
        })
    }
}

/// Records a reservation as an event of `at` describes it. Completion is final: a late event
/// of an earlier state cannot reopen it, and the window set by the first completion stays.
pub async fn upsert(tx: &mut Tx, s: &Stay, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO stays (id, listing_id, kind, guest_id, host_id, listing_title, timezone, status, completed_at, closes_at, \
         published_at, first_reminder_at, last_reminder_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL, NULL, $11) \
         ON CONFLICT (id) DO UPDATE SET listing_title = COALESCE(excluded.listing_title, stays.listing_title), \
         timezone = COALESCE(excluded.timezone, stays.timezone), \
         status = CASE WHEN stays.status = 'completed' THEN stays.status ELSE excluded.status END, \
         completed_at = COALESCE(stays.completed_at, excluded.completed_at), \
         closes_at = COALESCE(stays.closes_at, excluded.closes_at), updated_at = excluded.updated_at \
         WHERE stays.updated_at <= excluded.updated_at OR (stays.completed_at IS NULL AND excluded.completed_at IS NOT NULL)",
    )
    .bind(s.id)
    .bind(s.listing_id)
    .bind(s.kind.as_str())
    .bind(s.guest_id)
    .bind(s.host_id)
    .bind(s.listing_title.clone())
    .bind(s.timezone.clone())
    .bind(s.status.as_str())
    .bind(s.completed_at)
    .bind(s.closes_at)
    .bind(at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Stay>, DbError> {
    query(
        "SELECT id, listing_id, kind, guest_id, host_id, listing_title, timezone, status, completed_at, closes_at, published_at \
         FROM stays WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(on)
    .await
}

/// The reservation, locked for the rest of `tx`: submissions and the window's closing of one
/// reservation are serialised on this row, so that exactly one of them publishes.
pub async fn lock(tx: &mut Tx, id: Uuid) -> Result<Option<Stay>, DbError> {
    let n = query("UPDATE stays SET updated_at = updated_at WHERE id = $1").bind(id).execute(&mut *tx).await?;
    if n == 0 {
        return Ok(None);
    }
    find(&mut *tx, id).await
}

/// Marks the reservation's reviews published at `now`; false when that already happened.
pub async fn claim_publication(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<bool, DbError> {
    let n = query("UPDATE stays SET published_at = $1 WHERE id = $2 AND published_at IS NULL")
        .bind(now)
        .bind(id)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

/// Reservations whose window closed and whose reviews are not published yet.
pub async fn closed_windows(db: &Db, now: DateTime<Utc>, limit: u32) -> Result<Vec<Uuid>, DbError> {
    let rows: Vec<(Uuid,)> =
        query("SELECT id FROM stays WHERE published_at IS NULL AND closes_at <= $1 ORDER BY closes_at, id LIMIT $2")
            .bind(now)
            .bind(limit)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Which reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// The day after completion.
    First,
    /// Three days before the window closes.
    Last,
}

impl Reminder {
    pub const fn as_str(self) -> &'static str {
        match self {
            Reminder::First => "first",
            Reminder::Last => "last",
        }
    }
}

/// Open windows whose `which` reminder is due at `now` (`first_due`: completed before it;
/// `last_due`: closing before it) and not yet sent.
pub async fn due_reminders(
    db: &Db,
    which: Reminder,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<Stay>, DbError> {
    let sql = match which {
        Reminder::First => {
            "SELECT id, listing_id, kind, guest_id, host_id, listing_title, timezone, status, completed_at, closes_at, published_at FROM stays \
             WHERE published_at IS NULL AND first_reminder_at IS NULL AND last_reminder_at IS NULL \
             AND completed_at <= $1 AND closes_at > $2 ORDER BY completed_at, id LIMIT $3"
        }
        Reminder::Last => {
            "SELECT id, listing_id, kind, guest_id, host_id, listing_title, timezone, status, completed_at, closes_at, published_at FROM stays \
             WHERE published_at IS NULL AND last_reminder_at IS NULL AND closes_at <= $1 AND closes_at > $2 \
             ORDER BY closes_at, id LIMIT $3"
        }
    };
    query(sql).bind(due).bind(now).bind(limit).fetch_all(db).await
}

/// Claims a reminder (the last one also settles the first); false when another run did.
pub async fn claim_reminder(tx: &mut Tx, id: Uuid, which: Reminder, now: DateTime<Utc>) -> Result<bool, DbError> {
    let sql = match which {
        Reminder::First => "UPDATE stays SET first_reminder_at = $1 WHERE id = $2 AND first_reminder_at IS NULL",
        Reminder::Last => {
            "UPDATE stays SET last_reminder_at = $1, first_reminder_at = COALESCE(first_reminder_at, $1) \
             WHERE id = $2 AND last_reminder_at IS NULL"
        }
    };
    Ok(query(sql).bind(now).bind(id).execute(tx).await? == 1)
}

/// Reservations `user` may still review at `now`, soonest closing first, with whether the
/// other side already wrote.
pub async fn awaiting(db: &Db, user: Uuid, now: DateTime<Utc>) -> Result<Vec<(Stay, bool)>, DbError> {
    let rows: Vec<Awaiting> = query(
        "SELECT s.id, s.listing_id, s.kind, s.guest_id, s.host_id, s.listing_title, s.timezone, s.status, s.completed_at, \
         s.closes_at, s.published_at, EXISTS (SELECT 1 FROM reviews o WHERE o.reservation_id = s.id) AS other_wrote \
         FROM stays s WHERE (s.guest_id = $1 OR s.host_id = $1) AND s.published_at IS NULL AND s.closes_at > $2 \
         AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.reservation_id = s.id AND r.author_id = $1) \
         ORDER BY s.closes_at, s.id LIMIT 100",
    )
    .bind(user)
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|a| (a.0, a.1)).collect())
}

/// A stay and whether anyone reviewed it yet (the caller has not: the query says so).
struct Awaiting(Stay, bool);

impl FromRow for Awaiting {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Awaiting(Stay::from_row(row)?, row.get("other_wrote")?))
    }
}

/// Forgets a user's part in reservations (erasure): they are no longer a side anyone reviews.
pub async fn erase_party(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("UPDATE stays SET guest_id = NULL WHERE guest_id = $1").bind(user).execute(&mut *tx).await?;
    query("UPDATE stays SET host_id = NULL WHERE host_id = $1").bind(user).execute(&mut *tx).await?;
    Ok(())
}
