//! Tours and activities (Amadeus Tours and Activities), generated per city from our own
//! templates with the city's name, and their offline orders: places per activity and day.
//! Ids are `OF` + city code + `A` + 3 digits, so an id gives back the activity.

use chrono::Duration;
use kernel::{ApiError, FieldError};
use serde_json::{Value, json};

use super::orders::{self, Hold};
use super::{
    Currency, Offline, amount, check_person, coordinate, invalid, parse_date, scatter, self_link, text, today,
};
use crate::offline::rng::Rng;
use crate::provider::Request;
use crate::reference::{self, City, distance_km};

const KIND: &str = "activity";

/// (name, description, EUR per person, minimum duration, places per day).
const TEMPLATES: &[(&str, &str, f64, &str, i64)] = &[
    (
        "Old town walking tour of {city}",
        "A local guide walks you through {city}'s oldest streets and tells the stories of the people who built them.",
        25.0,
        "2 hours",
        20,
    ),
    (
        "Priority entry to {city}'s art museum",
        "Walk past the queue and take in the collection at your own pace; an audio guide in six languages is included.",
        22.0,
        "3 hours",
        40,
    ),
    (
        "{city} market tasting walk",
        "Cheeses, breads and street food from the stalls where {city} does its shopping, with a guide who knows the stallholders.",
        55.0,
        "3 hours",
        12,
    ),
    (
        "Sunset bike ride around {city}",
        "An easy ride past the viewpoints of {city}, timed to finish as the sun goes down. Bike and helmet provided.",
        40.0,
        "2 hours 30 minutes",
        15,
    ),
    (
        "Cooking class: the flavours of {country}",
        "Cook three dishes of {country} with a local chef in {city}, then sit down together to eat them.",
        75.0,
        "3 hours 30 minutes",
        10,
    ),
    (
        "{city} after dark: a night history walk",
        "Legends, crimes and curiosities of {city}, told by lantern light along its quieter streets.",
        20.0,
        "1 hour 30 minutes",
        25,
    ),
    (
        "Photo walk through {city}'s best viewpoints",
        "A photographer shows you the angles of {city} that postcards miss; any camera or phone will do.",
        35.0,
        "2 hours",
        10,
    ),
    (
        "Day trip to the countryside around {city}",
        "Leave the city behind for villages, a long lunch and a walk in the hills, back in {city} for dinner.",
        85.0,
        "8 hours",
        16,
    ),
    (
        "Evening concert in a historic {city} venue",
        "An hour of chamber music in one of {city}'s oldest halls, with a drink at the interval.",
        45.0,
        "1 hour 30 minutes",
        60,
    ),
    (
        "Private half-day tour of {city} with a local",
        "Your own guide for the morning or afternoon: tell them what you like and they shape {city} around it.",
        150.0,
        "4 hours",
        4,
    ),
];

const VARIANTS: &[&str] = &["", " (small group)", " (morning)", " (family edition)"];

#[derive(Debug, Clone)]
struct Activity {
    id: String,
    name: String,
    description: String,
    lat: f64,
    lon: f64,
    rating: f64,
    eur: f64,
    duration: &'static str,
    capacity: i64,
}

fn count(city: &City) -> u32 {
    let size = (city.population.max(1) as f64 / 50_000.0).max(1.0).log10();
    (4.0 + 9.0 * size).round().clamp(4.0, 30.0) as u32
}

fn generate(seed: u64, city: &City, index: u32) -> Activity {
    let id = format!("OF{}A{index:03}", city.code);
    let mut rng = Rng::new(seed, &["activity", &id]);
    let start = (Rng::new(seed, &["activities", &city.code]).next_u64() % TEMPLATES.len() as u64) as usize;
    let at = (start + index as usize - 1) % TEMPLATES.len();
    let (name, description, eur, duration, capacity) = TEMPLATES.get(at).copied().unwrap_or(TEMPLATES[0]);
    let variant = VARIANTS.get((index as usize - 1) / TEMPLATES.len()).copied().unwrap_or_default();
    let country = reference::get().country_name(&city.country).unwrap_or(&city.country);
    let fill = |t: &str| t.replace("{city}", &city.name).replace("{country}", country);
    let (lat, lon, _) = scatter(&mut rng, city);
    let size = 0.85 + 0.1 * (city.population.max(1) as f64 / 50_000.0).max(1.0).log10();
    Activity {
        name: format!("{}{variant}", fill(name)),
        description: fill(description),
        lat,
        lon,
        rating: 3.8 + rng.unit() * 1.2,
        eur: (eur * size * (0.9 + rng.unit() * 0.3) * 2.0).round() / 2.0,
        duration,
        capacity,
        id,
    }
}

fn find(seed: u64, id: &str) -> Option<Activity> {
    let id = id.trim().to_ascii_uppercase();
    if id.len() != 9 || !id.starts_with("OF") || id.get(5..6) != Some("A") {
        return None;
    }
    let city = reference::get().city(id.get(2..5)?)?;
    let index: u32 = id.get(6..9)?.parse().ok()?;
    (city.code == id.get(2..5)? && index >= 1 && index <= count(city)).then(|| generate(seed, city, index))
}

impl Activity {
    fn json(&self, currency: &Currency) -> Value {
        json!({
            "type": "activity",
            "id": self.id,
            "self": {"href": format!("/v1/shopping/activities/{}", self.id), "methods": ["GET"]},
            "name": self.name,
            "shortDescription": self.description,
            "description": self.description,
            "geoCode": {"latitude": self.lat, "longitude": self.lon},
            "rating": format!("{:.1}", self.rating),
            "price": {"amount": amount(currency.cents(self.eur)), "currencyCode": currency.code},
            "pictures": [],
            "bookingLink": null,
            "minimumDuration": self.duration,
        })
    }
}

/// Activities of the cities whose centre is within `reach_km` of a point, kept by `keep`.
fn collect(offline: &Offline, lat: f64, lon: f64, reach_km: f64, keep: impl Fn(&Activity) -> bool) -> Vec<Value> {
    let currency = Currency::parse(&offline.currency).unwrap_or(Currency { code: "EUR".into(), per_eur: 1.0 });
    let mut found: Vec<(f64, Activity)> = reference::get()
        .cities()
        .iter()
        .filter(|c| distance_km(lat, lon, c.lat, c.lon) <= reach_km)
        .flat_map(|c| (1..=count(c)).map(move |i| generate(offline.seed, c, i)))
        .filter(|a| keep(a))
        .map(|a| (distance_km(lat, lon, a.lat, a.lon), a))
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    found.into_iter().take(500).map(|(_, a)| a.json(&currency)).collect()
}

/// `GET /v1/shopping/activities` (`latitude`, `longitude`, `radius` km, default 1, at most 20).
pub(super) fn around(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let lat = coordinate(request, "latitude", 90.0)?;
    let lon = coordinate(request, "longitude", 180.0)?;
    let radius = match request.get("radius").map(str::trim).filter(|r| !r.is_empty()) {
        None => 1.0,
        Some(raw) => raw
            .parse::<f64>()
            .ok()
            .filter(|r| (0.0..=20.0).contains(r))
            .ok_or_else(|| invalid("radius", "must be 0 to 20 (km)"))?,
    };
    let data = collect(offline, lat, lon, radius + 10.0, |a| distance_km(lat, lon, a.lat, a.lon) <= radius);
    Ok(json!({"meta": {"count": data.len(), "links": {"self": self_link(request)}}, "data": data}))
}

/// `GET /v1/shopping/activities/by-square` (`north`, `west`, `south`, `east`).
pub(super) fn by_square(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let north = coordinate(request, "north", 90.0)?;
    let south = coordinate(request, "south", 90.0)?;
    let west = coordinate(request, "west", 180.0)?;
    let east = coordinate(request, "east", 180.0)?;
    if north < south {
        return Err(invalid("north", "must be north of south"));
    }
    if east < west {
        return Err(invalid("east", "must be east of west"));
    }
    let (lat, lon) = ((north + south) / 2.0, (east + west) / 2.0);
    let reach = distance_km(lat, lon, north, east) + 10.0;
    if reach > 200.0 {
        return Err(invalid("north", "the square is at most about 250 km across"));
    }
    let data =
        collect(offline, lat, lon, reach, |a| (south..=north).contains(&a.lat) && (west..=east).contains(&a.lon));
    Ok(json!({"meta": {"count": data.len(), "links": {"self": self_link(request)}}, "data": data}))
}

fn currency(offline: &Offline) -> Currency {
    Currency::parse(&offline.currency).unwrap_or(Currency { code: "EUR".into(), per_eur: 1.0 })
}

fn unknown(field: &str) -> ApiError {
    ApiError::not_found("No such activity").with_details(vec![FieldError::new(field, "is not a known activity")])
}

/// `GET /v1/shopping/activities/{activityId}`.
pub(super) fn one(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let activity =
        find(offline.seed, request.id.as_deref().unwrap_or_default()).ok_or_else(|| unknown("activityId"))?;
    Ok(json!({"data": activity.json(&currency(offline))}))
}

/// Books places of an activity on a day (offline only).
pub(super) async fn order(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let data = request.body.as_ref().and_then(|b| b.get("data")).filter(|d| d.is_object());
    let Some(data) = data else {
        return Err(invalid("data", "is required: { activityId, date, participants, travelers }"));
    };
    let activity = text(data, "activityId").ok_or_else(|| invalid("data.activityId", "is required"))?;
    let activity = find(offline.seed, activity).ok_or_else(|| unknown("data.activityId"))?;
    let date = parse_date(text(data, "date").unwrap_or_default(), "data.date")?;
    if date < today(offline) || date > today(offline) + Duration::days(365) {
        return Err(invalid("data.date", "must be from today to a year from now"));
    }
    let participants = data.get("participants").and_then(Value::as_i64).unwrap_or(0);
    if !(1..=20).contains(&participants) {
        return Err(invalid("data.participants", "must be 1 to 20"));
    }
    let travelers = data.get("travelers").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut errors = Vec::new();
    if travelers.is_empty() {
        errors.push(FieldError::new("data.travelers", "at least the lead traveller is required"));
    }
    for (i, t) in travelers.iter().enumerate() {
        let email = t.get("email").map(|_| "email");
        check_person(t, &format!("data.travelers[{i}]"), ("firstName", "lastName"), email, None, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let currency = currency(offline);
    let id = orders::new_id("OFAO");
    let answer = json!({"data": {
        "type": "activity-order",
        "id": id,
        "reference": orders::confirmation(8),
        "status": "CONFIRMED",
        "activity": activity.json(&currency),
        "date": date.to_string(),
        "participants": participants,
        "travelers": travelers,
        "price": {"amount": amount(currency.cents(activity.eur) * participants), "currencyCode": currency.code},
    }});
    let hold = Hold { key: format!("A|{}|{date}", activity.id), capacity: activity.capacity, count: participants };
    orders::place(offline, KIND, request.key.as_deref(), &id, &[hold], answer).await
}

/// Cancels an activity order (offline only): its places go back.
pub(super) async fn cancel(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let id = request.id.as_deref().map(str::trim).unwrap_or_default();
    orders::cancel(offline, KIND, id, |answer| {
        if let Some(data) = answer.get_mut("data") {
            data["status"] = json!("CANCELLED");
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activities_are_named_after_their_city_and_found_by_id() {
        let city = reference::get().city("BCN").unwrap();
        let all: Vec<Activity> = (1..=count(city)).map(|i| generate(1, city, i)).collect();
        assert!(all.len() >= 10, "{}", all.len());
        assert!(
            all.iter().filter(|a| a.name.contains("Barcelona") || a.name.contains("Spain")).count() >= all.len() / 2
        );
        for a in &all {
            assert!(distance_km(city.lat, city.lon, a.lat, a.lon) < 10.0);
            assert_eq!(find(1, &a.id).map(|f| f.name), Some(a.name.clone()));
        }
        let names: std::collections::HashSet<&str> = all.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names.len(), all.len(), "names are distinct");
        assert!(find(1, "OFBCNA999").is_none() && find(1, "nope").is_none());
    }
}
