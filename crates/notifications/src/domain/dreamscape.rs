//! DreamScape's views of the inbox and the preferences: its 7 preference keys (each
//! `{ inApp, email }`) over Sojourn's topic × channel grid, and its page/limit paging.

use kernel::FieldError;
use serde_json::Value;

use super::{Channel, Preferences, Topic};

/// DreamScape's preference keys, in its order, and the topic each one is.
pub const PREFERENCE_KEYS: [(&str, Topic); 7] = [
    ("booking_confirmed", Topic::BookingConfirmation),
    ("booking_cancelled", Topic::BookingCancelled),
    ("payment_succeeded", Topic::PaymentSucceeded),
    ("payment_failed", Topic::PaymentFailed),
    ("refund_processed", Topic::RefundProcessed),
    ("promo_offer", Topic::Promotions),
    ("platform_update", Topic::PlatformUpdate),
];

/// DreamScape's answer to any malformed preferences body, word for word.
pub const INVALID_PREFERENCES: &str = "Invalid notification preferences. Expected keys: booking_confirmed, \
     booking_cancelled, payment_succeeded, payment_failed, refund_processed, promo_offer, platform_update, each \
     with { inApp: boolean, email: boolean }.";

/// The `(topic, channel, on)` choices a full DreamScape preferences object states: every key
/// required with boolean `inApp` and `email`; other keys (at either level) are ignored. Each
/// problem is named (`promo_offer.inApp`).
pub fn parse_preferences(body: &Value) -> Result<Vec<(Topic, Channel, bool)>, Vec<FieldError>> {
    let Some(object) = body.as_object() else {
        return Err(vec![FieldError::new("body", "must be an object")]);
    };
    let mut choices = Vec::new();
    let mut errors = Vec::new();
    for (key, topic) in PREFERENCE_KEYS {
        let Some(channels) = object.get(key).and_then(Value::as_object) else {
            errors.push(FieldError::new(key, "must be an object { inApp: boolean, email: boolean }"));
            continue;
        };
        for (name, channel) in [("inApp", Channel::InApp), ("email", Channel::Email)] {
            match channels.get(name).and_then(Value::as_bool) {
                Some(on) => choices.push((topic, channel, on)),
                None => errors.push(FieldError::new(format!("{key}.{name}"), "must be a boolean")),
            }
        }
    }
    if errors.is_empty() { Ok(choices) } else { Err(errors) }
}

/// The choices among `wanted` that differ from `current`: only what a user changes is stored,
/// so settings they merely sent back unchanged keep following the defaults.
pub fn changes(current: &Preferences, wanted: Vec<(Topic, Channel, bool)>) -> Vec<(Topic, Channel, bool)> {
    wanted.into_iter().filter(|&(topic, channel, on)| current.get(topic).channel(channel) != on).collect()
}

/// DreamScape's page size: 1–50, default 20; values outside are clamped.
pub const MAX_LIMIT: i64 = 50;
pub const DEFAULT_LIMIT: i64 = 20;

/// An integer query value (a 64-bit one, as documented); `None` when it is not one.
pub fn integer(raw: &str) -> Option<i64> {
    raw.trim().parse::<i64>().ok()
}

/// `limit` clamped to 1–50 (DreamScape's rule).
pub fn clamp_limit(limit: Option<i64>) -> u32 {
    let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
    u32::try_from(limit).unwrap_or(1)
}

/// The offset of `page` (at least 1) of `limit` items.
pub fn page_offset(page: Option<i64>, limit: u32) -> u64 {
    let page = u64::try_from(page.unwrap_or(1).max(1)).unwrap_or(1);
    (page - 1).saturating_mul(u64::from(limit)).min(i64::MAX as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn full() -> Value {
        let mut body = json!({});
        for (key, _) in PREFERENCE_KEYS {
            body[key] = json!({"inApp": true, "email": false});
        }
        body
    }

    #[test]
    fn a_full_object_states_fourteen_choices_and_extra_keys_are_ignored() {
        let mut body = full();
        body["sms_everything"] = json!(true);
        body["promo_offer"]["push"] = json!("x");
        let choices = parse_preferences(&body).unwrap();
        assert_eq!(choices.len(), 14);
        assert!(choices.contains(&(Topic::Promotions, Channel::InApp, true)));
        assert!(choices.contains(&(Topic::BookingConfirmation, Channel::Email, false)));
    }

    #[test]
    fn missing_keys_and_non_booleans_are_named() {
        let mut body = full();
        body.as_object_mut().unwrap().remove("platform_update");
        body["promo_offer"]["inApp"] = json!("yes");
        body["refund_processed"] = json!(true);
        let fields: Vec<String> = parse_preferences(&body).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["refund_processed", "promo_offer.inApp", "platform_update"]);
        assert_eq!(parse_preferences(&json!([])).unwrap_err()[0].field, "body");
        assert_eq!(parse_preferences(&json!({})).unwrap_err().len(), 7);
    }

    #[test]
    fn only_differences_are_changes() {
        let current = Preferences::default();
        let wanted = parse_preferences(&full()).unwrap();
        // Defaults: everything on but the e-mails of offers and platform news.
        let changed = changes(&current, wanted);
        assert_eq!(changed.len(), 5, "{changed:?}");
        assert!(changed.iter().all(|&(_, channel, on)| channel == Channel::Email && !on));
    }

    #[test]
    fn paging_clamps_like_dreamscape() {
        assert_eq!(clamp_limit(None), 20);
        assert_eq!(clamp_limit(Some(0)), 1);
        assert_eq!(clamp_limit(Some(-7)), 1);
        assert_eq!(clamp_limit(Some(51)), 50);
        assert_eq!(clamp_limit(Some(i64::MAX)), 50);
        assert_eq!(page_offset(None, 20), 0);
        assert_eq!(page_offset(Some(0), 20), 0);
        assert_eq!(page_offset(Some(3), 20), 40);
        assert_eq!(page_offset(Some(i64::MAX), 50), i64::MAX as u64);
        assert_eq!(integer(" 12 "), Some(12));
        assert_eq!(integer("99999999999999999999999"), None, "beyond the documented int64");
        assert_eq!(integer("1.5"), None);
        assert_eq!(integer("abc"), None);
        assert_eq!(integer(""), None);
        assert_eq!(integer("-"), None);
    }
}
