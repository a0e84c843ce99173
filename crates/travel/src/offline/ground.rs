//! Hotel, activity, transfer and reference-data operations of the offline supplier.
//!
//! Everything a search answers is a pure function of the seed and the bundled reference data
//! (hotels of a city, their rooms and rates, a city's activities, transfer vehicles); only what
//! was sold lives in the database (`offline_inventory`, `offline_orders`). Offer ids carry what
//! the offer is (hotel, dates, room, rate…), so an offer can be priced again from its id alone.

mod activities;
mod hotels;
mod orders;
mod places;
mod rates;
mod stays;
mod transfers;

use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, FieldError};
use serde_json::Value;

use super::Offline;
use super::rng::Rng;
use crate::provider::{Operation, Request};
use crate::reference::City;

pub(super) async fn call(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    use Operation::*;
    match request.op {
        HotelsByCity => hotels::by_city(offline, request),
        HotelsByGeocode => hotels::by_geocode(offline, request),
        HotelsByIds => hotels::by_ids(offline, request),
        HotelOffers => rates::offers(offline, request).await,
        HotelOffer => rates::offer(offline, request).await,
        HotelOrderCreate => stays::create(offline, request).await,
        HotelOrderCancel => stays::cancel(offline, request).await,
        Activities => activities::around(offline, request),
        ActivitiesBySquare => activities::by_square(offline, request),
        Activity => activities::one(offline, request),
        ActivityOrderCreate => activities::order(offline, request).await,
        ActivityOrderCancel => activities::cancel(offline, request).await,
        TransferOffers => transfers::offers(offline, request).await,
        TransferOrderCreate => transfers::order(offline, request).await,
        TransferOrderCancel => transfers::cancel(offline, request).await,
        Locations => places::locations(offline, request),
        AirportsNearest => places::nearest(offline, request),
        Airlines => places::airlines(request),
        RecommendedLocations => places::recommended(request),
        other => Err(ApiError::not_found(format!("{other:?} is not a ground operation"))),
    }
}

/// A 400 naming one field.
pub(super) fn invalid(field: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![FieldError::new(field, message)])
}

/// The `self` link of an answer: Amadeus's path and the query as asked.
pub(super) fn self_link(request: &Request) -> String {
    let (_, path) = request.op.route();
    let path = path.replace("{id}", request.id.as_deref().unwrap_or_default());
    if request.query.is_empty() {
        return path;
    }
    let query: Vec<String> =
        request.query.iter().map(|(k, v)| format!("{k}={}", v.replace(' ', "%20").replace('&', "%26"))).collect();
    format!("{path}?{}", query.join("&"))
}

/// A 409: the thing offered is sold out or no longer on sale.
pub(super) fn unavailable(message: impl Into<String>) -> ApiError {
    ApiError::new(409, "offer_unavailable", message)
}

/// A 400 for an offer id that does not decode.
pub(super) fn invalid_offer(field: &str) -> ApiError {
    ApiError::new(400, "invalid_offer", "The offer id is not one of ours")
        .with_details(vec![FieldError::new(field, "is not a valid offer id")])
}

/// An integer query parameter within `min..=max`, `default` when absent.
pub(super) fn int_param(request: &Request, name: &str, default: i64, min: i64, max: i64) -> Result<i64, ApiError> {
    match request.get(name).map(str::trim) {
        None | Some("") => Ok(default),
        Some(raw) => match raw.parse::<i64>() {
            Ok(v) if (min..=max).contains(&v) => Ok(v),
            _ => Err(invalid(name, format!("must be a whole number from {min} to {max}"))),
        },
    }
}

/// A coordinate query parameter (`latitude` within ±90, `longitude` within ±180).
pub(super) fn coordinate(request: &Request, name: &str, limit: f64) -> Result<f64, ApiError> {
    let raw = request.get(name).map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Err(invalid(name, "is required"));
    }
    match raw.parse::<f64>() {
        Ok(v) if v.is_finite() && (-limit..=limit).contains(&v) => Ok(v),
        _ => Err(invalid(name, format!("must be a number from -{limit} to {limit}"))),
    }
}

/// A comma-separated list parameter (Amadeus's `style: form, explode: false`), items trimmed.
pub(super) fn list_param(request: &Request, name: &str) -> Vec<String> {
    request
        .query
        .iter()
        .filter(|(k, _)| k == name)
        .flat_map(|(_, v)| v.split(','))
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

/// A `YYYY-MM-DD` date.
pub(super) fn parse_date(raw: &str, field: &str) -> Result<NaiveDate, ApiError> {
    let raw = raw.trim();
    if raw.len() != 10 {
        return Err(invalid(field, "must be a date YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| invalid(field, "must be a date YYYY-MM-DD"))
}

/// Today for the offline supplier (UTC).
pub(super) fn today(offline: &Offline) -> NaiveDate {
    offline.clock.now().date_naive()
}

/// A string body field, trimmed.
pub(super) fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// EUR per unit of each currency we quote in: a small fixed table (the offline supplier has no
/// exchange feed; believable rates are enough).
const RATES: &[(&str, f64)] = &[
    ("EUR", 1.0),
    ("USD", 1.08),
    ("GBP", 0.85),
    ("CHF", 0.95),
    ("CAD", 1.47),
    ("AUD", 1.65),
    ("NZD", 1.8),
    ("JPY", 162.0),
    ("CNY", 7.8),
    ("HKD", 8.4),
    ("SGD", 1.45),
    ("INR", 90.0),
    ("AED", 3.97),
    ("SEK", 11.4),
    ("NOK", 11.6),
    ("DKK", 7.46),
    ("PLN", 4.3),
    ("CZK", 25.0),
    ("HUF", 395.0),
    ("TRY", 35.0),
    ("BRL", 5.9),
    ("MXN", 19.0),
    ("ZAR", 20.0),
    ("THB", 38.0),
    ("KRW", 1450.0),
    ("MAD", 10.8),
];

/// A currency we quote in, with its rate per EUR.
#[derive(Debug, Clone)]
pub(super) struct Currency {
    pub code: String,
    pub per_eur: f64,
}

impl Currency {
    /// The currency named by query parameter `name`, or the supplier's default.
    pub fn from_request(offline: &Offline, request: &Request, name: &str) -> Result<Self, ApiError> {
        let raw = request.get(name).map(str::trim).filter(|s| !s.is_empty());
        Self::parse(raw.unwrap_or(&offline.currency)).ok_or_else(|| invalid(name, "must be a supported currency code"))
    }

    pub fn parse(code: &str) -> Option<Self> {
        let code = code.trim().to_ascii_uppercase();
        RATES.iter().find(|(c, _)| *c == code).map(|(c, r)| Self { code: (*c).to_owned(), per_eur: *r })
    }

    /// Hundredths of this currency for an amount in EUR.
    pub fn cents(&self, eur: f64) -> i64 {
        (eur * self.per_eur * 100.0).round() as i64
    }
}

/// `12345` → `"123.45"`.
pub(super) fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Two base-36 characters binding `text` to the seed: ids that were not made by us (or were
/// edited) fail to decode instead of describing something nobody offered.
pub(super) fn check(seed: u64, text: &str) -> String {
    const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let n = Rng::new(seed, &["offer-check", text]).next_u64();
    let a = DIGITS.get((n % 36) as usize).copied().unwrap_or(b'0');
    let b = DIGITS.get(((n / 36) % 36) as usize).copied().unwrap_or(b'0');
    String::from_utf8_lossy(&[a, b]).into_owned()
}

/// How far from the centre a city's hotels and activities spread, by its size.
pub(super) fn spread_km(city: &City) -> f64 {
    let size = (city.population.max(1) as f64 / 50_000.0).max(1.0).log10();
    (1.5 + 1.8 * size).min(9.0)
}

/// A point `rng` scatters around the city centre, denser near it; with its distance in km.
pub(super) fn scatter(rng: &mut Rng, city: &City) -> (f64, f64, f64) {
    let r = spread_km(city) * rng.unit().powf(0.8);
    let theta = rng.unit() * std::f64::consts::TAU;
    let lat = city.lat + r * theta.cos() / 111.32;
    let lon = city.lon + r * theta.sin() / (111.32 * city.lat.to_radians().cos().max(0.05));
    (round(lat, 5), round(lon, 5), r)
}

pub(super) fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// The UTC offset of IANA zone `tz` at `at`, `+01:00` (`+00:00` for an unknown zone).
pub(super) fn tz_offset(tz: &str, at: DateTime<Utc>) -> String {
    use chrono::Offset;
    match tz.parse::<chrono_tz::Tz>() {
        Ok(zone) => at.with_timezone(&zone).offset().fix().to_string(),
        Err(_) => "+00:00".to_owned(),
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// URL-safe base64 without padding (for ids that carry free text, like an address).
pub(super) fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 2);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            let at = ((n >> (18 - 6 * i)) & 63) as usize;
            out.push(char::from(B64.get(at).copied().unwrap_or(b'A')));
        }
    }
    out
}

pub(super) fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = B64.iter().position(|b| *b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// `priceRange` (`100-300`, `-300`, `100-`), per night, in the request's currency.
pub(super) struct Range(Option<f64>, Option<f64>);

impl Range {
    pub fn keeps(&self, per_night: f64) -> bool {
        self.0.is_none_or(|min| per_night >= min) && self.1.is_none_or(|max| per_night <= max)
    }
}

pub(super) fn price_range(raw: Option<&str>) -> Result<Range, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(Range(None, None)) };
    let bad = || invalid("priceRange", "must be MIN-MAX, -MAX or MIN- (a nightly price)");
    let number = |s: &str| -> Result<Option<f64>, ApiError> {
        if s.trim().is_empty() { Ok(None) } else { s.trim().parse::<f64>().map(Some).map_err(|_| bad()) }
    };
    let (min, max) = match raw.split_once('-') {
        Some((min, max)) => (number(min)?, number(max)?),
        None => (None, number(raw)?),
    };
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return Err(bad());
    }
    Ok(Range(min, max))
}

/// Checks a traveller's contact details: names, e-mail and phone, naming `{prefix}.{field}`.
pub(super) fn check_person(
    person: &Value,
    prefix: &str,
    names: (&str, &str),
    email: Option<&str>,
    phone: Option<&str>,
    errors: &mut Vec<FieldError>,
) {
    for key in [names.0, names.1] {
        let ok = text(person, key).is_some_and(|n| n.chars().count() <= 60 && n.chars().any(char::is_alphabetic));
        if !ok {
            errors.push(FieldError::new(format!("{prefix}.{key}"), "is required: a name of 1 to 60 characters"));
        }
    }
    if let Some(path) = email {
        let value = lookup(person, path);
        let ok = value.is_some_and(|e| {
            let mut parts = e.splitn(2, '@');
            let (user, domain) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            !user.is_empty() && domain.contains('.') && !domain.starts_with('.') && !e.contains(' ') && e.len() <= 120
        });
        if !ok {
            errors.push(FieldError::new(format!("{prefix}.{path}"), "must be an e-mail address"));
        }
    }
    if let Some(path) = phone
        && let Some(value) = lookup(person, path)
    {
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let allowed = value.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if !allowed || !(6..=15).contains(&digits) {
            errors.push(FieldError::new(format!("{prefix}.{path}"), "must be a phone number, e.g. +33 1 23 45 67 89"));
        }
    }
}

/// The string at a dotted path of `value` (`contacts.email`).
fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a str> {
    let mut at = value;
    for key in path.split('.') {
        at = at.get(key)?;
    }
    at.as_str().map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_and_amounts_print_two_decimals() {
        for text in ["", "a", "ab", "abc", "CDG|2027-01-15T10:30|Avenue Anatole France, 5 é"] {
            let encoded = b64_encode(text.as_bytes());
            assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(b64_decode(&encoded).as_deref(), Some(text.as_bytes()));
        }
        assert_eq!(b64_decode("a*b"), None);
        assert_eq!(amount(12345), "123.45");
        assert_eq!(amount(7), "0.07");
        assert_eq!(Currency::parse("usd").map(|c| c.cents(10.0)), Some(1080));
        assert!(Currency::parse("XXX").is_none());
        assert_eq!(tz_offset("Europe/Paris", "2027-01-15T12:00:00Z".parse().unwrap_or_default()), "+01:00");
        assert_eq!(tz_offset("Europe/Paris", "2027-07-15T12:00:00Z".parse().unwrap_or_default()), "+02:00");
    }

    #[test]
    fn people_are_checked_field_by_field() {
        let mut errors = Vec::new();
        let good = serde_json::json!({"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.org", "phone": "+44 20 7946 0000"});
        check_person(&good, "g", ("firstName", "lastName"), Some("email"), Some("phone"), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        let bad = serde_json::json!({"firstName": "", "lastName": "L", "email": "ada@", "phone": "call me"});
        check_person(&bad, "g", ("firstName", "lastName"), Some("email"), Some("phone"), &mut errors);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["g.firstName", "g.email", "g.phone"]);
    }

    #[test]
    fn price_ranges_parse() {
        assert!(price_range(Some("100-200")).is_ok_and(|r| r.keeps(150.0) && !r.keeps(250.0)));
        assert!(price_range(Some("-200")).is_ok_and(|r| r.keeps(1.0) && !r.keeps(201.0)));
        assert!(price_range(Some("100-")).is_ok_and(|r| !r.keeps(99.0) && r.keeps(1e6)));
        assert!(price_range(Some("300-100")).is_err() && price_range(Some("abc")).is_err());
    }
}
