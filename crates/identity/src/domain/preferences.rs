//! The AI-preferences document (DreamScape's `GET /api/v1/ai/users/{userId}/preferences`): a
//! user's travel preferences in one normalised shape for recommendation engines. Built from
//! DreamScape's questionnaire answers; where a section was answered only through our own six
//! steps, those answers fill it.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// What the document is built from.
pub struct Source<'a> {
    pub user_id: Uuid,
    pub completed: bool,
    pub completed_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    pub answers: &'a Map<String, Value>,
    pub steps: &'a Map<String, Value>,
    pub completed_steps: &'a [String],
    pub version: i64,
}

/// Our travel styles that name one of DreamScape's travel types.
const STYLE_TYPES: &[(&str, &str)] = &[
    ("adventure", "adventure"),
    ("relaxation", "relaxation"),
    ("culture", "cultural"),
    ("nature", "nature"),
    ("city", "urban"),
    ("beach", "beach"),
    ("family", "family"),
    ("romantic", "romantic"),
    ("business", "business"),
    ("wellness", "wellness"),
];
/// Our budget levels as comfort levels.
const LEVEL_COMFORT: &[(&str, &str)] =
    &[("budget", "basic"), ("moderate", "standard"), ("comfort", "premium"), ("luxury", "luxury")];

fn lower(v: Option<&Value>) -> Value {
    v.and_then(Value::as_str).map_or(Value::Null, |s| json!(s.to_ascii_lowercase()))
}

fn non_empty(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
}

impl Source<'_> {
    fn answer(&self, key: &str) -> Option<&Value> {
        non_empty(self.answers.get(key))
    }

    fn ours(&self, step: &str, key: &str) -> Option<&Value> {
        non_empty(self.steps.get(step).and_then(|s| s.get(key)))
    }

    /// DreamScape's list `key`, else our `step.field`, else `[]`.
    fn list(&self, key: &str, fallback: Option<(&str, &str)>) -> Value {
        self.answer(key)
            .or_else(|| fallback.and_then(|(step, field)| self.ours(step, field)))
            .cloned()
            .unwrap_or_else(|| json!([]))
    }

    fn destination_list(&self, key: &str, fallback: Option<&str>) -> Value {
        non_empty(self.answers.get("preferredDestinations").and_then(|d| d.get(key)))
            .or_else(|| fallback.and_then(|f| self.ours("destinations", f)))
            .cloned()
            .unwrap_or_else(|| json!([]))
    }

    fn travel_types(&self) -> Value {
        if let Some(Value::Array(types)) = self.answer("travelTypes") {
            return json!(types.iter().filter_map(Value::as_str).map(str::to_ascii_lowercase).collect::<Vec<_>>());
        }
        let styles = self.ours("travel_style", "styles").and_then(Value::as_array);
        let mapped: Vec<&str> = styles
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|s| STYLE_TYPES.iter().find(|(ours, _)| *ours == s).map(|(_, t)| *t))
            .collect();
        json!(mapped)
    }

    fn comfort_level(&self) -> Value {
        match self.answer("accommodationLevel") {
            Some(v) => lower(Some(v)),
            None => self
                .ours("budget", "level")
                .and_then(Value::as_str)
                .and_then(|l| LEVEL_COMFORT.iter().find(|(ours, _)| *ours == l))
                .map_or(Value::Null, |(_, c)| json!(c)),
        }
    }

    fn with_children(&self) -> bool {
        match self.answers.get("travelWithChildren").and_then(Value::as_bool) {
            Some(b) => b,
            None => self.ours("constraints", "children").and_then(Value::as_i64).is_some_and(|n| n > 0),
        }
    }
}

/// Inserts `key: value` unless `value` is absent.
fn put_some(map: &mut Map<String, Value>, key: &str, value: Option<&Value>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), v.clone());
    }
}

/// The document. `dataQuality.completeness` is the share (0–100) of ten signals present:
/// destinations, budget, travel types, travel style, accommodation types, comfort level,
/// transport modes, activities, timing and constraints; `confidence` is the same once onboarding
/// is completed, half of it before.
pub fn document(s: &Source<'_>) -> Value {
    let mut budget = Map::new();
    put_some(&mut budget, "globalRange", s.answer("globalBudgetRange"));
    put_some(&mut budget, "byCategory", s.answer("budgetByCategory"));
    budget.insert("flexibility".into(), lower(s.answer("budgetFlexibility")));
    let mut timing = json!({"preferredSeasons": s.list("preferredSeasons", None),
                            "dateFlexibility": lower(s.answer("dateFlexibility"))});
    if let (Some(map), Some(d)) = (timing.as_object_mut(), s.answer("preferredTripDuration")) {
        map.insert("typicalDuration".into(), d.clone());
    }
    let with = |mut section: Value, pairs: &[(&str, &str)]| {
        if let Some(map) = section.as_object_mut() {
            for (key, from) in pairs {
                put_some(map, key, s.answer(from));
            }
        }
        section
    };
    let accommodation = with(
        json!({"types": s.list("accommodationTypes", Some(("accommodation", "types"))), "comfortLevel": s.comfort_level()}),
        &[("serviceLevel", "serviceLevel"), ("privacyPreference", "privacyPreference")],
    );
    let transport = with(
        json!({"preferredAirlines": s.list("preferredAirlines", None), "modes": s.list("transportModes", None)}),
        &[("cabinClass", "cabinClassPreference"), ("budgetShare", "transportBudgetShare")],
    );
    let experience = with(
        json!({"riskTolerance": lower(s.answer("riskTolerance"))}),
        &[("level", "experienceLevel"), ("culturalImmersion", "culturalImmersion")],
    );
    let climate =
        with(json!({"preferences": s.list("climatePreferences", None)}), &[("tolerances", "weatherTolerances")]);
    let loyalty =
        with(json!({"paymentPreferences": s.list("paymentPreferences", None)}), &[("programs", "loyaltyPrograms")]);
    let preferences = json!({
        "destinations": {
            "regions": s.destination_list("regions", Some("regions")),
            "countries": s.destination_list("countries", Some("countries")),
            "climates": s.destination_list("climates", None),
        },
        "budget": budget,
        "travel": {
            "types": s.travel_types(),
            "purposes": s.list("travelPurposes", None),
            "style": lower(s.answer("travelStyle")),
            "groupTypes": s.list("travelGroupTypes", None),
            "travelWithChildren": s.with_children(),
            "childrenAges": s.list("childrenAges", None),
        },
        "timing": timing,
        "accommodation": accommodation,
        "transport": transport,
        "activities": {
            "types": s.list("activityTypes", None),
            "interests": s.list("interestCategories", Some(("activities", "interests"))),
            "activityLevel": lower(s.answer("activityLevel")),
        },
        "constraints": {
            "dietary": s.list("dietaryRequirements", Some(("constraints", "dietary"))),
            "accessibility": s.list("accessibilityNeeds", Some(("constraints", "accessibility"))),
            "health": s.list("healthConsiderations", None),
            "cultural": s.list("culturalConsiderations", None),
            "languages": s.list("languageBarriers", None),
        },
        "experience": experience,
        "climate": climate,
        "loyalty": loyalty,
    });
    let completeness = completeness(&preferences, s);
    let confidence = if s.completed { completeness } else { completeness / 2 };
    json!({
        "userId": s.user_id,
        "isOnboardingCompleted": s.completed,
        "onboardingCompletedAt": s.completed_at,
        "lastUpdated": s.updated_at,
        "preferences": preferences,
        "metadata": {
            "completedSteps": s.completed_steps,
            "profileVersion": s.version,
            "dataQuality": {"completeness": completeness, "confidence": confidence},
        },
    })
}

fn completeness(p: &Value, s: &Source<'_>) -> u32 {
    let filled = |v: &Value| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty());
    let signals = [
        filled(&p["destinations"]["regions"])
            || filled(&p["destinations"]["countries"])
            || s.answer("preferredDestinations").is_some()
            || s.steps.contains_key("destinations"),
        p["budget"].get("globalRange").is_some() || s.steps.contains_key("budget"),
        filled(&p["travel"]["types"]),
        filled(&p["travel"]["style"]),
        filled(&p["accommodation"]["types"]),
        filled(&p["accommodation"]["comfortLevel"]),
        filled(&p["transport"]["modes"]),
        filled(&p["activities"]["types"]) || filled(&p["activities"]["interests"]),
        filled(&p["timing"]["preferredSeasons"]) || filled(&p["timing"]["dateFlexibility"]),
        filled(&p["constraints"]["dietary"])
            || filled(&p["constraints"]["accessibility"])
            || s.steps.contains_key("constraints"),
    ];
    u32::try_from(signals.iter().filter(|b| **b).count() * 10).unwrap_or(100)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn answers_and_our_steps_both_feed_the_document() {
        let answers = json!({"travelTypes": ["BEACH"], "travelStyle": "PLANNED", "accommodationLevel": "LUXURY",
                             "globalBudgetRange": {"min": 1.0, "max": 2.0, "currency": "EUR"}});
        let steps = json!({"destinations": {"regions": ["asia"]}, "activities": {"interests": ["food"]}});
        let source = Source {
            user_id: Uuid::nil(),
            completed: false,
            completed_at: None,
            updated_at: Utc::now(),
            answers: answers.as_object().unwrap(),
            steps: steps.as_object().unwrap(),
            completed_steps: &["budget".to_owned()],
            version: 3,
        };
        let doc = document(&source);
        let p = &doc["preferences"];
        assert_eq!(p["travel"]["types"], json!(["beach"]));
        assert_eq!(p["travel"]["style"], "planned");
        assert_eq!(p["accommodation"]["comfortLevel"], "luxury");
        assert_eq!(p["destinations"]["regions"], json!(["asia"]));
        assert_eq!(p["activities"]["interests"], json!(["food"]));
        assert_eq!(p["budget"]["globalRange"]["currency"], "EUR");
        assert!(p["transport"].get("cabinClass").is_none());
        assert_eq!(doc["metadata"]["dataQuality"], json!({"completeness": 60, "confidence": 30}));
        assert_eq!(doc["metadata"]["profileVersion"], 3);
    }
}
