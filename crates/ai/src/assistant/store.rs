//! The assistant's SQL: conversations, their messages, the offers searches returned in them,
//! and users' daily usage. The only place that touches the `ai_assistant_*` tables.

use chrono::{DateTime, NaiveDate, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct Conversation {
    pub id: Uuid,
    pub user_id: Uuid,
    pub title: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for Conversation {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Conversation {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            title: row.get("title")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

/// A stored message. `extra`: an assistant's `{toolCalls, itinerary}`, a tool's `{toolCallId, name}`.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    pub id: Uuid,
    pub role: String,
    pub content: Option<String>,
    pub extra: Option<Value>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub created_at: DateTime<Utc>,
}

impl FromRow for StoredMessage {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let extra: Option<Json<Value>> = row.get("extra")?;
        Ok(StoredMessage {
            id: row.get("id")?,
            role: row.get("role")?,
            content: row.get("content")?,
            extra: extra.map(|j| j.0),
            prompt_tokens: row.get("prompt_tokens")?,
            completion_tokens: row.get("completion_tokens")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// A message to append.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub role: &'static str,
    pub content: Option<String>,
    pub extra: Option<Value>,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
}

pub async fn create(db: &Db, c: &Conversation) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_assistant_conversations (id, user_id, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(c.id)
    .bind(c.user_id)
    .bind(without_nul(&c.title))
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The conversation when it is `user`'s.
pub async fn conversation(db: &Db, id: Uuid, user: Uuid) -> Result<Option<Conversation>, DbError> {
    query(concat!(
        "SELECT id, user_id, title, created_at, updated_at FROM ai_assistant_conversations",
        " WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(db)
    .await
}

/// `user`'s conversations, most recently active first (at most `limit`, skipping `offset`).
pub async fn conversations(db: &Db, user: Uuid, limit: i64, offset: i64) -> Result<Vec<Conversation>, DbError> {
    query(concat!(
        "SELECT id, user_id, title, created_at, updated_at FROM ai_assistant_conversations",
        " WHERE user_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(user)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

pub async fn count_conversations(db: &Db, user: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) =
        query("SELECT COUNT(*) FROM ai_assistant_conversations WHERE user_id = $1").bind(user).fetch_one(db).await?;
    Ok(n)
}

/// Deletes a conversation of `user` and everything in it; whether there was one.
pub async fn delete(tx: &mut Tx, id: Uuid, user: Uuid) -> Result<bool, DbError> {
    let n = query("DELETE FROM ai_assistant_conversations WHERE id = $1 AND user_id = $2")
        .bind(id)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    if n == 0 {
        return Ok(false);
    }
    query("DELETE FROM ai_assistant_messages WHERE conversation_id = $1").bind(id).execute(&mut *tx).await?;
    query("DELETE FROM ai_assistant_offers WHERE conversation_id = $1").bind(id).execute(&mut *tx).await?;
    Ok(true)
}

/// A conversation's messages in order.
pub async fn messages(db: &Db, conversation: Uuid) -> Result<Vec<StoredMessage>, DbError> {
    query(concat!(
        "SELECT id, seq, role, content, extra, prompt_tokens, completion_tokens, created_at FROM ai_assistant_messages",
        " WHERE conversation_id = $1 ORDER BY seq"
    ))
    .bind(conversation)
    .fetch_all(db)
    .await
}

/// How many user and assistant messages a conversation holds (tool results not counted).
pub async fn count_turns(db: &Db, conversation: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) = query(
        "SELECT COUNT(*) FROM ai_assistant_messages WHERE conversation_id = $1 AND role IN ('user', 'assistant')",
    )
    .bind(conversation)
    .fetch_one(db)
    .await?;
    Ok(n)
}

/// Appends messages after the last one; a concurrent append on the same conversation fails
/// with a unique violation. Returns the stored ids.
pub async fn append(
    db: &Db,
    conversation: Uuid,
    messages: &[NewMessage],
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbError> {
    let mut tx = db.begin().await?;
    let (last,): (Option<i64>,) = query("SELECT MAX(seq) FROM ai_assistant_messages WHERE conversation_id = $1")
        .bind(conversation)
        .fetch_one(&mut tx)
        .await?;
    let mut seq = last.unwrap_or(0);
    let mut ids = Vec::with_capacity(messages.len());
    for m in messages {
        seq += 1;
        let id = kernel::new_id();
        query(
            "INSERT INTO ai_assistant_messages (id, conversation_id, seq, role, content, extra, prompt_tokens, \
             completion_tokens, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(conversation)
        .bind(seq)
        .bind(m.role)
        .bind(m.content.as_deref().map(without_nul))
        .bind(m.extra.clone().map(clean))
        .bind(m.prompt_tokens)
        .bind(m.completion_tokens)
        .bind(now)
        .execute(&mut tx)
        .await?;
        ids.push(id);
    }
    query("UPDATE ai_assistant_conversations SET updated_at = $2 WHERE id = $1")
        .bind(conversation)
        .bind(now)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(ids)
}

/// Renames a conversation (its first message names it).
pub async fn retitle(db: &Db, conversation: Uuid, title: &str) -> Result<(), DbError> {
    query("UPDATE ai_assistant_conversations SET title = $2 WHERE id = $1")
        .bind(conversation)
        .bind(without_nul(title))
        .execute(db)
        .await?;
    Ok(())
}

/// Records offers a search returned (the latest answer wins for an id).
pub async fn save_offers(
    db: &Db,
    conversation: Uuid,
    kind: &str,
    offers: &[(String, Value)],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    for (id, offer) in offers {
        query(
            "INSERT INTO ai_assistant_offers (conversation_id, kind, offer_id, offer, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conversation_id, kind, offer_id) \
             DO UPDATE SET offer = excluded.offer, created_at = excluded.created_at",
        )
        .bind(conversation)
        .bind(kind.to_owned())
        .bind(without_nul(id))
        .bind(clean(offer.clone()))
        .bind(now)
        .execute(&mut tx)
        .await?;
    }
    tx.commit().await
}

/// An offer a search returned in this conversation.
pub async fn offer(db: &Db, conversation: Uuid, kind: &str, id: &str) -> Result<Option<Value>, DbError> {
    let row: Option<(Json<Value>,)> =
        query("SELECT offer FROM ai_assistant_offers WHERE conversation_id = $1 AND kind = $2 AND offer_id = $3")
            .bind(conversation)
            .bind(kind.to_owned())
            .bind(without_nul(id))
            .fetch_optional(db)
            .await?;
    Ok(row.map(|(j,)| j.0))
}

/// What `user` spent on `day`: (tokens, cost in micro-units).
pub async fn usage(db: &Db, user: Uuid, day: NaiveDate) -> Result<(i64, i64), DbError> {
    let row: Option<(i64, i64)> = query(
        "SELECT prompt_tokens + completion_tokens, cost_micros FROM ai_assistant_usage WHERE user_id = $1 AND day = $2",
    )
    .bind(user)
    .bind(day)
    .fetch_optional(db)
    .await?;
    Ok(row.unwrap_or((0, 0)))
}

/// Adds one model call's usage to `user`'s day.
pub async fn add_usage(
    db: &Db,
    user: Uuid,
    day: NaiveDate,
    prompt: i64,
    completion: i64,
    cost_micros: i64,
) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_assistant_usage (user_id, day, prompt_tokens, completion_tokens, cost_micros, calls) \
         VALUES ($1, $2, $3, $4, $5, 1) ON CONFLICT (user_id, day) DO UPDATE SET \
         prompt_tokens = ai_assistant_usage.prompt_tokens + excluded.prompt_tokens, \
         completion_tokens = ai_assistant_usage.completion_tokens + excluded.completion_tokens, \
         cost_micros = ai_assistant_usage.cost_micros + excluded.cost_micros, \
         calls = ai_assistant_usage.calls + 1",
    )
    .bind(user)
    .bind(day)
    .bind(prompt)
    .bind(completion)
    .bind(cost_micros)
    .execute(db)
    .await?;
    Ok(())
}

/// Every day of usage of `user`: (day, prompt tokens, completion tokens, cost, calls).
pub async fn usage_days(db: &Db, user: Uuid) -> Result<Vec<(NaiveDate, i64, i64, i64, i64)>, DbError> {
    let rows: Vec<UsageRow> = query(
        "SELECT day, prompt_tokens, completion_tokens, cost_micros, calls FROM ai_assistant_usage \
         WHERE user_id = $1 ORDER BY day",
    )
    .bind(user)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// `user`'s usage on `day`: (day, prompt tokens, completion tokens, cost, calls).
pub async fn usage_of(db: &Db, user: Uuid, day: NaiveDate) -> Result<(NaiveDate, i64, i64, i64, i64), DbError> {
    let row: Option<UsageRow> = query(
        "SELECT day, prompt_tokens, completion_tokens, cost_micros, calls FROM ai_assistant_usage \
         WHERE user_id = $1 AND day = $2",
    )
    .bind(user)
    .bind(day)
    .fetch_optional(db)
    .await?;
    Ok(row.map_or((day, 0, 0, 0, 0), |r| r.0))
}

struct UsageRow((NaiveDate, i64, i64, i64, i64));

impl FromRow for UsageRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(UsageRow((
            row.get("day")?,
            row.get("prompt_tokens")?,
            row.get("completion_tokens")?,
            row.get("cost_micros")?,
            row.get("calls")?,
        )))
    }
}

/// Erases everything the assistant keeps about `user`.
pub async fn erase(db: &Db, user: Uuid) -> Result<u64, DbError> {
    let mut tx = db.begin().await?;
    let n = erase_in(&mut tx, user).await?;
    tx.commit().await?;
    Ok(n)
}

/// [`erase`] inside `tx`; how many conversations were deleted.
pub async fn erase_in(tx: &mut Tx, user: Uuid) -> Result<u64, DbError> {
    let ids: Vec<(Uuid,)> =
        query("SELECT id FROM ai_assistant_conversations WHERE user_id = $1").bind(user).fetch_all(&mut *tx).await?;
    for (id,) in &ids {
        delete(tx, *id, user).await?;
    }
    query("DELETE FROM ai_assistant_usage WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    Ok(ids.len() as u64)
}

/// PostgreSQL's TEXT and JSONB refuse NUL characters; whoever wrote one (a traveller, the model,
/// a supplier) does not get a 500 for it: it is dropped.
fn without_nul(text: &str) -> String {
    text.replace('\0', "")
}

fn clean(value: Value) -> Value {
    match value {
        Value::String(s) if s.contains('\0') => Value::String(without_nul(&s)),
        Value::Array(list) => Value::Array(list.into_iter().map(clean).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (without_nul(&k), clean(v))).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_dropped_everywhere() {
        let v = clean(serde_json::json!({"a\u{0}": ["x\u{0}y", 1, {"b": "\u{0}"}]}));
        assert_eq!(v, serde_json::json!({"a": ["xy", 1, {"b": ""}]}));
        assert_eq!(without_nul("a\0b"), "ab");
    }
}
