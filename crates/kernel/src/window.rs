//! The `from` / `to` window of schedule queries (availability, a listing's sessions and trips).
//! Each end is an RFC 3339 instant or a `YYYY-MM-DD` day, and a day is the listing's local
//! day, which only the listing's time zone turns into instants: a window is parsed first
//! (400 on bad syntax) and resolved once the listing is known.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::error::{ApiError, FieldError};

/// One end of a window as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    At(DateTime<Utc>),
    Day(NaiveDate),
}

impl Bound {
    /// An RFC 3339 instant or a `YYYY-MM-DD` day.
    pub fn parse(raw: &str) -> Option<Bound> {
        let raw = raw.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
            return Some(Bound::At(t.with_timezone(&Utc)));
        }
        NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().map(Bound::Day)
    }
}

/// A window as sent, not yet in instants.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub from: Option<Bound>,
    pub to: Option<Bound>,
}

/// The first instant of a local day (after a DST gap at midnight, the first one that exists).
fn day_start<Z: TimeZone>(tz: &Z, day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    (0..=2)
        .find_map(|h| tz.from_local_datetime(&(midnight + Duration::hours(h))).earliest())
        .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
}

impl Window {
    /// Both ends, each syntax error pushed to `errors` under its field (for handlers that
    /// report every bad parameter at once).
    pub fn parse_into(from: Option<&str>, to: Option<&str>, errors: &mut Vec<FieldError>) -> Window {
        let mut bound = |field: &str, raw: Option<&str>| {
            let parsed = Bound::parse(raw?);
            if parsed.is_none() {
                errors.push(FieldError::new(field, "must be RFC 3339 or YYYY-MM-DD"));
            }
            parsed
        };
        Window { from: bound("from", from), to: bound("to", to) }
    }

    /// Both ends, or every syntax error at once.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Window, ApiError> {
        let mut errors = Vec::new();
        let window = Self::parse_into(from, to, &mut errors);
        if errors.is_empty() { Ok(window) } else { Err(ApiError::validation(errors)) }
    }

    /// `[from, to)` for a listing in `tz`: a `from` day starts at its local midnight, a `to`
    /// day is included whole (up to the next local midnight), so `from=D&to=D` is day D.
    /// Default from `now` for 90 days; at most 366 days wide.
    pub fn resolve<Z: TimeZone>(&self, tz: &Z, now: DateTime<Utc>) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
        let from = match self.from {
            None => now,
            Some(Bound::At(t)) => t,
            Some(Bound::Day(d)) => day_start(tz, d),
        };
        let to = match self.to {
            None => from + Duration::days(90),
            Some(Bound::At(t)) => t,
            Some(Bound::Day(d)) => day_start(tz, d.succ_opt().unwrap_or(d)),
        };
        if to <= from || to - from > Duration::days(366) {
            return Err(ApiError::validation(vec![FieldError::new(
                "to",
                "must be after `from`, at most 366 days later",
            )]));
        }
        Ok((from, to))
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap()
    }

    #[test]
    fn days_are_local_and_to_is_included() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        let now = at("2027-01-01T12:00:00Z");
        let w = Window::parse(Some("2027-02-01"), Some("2027-02-01")).unwrap();
        assert_eq!(w.resolve(&paris, now).unwrap(), (at("2027-01-31T23:00:00Z"), at("2027-02-01T23:00:00Z")));
        // Paris is UTC+1 in March until the 28th, UTC+2 after: the window covers local days.
        let w = Window::parse(Some("2027-03-27"), Some("2027-03-28")).unwrap();
        assert_eq!(w.resolve(&paris, now).unwrap(), (at("2027-03-26T23:00:00Z"), at("2027-03-28T22:00:00Z")));
        // Instants are taken as they are, and may be mixed with days; 90 days by default.
        let w = Window::parse(Some("2027-02-01T10:00:00+01:00"), None).unwrap();
        assert_eq!(w.resolve(&paris, now).unwrap(), (at("2027-02-01T09:00:00Z"), at("2027-05-02T09:00:00Z")));
        assert_eq!(Window::default().resolve(&paris, now).unwrap().0, now);
        // Santiago moves its clocks at midnight: 2027-09-05 starts at 01:00 there.
        let santiago: Tz = "America/Santiago".parse().unwrap();
        let w = Window::parse(Some("2027-09-05"), None).unwrap();
        assert_eq!(w.resolve(&santiago, now).unwrap().0, at("2027-09-05T04:00:00Z"));
    }

    #[test]
    fn bad_windows_are_refused() {
        let err = Window::parse(Some("soon"), Some("2027-02-30")).unwrap_err();
        assert_eq!(err.details.len(), 2);
        assert_eq!(Bound::parse("tomorrow"), None);
        let now = at("2027-01-01T12:00:00Z");
        let backwards = Window::parse(Some("2027-02-02"), Some("2027-02-01")).unwrap();
        assert!(backwards.resolve(&Utc, now).is_err());
        let long = Window::parse(Some("2027-01-01"), Some("2028-01-02")).unwrap();
        assert!(long.resolve(&Utc, now).is_err());
        assert!(Window::parse(Some("2027-01-01"), Some("2027-12-31")).unwrap().resolve(&Utc, now).is_ok());
    }
}
