//! Which deliveries a notice makes: for each channel the reader's preference for the notice's
//! type must be on, and the channel must reach them — an email address identity told us, a
//! verified phone number, a push subscription. SMS and push wait out the reader's quiet hours.
//! Transactional messages (a verification link, a phone code) follow no preference: the reader
//! just asked for them.

use chrono::{DateTime, Duration, Utc};
use platform::db::{DbError, Tx};
use serde_json::{Value, json};
use uuid::Uuid;

use super::extras::Extras;
use super::quiet::QuietHours;
use super::{NewDelivery, Pipeline, enqueue, store as queue};
use crate::domain::locale::Lang;
use crate::domain::{Channel, Kind, Preferences};
use crate::store::{self, Notification, Reader};

/// A notice on its way out of the inbox.
#[derive(Debug)]
pub struct Outgoing<'a> {
    pub notification: &'a Notification,
    /// Whether the notice is in the inbox (the reader may have turned the inbox off for it).
    pub in_inbox: bool,
    /// Unique per notice: deliveries are keyed `<key>:<channel>[:<recipient>]`.
    pub key: String,
    /// The email's details; when `None`, taken from `event` in the reader's language.
    pub extras: Option<Extras>,
    /// The event the notice was made from, if any.
    pub event: Option<&'a kernel::EventEnvelope>,
    /// The email template (see [`template_for`]).
    pub template: &'static str,
    /// Email only after this long, unless `hold_key` is released meanwhile (a message read).
    pub hold: Option<(String, Duration)>,
}

/// The email template of a notice type (`event`: the event it came from, when it tells more).
pub fn template_for(kind: &str, event: Option<&str>) -> &'static str {
    match (kind, event) {
        (_, Some("user.logged_in")) => "new_sign_in",
        ("booking_requested", _) => "booking_requested",
        ("booking_confirmed" | "booking_confirmation", _) => "booking_confirmed",
        ("booking_declined", _) => "booking_declined",
        ("booking_cancelled", _) => "booking_cancelled",
        ("booking_expired", _) => "booking_expired",
        ("payment_received", _) => "payment_received",
        ("payment_failed", _) => "payment_failed",
        ("refund_processed", _) => "refund_processed",
        ("payout_sent", _) => "payout_sent",
        ("messages", _) => "message_received",
        ("reviews", _) => "review",
        ("trip_reminder", _) => "trip_reminder",
        ("account_security", _) => "account_security",
        ("welcome", _) => "welcome",
        _ => "system",
    }
}

pub fn quiet_hours(p: &Pipeline, reader: &Reader) -> QuietHours {
    let minutes =
        |v: Option<i64>, default: u32| v.and_then(|m| u32::try_from(m).ok()).filter(|m| *m < 1440).unwrap_or(default);
    QuietHours {
        enabled: reader.quiet_enabled.unwrap_or(p.quiet_default.enabled),
        start: minutes(reader.quiet_start, p.quiet_default.start),
        end: minutes(reader.quiet_end, p.quiet_default.end),
    }
}

/// The email context every template gets (see `crate::email`).
fn email_context(p: &Pipeline, reader: &Reader, title: &str, message: &str, extras: &Extras) -> Value {
    json!({
        "brand": {"name": "Sojourn", "url": p.links.web_root()},
        "title": title,
        "message": message,
        "recipient": {"firstName": reader.first_name},
        "facts": extras.facts_json(),
        "action": extras.action.as_ref().map(|(label, path)| json!({"label": label, "url": p.links.web(path)})),
        "preferencesUrl": p.links.preferences(),
    })
}

/// A short SMS: the title, the text, and the link to act on.
pub fn sms_text(title: &str, body: &str, link: Option<&str>) -> String {
    let mut text: String = format!("Sojourn: {title}. {body}");
    if text.chars().count() > 300 {
        text = text.chars().take(299).collect::<String>() + "…";
    }
    if let Some(link) = link {
        text.push(' ');
        text.push_str(link);
    }
    text
}

/// Queues the email, SMS and push deliveries of a notice its reader's preferences allow; how
/// many were queued.
pub async fn notice(tx: &mut Tx, p: &Pipeline, o: &Outgoing<'_>, now: DateTime<Utc>) -> Result<u32, DbError> {
    let n = o.notification;
    let Some(topic) = Kind::read(&n.kind).preference() else { return Ok(0) };
    let rows = store::preferences(&mut *tx, n.user_id).await?;
    let prefs = Preferences::from_stored(rows.iter().map(|(t, c, on)| (t.as_str(), c.as_str(), *on))).get(topic);
    let reader = store::reader(&mut *tx, n.user_id).await?;
    let lang = Lang::from_tag(reader.language.as_deref());
    let extras = match (&o.extras, o.event) {
        (Some(extras), _) => extras.clone(),
        (None, Some(event)) => super::extras::for_event(event, n.user_id, lang),
        (None, None) => Extras::default(),
    };
    let base = |channel: Channel, recipient: String, payload: Value, not_before, dedupe_key| NewDelivery {
        user_id: Some(n.user_id),
        notification_id: o.in_inbox.then_some(n.id),
        channel,
        template: if channel == Channel::Email { o.template.to_owned() } else { n.kind.clone() },
        topic: Some(topic),
        recipient,
        payload,
        sensitive: false,
        not_before,
        hold_key: None,
        dedupe_key,
    };
    let mut queued = 0;
    if prefs.channel(Channel::Email)
        && let Some(email) = reader.email.clone()
    {
        let mut ctx = email_context(p, &reader, &n.title, &n.body, &extras);
        ctx["unsubscribeUrl"] = json!(p.links.unsubscribe_url(n.user_id, topic));
        let payload = json!({"to": email, "template": o.template, "lang": lang_tag(lang), "ctx": ctx,
                             "unsubscribe": p.links.unsubscribe_url(n.user_id, topic)});
        let not_before = now + o.hold.as_ref().map_or(Duration::zero(), |(_, d)| *d);
        let mut d = base(Channel::Email, email, payload, not_before, format!("{}:email", o.key));
        d.hold_key = o.hold.as_ref().map(|(k, _)| k.clone());
        queued += u32::from(enqueue(tx, &d, now, p.retry_for).await?);
    }
    let quiet = quiet_hours(p, &reader);
    let release = quiet.release(now, reader.timezone.as_deref());
    let link = extras.action.as_ref().map(|(_, path)| p.links.web(path));
    if prefs.channel(Channel::Sms)
        && let Some(phone) = reader.phone.clone()
    {
        let payload = json!({"to": phone, "body": sms_text(&n.title, &n.body, link.as_deref())});
        let d = base(Channel::Sms, phone, payload, release, format!("{}:sms", o.key));
        queued += u32::from(enqueue(tx, &d, now, p.retry_for).await?);
    }
    if p.push_enabled && prefs.channel(Channel::Push) {
        for sub in queue::subscriptions(&mut *tx, n.user_id).await? {
            let message = json!({"title": n.title, "body": n.body, "url": link.clone().unwrap_or_else(|| p.links.web("/")),
                                 "tag": n.kind, "type": n.kind, "notificationId": o.in_inbox.then_some(n.id)});
            let payload = json!({"message": message, "topic": push_topic(&o.key)});
            let d = base(Channel::Push, sub.id.to_string(), payload, release, format!("{}:push:{}", o.key, sub.id));
            queued += u32::from(enqueue(tx, &d, now, p.retry_for).await?);
        }
    }
    Ok(queued)
}

/// A mail the reader asked for (verification, password reset): sent whatever the preferences,
/// its payload wiped once sent (it carries a secret link).
#[derive(Debug)]
pub struct Transactional<'a> {
    pub user: Uuid,
    pub to: &'a str,
    pub template: &'static str,
    pub title: String,
    pub message: String,
    /// Template-specific fields merged into the context (`link`, `expiresIn`...).
    pub fields: Value,
    pub key: String,
}

pub async fn transactional_email(
    tx: &mut Tx,
    p: &Pipeline,
    t: &Transactional<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let reader = store::reader(&mut *tx, t.user).await?;
    let lang = Lang::from_tag(reader.language.as_deref());
    let mut ctx = email_context(p, &reader, &t.title, &t.message, &Extras::default());
    if let (Some(ctx), Some(fields)) = (ctx.as_object_mut(), t.fields.as_object()) {
        ctx.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let d = NewDelivery {
        user_id: Some(t.user),
        notification_id: None,
        channel: Channel::Email,
        template: t.template.to_owned(),
        topic: None,
        recipient: t.to.to_owned(),
        payload: json!({"to": t.to, "template": t.template, "lang": lang_tag(lang), "ctx": ctx}),
        sensitive: true,
        not_before: now,
        hold_key: None,
        dedupe_key: format!("{}:email", t.key),
    };
    enqueue(tx, &d, now, p.retry_for).await
}

/// An SMS the reader asked for (a verification code): no preference, no quiet hours.
pub async fn transactional_sms(
    tx: &mut Tx,
    p: &Pipeline,
    user: Uuid,
    to: &str,
    body: String,
    key: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let d = NewDelivery {
        user_id: Some(user),
        notification_id: None,
        channel: Channel::Sms,
        template: "phone_code".to_owned(),
        topic: None,
        recipient: to.to_owned(),
        payload: json!({"to": to, "body": body}),
        sensitive: true,
        not_before: now,
        hold_key: None,
        dedupe_key: format!("{key}:sms"),
    };
    enqueue(tx, &d, now, p.retry_for).await
}

pub fn lang_tag(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::Fr => "fr",
    }
}

/// RFC 8030 `Topic` (at most 32 URL-safe base64 characters) from a delivery key: a push service
/// keeps one undelivered message per topic, so a retried push replaces, not repeats, itself.
pub fn push_topic(key: &str) -> String {
    use base64::Engine;
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.as_ref()[..18])
}
