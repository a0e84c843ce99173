//! What seeded data is made of: real cities (coordinates, time zones, currencies), names, and
//! one request body per kind of listing, all drawn from the seeded generator.

use serde_json::{Value, json};

use super::rng::Rng;

pub struct City {
    pub name: &'static str,
    pub country: &'static str,
    pub lat: f64,
    pub lng: f64,
    pub timezone: &'static str,
    pub currency: &'static str,
    pub street: &'static str,
}

const fn city(
    name: &'static str,
    country: &'static str,
    lat: f64,
    lng: f64,
    timezone: &'static str,
    currency: &'static str,
    street: &'static str,
) -> City {
    City { name, country, lat, lng, timezone, currency, street }
}

pub const CITIES: &[City] = &[
    city("Paris", "FR", 48.8566, 2.3522, "Europe/Paris", "EUR", "Rue de Rivoli"),
    city("Lyon", "FR", 45.7640, 4.8357, "Europe/Paris", "EUR", "Rue de la République"),
    city("Marseille", "FR", 43.2965, 5.3698, "Europe/Paris", "EUR", "La Canebière"),
    city("Nice", "FR", 43.7102, 7.2620, "Europe/Paris", "EUR", "Promenade des Anglais"),
    city("Bordeaux", "FR", 44.8378, -0.5792, "Europe/Paris", "EUR", "Rue Sainte-Catherine"),
    city("London", "GB", 51.5072, -0.1276, "Europe/London", "GBP", "Baker Street"),
    city("Edinburgh", "GB", 55.9533, -3.1883, "Europe/London", "GBP", "Royal Mile"),
    city("Berlin", "DE", 52.5200, 13.4050, "Europe/Berlin", "EUR", "Friedrichstraße"),
    city("Munich", "DE", 48.1351, 11.5820, "Europe/Berlin", "EUR", "Leopoldstraße"),
    city("Madrid", "ES", 40.4168, -3.7038, "Europe/Madrid", "EUR", "Gran Vía"),
    city("Barcelona", "ES", 41.3874, 2.1686, "Europe/Madrid", "EUR", "Passeig de Gràcia"),
    city("Lisbon", "PT", 38.7223, -9.1393, "Europe/Lisbon", "EUR", "Rua Augusta"),
    city("Porto", "PT", 41.1579, -8.6291, "Europe/Lisbon", "EUR", "Rua de Santa Catarina"),
    city("Rome", "IT", 41.9028, 12.4964, "Europe/Rome", "EUR", "Via del Corso"),
    city("Florence", "IT", 43.7696, 11.2558, "Europe/Rome", "EUR", "Via de' Tornabuoni"),
    city("Milan", "IT", 45.4642, 9.1900, "Europe/Rome", "EUR", "Via Montenapoleone"),
    city("Amsterdam", "NL", 52.3676, 4.9041, "Europe/Amsterdam", "EUR", "Prinsengracht"),
    city("Brussels", "BE", 50.8503, 4.3517, "Europe/Brussels", "EUR", "Rue Neuve"),
    city("Vienna", "AT", 48.2082, 16.3738, "Europe/Vienna", "EUR", "Kärntner Straße"),
    city("Prague", "CZ", 50.0755, 14.4378, "Europe/Prague", "CZK", "Národní"),
    city("Zurich", "CH", 47.3769, 8.5417, "Europe/Zurich", "CHF", "Bahnhofstrasse"),
    city("Geneva", "CH", 46.2044, 6.1432, "Europe/Zurich", "CHF", "Rue du Rhône"),
    city("Copenhagen", "DK", 55.6761, 12.5683, "Europe/Copenhagen", "DKK", "Strøget"),
    city("Stockholm", "SE", 59.3293, 18.0686, "Europe/Stockholm", "SEK", "Drottninggatan"),
    city("Dublin", "IE", 53.3498, -6.2603, "Europe/Dublin", "EUR", "Grafton Street"),
    city("Athens", "GR", 37.9838, 23.7275, "Europe/Athens", "EUR", "Ermou"),
    city("New York", "US", 40.7128, -74.0060, "America/New_York", "USD", "Broadway"),
    city("San Francisco", "US", 37.7749, -122.4194, "America/Los_Angeles", "USD", "Market Street"),
    city("Chicago", "US", 41.8781, -87.6298, "America/Chicago", "USD", "Michigan Avenue"),
    city("Miami", "US", 25.7617, -80.1918, "America/New_York", "USD", "Ocean Drive"),
    city("Montreal", "CA", 45.5019, -73.5674, "America/Toronto", "CAD", "Rue Sainte-Catherine"),
    city("Vancouver", "CA", 49.2827, -123.1207, "America/Vancouver", "CAD", "Robson Street"),
    city("Mexico City", "MX", 19.4326, -99.1332, "America/Mexico_City", "MXN", "Paseo de la Reforma"),
    city("Marrakesh", "MA", 31.6295, -7.9811, "Africa/Casablanca", "MAD", "Rue Riad Zitoun"),
    city("Cape Town", "ZA", -33.9249, 18.4241, "Africa/Johannesburg", "ZAR", "Long Street"),
    city("Sydney", "AU", -33.8688, 151.2093, "Australia/Sydney", "AUD", "George Street"),
    city("Melbourne", "AU", -37.8136, 144.9631, "Australia/Melbourne", "AUD", "Collins Street"),
    city("Singapore", "SG", 1.3521, 103.8198, "Asia/Singapore", "SGD", "Orchard Road"),
    city("Bangkok", "TH", 13.7563, 100.5018, "Asia/Bangkok", "THB", "Sukhumvit Road"),
    city("Dubai", "AE", 25.2048, 55.2708, "Asia/Dubai", "AED", "Sheikh Zayed Road"),
];

const FIRST: &[&str] = &[
    "Camille", "Louis", "Léa", "Hugo", "Chloé", "Jules", "Inès", "Lucas", "Emma", "Noah", "Olivia", "Liam", "Sofia",
    "Mateo", "Amira", "Yusuf", "Hana", "Kenji", "Priya", "Arjun", "Freya", "Oskar", "Nina", "Marco", "Giulia", "Ana",
];
const LAST: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Garcia", "Rossi", "Müller", "Smith", "Johnson", "Silva",
    "Kowalski", "Nielsen", "Haddad", "Tanaka", "Patel", "O'Brien", "Novak", "Costa", "Lefebvre", "Fischer", "Jensen",
];
const STAY_WORDS: &[&str] = &["Bright", "Quiet", "Sunny", "Cosy", "Spacious", "Charming", "Modern", "Historic"];
const STAY_KINDS: &[(&str, &str)] = &[
    ("apartment", "flat"),
    ("house", "house"),
    ("apartment", "studio"),
    ("cabin", "cabin"),
    ("boat", "houseboat"),
    ("villa", "villa"),
    ("room", "room"),
];
const CUISINES: &[&str] = &["French", "Italian", "Japanese", "Lebanese", "Indian", "Mexican", "Thai", "Greek", "Vegan"];
const ACTIVITIES: &[(&str, &str)] = &[
    ("Walking tour", "Two hours through the old town with a local guide."),
    ("Cooking class", "Market visit then cooking a three-course meal together."),
    ("Bike ride", "An easy ride along the river and through the parks."),
    ("Wine tasting", "Six wines from the region with cheese and bread."),
    ("Kayak outing", "Paddling on calm water, all equipment provided."),
    ("Street art walk", "The murals and the artists behind them."),
];
const PRODUCTS: &[(&str, i64)] = &[
    ("Travel backpack", 8900),
    ("Guidebook", 2400),
    ("Packing cubes", 1900),
    ("Rain jacket", 6900),
    ("Noise-cancelling earplugs", 1500),
    ("Camera strap", 2900),
];
/// The road vehicles the seed runs: type, seats, the longest route it is given (km), and the
/// price of a seat as a base plus so much per km (minor units).
struct Vehicle {
    kind: &'static str,
    seats: i64,
    range_km: f64,
    base: i64,
    per_km: i64,
}

const VEHICLES: &[Vehicle] = &[
    Vehicle { kind: "coach", seats: 50, range_km: 800.0, base: 500, per_km: 5 },
    Vehicle { kind: "minibus", seats: 16, range_km: 600.0, base: 1000, per_km: 8 },
    Vehicle { kind: "car", seats: 4, range_km: 450.0, base: 1500, per_km: 10 },
];

/// Countries of the seeded cities that no road reaches from the others (an island without a
/// bridge or tunnel): a car from Dublin to Edinburgh would need a ferry.
const ISLANDS: &[&str] = &["IE"];

/// The great-circle distance between two cities, in km.
fn distance_km(a: &City, b: &City) -> f64 {
    let (lat1, lat2) = (a.lat.to_radians(), b.lat.to_radians());
    let (dlat, dlng) = ((b.lat - a.lat).to_radians(), (b.lng - a.lng).to_radians());
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// Cities `vehicle` can drive to from `from`: by road, within its range.
fn destinations(from: &City, vehicle: &Vehicle) -> Vec<&'static City> {
    let island = |c: &City| ISLANDS.contains(&c.country);
    CITIES
        .iter()
        .filter(|to| to.name != from.name && distance_km(from, to) <= vehicle.range_km)
        .filter(|to| (!island(from) && !island(to)) || from.country == to.country)
        .collect()
}

pub fn person(rng: &mut Rng) -> (&'static str, &'static str) {
    (*rng.pick(FIRST), *rng.pick(LAST))
}

/// The kinds of listing, by share of the catalogue (out of 100).
pub const KINDS: &[(&str, u64)] =
    &[("stay", 55), ("restaurant", 15), ("activity", 12), ("transport", 8), ("product", 10)];

pub fn kind(rng: &mut Rng) -> &'static str {
    let mut roll = rng.below(100);
    for (kind, share) in KINDS {
        if roll < *share {
            return kind;
        }
        roll -= share;
    }
    "stay"
}

fn place(rng: &mut Rng, city: &City) -> (Value, Value) {
    let number = rng.between(1, 180);
    let address = json!({"line1": format!("{number} {}", city.street), "city": city.name, "country": city.country});
    let location = json!({"lat": city.lat + rng.jitter(0.04), "lng": city.lng + rng.jitter(0.06)});
    (address, location)
}

/// The body of `POST /api/v1/listings` for a listing of `kind` in `city`; `n` makes titles unique.
pub fn listing(rng: &mut Rng, kind: &str, city: &City, n: u64) -> Value {
    let (address, location) = place(rng, city);
    let instant = rng.chance(80);
    match kind {
        "restaurant" => {
            let cuisine = *rng.pick(CUISINES);
            let title = format!("{cuisine} table in {} #{n}", city.name);
            let day = |d: &str| json!({"day": d, "periods": [{"open": "12:00", "close": "14:30"}, {"open": "19:00", "close": "23:00"}]});
            let hours: Vec<Value> = ["tue", "wed", "thu", "fri", "sat"].iter().map(|d| day(d)).collect();
            json!({"kind": "restaurant", "title": title, "description": format!("{cuisine} cooking in the heart of {}.", city.name),
                   "address": address, "location": location, "instantBook": instant,
                   "restaurant": {"cuisine": [cuisine], "slotMinutes": 90,
                                  "tables": [{"seats": 2, "count": rng.between(2, 8)}, {"seats": 4, "count": rng.between(1, 5)}],
                                  "openingHours": hours}})
        }
        "activity" => {
            let (name, blurb) = *rng.pick(ACTIVITIES);
            json!({"kind": "activity", "title": format!("{name} in {} #{n}", city.name), "description": blurb,
                   "address": address, "location": location, "instantBook": instant,
                   "activity": {"durationMinutes": 30 * rng.between(2, 8), "pricePerPerson": 500 * rng.between(4, 30),
                                "maxParticipants": rng.between(4, 20), "languages": ["en", "fr"]}})
        }
        "transport" => transport(rng, city, n, address, location, instant),
        "product" => {
            let (name, price) = *rng.pick(PRODUCTS);
            // No `instantBook`: a shop sells at once, the catalog's default for products.
            json!({"kind": "product", "title": format!("{name} #{n}"), "description": format!("{name}, shipped from {}.", city.name),
                   "address": address,
                   "product": {"sku": format!("SKU-{n:07}"), "stockQuantity": rng.between(1, 50), "price": price,
                               "condition": if rng.chance(70) { "new" } else { "used" },
                               "shippingOptions": [{"name": "Standard", "price": 590, "estimatedDays": rng.between(2, 6)}]}})
        }
        _ => {
            let (property, noun) = *rng.pick(STAY_KINDS);
            let guests = rng.between(1, 8);
            json!({"kind": "stay", "title": format!("{} {noun} in {} #{n}", rng.pick(STAY_WORDS), city.name),
                   "description": format!("A {noun} close to {} with everything for a good stay.", city.street),
                   "address": address, "location": location, "instantBook": instant,
                   "stay": {"propertyType": property, "maxGuests": guests, "bedrooms": (guests + 1) / 2, "beds": guests.max(1),
                            "bathrooms": 1, "nightlyPrice": 500 * rng.between(8, 80),
                            "checkInTime": "15:00", "checkOutTime": "11:00"}})
        }
    }
}

/// A transport listing from `city`: a road vehicle to a city it can reach by road within its
/// range, priced by the distance; where no city is near enough (Mexico City, Singapore,
/// Dubai...), an airport shuttle within the city.
fn transport(rng: &mut Rng, city: &City, n: u64, address: Value, location: Value, instant: bool) -> Value {
    let vehicle = rng.pick(VEHICLES);
    let reachable = destinations(city, vehicle);
    let (kind, seats, from, to, price, description) = if reachable.is_empty() {
        let (from, to) = (format!("{} Airport", city.name), format!("{} city centre", city.name));
        let description = format!("Shuttle between {} airport and the city centre, luggage included.", city.name);
        ("shuttle", 8, from, to, 1500, description)
    } else {
        let to = *rng.pick(&reachable);
        let km = distance_km(city, to);
        // Rounded to 50 minor units, as fares are.
        let price = (vehicle.base + vehicle.per_km * km.round() as i64).div_euclid(50) * 50;
        let description =
            format!("Direct {} from {} to {} ({km:.0} km), luggage included.", vehicle.kind, city.name, to.name);
        (vehicle.kind, vehicle.seats, city.name.to_owned(), to.name.to_owned(), price, description)
    };
    json!({"kind": "transport", "title": format!("{from} to {to} by {kind} #{n}"), "description": description,
           "address": address, "location": location, "instantBook": instant,
           "transport": {"vehicle": {"type": kind, "seats": seats, "registration": format!("SJ-{n:06}")},
                         "routes": [{"origin": from, "destination": to}], "pricePerSeat": price}})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city(name: &str) -> &'static City {
        CITIES.iter().find(|c| c.name == name).unwrap()
    }

    #[test]
    fn road_routes_join_nearby_cities_only() {
        let km = distance_km(city("Paris"), city("Lyon"));
        assert!((380.0..400.0).contains(&km), "{km}");
        for from in CITIES {
            for vehicle in VEHICLES {
                for to in destinations(from, vehicle) {
                    assert!(distance_km(from, to) <= vehicle.range_km, "{} → {}", from.name, to.name);
                }
            }
        }
        let car = &VEHICLES[2];
        assert!(destinations(city("Zurich"), car).iter().all(|c| c.country != "MX"));
        assert!(destinations(city("Mexico City"), &VEHICLES[0]).is_empty(), "nothing within a coach's range");
        assert!(destinations(city("Dublin"), &VEHICLES[0]).is_empty(), "no road off the island");
        assert!(destinations(city("Edinburgh"), &VEHICLES[0]).iter().all(|c| c.name != "Dublin"));
        assert!(destinations(city("Paris"), car).iter().any(|c| c.name == "Lyon"));
    }

    #[test]
    fn every_seeded_transport_listing_is_plausible() {
        for (i, from) in CITIES.iter().enumerate() {
            for n in 0..20 {
                let mut rng = Rng::for_item(7, 9, (i * 100 + n) as u64);
                let body = listing(&mut rng, "transport", from, n as u64);
                let t = &body["transport"];
                let (origin, destination) =
                    (t["routes"][0]["origin"].as_str().unwrap(), t["routes"][0]["destination"].as_str().unwrap());
                if t["vehicle"]["type"] == "shuttle" {
                    assert!(origin.starts_with(from.name) && destination.starts_with(from.name), "{body}");
                    continue;
                }
                assert_eq!(origin, from.name);
                let to = city(destination);
                let range = VEHICLES.iter().find(|v| t["vehicle"]["type"] == v.kind).unwrap().range_km;
                assert!(distance_km(from, to) <= range, "{origin} → {destination} by {}", t["vehicle"]["type"]);
            }
        }
    }
}
