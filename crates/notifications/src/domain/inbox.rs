//! What lands in the inbox for each identity event. Text is written here, once, so that every
//! notification of a kind reads the same.

use kernel::EventEnvelope;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Kind, Topic};

/// A notification to put into a user's inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub user_id: Uuid,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub data: Value,
}

/// The notification `event` asks for: `Ok(None)` when the event does not concern the inbox,
/// `Err` when it should but is malformed (it is then skipped, not retried forever).
pub fn draft_for(event: &EventEnvelope) -> Result<Option<Draft>, &'static str> {
    let d = &event.data;
    let (kind, title, body, data) = match event.event_type.as_str() {
        "user.created" => {
            let name = text(d, "firstName").map(|n| n.chars().take(100).collect::<String>());
            let body = match name {
                Some(name) => {
                    format!("Hi {name}, welcome to Sojourn! Your account is ready: start planning your next trip.")
                }
                None => "Welcome to Sojourn! Your account is ready: start planning your next trip.".to_owned(),
            };
            (Kind::Welcome, "Welcome to Sojourn", body, json!({}))
        }
        "user.password_changed" => (
            Kind::Topic(Topic::AccountSecurity),
            "Your password was changed",
            "Your password was just changed. If this was not you, reset your password now.".to_owned(),
            json!({ "event": event.event_type, "via": text(d, "via") }),
        ),
        "user.mfa_enabled" => (
            Kind::Topic(Topic::AccountSecurity),
            "Two-factor authentication turned on",
            "Two-factor authentication is now on: signing in will ask for a code from your app.".to_owned(),
            json!({ "event": event.event_type }),
        ),
        "user.mfa_disabled" => (
            Kind::Topic(Topic::AccountSecurity),
            "Two-factor authentication turned off",
            "Two-factor authentication was turned off. If this was not you, change your password now.".to_owned(),
            json!({ "event": event.event_type }),
        ),
        "user.status_changed" => {
            // The admin's free-text reason stays out: it may be an internal note.
            let (title, body) = match text(d, "to").as_deref() {
                Some("suspended") => (
                    "Your account was suspended",
                    "Your account has been suspended. Contact support if you think this is a mistake.",
                ),
                Some("banned") => (
                    "Your account was closed",
                    "Your account has been closed by Sojourn. Contact support if you think this is a mistake.",
                ),
                _ => return Ok(None),
            };
            let to = text(d, "to");
            (
                Kind::Topic(Topic::AccountSecurity),
                title,
                body.to_owned(),
                json!({ "event": event.event_type, "status": to }),
            )
        }
        _ => return Ok(None),
    };
    let raw_id = text(d, "userId").unwrap_or_else(|| event.aggregate_id.clone());
    let user_id = Uuid::try_parse(raw_id.trim()).map_err(|_| "the event names no valid user id")?;
    Ok(Some(Draft { user_id, kind, title: title.to_owned(), body, data }))
}

/// A non-blank string field.
fn text(data: &Value, key: &str) -> Option<String> {
    data.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn event(kind: &str, data: Value) -> EventEnvelope {
        EventEnvelope::new(kind, Uuid::nil(), Utc::now(), data)
    }

    #[test]
    fn welcome_greets_by_first_name_when_known() {
        let user = kernel::new_id();
        let d = draft_for(&event("user.created", json!({"userId": user.to_string(), "firstName": " Ada "})))
            .unwrap()
            .unwrap();
        assert_eq!((d.user_id, d.kind, d.title.as_str()), (user, Kind::Welcome, "Welcome to Sojourn"));
        assert!(d.body.starts_with("Hi Ada,"), "{}", d.body);
        let d =
            draft_for(&event("user.created", json!({"userId": user.to_string(), "firstName": null}))).unwrap().unwrap();
        assert!(d.body.starts_with("Welcome to Sojourn!"), "{}", d.body);
    }

    #[test]
    fn security_events_become_account_security_notices() {
        let user = kernel::new_id().to_string();
        for kind in ["user.password_changed", "user.mfa_enabled", "user.mfa_disabled"] {
            let d = draft_for(&event(kind, json!({"userId": user}))).unwrap().unwrap();
            assert_eq!(d.kind, Kind::Topic(Topic::AccountSecurity), "{kind}");
        }
        for (to, expected) in [("suspended", true), ("banned", true), ("active", false)] {
            let d = draft_for(&event("user.status_changed", json!({"userId": user, "to": to, "reason": "secret"})))
                .unwrap();
            assert_eq!(d.is_some(), expected, "{to}");
            if let Some(d) = d {
                assert!(!d.body.contains("secret") && !d.data.to_string().contains("secret"));
            }
        }
    }

    #[test]
    fn other_events_are_ignored_and_bad_ids_are_errors() {
        assert_eq!(draft_for(&event("user.email_verified", json!({"userId": "x"}))), Ok(None));
        assert_eq!(draft_for(&event("booking.confirmed", json!({}))), Ok(None));
        assert!(draft_for(&event("user.mfa_enabled", json!({"userId": "not-a-uuid"}))).is_err());
        // Without `userId` the aggregate id (the user) is used.
        let d = draft_for(&event("user.mfa_enabled", json!({}))).unwrap().unwrap();
        assert_eq!(d.user_id, Uuid::nil());
    }
}
