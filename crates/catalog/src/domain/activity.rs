//! The `activity` block: a guided experience run in sessions (a tour, a class). Each session
//! is its own resource with a start time and a capacity (`/listings/{id}/sessions`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{Errors, absent, amount, int, parse_block, text};

/// The `activity` block, as stored and as sent: every field optional while a draft; fields left
/// out of a change are kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "an activity block: an object of activity fields")]
#[schema(example = json!({"durationMinutes": 120, "pricePerPerson": 3500, "maxParticipants": 12,
    "meetingPoint": "In front of the town hall", "languages": ["fr", "en"], "minAge": 8}))]
pub struct Activity {
    /// 15–1440. Needed to publish.
    #[schema(minimum = 15, maximum = 1440)]
    pub duration_minutes: Option<i64>,
    /// Minor units, 0–100 000 000: the default price of new sessions. Needed to publish.
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub price_per_person: Option<i64>,
    /// 1–1000: the default capacity of new sessions. Needed to publish.
    #[schema(minimum = 1, maximum = 1000)]
    pub max_participants: Option<i64>,
    /// 1–300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub meeting_point: Option<String>,
    /// Up to 10 lower-case language codes the activity is given in, e.g. `fr`, `en`.
    #[schema(max_items = 10)]
    pub languages: Option<Vec<String>>,
    /// 0–99.
    #[schema(minimum = 0, maximum = 99)]
    pub min_age: Option<i64>,
}

pub fn apply(current: &Activity, patch: &Value, errors: &mut Errors) -> Activity {
    let Some(parsed) = parse_block::<Activity>("activity", patch, errors) else { return current.clone() };
    let mut a = current.clone();
    if let Some(v) = parsed.duration_minutes
        && let Some(v) = errors.check("activity.durationMinutes", int(v, 15, 24 * 60))
    {
        a.duration_minutes = Some(v);
    }
    if let Some(v) = parsed.price_per_person
        && let Some(v) = errors.check("activity.pricePerPerson", amount(v, 0, 100_000_000))
    {
        a.price_per_person = Some(v);
    }
    if let Some(v) = parsed.max_participants
        && let Some(v) = errors.check("activity.maxParticipants", int(v, 1, 1000))
    {
        a.max_participants = Some(v);
    }
    if let Some(v) = &parsed.meeting_point
        && let Some(v) = errors.check("activity.meetingPoint", text(v, 1, 300, false))
    {
        a.meeting_point = Some(v);
    }
    if let Some(v) = &parsed.languages {
        let ok = v.len() <= 10
            && v.iter().all(|l| (2..=3).contains(&l.trim().len()) && l.trim().chars().all(|c| c.is_ascii_lowercase()));
        if ok {
            a.languages = Some(v.iter().map(|l| l.trim().to_owned()).collect());
        } else {
            errors.add("activity.languages", "must be up to 10 language codes such as fr or en");
        }
    }
    if let Some(v) = parsed.min_age
        && let Some(v) = errors.check("activity.minAge", int(v, 0, 99))
    {
        a.min_age = Some(v);
    }
    a
}

pub fn missing(a: &Activity) -> Vec<&'static str> {
    absent(&[
        ("activity.durationMinutes", a.duration_minutes.is_some()),
        ("activity.pricePerPerson", a.price_per_person.is_some()),
        ("activity.maxParticipants", a.max_participants.is_some()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validates() {
        let mut e = Errors::default();
        let a = apply(
            &Activity::default(),
            &json!({"durationMinutes": 120, "pricePerPerson": 3500, "maxParticipants": 12, "languages": ["fr", "en"]}),
            &mut e,
        );
        assert!(e.is_empty(), "{:?}", e.0);
        assert!(missing(&a).is_empty());
        apply(&a, &json!({"durationMinutes": 5, "maxParticipants": 0, "languages": ["French"]}), &mut e);
        assert_eq!(e.0.len(), 3);
    }
}
