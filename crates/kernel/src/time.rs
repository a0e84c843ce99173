//! Instants are UTC everywhere; calendar dates (a stay's nights) are plain dates interpreted in
//! the listing's timezone, so they are a separate type that never carries an offset.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FieldError};

/// A point in time, always UTC. Serialised as RFC 3339.
pub type Instant = DateTime<Utc>;

/// Drops sub-microsecond digits. PostgreSQL stores microseconds; truncating everywhere
/// keeps an instant identical whether it was just created or read back, on either engine.
/// A query bound given as a day (`YYYY-MM-DD`, its midnight UTC) or an RFC 3339 instant.
pub fn parse_day_or_instant(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = t.timestamp_subsec_nanos();
    t - chrono::Duration::nanoseconds(i64::from(nanos % 1_000))
}

/// A half-open range of calendar dates `[start, end)`: for a stay, check-in to check-out, so
/// the nights are `start..end` and the range is never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DateRange {
    start: NaiveDate,
    end: NaiveDate,
}

impl DateRange {
    /// Validates that `end` is after `start`. `field` names the request field in the error.
    pub fn new(start: NaiveDate, end: NaiveDate, field: &str) -> Result<Self, ApiError> {
        if end <= start {
            return Err(ApiError::validation(vec![FieldError::new(field, "end date must be after start date")]));
        }
        Ok(Self { start, end })
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// Number of nights (days between start and end).
    pub fn nights(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    /// Every night in the range, in order.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.start.iter_days().take_while(move |d| *d < self.end)
    }

    /// True when the two ranges share at least one night.
    pub fn overlaps(&self, other: &DateRange) -> bool {
        self.start < other.end && other.start < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn truncation_keeps_microseconds() {
        let t: DateTime<Utc> = "2026-11-22T03:30:15.982488156Z".parse().unwrap();
        assert_eq!(truncate_micros(t).to_rfc3339(), "2026-11-22T03:30:15.982488+00:00");
    }

    #[test]
    fn ranges_are_half_open() {
        let r = DateRange::new(d("2026-12-30"), d("2027-01-02"), "dates").unwrap();
        assert_eq!(r.nights(), 3);
        assert_eq!(r.dates().collect::<Vec<_>>(), vec![d("2026-12-30"), d("2026-12-31"), d("2027-01-01")]);
        let next = DateRange::new(d("2027-01-02"), d("2027-01-05"), "dates").unwrap();
        assert!(!r.overlaps(&next));
        let inside = DateRange::new(d("2027-01-01"), d("2027-01-03"), "dates").unwrap();
        assert!(r.overlaps(&inside) && inside.overlaps(&r));
    }

    #[test]
    fn empty_or_inverted_ranges_are_rejected() {
        let err = DateRange::new(d("2027-01-02"), d("2027-01-02"), "stay.dates").unwrap_err();
        assert_eq!(err.status, 400);
        assert_eq!(err.details[0].field, "stay.dates");
        assert!(DateRange::new(d("2027-01-03"), d("2027-01-02"), "x").is_err());
    }
}

#[cfg(test)]
mod day_or_instant_tests {
    use super::*;

    #[test]
    fn days_and_instants() {
        assert_eq!(
            parse_day_or_instant("2027-01-02").map(|t| t.to_rfc3339()),
            Some("2027-01-02T00:00:00+00:00".into())
        );
        assert_eq!(
            parse_day_or_instant("2027-01-02T10:00:00+02:00").map(|t| t.to_rfc3339()),
            Some("2027-01-02T08:00:00+00:00".into())
        );
        assert_eq!(parse_day_or_instant("tomorrow"), None);
    }
}
