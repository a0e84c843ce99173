//! Reply times: messaging's `message.sent` gives each message of a guest ↔ host conversation
//! about a listing (`insights_messages`); per conversation, the guest's first message and the
//! host's next message after it are kept (`insights_conversations`), recomputed from the
//! messages on each one, so messages may arrive in any order or twice.

use chrono::{DateTime, Utc};
use platform::db::{DbError, FromRow, Row, Tx, query};
use uuid::Uuid;

use super::figures::{local_day, zone};

/// One message as `message.sent` describes it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub listing_id: Option<Uuid>,
    pub host_id: Option<Uuid>,
    pub author_id: Uuid,
    pub at: DateTime<Utc>,
}

struct Message {
    from_host: bool,
    at: DateTime<Utc>,
    listing_id: Option<Uuid>,
    host_id: Option<Uuid>,
}

impl FromRow for Message {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Message {
            from_host: row.get("from_host")?,
            at: row.get("at")?,
            listing_id: row.get("listing_id")?,
            host_id: row.get("host_id")?,
        })
    }
}

/// Records a message of a conversation about a listing (others, support ones, are not
/// counted) and recomputes its conversation.
pub async fn message_sent(tx: &mut Tx, m: &Sent) -> Result<(), DbError> {
    let Some(listing) = m.listing_id else { return Ok(()) };
    let host = match m.host_id {
        Some(h) => Some(h),
        None => query("SELECT host_id FROM insights_listings WHERE id = $1")
            .bind(listing)
            .fetch_optional::<(Uuid,)>(&mut *tx)
            .await?
            .map(|(h,)| h),
    };
    let Some(host) = host else { return Ok(()) };
    let n = query(
        "INSERT INTO insights_messages (id, conversation_id, listing_id, host_id, from_host, at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(m.message_id)
    .bind(m.conversation_id)
    .bind(listing)
    .bind(host)
    .bind(m.author_id == host)
    .bind(m.at)
    .execute(&mut *tx)
    .await?;
    if n == 1 {
        recompute(tx, m.conversation_id).await?;
    }
    Ok(())
}

/// The conversation's row from its messages: the guest's first message, the host's next one.
async fn recompute(tx: &mut Tx, conversation: Uuid) -> Result<(), DbError> {
    let messages: Vec<Message> = query(
        "SELECT from_host, at, listing_id, host_id FROM insights_messages WHERE conversation_id = $1 ORDER BY at",
    )
    .bind(conversation)
    .fetch_all(&mut *tx)
    .await?;
    let Some(asked) = messages.iter().find(|m| !m.from_host) else { return Ok(()) };
    let (Some(listing), Some(host)) = (asked.listing_id, asked.host_id) else { return Ok(()) };
    let answered = messages.iter().find(|m| m.from_host && m.at > asked.at).map(|m| m.at);
    let tz: Option<(String,)> =
        query("SELECT timezone FROM insights_listings WHERE id = $1").bind(listing).fetch_optional(&mut *tx).await?;
    let day = local_day(asked.at, zone(tz.as_ref().map_or("UTC", |(t,)| t.as_str())));
    query(
        "INSERT INTO insights_conversations (id, listing_id, host_id, day, asked_at, answered_at, response_seconds) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE SET listing_id = excluded.listing_id, \
         host_id = excluded.host_id, day = excluded.day, asked_at = excluded.asked_at, \
         answered_at = excluded.answered_at, response_seconds = excluded.response_seconds",
    )
    .bind(conversation)
    .bind(listing)
    .bind(host)
    .bind(day)
    .bind(asked.at)
    .bind(answered)
    .bind(answered.map(|a| (a - asked.at).num_seconds()))
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The listing's zone changed: its conversations' local days follow.
pub async fn relocate(tx: &mut Tx, listing: Uuid) -> Result<(), DbError> {
    let ids: Vec<(Uuid,)> =
        query("SELECT id FROM insights_conversations WHERE listing_id = $1").bind(listing).fetch_all(&mut *tx).await?;
    for (id,) in ids {
        recompute(tx, id).await?;
    }
    Ok(())
}
