//! Identity's side of delivery: the transactional messages it asks for through its outbox
//! (`identity.email_verification`, `identity.password_reset`, `identity.phone_code`), sent
//! through the same queue as every notice — durable, retried, logged — and the contact details
//! its `user.*` events carry (email, first name, time zone, verified phone), kept here so this
//! context never asks identity, wherever the two run.

use chrono::{DateTime, Utc};
use kernel::EventEnvelope;
use platform::db::Tx;
use platform::events::HandlerError;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::delivery::Pipeline;
use crate::delivery::fanout::{self, Transactional};
use crate::domain::locale::Lang;
use crate::store::{self, Contact};

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

fn user_of(event: &EventEnvelope) -> Option<Uuid> {
    let raw = text(&event.data, "userId").unwrap_or(&event.aggregate_id);
    Uuid::try_parse(raw.trim()).ok()
}

/// "24 hours", "10 minutes", "1 heure"… from the event's time to `expiresAt`.
fn expires_in(lang: Lang, event: &EventEnvelope) -> Option<String> {
    let at: DateTime<Utc> = text(&event.data, "expiresAt")?.parse().ok()?;
    let minutes = (at - event.occurred_at).num_minutes().max(1);
    let (n, unit_en, unit_fr) = if minutes >= 120 && minutes % 60 == 0 || minutes >= 180 {
        (minutes / 60, "hour", "heure")
    } else {
        (minutes, "minute", "minute")
    };
    let plural = if n > 1 { "s" } else { "" };
    Some(match lang {
        Lang::En => format!("{n} {unit_en}{plural}"),
        Lang::Fr => format!("{n} {unit_fr}{plural}"),
    })
}

/// Queues the message an `identity.*` event asks for. A malformed event is logged and skipped:
/// retrying cannot repair it.
pub async fn handle(tx: &mut Tx, p: &Pipeline, event: &EventEnvelope, now: DateTime<Utc>) -> Result<(), HandlerError> {
    let Some(user) = user_of(event) else {
        tracing::warn!(event_id = %event.id, event_type = %event.event_type, "skipped: no valid user id");
        return Ok(());
    };
    let lang = Lang::from_tag(store::reader(&mut *tx, user).await?.language.as_deref());
    let say = |en: &str, fr: &str| match lang {
        Lang::En => en.to_owned(),
        Lang::Fr => fr.to_owned(),
    };
    let d = &event.data;
    let key = event.id.to_string();
    match event.event_type.as_str() {
        kind @ ("identity.email_verification" | "identity.password_reset") => {
            let (Some(to), Some(link)) = (text(d, "email"), text(d, "link")) else {
                tracing::warn!(event_id = %event.id, "skipped: a mail event without email or link");
                return Ok(());
            };
            let verify = kind == "identity.email_verification";
            let (template, title, message) = if verify {
                (
                    "verify_email",
                    say("Confirm your email address", "Confirmez votre adresse e-mail"),
                    say(
                        "Welcome to Sojourn! Confirm your email address by opening the link below.",
                        "Bienvenue sur Sojourn\u{a0}! Confirmez votre adresse e-mail en ouvrant le lien ci-dessous.",
                    ),
                )
            } else {
                (
                    "password_reset",
                    say("Reset your password", "Réinitialisez votre mot de passe"),
                    say(
                        "Someone — we hope you — asked to reset the password of your Sojourn account. Open the link \
                         below to choose a new one.",
                        "Quelqu'un — vous, nous l'espérons — a demandé à réinitialiser le mot de passe de votre compte \
                         Sojourn. Ouvrez le lien ci-dessous pour en choisir un nouveau.",
                    ),
                )
            };
            let fields = json!({"link": link, "expiresIn": expires_in(lang, event)});
            let t = Transactional { user, to, template, title, message, fields, key };
            fanout::transactional_email(tx, p, &t, now).await?;
        }
        "identity.phone_code" => {
            let (Some(to), Some(code)) = (text(d, "phoneNumber"), text(d, "code")) else {
                tracing::warn!(event_id = %event.id, "skipped: a phone code event without number or code");
                return Ok(());
            };
            let minutes = expires_in(lang, event).unwrap_or_else(|| say("10 minutes", "10 minutes"));
            let body = match lang {
                Lang::En => {
                    format!("Your Sojourn verification code is {code}. It expires in {minutes}. Never share it.")
                }
                Lang::Fr => format!(
                    "Votre code de vérification Sojourn est {code}. Il expire dans {minutes}. Ne le communiquez à personne."
                ),
            };
            fanout::transactional_sms(tx, p, user, to, body, &key, now).await?;
        }
        other => tracing::debug!(event_type = other, "no message for this identity event"),
    }
    Ok(())
}

/// Keeps the contact details a `user.*` event carries.
pub async fn remember_contact(tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
    let d = &event.data;
    let has = |key: &str| d.get(key).is_some();
    let value = |key: &str| text(d, key);
    let contact = match event.event_type.as_str() {
        "user.created" => {
            Contact { email: Some(value("email")), first_name: Some(value("firstName")), ..Contact::default() }
        }
        "user.updated" | "user.email_verified" if has("email") => {
            Contact { email: Some(value("email")), ..Contact::default() }
        }
        "user.profile_updated" => Contact {
            email: has("email").then(|| value("email")),
            first_name: has("firstName").then(|| value("firstName")),
            timezone: has("timezone").then(|| value("timezone")),
            // Only a verified number receives SMS.
            phone: has("phoneVerified").then(|| {
                (d.get("phoneVerified").and_then(Value::as_bool) == Some(true)).then(|| value("phoneNumber")).flatten()
            }),
        },
        "user.phone_verified" => Contact { phone: Some(value("phoneNumber")), ..Contact::default() },
        _ => return Ok(()),
    };
    let Some(user) = user_of(event) else { return Ok(()) };
    store::set_reader_contact(tx, user, &contact, event.occurred_at).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_reads_in_hours_or_minutes() {
        let at = |mins: i64| {
            let now = Utc::now();
            let mut e = EventEnvelope::new("identity.password_reset", kernel::new_id(), now, json!({}));
            e.data = json!({"expiresAt": (now + chrono::Duration::minutes(mins)).to_rfc3339()});
            e
        };
        assert_eq!(expires_in(Lang::En, &at(60 * 24)).as_deref(), Some("24 hours"));
        assert_eq!(expires_in(Lang::En, &at(10)).as_deref(), Some("10 minutes"));
        assert_eq!(expires_in(Lang::Fr, &at(60)).as_deref(), Some("60 minutes"));
        assert_eq!(expires_in(Lang::Fr, &at(180)).as_deref(), Some("3 heures"));
    }
}
