//! New-message notices, from messaging's `message.sent`: each recipient it names hears of the
//! message, with the start of its text (or how many files it brought). The event says who to
//! tell (`recipientIds`: the other participants, those who muted the conversation left out)
//! and what they would read (`preview`, already masked where messaging masks), so this
//! context never reads messaging's tables.
//!
//! A message's email waits a while for the message to be read (see [`hold_key`]); its inbox
//! notice does not.

use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Kind;
use super::inbox::Draft;
use super::locale::Lang;

/// How many characters messaging puts in `preview`: a preview this long was cut.
pub const PREVIEW_CHARS: usize = 140;

/// What releases a message's waiting email: the conversation read by its reader.
pub fn hold_key(conversation: Uuid) -> String {
    format!("conversation:{conversation}")
}

/// The notices one `message.sent` asks for, not yet written in anyone's language.
#[derive(Debug, Clone, PartialEq)]
pub struct MessageNotices {
    pub conversation_id: Uuid,
    pub recipients: Vec<Uuid>,
    /// The text as the recipients read it, whitespace folded; `None` for files only.
    pub preview: Option<String>,
    pub attachments: i64,
    pub data: Value,
}

impl MessageNotices {
    /// `user`'s notice, in `lang`.
    pub fn draft(&self, user: Uuid, lang: Lang) -> Draft {
        let (title, body) = render(lang, self.preview.as_deref(), self.attachments);
        Draft { user_id: user, kind: Kind::Messages, title, body, data: self.data.clone() }
    }
}

fn id(v: &Value, key: &str) -> Option<Uuid> {
    v.get(key).and_then(Value::as_str).and_then(|s| Uuid::try_parse(s.trim()).ok())
}

/// The text with its runs of whitespace (line breaks included) folded into single spaces, and
/// an ellipsis when messaging cut it.
fn folded(preview: &str) -> Option<String> {
    let text = preview.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    Some(if preview.chars().count() >= PREVIEW_CHARS { format!("{text}…") } else { text })
}

/// The notices `message.sent` asks for: `Ok(None)` for other message events or when nobody is
/// to be told, `Err` when the event is malformed (skipped, not retried forever).
pub fn notices_for(event: &EventEnvelope) -> Result<Option<MessageNotices>, &'static str> {
    if event.event_type != "message.sent" {
        return Ok(None);
    }
    let d = &event.data;
    let conversation_id = id(d, "conversationId").ok_or("the message names no valid conversation")?;
    let named = d.get("recipientIds").and_then(Value::as_array).ok_or("the message names no recipients")?;
    let author = id(d, "authorId");
    let mut recipients: Vec<Uuid> = Vec::new();
    for r in named.iter().filter_map(|r| r.as_str()).filter_map(|r| Uuid::try_parse(r.trim()).ok()) {
        if Some(r) != author && !recipients.contains(&r) {
            recipients.push(r);
        }
    }
    if recipients.is_empty() {
        return Ok(None);
    }
    let data = json!({"event": event.event_type, "conversationId": conversation_id, "messageId": d.get("messageId"),
                      "conversationType": d.get("conversationType")});
    Ok(Some(MessageNotices {
        conversation_id,
        recipients,
        preview: d.get("preview").and_then(Value::as_str).and_then(folded),
        attachments: d.get("attachments").and_then(Value::as_i64).unwrap_or(0).max(0),
        data,
    }))
}

/// The title and body of a new-message notice: the text, or what files came.
pub fn render(lang: Lang, preview: Option<&str>, attachments: i64) -> (String, String) {
    let title = match lang {
        Lang::En => "New message",
        Lang::Fr => "Nouveau message",
    };
    let body = match (preview, lang, attachments) {
        (Some(text), _, _) => text.to_owned(),
        (None, Lang::En, 1) => "You received a file.".to_owned(),
        (None, Lang::En, n) if n > 1 => format!("You received {n} files."),
        (None, Lang::En, _) => "You have a new message.".to_owned(),
        (None, Lang::Fr, 1) => "Vous avez reçu un fichier.".to_owned(),
        (None, Lang::Fr, n) if n > 1 => format!("Vous avez reçu {n} fichiers."),
        (None, Lang::Fr, _) => "Vous avez un nouveau message.".to_owned(),
    };
    (title.to_owned(), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(data: Value) -> EventEnvelope {
        EventEnvelope::new("message.sent", kernel::new_id(), chrono::Utc::now(), data)
    }

    #[test]
    fn each_recipient_but_the_author_is_told_with_the_preview() {
        let (author, a, b, conversation) = (kernel::new_id(), kernel::new_id(), kernel::new_id(), kernel::new_id());
        let event = sent(json!({"messageId": kernel::new_id(), "conversationId": conversation, "authorId": author,
                                "conversationType": "reservation", "attachments": 0,
                                "recipientIds": [a, author, b, a, "nobody"],
                                "preview": "  Hello!\n\nIs the flat\tfree in May?  "}));
        let n = notices_for(&event).unwrap().unwrap();
        assert_eq!(n.recipients, [a, b], "the author, a repeat and a broken id are left out");
        assert_eq!(n.conversation_id, conversation);
        let d = n.draft(b, Lang::Fr);
        assert_eq!((d.user_id, d.kind, d.title.as_str()), (b, Kind::Messages, "Nouveau message"));
        assert_eq!(d.body, "Hello! Is the flat free in May?");
        assert_eq!(d.data["conversationId"], json!(conversation));
        assert_eq!(d.data["event"], "message.sent");
        assert_eq!(hold_key(conversation), format!("conversation:{conversation}"));
    }

    #[test]
    fn a_cut_preview_ends_with_an_ellipsis_and_files_alone_are_counted() {
        let long = "x".repeat(PREVIEW_CHARS);
        assert_eq!(folded(&long), Some(format!("{long}…")));
        assert_eq!(folded("short"), Some("short".to_owned()));
        assert_eq!(folded(" \n "), None);
        assert_eq!(render(Lang::En, None, 1).1, "You received a file.");
        assert_eq!(render(Lang::En, None, 3).1, "You received 3 files.");
        assert_eq!(render(Lang::Fr, None, 2), ("Nouveau message".to_owned(), "Vous avez reçu 2 fichiers.".to_owned()));
        assert_eq!(render(Lang::En, None, 0).1, "You have a new message.");
    }

    #[test]
    fn nobody_to_tell_or_a_broken_event() {
        let conversation = kernel::new_id();
        let none = sent(json!({"conversationId": conversation, "recipientIds": []}));
        assert_eq!(notices_for(&none), Ok(None));
        assert!(notices_for(&sent(json!({"conversationId": conversation}))).is_err(), "an older event");
        assert!(notices_for(&sent(json!({"recipientIds": [kernel::new_id()]}))).is_err());
        let read = EventEnvelope::new("message.read", conversation, chrono::Utc::now(), json!({}));
        assert_eq!(notices_for(&read), Ok(None));
    }
}
