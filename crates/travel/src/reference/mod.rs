//! Airports, cities, countries and airlines, bundled with the binary (`data/*.tsv`, regenerated
//! by `data/regenerate.py`; sources and licences in `data/README.md`). Read once, on first use,
//! into memory: keyword search, code lookup and nearest airports answer without any I/O, for
//! every supplier — Amadeus's own reference data costs a call and a quota per keystroke.

mod search;

use std::collections::HashMap;
use std::sync::OnceLock;

pub use search::{Place, PlaceKind};

const AIRPORTS: &str = include_str!("../../data/airports.tsv");
const CITIES: &str = include_str!("../../data/cities.tsv");
const COUNTRIES: &str = include_str!("../../data/countries.tsv");
const AIRLINES: &str = include_str!("../../data/airlines.tsv");

#[derive(Debug, Clone)]
pub struct Airport {
    pub iata: String,
    /// Empty when the airport has none.
    pub icao: String,
    pub name: String,
    /// The city as the airport names it (`Paris`).
    pub city: String,
    /// IATA city code: the metropolitan area (`PAR` for CDG and ORY) or the airport's own code.
    pub city_code: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub subdivision: String,
    pub lat: f64,
    pub lon: f64,
    /// IANA timezone (`Europe/Paris`).
    pub tz: String,
}

#[derive(Debug, Clone)]
pub struct City {
    pub code: String,
    pub name: String,
    pub country: String,
    /// The centre (GeoNames), or the main airport's position when GeoNames has no such city.
    pub lat: f64,
    pub lon: f64,
    pub tz: String,
    /// 0 when unknown.
    pub population: u64,
    /// Indices into [`Reference::airports`], the main airport first.
    pub airports: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Airline {
    pub iata: String,
    pub icao: String,
    /// `AIR FRANCE` (Amadeus's `businessName`).
    pub name: String,
    /// `Air France` (Amadeus's `commonName`).
    pub common_name: String,
    pub country: String,
    /// IATA codes of its main airports.
    pub hubs: Vec<String>,
}

/// The bundled reference data.
#[derive(Debug)]
pub struct Reference {
    airports: Vec<Airport>,
    by_iata: HashMap<String, usize>,
    by_icao: HashMap<String, usize>,
    cities: Vec<City>,
    by_city: HashMap<String, usize>,
    countries: HashMap<String, String>,
    airlines: Vec<Airline>,
    /// Each airport's [`Reference::importance`], by index into `airports` (weighed once, at load).
    importance: Vec<u64>,
    index: search::Index,
}

/// The reference data, parsed on first use.
pub fn get() -> &'static Reference {
    static DATA: OnceLock<Reference> = OnceLock::new();
    DATA.get_or_init(Reference::load)
}

/// Great-circle distance in kilometres.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = (lat2 - lat1).to_radians();
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    12_742.0 * a.sqrt().min(1.0).asin()
}

/// The data lines of a TSV file: comments and blank lines skipped, fields split on tabs.
fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(|l| l.split('\t').collect())
}

fn field(row: &[&str], i: usize) -> String {
    row.get(i).map(|s| (*s).to_owned()).unwrap_or_default()
}

fn number(row: &[&str], i: usize) -> f64 {
    row.get(i).and_then(|s| s.parse().ok()).unwrap_or(0.0)
}

impl Reference {
    fn load() -> Self {
        let airports: Vec<Airport> = rows(AIRPORTS)
            .filter(|r| r.len() >= 10)
            .map(|r| Airport {
                iata: field(&r, 0),
                icao: field(&r, 1),
                name: field(&r, 2),
                city: field(&r, 3),
                city_code: field(&r, 4),
                country: field(&r, 5),
                subdivision: field(&r, 6),
                lat: number(&r, 7),
                lon: number(&r, 8),
                tz: field(&r, 9),
            })
            .collect();
        let by_iata = airports.iter().enumerate().map(|(i, a)| (a.iata.clone(), i)).collect();
        let by_icao =
            airports.iter().enumerate().filter(|(_, a)| !a.icao.is_empty()).map(|(i, a)| (a.icao.clone(), i)).collect();
        let countries = rows(COUNTRIES).filter(|r| r.len() >= 2).map(|r| (field(&r, 0), field(&r, 1))).collect();
        let airlines = rows(AIRLINES)
            .filter(|r| r.len() >= 6)
            .map(|r| Airline {
                iata: field(&r, 0),
                icao: field(&r, 1),
                name: field(&r, 2),
                common_name: field(&r, 3),
                country: field(&r, 4),
                hubs: field(&r, 5).split(',').map(str::to_owned).collect(),
            })
            .collect();
        let mut cities: Vec<City> = rows(CITIES)
            .filter(|r| r.len() >= 7)
            .map(|r| City {
                code: field(&r, 0),
                name: field(&r, 1),
                country: field(&r, 2),
                lat: number(&r, 3),
                lon: number(&r, 4),
                tz: field(&r, 5),
                population: r.get(6).and_then(|s| s.parse().ok()).unwrap_or(0),
                airports: Vec::new(),
            })
            .collect();
        let mut by_city: HashMap<String, usize> = cities.iter().enumerate().map(|(i, c)| (c.code.clone(), i)).collect();
        for (i, a) in airports.iter().enumerate() {
            let at = match by_city.get(&a.city_code) {
                Some(at) => *at,
                None => {
                    cities.push(City {
                        code: a.city_code.clone(),
                        name: a.city.clone(),
                        country: a.country.clone(),
                        lat: a.lat,
                        lon: a.lon,
                        tz: a.tz.clone(),
                        population: 0,
                        airports: Vec::new(),
                    });
                    by_city.insert(a.city_code.clone(), cities.len() - 1);
                    cities.len() - 1
                }
            };
            if let Some(city) = cities.get_mut(at) {
                // The airport with the city's own code, or a hub, leads.
                let main = a.iata == city.code;
                if main { city.airports.insert(0, i) } else { city.airports.push(i) }
            }
        }
        let mut data = Self {
            airports,
            by_iata,
            by_icao,
            cities,
            by_city,
            countries,
            airlines,
            importance: Vec::new(),
            index: search::Index::default(),
        };
        data.importance = data.airports.iter().map(|a| data.weigh(a)).collect();
        data.index = search::Index::build(&data);
        data
    }

    pub fn airports(&self) -> &[Airport] {
        &self.airports
    }

    pub fn cities(&self) -> &[City] {
        &self.cities
    }

    pub fn airlines(&self) -> &[Airline] {
        &self.airlines
    }

    /// An airport by IATA (`CDG`) or ICAO (`LFPG`) code, any case.
    pub fn airport(&self, code: &str) -> Option<&Airport> {
        let code = code.trim().to_ascii_uppercase();
        let at = match code.len() {
            3 => self.by_iata.get(&code),
            4 => self.by_icao.get(&code),
            _ => None,
        };
        at.and_then(|i| self.airports.get(*i))
    }

    /// A city by IATA city code (`PAR`), any case; a single-airport city has its airport's code.
    pub fn city(&self, code: &str) -> Option<&City> {
        self.by_city.get(&code.trim().to_ascii_uppercase()).and_then(|i| self.cities.get(*i))
    }

    /// The city an airport serves.
    pub fn city_of(&self, airport: &Airport) -> Option<&City> {
        self.city(&airport.city_code)
    }

    /// A city's airports, its main one first.
    pub fn airports_of<'a>(&'a self, city: &'a City) -> impl Iterator<Item = &'a Airport> + 'a {
        city.airports.iter().filter_map(|i| self.airports.get(*i))
    }

    /// Airports for a code that is an airport or a city: the airport itself, or the city's.
    pub fn airports_for(&self, code: &str) -> Vec<&Airport> {
        if let Some(city) = self.city(code)
            && city.airports.len() > 1
        {
            return self.airports_of(city).collect();
        }
        self.airport(code).into_iter().collect()
    }

    /// An airline by IATA (`AF`) or ICAO (`AFR`) designator, any case.
    pub fn airline(&self, code: &str) -> Option<&Airline> {
        let code = code.trim().to_ascii_uppercase();
        self.airlines.iter().find(|a| a.iata == code || a.icao == code)
    }

    /// The airlines whose hubs include `airport` (IATA).
    pub fn airlines_at<'a>(&'a self, airport: &'a str) -> impl Iterator<Item = &'a Airline> + 'a {
        self.airlines.iter().filter(move |a| a.hubs.iter().any(|h| h == airport))
    }

    /// The English name of an ISO 3166-1 alpha-2 country.
    pub fn country_name(&self, code: &str) -> Option<&str> {
        self.countries.get(&code.trim().to_ascii_uppercase()).map(String::as_str)
    }

    /// Airports and cities matching `keyword` (a code, or the start of words of a name),
    /// best first: exact codes, then names that start with it, then larger places.
    pub fn search(&self, keyword: &str, kinds: &[PlaceKind], limit: usize) -> Vec<Place<'_>> {
        self.index.search(self, keyword, kinds, limit)
    }

    /// Airports within `radius_km` of a point, nearest first, with their distance.
    pub fn nearest(&self, lat: f64, lon: f64, radius_km: f64, limit: usize) -> Vec<(&Airport, f64)> {
        let mut found: Vec<(&Airport, f64)> = self
            .airports
            .iter()
            .map(|a| (a, distance_km(lat, lon, a.lat, a.lon)))
            .filter(|(_, d)| *d <= radius_km)
            .collect();
        found.sort_by(|a, b| a.1.total_cmp(&b.1));
        found.truncate(limit);
        found
    }

    /// DreamScape's location-code resolution: three letters are a code (upper-cased); anything
    /// else is looked up as a city or airport name, and failing that upper-cased as given.
    pub fn resolve(&self, input: &str) -> String {
        let trimmed = input.trim();
        if trimmed.len() == 3 && trimmed.chars().all(|c| c.is_ascii_alphabetic()) {
            return trimmed.to_ascii_uppercase();
        }
        match self.search(trimmed, &[PlaceKind::City, PlaceKind::Airport], 1).first() {
            Some(place) => place.code().to_owned(),
            None => trimmed.to_ascii_uppercase(),
        }
    }

    /// How much an airport matters for ranking: its city's weight, more for a hub or an
    /// international airport.
    pub fn importance(&self, airport: &Airport) -> u64 {
        let at = self.by_iata.get(&airport.iata).and_then(|i| self.importance.get(*i));
        at.copied().unwrap_or_else(|| self.weigh(airport))
    }

    fn weigh(&self, airport: &Airport) -> u64 {
        let city_weight = self.city_of(airport).map(|c| self.weight_of_city(c)).unwrap_or(1);
        let hub = if self.airlines_at(&airport.iata).next().is_some() { 10_000_000 } else { 0 };
        let international = if airport.name.contains("International") { 1_000_000 } else { 0 };
        city_weight / 2 + hub + international
    }

    /// Airports within `radius_km` of a point, the most relevant first (importance, lessened
    /// by distance), with their distance — what a traveller means by "airports near here".
    pub fn relevant_near(&self, lat: f64, lon: f64, radius_km: f64, limit: usize) -> Vec<(&Airport, f64)> {
        let mut found = self.nearest(lat, lon, radius_km, usize::MAX);
        let score =
            |(a, d): &(&Airport, f64)| (self.importance(a).max(1) as f64).log10() - 3.0 * d / radius_km.max(1.0);
        found.sort_by(|a, b| score(b).total_cmp(&score(a)));
        found.truncate(limit);
        found
    }

    /// How much a city matters for ranking: its population, and hubs count for more.
    fn weight_of_city(&self, city: &City) -> u64 {
        let hubs = self.airports_of(city).filter(|a| self.airlines_at(&a.iata).next().is_some()).count() as u64;
        city.population.max(1) + hubs * 5_000_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_data_is_all_read() {
        let r = get();
        assert!(r.airports().len() > 7_000, "{}", r.airports().len());
        assert!(r.airlines().len() > 80);
        let cdg = r.airport("cdg").map(|a| (a.icao.as_str(), a.city_code.as_str(), a.tz.as_str()));
        assert_eq!(cdg, Some(("LFPG", "PAR", "Europe/Paris")));
        assert_eq!(r.airport("LFPG").map(|a| a.iata.as_str()), Some("CDG"));
        let paris: Vec<&str> = r.airports_for("PAR").iter().map(|a| a.iata.as_str()).collect();
        assert!(paris.contains(&"CDG") && paris.contains(&"ORY"), "{paris:?}");
        assert_eq!(r.city("NYC").map(|c| c.country.as_str()), Some("US"));
        assert_eq!(r.airline("afr").map(|a| a.iata.as_str()), Some("AF"));
        assert_eq!(r.country_name("fr"), Some("France"));
        for airline in r.airlines() {
            for hub in &airline.hubs {
                assert!(r.airport(hub).is_some(), "{} hub {hub}", airline.iata);
            }
        }
    }

    #[test]
    fn nearest_airports_are_sorted_by_distance() {
        let r = get();
        let near = r.nearest(48.8566, 2.3522, 30.0, 5);
        let codes: Vec<&str> = near.iter().map(|(a, _)| a.iata.as_str()).collect();
        assert!(codes.contains(&"ORY") && codes.contains(&"CDG"), "{codes:?}");
        assert!(near.windows(2).all(|w| w[0].1 <= w[1].1));
        let jfk_cdg = distance_km(40.6399, -73.7787, 49.0128, 2.55);
        assert!((5_800.0..5_900.0).contains(&jfk_cdg), "{jfk_cdg}");
    }

    #[test]
    fn names_resolve_to_codes_as_dreamscape_does() {
        let r = get();
        assert_eq!(r.resolve("par"), "PAR");
        assert_eq!(r.resolve("Paris"), "PAR");
        assert_eq!(r.resolve("new york"), "NYC");
        assert_eq!(r.resolve("Zzzzzz"), "ZZZZZZ");
    }
}
