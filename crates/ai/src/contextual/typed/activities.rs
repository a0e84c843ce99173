//! Activities: the supplier's activities around a city (or a point), categorised from their
//! text, filtered by the query and ranked by the traveller's interests, intensity, price,
//! rating and whether the month (or today's weather) suits being outdoors.

use serde_json::{Value, json};

use super::prefs::{Prefs, interest_words, matched_interests};
use super::score::{Scored, low_is_better};

/// The families an activity's text is sorted into.
const FAMILIES: [&str; 10] =
    ["cultural", "culinary", "adventure", "nature", "nightlife", "wellness", "shopping", "family", "romantic", "beach"];

const INTENSE: [&str; 8] = ["bike", "hike", "hiking", "trek", "kayak", "climb", "day trip", "rafting"];
const OUTDOOR: [&str; 10] =
    ["bike", "walk", "hike", "outdoor", "countryside", "viewpoint", "beach", "boat", "park", "hills"];

fn lower_text(a: &Value) -> String {
    format!(
        "{} {} {}",
        a["name"].as_str().unwrap_or_default(),
        a["shortDescription"].as_str().unwrap_or_default(),
        a["description"].as_str().unwrap_or_default()
    )
    .to_lowercase()
}

/// `2 hours 30 minutes` → 150.
pub fn duration_minutes(text: &str) -> Option<i64> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut total = None;
    for pair in words.windows(2) {
        if let Ok(n) = pair[0].parse::<f64>() {
            let unit = pair[1].to_lowercase();
            let minutes = if unit.starts_with("hour") || unit == "h" {
                n * 60.0
            } else if unit.starts_with("min") {
                n
            } else if unit.starts_with("day") {
                n * 480.0
            } else {
                continue;
            };
            total = Some(total.unwrap_or(0) + minutes.round() as i64);
        }
    }
    total
}

/// The families of an activity, from its text.
pub fn categories(text: &str) -> Vec<&'static str> {
    FAMILIES.iter().copied().filter(|f| interest_words(f).iter().any(|w| text.contains(w))).collect()
}

/// The supplier's activity with the fields DreamScape's client reads added.
pub fn activity(a: &Value) -> Value {
    let text = lower_text(a);
    let mut out = a.clone();
    let cats = categories(&text);
    out["activityId"] = a.get("id").cloned().unwrap_or(Value::Null);
    out["category"] = json!(cats.first().copied().unwrap_or("tour"));
    out["categories"] = json!(cats);
    out["durationMinutes"] = json!(a.get("duration").and_then(Value::as_str).and_then(duration_minutes));
    out["intensity"] = json!(if INTENSE.iter().any(|w| text.contains(w)) { "high" } else { "low" });
    out["childFriendly"] = json!(text.contains("family"));
    // The supplier gives Amadeus's rating text ("4.0"); the client reads a number.
    let rating = match &a["rating"] {
        Value::String(r) => r.parse::<f64>().ok(),
        other => other.as_f64(),
    };
    out["rating"] = json!(rating);
    let label = a.pointer("/location/name").cloned().unwrap_or(Value::Null);
    if out.get("geoCode").is_some_and(Value::is_object) {
        out["geoCode"]["label"] = label;
    }
    out
}

/// The query's hard filters.
pub struct Filters {
    pub categories: Vec<String>,
    pub intensities: Vec<String>,
    pub min_rating: Option<f64>,
    pub max_price: Option<f64>,
    pub max_duration: Option<i64>,
    pub child_friendly: bool,
}

impl Filters {
    pub fn keep(&self, a: &Value) -> bool {
        let cats: Vec<&str> =
            a["categories"].as_array().map(|l| l.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let text = lower_text(a);
        (self.categories.is_empty()
            || self
                .categories
                .iter()
                .any(|c| cats.contains(&c.as_str()) || interest_words(c).iter().any(|w| text.contains(w))))
            && (self.intensities.is_empty()
                || self.intensities.iter().any(|i| a["intensity"].as_str() == Some(i.as_str())))
            && self.min_rating.is_none_or(|m| a["rating"].as_f64().is_some_and(|r| r >= m))
            && self.max_price.is_none_or(|m| a.pointer("/price/amount").and_then(Value::as_f64).is_some_and(|p| p <= m))
            && self.max_duration.is_none_or(|m| a["durationMinutes"].as_i64().is_none_or(|d| d <= m))
            && (!self.child_friendly || a["childFriendly"].as_bool() == Some(true))
    }
}

/// Scores the kept activities (rule-based parts). `outdoor_ok`: whether the day (weather or the
/// month's normals) suits being outside.
pub fn score(list: Vec<Value>, prefs: &Prefs, budget: Option<f64>, outdoor_ok: Option<bool>) -> Vec<Scored> {
    let prices: Vec<f64> = list.iter().filter_map(|a| a.pointer("/price/amount").and_then(Value::as_f64)).collect();
    let (pmin, pmax) = (prices.iter().copied().fold(f64::MAX, f64::min), prices.iter().copied().fold(0.0, f64::max));
    let interests = prefs.interests().count();
    let mut out = Vec::new();
    for a in list {
        let text = lower_text(&a);
        let mut reasons = Vec::new();
        let amount = a.pointer("/price/amount").and_then(Value::as_f64).unwrap_or(pmax);
        let mut price = low_is_better(amount, pmin, pmax);
        let mut boost = (price - 0.5) * 0.2 * prefs.thrift();
        if let Some(b) = budget {
            if amount <= b {
                reasons.push("within your budget per activity".to_owned());
            } else {
                price *= 0.5;
                boost -= 0.1;
            }
        }
        let matched = matched_interests(prefs, &text);
        if !matched.is_empty() {
            reasons.push(format!("matches your interests: {}", matched.join(", ")));
        }
        let similarity =
            if interests == 0 { 0.5 } else { (matched.len() as f64 / interests.clamp(1, 3) as f64).min(1.0) };
        let rating = a["rating"].as_f64();
        let quality = rating.map_or(0.5, |r| (r / 5.0).clamp(0.0, 1.0));
        if rating.is_some_and(|r| r >= 4.5) {
            reasons.push("highly rated".to_owned());
        }
        let intense = a["intensity"].as_str() == Some("high");
        let activity = prefs.activity();
        boost += if intense { 0.1 * (activity - 0.5) } else { 0.05 * (0.5 - activity) };
        if prefs.with_children && a["childFriendly"].as_bool() == Some(true) {
            boost += 0.05;
            reasons.push("family friendly".to_owned());
        }
        let outdoor = OUTDOOR.iter().any(|w| text.contains(w));
        let contextual = match (outdoor, outdoor_ok) {
            (true, Some(true)) => {
                reasons.push("good weather for it".to_owned());
                0.9
            }
            (true, Some(false)) => 0.3,
            (false, Some(false)) => 0.8,
            _ => 0.6,
        };
        let popularity = rating.map_or(0.5, |r| (0.5 + (r - 3.5) / 3.0).clamp(0.0, 1.0));
        let vector = vec![
            price,
            quality,
            similarity,
            if intense { 1.0 } else { 0.0 },
            if outdoor { 1.0 } else { 0.0 },
            a["durationMinutes"].as_f64().map_or(0.5, |d| (d / 480.0).min(1.0)),
            if a["childFriendly"].as_bool() == Some(true) { 1.0 } else { 0.0 },
            contextual,
        ];
        out.push(Scored {
            id: a["id"].as_str().unwrap_or_default().to_owned(),
            group: a["category"].as_str().unwrap_or("tour").to_owned(),
            offer: a,
            vector,
            similarity,
            popularity,
            quality,
            contextual,
            price,
            segment_boost: boost.clamp(-0.15, 0.15),
            learned: None,
            final_score: 0.0,
            confidence: 0.0,
            reasons,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activities_are_categorised_and_timed() {
        assert_eq!(duration_minutes("2 hours 30 minutes"), Some(150));
        assert_eq!(duration_minutes("1 hour"), Some(60));
        assert_eq!(duration_minutes("soon"), None);
        assert!(categories("paris market tasting walk").contains(&"culinary"));
        assert!(categories("priority entry to the art museum").contains(&"cultural"));
    }
}
