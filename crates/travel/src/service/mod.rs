//! The voyage service: checks DreamScape's requests, asks the supplier in Amadeus's terms and
//! shapes its answers the way DreamScape's web client reads them. Handlers parse and render;
//! the rules are here.

pub mod flights;
pub mod ground;
pub mod hotels;
pub mod orders;
pub mod params;
pub mod places;

use std::sync::Arc;

use chrono::NaiveDate;
use kernel::{ApiError, Clock};
use platform::db::Db;
use serde_json::Value;

use crate::provider::{Provider, Request};

pub use params::Params;

/// The travel context's service.
#[derive(Clone)]
pub struct Travel {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub provider: Arc<dyn Provider>,
    /// The currency offers are asked in when the client names none.
    pub currency: String,
    /// Flight, hotel, activity and transfer searches answered, published as `search.counted`
    /// (`source: "travel"`) for insights' search totals.
    pub searches: Arc<platform::events::DailyCounter>,
}

impl std::fmt::Debug for Travel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Travel").field("supplier", &self.provider.name()).finish_non_exhaustive()
    }
}

impl Travel {
    /// A search was answered: counted, unless it asked for a next page (the same search).
    pub fn searched(&self, p: &Params) {
        if p.get("page").is_none_or(|page| page.trim() == "1") {
            self.searches.count();
        }
    }

    /// Today (UTC): the earliest departure or check-in accepted (a supplier refuses what has
    /// already left wherever it leaves from).
    pub fn today(&self) -> NaiveDate {
        self.clock.now().date_naive()
    }

    pub async fn ask(&self, request: Request) -> Result<Value, ApiError> {
        self.provider.call(&request).await
    }

    /// A search for another context (the [`platform::contracts::Supplier`]'s `search`): the
    /// public route's answer for the same parameters, not counted as a traveller's search.
    pub async fn search_offers(
        &self,
        kind: &str,
        params: &std::collections::HashMap<String, String>,
    ) -> Result<Value, ApiError> {
        let p = Params::new(params.clone());
        match kind {
            "flights" => self.search_flights(&p).await,
            "hotels" => self.search_hotels(&p).await,
            "activities" => self.search_activities(&p).await,
            _ => Err(ApiError::bad_request(format!("Unknown search kind `{kind}` (flights, hotels, activities)"))),
        }
    }
}

/// The `data` array of an Amadeus answer (empty when absent).
pub fn data_list(answer: &Value) -> Vec<Value> {
    answer.get("data").and_then(Value::as_array).cloned().unwrap_or_default()
}

/// The `data` array of an Amadeus answer, taken out of it (no copy).
pub fn take_list(answer: &mut Value) -> Vec<Value> {
    match answer.get_mut("data").map(Value::take) {
        Some(Value::Array(list)) => list,
        _ => Vec::new(),
    }
}

/// Text at a JSON pointer, or `""`.
pub fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

/// An Amadeus amount (`"123.45"`, or a number) as a number.
pub fn amount(value: &Value, pointer: &str) -> Option<f64> {
    match value.pointer(pointer)? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// An Amadeus decimal amount as minor units of `currency`, exactly (no float rounding):
/// `"123.4"` EUR → 12340.
pub fn minor_units(raw: &str, currency: &str) -> Option<i64> {
    let digits = kernel::Currency::parse(currency).map_or(2, |c| c.minor_digits());
    let raw = raw.trim();
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let digits = usize::from(digits);
    if frac.len() > digits && frac[digits..].chars().any(|c| c != '0') {
        return None;
    }
    let mut frac: String = frac.chars().take(digits).collect();
    while frac.len() < digits {
        frac.push('0');
    }
    format!("{whole}{frac}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_convert_exactly() {
        assert_eq!(minor_units("123.45", "EUR"), Some(12_345));
        assert_eq!(minor_units("123.4", "EUR"), Some(12_340));
        assert_eq!(minor_units("123", "EUR"), Some(12_300));
        assert_eq!(minor_units("1500", "JPY"), Some(1_500));
        assert_eq!(minor_units("1.005", "EUR"), None);
        assert_eq!(minor_units("-1.00", "EUR"), None);
        assert_eq!(minor_units("abc", "EUR"), None);
    }
}
