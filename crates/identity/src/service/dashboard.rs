//! DreamScape's admin dashboard (`/api/v1/admin/dashboard/*`): figures of a period and their
//! evolution against the period of equal length just before it. Users come from identity's
//! own tables; bookings, revenue and transactions from the read model the booking and
//! payments contexts' events keep (`crate::events::BackOffice`).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use kernel::{ApiError, FieldError, window::Bound};
use serde::Serialize;
use utoipa::ToSchema;

use super::Accounts;
use crate::domain::backoffice::{BOOKING_STATUSES, evolution, major, two_decimals};
use crate::store::admin_users::REPORT_CURRENCY;
use crate::store::dashboard as store;

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
const MAX_CUSTOM_DAYS: i64 = 3660;

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

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardUsers {
    /// Accounts (erased ones aside).
    pub total: i64,
    /// Accounts with a verified email.
    pub active: i64,
    pub inactive: i64,
    /// Accounts created in the period.
    pub new_in_period: i64,
    /// Change of `newInPeriod` against the previous period, in whole percent.
    pub evolution: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardBookings {
    /// Bookings made in the period.
    pub total: i64,
    /// The period's bookings per DreamScape `BookingStatus` (every status, zeros included).
    #[schema(value_type = Object)]
    pub by_status: BTreeMap<&'static str, i64>,
    pub evolution: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardMoney {
    /// Major units.
    pub total: f64,
    pub currency: &'static str,
    pub evolution: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardConversion {
    /// Confirmed and completed bookings per search, in percent (2 decimals; 0 without searches).
    pub rate: f64,
    pub evolution: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardAverage {
    pub amount: f64,
    pub currency: &'static str,
}

/// DreamScape's `GET /admin/dashboard/stats`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardStats {
    pub users: DashboardUsers,
    pub bookings: DashboardBookings,
    pub revenue: DashboardMoney,
    pub conversion_rate: DashboardConversion,
    pub avg_booking_value: DashboardAverage,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardRevenueDay {
    /// `YYYY-MM-DD` (UTC).
    pub date: String,
    pub revenue: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardDestination {
    pub destination: String,
    pub count: i64,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardTransaction {
    pub id: String,
    /// `Unknown` when the payer is unknown or the account was erased.
    pub user_email: String,
    /// The payer's names, else the email.
    pub user_name: String,
    pub amount: f64,
    /// Ours: how much of it went back (major units).
    pub amount_refunded: f64,
    pub currency: String,
    /// DreamScape's `PaymentTransactionStatus`.
    pub status: String,
    pub payment_method: Option<String>,
    pub booking_reference: String,
    pub created_at: DateTime<Utc>,
}

fn eur(minor: i64) -> f64 {
    two_decimals(major(minor, REPORT_CURRENCY))
}

/// Confirmed and completed bookings per search, in percent.
fn rate(confirmed: i64, searches: i64) -> f64 {
    if searches == 0 {
        return 0.0;
    }
    #[allow(clippy::cast_precision_loss)]
    let ratio = confirmed as f64 / searches as f64;
    two_decimals(ratio * 100.0)
}

#[allow(clippy::cast_precision_loss)]
fn change(current: i64, previous: i64) -> i64 {
    evolution(current as f64, previous as f64)
}

impl Accounts {
    pub async fn dashboard_stats(&self, p: Period) -> Result<DashboardStats, ApiError> {
        let db = &self.db;
        let before = p.previous();
        let (total, verified) = store::user_counts(db).await?;
        let (new, new_before) =
            (store::new_users(db, p.from, p.to).await?, store::new_users(db, before.from, before.to).await?);
        let mut by_status: BTreeMap<&'static str, i64> = BOOKING_STATUSES.iter().map(|s| (*s, 0)).collect();
        for (status, n) in store::bookings_by_status(db, p.from, p.to).await? {
            if let Some(slot) = BOOKING_STATUSES.iter().find(|s| **s == status).and_then(|s| by_status.get_mut(s)) {
                *slot += n;
            }
        }
        let bookings: i64 = by_status.values().sum();
        let statuses_before = store::bookings_by_status(db, before.from, before.to).await?;
        let bookings_before: i64 = statuses_before.iter().map(|(_, n)| n).sum();
        let (revenue, revenue_before) =
            (store::revenue(db, p.from, p.to).await?, store::revenue(db, before.from, before.to).await?);
        let confirmed = by_status["CONFIRMED"] + by_status["COMPLETED"];
        let confirmed_before: i64 =
            statuses_before.iter().filter(|(s, _)| s == "CONFIRMED" || s == "COMPLETED").map(|(_, n)| n).sum();
        let searches = store::searches(db, p.from, p.to).await?;
        let searches_before = store::searches(db, before.from, before.to).await?;
        let (rate_now, rate_before) = (rate(confirmed, searches), rate(confirmed_before, searches_before));
        let (count, value) = store::confirmed_value(db, p.from, p.to).await?;
        let average = if count > 0 { eur(value / count) } else { 0.0 };
        Ok(DashboardStats {
            users: DashboardUsers {
                total,
                active: verified,
                inactive: total - verified,
                new_in_period: new,
                evolution: change(new, new_before),
            },
            bookings: DashboardBookings { total: bookings, by_status, evolution: change(bookings, bookings_before) },
            revenue: DashboardMoney {
                total: eur(revenue),
                currency: REPORT_CURRENCY,
                evolution: change(revenue, revenue_before),
            },
            conversion_rate: DashboardConversion { rate: rate_now, evolution: evolution(rate_now, rate_before) },
            avg_booking_value: DashboardAverage { amount: average, currency: REPORT_CURRENCY },
        })
    }

    pub async fn revenue_chart(&self, p: Period) -> Result<Vec<DashboardRevenueDay>, ApiError> {
        let days = store::revenue_by_day(&self.db, p.from, p.to).await?;
        Ok(days.into_iter().map(|(date, minor)| DashboardRevenueDay { date, revenue: eur(minor) }).collect())
    }

    pub async fn bookings_by_destination(&self, p: Period, limit: u32) -> Result<Vec<DashboardDestination>, ApiError> {
        let rows = store::by_destination(&self.db, p.from, p.to, limit).await?;
        Ok(rows.into_iter().map(|(destination, count)| DashboardDestination { destination, count }).collect())
    }

    pub async fn recent_transactions(&self, p: Period, limit: u32) -> Result<Vec<DashboardTransaction>, ApiError> {
        let rows = store::recent_payments(&self.db, p.from, p.to, limit).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let names = [r.first_name.as_deref(), r.last_name.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                let email = r.email.unwrap_or_else(|| "Unknown".into());
                DashboardTransaction {
                    id: r.id,
                    user_name: if names.trim().is_empty() { email.clone() } else { names },
                    user_email: email,
                    amount: two_decimals(major(r.amount, &r.currency)),
                    amount_refunded: two_decimals(major(r.refunded, &r.currency)),
                    currency: r.currency,
                    status: r.status,
                    payment_method: r.method,
                    booking_reference: r.reference,
                    created_at: r.created_at,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).map(|t| t.with_timezone(&Utc)).unwrap()
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
        assert_eq!(period(now, Some("1y"), None, None).unwrap_err().status, 400);
        assert_eq!(period(now, Some("custom"), Some("2030-01-05"), Some("2030-01-01")).unwrap_err().status, 400);
        assert_eq!(period(now, Some("7d"), Some("yesterday"), None).unwrap_err().status, 400);
    }

    #[test]
    fn rates() {
        assert!((rate(1, 3) - 33.33).abs() < f64::EPSILON);
        assert!(rate(5, 0).abs() < f64::EPSILON);
    }
}
