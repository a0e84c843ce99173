//! Accommodations: the supplier's hotel offers of a city for the stay, as the client reads them,
//! ranked by price (per night), stars against the comfort level, the accommodation types and
//! amenities the traveller cares about, distance to the centre and the city's season. The
//! weights come from the shared accommodation configuration (`PATCH …/accommodations/config`).

use chrono::Datelike;
use serde_json::{Value, json};

use super::super::climate;
use super::super::settings::weight;
use super::fit::season_fit;
use super::prefs::Prefs;
use super::score::{Scored, low_is_better};

/// The simplified hotel offer with the fields DreamScape's client reads (`location.{address,
/// cityCode}`, `ratings.overall`, `imageUrl`, `description`).
pub fn accommodation(hotel: &Value) -> Value {
    let mut out = hotel.clone();
    if let Some(obj) = out.as_object_mut() {
        obj.remove("offers");
    }
    let street = hotel.pointer("/address/street").and_then(Value::as_str).unwrap_or_default();
    let city = hotel.pointer("/address/city").and_then(Value::as_str).unwrap_or_default();
    let address = [street, city].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ");
    out["location"]["address"] = json!(address);
    out["location"]["cityCode"] = hotel.get("cityCode").cloned().unwrap_or(Value::Null);
    out["ratings"] = json!({"overall": hotel.get("rating")});
    out["imageUrl"] = Value::Null;
    out["offerId"] = hotel.get("id").cloned().unwrap_or(Value::Null);
    let room = hotel.pointer("/room/description").and_then(Value::as_str).unwrap_or_default();
    out["description"] = json!(if room.is_empty() { format!("Hotel in {city}") } else { room.to_owned() });
    out
}

fn amenity_words(interest: &str) -> &'static [&'static str] {
    match interest {
        "beach" | "beaches" => &["BEACH", "POOL", "SWIMMING"],
        "wellness" | "relaxation" => &["SPA", "SAUNA", "FITNESS", "MASSAGE", "POOL"],
        "family" => &["BABY", "KIDS", "CHILD", "FAMILY"],
        "business" => &["BUSINESS", "MEETING", "WIFI"],
        "culinary" | "food" => &["RESTAURANT", "BAR"],
        _ => &[],
    }
}

pub fn per_night(h: &Value) -> Option<f64> {
    h.pointer("/price/perNight").and_then(Value::as_f64).or_else(|| h.pointer("/price/amount").and_then(Value::as_f64))
}

/// Scores the kept hotels (rule-based parts).
pub fn score(hotels: Vec<Value>, prefs: &Prefs, config: &Value, categories: &[String], month: u32) -> Vec<Scored> {
    let nights: Vec<f64> = hotels.iter().filter_map(per_night).collect();
    let (pmin, pmax) = (nights.iter().copied().fold(f64::MAX, f64::min), nights.iter().copied().fold(0.0, f64::max));
    let distances: Vec<f64> =
        hotels.iter().filter_map(|h| h.pointer("/location/distance").and_then(Value::as_f64)).collect();
    let (dmin, dmax) =
        (distances.iter().copied().fold(f64::MAX, f64::min), distances.iter().copied().fold(0.0, f64::max));
    let target = prefs.stars();
    let thrift = prefs.thrift();
    let wanted_types: Vec<&String> = prefs.accommodation_types.iter().chain(categories).collect();
    let mut interests: Vec<String> = prefs.interests().cloned().collect();
    if prefs.with_children {
        interests.push("family".into());
    }
    let vw = |k: &str| weight(config, "vectorization", k);
    let mut out = Vec::new();
    for h in hotels {
        let mut reasons = Vec::new();
        let night = per_night(&h).unwrap_or(pmax);
        let price = low_is_better(night, pmin, pmax);
        if price >= 0.8 && nights.len() > 1 {
            reasons.push("one of the best prices in the city".to_owned());
        }
        let stars = h.get("rating").and_then(Value::as_f64);
        let quality = stars.map_or(0.5, |s| (s / 5.0).clamp(0.0, 1.0));
        let mut boost = (price - 0.5) * 0.2 * thrift;
        if let (Some(s), Some(t)) = (stars, target) {
            boost += 0.1 - 0.05 * (s - t).abs();
            if (s - t).abs() < 0.5 {
                reasons.push(format!("{s:.0} stars, the comfort you asked for"));
            }
        }
        let name = h["name"].as_str().unwrap_or_default().to_lowercase();
        let room = h.pointer("/room/type").and_then(Value::as_str).unwrap_or_default().to_lowercase();
        let type_match = wanted_types.iter().any(|t| name.contains(t.as_str()) || room.contains(t.as_str()));
        if type_match {
            reasons.push("the kind of place you prefer".to_owned());
        }
        let amenities: Vec<String> = h["amenities"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_ascii_uppercase).collect())
            .unwrap_or_default();
        let useful: Vec<&String> = interests.iter().filter(|i| !amenity_words(i).is_empty()).collect();
        let met: Vec<&str> = useful
            .iter()
            .filter(|i| amenity_words(i).iter().any(|w| amenities.iter().any(|a| a.contains(w))))
            .map(|i| i.as_str())
            .collect();
        if !met.is_empty() {
            reasons.push(format!("amenities for {}", met.join(", ")));
        }
        let amenity_fit = if useful.is_empty() { 0.5 } else { met.len() as f64 / useful.len() as f64 };
        let type_fit = match (wanted_types.is_empty(), type_match) {
            (true, _) => 0.5,
            (false, true) => 1.0,
            (false, false) => 0.3,
        };
        let similarity = 0.5 * type_fit + 0.5 * amenity_fit;
        let distance = h.pointer("/location/distance").and_then(Value::as_f64);
        let location = distance.map_or(0.5, |d| low_is_better(d, dmin, dmax));
        let city = h["cityCode"].as_str().and_then(climate::find);
        let (mut contextual, note) = city.map_or((0.5, None), |c| season_fit(prefs, c, month));
        reasons.extend(note);
        let free = h.pointer("/cancellation/freeCancellation").and_then(Value::as_bool).unwrap_or(false);
        if free {
            contextual = (contextual + 0.1).min(1.0);
            reasons.push("free cancellation".to_owned());
        }
        let vector = vec![
            price * vw("priceWeight"),
            quality * vw("ratingWeight"),
            (amenities.len() as f64 / 10.0).min(1.0) * vw("amenitiesWeight"),
            location * vw("locationWeight"),
            if free { 1.0 } else { 0.0 },
            thrift,
            similarity,
            contextual,
        ];
        out.push(Scored {
            id: h["hotelId"].as_str().unwrap_or_default().to_owned(),
            group: stars.map_or_else(|| "unrated".to_owned(), |s| format!("{s:.0}")),
            offer: accommodation(&h),
            vector,
            similarity,
            popularity: location,
            quality,
            contextual,
            price,
            // `segmentWeight` 0.15 (the default) keeps the boost as computed.
            segment_boost: (boost * weight(config, "scoring", "segmentWeight") / 0.15).clamp(-0.15, 0.15),
            learned: None,
            final_score: 0.0,
            confidence: 0.0,
            reasons,
        });
    }
    out
}

/// The check-in month (for the season).
pub fn month_of(date: chrono::NaiveDate) -> u32 {
    date.month()
}
