//! DreamScape's admin dashboard figures of a period and their evolution against the period of
//! equal length just before it, in DreamScape's shapes (money in major units of EUR).

use std::collections::BTreeMap;

use kernel::ApiError;
use kernel::dreamscape::{BOOKING_STATUSES, Period, evolution, major, two_decimals};
use serde::Serialize;
use utoipa::ToSchema;

use super::store::{self, BookingGroup, REPORT_CURRENCY};
use crate::service::Insights;

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

fn is_confirmed(status: &str) -> bool {
    matches!(status, "CONFIRMED" | "COMPLETED")
}

/// Bookings that count as live for destinations: confirmed, completed, pending, awaiting payment.
fn is_live(status: &str) -> bool {
    matches!(status, "CONFIRMED" | "COMPLETED" | "PENDING" | "PENDING_PAYMENT")
}

/// The period's bookings: per status (every status present), total, confirmed or completed.
fn tally(groups: &[BookingGroup]) -> (BTreeMap<&'static str, i64>, i64, i64) {
    let mut by_status: BTreeMap<&'static str, i64> = BOOKING_STATUSES.iter().map(|s| (*s, 0)).collect();
    for g in groups {
        *by_status.entry(g.status).or_default() += g.count;
    }
    let total = by_status.values().sum();
    let confirmed = by_status.iter().filter(|(s, _)| is_confirmed(s)).map(|(_, n)| n).sum();
    (by_status, total, confirmed)
}

/// The destinations of `rows` (destination, status, count) with live bookings, most first
/// (ties by name), at most `limit`.
fn rank(rows: Vec<(String, &'static str, i64)>, limit: u32) -> Vec<DashboardDestination> {
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for (destination, status, n) in rows {
        if is_live(status) {
            *counts.entry(destination).or_default() += n;
        }
    }
    let mut ranked: Vec<DashboardDestination> =
        counts.into_iter().map(|(destination, count)| DashboardDestination { destination, count }).collect();
    ranked.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.destination.cmp(&b.destination)));
    ranked.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    ranked
}

impl Insights {
    pub async fn dreamscape_stats(&self, p: Period) -> Result<DashboardStats, ApiError> {
        let db = &self.db;
        let before = p.previous();
        let (total, verified) = store::user_counts(db).await?;
        let (new, new_before) =
            (store::new_users(db, p.from, p.to).await?, store::new_users(db, before.from, before.to).await?);
        let groups = store::bookings(db, p.from, p.to).await?;
        let (by_status, bookings, confirmed) = tally(&groups);
        let (_, bookings_before, confirmed_before) = tally(&store::bookings(db, before.from, before.to).await?);
        let (revenue, revenue_before) =
            (store::revenue(db, p.from, p.to).await?, store::revenue(db, before.from, before.to).await?);
        let searches = store::searches(db, p.from, p.to).await?;
        let searches_before = store::searches(db, before.from, before.to).await?;
        let (rate_now, rate_before) = (rate(confirmed, searches), rate(confirmed_before, searches_before));
        let valued = groups.iter().filter(|g| is_confirmed(g.status) && g.currency == REPORT_CURRENCY);
        let (count, value) = valued.fold((0, 0), |(n, v), g| (n + g.count, v + g.amount));
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

    pub async fn dreamscape_revenue_chart(&self, p: Period) -> Result<Vec<DashboardRevenueDay>, ApiError> {
        let days = store::revenue_by_day(&self.db, p.from, p.to).await?;
        Ok(days.into_iter().map(|(date, minor)| DashboardRevenueDay { date, revenue: eur(minor) }).collect())
    }

    pub async fn dreamscape_destinations(&self, p: Period, limit: u32) -> Result<Vec<DashboardDestination>, ApiError> {
        Ok(rank(store::destinations(&self.db, p.from, p.to).await?, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates() {
        assert!((rate(1, 3) - 33.33).abs() < f64::EPSILON);
        assert!(rate(5, 0).abs() < f64::EPSILON);
    }

    #[test]
    fn destinations_count_live_bookings_most_first() {
        let rows = vec![
            ("Rome".to_owned(), "CONFIRMED", 1),
            ("Paris".to_owned(), "PENDING", 1),
            ("Paris".to_owned(), "CONFIRMED", 1),
            ("Lisbon".to_owned(), "CANCELLED", 3),
            ("Athens".to_owned(), "PENDING_PAYMENT", 1),
        ];
        let ranked = rank(rows, 2);
        let names: Vec<(&str, i64)> = ranked.iter().map(|d| (d.destination.as_str(), d.count)).collect();
        assert_eq!(names, [("Paris", 2), ("Athens", 1)]);
    }
}
