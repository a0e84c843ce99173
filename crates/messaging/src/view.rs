//! How conversations and messages look on the wire (REST answers and socket events alike).
//! A message reads differently by reader: the other party of a masked message gets the masked
//! text; its author gets the original with `masked: true`, the masked text and the ranges, so
//! they see what the other party sees.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::mask::Range;
use crate::store::messages::{Attachment, Message};
use crate::store::{Conversation, Participant};

/// Who reads: a user, or a moderator looking at a reported message (the original text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    User(Uuid),
    Moderator,
}

pub fn attachment_view(a: &Attachment) -> Value {
    json!({"id": a.id, "fileName": a.file_name, "contentType": a.content_type, "size": a.size_bytes,
           "url": format!("/api/v1/conversations/{}/attachments/{}", a.conversation_id, a.id)})
}

pub fn message_view(m: &Message, attachments: &[Attachment], reader: Reader) -> Value {
    let masked = m.masked_body.is_some();
    let is_author = matches!(reader, Reader::User(u) if m.author_id == Some(u));
    let shows_original = is_author || reader == Reader::Moderator;
    let body = if m.deleted_at.is_some() {
        None
    } else if masked && !shows_original {
        m.masked_body.clone()
    } else {
        m.body.clone()
    };
    let mine: Vec<Value> = attachments.iter().filter(|a| a.message_id == m.id).map(attachment_view).collect();
    let mut v = json!({
        "id": m.id, "conversationId": m.conversation_id, "kind": m.kind, "code": m.code,
        "authorId": m.author_id, "authorDeleted": m.author_erased, "body": body, "masked": masked,
        "attachments": mine, "clientMessageId": m.client_message_id, "deletedAt": m.deleted_at, "createdAt": m.created_at,
    });
    if masked && shows_original && m.deleted_at.is_none() {
        let ranges: Vec<Range> =
            m.mask_ranges.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default();
        v["maskedBody"] = json!(m.masked_body);
        v["maskedRanges"] = json!(ranges);
    }
    v
}

/// A participant as others see them: who, which side, and how far they have read.
fn participant_view(p: &Participant) -> Value {
    json!({"userId": p.user_id, "role": p.role, "lastReadMessageId": p.last_read_message_id, "readAt": p.read_at})
}

/// What a conversation looks like to `me` (their flags and unread count; `None` for an
/// administrator reading a support conversation they do not take part in).
pub struct ConversationParts<'a> {
    pub conversation: &'a Conversation,
    pub participants: &'a [Participant],
    pub me: Option<&'a Participant>,
    pub unread: i64,
    pub last: Option<Value>,
}

pub fn conversation_view(p: &ConversationParts<'_>) -> Value {
    let c = p.conversation;
    json!({
        "id": c.id, "type": c.kind, "listingId": c.listing_id, "reservationId": c.reservation_id,
        "guestId": c.guest_id, "hostId": c.host_id, "subject": c.subject,
        "participants": p.participants.iter().map(participant_view).collect::<Vec<_>>(),
        "archived": p.me.is_some_and(|m| m.archived), "muted": p.me.is_some_and(|m| m.muted),
        "lastReadMessageId": p.me.and_then(|m| m.last_read_message_id),
        "unreadCount": p.unread, "lastMessage": p.last, "lastMessageAt": c.last_message_at,
        "createdAt": c.created_at, "updatedAt": c.updated_at,
    })
}
