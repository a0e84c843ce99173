//! The traveller profile ai keeps from onboarding. Identity publishes the questionnaire once,
//! when it completes (`user.onboarding_completed {userId, travelProfile, answers,
//! completedSteps}`): `travelProfile` holds our six steps (`travel_style.styles`,
//! `destinations.{regions,countries,cities}`, `budget.{level,currency,perNightMax,perTripMax}`,
//! `accommodation.types`, `activities.interests`, `constraints.{travellers,children,…}`) and
//! `answers` DreamScape's travel-profile fields (`travelTypes`, `activityTypes`,
//! `globalBudgetRange`, `comfortLevel`, …). Either set, or both, may be filled; this module
//! reads both into one vocabulary (DreamScape's, lower-case) so the recommender and the
//! contextual part need not know two questionnaires. The profile is stored in `ai_profiles`
//! (one row per user, erased with the user).

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Json, Tx, query};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// What ai knows of a traveller from onboarding.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Profile {
    pub user_id: Uuid,
    /// Lower-case DreamScape TravelType values: adventure, cultural, beach, …
    pub travel_types: Vec<String>,
    pub activity_types: Vec<String>,
    pub accommodation_types: Vec<String>,
    /// Regions, countries (ISO codes) and cities the traveller named, as given.
    pub preferred_destinations: Vec<String>,
    pub climates: Vec<String>,
    pub budget_min: Option<f64>,
    pub budget_max: Option<f64>,
    pub currency: Option<String>,
    /// basic | standard | premium | luxury
    pub comfort_level: Option<String>,
    /// low | moderate | high | very_high
    pub activity_level: Option<String>,
    pub travel_style: Option<String>,
    pub group_type: Option<String>,
    pub with_children: bool,
    pub cabin_class: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// Our `travel_style.styles` words in DreamScape's travel types (`None`: not a travel type;
/// `luxury`/`budget` set the comfort level instead, `family` the group).
fn style_type(style: &str) -> Option<&'static str> {
    Some(match style {
        "adventure" | "road_trip" | "backpacking" => "adventure",
        "relaxation" => "relaxation",
        "culture" => "cultural",
        "nature" => "nature",
        "city" => "urban",
        "beach" => "beach",
        "family" => "family",
        "romantic" => "romantic",
        "business" => "business",
        "wellness" => "wellness",
        _ => return None,
    })
}

/// Our budget `level` as a comfort level.
fn level_comfort(level: &str) -> Option<&'static str> {
    Some(match level {
        "budget" => "basic",
        "moderate" => "standard",
        "comfort" => "premium",
        "luxury" => "luxury",
        _ => return None,
    })
}

fn texts(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter().filter_map(Value::as_str).map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty()).collect()
        })
        .unwrap_or_default()
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty())
}

fn push_unique(list: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        if !list.contains(&item) && list.len() < 64 {
            list.push(item);
        }
    }
}

impl Profile {
    /// Reads identity's event data: our steps (`travel_profile`) and DreamScape's fields
    /// (`answers`). Unknown or malformed values are skipped, never an error.
    pub fn from_onboarding(user: Uuid, travel_profile: &Value, answers: &Value) -> Profile {
        let mut p = Profile { user_id: user, ..Profile::default() };
        let ours = |step: &str, field: &str| travel_profile.get(step).and_then(|s| s.get(field));
        let theirs = |field: &str| answers.get(field);

        push_unique(&mut p.travel_types, texts(theirs("travelTypes")));
        let styles = texts(ours("travel_style", "styles"));
        push_unique(&mut p.travel_types, styles.iter().filter_map(|s| style_type(s)).map(str::to_owned));

        push_unique(&mut p.activity_types, texts(theirs("activityTypes")));
        push_unique(&mut p.activity_types, texts(theirs("interestCategories")));
        push_unique(&mut p.activity_types, texts(ours("activities", "interests")));

        push_unique(&mut p.accommodation_types, texts(theirs("accommodationTypes")));
        push_unique(&mut p.accommodation_types, texts(ours("accommodation", "types")));

        if let Some(dest) = theirs("preferredDestinations").and_then(Value::as_object) {
            for (key, list) in dest {
                if key == "climates" {
                    push_unique(&mut p.climates, texts(Some(list)));
                } else {
                    push_unique(&mut p.preferred_destinations, texts(Some(list)));
                }
            }
        }
        for field in ["regions", "countries", "cities"] {
            push_unique(&mut p.preferred_destinations, texts(ours("destinations", field)));
        }
        push_unique(&mut p.climates, texts(theirs("climatePreferences")));

        if let Some(range) = theirs("globalBudgetRange") {
            p.budget_min = range.get("min").and_then(Value::as_f64);
            p.budget_max = range.get("max").and_then(Value::as_f64);
            p.currency = range.get("currency").and_then(Value::as_str).map(str::to_owned);
        }
        if p.budget_max.is_none() {
            p.budget_max = ours("budget", "perTripMax").and_then(Value::as_f64);
        }
        if p.currency.is_none() {
            p.currency = ours("budget", "currency").and_then(Value::as_str).map(str::to_owned);
        }

        p.comfort_level = text(theirs("comfortLevel")).or_else(|| text(theirs("accommodationLevel")));
        if p.comfort_level.is_none() {
            p.comfort_level = text(ours("budget", "level")).and_then(|l| level_comfort(&l)).map(str::to_owned);
        }
        if p.comfort_level.is_none() {
            let style_level = styles.iter().find_map(|s| match s.as_str() {
                "luxury" => Some("luxury"),
                "budget" | "backpacking" => Some("basic"),
                _ => None,
            });
            p.comfort_level = style_level.map(str::to_owned);
        }
        p.activity_level = text(theirs("activityLevel"));
        p.travel_style = text(theirs("travelStyle"));
        p.group_type = texts(theirs("travelGroupTypes")).into_iter().next();
        let children = ours("constraints", "children").and_then(Value::as_i64).unwrap_or(0);
        p.with_children = theirs("travelWithChildren").and_then(Value::as_bool).unwrap_or(false)
            || children > 0
            || styles.iter().any(|s| s == "family");
        if p.group_type.is_none() {
            let travellers = ours("constraints", "travellers").and_then(Value::as_i64);
            p.group_type = match (p.with_children, travellers) {
                (true, _) => Some("family".into()),
                (false, Some(1)) => Some("solo".into()),
                (false, Some(2)) if p.travel_types.iter().any(|t| t == "romantic") => Some("couple".into()),
                (false, Some(n)) if n > 2 => Some("friends".into()),
                _ => None,
            };
        }
        p.cabin_class = text(theirs("cabinClassPreference"));
        p
    }

    /// Whether the traveller named `word` among their travel or activity types.
    pub fn likes(&self, word: &str) -> bool {
        self.travel_types.iter().chain(&self.activity_types).any(|t| t == word)
    }
}

/// A user's profile, if they completed onboarding.
pub async fn load(db: &Db, user: Uuid) -> Result<Option<Profile>, DbError> {
    let row: Option<(Json<Profile>,)> =
        query("SELECT profile FROM ai_profiles WHERE user_id = $1").bind(user).fetch_optional(db).await?;
    Ok(row.map(|(Json(p),)| p))
}

/// The same, inside a transaction.
pub async fn load_tx(tx: &mut Tx, user: Uuid) -> Result<Option<Profile>, DbError> {
    let row: Option<(Json<Profile>,)> =
        query("SELECT profile FROM ai_profiles WHERE user_id = $1").bind(user).fetch_optional(&mut *tx).await?;
    Ok(row.map(|(Json(p),)| p))
}

/// Stores (replaces) a profile.
pub async fn save(tx: &mut Tx, profile: &Profile, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_profiles (user_id, profile, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at",
    )
    .bind(profile.user_id)
    .bind_json(profile)?
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Forgets a user's profile.
pub async fn erase(tx: &mut Tx, user: Uuid) -> Result<(), DbError> {
    query("DELETE FROM ai_profiles WHERE user_id = $1").bind(user).execute(&mut *tx).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_questionnaires_are_read() {
        let ours = json!({"travel_style": {"styles": ["beach", "culture", "luxury"]},
            "destinations": {"countries": ["PT"], "cities": ["Lisbon"]},
            "budget": {"level": "comfort", "currency": "EUR", "perTripMax": 3000},
            "activities": {"interests": ["food", "beaches"]}, "constraints": {"travellers": 2, "children": 1}});
        let p = Profile::from_onboarding(Uuid::nil(), &ours, &json!({}));
        assert_eq!(p.travel_types, ["beach", "cultural"]);
        assert_eq!(p.activity_types, ["food", "beaches"]);
        assert_eq!(p.comfort_level.as_deref(), Some("premium"));
        assert_eq!(p.budget_max, Some(3000.0));
        assert!(p.with_children && p.group_type.as_deref() == Some("family"));
        assert_eq!(p.preferred_destinations, ["pt", "lisbon"]);

        let theirs = json!({"travelTypes": ["ADVENTURE", "MOUNTAIN"], "comfortLevel": "BASIC",
            "globalBudgetRange": {"min": 100.0, "max": 900.0, "currency": "USD"}, "activityLevel": "VERY_HIGH",
            "preferredDestinations": {"climates": ["Cold"], "regions": ["Europe"]}, "travelGroupTypes": ["SOLO"]});
        let p = Profile::from_onboarding(Uuid::nil(), &json!(null), &theirs);
        assert_eq!(p.travel_types, ["adventure", "mountain"]);
        assert_eq!((p.budget_min, p.budget_max, p.currency.as_deref()), (Some(100.0), Some(900.0), Some("USD")));
        assert_eq!(p.climates, ["cold"]);
        assert_eq!(p.activity_level.as_deref(), Some("very_high"));
        assert_eq!(p.group_type.as_deref(), Some("solo"));
        assert!(!p.with_children && p.likes("mountain"));
    }
}
