//! The onboarding questionnaire: six steps whose answers form the traveller profile that
//! recommendations read. Answers are validated against fixed vocabularies and normalised, so
//! what is stored is always something the rest of the product understands.

use kernel::FieldError;
use serde_json::{Map, Value, json};

pub const STEPS: [&str; 6] = ["travel_style", "destinations", "budget", "accommodation", "activities", "constraints"];
/// Steps that must be answered before onboarding can complete.
pub const REQUIRED: [&str; 3] = ["travel_style", "destinations", "budget"];

const STYLES: &[&str] = &[
    "adventure",
    "relaxation",
    "culture",
    "nature",
    "city",
    "beach",
    "luxury",
    "budget",
    "family",
    "romantic",
    "business",
    "road_trip",
    "backpacking",
    "wellness",
];
const REGIONS: &[&str] = &[
    "europe",
    "asia",
    "africa",
    "north_america",
    "south_america",
    "oceania",
    "middle_east",
    "caribbean",
    "antarctica",
];
const LEVELS: &[&str] = &["budget", "moderate", "comfort", "luxury"];
const ACCOMMODATION: &[&str] =
    &["hotel", "apartment", "house", "hostel", "villa", "cabin", "boutique", "resort", "guesthouse", "camping"];
const INTERESTS: &[&str] = &[
    "hiking",
    "museums",
    "food",
    "nightlife",
    "shopping",
    "beaches",
    "skiing",
    "diving",
    "wildlife",
    "festivals",
    "wellness",
    "sports",
    "photography",
    "history",
    "architecture",
    "music",
];
const ACCESSIBILITY: &[&str] = &["wheelchair", "step_free", "hearing", "visual"];
const DIETARY: &[&str] = &["vegetarian", "vegan", "halal", "kosher", "gluten_free", "lactose_free", "nut_allergy"];

struct Check<'a> {
    data: &'a Map<String, Value>,
    errors: Vec<FieldError>,
    out: Map<String, Value>,
}

impl<'a> Check<'a> {
    fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(format!("data.{field}"), message));
    }

    /// A list of words from `vocabulary`, deduplicated, `min..=max` long.
    fn words(&mut self, field: &str, vocabulary: &[&str], min: usize, max: usize) {
        let Some(raw) = self.data.get(field) else {
            if min > 0 {
                self.fail(field, format!("is required: a list of {}", vocabulary.join(", ")));
            }
            return;
        };
        let Some(items) = raw.as_array() else { return self.fail(field, "must be a list") };
        let mut words: Vec<String> = Vec::new();
        for item in items {
            match item.as_str().map(|s| s.trim().to_ascii_lowercase()) {
                Some(w) if vocabulary.contains(&w.as_str()) => {
                    if !words.contains(&w) {
                        words.push(w);
                    }
                }
                _ => return self.fail(field, format!("may contain only {}", vocabulary.join(", "))),
            }
        }
        if !(min..=max).contains(&words.len()) {
            return self.fail(field, format!("must list {min} to {max} items"));
        }
        self.out.insert(field.into(), json!(words));
    }

    fn int(&mut self, field: &str, min: i64, max: i64) {
        match self.data.get(field) {
            None | Some(Value::Null) => {}
            Some(v) => match v.as_i64().filter(|n| (min..=max).contains(n)) {
                Some(n) => {
                    self.out.insert(field.into(), json!(n));
                }
                None => self.fail(field, format!("must be a whole number from {min} to {max}")),
            },
        }
    }

    fn one_of(&mut self, field: &str, vocabulary: &[&str], required: bool) {
        match self.data.get(field).and_then(Value::as_str).map(|s| s.trim().to_ascii_lowercase()) {
            Some(w) if vocabulary.contains(&w.as_str()) => {
                self.out.insert(field.into(), json!(w));
            }
            None if !required && self.data.get(field).is_none_or(Value::is_null) => {}
            _ => self.fail(field, format!("must be one of {}", vocabulary.join(", "))),
        }
    }

    /// Free-text names (cities), trimmed, plain text, each ≤ 100 characters.
    fn names(&mut self, field: &str, max: usize) {
        let Some(raw) = self.data.get(field) else { return };
        let Some(items) = raw.as_array() else { return self.fail(field, "must be a list") };
        let mut names = Vec::new();
        for item in items {
            match item.as_str().map(str::trim) {
                Some(n)
                    if !n.is_empty()
                        && n.chars().count() <= 100
                        && !n.contains(['<', '>'])
                        && !n.chars().any(char::is_control) =>
                {
                    names.push(n.to_owned())
                }
                _ => return self.fail(field, "must be names of at most 100 characters, without markup"),
            }
        }
        if names.len() > max {
            return self.fail(field, format!("must list at most {max} items"));
        }
        self.out.insert(field.into(), json!(names));
    }
}

/// Validates one step's answers; returns them normalised, or every problem found.
pub fn validate(step: &str, data: &Value) -> Result<Value, Vec<FieldError>> {
    if !STEPS.contains(&step) {
        return Err(vec![FieldError::new("step", format!("must be one of {}", STEPS.join(", ")))]);
    }
    let Some(map) = data.as_object() else {
        return Err(vec![FieldError::new("data", "must be an object")]);
    };
    let known: &[&str] = match step {
        "travel_style" => &["styles"],
        "destinations" => &["regions", "countries", "cities"],
        "budget" => &["level", "currency", "perNightMax", "perTripMax"],
        "accommodation" => &["types"],
        "activities" => &["interests"],
        _ => &["travellers", "children", "accessibility", "dietary", "pets", "maxFlightHours"],
    };
    let mut c = Check { data: map, errors: Vec::new(), out: Map::new() };
    for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
        c.errors.push(FieldError::new(format!("data.{key}"), format!("unknown field; expected {}", known.join(", "))));
    }
    match step {
        "travel_style" => c.words("styles", STYLES, 1, 5),
        "destinations" => {
            c.words("regions", REGIONS, 0, REGIONS.len());
            c.names("cities", 20);
            match map.get("countries") {
                None => {}
                Some(Value::Array(items)) if items.len() <= 50 => {
                    let codes: Option<Vec<String>> = items
                        .iter()
                        .map(|i| {
                            i.as_str()
                                .map(str::trim)
                                .filter(|s| s.len() == 2 && s.chars().all(|ch| ch.is_ascii_alphabetic()))
                        })
                        .map(|o| o.map(str::to_ascii_uppercase))
                        .collect();
                    match codes {
                        Some(codes) => {
                            c.out.insert("countries".into(), json!(codes));
                        }
                        None => c.fail("countries", "must be ISO 3166 alpha-2 codes such as FR"),
                    }
                }
                Some(_) => c.fail("countries", "must be a list of at most 50 ISO 3166 alpha-2 codes"),
            }
            if c.errors.is_empty() && c.out.values().all(|v| v.as_array().is_none_or(Vec::is_empty)) {
                c.fail("regions", "name at least one region, country or city");
            }
        }
        "budget" => {
            c.one_of("level", LEVELS, true);
            match map.get("currency").and_then(Value::as_str).map(|s| kernel::Currency::parse(s.trim())) {
                None => {}
                Some(Ok(cur)) => {
                    c.out.insert("currency".into(), json!(cur.to_string()));
                }
                Some(Err(_)) => c.fail("currency", "must be an ISO 4217 code such as EUR"),
            }
            c.int("perNightMax", 0, 100_000_000);
            c.int("perTripMax", 0, 1_000_000_000);
        }
        "accommodation" => c.words("types", ACCOMMODATION, 1, ACCOMMODATION.len()),
        "activities" => c.words("interests", INTERESTS, 1, 10),
        _ => {
            c.int("travellers", 1, 20);
            c.int("children", 0, 10);
            c.int("maxFlightHours", 1, 48);
            c.words("accessibility", ACCESSIBILITY, 0, ACCESSIBILITY.len());
            c.words("dietary", DIETARY, 0, DIETARY.len());
            match map.get("pets") {
                None | Some(Value::Null) => {}
                Some(Value::Bool(b)) => {
                    c.out.insert("pets".into(), json!(b));
                }
                Some(_) => c.fail("pets", "must be true or false"),
            }
        }
    }
    if c.errors.is_empty() { Ok(Value::Object(c.out)) } else { Err(c.errors) }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn steps_are_validated_and_normalised() {
        let v = validate("travel_style", &json!({"styles": ["Beach", "culture", "beach"]})).unwrap();
        assert_eq!(v, json!({"styles": ["beach", "culture"]}));
        assert!(validate("travel_style", &json!({"styles": []})).is_err());
        assert!(validate("travel_style", &json!({"styles": ["surfing"]})).is_err());
        assert!(validate("nope", &json!({})).is_err());
        assert!(validate("budget", &json!([])).is_err());

        let v = validate("destinations", &json!({"countries": ["fr", "jp"], "cities": [" Kyoto "]})).unwrap();
        assert_eq!(v, json!({"countries": ["FR", "JP"], "cities": ["Kyoto"]}));
        assert!(validate("destinations", &json!({})).is_err());
        assert!(validate("destinations", &json!({"countries": ["France"]})).is_err());

        let v = validate("budget", &json!({"level": "comfort", "currency": "eur", "perNightMax": 15000})).unwrap();
        assert_eq!(v, json!({"level": "comfort", "currency": "EUR", "perNightMax": 15000}));
        let errs = validate("budget", &json!({"level": "cheap", "perNightMax": -1, "tip": 1})).unwrap_err();
        assert_eq!(errs.len(), 3);

        assert!(validate("constraints", &json!({"travellers": 2, "pets": true, "dietary": ["vegan"]})).is_ok());
        assert!(validate("constraints", &json!({"travellers": 0})).is_err());
    }
}
