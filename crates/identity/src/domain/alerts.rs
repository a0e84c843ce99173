//! Price-alert rules: a route `"<from> → <to>"`, a departure date, a target price in a currency.

use chrono::NaiveDate;
use kernel::Currency;

/// Most alerts one account keeps.
pub const MAX_ALERTS: i64 = 50;
const MAX_PLACE_CHARS: usize = 60;
/// The whole route as sent.
pub const MAX_ROUTE_CHARS: usize = 130;
/// The largest target price, in major units.
const MAX_PRICE: f64 = 100_000_000.0;
/// How far ahead a departure may be.
const MAX_DAYS_AHEAD: i64 = 731;

/// `"Paris → New York"` (or `->`): the two places, trimmed.
pub fn route(raw: &str) -> Result<(String, String), &'static str> {
    let rule = "must be \"<from> → <to>\", each place 1 to 60 characters";
    if raw.chars().count() > MAX_ROUTE_CHARS {
        return Err(rule);
    }
    let (from, to) = raw.split_once('→').or_else(|| raw.split_once("->")).ok_or(rule)?;
    let place = |p: &str| {
        let p = p.trim();
        let ok = !p.is_empty()
            && p.chars().count() <= MAX_PLACE_CHARS
            && !p.chars().any(|c| c.is_control() || matches!(c, '<' | '>' | '→'));
        ok.then(|| p.to_owned())
    };
    match (place(from), place(to)) {
        (Some(from), Some(to)) => Ok((from, to)),
        _ => Err(rule),
    }
}

/// A departure day (`YYYY-MM-DD`, or an instant whose date is taken), from yesterday (time
/// zones) up to two years ahead.
pub fn departure_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, &'static str> {
    let rule = "must be a date YYYY-MM-DD from today up to two years ahead";
    if raw.len() > 40 {
        return Err(rule);
    }
    let raw = raw.trim();
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .filter(|_| raw.len() == 10)
        .or_else(|| chrono::DateTime::parse_from_rfc3339(raw).ok().map(|t| t.date_naive()))
        .ok_or(rule)?;
    let earliest = today - chrono::Duration::days(1);
    let latest = today + chrono::Duration::days(MAX_DAYS_AHEAD);
    if day < earliest || day > latest {
        return Err(rule);
    }
    Ok(day)
}

pub fn currency(raw: &str) -> Result<Currency, &'static str> {
    Currency::parse(raw).map_err(|_| "must be an ISO 4217 currency code such as USD")
}

/// A positive price in major units → minor units of `currency` (rounded to the minor unit).
pub fn target_price(major: f64, currency: Currency) -> Result<i64, &'static str> {
    let rule = "must be a number greater than 0 and at most 100000000";
    if !major.is_finite() || major <= 0.0 || major > MAX_PRICE {
        return Err(rule);
    }
    let scale = 10f64.powi(i32::from(currency.minor_digits()));
    let minor = (major * scale).round();
    if minor < 1.0 {
        return Err(rule);
    }
    // Bounded above by MAX_PRICE * 10^4, far inside i64.
    #[allow(clippy::cast_possible_truncation)]
    Ok(minor as i64)
}

/// Minor units → a JSON number in major units.
pub fn major(minor: i64, currency: Currency) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let value = minor as f64;
    value / 10f64.powi(i32::from(currency.minor_digits()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(route("Paris → New York"), Ok(("Paris".into(), "New York".into())));
        assert_eq!(route("CDG->JFK"), Ok(("CDG".into(), "JFK".into())));
        assert!(route("Paris").is_err() && route(" → JFK").is_err() && route("<b> → x").is_err());
        assert!(route(&format!("{} → JFK", "x".repeat(61))).is_err());
        assert!(route(&format!("CDG{}→ JFK", " ".repeat(130))).is_err(), "the raw length counts");
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert!(departure_date("2026-07-14", today).is_ok());
        assert_eq!(
            departure_date("2026-07-14T00:00:00.000Z", today),
            Ok(NaiveDate::from_ymd_opt(2026, 7, 14).unwrap())
        );
        assert!(departure_date("2026-05-01", today).is_err() && departure_date("2030-01-01", today).is_err());
        assert!(departure_date("14/07/2026", today).is_err() && departure_date("2026-7-14", today).is_err());
        assert_eq!(target_price(299.99, Currency::USD), Ok(29_999));
        assert_eq!(target_price(450.0, currency("jpy").unwrap()), Ok(450));
        assert!(target_price(0.0, Currency::USD).is_err() && target_price(-5.0, Currency::USD).is_err());
        assert!(target_price(f64::NAN, Currency::USD).is_err() && target_price(0.001, Currency::USD).is_err());
        assert!((major(29_999, Currency::USD) - 299.99).abs() < 1e-9);
        assert!(currency("XYZ").is_err());
    }
}
