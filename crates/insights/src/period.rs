//! The period every insights endpoint takes: local days `from..=to` (`YYYY-MM-DD`), at most
//! [`MAX_DAYS`] long, and the period of equal length just before it. One parser, so that the
//! host dashboard, the administrators' KPIs and the tracking summary agree on what a period is
//! and answer the same errors.

use chrono::{Duration, NaiveDate};
use kernel::{ApiError, FieldError};

/// The longest period, in days (two years and a leap day).
pub const MAX_DAYS: i64 = 731;

/// Days `from..=to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The same number of days just before.
    pub fn previous(&self) -> Period {
        let to = self.from.pred_opt().unwrap_or(self.from);
        Period { from: to - Duration::days(self.days() - 1), to }
    }
}

fn day(field: &str, raw: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.push(FieldError::new(field, "must be a date YYYY-MM-DD"));
    }
    d
}

/// Reads `from` and `to`, adding what is wrong to `errors`. With `default_to`, a missing `to`
/// is that day and a missing `from` the 30 days up to `to`; without it both are required.
pub fn collect(
    from: Option<&str>,
    to: Option<&str>,
    default_to: Option<NaiveDate>,
    errors: &mut Vec<FieldError>,
) -> Option<Period> {
    let mut required = |field: &str| {
        errors.push(FieldError::new(field, "is required (YYYY-MM-DD)"));
        None
    };
    // A blank value is given, and not a date.
    let to = match to {
        Some(raw) => Some(raw),
        None if default_to.is_some() => None,
        None => required("to"),
    };
    let from_raw = match from {
        Some(raw) => Some(raw),
        None if default_to.is_some() => None,
        None => required("from"),
    };
    let to = match to {
        Some(raw) => day("to", raw, errors),
        None => default_to,
    };
    let from = match from_raw {
        Some(raw) => day("from", raw, errors),
        None => to.filter(|_| default_to.is_some()).map(|t| t - Duration::days(29)),
    };
    let (from, to) = (from?, to?);
    let period = Period { from, to };
    if from > to {
        errors.push(FieldError::new("from", "must not be after to"));
        None
    } else if period.days() > MAX_DAYS {
        errors.push(FieldError::new("to", format!("the period is at most {MAX_DAYS} days")));
        None
    } else {
        Some(period)
    }
}

/// [`collect`], as a 400 `validation_failed` listing every bad field.
pub fn parse(from: Option<&str>, to: Option<&str>, default_to: Option<NaiveDate>) -> Result<Period, ApiError> {
    let mut errors = Vec::new();
    match collect(from, to, default_to, &mut errors) {
        Some(p) if errors.is_empty() => Ok(p),
        _ => Err(ApiError::validation(errors)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_blank_day_is_not_a_missing_one() {
        let today = d("2030-03-31");
        assert_eq!(parse(Some(""), None, Some(today)).unwrap_err().details[0].field, "from");
        assert_eq!(parse(None, Some(" "), Some(today)).unwrap_err().details[0].field, "to");
    }

    #[test]
    fn defaults_are_the_thirty_days_up_to_today_when_allowed() {
        let today = d("2030-03-31");
        assert_eq!(parse(None, None, Some(today)).unwrap(), Period { from: d("2030-03-02"), to: today });
        assert_eq!(parse(None, Some("2030-01-30"), Some(today)).unwrap().from, d("2030-01-01"));
        assert_eq!(parse(None, None, None).unwrap_err().details.len(), 2, "both required without a default");
    }

    #[test]
    fn bad_dates_order_and_length_are_field_errors() {
        assert_eq!(parse(None, Some("x"), None).unwrap_err().details.len(), 2);
        assert_eq!(parse(Some("2030-01-02"), Some("2030-01-01"), None).unwrap_err().status, 400);
        assert_eq!(parse(Some("2030-01-01"), Some("2032-01-02"), None).unwrap_err().status, 400);
        assert!(parse(Some("2030-01-01"), Some("2032-01-01"), None).is_ok(), "731 days");
    }

    #[test]
    fn the_previous_period_has_the_same_length_just_before() {
        let p = parse(Some("2030-01-08"), Some("2030-01-14"), None).unwrap();
        assert_eq!(p.previous(), Period { from: d("2030-01-01"), to: d("2030-01-07") });
    }
}
