//! Messaging's SQL — the only code that touches its tables. Conversations and participants
//! here; messages, moderation and the read models of other contexts in the submodules.

pub mod messages;
pub mod models;
pub mod moderation;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Row, Tx, query, query_dynamic};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: Uuid,
    pub kind: String,
    pub listing_id: Option<Uuid>,
    pub reservation_id: Option<Uuid>,
    pub guest_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub subject: Option<String>,
    pub enquiry_key: Option<String>,
    pub last_message_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for Conversation {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Conversation {
            id: row.get("id")?,
            kind: row.get("kind")?,
            listing_id: row.get("listing_id")?,
            reservation_id: row.get("reservation_id")?,
            guest_id: row.get("guest_id")?,
            host_id: row.get("host_id")?,
            subject: row.get("subject")?,
            enquiry_key: row.get("enquiry_key")?,
            last_message_at: row.get("last_message_at")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const CONVERSATION: &str = "c.id, c.kind, c.listing_id, c.reservation_id, c.guest_id, c.host_id, c.subject, \
     c.enquiry_key, c.last_message_at, c.created_at, c.updated_at";

#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub conversation_id: Uuid,
    pub user_id: Uuid,
    pub role: String,
    pub last_read_message_id: Option<Uuid>,
    pub last_read_created_at: Option<DateTime<Utc>>,
    pub read_at: Option<DateTime<Utc>>,
    pub archived: bool,
    pub muted: bool,
    pub joined_at: DateTime<Utc>,
}

impl FromRow for Participant {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Participant {
            conversation_id: row.get("conversation_id")?,
            user_id: row.get("user_id")?,
            role: row.get("role")?,
            last_read_message_id: row.get("last_read_message_id")?,
            last_read_created_at: row.get("last_read_created_at")?,
            read_at: row.get("read_at")?,
            archived: row.get("archived")?,
            muted: row.get("muted")?,
            joined_at: row.get("joined_at")?,
        })
    }
}

const PARTICIPANT: &str = "conversation_id, user_id, role, last_read_message_id, last_read_created_at, read_at, \
     archived, muted, joined_at";

/// Inserts a conversation; false when one with its id or enquiry key exists already.
pub async fn insert(tx: &mut Tx, c: &Conversation) -> Result<bool, DbError> {
    let n = query(
        "INSERT INTO conversations (id, kind, listing_id, reservation_id, guest_id, host_id, subject, enquiry_key, \
         last_message_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT DO NOTHING",
    )
    .bind(c.id)
    .bind(c.kind.as_str())
    .bind(c.listing_id)
    .bind(c.reservation_id)
    .bind(c.guest_id)
    .bind(c.host_id)
    .bind(c.subject.clone())
    .bind(c.enquiry_key.clone())
    .bind(c.last_message_at)
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn find<'c>(on: impl Executor<'c>, id: Uuid) -> Result<Option<Conversation>, DbError> {
    query_dynamic(format!("SELECT {CONVERSATION} FROM conversations c WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(on)
        .await
}

pub async fn find_enquiry<'c>(on: impl Executor<'c>, key: &str) -> Result<Option<Conversation>, DbError> {
    query_dynamic(format!("SELECT {CONVERSATION} FROM conversations c WHERE c.enquiry_key = $1"))
        .bind(key)
        .fetch_optional(on)
        .await
}

pub async fn add_participant(
    tx: &mut Tx,
    conversation: Uuid,
    user: Uuid,
    role: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO participants (conversation_id, user_id, role, archived, muted, joined_at) \
         VALUES ($1, $2, $3, false, false, $4) ON CONFLICT DO NOTHING",
    )
    .bind(conversation)
    .bind(user)
    .bind(role)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn participant<'c>(
    on: impl Executor<'c>,
    conversation: Uuid,
    user: Uuid,
) -> Result<Option<Participant>, DbError> {
    query_dynamic(format!("SELECT {PARTICIPANT} FROM participants WHERE conversation_id = $1 AND user_id = $2"))
        .bind(conversation)
        .bind(user)
        .fetch_optional(on)
        .await
}

pub async fn participants<'c>(on: impl Executor<'c>, conversation: Uuid) -> Result<Vec<Participant>, DbError> {
    query_dynamic(format!(
        "SELECT {PARTICIPANT} FROM participants WHERE conversation_id = $1 ORDER BY joined_at, user_id"
    ))
    .bind(conversation)
    .fetch_all(on)
    .await
}

/// A position in a list of conversations: (last message time, id), newest first.
pub type ListCursor = (DateTime<Utc>, Uuid);

/// The caller's conversations (archived or not), newest activity first, after `cursor`.
pub async fn list_for_user(
    db: &Db,
    user: Uuid,
    archived: bool,
    cursor: Option<ListCursor>,
    limit: u32,
) -> Result<Vec<Conversation>, DbError> {
    let (at, id) = cursor.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    query_dynamic(format!(
        "SELECT {CONVERSATION} FROM conversations c JOIN participants p ON p.conversation_id = c.id \
         WHERE p.user_id = $1 AND p.archived = $2 \
         AND ($3 IS NULL OR c.last_message_at < $3 OR (c.last_message_at = $3 AND c.id < $4)) \
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT $5"
    ))
    .bind(user)
    .bind(archived)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Every conversation of one kind (the administrators' support queue), newest activity first.
pub async fn list_by_kind(
    db: &Db,
    kind: &str,
    cursor: Option<ListCursor>,
    limit: u32,
) -> Result<Vec<Conversation>, DbError> {
    let (at, id) = cursor.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    query_dynamic(format!(
        "SELECT {CONVERSATION} FROM conversations c WHERE c.kind = $1 \
         AND ($2 IS NULL OR c.last_message_at < $2 OR (c.last_message_at = $2 AND c.id < $3)) \
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT $4"
    ))
    .bind(kind)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The ids of a user's most recent conversations (presence goes to their rooms).
pub async fn recent_ids(db: &Db, user: Uuid, limit: u32) -> Result<Vec<Uuid>, DbError> {
    let rows: Vec<(Uuid,)> = query(
        "SELECT c.id FROM conversations c JOIN participants p ON p.conversation_id = c.id WHERE p.user_id = $1 \
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT $2",
    )
    .bind(user)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// A new message: the conversation moves up, and whoever had archived it sees it again.
pub async fn touch(tx: &mut Tx, conversation: Uuid, author: Option<Uuid>, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE conversations SET last_message_at = $1, updated_at = $1 WHERE id = $2")
        .bind(now)
        .bind(conversation)
        .execute(&mut *tx)
        .await?;
    query("UPDATE participants SET archived = false WHERE conversation_id = $1 AND archived = true AND ($2 IS NULL OR user_id <> $2)")
        .bind(conversation)
        .bind(author)
        .execute(tx)
        .await?;
    Ok(())
}

/// Links the guest's open enquiry about a listing to the reservation made after it.
pub async fn link_enquiry(tx: &mut Tx, key: &str, reservation: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query("UPDATE conversations SET reservation_id = $1, updated_at = $2 WHERE enquiry_key = $3 AND reservation_id IS NULL")
        .bind(reservation)
        .bind(now)
        .bind(key)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn set_flags(
    db: &Db,
    conversation: Uuid,
    user: Uuid,
    archived: Option<bool>,
    muted: Option<bool>,
) -> Result<(), DbError> {
    query(
        "UPDATE participants SET archived = COALESCE($1, archived), muted = COALESCE($2, muted) \
         WHERE conversation_id = $3 AND user_id = $4",
    )
    .bind(archived)
    .bind(muted)
    .bind(conversation)
    .bind(user)
    .execute(db)
    .await?;
    Ok(())
}

/// Moves a participant's read receipt to `message`, never backwards; true when it moved.
pub async fn mark_read<'c>(
    on: impl Executor<'c>,
    conversation: Uuid,
    user: Uuid,
    message: (Uuid, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = query(
        "UPDATE participants SET last_read_message_id = $1, last_read_created_at = $2, read_at = $3 \
         WHERE conversation_id = $4 AND user_id = $5 AND (last_read_created_at IS NULL OR last_read_created_at < $2 \
         OR (last_read_created_at = $2 AND last_read_message_id < $1))",
    )
    .bind(message.0)
    .bind(message.1)
    .bind(now)
    .bind(conversation)
    .bind(user)
    .execute(on)
    .await?;
    Ok(n == 1)
}

/// Messages by others after the user's read receipt, not deleted, per conversation of theirs
/// (only conversations with at least one).
pub async fn unread_counts(db: &Db, user: Uuid, only: Option<Uuid>) -> Result<Vec<(Uuid, i64)>, DbError> {
    query(
        "SELECT p.conversation_id, COUNT(m.id) FROM participants p \
         JOIN messages m ON m.conversation_id = p.conversation_id \
         WHERE p.user_id = $1 AND ($2 IS NULL OR p.conversation_id = $2) AND m.deleted_at IS NULL \
         AND (m.author_id IS NULL OR m.author_id <> $1) \
         AND (p.last_read_created_at IS NULL OR m.created_at > p.last_read_created_at \
              OR (m.created_at = p.last_read_created_at AND m.id > p.last_read_message_id)) \
         GROUP BY p.conversation_id",
    )
    .bind(user)
    .bind(only)
    .fetch_all(db)
    .await
}

/// Every conversation a user takes part in (GDPR export).
pub async fn all_for_user(db: &Db, user: Uuid) -> Result<Vec<Conversation>, DbError> {
    query_dynamic(format!(
        "SELECT {CONVERSATION} FROM conversations c JOIN participants p ON p.conversation_id = c.id \
         WHERE p.user_id = $1 ORDER BY c.created_at, c.id"
    ))
    .bind(user)
    .fetch_all(db)
    .await
}

/// GDPR erasure: the user leaves every conversation and is forgotten as guest, host, blocker
/// and reporter; the messages they wrote stay readable for the others, without an author.
pub async fn erase_user(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    for sql in [
        "UPDATE messages SET author_id = NULL, author_erased = true WHERE author_id = $1",
        "DELETE FROM participants WHERE user_id = $1",
        "UPDATE conversations SET guest_id = NULL WHERE guest_id = $1",
        "UPDATE conversations SET host_id = NULL WHERE host_id = $1",
        "DELETE FROM blocks WHERE blocker_id = $1 OR blocked_id = $1",
        "DELETE FROM message_keys WHERE user_id = $1",
        "UPDATE message_reports SET reporter_id = NULL WHERE reporter_id = $1",
        "UPDATE reservations SET guest_id = NULL WHERE guest_id = $1",
        "UPDATE reservations SET host_id = NULL WHERE host_id = $1",
    ] {
        query(sql).bind(user).execute(&mut *tx).await?;
    }
    Ok(())
}
