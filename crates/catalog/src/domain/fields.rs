//! Field rules shared by providers and listings, and the fixed vocabularies.

use kernel::FieldError;

pub const KINDS: [&str; 5] = ["stay", "restaurant", "transport", "activity", "product"];
pub const POLICIES: [&str; 5] = ["flexible", "moderate", "firm", "strict", "super_strict"];
pub const AMENITIES: [&str; 32] = [
    "wifi",
    "kitchen",
    "parking",
    "pool",
    "air_conditioning",
    "heating",
    "washer",
    "dryer",
    "tv",
    "workspace",
    "elevator",
    "wheelchair_accessible",
    "step_free_access",
    "pets_allowed",
    "smoking_allowed",
    "breakfast",
    "gym",
    "hot_tub",
    "ev_charger",
    "crib",
    "high_chair",
    "balcony",
    "garden",
    "terrace",
    "sea_view",
    "fireplace",
    "bbq",
    "dishwasher",
    "coffee_maker",
    "hair_dryer",
    "iron",
    "first_aid_kit",
];

/// Collects field errors so a client sees every problem at once.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn check<T>(&mut self, field: &str, r: Result<T, String>) -> Option<T> {
        r.map_err(|m| self.add(field, m)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A kind's block from JSON. A shape error (unknown field, wrong type, missing member) names
/// the exact field under the block, e.g. `restaurant.openingHours[0].periods[0].open`, as the
/// body extractor does for the rest of the body: the block arrives as raw JSON so that its
/// problems are collected with every other field's instead of failing the whole body first.
pub fn parse_block<T: serde::de::DeserializeOwned>(
    block: &str,
    patch: &serde_json::Value,
    errors: &mut Errors,
) -> Option<T> {
    serde_path_to_error::deserialize(patch)
        .map_err(|e| {
            let inner = e.path().to_string();
            let path = if inner == "." { block.to_owned() } else { format!("{block}.{inner}") };
            errors.0.push(platform::http::shape_error(&path, &e.inner().to_string()));
        })
        .ok()
}

/// The names of the `(field, present)` pairs that are not present.
pub fn absent(checks: &[(&'static str, bool)]) -> Vec<&'static str> {
    checks.iter().filter(|(_, present)| !present).map(|(field, _)| *field).collect()
}

/// Plain text of `min..=max` characters; markup is refused, not escaped.
pub fn text(raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, String> {
    let v = raw.trim();
    let n = v.chars().count();
    if n < min || n > max {
        return Err(format!("must be {min} to {max} characters"));
    }
    if v.chars().any(|c| matches!(c, '<' | '>') || (c.is_control() && !(multiline && (c == '\n' || c == '\t')))) {
        return Err("must be plain text (no markup or control characters)".into());
    }
    Ok(v.to_owned())
}

pub fn one_of(raw: &str, allowed: &[&str]) -> Result<String, String> {
    let v = raw.trim().to_ascii_lowercase();
    if allowed.contains(&v.as_str()) { Ok(v) } else { Err(format!("must be one of {}", allowed.join(", "))) }
}

pub fn currency(raw: &str) -> Result<String, String> {
    kernel::Currency::parse(raw.trim())
        .map(|c| c.to_string())
        .map_err(|_| "must be an ISO 4217 code such as EUR".into())
}

pub fn timezone(raw: &str) -> Result<String, String> {
    raw.trim()
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| "must be an IANA time zone such as Europe/Paris".into())
}

pub fn country(raw: &str) -> Result<String, String> {
    let v = raw.trim().to_ascii_uppercase();
    if v.len() == 2 && v.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(v)
    } else {
        Err("must be an ISO 3166 alpha-2 code such as FR".into())
    }
}

/// A whole amount in minor units, `min..=max`.
pub fn amount(value: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(format!("must be a whole number of minor units from {min} to {max}"))
    }
}

pub fn int(value: i64, min: i64, max: i64) -> Result<i64, String> {
    if (min..=max).contains(&value) { Ok(value) } else { Err(format!("must be from {min} to {max}")) }
}

/// `HH:MM`, 24-hour.
pub fn time_of_day(raw: &str) -> Result<String, String> {
    chrono::NaiveTime::parse_from_str(raw.trim(), "%H:%M")
        .map(|t| t.format("%H:%M").to_string())
        .map_err(|_| "must be a time HH:MM".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(text("  Loft  ", 3, 10, false), Ok("Loft".into()));
        assert!(text("<b>x</b>", 1, 50, false).is_err());
        assert!(text("a\nb", 1, 50, true).is_ok() && text("a\nb", 1, 50, false).is_err());
        assert_eq!(one_of("Moderate", &POLICIES), Ok("moderate".into()));
        assert_eq!(country("fr"), Ok("FR".into()));
        assert!(country("FRA").is_err());
        assert_eq!(time_of_day("9:05"), Ok("09:05".into()));
        assert!(time_of_day("25:00").is_err());
        assert!(timezone("Europe/Paris").is_ok() && timezone("Paris").is_err());
    }
}
