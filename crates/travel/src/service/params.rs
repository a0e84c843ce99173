//! DreamScape's voyage query strings, read the way its routes read them: missing required
//! parameters are named together in one `400` (DreamScape's message, our field details), and
//! every value is checked before anything is asked of a supplier.

use std::collections::HashMap;

use chrono::NaiveDate;
use kernel::{ApiError, FieldError};

use crate::reference;

/// A route's query parameters (repeated `key[]` already joined with commas by the extractor).
#[derive(Debug, Default, Clone)]
pub struct Params(pub HashMap<String, String>);

/// A value that cannot be right: `400 validation_failed` naming `field`.
pub fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![FieldError::new(field, message)])
}

impl Params {
    pub fn new(map: HashMap<String, String>) -> Self {
        Self(map)
    }

    /// The trimmed value of `name`, `None` when absent or blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// Every name of `names` must be present; otherwise one `400` with DreamScape's message
    /// (`Missing required parameters: a, b`) and a detail per missing one.
    pub fn require(&self, names: &[&str], message: &str) -> Result<(), ApiError> {
        let missing: Vec<FieldError> =
            names.iter().filter(|n| self.get(n).is_none()).map(|n| FieldError::new(*n, "is required")).collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(ApiError::new(400, "validation_failed", message).with_details(missing))
    }

    /// A text of at most `max` characters.
    pub fn text(&self, name: &str, max: usize) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            Some(v) if v.chars().count() > max => Err(invalid(name, format!("must be at most {max} characters"))),
            Some(v) => Ok(Some(v.to_owned())),
            None => Ok(None),
        }
    }

    /// An integer in `min..=max`, `default` when absent.
    pub fn int(&self, name: &str, min: i64, max: i64, default: i64) -> Result<i64, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(invalid(name, format!("must be a whole number from {min} to {max}"))),
            },
        }
    }

    /// An optional integer in `min..=max`.
    pub fn opt_int(&self, name: &str, min: i64, max: i64) -> Result<Option<i64>, ApiError> {
        if self.get(name).is_none() {
            return Ok(None);
        }
        self.int(name, min, max, min).map(Some)
    }

    /// A number in `min..=max`.
    pub fn number(&self, name: &str, min: f64, max: f64) -> Result<Option<f64>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => match v.parse::<f64>() {
                Ok(n) if n.is_finite() && (min..=max).contains(&n) => Ok(Some(n)),
                _ => Err(invalid(name, format!("must be a number from {min} to {max}"))),
            },
        }
    }

    /// `true`/`false` (also `1`/`0`).
    pub fn flag(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(_) => Err(invalid(name, "must be true or false")),
        }
    }

    /// A calendar date `YYYY-MM-DD`.
    pub fn date(&self, name: &str) -> Result<Option<NaiveDate>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| invalid(name, "must be a date YYYY-MM-DD")),
        }
    }

    /// A date that is not before `today`.
    pub fn future_date(&self, name: &str, today: NaiveDate) -> Result<Option<NaiveDate>, ApiError> {
        let date = self.date(name)?;
        if date.is_some_and(|d| d < today) {
            return Err(invalid(name, "must not be in the past"));
        }
        Ok(date)
    }

    /// An airport or city: a known IATA code, or a place name resolved as DreamScape does.
    pub fn place(&self, name: &str) -> Result<Option<String>, ApiError> {
        let Some(raw) = self.get(name) else { return Ok(None) };
        if raw.chars().count() > 64 {
            return Err(invalid(name, "must be at most 64 characters"));
        }
        let data = reference::get();
        let code = data.resolve(raw);
        if data.airport(&code).is_none() && data.city(&code).is_none() {
            return Err(invalid(name, format!("{raw} is not a known airport or city")).with_code("unknown_location"));
        }
        Ok(Some(code))
    }

    /// A 3-letter currency code (upper-cased).
    pub fn currency(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) if v.len() == 3 && v.chars().all(|c| c.is_ascii_alphabetic()) => Ok(Some(v.to_ascii_uppercase())),
            Some(_) => Err(invalid(name, "must be a currency code such as EUR")),
        }
    }

    /// One of `allowed` (compared upper-cased).
    pub fn choice(&self, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
        match self.get(name).map(str::to_ascii_uppercase) {
            None => Ok(None),
            Some(v) if allowed.contains(&v.as_str()) => Ok(Some(v)),
            Some(_) => Err(invalid(name, format!("must be one of {}", allowed.join(", ")))),
        }
    }
}

trait WithCode {
    fn with_code(self, code: &'static str) -> Self;
}

impl WithCode for ApiError {
    fn with_code(mut self, code: &'static str) -> Self {
        self.code = code.into();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::new(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn missing_parameters_are_named_together() {
        let p = params(&[("originLocationCode", "PAR"), ("departureDate", " ")]);
        let err =
            p.require(&["originLocationCode", "destinationLocationCode", "departureDate"], "Missing").unwrap_err();
        assert_eq!(err.status, 400);
        let fields: Vec<&str> = err.details.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["destinationLocationCode", "departureDate"]);
    }

    #[test]
    fn values_are_checked() {
        let p = params(&[("adults", "0"), ("d", "2027-02-30"), ("from", "Paris"), ("to", "QQQQ"), ("nonStop", "yes")]);
        assert_eq!(p.int("adults", 1, 9, 1).unwrap_err().details[0].field, "adults");
        assert_eq!(p.int("children", 0, 8, 0).unwrap(), 0);
        assert!(p.date("d").is_err());
        assert_eq!(p.place("from").unwrap().as_deref(), Some("PAR"));
        assert_eq!(p.place("to").unwrap_err().code, "unknown_location");
        assert!(p.flag("nonStop").is_err());
    }
}
