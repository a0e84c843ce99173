//! The 50 bundled destinations (`data/destinations.tsv`) and their 8-dimension item vectors,
//! DreamScape's dimensions: climate (cold 0 … tropical 1), culture (nature 0 … culture 1),
//! budget (cheap 0 … luxury 1), activity (relaxed 0 … intense 1), group (couples 0 … families
//! 1), urban (wild 0 … city 1), gastronomy, popularity (the model's, 0.5 until it knows).
//! Destinations are data, not code: the file is read once at start.

use std::collections::HashMap;
use std::sync::LazyLock;

/// Dimension names, in order (documented in docs/ai/recommend.md).
pub const DIMENSIONS: [&str; 8] =
    ["climate", "culture", "budget", "activity", "group", "urban", "gastronomy", "popularity"];

#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub code: String,
    pub name: String,
    pub country: String,
    pub region: String,
    pub lat: f64,
    pub lon: f64,
    /// city | beach | mountain | island | desert | nature
    pub kind: String,
    /// tropical | desert | warm | mediterranean | temperate | continental | cold
    pub climate: String,
    /// 1 (cheap) … 4 (expensive)
    pub price_level: u8,
    pub tags: Vec<String>,
    pub vector: [f64; 8],
}

impl Destination {
    pub fn has(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag) || self.kind == tag
    }
}

fn count(tags: &[String], words: &[&str]) -> f64 {
    tags.iter().filter(|t| words.contains(&t.as_str())).count() as f64
}

/// A climate word as warmth (0 cold … 1 tropical); `None` if unknown.
pub fn warmth(climate: &str) -> Option<f64> {
    Some(match climate {
        "tropical" | "hot" => 1.0,
        "desert" | "dry" => 0.9,
        "warm" | "sunny" => 0.8,
        "mediterranean" | "mild" => 0.65,
        "temperate" => 0.45,
        "continental" => 0.3,
        "cold" | "snowy" | "arctic" | "polar" => 0.1,
        _ => return None,
    })
}

/// The item vector of a destination from its type, climate, price and tags.
pub fn vector(kind: &str, climate: &str, price_level: u8, tags: &[String]) -> [f64; 8] {
    let culture = count(tags, &["culture", "history", "art", "architecture", "festival"]);
    let nature = count(tags, &["nature", "hiking", "safari", "wildlife", "diving", "ski"]);
    let active = count(tags, &["adventure", "hiking", "ski", "diving", "safari", "sport", "party"]);
    let calm = count(tags, &["relaxation", "wellness", "luxury", "romance"]);
    let group = if tags.iter().any(|t| t == "family") {
        0.85
    } else if tags.iter().any(|t| t == "romance") {
        0.2
    } else {
        0.5
    };
    let urban = match kind {
        "city" => 0.9,
        "desert" => 0.55,
        "beach" => 0.4,
        _ => 0.15,
    };
    let food = if tags.iter().any(|t| t == "food") { 0.9 } else { 0.35 };
    [
        warmth(climate).unwrap_or(0.5),
        (culture + 0.5) / (culture + nature + 1.0),
        (f64::from(price_level.clamp(1, 4)) - 1.0) / 3.0,
        (0.4 + 0.15 * active - 0.1 * calm).clamp(0.05, 0.95),
        group,
        urban,
        food,
        0.5,
    ]
}

fn parse(line: &str) -> Option<Destination> {
    let f: Vec<&str> = line.split('\t').collect();
    let [code, name, country, region, lat, lon, kind, climate, price, tags] = f.as_slice() else { return None };
    let tags: Vec<String> = tags.split(',').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
    let price_level: u8 = price.parse().ok()?;
    Some(Destination {
        code: (*code).to_owned(),
        name: (*name).to_owned(),
        country: (*country).to_owned(),
        region: (*region).to_owned(),
        lat: lat.parse().ok()?,
        lon: lon.parse().ok()?,
        kind: (*kind).to_owned(),
        climate: (*climate).to_owned(),
        price_level,
        vector: vector(kind, climate, price_level, &tags),
        tags,
    })
}

static ALL: LazyLock<Vec<Destination>> = LazyLock::new(|| {
    include_str!("../../data/destinations.tsv")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(parse)
        .collect()
});

static BY_CODE: LazyLock<HashMap<String, usize>> =
    LazyLock::new(|| ALL.iter().enumerate().map(|(i, d)| (d.code.clone(), i)).collect());

/// Every bundled destination.
pub fn all() -> &'static [Destination] {
    &ALL
}

/// A destination by its code (any case).
pub fn get(code: &str) -> Option<&'static Destination> {
    BY_CODE.get(&code.trim().to_ascii_uppercase()).map(|&i| &ALL[i])
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

/// The destination a city is in: by code, or by name (a listing's `city`; "Lombok (Mataram)"
/// also answers to "Mataram" and "Lombok").
pub fn resolve(city: &str) -> Option<&'static Destination> {
    if let Some(d) = get(city) {
        return Some(d);
    }
    let c = fold(city);
    if c.is_empty() {
        return None;
    }
    ALL.iter().find(|d| {
        let name = fold(&d.name);
        name == c || name.split(['(', ')']).map(str::trim).any(|part| part == c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifty_destinations_with_vectors_in_range() {
        assert_eq!(all().len(), 50);
        for d in all() {
            assert!(d.vector.iter().all(|v| (0.0..=1.0).contains(v)), "{}", d.code);
        }
        assert_eq!(resolve("lisbon").map(|d| d.code.as_str()), Some("LIS"));
        assert_eq!(resolve("Mataram").map(|d| d.code.as_str()), Some("LOP"));
        assert_eq!(resolve("par").map(|d| d.name.as_str()), Some("Paris"));
        assert!(resolve("Atlantis").is_none());
        let mle = get("MRU").map(|d| d.vector).unwrap_or_default();
        let rek = get("REK").map(|d| d.vector).unwrap_or_default();
        assert!(mle[0] > rek[0] && mle[5] < 0.5);
    }
}
