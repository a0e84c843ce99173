//! Documents a traveller takes away from a booking: a PDF confirmation and an iCalendar file.
//!
//! Both generators are pure functions of a [`Document`] (no clock, no I/O, no database), so the
//! same booking always yields the same bytes and callers decide where the data comes from and
//! how the result is served or mailed.

pub mod ics;
pub mod pdf;
mod typeset;
mod vtimezone;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// A booking as the documents show it; other code builds it from reservations.
pub struct Document<'a> {
    /// The booking reference, e.g. `DS-A7B3X2K1`.
    pub reference: &'a str,
    /// `CONFIRMED`, `PENDING_PAYMENT`, …
    pub status: &'a str,
    pub traveller_name: &'a str,
    pub traveller_email: &'a str,
    pub created_at: DateTime<Utc>,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: &'a str,
    /// Minor units of [`Document::currency`].
    pub total: i64,
    pub paid: i64,
    pub refunded: i64,
    pub items: Vec<Item<'a>>,
}

/// One booked thing: a stay, a table, a seat, a product…
pub struct Item<'a> {
    /// Stable id, used in the iCalendar UID.
    pub id: &'a str,
    /// `stay`, `restaurant`, `transport`, `activity`, `product`, `flight`, `hotel`.
    pub kind: &'a str,
    pub title: &'a str,
    /// Free lines, e.g. `2 guests`, `Seat 14C`.
    pub details: Vec<String>,
    pub location: Option<&'a str>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// IANA name of where it happens, e.g. `Europe/Paris`; times are shown in it.
    pub timezone: Option<&'a str>,
    /// Minor units of the document's currency.
    pub amount: i64,
    /// Cancellation policy text.
    pub policy: Option<&'a str>,
    pub status: &'a str,
}

/// `22400, "EUR"` → `224.00 EUR`; `500, "JPY"` → `500 JPY`. An unknown code keeps two decimals
/// and is shown as given, so a document never fails to render over a currency.
pub fn format_amount(minor: i64, currency: &str) -> String {
    let (digits, code) = match kernel::Currency::parse(currency) {
        Ok(c) => (u32::from(c.minor_digits()), c.code().to_owned()),
        Err(_) => (2, currency.trim().to_owned()),
    };
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let number = match 10u64.checked_pow(digits) {
        Some(scale) if digits > 0 => {
            format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = digits as usize)
        }
        _ => format!("{sign}{abs}"),
    };
    format!("{number} {code}")
}

/// The zone an item happens in, if its name is a known IANA zone.
pub(crate) fn zone(name: Option<&str>) -> Option<Tz> {
    name?.trim().parse::<Tz>().ok()
}

/// `Fri 3 May 2030 15:00` in the item's zone, or in UTC without a (known) zone.
fn local_stamp(at: DateTime<Utc>, tz: Option<Tz>) -> String {
    const FORMAT: &str = "%a %-d %b %Y %H:%M";
    match tz {
        Some(tz) => at.with_timezone(&tz).format(FORMAT).to_string(),
        None => at.format(FORMAT).to_string(),
    }
}

/// When an item happens, in its own zone with the zone's name:
/// `Fri 3 May 2030 15:00 – Sun 5 May 2030 11:00 (Europe/Paris)`.
pub fn when(item: &Item<'_>) -> Option<String> {
    let start = item.starts_at?;
    let tz = zone(item.timezone);
    let zone_name = tz.map_or("UTC", |tz| tz.name());
    let from = local_stamp(start, tz);
    Some(match item.ends_at {
        Some(end) if end > start => {
            let to = local_stamp(end, tz);
            // Same local day: only the time after the dash.
            let to = match (from.rsplit_once(' '), to.rsplit_once(' ')) {
                (Some((day_a, _)), Some((day_b, time_b))) if day_a == day_b => time_b.to_owned(),
                _ => to,
            };
            format!("{from} \u{2013} {to} ({zone_name})")
        }
        _ => format!("{from} ({zone_name})"),
    })
}

#[cfg(test)]
mod fixture;
#[cfg(test)]
mod ics_tests;
#[cfg(test)]
mod pdf_tests;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn amounts_use_the_currency_exponent() {
        assert_eq!(format_amount(22400, "EUR"), "224.00 EUR");
        assert_eq!(format_amount(5, "eur"), "0.05 EUR");
        assert_eq!(format_amount(500, "JPY"), "500 JPY");
        assert_eq!(format_amount(1234, "KWD"), "1.234 KWD");
        assert_eq!(format_amount(-1250, "USD"), "-12.50 USD");
        assert_eq!(format_amount(i64::MIN, "EUR"), "-92233720368547758.08 EUR");
        assert_eq!(format_amount(199, "ZZZ"), "1.99 ZZZ");
    }

    #[test]
    fn times_are_local_to_the_item() {
        let mut item = fixture::item("i1", "Hôtel", "Europe/Paris");
        assert_eq!(when(&item).unwrap(), "Wed 1 May 2030 15:00 \u{2013} Fri 3 May 2030 11:00 (Europe/Paris)");
        item.ends_at = item.starts_at.map(|s| s + chrono::Duration::hours(2));
        assert_eq!(when(&item).unwrap(), "Wed 1 May 2030 15:00 \u{2013} 17:00 (Europe/Paris)");
        item.timezone = Some("Mars/Olympus");
        assert_eq!(when(&item).unwrap(), "Wed 1 May 2030 13:00 \u{2013} 15:00 (UTC)");
        item.starts_at = None;
        assert_eq!(when(&item), None);
    }
}
