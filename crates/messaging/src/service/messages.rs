//! Reading a conversation: pages of messages, read receipts, soft deletes, attachment
//! downloads and search across the reader's own conversations. A receipt that moves is
//! announced as `message.read` (with the receipt, in one transaction), which is how a message
//! mail still waiting for its reader is called off.

use chrono::{DateTime, Utc};
use kernel::{ApiError, EventEnvelope};
use platform::events::enqueue;
use platform::storage::StoredObject;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Actor, Messaging, message_not_found};
use crate::domain::text;
use crate::store::messages::{self, Attachment, Position};
use crate::store::{self};
use crate::view::{Reader, message_view};

/// `message.read`: `user`'s receipt in `conversation` moved to `message` at `read_at`.
pub(crate) fn read_event(conversation: Uuid, user: Uuid, message: Uuid, read_at: DateTime<Utc>) -> EventEnvelope {
    EventEnvelope::new(
        "message.read",
        conversation,
        read_at,
        json!({"conversationId": conversation, "userId": user, "messageId": message, "readAt": read_at}),
    )
    .with_actor(user.to_string())
}

impl Messaging {
    /// A page of a conversation, newest first, and the position of the next page.
    pub async fn messages(
        &self,
        actor: &Actor,
        id: Uuid,
        before: Option<Position>,
        limit: u32,
    ) -> Result<(Vec<Value>, Option<Position>), ApiError> {
        self.access(actor, id).await?;
        let rows = messages::page(&self.db, id, before, limit + 1).await?;
        self.render_page(actor, rows, limit).await
    }

    async fn render_page(
        &self,
        actor: &Actor,
        rows: Vec<messages::Message>,
        limit: u32,
    ) -> Result<(Vec<Value>, Option<Position>), ApiError> {
        let more = rows.len() > limit as usize;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
        let attachments = messages::attachments_of(&self.db, &ids).await?;
        let next = if more { rows.last().map(|m| (m.created_at, m.id)) } else { None };
        let views = rows.iter().map(|m| message_view(m, &attachments, Reader::User(actor.user_id))).collect();
        Ok((views, next))
    }

    /// Moves the actor's read receipt to `message` (default: the newest), never backwards;
    /// tells the other participants when it moved.
    pub async fn read(&self, actor: &Actor, id: Uuid, message: Option<Uuid>) -> Result<Value, ApiError> {
        let access = self.access(actor, id).await?;
        let target = match message {
            Some(m) => Some(messages::find(&self.db, id, m).await?.ok_or_else(message_not_found)?),
            None => messages::latest(&self.db, id).await?,
        };
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        if access.me.is_none() {
            store::add_participant(&mut tx, id, actor.user_id, "admin", now).await?;
        }
        // The receipt and its event in one transaction: notifications cancels the message mails
        // still waiting for this reader when it hears of it.
        let moved = match &target {
            Some(m) if store::mark_read(&mut tx, id, actor.user_id, (m.id, m.created_at), now).await? => {
                enqueue(&mut tx, &read_event(id, actor.user_id, m.id, now)).await?;
                Some(m)
            }
            _ => None,
        };
        tx.commit().await?;
        if let Some(m) = moved {
            self.events.committed();
            let others: Vec<Uuid> = store::participants(&self.db, id)
                .await?
                .into_iter()
                .map(|p| p.user_id)
                .filter(|u| *u != actor.user_id)
                .collect();
            self.publisher.message_read(&others, id, actor.user_id, m.id, now);
        }
        let me = store::participant(&self.db, id, actor.user_id).await?;
        let unread = store::unread_counts(&self.db, actor.user_id, Some(id)).await?.first().map_or(0, |(_, n)| *n);
        Ok(json!({"conversationId": id, "lastReadMessageId": me.as_ref().and_then(|p| p.last_read_message_id),
                  "readAt": me.as_ref().and_then(|p| p.read_at), "unreadCount": unread}))
    }

    /// Soft-deletes the actor's own message (others' messages: 404) and removes its files.
    pub async fn delete_message(&self, actor: &Actor, id: Uuid, message: Uuid) -> Result<Value, ApiError> {
        self.access(actor, id).await?;
        let m = messages::find(&self.db, id, message)
            .await?
            .filter(|m| m.author_id == Some(actor.user_id))
            .ok_or_else(message_not_found)?;
        self.remove_message(&m).await?;
        let m = messages::find(&self.db, id, message).await?.ok_or_else(message_not_found)?;
        Ok(message_view(&m, &[], Reader::User(actor.user_id)))
    }

    /// Soft-deletes a message (its author, or a moderator) and removes its stored files.
    pub(crate) async fn remove_message(&self, m: &messages::Message) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        let keys = messages::soft_delete(&mut tx, m.id, self.clock.now()).await?;
        tx.commit().await?;
        self.remove_objects(keys.unwrap_or_default()).await;
        Ok(())
    }

    /// An attachment's bytes, for participants only.
    pub async fn attachment(
        &self,
        actor: &Actor,
        id: Uuid,
        attachment: Uuid,
    ) -> Result<(Attachment, StoredObject), ApiError> {
        self.access(actor, id).await?;
        let not_found = || ApiError::new(404, "attachment_not_found", "Attachment not found");
        let a = messages::find_attachment(&self.db, id, attachment).await?.ok_or_else(not_found)?;
        let object = self.media.get(&a.storage_key).await.map_err(|e| {
            tracing::error!(error = %e, "attachment not readable");
            ApiError::unavailable("File storage is unavailable", Some(5))
        })?;
        Ok((a, object.ok_or_else(not_found)?))
    }

    /// The actor's messages (in their conversations) whose text contains `q`, newest first.
    pub async fn search(
        &self,
        actor: &Actor,
        q: &str,
        before: Option<Position>,
        limit: u32,
    ) -> Result<(Vec<Value>, Option<Position>), ApiError> {
        let rows = messages::search(&self.db, actor.user_id, &text::like_pattern(q), before, limit + 1).await?;
        self.render_page(actor, rows, limit).await
    }
}
