//! The offline hotels: every city of the reference data has a number of hotels that grows with
//! its population, each generated from the seed and its id (`OF` + city code + 3 digits), so a
//! hotel id alone gives back the whole hotel. Names, streets and chains are from our own word
//! lists.

use kernel::{ApiError, FieldError};
use serde_json::{Value, json};

use super::{Offline, coordinate, int_param, invalid, list_param, round, scatter};
use crate::offline::rng::Rng;
use crate::provider::Request;
use crate::reference::{self, City};

/// Amadeus's hotel amenity codes that our hotels may have.
pub(super) const AMENITIES: &[&str] = &[
    "WIFI",
    "AIR_CONDITIONING",
    "RESTAURANT",
    "BAR or LOUNGE",
    "PARKING",
    "FITNESS_CENTER",
    "SWIMMING_POOL",
    "SPA",
    "ROOM_SERVICE",
    "BUSINESS_CENTER",
    "MEETING_ROOMS",
    "PETS_ALLOWED",
    "AIRPORT_SHUTTLE",
    "DISABLED_FACILITIES",
    "KIDS_WELCOME",
    "MINIBAR",
    "TELEVISION",
    "WI-FI_IN_ROOM",
    "SAUNA",
    "JACUZZI",
    "MASSAGE",
    "VALET_PARKING",
    "KITCHEN",
    "BABY-SITTING",
    "GUARDED_PARKG",
];

/// Our invented chains: (chainCode, brand).
const CHAINS: &[(&str, &str)] = &[
    ("QW", "Quaywell"),
    ("LX", "Lanterna"),
    ("NZ", "Northbay Inn"),
    ("VY", "Meridel Suites"),
    ("KC", "Corvina Collection"),
    ("HQ", "Halcyon Stay"),
];
const CHAIN_SUFFIXES: &[&str] = &["Centre", "Old Town", "Riverside", "Central Station", "Park", "Gardens", "Plaza"];
const ADJECTIVES: &[&str] =
    &["Copper", "Blue", "Golden", "Quiet", "Little", "Green", "Silver", "Amber", "Hidden", "White", "Royal", "Old"];
const NOUNS: &[&str] = &[
    "Lantern",
    "Harbour",
    "Garden",
    "Orchard",
    "Bridge",
    "Courtyard",
    "Fountain",
    "Library",
    "Heron",
    "Willow",
    "Compass",
    "Terrace",
    "Lighthouse",
    "Meridian",
    "Atlas",
    "Cedar",
];
const FRENCH: &[&str] =
    &["du Parc", "des Arts", "de la Gare", "du Théâtre", "des Voyageurs", "du Marché", "de l'Horloge", "des Tilleuls"];
const STREETS: &[&str] = &["Market", "Church", "Mill", "Station", "Garden", "Harbour", "Castle", "Museum", "Linden"];

/// A hotel of the offline supplier.
#[derive(Debug, Clone)]
pub(super) struct Hotel {
    pub id: String,
    pub city: &'static City,
    pub name: String,
    pub chain: &'static str,
    pub stars: i64,
    pub lat: f64,
    pub lon: f64,
    pub amenities: Vec<&'static str>,
    pub lines: Vec<String>,
    pub postal_code: String,
    pub dupe_id: i64,
    /// Rooms of each type the hotel has (STANDARD first).
    pub rooms: Vec<(super::rates::RoomType, i64)>,
    /// The hotel's own price level around its category's (0.85–1.2).
    pub price_factor: f64,
    /// Whether it also sells a cheaper non-refundable rate.
    pub non_refundable: bool,
    /// Free cancellation until this many days before check-in (flexible rate).
    pub free_cancel_days: i64,
}

/// How many hotels a city has: 6 for a village, about 25 for Paris, 40 at most.
pub(super) fn count(city: &City) -> u32 {
    let size = (city.population.max(1) as f64 / 50_000.0).max(1.0).log10();
    (6.0 + 11.0 * size).round().clamp(6.0, 40.0) as u32
}

/// Every hotel of `city`.
pub(super) fn of_city(seed: u64, city: &'static City) -> Vec<Hotel> {
    (1..=count(city)).map(|i| generate(seed, city, i)).collect()
}

/// The hotel with id `id` (`OFPAR004`), if it is one of ours.
pub(super) fn find(seed: u64, id: &str) -> Option<Hotel> {
    let id = id.trim();
    if id.len() != 8 || !id.starts_with("OF") {
        return None;
    }
    let city = reference::get().city(id.get(2..5)?)?;
    let index: u32 = id.get(5..8)?.parse().ok()?;
    (index >= 1 && index <= count(city) && city.code == id.get(2..5)?).then(|| generate(seed, city, index))
}

fn generate(seed: u64, city: &'static City, index: u32) -> Hotel {
    use super::rates::RoomType;
    let id = format!("OF{}{index:03}", city.code);
    let mut rng = Rng::new(seed, &["hotel", &id]);
    let (lat, lon, _) = scatter(&mut rng, city);
    let stars = match rng.range(0, 99) {
        0..=7 => 1,
        8..=27 => 2,
        28..=67 => 3,
        68..=91 => 4,
        _ => 5,
    };
    let style = rng.range(0, 5);
    let (name, chain) = name(&mut rng, city, index, style, stars);
    let stars = if chain == "OF" { stars } else { stars.max(3) };
    let mut amenities: Vec<&'static str> = vec!["WIFI", "TELEVISION"];
    for (at, amenity) in AMENITIES.iter().enumerate().skip(1) {
        // Better hotels have more; the first codes (air conditioning, restaurant…) are commoner.
        let chance = 0.12 + 0.13 * stars as f64 - 0.025 * at as f64;
        if amenity != &"TELEVISION" && rng.unit() < chance.clamp(0.04, 0.95) {
            amenities.push(amenity);
        }
    }
    let total = (12.0 + rng.unit() * 30.0 * stars as f64) as i64;
    let mut rooms = vec![(RoomType::Standard, (total / 2).max(4))];
    if rng.unit() < 0.8 {
        rooms.push((RoomType::Superior, (total / 4).max(2)));
    }
    if stars >= 3 && rng.unit() < 0.7 {
        rooms.push((RoomType::Deluxe, (total / 6).max(2)));
    }
    if stars >= 4 && rng.unit() < 0.8 {
        rooms.push((RoomType::Suite, (total / 16).max(1)));
    }
    let number = rng.range(1, 180);
    let street = street(&mut rng, city, number);
    let postal_code = postal_code(&mut rng, &city.country);
    Hotel {
        dupe_id: 700_000_000 + (rng.next_u64() % 9_000_000) as i64,
        price_factor: 0.85 + rng.unit() * 0.35,
        non_refundable: rng.unit() < 0.65,
        free_cancel_days: rng.range(1, 3),
        id,
        city,
        name,
        chain,
        stars,
        lat,
        lon,
        amenities,
        lines: vec![street],
        postal_code,
        rooms,
    }
}

fn pick(rng: &mut Rng, words: &[&'static str]) -> &'static str {
    rng.pick(words).copied().unwrap_or_default()
}

fn name(rng: &mut Rng, city: &City, index: u32, style: i64, stars: i64) -> (String, &'static str) {
    let french = matches!(city.country.as_str(), "FR" | "BE" | "LU" | "MC" | "CH");
    let place = &city.name;
    match (index, style) {
        (1, _) if stars >= 3 => (format!("{place} Grand Hotel"), "OF"),
        (_, 0 | 1) => {
            let (code, brand) = rng.pick(CHAINS).copied().unwrap_or(("QW", "Quaywell"));
            (format!("{brand} {place} {}", pick(rng, CHAIN_SUFFIXES)), code)
        }
        (_, 2) if french => (format!("Hôtel {}", pick(rng, FRENCH)), "OF"),
        (_, 2) => (format!("Hotel {} {}", pick(rng, ADJECTIVES), pick(rng, NOUNS)), "OF"),
        (_, 3) => (format!("The {} {}", pick(rng, ADJECTIVES), pick(rng, NOUNS)), "OF"),
        _ => {
            let noun = pick(rng, NOUNS);
            let name = match city.country.as_str() {
                "ES" | "MX" | "AR" | "CO" | "CL" | "PE" => format!("Casa {noun}"),
                "IT" => format!("Palazzo {noun}"),
                "PT" | "BR" => format!("Pousada {noun}"),
                "DE" | "AT" => format!("{noun}hof"),
                _ if french => format!("Résidence {noun}"),
                _ => format!("{noun} House"),
            };
            (name, "OF")
        }
    }
}

fn street(rng: &mut Rng, city: &City, number: i64) -> String {
    let word = pick(rng, STREETS);
    match city.country.as_str() {
        "FR" | "BE" | "LU" | "MC" => format!("{number} rue {}", pick(rng, FRENCH)),
        "ES" | "MX" | "AR" | "CO" | "CL" | "PE" => format!("Calle del {word}, {number}"),
        "IT" => format!("Via del {word}, {number}"),
        "PT" | "BR" => format!("Rua do {word}, {number}"),
        "DE" | "AT" | "CH" => format!("{word}straße {number}"),
        _ => format!("{number} {word} {}", if number % 2 == 0 { "Street" } else { "Avenue" }),
    }
}

fn postal_code(rng: &mut Rng, country: &str) -> String {
    match country {
        "GB" => format!("{}{} {}AB", pick(rng, &["EC", "SW", "N", "W", "SE"]), rng.range(1, 19), rng.range(1, 9)),
        "CH" | "AT" | "BE" | "NL" | "DK" | "NO" | "AU" | "NZ" | "ZA" | "LU" => format!("{}", rng.range(1000, 9999)),
        _ => format!("{:05}", rng.range(1000, 99_999)),
    }
}

impl Hotel {
    /// Amadeus's HotelList item; `distance` from the point searched around, when there is one.
    pub fn listing(&self, distance: Option<(f64, &str)>) -> Value {
        let mut item = json!({
            "chainCode": self.chain,
            "iataCode": self.city.code,
            "dupeId": self.dupe_id,
            "name": self.name,
            "hotelId": self.id,
            "rating": self.stars,
            "amenities": self.amenities,
            "geoCode": {"latitude": self.lat, "longitude": self.lon},
            "address": {
                "countryCode": self.city.country,
                "cityName": self.city.name.to_uppercase(),
                "lines": self.lines,
                "postalCode": self.postal_code,
            },
        });
        if let (Some((value, unit)), Some(obj)) = (distance, item.as_object_mut()) {
            obj.insert("distance".into(), json!({"value": round(value, 2), "unit": unit}));
        }
        item
    }

    /// The `hotel` of a hotel-offers answer.
    pub fn summary(&self) -> Value {
        json!({
            "type": "hotel",
            "hotelId": self.id,
            "chainCode": self.chain,
            "dupeId": self.dupe_id.to_string(),
            "name": self.name,
            "rating": self.stars.to_string(),
            "cityCode": self.city.code,
            "latitude": self.lat,
            "longitude": self.lon,
        })
    }
}

/// Radius, its unit and the filters shared by by-city and by-geocode.
struct Filters {
    radius_km: f64,
    unit: &'static str,
    per_unit: f64,
    ratings: Vec<i64>,
    amenities: Vec<String>,
    chains: Vec<String>,
}

fn filters(request: &Request) -> Result<Filters, ApiError> {
    let radius = int_param(request, "radius", 5, 1, 300)?;
    let (unit, per_unit) = match request.get("radiusUnit").map(|u| u.trim().to_ascii_uppercase()).as_deref() {
        None | Some("") | Some("KM") => ("KM", 1.0),
        Some("MILE") => ("MILE", 1.609_344),
        Some(_) => return Err(invalid("radiusUnit", "must be KM or MILE")),
    };
    let mut ratings = Vec::new();
    for r in list_param(request, "ratings") {
        match r.parse::<i64>() {
            Ok(v @ 1..=5) => ratings.push(v),
            _ => return Err(invalid("ratings", "must be star ratings from 1 to 5")),
        }
    }
    if ratings.len() > 4 {
        return Err(invalid("ratings", "at most 4 ratings"));
    }
    let amenities = list_param(request, "amenities");
    if amenities.len() > 3 {
        return Err(invalid("amenities", "at most 3 amenities"));
    }
    if let Some(bad) =
        amenities.iter().find(|a| !AMENITIES.contains(&a.as_str()) && !KNOWN_ELSEWHERE.contains(&a.as_str()))
    {
        return Err(invalid("amenities", format!("{bad} is not an amenity code")));
    }
    let chains = list_param(request, "chainCodes");
    if chains.iter().any(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_uppercase())) {
        return Err(invalid("chainCodes", "must be 2-letter chain codes"));
    }
    Ok(Filters { radius_km: radius as f64 * per_unit, unit, per_unit, ratings, amenities, chains })
}

/// Amadeus amenity codes no offline hotel has (valid to ask for; they just match nothing).
const KNOWN_ELSEWHERE: &[&str] = &[
    "NO_KID_ALLOWED",
    "TENNIS",
    "GOLF",
    "ANIMAL_WATCHING",
    "BEACH",
    "CASINO",
    "SOLARIUM",
    "NO_PORN_FILMS",
    "SERV_SPEC_MENU",
];

impl Filters {
    fn keeps(&self, hotel: &Hotel) -> bool {
        (self.ratings.is_empty() || self.ratings.contains(&hotel.stars))
            && self.amenities.iter().all(|a| hotel.amenities.contains(&a.as_str()))
            && (self.chains.is_empty() || self.chains.iter().any(|c| c == hotel.chain))
    }
}

fn answer(request: &Request, data: Vec<Value>) -> Value {
    json!({"data": data, "meta": {"count": data.len(), "links": {"self": super::self_link(request)}}})
}

/// `GET /v1/reference-data/locations/hotels/by-city`.
pub(super) fn by_city(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let code = request.get("cityCode").map(str::trim).unwrap_or_default().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid("cityCode", "must be a 3-letter IATA city or airport code"));
    }
    let filters = filters(request)?;
    let data = reference::get();
    // An airport code: the hotels of its city, around the airport.
    let (city, lat, lon) = match (data.city(&code), data.airport(&code)) {
        (Some(city), _) => (city, city.lat, city.lon),
        (None, Some(airport)) => match data.city_of(airport) {
            Some(city) => (city, airport.lat, airport.lon),
            None => return Err(unknown_city()),
        },
        (None, None) => return Err(unknown_city()),
    };
    let mut found: Vec<(f64, Hotel)> = of_city(offline.seed, city)
        .into_iter()
        .map(|h| (reference::distance_km(lat, lon, h.lat, h.lon), h))
        .filter(|(d, h)| *d <= filters.radius_km && filters.keeps(h))
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    let items = found.iter().map(|(d, h)| h.listing(Some((d / filters.per_unit, filters.unit)))).collect();
    Ok(answer(request, items))
}

fn unknown_city() -> ApiError {
    ApiError::not_found("No such city")
        .with_details(vec![FieldError::new("cityCode", "is not a known city or airport")])
}

/// `GET /v1/reference-data/locations/hotels/by-geocode`: the hotels of every city near the point.
pub(super) fn by_geocode(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let lat = coordinate(request, "latitude", 90.0)?;
    let lon = coordinate(request, "longitude", 180.0)?;
    let filters = filters(request)?;
    let mut found: Vec<(f64, Hotel)> = reference::get()
        .cities()
        .iter()
        .filter(|c| reference::distance_km(lat, lon, c.lat, c.lon) <= filters.radius_km + 10.0)
        .flat_map(|c| of_city(offline.seed, c))
        .map(|h| (reference::distance_km(lat, lon, h.lat, h.lon), h))
        .filter(|(d, h)| *d <= filters.radius_km && filters.keeps(h))
        .collect();
    found.sort_by(|a, b| a.0.total_cmp(&b.0));
    found.truncate(1000);
    let items = found.iter().map(|(d, h)| h.listing(Some((d / filters.per_unit, filters.unit)))).collect();
    Ok(answer(request, items))
}

/// The `hotelIds` of a request: well-formed, at most `max`.
pub(super) fn ids_param(request: &Request, max: usize) -> Result<Vec<String>, ApiError> {
    let ids: Vec<String> = list_param(request, "hotelIds").into_iter().map(|s| s.to_ascii_uppercase()).collect();
    if ids.is_empty() {
        return Err(invalid("hotelIds", "is required: one or more 8-character hotel ids"));
    }
    if ids.len() > max {
        return Err(invalid("hotelIds", format!("at most {max} hotel ids")));
    }
    if let Some(bad) = ids.iter().find(|id| id.len() != 8 || !id.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return Err(invalid("hotelIds", format!("{bad} is not an 8-character hotel id")));
    }
    Ok(ids)
}

/// `GET /v1/reference-data/locations/hotels/by-hotels`.
pub(super) fn by_ids(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let ids = ids_param(request, 99)?;
    let items: Vec<Value> = ids.iter().filter_map(|id| find(offline.seed, id)).map(|h| h.listing(None)).collect();
    if items.is_empty() {
        return Err(ApiError::not_found("No such hotel")
            .with_details(vec![FieldError::new("hotelIds", "none of these hotels is known")]));
    }
    Ok(answer(request, items))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_has_a_stable_set_of_hotels_around_its_centre() {
        let paris = reference::get().city("PAR").map(|c| of_city(42, c)).unwrap_or_default();
        assert!((15..=40).contains(&paris.len()), "{}", paris.len());
        for hotel in &paris {
            assert!(hotel.id.len() == 8 && hotel.id.starts_with("OFPAR"), "{}", hotel.id);
            assert!(reference::distance_km(48.8534, 2.3488, hotel.lat, hotel.lon) < 10.0, "{}", hotel.name);
            assert!((1..=5).contains(&hotel.stars));
            assert_eq!(find(42, &hotel.id).map(|h| (h.name, h.lat)), Some((hotel.name.clone(), hotel.lat)));
        }
        let again: Vec<String> = reference::get()
            .city("PAR")
            .map(|c| of_city(42, c))
            .unwrap_or_default()
            .into_iter()
            .map(|h| h.name)
            .collect();
        assert_eq!(again, paris.iter().map(|h| h.name.clone()).collect::<Vec<_>>());
        let other_seed: Vec<String> = reference::get()
            .city("PAR")
            .map(|c| of_city(43, c))
            .unwrap_or_default()
            .into_iter()
            .map(|h| h.name)
            .collect();
        assert_ne!(other_seed, again);
        assert!(find(42, "OFPAR999").is_none() && find(42, "XXPAR001").is_none() && find(42, "OFZZZ001").is_none());
        let small = reference::get().cities().iter().find(|c| c.population == 0).map(count);
        assert_eq!(small, Some(6));
    }
}
