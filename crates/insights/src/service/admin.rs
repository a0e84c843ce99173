//! Administrators' KPIs: platform figures of a period of UTC days beside the same number of
//! days just before, series of one figure by day, week or month, and top lists. Money stays
//! per currency, in minor units; nothing here adds two currencies.

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate};
use kernel::{ApiError, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

use super::Insights;
use super::admin_store as store;
use crate::rollups::platform_days::MoneyDay;

pub use self::top::{TopAnswer, by_gmv, dimension, top_limit};
pub use crate::period::Period;

mod top;

/// `from` and `to` (`YYYY-MM-DD`, both required, `from ≤ to`, at most
/// [`crate::period::MAX_DAYS`] days).
pub fn period(from: Option<&str>, to: Option<&str>) -> Result<Period, ApiError> {
    crate::period::parse(from, to, None)
}

/// An optional ISO 4217 code (upper-cased).
pub fn currency(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c) if c.len() == 3 && c.chars().all(|ch| ch.is_ascii_alphabetic()) => Ok(Some(c.to_ascii_uppercase())),
        Some(_) => Err(ApiError::validation(vec![FieldError::new("currency", "must be a 3-letter currency code")])),
    }
}

/// A figure of the period and of the period before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Figure {
    pub current: i64,
    pub previous: i64,
}

/// A ratio (0–1, 4 decimals) of the period and of the period before; null without a base.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
pub struct Ratio {
    pub current: Option<f64>,
    pub previous: Option<f64>,
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    let r = (whole != 0).then(|| part as f64 / whole as f64);
    r.map(|r| (r * 10_000.0).round() / 10_000.0)
}

/// One currency's KPIs (amounts in its minor units).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyKpis {
    pub currency: String,
    /// Guest totals of reservations booked in the period that are or were confirmed.
    pub gmv: Figure,
    /// Platform fees (guest service fee + host fee) of those.
    pub take: Figure,
    /// take / gmv.
    pub take_rate: Ratio,
    /// Platform revenue of those.
    pub net_revenue: Figure,
    /// How many of those.
    pub bookings: Figure,
    /// Confirmed reservations cancelled in the period.
    pub cancellations: Figure,
    /// cancellations / bookings.
    pub cancellation_rate: Ratio,
    /// Captured payments: count and amount.
    pub captures: Figure,
    pub captured: Figure,
    /// Completed refunds: count and amount.
    pub refunds: Figure,
    pub refunded: Figure,
    pub failed_payments: Figure,
    /// Payouts paid: count and amount.
    pub payouts_sent: Figure,
    pub paid_out: Figure,
    /// Host earnings captured less refunded shares less payouts paid, as of the period's last
    /// day (an estimate: payments' ledger is the truth, see docs).
    pub pending_payouts: Figure,
}

/// Users and listings (no currency).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserKpis {
    pub new_users: Figure,
    /// Distinct users active on the period's last day, its last 7 and last 30 days.
    pub dau: Figure,
    pub wau: Figure,
    pub mau: Figure,
    /// Users whose first listing was created in the period.
    pub new_hosts: Figure,
    pub new_listings: Figure,
    pub published_listings: Figure,
}

/// `GET /api/v1/admin/analytics/kpis`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Kpis {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    /// One entry per currency with any figure in either period (or the one asked for).
    pub currencies: Vec<CurrencyKpis>,
    pub users: UserKpis,
}

fn fig(now: i64, before: i64) -> Figure {
    Figure { current: now, previous: before }
}

fn currency_kpis(currency: String, now: &MoneyDay, before: &MoneyDay, pending: (i64, i64)) -> CurrencyKpis {
    CurrencyKpis {
        currency,
        gmv: fig(now.gmv, before.gmv),
        take: fig(now.take, before.take),
        take_rate: Ratio { current: ratio(now.take, now.gmv), previous: ratio(before.take, before.gmv) },
        net_revenue: fig(now.net_revenue, before.net_revenue),
        bookings: fig(now.bookings, before.bookings),
        cancellations: fig(now.cancellations, before.cancellations),
        cancellation_rate: Ratio {
            current: ratio(now.cancellations, now.bookings),
            previous: ratio(before.cancellations, before.bookings),
        },
        captures: fig(now.captures, before.captures),
        captured: fig(now.captured, before.captured),
        refunds: fig(now.refunds, before.refunds),
        refunded: fig(now.refunded, before.refunded),
        failed_payments: fig(now.failed_payments, before.failed_payments),
        payouts_sent: fig(now.payouts, before.payouts),
        paid_out: fig(now.paid_out, before.paid_out),
        pending_payouts: fig(pending.0, pending.1),
    }
}

/// The `n` days ending `day`.
fn ending(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n - 1)).unwrap_or(NaiveDate::MIN)
}

/// A series' metric: a column of the rollups, or distinct active users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Money(&'static str),
    Count(&'static str),
    ActiveUsers,
}

/// Every metric name a series takes.
pub const METRICS: [&str; 17] = [
    "gmv",
    "take",
    "net_revenue",
    "bookings",
    "cancellations",
    "captures",
    "captured",
    "refunds",
    "refunded",
    "failed_payments",
    "payouts",
    "paid_out",
    "new_users",
    "new_hosts",
    "new_listings",
    "published_listings",
    "active_users",
];

pub fn metric(raw: Option<&str>) -> Result<Metric, ApiError> {
    let name = raw.unwrap_or("gmv");
    let Some(column) = METRICS.iter().find(|m| **m == name) else {
        return Err(ApiError::validation(vec![FieldError::new(
            "metric",
            format!("must be one of {}", METRICS.join(", ")),
        )]));
    };
    Ok(match *column {
        "active_users" => Metric::ActiveUsers,
        c @ ("new_users" | "new_hosts" | "new_listings" | "published_listings") => Metric::Count(c),
        c => Metric::Money(c),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Day,
    Week,
    Month,
}

pub fn interval(raw: Option<&str>) -> Result<Interval, ApiError> {
    match raw.unwrap_or("day") {
        "day" => Ok(Interval::Day),
        "week" => Ok(Interval::Week),
        "month" => Ok(Interval::Month),
        _ => Err(ApiError::validation(vec![FieldError::new("interval", "must be one of day, week, month")])),
    }
}

/// The buckets of `p`: days, ISO weeks (from Monday) or calendar months, clipped to `p`.
pub fn buckets(p: Period, interval: Interval) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = p.from;
    while start <= p.to {
        let natural_end = match interval {
            Interval::Day => start,
            Interval::Week => start + chrono::Duration::days(6 - i64::from(start.weekday().num_days_from_monday())),
            Interval::Month => {
                let next = if start.month() == 12 {
                    NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
                };
                next.and_then(|n| n.pred_opt()).unwrap_or(p.to)
            }
        };
        let end = natural_end.min(p.to);
        out.push((start, end));
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Point {
    /// First and last day of the bucket (clipped to the period).
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub value: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Series {
    /// The currency of a money metric; null for counts.
    pub currency: Option<String>,
    pub points: Vec<Point>,
}

/// `GET /api/v1/admin/analytics/series`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeriesAnswer {
    pub metric: String,
    pub interval: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub series: Vec<Series>,
}

fn bucketed(days: &[(NaiveDate, i64)], buckets: &[(NaiveDate, NaiveDate)]) -> Vec<Point> {
    let mut points: Vec<Point> =
        buckets.iter().map(|(start, end)| Point { start: *start, end: *end, value: 0 }).collect();
    for (day, value) in days {
        // Buckets are in order and cover the period without gaps.
        let i = points.partition_point(|p| p.end < *day);
        if let Some(p) = points.get_mut(i).filter(|p| p.start <= *day) {
            p.value += value;
        }
    }
    points
}

impl Insights {
    pub async fn kpis(&self, p: Period, only: Option<&str>) -> Result<Kpis, ApiError> {
        let db = &self.db;
        let before = p.previous();
        let now: BTreeMap<String, MoneyDay> = store::money_totals(db, p.from, p.to).await?.into_iter().collect();
        let then: BTreeMap<String, MoneyDay> =
            store::money_totals(db, before.from, before.to).await?.into_iter().collect();
        let pending_now: BTreeMap<String, i64> = store::pending_payouts(db, p.to).await?.into_iter().collect();
        let pending_then: BTreeMap<String, i64> = store::pending_payouts(db, before.to).await?.into_iter().collect();
        let mut codes: Vec<&String> = now.keys().chain(then.keys()).collect();
        codes.extend(pending_now.iter().chain(&pending_then).filter(|(_, v)| **v != 0).map(|(k, _)| k));
        codes.sort();
        codes.dedup();
        let chosen: Vec<String> = match only {
            Some(c) => vec![c.to_owned()],
            None => codes.into_iter().cloned().collect(),
        };
        let empty = MoneyDay::default();
        let currencies = chosen
            .into_iter()
            .map(|c| {
                let pending = (pending_now.get(&c).copied().unwrap_or(0), pending_then.get(&c).copied().unwrap_or(0));
                currency_kpis(c.clone(), now.get(&c).unwrap_or(&empty), then.get(&c).unwrap_or(&empty), pending)
            })
            .collect();
        let (c_now, c_then) =
            (store::count_totals(db, p.from, p.to).await?, store::count_totals(db, before.from, before.to).await?);
        let mut active = [(0, 0); 3];
        for (slot, n) in active.iter_mut().zip([1, 7, 30]) {
            slot.0 = store::active_users(db, ending(p.to, n), p.to).await?;
            slot.1 = store::active_users(db, ending(before.to, n), before.to).await?;
        }
        Ok(Kpis {
            from: p.from,
            to: p.to,
            previous_from: before.from,
            previous_to: before.to,
            currencies,
            users: UserKpis {
                new_users: fig(c_now.new_users, c_then.new_users),
                dau: fig(active[0].0, active[0].1),
                wau: fig(active[1].0, active[1].1),
                mau: fig(active[2].0, active[2].1),
                new_hosts: fig(c_now.new_hosts, c_then.new_hosts),
                new_listings: fig(c_now.new_listings, c_then.new_listings),
                published_listings: fig(c_now.published_listings, c_then.published_listings),
            },
        })
    }

    pub async fn platform_series(
        &self,
        p: Period,
        metric_name: &str,
        metric: Metric,
        interval_name: &str,
        interval: Interval,
        only: Option<&str>,
    ) -> Result<SeriesAnswer, ApiError> {
        let db = &self.db;
        let spans = buckets(p, interval);
        let series = match metric {
            Metric::Money(column) => {
                let rows = store::money_series(db, column, p.from, p.to).await?;
                let mut by_currency: BTreeMap<String, Vec<(NaiveDate, i64)>> = BTreeMap::new();
                if let Some(c) = only {
                    by_currency.insert(c.to_owned(), Vec::new());
                }
                for (day, currency, value) in rows {
                    if only.is_none_or(|c| c == currency) {
                        by_currency.entry(currency).or_default().push((day, value));
                    }
                }
                by_currency
                    .into_iter()
                    .map(|(c, days)| Series { currency: Some(c), points: bucketed(&days, &spans) })
                    .collect()
            }
            Metric::Count(column) => {
                let days = store::count_series(db, column, p.from, p.to).await?;
                vec![Series { currency: None, points: bucketed(&days, &spans) }]
            }
            Metric::ActiveUsers if interval == Interval::Day => {
                let days = store::active_by_day(db, p.from, p.to).await?;
                vec![Series { currency: None, points: bucketed(&days, &spans) }]
            }
            Metric::ActiveUsers => {
                let mut points = Vec::with_capacity(spans.len());
                for (start, end) in spans {
                    points.push(Point { start, end, value: store::active_users(db, start, end).await? });
                }
                vec![Series { currency: None, points }]
            }
        };
        Ok(SeriesAnswer {
            metric: metric_name.to_owned(),
            interval: interval_name.to_owned(),
            from: p.from,
            to: p.to,
            series,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn periods_and_the_one_before() {
        let p = period(Some("2030-01-08"), Some("2030-01-14")).unwrap();
        assert_eq!(p.days(), 7);
        assert_eq!(p.previous(), Period { from: d("2030-01-01"), to: d("2030-01-07") });
        assert_eq!(period(None, Some("x")).unwrap_err().details.len(), 2);
        assert_eq!(period(Some("2030-01-02"), Some("2030-01-01")).unwrap_err().status, 400);
        assert_eq!(period(Some("2030-01-01"), Some("2032-01-02")).unwrap_err().status, 400);
        assert!(period(Some("2030-01-01"), Some("2032-01-01")).is_ok(), "731 days");
    }

    #[test]
    fn buckets_are_clipped_weeks_and_months() {
        let p = Period { from: d("2030-01-30"), to: d("2030-03-02") };
        let months = buckets(p, Interval::Month);
        assert_eq!(
            months,
            vec![
                (d("2030-01-30"), d("2030-01-31")),
                (d("2030-02-01"), d("2030-02-28")),
                (d("2030-03-01"), d("2030-03-02"))
            ]
        );
        // 2030-01-30 is a Wednesday.
        assert_eq!(buckets(p, Interval::Week)[0], (d("2030-01-30"), d("2030-02-03")));
        assert_eq!(buckets(p, Interval::Week)[1], (d("2030-02-04"), d("2030-02-10")));
        assert_eq!(buckets(p, Interval::Day).len(), 32);
    }

    #[test]
    fn ratios_round_and_need_a_base() {
        assert_eq!(ratio(1, 3), Some(0.3333));
        assert_eq!(ratio(1, 0), None);
    }
}
