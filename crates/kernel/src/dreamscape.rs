//! DreamScape's back-office vocabulary, shared by the contexts that serve its admin routes
//! (identity's users and transactions, insights' dashboard figures): the dashboard's period
//! (`period=24h|7d|30d|custom`, `startDate`, `endDate`) and `limit`, its evolution figures, and
//! how our reservations and bookings by reference read in DreamScape's `BookingStatus`.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, FieldError};
use crate::window::Bound;

/// A dashboard period: `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Period {
    /// The period of equal length just before.
    pub fn previous(&self) -> Period {
        Period { from: self.from - (self.to - self.from), to: self.from }
    }
}

/// Custom periods are at most this long.
pub const MAX_CUSTOM_DAYS: i64 = 3660;

/// DreamScape's `period` (`24h`, `7d` (default), `30d`, `custom`) ending `now`; `custom`
/// takes `startDate` and `endDate` (RFC 3339 instants, or days: a `YYYY-MM-DD` end date is
/// included whole).
pub fn period(
    now: DateTime<Utc>,
    name: Option<&str>,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Period, ApiError> {
    let mut errors = Vec::new();
    let mut bound = |field: &str, raw: Option<&str>| {
        let parsed = raw.map(|r| (r, Bound::parse(r)));
        if let Some((_, None)) = parsed {
            errors.push(FieldError::new(field, "must be an RFC 3339 instant or a YYYY-MM-DD date"));
        }
        parsed.and_then(|(_, b)| b)
    };
    let (start, end) = (bound("startDate", start), bound("endDate", end));
    let length = match name.unwrap_or("7d") {
        "24h" => Some(Duration::hours(24)),
        "7d" => Some(Duration::days(7)),
        "30d" => Some(Duration::days(30)),
        "custom" => None,
        _ => {
            errors.push(FieldError::new("period", "must be one of 24h, 7d, 30d, custom"));
            Some(Duration::days(7))
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let Some(length) = length {
        return Ok(Period { from: now - length, to: now });
    }
    let (Some(start), Some(end)) = (start, end) else {
        let missing: Vec<FieldError> = [("startDate", start.is_none()), ("endDate", end.is_none())]
            .into_iter()
            .filter(|(_, missing)| *missing)
            .map(|(field, _)| FieldError::new(field, "is required for a custom period"))
            .collect();
        let mut error = ApiError::validation(missing);
        error.message = "startDate and endDate required for custom period".into();
        return Err(error);
    };
    let from = match start {
        Bound::At(t) => t,
        Bound::Day(d) => d.and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc()),
    };
    let to = match end {
        Bound::At(t) => t,
        Bound::Day(d) => d.succ_opt().unwrap_or(d).and_hms_opt(0, 0, 0).map_or(now, |t| t.and_utc()),
    };
    if to <= from || to - from > Duration::days(MAX_CUSTOM_DAYS) {
        return Err(ApiError::validation(vec![FieldError::new(
            "endDate",
            format!("must be after startDate, at most {MAX_CUSTOM_DAYS} days later"),
        )]));
    }
    Ok(Period { from, to })
}

/// `period` values (documentation only).
#[derive(ToSchema)]
#[allow(dead_code)]
enum PeriodParam {
    #[schema(rename = "24h")]
    Day,
    #[schema(rename = "7d")]
    Week,
    #[schema(rename = "30d")]
    Month,
    #[schema(rename = "custom")]
    Custom,
}

/// The period every dashboard figure covers, as the query spells it.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// The last 24 hours, 7 days (default) or 30 days, or `custom` (then `startDate` and
    /// `endDate` are required). Figures are compared with the period of equal length just before.
    #[param(value_type = Option<PeriodParam>, inline)]
    pub period: Option<String>,
    /// Start of a custom period (RFC 3339 instant or `YYYY-MM-DD`).
    #[param(rename = "startDate")]
    pub start_date: Option<String>,
    /// End of a custom period (RFC 3339 instant, or `YYYY-MM-DD`: that day included).
    #[param(rename = "endDate")]
    pub end_date: Option<String>,
}

impl PeriodParams {
    /// The period these parameters name, ending `now`.
    pub fn resolve(&self, now: DateTime<Utc>) -> Result<Period, ApiError> {
        period(now, self.period.as_deref(), self.start_date.as_deref(), self.end_date.as_deref())
    }
}

/// A dashboard list's `limit`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitParam {
    /// How many, 1–100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

impl LimitParam {
    /// The limit sent, 1–100, or `default`.
    pub fn resolve(&self, default: u32) -> Result<u32, ApiError> {
        match self.limit.as_deref() {
            None => Ok(default),
            Some(raw) => raw.parse().ok().filter(|l| (1..=100).contains(l)).ok_or_else(|| {
                ApiError::validation(vec![FieldError::new("limit", "must be a whole number from 1 to 100")])
            }),
        }
    }
}

/// DreamScape's `BookingStatus` of a reservation in state `state`.
pub fn reservation_status(state: &str) -> &'static str {
    match state {
        "pending_payment" => "PENDING_PAYMENT",
        "awaiting_host" => "PENDING",
        "confirmed" => "CONFIRMED",
        "completed" => "COMPLETED",
        "expired" => "FAILED",
        _ => "CANCELLED",
    }
}

/// DreamScape's status of a booking by reference (`state`: `pending_payment`, `paid`,
/// `cancelled` or `failed`) from what is known of it: whether its payment was opened and the
/// states of its reservations. The booking context's own rule (`voyage::trips::status_of`),
/// except that supplier offers, which no event describes, count as booked.
pub fn trip_status(state: &str, payment_opened: bool, parts: &[String]) -> &'static str {
    match state {
        "cancelled" => "CANCELLED",
        "failed" => "FAILED",
        "pending_payment" => {
            let lapsed = !parts.is_empty() && parts.iter().all(|s| s == "expired" || s == "cancelled");
            match (lapsed, payment_opened) {
                (true, _) => "FAILED",
                (false, false) => "DRAFT",
                (false, true) => "PENDING_PAYMENT",
            }
        }
        _ if !parts.is_empty() && parts.iter().all(|s| s == "completed") => "COMPLETED",
        _ if parts.iter().all(|s| s == "confirmed" || s == "completed") => "CONFIRMED",
        _ => "PENDING",
    }
}

/// Every `BookingStatus`, in DreamScape's order.
pub const BOOKING_STATUSES: [&str; 7] =
    ["DRAFT", "PENDING_PAYMENT", "PENDING", "CONFIRMED", "CANCELLED", "COMPLETED", "FAILED"];

/// DreamScape's evolution figure: the change from `previous` to `current` in whole percent;
/// 100 when there was nothing before and something now, 0 when nothing either time.
pub fn evolution(current: f64, previous: f64) -> i64 {
    if previous == 0.0 {
        return if current > 0.0 { 100 } else { 0 };
    }
    #[allow(clippy::cast_possible_truncation)]
    let rounded = ((current - previous) / previous * 100.0).round() as i64;
    rounded
}

/// `value` rounded to two decimals.
pub fn two_decimals(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Minor units of `currency` as a major-unit number (2 decimals unless the currency says
/// otherwise): 22450 EUR → 224.5.
pub fn major(minor: i64, currency: &str) -> f64 {
    let digits = crate::Currency::parse(currency).map_or(2, |c| c.minor_digits());
    #[allow(clippy::cast_precision_loss)]
    let value = minor as f64;
    value / 10_f64.powi(i32::from(digits))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap()
    }

    fn parts(states: &[&str]) -> Vec<String> {
        states.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn periods() {
        let now = at("2030-01-10T12:00:00Z");
        let week = period(now, None, None, None).unwrap();
        assert_eq!((week.from, week.to), (at("2030-01-03T12:00:00Z"), now));
        assert_eq!(week.previous().from, at("2029-12-27T12:00:00Z"));
        assert_eq!(period(now, Some("24h"), None, None).unwrap().from, at("2030-01-09T12:00:00Z"));
        let custom = period(now, Some("custom"), Some("2030-01-01"), Some("2030-01-02")).unwrap();
        assert_eq!((custom.from, custom.to), (at("2030-01-01T00:00:00Z"), at("2030-01-03T00:00:00Z")));
        let missing = period(now, Some("custom"), Some("2030-01-01"), None).unwrap_err();
        assert_eq!((missing.status, missing.details.len()), (400, 1));
        assert_eq!(missing.message, "startDate and endDate required for custom period");
        assert_eq!(period(now, Some("1y"), None, None).unwrap_err().status, 400);
        assert_eq!(period(now, Some("custom"), Some("2030-01-05"), Some("2030-01-01")).unwrap_err().status, 400);
        assert_eq!(period(now, Some("7d"), Some("yesterday"), None).unwrap_err().status, 400);
    }

    #[test]
    fn limits() {
        assert_eq!(LimitParam::default().resolve(5).unwrap(), 5);
        assert_eq!(LimitParam { limit: Some("100".into()) }.resolve(5).unwrap(), 100);
        for bad in ["0", "101", "ten", "-1"] {
            assert_eq!(LimitParam { limit: Some(bad.into()) }.resolve(5).unwrap_err().status, 400, "{bad}");
        }
    }

    #[test]
    fn trip_status_follows_payment_then_every_part() {
        assert_eq!(trip_status("pending_payment", false, &[]), "DRAFT");
        assert_eq!(trip_status("pending_payment", true, &parts(&["pending_payment"])), "PENDING_PAYMENT");
        assert_eq!(trip_status("pending_payment", true, &parts(&["expired", "cancelled"])), "FAILED");
        assert_eq!(trip_status("paid", true, &parts(&["confirmed", "awaiting_host"])), "PENDING");
        assert_eq!(trip_status("paid", true, &parts(&["confirmed", "completed"])), "CONFIRMED");
        assert_eq!(trip_status("paid", true, &parts(&["completed"])), "COMPLETED");
        assert_eq!(trip_status("paid", true, &[]), "CONFIRMED", "supplier offers only");
        assert_eq!(trip_status("cancelled", true, &parts(&["confirmed"])), "CANCELLED");
        assert_eq!(trip_status("failed", true, &[]), "FAILED");
        assert_eq!(reservation_status("awaiting_host"), "PENDING");
        assert_eq!(reservation_status("declined"), "CANCELLED");
    }

    #[test]
    fn evolution_is_dreamscape_s() {
        assert_eq!(evolution(15.0, 10.0), 50);
        assert_eq!(evolution(5.0, 10.0), -50);
        assert_eq!(evolution(3.0, 0.0), 100);
        assert_eq!(evolution(0.0, 0.0), 0);
        assert_eq!(evolution(1.0, 3.0), -67);
        assert!((two_decimals(66.666_6) - 66.67).abs() < f64::EPSILON);
        assert!((major(22450, "EUR") - 224.5).abs() < f64::EPSILON);
        assert!((major(500, "JPY") - 500.0).abs() < f64::EPSILON);
    }
}
