//! Sending a message: validation, the block rule, masking, attachments into the object store,
//! `Idempotency-Key` replays, then (after the commit) `new_message` to every participant.
//! `message.sent` names who is to be told (`recipientIds`) and the start of the text
//! (`preview`), so that notifications can tell them without reading messaging's tables.

use kernel::{ApiError, EventEnvelope, FieldError};
use platform::events::enqueue;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Access, Actor, MESSAGES_PER_MINUTE, Messaging};
use crate::domain::{self, mask, sniff, text};
use crate::store::{self, messages};
use crate::view::{Reader, message_view};

/// At most this many files per message.
pub const MAX_FILES: usize = 5;
/// At most this many bytes per file.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

/// A file as uploaded: the name the client gave and the bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// What a sender sends.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    pub body: Option<String>,
    pub files: Vec<Upload>,
    pub client_message_id: Option<String>,
}

/// A sent (or replayed) message, as its author reads it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub message: messages::Message,
    pub view: Value,
    pub replayed: bool,
}

/// How many characters of a message's text its `message.sent` event carries.
pub const PREVIEW_CHARS: usize = 140;

/// The start of a message's text as its other participants read it (masked if it was), for
/// notices; `None` for a message of files only.
fn preview(m: &messages::Message) -> Option<String> {
    let text = m.masked_body.as_deref().or(m.body.as_deref())?;
    Some(text.chars().take(PREVIEW_CHARS).collect())
}

/// A random, unguessable object key for an attachment.
fn object_key(conversation: Uuid) -> Result<String, ApiError> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).map_err(|e| {
        tracing::error!(error = %e, "no randomness for an attachment key");
        ApiError::internal()
    })?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("messaging/{}/{hex}", conversation.simple()))
}

impl Messaging {
    /// Sends `out` into a conversation as `actor`. With `key` (the `Idempotency-Key`, or a
    /// socket's `clientMessageId`), a repeat by the same user answers the message it made.
    pub async fn send(
        &self,
        actor: &Actor,
        conversation: Uuid,
        out: Outgoing,
        key: Option<String>,
    ) -> Result<Sent, ApiError> {
        let access = self.access(actor, conversation).await?;
        let body = match out.body.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            Some(raw) => Some(text::body(raw, "body").map_err(|e| ApiError::validation(vec![e]))?),
            None if out.files.is_empty() => {
                return Err(ApiError::validation(vec![FieldError::new("body", "a message needs text or files")]));
            }
            None => None,
        };
        if out.files.len() > MAX_FILES {
            return Err(ApiError::validation(vec![FieldError::new("files", format!("at most {MAX_FILES} files"))]));
        }
        let mut files = Vec::with_capacity(out.files.len());
        for (i, f) in out.files.iter().enumerate() {
            if f.bytes.len() > MAX_FILE_BYTES {
                return Err(ApiError::new(413, "attachment_too_large", "Each file must be at most 10 MB"));
            }
            let kind = sniff::sniff(&f.bytes).ok_or_else(|| {
                ApiError::new(415, "unsupported_attachment_type", "Files must be JPEG, PNG, WebP or GIF images or PDFs")
                    .with_details(vec![FieldError::new(format!("files[{i}]"), "is not an accepted type")])
            })?;
            files.push((kind, sniff::file_name(f.name.as_deref(), kind), f));
        }
        let client_message_id = out.client_message_id.map(|c| c.trim().chars().take(255).collect::<String>());
        let key = key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty());
        let fingerprint = json!({"conversation": conversation, "body": body,
            "files": files.iter().map(|(k, n, f)| json!([k.content_type, n, f.bytes.len()])).collect::<Vec<_>>()})
        .to_string();
        if let Some(key) = key.as_deref()
            && let Some(sent) = self.replay(actor, key, &fingerprint).await?
        {
            return Ok(sent);
        }
        let c = &access.conversation;
        if c.kind != domain::SUPPORT && store::moderation::blocked_in(&self.db, c.id, actor.user_id).await? {
            return Err(ApiError::new(403, "blocked", "You cannot send messages in this conversation"));
        }
        self.limit("messages", actor.user_id, MESSAGES_PER_MINUTE).await?;
        let (masked_body, mask_ranges) = match body.as_deref() {
            Some(b) if !self.unmasked(c).await? => {
                let ranges = mask::detect(b);
                if ranges.is_empty() {
                    (None, None)
                } else {
                    (Some(mask::apply(b, &ranges)), Some(json!(ranges).to_string()))
                }
            }
            _ => (None, None),
        };
        let now = self.clock.now();
        let message = messages::Message {
            id: kernel::new_id(),
            conversation_id: c.id,
            author_id: Some(actor.user_id),
            author_erased: false,
            kind: "text".into(),
            code: None,
            body,
            masked_body,
            mask_ranges,
            client_message_id,
            source_key: None,
            deleted_at: None,
            created_at: now,
        };
        // Objects first (another system: never inside the transaction); removed again if the
        // message is not written.
        let mut attachments = Vec::with_capacity(files.len());
        for (kind, name, f) in &files {
            let storage_key = object_key(c.id)?;
            self.media.put(&storage_key, f.bytes.clone(), kind.content_type).await.map_err(|e| {
                tracing::error!(error = %e, "attachment not stored");
                ApiError::unavailable("File storage is unavailable", Some(5))
            })?;
            attachments.push(messages::Attachment {
                id: kernel::new_id(),
                message_id: message.id,
                conversation_id: c.id,
                storage_key,
                content_type: kind.content_type.to_owned(),
                size_bytes: i64::try_from(f.bytes.len()).unwrap_or(i64::MAX),
                file_name: name.clone(),
                created_at: now,
            });
        }
        match self.write(actor, &access, &message, &attachments, key.as_deref(), &fingerprint).await {
            Ok(()) => {}
            Err(e) => {
                let keys: Vec<String> = attachments.iter().map(|a| a.storage_key.clone()).collect();
                self.remove_objects(keys).await;
                if let Some(k) = key.as_deref()
                    && e.code == "idempotency_race"
                    && let Some(sent) = self.replay(actor, k, &fingerprint).await?
                {
                    return Ok(sent);
                }
                return Err(e);
            }
        }
        self.events.committed();
        self.announce(c.id, &message, &attachments).await;
        let view = message_view(&message, &attachments, Reader::User(actor.user_id));
        Ok(Sent { message, view, replayed: false })
    }

    async fn write(
        &self,
        actor: &Actor,
        access: &Access,
        message: &messages::Message,
        attachments: &[messages::Attachment],
        key: Option<&str>,
        fingerprint: &str,
    ) -> Result<(), ApiError> {
        let c = &access.conversation;
        let mut tx = self.db.begin().await?;
        if let Some(key) = key {
            match messages::insert_key(&mut tx, actor.user_id, key, fingerprint, message.id, message.created_at).await {
                Ok(()) => {}
                Err(e) if e.is_unique_violation("message_keys") => {
                    return Err(ApiError::new(409, "idempotency_race", "The same request is in progress"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        messages::insert(&mut tx, message).await?;
        for a in attachments {
            messages::insert_attachment(&mut tx, a).await?;
        }
        if access.me.is_none() {
            // An administrator answering a support conversation joins it (receipts, events).
            store::add_participant(&mut tx, c.id, actor.user_id, "admin", message.created_at).await?;
        }
        store::touch(&mut tx, c.id, Some(actor.user_id), message.created_at).await?;
        // Who is to be told (notifications reads this): everyone else taking part, but those
        // who muted the conversation. What they would read: the masked text, if it was masked.
        let recipients: Vec<Uuid> = store::participants(&mut tx, c.id)
            .await?
            .into_iter()
            .filter(|p| p.user_id != actor.user_id && !p.muted)
            .map(|p| p.user_id)
            .collect();
        let event = EventEnvelope::new(
            "message.sent",
            message.id,
            message.created_at,
            json!({"messageId": message.id, "conversationId": c.id, "conversationType": c.kind,
                   "listingId": c.listing_id, "hostId": c.host_id,
                   "authorId": actor.user_id, "attachments": attachments.len(), "recipientIds": recipients,
                   "preview": preview(message)}),
        )
        .with_actor(actor.user_id.to_string());
        enqueue(&mut tx, &event).await?;
        // Sending reads the conversation up to one's own message.
        if store::mark_read(&mut tx, c.id, actor.user_id, (message.id, message.created_at), message.created_at).await? {
            enqueue(&mut tx, &super::messages::read_event(c.id, actor.user_id, message.id, message.created_at)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The message an earlier send with this key made, if any; 422 when the key came with a
    /// different request.
    async fn replay(&self, actor: &Actor, key: &str, fingerprint: &str) -> Result<Option<Sent>, ApiError> {
        let Some((seen, id)) = messages::find_key(&self.db, actor.user_id, key).await? else { return Ok(None) };
        if seen != fingerprint {
            return Err(ApiError::new(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request",
            ));
        }
        let conversation: Uuid = serde_json::from_str::<Value>(&seen)
            .ok()
            .and_then(|v| v["conversation"].as_str().and_then(|s| s.parse().ok()))
            .ok_or_else(ApiError::internal)?;
        let message = messages::find(&self.db, conversation, id).await?.ok_or_else(super::message_not_found)?;
        let attachments = messages::attachments_of(&self.db, &[message.id]).await?;
        let view = message_view(&message, &attachments, Reader::User(actor.user_id));
        Ok(Some(Sent { message, view, replayed: true }))
    }

    /// `new_message` to every participant, each with their reading of it.
    pub(crate) async fn announce(
        &self,
        conversation: Uuid,
        message: &messages::Message,
        attachments: &[messages::Attachment],
    ) {
        match store::participants(&self.db, conversation).await {
            Ok(ps) => {
                for p in ps {
                    let view = message_view(message, attachments, Reader::User(p.user_id));
                    self.publisher.new_message(p.user_id, conversation, view);
                }
            }
            Err(e) => tracing::warn!(error = %e, "new_message not published"),
        }
    }

    pub(crate) async fn remove_objects(&self, keys: Vec<String>) {
        for key in keys {
            if let Err(e) = self.media.delete(&key).await {
                tracing::warn!(error = %e, key, "attachment object not removed");
            }
        }
    }
}
