//! DreamScape's onboarding questionnaire (`PUT /api/v1/users/onboarding/step`): answers are
//! keyed by DreamScape's travel-profile field names. Unlike DreamScape, every field is checked
//! by its type (an unknown field or a wrong type is a 400 naming it, never a 500), enumerations
//! are stored upper-case, and every list and text is bounded.

use serde_json::{Map, Value, json};

use super::settings::{bounded_json, text_list};

/// DreamScape's step keys, in its recommended order (they make `totalSteps`).
pub const KNOWN_STEPS: [&str; 13] = [
    "destinations",
    "budget",
    "travel_types",
    "timing",
    "accommodation",
    "transport",
    "activities",
    "group_travel",
    "special_needs",
    "comfort_service",
    "climate",
    "experience",
    "loyalty_payment",
];
/// Steps that must be completed before onboarding can be.
pub const REQUIRED: [&str; 5] = ["destinations", "budget", "travel_types", "accommodation", "transport"];
/// The steps of DreamScape's web-client wizard, in its order.
pub const WIZARD: [&str; 7] =
    ["destinations", "budget", "travel_types", "style_comfort", "accommodation", "transport", "activities"];
/// At most this many step keys are recorded as completed.
pub const MAX_COMPLETED: usize = 50;

pub const TRAVEL_TYPES: &[&str] = &[
    "ADVENTURE",
    "CULTURAL",
    "RELAXATION",
    "BUSINESS",
    "FAMILY",
    "ROMANTIC",
    "WELLNESS",
    "EDUCATIONAL",
    "CULINARY",
    "SHOPPING",
    "NIGHTLIFE",
    "NATURE",
    "URBAN",
    "BEACH",
    "MOUNTAIN",
    "HISTORICAL",
];
const TRAVEL_STYLE: &[&str] = &["PLANNED", "SPONTANEOUS", "MIXED"];
const COMFORT: &[&str] = &["BASIC", "STANDARD", "PREMIUM", "LUXURY"];
const BUDGET_FLEX: &[&str] = &["STRICT", "FLEXIBLE", "VERY_FLEXIBLE"];
const DATE_FLEX: &[&str] = &["FLEXIBLE", "SEMI_FLEXIBLE", "FIXED"];
const ACTIVITY_LEVEL: &[&str] = &["LOW", "MODERATE", "HIGH", "VERY_HIGH"];
const RISK: &[&str] = &["CONSERVATIVE", "MODERATE", "ADVENTUROUS"];

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A list of short texts.
    Texts,
    /// One value of an enumeration (any case; stored upper-case).
    Enum(&'static [&'static str]),
    /// A list of values of an enumeration.
    Enums(&'static [&'static str]),
    /// A short text.
    Text,
    Bool,
    /// A number from 0 to 100.
    Share,
    /// Ages of children, 0–17.
    Ages,
    /// A small JSON object stored as sent.
    Object,
    /// A small JSON list stored as sent.
    List,
    /// `{ min, max, currency }`.
    BudgetRange,
    /// `{ regions?, countries?, climates?, destinations?, … }`: lists of texts.
    Destinations,
}

/// Every field a step may set, with its type.
pub const FIELDS: &[(&str, Kind)] = &[
    ("preferredDestinations", Kind::Destinations),
    ("travelStyle", Kind::Enum(TRAVEL_STYLE)),
    ("globalBudgetRange", Kind::BudgetRange),
    ("budgetByCategory", Kind::Object),
    ("budgetFlexibility", Kind::Enum(BUDGET_FLEX)),
    ("travelTypes", Kind::Enums(TRAVEL_TYPES)),
    ("travelPurposes", Kind::Texts),
    ("preferredSeasons", Kind::Texts),
    ("preferredTripDuration", Kind::Object),
    ("dateFlexibility", Kind::Enum(DATE_FLEX)),
    ("accommodationTypes", Kind::Texts),
    ("accommodationLevel", Kind::Enum(COMFORT)),
    ("roomPreferences", Kind::Object),
    ("preferredAirlines", Kind::Texts),
    ("cabinClassPreference", Kind::Text),
    ("transportModes", Kind::Texts),
    ("transportBudgetShare", Kind::Share),
    ("activityTypes", Kind::Texts),
    ("interestCategories", Kind::Texts),
    ("activityLevel", Kind::Enum(ACTIVITY_LEVEL)),
    ("travelGroupTypes", Kind::Texts),
    ("groupSize", Kind::Object),
    ("travelWithChildren", Kind::Bool),
    ("childrenAges", Kind::Ages),
    ("dietaryRequirements", Kind::Texts),
    ("accessibilityNeeds", Kind::Texts),
    ("healthConsiderations", Kind::Texts),
    ("languageBarriers", Kind::Texts),
    ("culturalConsiderations", Kind::Texts),
    ("comfortLevel", Kind::Enum(COMFORT)),
    ("serviceLevel", Kind::Text),
    ("privacyPreference", Kind::Text),
    ("climatePreferences", Kind::Texts),
    ("weatherTolerances", Kind::Object),
    ("experienceLevel", Kind::Text),
    ("riskTolerance", Kind::Enum(RISK)),
    ("culturalImmersion", Kind::Text),
    ("loyaltyPrograms", Kind::List),
    ("paymentPreferences", Kind::Texts),
];

/// Fields of the profile a step cannot set.
const READ_ONLY: &[&str] =
    &["id", "userId", "isCompleted", "completedSteps", "completedAt", "version", "createdAt", "updatedAt", "user"];

/// One problem, as DreamScape's `validationErrors` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub field: String,
    pub message: String,
    pub value: Value,
}

/// A step key: 1–50 letters, digits, `_` or `-` (DreamScape accepts any; unknown keys count).
pub fn step_key(raw: &str) -> Result<String, &'static str> {
    let v = raw.trim();
    if v.is_empty() || v.len() > 50 || !v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-')) {
        return Err("must be a step key of 1 to 50 letters, digits, '_' or '-'");
    }
    Ok(v.to_owned())
}

fn enum_value(v: &Value, allowed: &[&str]) -> Option<String> {
    let upper = v.as_str()?.trim().to_ascii_uppercase();
    allowed.contains(&upper.as_str()).then_some(upper)
}

fn strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?.iter().map(|i| i.as_str().map(str::to_owned)).collect()
}

fn check(kind: Kind, field: &str, v: &Value) -> Result<Value, String> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    match kind {
        Kind::Texts => strings(v)
            .ok_or_else(|| "must be a list of texts".to_owned())
            .and_then(|l| text_list(&l).map(|l| json!(l)).map_err(str::to_owned)),
        Kind::Enum(allowed) => {
            enum_value(v, allowed).map(Value::String).ok_or_else(|| format!("must be one of {}", allowed.join(", ")))
        }
        Kind::Enums(allowed) => {
            let items = v.as_array().filter(|a| a.len() <= allowed.len() * 2);
            let values: Option<Vec<String>> = items.and_then(|a| a.iter().map(|i| enum_value(i, allowed)).collect());
            let values = values.ok_or_else(|| format!("must be a list of {}", allowed.join(", ")))?;
            let mut unique: Vec<String> = Vec::new();
            for value in values {
                if !unique.contains(&value) {
                    unique.push(value);
                }
            }
            Ok(json!(unique))
        }
        Kind::Text => v
            .as_str()
            .map(str::trim)
            .filter(|s| s.chars().count() <= 100 && !s.chars().any(|c| matches!(c, '<' | '>') || c.is_control()))
            .map(|s| json!(s))
            .ok_or_else(|| "must be a text of at most 100 characters".to_owned()),
        Kind::Bool => v.as_bool().map(Value::Bool).ok_or_else(|| "must be true or false".to_owned()),
        Kind::Share => v
            .as_f64()
            .filter(|n| (0.0..=100.0).contains(n))
            .map(|n| json!(n))
            .ok_or_else(|| "must be a number from 0 to 100".to_owned()),
        Kind::Ages => v
            .as_array()
            .filter(|a| a.len() <= 20)
            .and_then(|a| a.iter().map(|i| i.as_i64().filter(|n| (0..=17).contains(n))).collect::<Option<Vec<_>>>())
            .map(|a| json!(a))
            .ok_or_else(|| "must be a list of at most 20 ages from 0 to 17".to_owned()),
        Kind::Object | Kind::List => {
            let shape_ok = if matches!(kind, Kind::Object) { v.is_object() } else { v.is_array() };
            if !shape_ok {
                return Err(if matches!(kind, Kind::Object) { "must be an object" } else { "must be a list" }.into());
            }
            bounded_json(v, 4096, 3).map(|()| v.clone()).map_err(str::to_owned)
        }
        Kind::BudgetRange | Kind::Destinations => Err(format!("{field} is checked by its own rule")),
    }
}

/// DreamScape's budget rule, with the currency checked as an ISO 4217 code.
fn budget_range(v: &Value, issues: &mut Vec<Issue>) -> Option<Value> {
    let Some(map) = v.as_object() else {
        issues.push(issue("globalBudgetRange", "must be an object { min, max, currency }", v));
        return None;
    };
    let before = issues.len();
    let amount = |k: &str| map.get(k).and_then(Value::as_f64).filter(|n| (0.0..=1e12).contains(n));
    let (min, max) = (amount("min"), amount("max"));
    if min.is_none() {
        issues.push(issue("globalBudgetRange.min", "Minimum budget must be a positive number", &map["min"]));
    }
    if max.is_none() {
        issues.push(issue("globalBudgetRange.max", "Maximum budget must be a positive number", &map["max"]));
    }
    if let (Some(min), Some(max)) = (min, max)
        && min >= max
    {
        issues.push(issue("globalBudgetRange", "Minimum budget must be less than maximum budget", v));
    }
    let currency = map.get("currency").and_then(Value::as_str).and_then(|c| kernel::Currency::parse(c).ok());
    if currency.is_none() {
        let got = map.get("currency").unwrap_or(&Value::Null);
        issues.push(issue("globalBudgetRange.currency", "Currency is required and must be an ISO 4217 code", got));
    }
    if map.len() > 3 {
        issues.push(issue("globalBudgetRange", "must have only min, max and currency", v));
    }
    (issues.len() == before).then(|| json!({"min": min, "max": max, "currency": currency.map(|c| c.to_string())}))
}

fn destinations(v: &Value, issues: &mut Vec<Issue>) -> Option<Value> {
    let Some(map) = v.as_object().filter(|m| m.len() <= 10) else {
        issues.push(issue("preferredDestinations", "must be an object of at most 10 lists", v));
        return None;
    };
    let before = issues.len();
    let mut out = Map::new();
    for (key, list) in map {
        let field = format!("preferredDestinations.{key}");
        let named = match key.as_str() {
            "regions" => "Regions must be an array",
            "countries" => "Countries must be an array",
            "climates" => "Climates must be an array",
            _ => "must be a list of texts",
        };
        match strings(list).map(|l| text_list(&l)) {
            Some(Ok(l)) if key.len() <= 40 && !key.chars().any(char::is_control) => {
                out.insert(key.clone(), json!(l));
            }
            Some(Err(e)) => issues.push(issue(&field, e, list)),
            _ => issues.push(issue(&field, named, list)),
        }
    }
    (issues.len() == before).then_some(Value::Object(out))
}

fn issue(field: &str, message: &str, value: &Value) -> Issue {
    Issue { field: field.to_owned(), message: message.to_owned(), value: value.clone() }
}

/// Checks the `data` of one step. Returns the fields to store (`null`: forget the field), or
/// every problem found.
pub fn validate(step: &str, data: &Map<String, Value>) -> Result<Map<String, Value>, Vec<Issue>> {
    let mut issues = Vec::new();
    let mut out = Map::new();
    for (key, value) in data {
        let Some((_, kind)) = FIELDS.iter().find(|(name, _)| name == key) else {
            let message =
                if READ_ONLY.contains(&key.as_str()) { "is read-only" } else { "is not a travel-profile field" };
            issues.push(issue(key, message, value));
            continue;
        };
        let checked = match kind {
            _ if value.is_null() => Some(Value::Null),
            Kind::BudgetRange => budget_range(value, &mut issues),
            Kind::Destinations => destinations(value, &mut issues),
            kind => match check(*kind, key, value) {
                Ok(v) => Some(v),
                Err(message) => {
                    issues.push(issue(key, &message, value));
                    None
                }
            },
        };
        if let Some(v) = checked {
            out.insert(key.clone(), v);
        }
    }
    if step == "group_travel"
        && data.get("travelWithChildren") == Some(&Value::Bool(true))
        && !data.get("childrenAges").is_some_and(Value::is_array)
    {
        let got = data.get("childrenAges").unwrap_or(&Value::Null);
        issues.push(issue("childrenAges", "Children ages must be provided when traveling with children", got));
    }
    if issues.is_empty() { Ok(out) } else { Err(issues) }
}

/// The fields as the profile answers them: lists default to `[]`, `travelWithChildren` to
/// `false`, other unset values to `null`; unset objects are left out (as DreamScape does).
pub fn with_defaults(answers: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, kind) in FIELDS {
        let value = match (answers.get(*name), kind) {
            (Some(v), _) => v.clone(),
            (None, Kind::Texts | Kind::Enums(_) | Kind::Ages) => json!([]),
            (None, Kind::Bool) => json!(false),
            (None, Kind::Object | Kind::List | Kind::BudgetRange | Kind::Destinations) => continue,
            (None, _) => Value::Null,
        };
        out.insert((*name).to_owned(), value);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn the_web_clients_steps_are_accepted_and_normalised() {
        let budget = obj(
            json!({"globalBudgetRange": {"min": 500, "max": 3000, "currency": "eur"}, "budgetFlexibility": "flexible"}),
        );
        let out = validate("budget", &budget).unwrap();
        assert_eq!(out["globalBudgetRange"], json!({"min": 500.0, "max": 3000.0, "currency": "EUR"}));
        assert_eq!(out["budgetFlexibility"], "FLEXIBLE");
        let types = validate("travel_types", &obj(json!({"travelTypes": ["beach", "CULTURAL", "beach"]}))).unwrap();
        assert_eq!(types["travelTypes"], json!(["BEACH", "CULTURAL"]));
        let dest = obj(
            json!({"preferredDestinations": {"destinations": ["Kyoto"], "bucketList": [], "destinationTypes": ["city"]}}),
        );
        assert!(validate("destinations", &dest).is_ok());
        assert!(validate("style_comfort", &obj(json!({"travelStyle": "PLANNED", "comfortLevel": "luxury"}))).is_ok());
    }

    #[test]
    fn problems_name_their_field() {
        let errs = validate("budget", &obj(json!({"globalBudgetRange": {"min": 900, "max": 100, "currency": ""}})))
            .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["globalBudgetRange", "globalBudgetRange.currency"]);
        let errs = validate("x", &obj(json!({"isCompleted": true, "bogus": 1, "travelStyle": "lazy"}))).unwrap_err();
        assert_eq!(errs.len(), 3);
        let errs = validate("group_travel", &obj(json!({"travelWithChildren": true}))).unwrap_err();
        assert_eq!(errs[0].field, "childrenAges");
        assert!(validate("destinations", &obj(json!({"preferredDestinations": {"regions": "Europe"}}))).is_err());
        assert!(step_key("style_comfort").is_ok() && step_key("a b").is_err() && step_key("").is_err());
    }
}
