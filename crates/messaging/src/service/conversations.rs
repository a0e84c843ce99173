//! Opening conversations (enquiries and support threads), listing them, one conversation as
//! its reader sees it, archive and mute, unread counts.

use kernel::{ApiError, EventEnvelope, FieldError};
use platform::events::enqueue;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Access, Actor, CONVERSATIONS_PER_HOUR, Messaging, Outgoing};
use crate::domain::{self, text};
use crate::store::{self, Conversation, ListCursor, messages};
use crate::view::{ConversationParts, Reader, conversation_view, message_view};

/// What `POST /api/v1/conversations` asks for.
#[derive(Debug, Clone)]
pub enum Opening {
    Enquiry { listing: Uuid, message: String },
    Support { subject: String, message: String },
}

/// An opened (or found) conversation, as its opener sees it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub view: Value,
    pub created: bool,
}

impl Messaging {
    pub async fn open(&self, actor: &Actor, opening: Opening, key: Option<String>) -> Result<Opened, ApiError> {
        let now = self.clock.now();
        let (conversation, message, roles) = match opening {
            Opening::Enquiry { listing, message } => {
                text::body(&message, "message").map_err(|e| ApiError::validation(vec![e]))?;
                let l = store::models::listing(&self.db, listing)
                    .await?
                    .filter(|l| l.status == "published")
                    .ok_or_else(|| ApiError::new(404, "listing_not_found", "Listing not found"))?;
                if l.owner_id == actor.user_id {
                    return Err(ApiError::new(422, "own_listing", "You cannot enquire about your own listing"));
                }
                if store::moderation::is_blocked(&self.db, l.owner_id, actor.user_id).await? {
                    return Err(ApiError::new(403, "blocked", "You cannot contact this host"));
                }
                let enquiry_key = format!("{}:{}", actor.user_id, listing);
                if let Some(existing) = store::find_enquiry(&self.db, &enquiry_key).await? {
                    let out = Outgoing { body: Some(message), ..Outgoing::default() };
                    self.send(actor, existing.id, out, key).await?;
                    return Ok(Opened { view: self.view_for(actor, existing.id).await?, created: false });
                }
                let c = Conversation {
                    id: kernel::new_id(),
                    kind: domain::ENQUIRY.into(),
                    listing_id: Some(listing),
                    reservation_id: None,
                    guest_id: Some(actor.user_id),
                    host_id: Some(l.owner_id),
                    subject: l.title.clone(),
                    enquiry_key: Some(enquiry_key),
                    last_message_at: now,
                    created_at: now,
                    updated_at: now,
                };
                (c, message, vec![(actor.user_id, "guest"), (l.owner_id, "host")])
            }
            Opening::Support { subject, message } => {
                text::body(&message, "message").map_err(|e| ApiError::validation(vec![e]))?;
                let subject = subject.trim().to_owned();
                if subject.is_empty() || subject.chars().count() > 200 || subject.chars().any(char::is_control) {
                    return Err(ApiError::validation(vec![FieldError::new(
                        "subject",
                        "must be 1 to 200 characters of text",
                    )]));
                }
                let c = Conversation {
                    id: kernel::new_id(),
                    kind: domain::SUPPORT.into(),
                    listing_id: None,
                    reservation_id: None,
                    guest_id: None,
                    host_id: None,
                    subject: Some(subject),
                    enquiry_key: None,
                    last_message_at: now,
                    created_at: now,
                    updated_at: now,
                };
                (c, message, vec![(actor.user_id, "requester")])
            }
        };
        self.limit("conversations", actor.user_id, CONVERSATIONS_PER_HOUR).await?;
        let mut tx = self.db.begin().await?;
        let inserted = store::insert(&mut tx, &conversation).await?;
        if inserted {
            for (user, role) in &roles {
                store::add_participant(&mut tx, conversation.id, *user, role, now).await?;
            }
            let event = EventEnvelope::new(
                "conversation.created",
                conversation.id,
                now,
                json!({"conversationId": conversation.id, "type": conversation.kind, "listingId": conversation.listing_id,
                       "participants": roles.iter().map(|(u, _)| u).collect::<Vec<_>>()}),
            )
            .with_actor(actor.user_id.to_string());
            enqueue(&mut tx, &event).await?;
        }
        tx.commit().await?;
        self.events.committed();
        // A concurrent first enquiry of the same guest about the same listing won the race.
        let id = match conversation.enquiry_key.as_deref() {
            Some(k) if !inserted => store::find_enquiry(&self.db, k).await?.map_or(conversation.id, |c| c.id),
            _ => conversation.id,
        };
        self.send(actor, id, Outgoing { body: Some(message), ..Outgoing::default() }, key).await?;
        if inserted {
            for (user, _) in &roles {
                let view = self.view_for(&Actor { user_id: *user, admin: false }, id).await?;
                self.publisher.conversation_updated(*user, view);
            }
        }
        Ok(Opened { view: self.view_for(actor, id).await?, created: inserted })
    }

    /// One conversation as `actor` sees it.
    pub async fn view_for(&self, actor: &Actor, id: Uuid) -> Result<Value, ApiError> {
        let access = self.access(actor, id).await?;
        self.render(actor, &access).await
    }

    async fn render(&self, actor: &Actor, access: &Access) -> Result<Value, ApiError> {
        let c = &access.conversation;
        let participants = store::participants(&self.db, c.id).await?;
        let unread = store::unread_counts(&self.db, actor.user_id, Some(c.id)).await?.first().map_or(0, |(_, n)| *n);
        let last = match messages::latest(&self.db, c.id).await? {
            Some(m) => {
                let attachments = messages::attachments_of(&self.db, &[m.id]).await?;
                Some(message_view(&m, &attachments, Reader::User(actor.user_id)))
            }
            None => None,
        };
        Ok(conversation_view(&ConversationParts {
            conversation: c,
            participants: &participants,
            me: access.me.as_ref(),
            unread,
            last,
        }))
    }

    /// The actor's conversations (or, for `support_queue`, every support conversation, for
    /// administrators), newest activity first; with the cursor of the next page.
    pub async fn list(
        &self,
        actor: &Actor,
        archived: bool,
        support_queue: bool,
        cursor: Option<ListCursor>,
        limit: u32,
    ) -> Result<(Vec<Value>, Option<ListCursor>), ApiError> {
        let rows = if support_queue {
            store::list_by_kind(&self.db, domain::SUPPORT, cursor, limit + 1).await?
        } else {
            store::list_for_user(&self.db, actor.user_id, archived, cursor, limit + 1).await?
        };
        let more = rows.len() > limit as usize;
        let mut views = Vec::with_capacity(rows.len());
        let mut next = None;
        for c in rows.into_iter().take(limit as usize) {
            next = Some((c.last_message_at, c.id));
            let me = store::participant(&self.db, c.id, actor.user_id).await?;
            views.push(self.render(actor, &Access { conversation: c, me }).await?);
        }
        Ok((views, if more { next } else { None }))
    }

    /// Archive / mute flags of the actor's own participation.
    pub async fn set_flags(
        &self,
        actor: &Actor,
        id: Uuid,
        archived: Option<bool>,
        muted: Option<bool>,
    ) -> Result<Value, ApiError> {
        let access = self.access(actor, id).await?;
        if access.me.is_none() {
            // An administrator who has not taken part has no flags to set.
            return Err(super::conversation_not_found());
        }
        store::set_flags(&self.db, id, actor.user_id, archived, muted).await?;
        self.view_for(actor, id).await
    }

    /// Unread messages per conversation of the actor, and in total.
    pub async fn unread(&self, actor: &Actor) -> Result<Value, ApiError> {
        let counts = store::unread_counts(&self.db, actor.user_id, None).await?;
        let total: i64 = counts.iter().map(|(_, n)| n).sum();
        let conversations: Vec<Value> =
            counts.iter().map(|(id, n)| json!({"conversationId": id, "unreadCount": n})).collect();
        Ok(json!({"unreadCount": total, "conversations": conversations}))
    }
}
