//! What lands in the inbox for each identity event. Text is written here, once, so that every
//! notification of a kind reads the same, in English or French. A welcome is always English in
//! practice: nobody has chosen a language yet when their account is created.

use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Kind;
use super::locale::Lang;

/// A notification to put into a user's inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub user_id: Uuid,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub data: Value,
}

/// The notification `event` asks for, written in `lang`: `Ok(None)` when the event does not
/// concern the inbox, `Err` when it should but is malformed (it is then skipped, not retried
/// forever).
pub fn draft_for(event: &EventEnvelope, lang: Lang) -> Result<Option<Draft>, &'static str> {
    let d = &event.data;
    let say = |en: &str, fr: &str| match lang {
        Lang::En => en.to_owned(),
        Lang::Fr => fr.to_owned(),
    };
    let security = Kind::AccountSecurity;
    let (kind, title, body, data) = match event.event_type.as_str() {
        "user.created" => {
            let name = text(d, "firstName").map(|n| n.chars().take(100).collect::<String>());
            let body = match (lang, name) {
                (Lang::En, Some(name)) => {
                    format!("Hi {name}, welcome to Sojourn! Your account is ready: start planning your next trip.")
                }
                (Lang::Fr, Some(name)) => format!(
                    "Bonjour {name}, bienvenue sur Sojourn\u{a0}! Votre compte est prêt\u{a0}: \
                     commencez à préparer votre prochain voyage."
                ),
                (_, None) => say(
                    "Welcome to Sojourn! Your account is ready: start planning your next trip.",
                    "Bienvenue sur Sojourn\u{a0}! Votre compte est prêt\u{a0}: commencez à préparer votre prochain voyage.",
                ),
            };
            (Kind::Welcome, say("Welcome to Sojourn", "Bienvenue sur Sojourn"), body, json!({}))
        }
        "user.password_changed" => (
            security,
            say("Your password was changed", "Votre mot de passe a été modifié"),
            say(
                "Your password was just changed. If this was not you, reset your password now.",
                "Votre mot de passe vient d'être modifié. Si ce n'était pas vous, réinitialisez-le dès maintenant.",
            ),
            json!({ "event": event.event_type, "via": text(d, "via") }),
        ),
        "user.mfa_enabled" => (
            security,
            say("Two-factor authentication turned on", "Authentification à deux facteurs activée"),
            say(
                "Two-factor authentication is now on: signing in will ask for a code from your app.",
                "L'authentification à deux facteurs est activée\u{a0}: la connexion vous demandera un code de \
                 votre application.",
            ),
            json!({ "event": event.event_type }),
        ),
        "user.mfa_disabled" => (
            security,
            say("Two-factor authentication turned off", "Authentification à deux facteurs désactivée"),
            say(
                "Two-factor authentication was turned off. If this was not you, change your password now.",
                "L'authentification à deux facteurs a été désactivée. Si ce n'était pas vous, changez votre mot \
                 de passe dès maintenant.",
            ),
            json!({ "event": event.event_type }),
        ),
        // Only a sign-in from a device this account never used before is news.
        "user.logged_in" if d.get("newDevice").and_then(Value::as_bool) == Some(true) => {
            let device = text(d, "deviceLabel").map(|n| n.chars().take(100).collect::<String>());
            let body = match (lang, device) {
                (Lang::En, Some(device)) => format!(
                    "Your account was just signed in to from a new device ({device}). If this was you, there is \
                     nothing to do; if not, change your password now."
                ),
                (Lang::Fr, Some(device)) => format!(
                    "Une connexion à votre compte vient d'avoir lieu depuis un nouvel appareil ({device}). Si \
                     c'était vous, il n'y a rien à faire\u{a0}; sinon, changez votre mot de passe dès maintenant."
                ),
                (_, None) => say(
                    "Your account was just signed in to from a new device. If this was not you, change your \
                     password now.",
                    "Une connexion à votre compte vient d'avoir lieu depuis un nouvel appareil. Si ce n'était pas \
                     vous, changez votre mot de passe dès maintenant.",
                ),
            };
            (
                security,
                say("New sign-in to your account", "Nouvelle connexion à votre compte"),
                body,
                json!({ "event": event.event_type, "device": text(d, "deviceLabel"), "ip": text(d, "ip") }),
            )
        }
        "user.status_changed" => {
            // The admin's free-text reason stays out: it may be an internal note.
            let (title, body) = match text(d, "to").as_deref() {
                Some("suspended") => (
                    say("Your account was suspended", "Votre compte a été suspendu"),
                    say(
                        "Your account has been suspended. Contact support if you think this is a mistake.",
                        "Votre compte a été suspendu. Contactez le support si vous pensez qu'il s'agit d'une erreur.",
                    ),
                ),
                Some("banned") => (
                    say("Your account was closed", "Votre compte a été fermé"),
                    say(
                        "Your account has been closed by Sojourn. Contact support if you think this is a mistake.",
                        "Votre compte a été fermé par Sojourn. Contactez le support si vous pensez qu'il s'agit \
                         d'une erreur.",
                    ),
                ),
                _ => return Ok(None),
            };
            (security, title, body, json!({ "event": event.event_type, "status": text(d, "to") }))
        }
        _ => return Ok(None),
    };
    let raw_id = text(d, "userId").unwrap_or_else(|| event.aggregate_id.clone());
    let user_id = Uuid::try_parse(raw_id.trim()).map_err(|_| "the event names no valid user id")?;
    Ok(Some(Draft { user_id, kind, title, body, data }))
}

/// A non-blank string field.
fn text(data: &Value, key: &str) -> Option<String> {
    data.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn draft_for_en(event: &EventEnvelope) -> Result<Option<Draft>, &'static str> {
        draft_for(event, Lang::En)
    }

    #[test]
    fn security_notices_are_written_in_french_for_french_readers() {
        let user = kernel::new_id().to_string();
        let d = draft_for(&event("user.password_changed", json!({"userId": user})), Lang::Fr).unwrap().unwrap();
        assert_eq!(d.title, "Votre mot de passe a été modifié");
        let d = draft_for(&event("user.status_changed", json!({"userId": user, "to": "banned"})), Lang::Fr)
            .unwrap()
            .unwrap();
        assert!(d.body.starts_with("Votre compte a été fermé par Sojourn."), "{}", d.body);
    }

    fn event(kind: &str, data: Value) -> EventEnvelope {
        EventEnvelope::new(kind, Uuid::nil(), Utc::now(), data)
    }

    #[test]
    fn welcome_greets_by_first_name_when_known() {
        let user = kernel::new_id();
        let d = draft_for_en(&event("user.created", json!({"userId": user.to_string(), "firstName": " Ada "})))
            .unwrap()
            .unwrap();
        assert_eq!((d.user_id, d.kind, d.title.as_str()), (user, Kind::Welcome, "Welcome to Sojourn"));
        assert!(d.body.starts_with("Hi Ada,"), "{}", d.body);
        let d = draft_for_en(&event("user.created", json!({"userId": user.to_string(), "firstName": null})))
            .unwrap()
            .unwrap();
        assert!(d.body.starts_with("Welcome to Sojourn!"), "{}", d.body);
    }

    #[test]
    fn security_events_become_account_security_notices() {
        let user = kernel::new_id().to_string();
        for kind in ["user.password_changed", "user.mfa_enabled", "user.mfa_disabled"] {
            let d = draft_for_en(&event(kind, json!({"userId": user}))).unwrap().unwrap();
            assert_eq!(d.kind, Kind::AccountSecurity, "{kind}");
        }
        for (to, expected) in [("suspended", true), ("banned", true), ("active", false)] {
            let d = draft_for_en(&event("user.status_changed", json!({"userId": user, "to": to, "reason": "secret"})))
                .unwrap();
            assert_eq!(d.is_some(), expected, "{to}");
            if let Some(d) = d {
                assert!(!d.body.contains("secret") && !d.data.to_string().contains("secret"));
            }
        }
    }

    #[test]
    fn other_events_are_ignored_and_bad_ids_are_errors() {
        assert_eq!(draft_for_en(&event("user.email_verified", json!({"userId": "x"}))), Ok(None));
        assert_eq!(draft_for_en(&event("booking.confirmed", json!({}))), Ok(None));
        assert!(draft_for_en(&event("user.mfa_enabled", json!({"userId": "not-a-uuid"}))).is_err());
        // Without `userId` the aggregate id (the user) is used.
        let d = draft_for_en(&event("user.mfa_enabled", json!({}))).unwrap().unwrap();
        assert_eq!(d.user_id, Uuid::nil());
    }
}
