//! DreamScape's settings object (`GET`/`PUT /api/v1/users/profile`): the sections a client
//! sends back, and the rules of the values only DreamScape has (language names, visibility,
//! travel lists, the dashboard's travel preferences). Every section and field is optional;
//! keys a client echoes that are not listed here are ignored.

use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// Defaults of a setting that was never set (DreamScape's).
pub const DEFAULT_LANGUAGE: &str = "en";
pub const DEFAULT_CURRENCY: &str = "USD";
pub const DEFAULT_TIMEZONE: &str = "UTC";
pub const DEFAULT_THEME: &str = "system";
pub const DEFAULT_VISIBILITY: &str = "public";
/// The four travel lists, in the order they are shown.
pub const TRAVEL_LISTS: [&str; 4] = ["preferredDestinations", "accommodationType", "activities", "dietary"];
pub const LIST_MAX: usize = 50;
pub const ITEM_MAX: usize = 100;

/// Language tags and the names DreamScape's web client shows and sends.
const LANGUAGES: &[(&str, &str)] = &[
    ("en", "English"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("de", "German"),
    ("it", "Italian"),
    ("pt", "Portuguese"),
    ("nl", "Dutch"),
    ("ja", "Japanese"),
    ("zh", "Chinese"),
    ("ar", "Arabic"),
];

/// A language given as a tag (`fr`, `pt-BR`) or a name (`French`, any case); returns the tag.
pub fn language(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    if let Some((tag, _)) = LANGUAGES.iter().find(|(_, name)| name.eq_ignore_ascii_case(v)) {
        return Ok((*tag).to_owned());
    }
    super::profile::language(v).map_err(|_| "must be a language tag such as `fr` or a name such as `French`")
}

/// What DreamScape's client shows for a tag: `English`, `French`, …; other tags as they are.
pub fn language_name(tag: &str) -> String {
    LANGUAGES.iter().find(|(t, _)| *t == tag).map_or_else(|| tag.to_owned(), |(_, name)| (*name).to_owned())
}

pub fn visibility(raw: &str) -> Result<String, &'static str> {
    match raw.trim().to_ascii_lowercase().as_str() {
        v @ ("public" | "private") => Ok(v.to_owned()),
        _ => Err("must be public or private"),
    }
}

pub fn nationality(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    let ok = (2..=56).contains(&v.chars().count())
        && v.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '-' | '\'' | '.'));
    if ok { Ok(v.to_owned()) } else { Err("must be a country or nationality of 2 to 56 letters") }
}

/// DreamScape's `userCategory` (`LEISURE` or `BUSINESS`, any case) as the account stores it:
/// `leisure` or `business`.
pub fn user_category(raw: &str) -> Result<String, &'static str> {
    match raw.trim().to_ascii_lowercase().as_str() {
        c @ ("leisure" | "business") => Ok(c.to_owned()),
        _ => Err("must be LEISURE or BUSINESS"),
    }
}

/// A short free label (cabin class, seat, travel style): 1–40 characters of plain text.
pub fn label(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.is_empty() || v.chars().count() > 40 || v.chars().any(|c| matches!(c, '<' | '>') || c.is_control()) {
        return Err("must be 1 to 40 characters of plain text");
    }
    Ok(v.to_owned())
}

/// A list of short texts: at most 50, each 1–100 characters of plain text; duplicates (ignoring
/// case) dropped.
pub fn text_list(items: &[String]) -> Result<Vec<String>, &'static str> {
    if items.len() > LIST_MAX {
        return Err("must list at most 50 items");
    }
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let v = item.trim();
        if v.is_empty() || v.chars().count() > ITEM_MAX || v.chars().any(|c| matches!(c, '<' | '>') || c.is_control()) {
            return Err("items must be 1 to 100 characters of plain text");
        }
        if !out.iter().any(|o| o.eq_ignore_ascii_case(v)) {
            out.push(v.to_owned());
        }
    }
    Ok(out)
}

/// The name DreamScape shows: the username, else first and last name, else `""`.
pub fn display_name(username: Option<&str>, first: Option<&str>, last: Option<&str>) -> String {
    match username {
        Some(u) => u.to_owned(),
        None => format!("{} {}", first.unwrap_or(""), last.unwrap_or("")).trim().to_owned(),
    }
}

/// A JSON value a client stores verbatim: at most `max_bytes` once serialised and `max_depth`
/// levels of nesting, and no control characters in its texts and keys (but line breaks and
/// tabs; PostgreSQL cannot store `\u0000`).
pub fn bounded_json(value: &Value, max_bytes: usize, max_depth: usize) -> Result<(), &'static str> {
    fn clean(s: &str) -> bool {
        !s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    }
    fn texts_ok(v: &Value) -> bool {
        match v {
            Value::String(s) => clean(s),
            Value::Array(items) => items.iter().all(texts_ok),
            Value::Object(map) => map.iter().all(|(k, v)| clean(k) && texts_ok(v)),
            _ => true,
        }
    }
    fn depth(v: &Value) -> usize {
        match v {
            Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
            Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    if serde_json::to_vec(value).map_or(usize::MAX, |b| b.len()) > max_bytes {
        return Err("is too large");
    }
    if depth(value) > max_depth {
        return Err("is nested too deeply");
    }
    if !texts_ok(value) {
        return Err("must not contain control characters");
    }
    Ok(())
}

/// The body of `PUT /api/v1/users/profile`: the object `GET` answers, each part optional.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SettingsUpdate {
    pub profile: Option<ProfileSection>,
    pub preferences: Option<PreferencesSection>,
    pub notifications: Option<NotificationsSection>,
    pub privacy: Option<PrivacySection>,
    pub travel: Option<TravelSection>,
    /// Our earlier flat shape, still accepted: the same as `profile.firstName`, ….
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone_number: Option<String>,
    pub avatar: Option<String>,
    pub bio: Option<String>,
    pub date_of_birth: Option<String>,
    /// The same as `preferences.{language, currency, timezone, theme}`.
    pub settings: Option<FlatSettings>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct FlatSettings {
    pub language: Option<String>,
    pub currency: Option<String>,
    pub timezone: Option<String>,
    pub theme: Option<String>,
}

impl SettingsUpdate {
    /// Folds the flat fields into the sections (a section's own value wins).
    pub fn folded(mut self) -> Self {
        let p = self.profile.get_or_insert_with(ProfileSection::default);
        for (slot, flat) in [
            (&mut p.first_name, self.first_name.take()),
            (&mut p.last_name, self.last_name.take()),
            (&mut p.phone_number, self.phone_number.take()),
            (&mut p.avatar, self.avatar.take()),
            (&mut p.bio, self.bio.take()),
            (&mut p.date_of_birth, self.date_of_birth.take()),
        ] {
            if slot.is_none() {
                *slot = flat;
            }
        }
        if let Some(flat) = self.settings.take() {
            let pr = self.preferences.get_or_insert_with(PreferencesSection::default);
            for (slot, v) in [
                (&mut pr.language, flat.language),
                (&mut pr.currency, flat.currency),
                (&mut pr.timezone, flat.timezone),
                (&mut pr.theme, flat.theme),
            ] {
                if slot.is_none() {
                    *slot = v;
                }
            }
        }
        self
    }
}

/// A value equal to the current one changes nothing, so a client may send back what it read.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSection {
    /// The name shown: changes the username if the account has one, else the first and last
    /// name (split at the first space).
    pub name: Option<String>,
    /// A new address must be verified again.
    pub email: Option<String>,
    /// An `https://` URL (or our own avatar URL); `null` and `""` change nothing.
    pub photo: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub phone_number: Option<String>,
    /// `""` removes the avatar.
    pub avatar: Option<String>,
    pub bio: Option<String>,
    /// `YYYY-MM-DD` (or an ISO date-time); at least 13 years ago.
    pub date_of_birth: Option<String>,
    pub nationality: Option<String>,
    /// `LEISURE` or `BUSINESS`.
    pub user_category: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesSection {
    /// A tag (`fr`) or a name (`French`).
    pub language: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// `light`, `dark` or `system`.
    pub theme: Option<String>,
    /// The same as `language` (what `GET` answers as the tag).
    pub language_code: Option<String>,
    /// The dashboard's name of `currency`.
    pub preferred_currency: Option<String>,
    /// The dashboard's name of `language`.
    pub preferred_language: Option<String>,
    pub travel_class: Option<String>,
    pub seat_preference: Option<String>,
    pub travel_style: Option<String>,
    #[schema(max_items = 50)]
    pub meal_preference: Option<Vec<String>>,
    #[schema(max_items = 50)]
    pub destinations: Option<Vec<String>>,
    pub budget_range: Option<BudgetRange>,
    pub notifications: Option<ChannelToggles>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct BudgetRange {
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub min: Option<f64>,
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    pub max: Option<f64>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ChannelToggles {
    pub email: Option<bool>,
    pub sms: Option<bool>,
    pub push: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationsSection {
    pub deal_alerts: Option<bool>,
    pub trip_reminders: Option<bool>,
    pub price_alerts: Option<bool>,
    pub newsletter: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrivacySection {
    /// `public` or `private`.
    pub profile_visibility: Option<String>,
    pub data_sharing: Option<bool>,
    pub marketing: Option<bool>,
}

/// Each list replaces the stored one: at most 50 items of 1–100 characters.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TravelSection {
    #[schema(max_items = 50)]
    pub preferred_destinations: Option<Vec<String>>,
    #[schema(max_items = 50)]
    pub accommodation_type: Option<Vec<String>>,
    #[schema(max_items = 50)]
    pub activities: Option<Vec<String>>,
    #[schema(max_items = 50)]
    pub dietary: Option<Vec<String>>,
}

impl TravelSection {
    pub fn lists(&self) -> [(&'static str, Option<&Vec<String>>); 4] {
        [
            ("preferredDestinations", self.preferred_destinations.as_ref()),
            ("accommodationType", self.accommodation_type.as_ref()),
            ("activities", self.activities.as_ref()),
            ("dietary", self.dietary.as_ref()),
        ]
    }
}

/// The dashboard's travel preferences of `p`, checked: `(field, value)` pairs to store (`null`:
/// forget it, for a label sent as `""`), and the problems, one per field.
pub fn dashboard_preferences(p: &PreferencesSection) -> (Map<String, Value>, Vec<(&'static str, &'static str)>) {
    let mut out = Map::new();
    let mut errors = Vec::new();
    let mut put = |key: &'static str, result: Result<Value, &'static str>| match result {
        Ok(v) => {
            out.insert(key.to_owned(), v);
        }
        Err(e) => errors.push((key, e)),
    };
    for (key, value) in
        [("travelClass", &p.travel_class), ("seatPreference", &p.seat_preference), ("travelStyle", &p.travel_style)]
    {
        match value.as_deref().map(str::trim) {
            None => {}
            Some("") => put(key, Ok(Value::Null)),
            Some(v) => put(key, label(v).map(Value::String)),
        }
    }
    for (key, value) in [("mealPreference", &p.meal_preference), ("destinations", &p.destinations)] {
        if let Some(items) = value {
            put(key, text_list(items).map(|l| json!(l)));
        }
    }
    if let Some(range) = &p.budget_range {
        let valid = |n: Option<f64>| n.is_none_or(|n| n.is_finite() && (0.0..=1e9).contains(&n));
        let result = if !valid(range.min) || !valid(range.max) {
            Err("min and max must be amounts from 0 to 1000000000")
        } else if range.min.zip(range.max).is_some_and(|(min, max)| min > max) {
            Err("min must not exceed max")
        } else {
            Ok(json!({"min": range.min, "max": range.max}))
        };
        put("budgetRange", result);
    }
    if let Some(n) = &p.notifications {
        put("notifications", Ok(json!({"email": n.email, "sms": n.sms, "push": n.push})));
    }
    (out, errors)
}

/// The dashboard keys kept in the stored preferences, in the order they are answered.
pub const DASHBOARD_KEYS: [&str; 7] =
    ["travelClass", "seatPreference", "mealPreference", "budgetRange", "destinations", "travelStyle", "notifications"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_by_tag_or_name() {
        assert_eq!(language("French"), Ok("fr".into()));
        assert_eq!(language("english"), Ok("en".into()));
        assert_eq!(language("pt-BR"), Ok("pt-BR".into()));
        assert!(language("Klingon").is_err());
        assert_eq!(language_name("fr"), "French");
        assert_eq!(language_name("pt-BR"), "pt-BR");
    }

    #[test]
    fn rules() {
        assert_eq!(visibility("Private"), Ok("private".into()));
        assert!(visibility("friends").is_err());
        assert_eq!(user_category("BUSINESS"), Ok("business".into()));
        assert!(nationality("French").is_ok() && nationality("<b>").is_err());
        assert_eq!(
            text_list(&["Paris".into(), "paris".into(), " Rome ".into()]),
            Ok(vec!["Paris".into(), "Rome".into()])
        );
        assert!(text_list(&vec!["x".to_owned(); 51]).is_err());
        assert!(text_list(&[String::new()]).is_err());
        assert_eq!(display_name(None, Some("Ana"), None), "Ana");
        assert_eq!(display_name(Some("ana"), Some("Ana"), Some("Lima")), "ana");
        assert!(bounded_json(&json!({"a": {"b": {"c": 1}}}), 100, 2).is_err());
        assert!(bounded_json(&json!({"a": [1, 2]}), 100, 2).is_ok());
        assert!(bounded_json(&json!({"a": "x\u{0}"}), 100, 2).is_err());
        assert!(bounded_json(&json!({"\u{0}": 1}), 100, 2).is_err());
    }

    #[test]
    fn dashboard_preferences_are_checked() {
        let p = PreferencesSection {
            travel_class: Some("Economy".into()),
            budget_range: Some(BudgetRange { min: Some(500.0), max: Some(100.0) }),
            meal_preference: Some(vec!["vegan".into()]),
            ..Default::default()
        };
        let (out, errors) = dashboard_preferences(&p);
        assert_eq!(out["travelClass"], "Economy");
        assert_eq!(out["mealPreference"], json!(["vegan"]));
        assert_eq!(errors, vec![("budgetRange", "min must not exceed max")]);
    }
}
