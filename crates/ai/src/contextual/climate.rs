//! The bundled destinations and their climate normals (`data/climate.tsv`: approximate monthly
//! highs, lows, rainy days and travel seasons of the 50 destinations travel's offline supplier
//! knows). They answer the seasonal questions without any provider, give the typed
//! recommendations a climate to match a profile against, and place a city code on the map.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};

/// A destination with its normals (index 0 = January).
#[derive(Debug, Clone)]
pub struct City {
    pub code: String,
    pub name: String,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
    /// DreamScape travel types (lower-case) the destination suits: `beach`, `cultural`, …
    pub tags: Vec<String>,
    pub high: [f64; 12],
    pub low: [f64; 12],
    pub rainy_days: [f64; 12],
    season: [TravelSeason; 12],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TravelSeason {
    High,
    Shoulder,
    Low,
}

impl TravelSeason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::High => "high_season",
            Self::Shoulder => "shoulder",
            Self::Low => "low_season",
        }
    }
}

static CITIES: LazyLock<Vec<City>> = LazyLock::new(|| parse(include_str!("../../data/climate.tsv")));

fn numbers(field: &str) -> Option<[f64; 12]> {
    let values: Vec<f64> = field.split(',').map(|v| v.trim().parse().ok()).collect::<Option<_>>()?;
    values.try_into().ok()
}

fn parse(text: &str) -> Vec<City> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            let [code, name, country, lat, lon, tags, high, low, rainy, season] = f.as_slice() else { return None };
            let season: Vec<TravelSeason> = season
                .chars()
                .map(|c| match c {
                    'H' => Some(TravelSeason::High),
                    'S' => Some(TravelSeason::Shoulder),
                    'L' => Some(TravelSeason::Low),
                    _ => None,
                })
                .collect::<Option<_>>()?;
            Some(City {
                code: (*code).to_owned(),
                name: (*name).to_owned(),
                country: (*country).to_owned(),
                lat: lat.parse().ok()?,
                lon: lon.parse().ok()?,
                tags: tags.split(',').map(str::to_owned).collect(),
                high: numbers(high)?,
                low: numbers(low)?,
                rainy_days: numbers(rainy)?,
                season: season.try_into().ok()?,
            })
        })
        .collect()
}

/// Every bundled destination.
pub fn all() -> &'static [City] {
    &CITIES
}

/// DreamScape's codes of the destinations bundled under a stand-in (as the recommender's).
const ALIASES: [(&str, &str); 3] = [("YMQ", "YQB"), ("DPS", "LOP"), ("MLE", "MRU")];

/// A city by IATA code (`PAR`), or by DreamScape's `Name,CC` form (`Paris,FR`), or by name.
pub fn find(input: &str) -> Option<&'static City> {
    let input = input.trim();
    if input.is_empty() || input.len() > 100 {
        return None;
    }
    let upper = input.to_ascii_uppercase();
    let code = ALIASES.iter().find(|(alias, _)| *alias == upper).map_or(upper.as_str(), |(_, code)| code);
    if let Some(city) = all().iter().find(|c| c.code == code) {
        return Some(city);
    }
    let (name, country) = match input.rsplit_once(',') {
        Some((name, country)) => (name.trim(), Some(country.trim())),
        None => (input, None),
    };
    let wanted = fold(name);
    all().iter().find(|c| {
        let short = c.name.split(" (").next().unwrap_or(&c.name);
        (fold(short) == wanted || fold(&c.name) == wanted)
            && country.is_none_or(|cc| cc.eq_ignore_ascii_case(&c.country))
    })
}

/// Lower-case with the accents of the destinations' names dropped (`Montréal` = `montreal`).
pub fn fold(text: &str) -> String {
    text.trim()
        .chars()
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'À' | 'Á' | 'Â' | 'Ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => 'e',
            'í' | 'î' | 'ï' => 'i',
            'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// `spring` … `winter` of a month (1–12) in a hemisphere (meteorological seasons).
pub fn season_of(month: u32, south: bool) -> &'static str {
    let month = if south { (month + 5) % 12 + 1 } else { month };
    match month {
        3..=5 => "spring",
        6..=8 => "summer",
        9..=11 => "autumn",
        _ => "winter",
    }
}

/// Whether `date` falls in French school holidays (approximate: the dates shift by a few days a
/// year and by zone; here the union of the zones' usual weeks).
pub fn is_school_holiday(date: NaiveDate) -> bool {
    let (m, d) = (date.month(), date.day());
    matches!(
        (m, d),
        (7 | 8, _) | (12, 20..) | (1, ..=3) | (10, 19..) | (11, ..=3) | (2, 8..) | (3, ..=9) | (4, 5..) | (5, ..=4)
    )
}

/// The normals of one month.
#[derive(Debug, Clone, Copy)]
pub struct Normals {
    pub high: f64,
    pub low: f64,
    pub rainy_days: f64,
}

impl City {
    pub fn south(&self) -> bool {
        self.lat < 0.0
    }

    pub fn hemisphere(&self) -> &'static str {
        if self.south() { "south" } else { "north" }
    }

    /// `Paris,FR`: DreamScape's form of a city code.
    pub fn label(&self) -> String {
        format!("{},{}", self.name.split(" (").next().unwrap_or(&self.name), self.country)
    }

    fn index(month: u32) -> usize {
        (month.clamp(1, 12) - 1) as usize
    }

    pub fn normals(&self, month: u32) -> Normals {
        let i = Self::index(month);
        Normals { high: self.high[i], low: self.low[i], rainy_days: self.rainy_days[i] }
    }

    pub fn travel_season(&self, month: u32) -> TravelSeason {
        self.season[Self::index(month)]
    }

    /// The high-season months (1–12).
    pub fn peak_months(&self) -> Vec<u32> {
        (1..=12).filter(|m| self.travel_season(*m) == TravelSeason::High).collect()
    }

    /// The weather a month's normals suggest, in DreamScape's `condition` values.
    pub fn typical_condition(&self, month: u32) -> &'static str {
        let n = self.normals(month);
        if n.rainy_days >= 13.0 {
            "rainy"
        } else if n.high >= 32.0 {
            "hot"
        } else if n.high <= 3.0 {
            if n.low <= -3.0 { "snowy" } else { "cold" }
        } else if n.rainy_days >= 9.0 {
            "cloudy"
        } else if n.rainy_days >= 5.0 {
            "partly_cloudy"
        } else {
            "sunny"
        }
    }

    /// Whether a typical day of the month suits being outdoors (mild and mostly dry).
    pub fn outdoor_month(&self, month: u32) -> bool {
        let n = self.normals(month);
        (14.0..=32.0).contains(&n.high) && n.rainy_days < 12.0
    }

    /// Climate words a traveller may ask for (`climates` of the profile) that this month fits.
    pub fn climate_words(&self, month: u32) -> Vec<&'static str> {
        let n = self.normals(month);
        let mut words = Vec::new();
        if n.high >= 27.0 {
            words.extend(["warm", "hot", "tropical", "sunny"]);
        } else if n.high >= 20.0 {
            words.extend(["warm", "mild", "temperate", "mediterranean"]);
        } else if n.high >= 10.0 {
            words.extend(["mild", "temperate", "cool"]);
        } else {
            words.extend(["cold", "cool", "snow", "winter"]);
        }
        if n.rainy_days <= 4.0 {
            words.extend(["dry", "sunny", "desert"]);
        }
        words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses_and_codes_are_unique() {
        assert_eq!(all().len(), 50);
        let mut codes: Vec<&str> = all().iter().map(|c| c.code.as_str()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 50);
        assert!(all().iter().all(|c| c.high.iter().zip(c.low).all(|(h, l)| *h >= l)));
    }

    #[test]
    fn cities_are_found_by_code_label_and_name() {
        assert_eq!(find("PAR").map(|c| c.name.as_str()), Some("Paris"));
        assert_eq!(find("par").map(|c| c.code.as_str()), Some("PAR"));
        assert_eq!(find("Paris,FR").map(|c| c.code.as_str()), Some("PAR"));
        assert_eq!(find("Québec City,CA").map(|c| c.code.as_str()), Some("YQB"));
        assert_eq!(find("YMQ").map(|c| c.code.as_str()), Some("YQB"));
        assert_eq!(find("MLE").map(|c| c.code.as_str()), Some("MRU"));
        assert!(find("Paris,US").is_none());
        assert!(find("Atlantis").is_none());
        assert!(find("").is_none());
    }

    #[test]
    fn seasons_flip_between_hemispheres() {
        assert_eq!(season_of(1, false), "winter");
        assert_eq!(season_of(1, true), "summer");
        assert_eq!(season_of(4, true), "autumn");
        assert_eq!(season_of(10, false), "autumn");
        let sydney = find("SYD").unwrap();
        assert_eq!(sydney.hemisphere(), "south");
        assert_eq!(sydney.travel_season(1), TravelSeason::High);
        assert_eq!(find("DXB").unwrap().typical_condition(7), "hot");
        assert_eq!(find("BKK").unwrap().typical_condition(8), "rainy");
        assert!(is_school_holiday(NaiveDate::from_ymd_opt(2030, 7, 14).unwrap()));
        assert!(!is_school_holiday(NaiveDate::from_ymd_opt(2030, 6, 3).unwrap()));
    }
}
