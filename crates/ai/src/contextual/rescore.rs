//! Re-scoring of recommendations by context (`POST /api/v1/context/recommendations`): each item
//! keeps its score and gets a multiplier from the weather (outdoor items suffer from rain,
//! indoor ones gain), the season (items naming the current season or the destination's good
//! months gain), the travel season (high season costs a little, more for a budget-minded user)
//! and an outdoor boost for active users when the weather allows. Pure: the handler gathers the
//! context, this decides.
//!
//! The user vector has DreamScape's 8 dimensions (0–1, in the recommender's order: climate,
//! culture, budget, activity, …); two are read here: index 2, budget (cheap 0 … luxury 1, so
//! `1 − v[2]` is how budget-minded the user is) and index 3, activity (relaxed 0 … intense 1).

use serde_json::{Value, json};

/// The context of one re-scoring.
#[derive(Debug, Clone)]
pub struct Context {
    /// DreamScape condition now (provider) or typical of the month (climate normals).
    pub condition: Option<String>,
    pub outdoor_friendly: Option<bool>,
    pub season: &'static str,
    pub travel_season: &'static str,
}

const OUTDOOR: [&str; 22] = [
    "beach", "hiking", "hike", "outdoor", "nature", "park", "garden", "boat", "cruise", "snorkel", "diving", "surf",
    "kayak", "bike", "cycling", "trek", "safari", "mountain", "ski", "island", "walking", "sail",
];
const INDOOR: [&str; 12] = [
    "museum", "gallery", "spa", "shopping", "indoor", "theatre", "theater", "cinema", "aquarium", "cooking", "wine",
    "mall",
];

/// The lower-cased words an item says about itself (type, category, tags, name).
fn words(item: &Value) -> String {
    let mut text = String::new();
    for key in [
        "type",
        "category",
        "destinationType",
        "activityType",
        "name",
        "title",
        "destinationName",
        "tags",
        "categories",
    ] {
        match item.get(key) {
            Some(Value::String(s)) => text.push_str(s),
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).for_each(|s| {
                text.push_str(s);
                text.push(' ');
            }),
            _ => {}
        }
        text.push(' ');
    }
    text.to_lowercase()
}

/// `Some(true)` outdoor, `Some(false)` indoor, `None` neither.
pub fn outdoor_item(item: &Value) -> Option<bool> {
    let text = words(item);
    if OUTDOOR.iter().any(|w| text.contains(w)) {
        Some(true)
    } else if INDOOR.iter().any(|w| text.contains(w)) {
        Some(false)
    } else {
        None
    }
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The item with its `contextualScore` block; its final score.
pub fn rescore(item: &Value, vector: &[f64; 8], ctx: &Context, weather: bool, seasonal: bool) -> (Value, f64) {
    let original = item.get("score").and_then(Value::as_f64).unwrap_or(0.0);
    let outdoor = outdoor_item(item);
    let bad_weather =
        ctx.condition.as_deref().is_some_and(|c| matches!(c, "rainy" | "stormy" | "snowy" | "foggy" | "windy"));
    let weather_match = match (weather, ctx.outdoor_friendly, outdoor) {
        (false, _, _) | (_, None, _) | (_, _, None) => 1.0,
        (true, Some(true), Some(true)) => 1.15,
        (true, Some(false), Some(true)) => {
            if bad_weather {
                0.7
            } else {
                0.85
            }
        }
        (true, Some(false), Some(false)) => 1.1,
        (true, Some(true), Some(false)) => 0.95,
    };
    let text = words(item);
    let seasonal_fit = if !seasonal {
        1.0
    } else if text.contains(ctx.season) || item.get("bestSeasons").is_some_and(|s| s.to_string().contains(ctx.season)) {
        1.1
    } else {
        1.0
    };
    let budget = 1.0 - vector[2].clamp(0.0, 1.0);
    let travel_season_penalty = match (seasonal, ctx.travel_season) {
        (true, "high_season") => 1.0 - 0.05 - 0.1 * budget,
        (true, "low_season") => 1.0 + 0.05 * budget,
        _ => 1.0,
    };
    let activity = vector[3].clamp(0.0, 1.0);
    let outdoor_boost =
        if weather && outdoor == Some(true) && ctx.outdoor_friendly == Some(true) { 1.0 + 0.1 * activity } else { 1.0 };
    let multiplier = (weather_match * seasonal_fit * travel_season_penalty * outdoor_boost).clamp(0.5, 1.5);
    let final_score = round((original * multiplier).max(0.0));
    let mut summary = Vec::new();
    if weather_match > 1.0 {
        summary.push("weather suits it");
    } else if weather_match < 1.0 {
        summary.push("weather does not suit it");
    }
    if seasonal_fit > 1.0 {
        summary.push("in season");
    }
    if travel_season_penalty < 1.0 {
        summary.push("high season (crowds, prices)");
    } else if travel_season_penalty > 1.0 {
        summary.push("low season (quieter, cheaper)");
    }
    if outdoor_boost > 1.0 {
        summary.push("good for an active day outside");
    }
    let summary = if summary.is_empty() { "no contextual change".to_owned() } else { summary.join("; ") };
    let mut out = item.clone();
    if let Some(obj) = out.as_object_mut() {
        obj.insert(
            "contextualScore".into(),
            json!({
                "originalScore": original,
                "contextMultiplier": round(multiplier),
                "finalScore": final_score,
                "contextBreakdown": {
                    "weatherMatch": round(weather_match),
                    "seasonalFit": round(seasonal_fit),
                    "travelSeasonPenalty": round(travel_season_penalty),
                    "outdoorBoost": round(outdoor_boost),
                },
                "contextSummary": summary,
            }),
        );
    }
    (out, final_score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(condition: &str, friendly: bool) -> Context {
        Context {
            condition: Some(condition.into()),
            outdoor_friendly: Some(friendly),
            season: "summer",
            travel_season: "shoulder",
        }
    }

    #[test]
    fn rain_sends_outdoor_items_down_and_indoor_ones_up() {
        let v = [0.5; 8];
        let beach = json!({"name": "Beach day", "score": 0.8});
        let museum = json!({"name": "Art museum", "score": 0.7});
        let (_, b) = rescore(&beach, &v, &ctx("rainy", false), true, true);
        let (_, m) = rescore(&museum, &v, &ctx("rainy", false), true, true);
        assert!(m > b, "{m} {b}");
        let (_, b) = rescore(&beach, &v, &ctx("sunny", true), true, true);
        let (_, m) = rescore(&museum, &v, &ctx("sunny", true), true, true);
        assert!(b > m, "{b} {m}");
        let (same, s) = rescore(&beach, &v, &ctx("rainy", false), false, false);
        assert!((s - 0.8).abs() < 1e-9);
        assert_eq!(same["contextualScore"]["contextMultiplier"], json!(1.0));
    }

    #[test]
    fn high_season_costs_budget_minded_users_more() {
        let item = json!({"name": "City walk", "score": 0.5});
        let high = Context { travel_season: "high_season", ..ctx("cloudy", true) };
        let (_, thrifty) = rescore(&item, &[0.0; 8], &high, true, true);
        let (_, lavish) = rescore(&item, &[0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0], &high, true, true);
        assert!(thrifty < lavish);
    }
}
