//! Sending one delivery on its channel, and what the answer means for it: sent, try again
//! later (a provider's hiccup), failed for good (an address the server refuses), or gone (a
//! push subscription the browser dropped).

use std::sync::Arc;
use std::time::Duration;

use platform::mail::Mailer;
use serde_json::Value;

use super::store::Delivery;

/// The result of one attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    Sent(Option<String>),
    /// Transient: retry, not before `after` when the provider said so.
    Retry(String, Option<Duration>),
    /// Permanent: retrying cannot help.
    Failed(String),
    /// The recipient no longer exists (a push subscription answered 404/410).
    Gone(String),
}

/// The channels' senders.
pub struct Senders {
    pub mailer: Arc<dyn Mailer>,
}

impl std::fmt::Debug for Senders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Senders")
    }
}

fn field<'a>(payload: &'a Value, key: &str) -> Option<&'a str> {
    payload.get(key).and_then(Value::as_str)
}

impl Senders {
    pub async fn send(&self, d: &Delivery) -> Attempt {
        let payload: Value = match serde_json::from_str(&d.payload) {
            Ok(v) => v,
            Err(_) => return Attempt::Failed("the queued payload is not JSON".into()),
        };
        match d.channel.as_str() {
            "email" => self.email(d, &payload).await,
            other => Attempt::Failed(format!("no sender for the {other} channel")),
        }
    }

    async fn email(&self, d: &Delivery, payload: &Value) -> Attempt {
        let Some(to) = field(payload, "to") else { return Attempt::Failed("no recipient".into()) };
        let ctx = payload.get("ctx").cloned().unwrap_or(Value::Null);
        let title = field(&ctx, "title").unwrap_or("Sojourn");
        let mut text = field(&ctx, "message").unwrap_or_default().to_owned();
        if let Some(link) = field(&ctx, "link") {
            text.push_str("\n\n");
            text.push_str(link);
        }
        let message = platform::mail::Message { to: to.to_owned(), subject: title.to_owned(), text };
        let _ = d;
        match self.mailer.send(&message).await {
            Ok(()) => Attempt::Sent(None),
            Err(platform::mail::MailError::Invalid(reason)) => Attempt::Failed(reason.to_owned()),
            Err(e) => Attempt::Retry(e.to_string(), None),
        }
    }
}
