//! Fares: a base by distance and cabin, moved by days to departure, weekday and how full the
//! flight is (fare buckets by load factor, so a fare never falls as seats sell), plus taxes;
//! children pay 75 % of the base and held infants 10 %. Amounts are computed in euros and
//! converted with a small fixed table.

use chrono::{Datelike, NaiveDate, Weekday};

use super::network::{Flight, seats};
use crate::offline::rng::Rng;

pub const CABINS: [&str; 4] = ["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"];
const CABIN_FACTOR: [f64; 4] = [1.0, 1.7, 3.8, 6.5];
/// Booking classes per cabin, cheapest bucket first.
const CLASSES: [&[u8]; 4] = [b"QLKHMYB", b"ENW", b"ZIDCJ", b"AF"];

/// EUR → currency rates (a fixed table: the offline supplier has no market feed).
const RATES: &[(&str, f64, &str)] = &[
    ("EUR", 1.0, "EURO"),
    ("USD", 1.08, "US DOLLAR"),
    ("GBP", 0.86, "POUND STERLING"),
    ("CHF", 0.95, "SWISS FRANC"),
    ("CAD", 1.47, "CANADIAN DOLLAR"),
    ("JPY", 162.0, "YEN"),
    ("AUD", 1.65, "AUSTRALIAN DOLLAR"),
    ("NZD", 1.8, "NEW ZEALAND DOLLAR"),
    ("SEK", 11.3, "SWEDISH KRONA"),
    ("NOK", 11.6, "NORWEGIAN KRONE"),
    ("DKK", 7.46, "DANISH KRONE"),
    ("PLN", 4.3, "ZLOTY"),
    ("CZK", 25.0, "CZECH KORUNA"),
    ("CNY", 7.8, "YUAN RENMINBI"),
    ("HKD", 8.45, "HONG KONG DOLLAR"),
    ("SGD", 1.45, "SINGAPORE DOLLAR"),
    ("INR", 90.0, "INDIAN RUPEE"),
    ("AED", 3.97, "UAE DIRHAM"),
    ("MXN", 18.5, "MEXICAN PESO"),
    ("BRL", 5.6, "BRAZILIAN REAL"),
    ("ZAR", 20.0, "RAND"),
];

pub fn rate(currency: &str) -> Option<f64> {
    RATES.iter().find(|(c, _, _)| *c == currency).map(|(_, r, _)| *r)
}

pub fn currency_name(currency: &str) -> &'static str {
    RATES.iter().find(|(c, _, _)| *c == currency).map_or("", |(_, _, n)| n)
}

pub fn cabin_index(cabin: &str) -> Option<usize> {
    CABINS.iter().position(|c| *c == cabin)
}

/// Cents as `"123.45"`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}

/// Seats others have already bought (the flight's baseline load), per cabin.
pub fn presold(seed: u64, f: &Flight, cabin: usize) -> i64 {
    let physical = seats(f.aircraft).get(cabin).copied().unwrap_or(0);
    let mut rng = Rng::new(seed, &["load", &f.key(CABINS[cabin.min(3)])]);
    let share = if cabin == 0 { 0.25 + rng.unit() * 0.5 } else { 0.1 + rng.unit() * 0.5 };
    (physical as f64 * share) as i64
}

/// Seats this supplier may sell in a cabin of a flight (physical less the baseline load).
pub fn capacity(seed: u64, f: &Flight, cabin: usize) -> i64 {
    let physical = seats(f.aircraft).get(cabin).copied().unwrap_or(0);
    if physical == 0 { 0 } else { physical - presold(seed, f, cabin) }
}

/// The fare bucket (0 cheapest) for a cabin with `sold` sold by us.
pub fn bucket(seed: u64, f: &Flight, cabin: usize, sold: i64) -> usize {
    let physical = seats(f.aircraft).get(cabin).copied().unwrap_or(0).max(1);
    let load = (presold(seed, f, cabin) + sold) as f64 / physical as f64;
    let n = CLASSES[cabin.min(3)].len();
    ((load * n as f64) as usize).min(n - 1)
}

pub fn booking_class(cabin: usize, bucket: usize) -> char {
    let classes = CLASSES[cabin.min(3)];
    char::from(classes.get(bucket).copied().unwrap_or(b'Y'))
}

/// One adult's base fare in euros for a flight, a cabin and a bucket, on `today`.
pub fn base_eur(seed: u64, f: &Flight, cabin: usize, bucket: usize, today: NaiveDate) -> f64 {
    let jitter = 0.92 + Rng::new(seed, &["fare", &f.carrier.iata, &f.from.iata, &f.to.iata]).unit() * 0.16;
    let distance = 35.0 + 0.075 * f.km;
    let days = (f.dep.date() - today).num_days();
    let lead = match days {
        d if d < 7 => 1.55,
        d if d < 14 => 1.3,
        d if d < 30 => 1.12,
        d if d < 90 => 1.0,
        _ => 0.95,
    };
    let weekday = match f.dep.date().weekday() {
        Weekday::Fri | Weekday::Sun => 1.1,
        Weekday::Tue | Weekday::Wed => 0.92,
        _ => 1.0,
    };
    let buckets = 1.0 + 0.14 * bucket as f64;
    distance * CABIN_FACTOR[cabin.min(3)] * lead * weekday * buckets * jitter
}

/// Taxes and charges per passenger and segment, in euros.
pub fn taxes_eur(f: &Flight) -> f64 {
    let international = if f.from.country == f.to.country { 0.0 } else { 18.0 };
    14.0 + 0.006 * f.km + international
}

/// What one traveller type pays of an adult's base and taxes.
pub fn share(traveler_type: &str) -> (f64, f64) {
    match traveler_type {
        "CHILD" => (0.75, 1.0),
        "HELD_INFANT" => (0.1, 0.3),
        _ => (1.0, 1.0),
    }
}

/// Euros to cents of `currency` at `rate`.
pub fn cents(eur: f64, rate: f64) -> i64 {
    (eur * rate * 100.0).round() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_two_decimals() {
        assert_eq!(money(12345), "123.45");
        assert_eq!(money(7), "0.07");
        assert_eq!(rate("GBP"), Some(0.86));
        assert_eq!(rate("XXX"), None);
        assert_eq!(cabin_index("BUSINESS"), Some(2));
        assert_eq!(booking_class(0, 0), 'Q');
        assert_eq!(booking_class(0, 99), 'Y');
    }
}
