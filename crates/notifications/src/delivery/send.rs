//! Sending one delivery on its channel, and what the answer means for it: sent, try again
//! later (a provider's hiccup), failed for good (an address the server refuses), or gone (a
//! push subscription the browser dropped).

use std::sync::Arc;
use std::time::Duration;

use platform::mail::{Email, Mailer};
use serde_json::Value;

use platform::db::Db;

use super::store::{self, Delivery};
use crate::sms::{Sms, SmsError, SmsSender};
use crate::webpush::{PushOptions, SendError, Subscription, Urgency, Vapid};

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
    /// Nothing to send to any more (the subscription was removed meanwhile).
    Cancelled(String),
}

/// The channels' senders.
pub struct Senders {
    pub db: Db,
    pub mailer: Arc<dyn Mailer>,
    /// Twilio, or the on-disk outbox.
    pub sms: Arc<dyn SmsSender>,
    /// Web push, when offered (`notifications.push.enabled`).
    pub push: Option<PushChannel>,
}

/// What sending a push needs: a client that refuses private addresses (unless configured for
/// tests), the VAPID key, and how long push services keep a message.
pub struct PushChannel {
    pub client: reqwest::Client,
    pub vapid: Arc<Vapid>,
    pub ttl_secs: u32,
    pub allow_private: bool,
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
            "push" => self.push(d, &payload).await,
            "sms" => self.sms(d, &payload).await,
            other => Attempt::Failed(format!("no sender for the {other} channel")),
        }
    }

    async fn sms(&self, d: &Delivery, payload: &Value) -> Attempt {
        let Some(to) = field(payload, "to").and_then(|t| kernel::Phone::parse(t).ok()) else {
            return Attempt::Failed("no valid phone number".into());
        };
        let sms = Sms { to, body: field(payload, "body").unwrap_or_default().to_owned(), key: d.id.to_string() };
        match self.sms.send(&sms).await {
            Ok(sent) => Attempt::Sent(sent.provider_ref),
            Err(SmsError::Retry { reason, after }) => Attempt::Retry(reason, after),
            Err(SmsError::Rejected(reason)) => Attempt::Failed(reason),
        }
    }

    async fn push(&self, d: &Delivery, payload: &Value) -> Attempt {
        let Some(channel) = &self.push else { return Attempt::Failed("web push is turned off".into()) };
        let Ok(id) = d.recipient.parse::<uuid::Uuid>() else { return Attempt::Failed("not a subscription id".into()) };
        let sub = match store::subscription(&self.db, id).await {
            Ok(Some(sub)) => sub,
            Ok(None) => return Attempt::Cancelled("the subscription was removed".into()),
            Err(e) => return Attempt::Retry(e.to_string(), None),
        };
        let json = serde_json::json!({"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}});
        let Ok(target) = Subscription::parse(&json, channel.allow_private) else {
            return Attempt::Gone("the stored subscription is no longer valid".into());
        };
        let message = payload.get("message").cloned().unwrap_or(Value::Null).to_string();
        let opts = PushOptions {
            ttl_secs: channel.ttl_secs,
            urgency: Urgency::Normal,
            topic: field(payload, "topic").filter(|t| crate::webpush::valid_topic(t)).map(str::to_owned),
        };
        let now = chrono::Utc::now().timestamp();
        match crate::webpush::send(&channel.client, &channel.vapid, &target, message.as_bytes(), &opts, now).await {
            Ok(sent) => Attempt::Sent(sent.location),
            Err(SendError::Gone(status)) => Attempt::Gone(format!("the push service answered {status}")),
            Err(SendError::Rejected(reason)) => Attempt::Failed(reason),
            Err(SendError::Retry(reason, after)) => Attempt::Retry(reason, after),
        }
    }

    async fn email(&self, d: &Delivery, payload: &Value) -> Attempt {
        let Some(to) = field(payload, "to") else { return Attempt::Failed("no recipient".into()) };
        let lang = crate::domain::locale::Lang::from_tag(field(payload, "lang"));
        let ctx = payload.get("ctx").cloned().unwrap_or(Value::Null);
        let template = field(payload, "template").unwrap_or("system");
        let rendered = match crate::email::render(template, lang, &ctx) {
            Ok(r) => r,
            Err(e) => return Attempt::Failed(format!("the {template} template did not render: {e}")),
        };
        let mut headers = Vec::new();
        if let Some(url) = field(payload, "unsubscribe") {
            // RFC 8058: the link, and that a POST to it is all it takes.
            headers.push(("List-Unsubscribe".to_owned(), format!("<{url}>")));
            headers.push(("List-Unsubscribe-Post".to_owned(), "List-Unsubscribe=One-Click".to_owned()));
        }
        headers.push(("X-Sojourn-Template".to_owned(), template.to_owned()));
        let email = Email {
            to: to.to_owned(),
            subject: rendered.subject,
            text: rendered.text,
            html: Some(rendered.html),
            // The delivery's id: a retry carries the same Message-ID, so a repeat is recognisable.
            message_id: format!("<{}@sojourn>", d.id),
            headers,
        };
        match self.mailer.send_email(&email).await {
            Ok(()) => Attempt::Sent(Some(email.message_id)),
            Err(e) if e.is_permanent() => Attempt::Failed(e.to_string()),
            Err(e) => Attempt::Retry(e.to_string(), None),
        }
    }
}
