//! Reference operations answered from the bundled data in Amadeus's shapes: airport and city
//! search, nearest airports, airlines and recommended cities.

use kernel::{ApiError, FieldError};
use serde_json::{Value, json};

use super::{Offline, coordinate, int_param, invalid, list_param, round, self_link, tz_offset};
use crate::provider::Request;
use crate::reference::{self, Airport, City, Place, PlaceKind, distance_km};

/// Amadeus's region of a place, from its timezone.
fn region(tz: &str, lat: f64) -> &'static str {
    match tz.split('/').next().unwrap_or_default() {
        "Europe" => "EUROP",
        "Africa" => "AFRIC",
        "Asia" => "ASIA",
        "Australia" | "Pacific" => "SWPAC",
        "America" if lat < 13.0 => "SAMER",
        "America" => "NAMER",
        "Atlantic" => "EUROP",
        "Indian" => "ASIA",
        _ => "",
    }
}

/// How much travel a city draws (0–100): its size, with a bonus for airline hubs.
fn travelers_score(city: Option<&City>) -> i64 {
    let Some(city) = city else { return 1 };
    let data = reference::get();
    let hubs = data.airports_of(city).filter(|a| data.airlines_at(&a.iata).next().is_some()).count() as f64;
    let size = (city.population.max(1_000) as f64).log10();
    (((size - 3.0) / 4.5) * 80.0 + hubs * 8.0).round().clamp(1.0, 100.0) as i64
}

/// How many flights an airport sees (0–100): hubs score high.
fn flights_score(airport: &Airport) -> i64 {
    flights_weight(airport).clamp(1, 100)
}

/// The same, unbounded: a hub of five airlines outranks a hub of two.
fn flights_weight(airport: &Airport) -> i64 {
    let data = reference::get();
    let hubs = data.airlines_at(&airport.iata).count() as i64;
    let city = travelers_score(data.city_of(airport));
    let international = if airport.name.contains("International") { 10 } else { 0 };
    city / 2 + hubs * 20 + international
}

fn upper_name(airport: &Airport) -> String {
    airport.name.trim_end_matches(" Airport").to_uppercase()
}

fn address(city_name: &str, city_code: &str, country: &str, tz: &str, lat: f64) -> Value {
    let country_name = reference::get().country_name(country).unwrap_or(country).to_uppercase();
    json!({"cityName": city_name.to_uppercase(), "cityCode": city_code, "countryName": country_name,
           "countryCode": country, "regionCode": region(tz, lat)})
}

fn place_item(offline: &Offline, place: &Place<'_>) -> Value {
    let now = offline.clock.now();
    match place {
        Place::City(c) => json!({
            "type": "location", "subType": "CITY", "name": c.name.to_uppercase(),
            "detailedName": format!("{}/{}", c.name.to_uppercase(), c.country),
            "id": format!("C{}", c.code),
            "self": {"href": format!("/v1/reference-data/locations/C{}", c.code), "methods": ["GET"]},
            "timeZoneOffset": tz_offset(&c.tz, now), "iataCode": c.code,
            "geoCode": {"latitude": c.lat, "longitude": c.lon},
            "address": address(&c.name, &c.code, &c.country, &c.tz, c.lat),
            "analytics": {"travelers": {"score": travelers_score(Some(c))}},
        }),
        Place::Airport(a) => airport_item(offline, a),
    }
}

fn airport_item(offline: &Offline, a: &Airport) -> Value {
    let city = reference::get().city_of(a);
    let city_name = city.map_or(a.city.as_str(), |c| c.name.as_str());
    json!({
        "type": "location", "subType": "AIRPORT", "name": upper_name(a),
        "detailedName": format!("{}/{}: {}", city_name.to_uppercase(), a.country, upper_name(a)),
        "id": format!("A{}", a.iata),
        "self": {"href": format!("/v1/reference-data/locations/A{}", a.iata), "methods": ["GET"]},
        "timeZoneOffset": tz_offset(&a.tz, offline.clock.now()), "iataCode": a.iata,
        "geoCode": {"latitude": a.lat, "longitude": a.lon},
        "address": address(city_name, &a.city_code, &a.country, &a.tz, a.lat),
        "analytics": {"travelers": {"score": travelers_score(city)}},
    })
}

fn page(request: &Request, default: i64) -> Result<(usize, usize), ApiError> {
    let limit = int_param(request, "page[limit]", default, 1, 100)?;
    let offset = int_param(request, "page[offset]", 0, 0, 10_000)?;
    Ok((limit as usize, offset as usize))
}

fn same(a: &Place<'_>, b: &Place<'_>) -> bool {
    matches!((a, b), (Place::City(_), Place::City(_)) | (Place::Airport(_), Place::Airport(_))) && a.code() == b.code()
}

/// `GET /v1/reference-data/locations`.
pub(super) fn locations(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let keyword = request.get("keyword").map(str::trim).unwrap_or_default();
    if keyword.is_empty() || keyword.chars().count() > 64 {
        return Err(invalid("keyword", "is required: 1 to 64 characters"));
    }
    let mut kinds = Vec::new();
    for kind in list_param(request, "subType") {
        match kind.to_ascii_uppercase().as_str() {
            "AIRPORT" => kinds.push(PlaceKind::Airport),
            "CITY" => kinds.push(PlaceKind::City),
            _ => return Err(invalid("subType", "must be AIRPORT, CITY or AIRPORT,CITY")),
        }
    }
    if kinds.is_empty() {
        kinds = vec![PlaceKind::City, PlaceKind::Airport];
    }
    let (limit, offset) = page(request, 10)?;
    // As Amadeus lists them: a city, then its airports, then the next match.
    let data = reference::get();
    let mut all: Vec<Place<'_>> = Vec::new();
    for place in data.search(keyword, &kinds, 200) {
        if !all.iter().any(|p| same(p, &place)) {
            all.push(place);
        }
        if let Place::City(city) = place
            && kinds.contains(&PlaceKind::Airport)
        {
            for airport in data.airports_of(city).map(Place::Airport) {
                if !all.iter().any(|p| same(p, &airport)) {
                    all.push(airport);
                }
            }
        }
    }
    let data: Vec<Value> = all.iter().skip(offset).take(limit).map(|p| place_item(offline, p)).collect();
    Ok(json!({"meta": {"count": all.len(), "links": {"self": self_link(request)}}, "data": data}))
}

/// `GET /v1/reference-data/locations/airports`: airports around a point, most relevant first.
pub(super) fn nearest(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let lat = coordinate(request, "latitude", 90.0)?;
    let lon = coordinate(request, "longitude", 180.0)?;
    let radius = int_param(request, "radius", 500, 0, 500)?;
    let (limit, offset) = page(request, 10)?;
    let sort = request.get("sort").map(str::trim).filter(|s| !s.is_empty()).unwrap_or("relevance");
    let mut found: Vec<(f64, f64, Value)> = reference::get()
        .nearest(lat, lon, radius as f64, usize::MAX)
        .into_iter()
        .map(|(airport, km)| {
            let flights = flights_score(airport);
            let travelers = travelers_score(reference::get().city_of(airport));
            let relevance = round((flights_weight(airport) + travelers) as f64 / (1.0 + km / 150.0), 5);
            let key = match sort {
                "distance" => -km,
                "analytics.flights.score" => flights as f64,
                "analytics.travelers.score" => travelers as f64,
                _ => relevance,
            };
            let mut item = airport_item(offline, airport);
            if let Some(obj) = item.as_object_mut() {
                obj.insert("distance".into(), json!({"value": km.round() as i64, "unit": "KM"}));
                obj.insert(
                    "analytics".into(),
                    json!({"flights": {"score": flights}, "travelers": {"score": travelers}}),
                );
                obj.insert("relevance".into(), json!(relevance));
            }
            (key, km, item)
        })
        .collect();
    if !["relevance", "distance", "analytics.flights.score", "analytics.travelers.score"].contains(&sort) {
        return Err(invalid(
            "sort",
            "must be relevance, distance, analytics.flights.score or analytics.travelers.score",
        ));
    }
    found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.total_cmp(&b.1)));
    let count = found.len();
    let data: Vec<Value> = found.into_iter().skip(offset).take(limit).map(|(_, _, v)| v).collect();
    Ok(json!({"meta": {"count": count, "links": {"self": self_link(request)}}, "data": data}))
}

/// `GET /v1/reference-data/airlines`.
pub(super) fn airlines(request: &Request) -> Result<Value, ApiError> {
    let codes: Vec<String> = list_param(request, "airlineCodes").into_iter().map(|c| c.to_ascii_uppercase()).collect();
    if codes.iter().any(|c| !(2..=3).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return Err(invalid("airlineCodes", "must be IATA (2) or ICAO (3) airline codes, comma-separated"));
    }
    let data: Vec<Value> = reference::get()
        .airlines()
        .iter()
        .filter(|a| codes.is_empty() || codes.iter().any(|c| *c == a.iata || *c == a.icao))
        .map(|a| {
            json!({"type": "airline", "iataCode": a.iata, "icaoCode": a.icao, "businessName": a.name,
                   "commonName": a.common_name.to_uppercase()})
        })
        .collect();
    Ok(json!({"meta": {"count": data.len(), "links": {"self": self_link(request)}}, "data": data}))
}

/// `GET /v1/reference-data/recommended-locations`: cities like those given — large cities
/// nearby and in the same country.
pub(super) fn recommended(request: &Request) -> Result<Value, ApiError> {
    let codes: Vec<String> = list_param(request, "cityCodes").into_iter().map(|c| c.to_ascii_uppercase()).collect();
    if codes.is_empty() || codes.iter().any(|c| c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(invalid("cityCodes", "is required: 3-letter IATA city codes, comma-separated"));
    }
    for name in ["travelerCountryCode", "destinationCountryCode"] {
        if let Some(c) = request.get(name).map(str::trim).filter(|c| !c.is_empty())
            && (c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()))
        {
            return Err(invalid(name, "must be an ISO 3166-1 alpha-2 country code"));
        }
    }
    let destination = request.get("destinationCountryCode").map(|c| c.trim().to_ascii_uppercase());
    let data = reference::get();
    let from: Vec<&City> = codes.iter().filter_map(|c| data.city(c)).collect();
    if from.is_empty() {
        return Err(ApiError::not_found("No such city")
            .with_details(vec![FieldError::new("cityCodes", "none of these cities is known")]));
    }
    let mut scored: Vec<(f64, &City)> = data
        .cities()
        .iter()
        .filter(|c| c.population >= 300_000 && !codes.contains(&c.code))
        .filter(|c| destination.as_deref().is_none_or(|d| d.is_empty() || c.country == d))
        .map(|c| {
            let size = ((c.population as f64).log10() - 5.0).clamp(0.0, 2.5) / 2.5;
            let near =
                from.iter().map(|f| 1.0 / (1.0 + distance_km(f.lat, f.lon, c.lat, c.lon) / 700.0)).fold(0.0, f64::max);
            let same = if from.iter().any(|f| f.country == c.country) { 0.1 } else { 0.0 };
            ((0.45 * size + 0.45 * near + same).min(0.99), c)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let items: Vec<Value> = scored
        .into_iter()
        .take(10)
        .map(|(relevance, c)| {
            json!({"type": "recommended-location", "subtype": "CITY", "name": c.name.to_uppercase(), "iataCode": c.code,
                   "geoCode": {"latitude": c.lat, "longitude": c.lon}, "relevance": round(relevance, 2)})
        })
        .collect();
    Ok(json!({"meta": {"count": items.len(), "links": {"self": self_link(request)}}, "data": items}))
}
