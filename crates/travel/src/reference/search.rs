//! Keyword search over airports and cities: a sorted list of every word of their names (folded
//! to unaccented lower case) and codes, so a keyword's candidates are one binary search away;
//! candidates are then ranked by how well they match and by how much the place matters (its
//! city's population, whether airlines base themselves there).

use super::{Airport, City, Reference};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    Airport,
    City,
}

/// A search result.
#[derive(Debug, Clone, Copy)]
pub enum Place<'a> {
    Airport(&'a Airport),
    City(&'a City),
}

impl Place<'_> {
    /// The IATA code (airport or city).
    pub fn code(&self) -> &str {
        match self {
            Place::Airport(a) => &a.iata,
            Place::City(c) => &c.code,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    kind: PlaceKind,
    at: usize,
    weight: u64,
}

#[derive(Debug, Default)]
pub(super) struct Index {
    entries: Vec<Entry>,
    /// Folded full text of each entry (names and code), for multi-word matching.
    texts: Vec<String>,
    /// (word, entry) sorted by word.
    words: Vec<(String, u32)>,
}

/// Lower case without accents; anything not a letter or digit becomes a space.
pub(super) fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let mapped = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'į' => "i",
            'ł' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
            'ř' => "r",
            'ś' | 'š' | 'ş' | 'ș' => "s",
            'ť' | 'ţ' | 'ț' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            'ß' => "ss",
            'æ' => "ae",
            'œ' => "oe",
            c if c.is_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => " ",
        };
        out.push_str(mapped);
    }
    out
}

impl Index {
    pub(super) fn build(data: &Reference) -> Self {
        let mut index = Index::default();
        for (at, city) in data.cities.iter().enumerate() {
            let country = data.country_name(&city.country).unwrap_or_default();
            let text = fold(&format!("{} {} {}", city.name, city.code, country));
            index.add(Entry { kind: PlaceKind::City, at, weight: data.weight_of_city(city) }, text);
        }
        for (at, airport) in data.airports.iter().enumerate() {
            let text = fold(&format!("{} {} {} {}", airport.name, airport.city, airport.iata, airport.icao));
            index.add(Entry { kind: PlaceKind::Airport, at, weight: data.importance(airport) }, text);
        }
        index.words.sort_unstable();
        index
    }

    fn add(&mut self, entry: Entry, text: String) {
        let id = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        let mut seen: Vec<&str> = Vec::new();
        for word in text.split_whitespace() {
            if !seen.contains(&word) {
                seen.push(word);
                self.words.push((word.to_owned(), id));
            }
        }
        self.entries.push(entry);
        self.texts.push(text);
    }

    pub(super) fn search<'a>(
        &self,
        data: &'a Reference,
        keyword: &str,
        kinds: &[PlaceKind],
        limit: usize,
    ) -> Vec<Place<'a>> {
        let folded = fold(keyword);
        let words: Vec<&str> = folded.split_whitespace().collect();
        let Some(first) = words.first() else { return Vec::new() };
        let whole = words.join(" ");
        let code = keyword.trim().to_ascii_uppercase();
        let start = self.words.partition_point(|(w, _)| w.as_str() < *first);
        let mut scored: Vec<(u32, u64, u32)> = Vec::new();
        for (word, id) in self.words.get(start..).unwrap_or_default() {
            if !word.starts_with(*first) {
                break;
            }
            let (Some(entry), Some(text)) = (self.entries.get(*id as usize), self.texts.get(*id as usize)) else {
                continue;
            };
            if !kinds.contains(&entry.kind) || scored.iter().any(|(_, _, seen)| seen == id) {
                continue;
            }
            let text_words: Vec<&str> = text.split_whitespace().collect();
            if !words.iter().all(|w| text_words.iter().any(|t| t.starts_with(w))) {
                continue;
            }
            let place_code = match entry.kind {
                PlaceKind::City => data.cities.get(entry.at).map(|c| c.code.as_str()),
                PlaceKind::Airport => data.airports.get(entry.at).map(|a| a.iata.as_str()),
            };
            let mut score = 100;
            if place_code == Some(code.as_str()) {
                score = 1_000;
            } else if text.starts_with(&whole) {
                score = 500;
            }
            if entry.kind == PlaceKind::City {
                score += 1; // a city before its airports when they match alike
            }
            scored.push((score, entry.weight, *id));
        }
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        scored
            .into_iter()
            .take(limit)
            .filter_map(|(_, _, id)| {
                let entry = self.entries.get(id as usize)?;
                match entry.kind {
                    PlaceKind::City => data.cities.get(entry.at).map(Place::City),
                    PlaceKind::Airport => data.airports.get(entry.at).map(Place::Airport),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::get;
    use super::*;

    fn codes(keyword: &str, kinds: &[PlaceKind]) -> Vec<String> {
        get().search(keyword, kinds, 5).iter().map(|p| p.code().to_owned()).collect()
    }

    #[test]
    fn codes_and_names_find_the_place_that_matters_first() {
        let both = [PlaceKind::City, PlaceKind::Airport];
        assert_eq!(codes("CDG", &[PlaceKind::Airport]).first().map(String::as_str), Some("CDG"));
        assert_eq!(codes("par", &both).first().map(String::as_str), Some("PAR"));
        assert_eq!(codes("Paris", &both).first().map(String::as_str), Some("PAR"));
        assert_eq!(codes("lond", &[PlaceKind::City]).first().map(String::as_str), Some("LON"));
        let heathrow = codes("heathrow", &[PlaceKind::Airport]);
        assert_eq!(heathrow.first().map(String::as_str), Some("LHR"), "{heathrow:?}");
        let ny = codes("New York", &[PlaceKind::Airport]);
        assert!(ny.contains(&"JFK".to_owned()), "{ny:?}");
        assert_eq!(codes("zürich", &[PlaceKind::City]).first().map(String::as_str), Some("ZRH"));
        assert!(codes("   ", &both).is_empty());
    }

    #[test]
    fn folding_removes_accents_and_punctuation() {
        assert_eq!(fold("Zürich-Flughafen"), "zurich flughafen");
        assert_eq!(fold("São Paulo"), "sao paulo");
    }
}
