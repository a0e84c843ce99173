//! The notifications context's SQL — the only code that touches its tables. Every query on
//! the inbox is scoped by `user_id`: a row of another user is indistinguishable from none.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Row, Tx, query};
use uuid::Uuid;

/// An inbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// JSON text.
    pub data: String,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Notification {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Notification {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            kind: row.get("type")?,
            title: row.get("title")?,
            body: row.get("body")?,
            data: row.get("data")?,
            read_at: row.get("read_at")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// Which rows a list covers. `kind: None` is every type; `status` is `unread`, `read` or `all`.
#[derive(Debug, Clone, Copy)]
pub struct Filter<'a> {
    pub user_id: Uuid,
    pub status: &'a str,
    pub kind: Option<&'a str>,
}

/// Inserts a notification, made from event `source` if any; false when that event already
/// made one.
pub async fn insert(tx: &mut Tx, n: &Notification, source: Option<Uuid>) -> Result<bool, DbError> {
    let inserted = query(
        "INSERT INTO notifications (id, user_id, type, title, body, data, read_at, created_at, source_event_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (source_event_id) DO NOTHING",
    )
    .bind(n.id)
    .bind(n.user_id)
    .bind(n.kind.as_str())
    .bind(n.title.as_str())
    .bind(n.body.as_str())
    .bind(n.data.as_str())
    .bind(n.read_at)
    .bind(n.created_at)
    .bind(source)
    .execute(tx)
    .await?;
    Ok(inserted == 1)
}

// One statement per operation, whatever the filter: a NULL parameter means "any".
const FILTER: &str = "user_id = $1 AND ($2 IS NULL OR type = $2) \
     AND ($3 = 'all' OR ($3 = 'unread' AND read_at IS NULL) OR ($3 = 'read' AND read_at IS NOT NULL))";

/// One page of a user's notifications, newest first.
pub async fn list(db: &Db, f: Filter<'_>, limit: u32, offset: u64) -> Result<Vec<Notification>, DbError> {
    let offset = i64::try_from(offset).unwrap_or(i64::MAX);
    platform::db::query_dynamic(format!(
        "SELECT id, user_id, type, title, body, data, read_at, created_at FROM notifications \
         WHERE {FILTER} ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
    ))
    .bind(f.user_id)
    .bind(f.kind)
    .bind(f.status)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn count(db: &Db, f: Filter<'_>) -> Result<i64, DbError> {
    let (n,): (i64,) = platform::db::query_dynamic(format!("SELECT COUNT(*) FROM notifications WHERE {FILTER}"))
        .bind(f.user_id)
        .bind(f.kind)
        .bind(f.status)
        .fetch_one(db)
        .await?;
    Ok(n)
}

pub async fn unread_count(db: &Db, user: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) = query("SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
        .bind(user)
        .fetch_one(db)
        .await?;
    Ok(n)
}

pub async fn find<'c>(on: impl Executor<'c>, user: Uuid, id: Uuid) -> Result<Option<Notification>, DbError> {
    query(
        "SELECT id, user_id, type, title, body, data, read_at, created_at FROM notifications \
         WHERE id = $1 AND user_id = $2",
    )
    .bind(id)
    .bind(user)
    .fetch_optional(on)
    .await
}

/// Marks one notification read (keeping the first read time) and returns it, if it is the user's.
pub async fn mark_read(db: &Db, user: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<Option<Notification>, DbError> {
    let mut tx = db.begin().await?;
    query("UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL")
        .bind(now)
        .bind(id)
        .bind(user)
        .execute(&mut tx)
        .await?;
    let found = find(&mut tx, user, id).await?;
    tx.commit().await?;
    Ok(found)
}

pub async fn mark_all_read(db: &Db, user: Uuid, now: DateTime<Utc>) -> Result<u64, DbError> {
    query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
        .bind(now)
        .bind(user)
        .execute(db)
        .await
}

pub async fn delete_read(db: &Db, user: Uuid) -> Result<u64, DbError> {
    query("DELETE FROM notifications WHERE user_id = $1 AND read_at IS NOT NULL").bind(user).execute(db).await
}

pub async fn delete(db: &Db, user: Uuid, id: Uuid) -> Result<bool, DbError> {
    let n = query("DELETE FROM notifications WHERE id = $1 AND user_id = $2").bind(id).bind(user).execute(db).await?;
    Ok(n == 1)
}

/// A user's stored preference choices: `(type, channel, enabled)`.
pub async fn preferences<'c>(on: impl Executor<'c>, user: Uuid) -> Result<Vec<(String, String, bool)>, DbError> {
    query("SELECT type, channel, enabled FROM notification_preferences WHERE user_id = $1 ORDER BY type, channel")
        .bind(user)
        .fetch_all(on)
        .await
}

/// The stored choice for one type and channel, if the user made one.
pub async fn preference(tx: &mut Tx, user: Uuid, kind: &str, channel: &str) -> Result<Option<bool>, DbError> {
    let row: Option<(bool,)> =
        query("SELECT enabled FROM notification_preferences WHERE user_id = $1 AND type = $2 AND channel = $3")
            .bind(user)
            .bind(kind)
            .bind(channel)
            .fetch_optional(tx)
            .await?;
    Ok(row.map(|(on,)| on))
}

pub async fn set_preference(
    tx: &mut Tx,
    user: Uuid,
    kind: &str,
    channel: &str,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO notification_preferences (user_id, type, channel, enabled, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (user_id, type, channel) DO UPDATE SET enabled = excluded.enabled, updated_at = excluded.updated_at",
    )
    .bind(user)
    .bind(kind)
    .bind(channel)
    .bind(enabled)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Every notification of a user, newest first (for the data export).
pub async fn all_for_user(db: &Db, user: Uuid) -> Result<Vec<Notification>, DbError> {
    query(
        "SELECT id, user_id, type, title, body, data, read_at, created_at FROM notifications WHERE user_id = $1 \
         ORDER BY created_at DESC, id DESC",
    )
    .bind(user)
    .fetch_all(db)
    .await
}

/// Records the language a user's profile now names (`None`: back to the default), unless a
/// later profile event has already been recorded.
pub async fn set_reader_language(
    tx: &mut Tx,
    user: Uuid,
    language: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO notification_readers (user_id, language, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, updated_at = excluded.updated_at \
         WHERE notification_readers.updated_at <= excluded.updated_at",
    )
    .bind(user)
    .bind(language)
    .bind(at)
    .execute(tx)
    .await?;
    Ok(())
}

/// The language tag a user's notices are written in, if their profile names one.
pub async fn reader_language<'c>(on: impl Executor<'c>, user: Uuid) -> Result<Option<String>, DbError> {
    let row: Option<(Option<String>,)> =
        query("SELECT language FROM notification_readers WHERE user_id = $1").bind(user).fetch_optional(on).await?;
    Ok(row.and_then(|(language,)| language))
}

/// What sending needs to know about a reader (see migration 4).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reader {
    pub language: Option<String>,
    pub email: Option<String>,
    pub first_name: Option<String>,
    /// E.164, verified.
    pub phone: Option<String>,
    pub timezone: Option<String>,
    pub quiet_enabled: Option<bool>,
    pub quiet_start: Option<i64>,
    pub quiet_end: Option<i64>,
}

impl FromRow for Reader {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Reader {
            language: row.get("language")?,
            email: row.get("email")?,
            first_name: row.get("first_name")?,
            phone: row.get("phone")?,
            timezone: row.get("timezone")?,
            quiet_enabled: row.get("quiet_enabled")?,
            quiet_start: row.get("quiet_start")?,
            quiet_end: row.get("quiet_end")?,
        })
    }
}

/// A reader's row (the default reader when their events have not been seen).
pub async fn reader<'c>(on: impl Executor<'c>, user: Uuid) -> Result<Reader, DbError> {
    let row = query(
        "SELECT language, email, first_name, phone, timezone, quiet_enabled, quiet_start, quiet_end \
         FROM notification_readers WHERE user_id = $1",
    )
    .bind(user)
    .fetch_optional::<Reader>(on)
    .await?;
    Ok(row.unwrap_or_default())
}

/// Contact details an identity event carries: `None` leaves a field as it is, `Some(None)`
/// clears it.
#[derive(Debug, Clone, Default)]
pub struct Contact<'a> {
    pub email: Option<Option<&'a str>>,
    pub first_name: Option<Option<&'a str>>,
    pub phone: Option<Option<&'a str>>,
    pub timezone: Option<Option<&'a str>>,
}

/// Records what `contact` says about `user`, unless a later event already set their contact
/// details.
pub async fn set_reader_contact(
    tx: &mut Tx,
    user: Uuid,
    contact: &Contact<'_>,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    let flag = |f: &Option<Option<&str>>| f.is_some();
    let value = |f: &Option<Option<&str>>| f.flatten().map(str::to_owned);
    query(
        "INSERT INTO notification_readers (user_id, language, updated_at, email, first_name, phone, timezone, contact_at) \
         VALUES ($1, NULL, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_id) DO UPDATE SET \
         email = CASE WHEN $8 THEN excluded.email ELSE notification_readers.email END, \
         first_name = CASE WHEN $9 THEN excluded.first_name ELSE notification_readers.first_name END, \
         phone = CASE WHEN $10 THEN excluded.phone ELSE notification_readers.phone END, \
         timezone = CASE WHEN $11 THEN excluded.timezone ELSE notification_readers.timezone END, \
         contact_at = excluded.contact_at \
         WHERE notification_readers.contact_at IS NULL OR notification_readers.contact_at <= excluded.contact_at",
    )
    .bind(user)
    .bind(DateTime::<Utc>::UNIX_EPOCH)
    .bind(value(&contact.email))
    .bind(value(&contact.first_name))
    .bind(value(&contact.phone))
    .bind(value(&contact.timezone))
    .bind(at)
    .bind(flag(&contact.email))
    .bind(flag(&contact.first_name))
    .bind(flag(&contact.phone))
    .bind(flag(&contact.timezone))
    .execute(tx)
    .await?;
    Ok(())
}

/// Sets a reader's quiet hours (and, when given, the zone they are read in).
pub async fn set_quiet_hours(
    tx: &mut Tx,
    user: Uuid,
    enabled: bool,
    start: u32,
    end: u32,
    timezone: Option<&str>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO notification_readers (user_id, language, updated_at, quiet_enabled, quiet_start, quiet_end, timezone) \
         VALUES ($1, NULL, $2, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET \
         quiet_enabled = excluded.quiet_enabled, quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, \
         timezone = COALESCE(excluded.timezone, notification_readers.timezone)",
    )
    .bind(user)
    .bind(DateTime::<Utc>::UNIX_EPOCH)
    .bind(enabled)
    .bind(start)
    .bind(end)
    .bind(timezone)
    .execute(tx)
    .await?;
    Ok(())
}

/// Deletes everything stored about a user (GDPR erasure); idempotent.
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("DELETE FROM notifications WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    query("DELETE FROM notification_preferences WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    query("DELETE FROM notification_readers WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    crate::delivery::store::erase(tx, user).await
}
