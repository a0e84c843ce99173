//! Messages, their attachments and the `Idempotency-Key`s of sends.

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Row, Tx, query, query_dynamic};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub author_id: Option<Uuid>,
    pub author_erased: bool,
    /// `text` or `system`.
    pub kind: String,
    pub code: Option<String>,
    pub body: Option<String>,
    pub masked_body: Option<String>,
    /// JSON list of hidden ranges, when `masked_body` is set.
    pub mask_ranges: Option<String>,
    pub client_message_id: Option<String>,
    pub source_key: Option<String>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Message {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Message {
            id: row.get("id")?,
            conversation_id: row.get("conversation_id")?,
            author_id: row.get("author_id")?,
            author_erased: row.get("author_erased")?,
            kind: row.get("kind")?,
            code: row.get("code")?,
            body: row.get("body")?,
            masked_body: row.get("masked_body")?,
            mask_ranges: row.get("mask_ranges")?,
            client_message_id: row.get("client_message_id")?,
            source_key: row.get("source_key")?,
            deleted_at: row.get("deleted_at")?,
            created_at: row.get("created_at")?,
        })
    }
}

const MESSAGE: &str = "m.id, m.conversation_id, m.author_id, m.author_erased, m.kind, m.code, m.body, m.masked_body, \
     m.mask_ranges, m.client_message_id, m.source_key, m.deleted_at, m.created_at";

#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: Uuid,
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub storage_key: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub file_name: String,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Attachment {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Attachment {
            id: row.get("id")?,
            message_id: row.get("message_id")?,
            conversation_id: row.get("conversation_id")?,
            storage_key: row.get("storage_key")?,
            content_type: row.get("content_type")?,
            size_bytes: row.get("size_bytes")?,
            file_name: row.get("file_name")?,
            created_at: row.get("created_at")?,
        })
    }
}

const ATTACHMENT: &str =
    "id, message_id, conversation_id, storage_key, content_type, size_bytes, file_name, created_at";

/// Inserts a message; false when its `source_key` was already written (a replayed event).
pub async fn insert(tx: &mut Tx, m: &Message) -> Result<bool, DbError> {
    let n = query(
        "INSERT INTO messages (id, conversation_id, author_id, author_erased, kind, code, body, masked_body, mask_ranges, \
         client_message_id, source_key, deleted_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
    )
    .bind(m.id)
    .bind(m.conversation_id)
    .bind(m.author_id)
    .bind(m.author_erased)
    .bind(m.kind.as_str())
    .bind(m.code.clone())
    .bind(m.body.clone())
    .bind(m.masked_body.clone())
    .bind(m.mask_ranges.clone())
    .bind(m.client_message_id.clone())
    .bind(m.source_key.clone())
    .bind(m.deleted_at)
    .bind(m.created_at)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn insert_attachment(tx: &mut Tx, a: &Attachment) -> Result<(), DbError> {
    query(
        "INSERT INTO attachments (id, message_id, conversation_id, storage_key, content_type, size_bytes, file_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(a.id)
    .bind(a.message_id)
    .bind(a.conversation_id)
    .bind(a.storage_key.as_str())
    .bind(a.content_type.as_str())
    .bind(a.size_bytes)
    .bind(a.file_name.as_str())
    .bind(a.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

pub async fn find<'c>(on: impl Executor<'c>, conversation: Uuid, id: Uuid) -> Result<Option<Message>, DbError> {
    query_dynamic(format!("SELECT {MESSAGE} FROM messages m WHERE m.id = $1 AND m.conversation_id = $2"))
        .bind(id)
        .bind(conversation)
        .fetch_optional(on)
        .await
}

pub async fn find_by_source<'c>(on: impl Executor<'c>, key: &str) -> Result<Option<Message>, DbError> {
    query_dynamic(format!("SELECT {MESSAGE} FROM messages m WHERE m.source_key = $1"))
        .bind(key)
        .fetch_optional(on)
        .await
}

/// A position in a conversation: (created at, id).
pub type Position = (DateTime<Utc>, Uuid);

/// A page of a conversation's messages, newest first, older than `before`.
pub async fn page(db: &Db, conversation: Uuid, before: Option<Position>, limit: u32) -> Result<Vec<Message>, DbError> {
    let (at, id) = before.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    query_dynamic(format!(
        "SELECT {MESSAGE} FROM messages m WHERE m.conversation_id = $1 \
         AND ($2 IS NULL OR m.created_at < $2 OR (m.created_at = $2 AND m.id < $3)) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $4"
    ))
    .bind(conversation)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The newest message of a conversation.
pub async fn latest<'c>(on: impl Executor<'c>, conversation: Uuid) -> Result<Option<Message>, DbError> {
    query_dynamic(format!(
        "SELECT {MESSAGE} FROM messages m WHERE m.conversation_id = $1 ORDER BY m.created_at DESC, m.id DESC LIMIT 1"
    ))
    .bind(conversation)
    .fetch_optional(on)
    .await
}

/// The attachments of these messages.
pub async fn attachments_of(db: &Db, messages: &[Uuid]) -> Result<Vec<Attachment>, DbError> {
    if messages.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=messages.len()).map(|i| format!("${i}")).collect();
    let mut q = query_dynamic(format!(
        "SELECT {ATTACHMENT} FROM attachments WHERE message_id IN ({}) ORDER BY created_at, id",
        placeholders.join(", ")
    ));
    for id in messages {
        q = q.bind(*id);
    }
    q.fetch_all(db).await
}

pub async fn find_attachment(db: &Db, conversation: Uuid, id: Uuid) -> Result<Option<Attachment>, DbError> {
    query_dynamic(format!("SELECT {ATTACHMENT} FROM attachments WHERE id = $1 AND conversation_id = $2"))
        .bind(id)
        .bind(conversation)
        .fetch_optional(db)
        .await
}

/// Soft-deletes a message: its text is gone, its attachments' rows too (the caller removes
/// the stored objects, whose keys it returns). None when it was deleted already.
pub async fn soft_delete(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> Result<Option<Vec<String>>, DbError> {
    let n = query(
        "UPDATE messages SET body = NULL, masked_body = NULL, mask_ranges = NULL, deleted_at = $1 \
         WHERE id = $2 AND deleted_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if n == 0 {
        return Ok(None);
    }
    let keys: Vec<(String,)> =
        query("SELECT storage_key FROM attachments WHERE message_id = $1").bind(id).fetch_all(&mut *tx).await?;
    query("DELETE FROM attachments WHERE message_id = $1").bind(id).execute(tx).await?;
    Ok(Some(keys.into_iter().map(|(k,)| k).collect()))
}

/// Messages of the user's conversations whose text (as the user reads it: the masked copy of
/// others' masked messages) contains `pattern` (a `LIKE` pattern, lower case), newest first.
pub async fn search(
    db: &Db,
    user: Uuid,
    pattern: &str,
    before: Option<Position>,
    limit: u32,
) -> Result<Vec<Message>, DbError> {
    let (at, id) = before.map_or((None, None), |(t, i)| (Some(t), Some(i)));
    query_dynamic(format!(
        "SELECT {MESSAGE} FROM messages m JOIN participants p ON p.conversation_id = m.conversation_id AND p.user_id = $1 \
         WHERE m.deleted_at IS NULL \
         AND LOWER(CASE WHEN m.masked_body IS NOT NULL AND (m.author_id IS NULL OR m.author_id <> $1) \
                        THEN m.masked_body ELSE m.body END) LIKE $2 ESCAPE '\\' \
         AND ($3 IS NULL OR m.created_at < $3 OR (m.created_at = $3 AND m.id < $4)) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT $5"
    ))
    .bind(user)
    .bind(pattern)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// The message a user's `Idempotency-Key` made, with the request's fingerprint.
pub async fn find_key<'c>(on: impl Executor<'c>, user: Uuid, key: &str) -> Result<Option<(String, Uuid)>, DbError> {
    query("SELECT fingerprint, message_id FROM message_keys WHERE user_id = $1 AND idem_key = $2")
        .bind(user)
        .bind(key)
        .fetch_optional(on)
        .await
}

pub async fn insert_key(
    tx: &mut Tx,
    user: Uuid,
    key: &str,
    fingerprint: &str,
    message: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    query(
        "INSERT INTO message_keys (user_id, idem_key, fingerprint, message_id, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user)
    .bind(key)
    .bind(fingerprint)
    .bind(message)
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Forgets keys older than `before`.
pub async fn forget_keys(db: &Db, before: DateTime<Utc>) -> Result<u64, DbError> {
    query("DELETE FROM message_keys WHERE created_at < $1").bind(before).execute(db).await
}

/// Every message a user wrote (GDPR export).
pub async fn by_author(db: &Db, user: Uuid) -> Result<Vec<Message>, DbError> {
    query_dynamic(format!("SELECT {MESSAGE} FROM messages m WHERE m.author_id = $1 ORDER BY m.created_at, m.id"))
        .bind(user)
        .fetch_all(db)
        .await
}
