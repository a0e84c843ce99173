//! The host dashboard: per listing and in total, a period of local days and the one just
//! before it, with a series of day, week or month buckets. Everything is summed from rollup
//! rows (see [`super::host_store`]); nights available follow from each listing's publication
//! dates, less the nights its host closed in the calendar and nobody booked. Money is per currency, never added across currencies; ratios are `null` when their
//! denominator is 0.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use kernel::{ApiError, FieldError};
use serde::Serialize;
use uuid::Uuid;

use super::Insights;
use super::host_store::{self, HostListing};
use crate::rollups::listing_days::figures::{Figures, local_day, zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Interval {
    Day,
    Week,
    Month,
}

/// What a caller asks, as the HTTP layer passes it on (raw, validated here).
#[derive(Debug, Clone, Default)]
pub struct Ask {
    pub from: Option<String>,
    pub to: Option<String>,
    pub listing_id: Option<String>,
    pub interval: Option<String>,
    pub currency: Option<String>,
    pub host_id: Option<String>,
}

/// A validated request.
#[derive(Debug, Clone)]
pub struct Request {
    pub host: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub listing: Option<Uuid>,
    pub interval: Interval,
    pub currency: Option<String>,
}

/// The caller as dashboards see them.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub user_id: Uuid,
    pub admin: bool,
}

/// Whose numbers: one's own; administrators may name a host.
pub fn host_of(caller: Caller, host_id: Option<&str>, errors: &mut Vec<FieldError>) -> Result<Uuid, ApiError> {
    match host_id.map(str::trim).filter(|h| !h.is_empty()) {
        None => Ok(caller.user_id),
        Some(raw) => match raw.parse::<Uuid>() {
            Err(_) => {
                errors.push(FieldError::new("hostId", "must be a user id"));
                Ok(caller.user_id)
            }
            Ok(h) if h == caller.user_id || caller.admin => Ok(h),
            Ok(_) => Err(ApiError::forbidden("Only administrators may read another host's numbers")),
        },
    }
}

/// Validates a dashboard request; `today` is the default end (30 days by default).
pub fn validate(caller: Caller, ask: &Ask, today: NaiveDate) -> Result<Request, ApiError> {
    let mut errors = Vec::new();
    let host = host_of(caller, ask.host_id.as_deref(), &mut errors)?;
    let period = crate::period::collect(ask.from.as_deref(), ask.to.as_deref(), Some(today), &mut errors);
    let listing = match ask.listing_id.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => None,
        Some(raw) => {
            raw.parse::<Uuid>().map_err(|_| errors.push(FieldError::new("listingId", "must be a listing id"))).ok()
        }
    };
    let interval = match ask.interval.as_deref().map(str::trim).unwrap_or("day") {
        "day" | "" => Interval::Day,
        "week" => Interval::Week,
        "month" => Interval::Month,
        _ => {
            errors.push(FieldError::new("interval", "must be day, week or month"));
            Interval::Day
        }
    };
    let currency = match ask.currency.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => kernel::Currency::parse(&raw.to_ascii_uppercase())
            .map(|c| c.code().to_owned())
            .map_err(|_| errors.push(FieldError::new("currency", "must be an ISO 4217 code")))
            .ok(),
    };
    match period {
        Some(p) if errors.is_empty() => Ok(Request { host, from: p.from, to: p.to, listing, interval, currency }),
        _ => Err(ApiError::validation(errors)),
    }
}

/// `from..=to` and its length in days.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
}

/// Money in one currency (minor units); ADR and RevPAR rounded to the minor unit.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Revenue {
    pub currency: String,
    pub gross: i64,
    pub fees: i64,
    pub net: i64,
    pub room_revenue: i64,
    pub nights_booked: i64,
    pub nights_available: i64,
    pub adr: Option<i64>,
    pub revpar: Option<i64>,
}

/// The figures of one period.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Metrics {
    pub revenue: Vec<Revenue>,
    pub nights_booked: i64,
    pub nights_available: i64,
    pub occupancy_rate: Option<f64>,
    pub requests: i64,
    pub bookings: i64,
    pub cancellations: i64,
    pub bookings_cancelled: i64,
    pub cancellation_rate: Option<f64>,
    pub average_lead_time_days: Option<f64>,
    pub average_length_of_stay: Option<f64>,
    pub views: i64,
    pub view_to_booking_rate: Option<f64>,
    pub guest_conversations: i64,
    pub responded: i64,
    pub response_rate: Option<f64>,
    pub average_response_seconds: Option<i64>,
    pub median_response_seconds: Option<i64>,
    pub rating_count: i64,
    pub rating_average: Option<f64>,
}

/// A period and the previous one.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Comparison {
    pub current: Metrics,
    pub previous: Metrics,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListingFigures {
    pub listing_id: Uuid,
    pub title: String,
    pub timezone: String,
    pub currency: String,
    pub current: Metrics,
    pub previous: Metrics,
}

/// One bucket of the series (local days `from..=to`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Bucket {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub revenue: Vec<Revenue>,
    pub nights_booked: i64,
    pub nights_available: i64,
    pub occupancy_rate: Option<f64>,
    pub bookings: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub host_id: Uuid,
    pub period: Period,
    pub previous_period: Period,
    pub interval: Interval,
    /// The currency asked for, if any (then only listings in it count).
    pub currency: Option<String>,
    /// The time zones of the listings counted: each listing's days are its local days.
    pub timezones: Vec<String>,
    pub total: Comparison,
    pub listings: Vec<ListingFigures>,
    pub series: Vec<Bucket>,
}

fn ratio(n: i64, d: i64) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    (d != 0).then(|| ((n as f64 / d as f64) * 10_000.0).round() / 10_000.0)
}

/// `n / d` rounded half away from zero to an integer.
fn per(n: i64, d: i64) -> Option<i64> {
    (d > 0).then(|| {
        let (q, r) = (n / d, n % d);
        if 2 * r.abs() >= d { q + n.signum() } else { q }
    })
}

/// Nights `l` was available between `from` and `to` (inclusive): published, not deleted,
/// not closed by the host (unless sold).
pub fn available(l: &HostListing, from: NaiveDate, to: NaiveDate) -> i64 {
    let tz = zone(&l.timezone);
    let Some(published) = l.published_at.map(|p| local_day(p, tz)) else { return 0 };
    let start = published.max(from);
    let end = l.deleted_at.map_or(to, |d| (local_day(d, tz) - Duration::days(1)).min(to));
    if end < start {
        return 0;
    }
    let closed = l.blocked.partition_point(|n| *n <= end) - l.blocked.partition_point(|n| *n < start);
    (end - start).num_days() + 1 - i64::try_from(closed).unwrap_or(0)
}

/// Sums of one scope (a listing or all) and period, before the ratios.
#[derive(Debug, Clone, Default)]
struct Acc {
    money: BTreeMap<String, (Figures, i64)>,
    views: i64,
    replies: Vec<Option<i64>>,
}

impl Acc {
    fn add(&mut self, currency: &str, f: Figures, available: i64) {
        let e = self.money.entry(currency.to_owned()).or_default();
        e.0 += f;
        e.1 += available;
    }

    fn merge(&mut self, o: &Acc) {
        for (c, (f, a)) in &o.money {
            self.add(c, *f, *a);
        }
        self.views += o.views;
        self.replies.extend(o.replies.iter().copied());
    }

    fn metrics(&self) -> Metrics {
        let mut all = Figures::default();
        let mut available = 0;
        let mut revenue = Vec::new();
        for (currency, (f, a)) in &self.money {
            all += *f;
            available += a;
            revenue.push(Revenue {
                currency: currency.clone(),
                gross: f.gross,
                fees: f.fees,
                net: f.net,
                room_revenue: f.room_revenue,
                nights_booked: f.nights_booked,
                nights_available: *a,
                adr: per(f.room_revenue, f.nights_booked),
                revpar: per(f.room_revenue, *a),
            });
        }
        let mut times: Vec<i64> = self.replies.iter().flatten().copied().collect();
        times.sort_unstable();
        let answered = times.len() as i64;
        let median = match times.len() {
            0 => None,
            n if n % 2 == 1 => Some(times[n / 2]),
            n => per(times[n / 2 - 1] + times[n / 2], 2),
        };
        Metrics {
            revenue,
            nights_booked: all.nights_booked,
            nights_available: available,
            occupancy_rate: ratio(all.nights_booked, available),
            requests: all.requests,
            bookings: all.bookings,
            cancellations: all.cancellations,
            bookings_cancelled: all.bookings_cancelled,
            cancellation_rate: ratio(all.bookings_cancelled, all.bookings),
            average_lead_time_days: ratio(all.lead_time_days_sum, all.bookings),
            average_length_of_stay: ratio(all.length_sum, all.stay_bookings),
            views: self.views,
            view_to_booking_rate: ratio(all.bookings, self.views),
            guest_conversations: self.replies.len() as i64,
            responded: answered,
            response_rate: ratio(answered, self.replies.len() as i64),
            average_response_seconds: per(times.iter().sum(), answered),
            median_response_seconds: median,
            rating_count: all.ratings,
            rating_average: ratio(all.rating_sum, all.ratings),
        }
    }
}

/// The buckets of `from..=to`: days, ISO weeks (from Monday) or calendar months, clipped.
pub fn buckets(from: NaiveDate, to: NaiveDate, interval: Interval) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = from;
    while start <= to {
        let end = match interval {
            Interval::Day => start,
            Interval::Week => start + Duration::days(6 - i64::from(start.weekday().num_days_from_monday())),
            Interval::Month => {
                let (y, m) =
                    if start.month() == 12 { (start.year() + 1, 1) } else { (start.year(), start.month() + 1) };
                NaiveDate::from_ymd_opt(y, m, 1).map_or(to, |n| n - Duration::days(1))
            }
        }
        .min(to);
        out.push((start, end));
        start = end + Duration::days(1);
    }
    out
}

impl Insights {
    /// The dashboard of `req.host`; a `req.listing` that is not theirs is `404`.
    pub async fn host_dashboard(&self, req: &Request) -> Result<Dashboard, ApiError> {
        let mut listings = host_store::listings(&self.db, req.host).await?;
        if let Some(only) = req.listing {
            listings.retain(|l| l.id == only);
            if listings.is_empty() {
                return Err(ApiError::not_found("Listing not found"));
            }
        }
        if let Some(c) = &req.currency {
            listings.retain(|l| &l.currency == c);
        }
        let days = (req.to - req.from).num_days() + 1;
        let prev_to = req.from - Duration::days(1);
        let prev_from = req.from - Duration::days(days);
        let mut blocked = host_store::blocked_nights(&self.db, req.host, prev_from, req.to).await?;
        for l in &mut listings {
            l.blocked = blocked.remove(&l.id).unwrap_or_default();
        }
        let mut cur: BTreeMap<Uuid, Acc> = BTreeMap::new();
        let mut prev: BTreeMap<Uuid, Acc> = BTreeMap::new();
        for l in &listings {
            cur.entry(l.id).or_default().add(&l.currency, Figures::default(), available(l, req.from, req.to));
            prev.entry(l.id).or_default().add(&l.currency, Figures::default(), available(l, prev_from, prev_to));
        }
        for s in host_store::period_sums(&self.db, req.host, prev_from, req.from, req.to).await? {
            let side = if s.current { &mut cur } else { &mut prev };
            if let Some(acc) = side.get_mut(&s.listing_id) {
                acc.add(&s.currency, s.figures, 0);
            }
        }
        for (listing, current, views) in host_store::views(&self.db, req.host, prev_from, req.from, req.to).await? {
            let side = if current == 1 { &mut cur } else { &mut prev };
            if let Some(acc) = side.get_mut(&listing) {
                acc.views += views;
            }
        }
        for a in host_store::asked(&self.db, req.host, prev_from, req.to).await? {
            let side = if a.day >= req.from { &mut cur } else { &mut prev };
            if let Some(acc) = side.get_mut(&a.listing_id) {
                acc.replies.push(a.response_seconds);
            }
        }
        let (mut total_cur, mut total_prev) = (Acc::default(), Acc::default());
        let mut per_listing = Vec::new();
        for l in &listings {
            let (c, p) = (cur.remove(&l.id).unwrap_or_default(), prev.remove(&l.id).unwrap_or_default());
            total_cur.merge(&c);
            total_prev.merge(&p);
            per_listing.push(ListingFigures {
                listing_id: l.id,
                title: l.title.clone(),
                timezone: l.timezone.clone(),
                currency: l.currency.clone(),
                current: c.metrics(),
                previous: p.metrics(),
            });
        }
        let series = self.host_series(req, &listings).await?;
        let mut timezones: Vec<String> = listings.iter().map(|l| l.timezone.clone()).collect();
        timezones.sort();
        timezones.dedup();
        Ok(Dashboard {
            host_id: req.host,
            period: Period { from: req.from, to: req.to, days },
            previous_period: Period { from: prev_from, to: prev_to, days },
            interval: req.interval,
            currency: req.currency.clone(),
            timezones,
            total: Comparison { current: total_cur.metrics(), previous: total_prev.metrics() },
            listings: per_listing,
            series,
        })
    }

    async fn host_series(&self, req: &Request, listings: &[HostListing]) -> Result<Vec<Bucket>, ApiError> {
        let rows = host_store::day_sums(&self.db, req.host, req.listing, req.from, req.to).await?;
        let mut out = Vec::new();
        let mut sorted: Vec<_> =
            rows.into_iter().filter(|r| req.currency.as_ref().is_none_or(|c| &r.currency == c)).collect();
        sorted.sort_by_key(|r| r.day);
        let mut i = 0;
        for (from, to) in buckets(req.from, req.to, req.interval) {
            let mut acc = Acc::default();
            for l in listings {
                acc.add(&l.currency, Figures::default(), available(l, from, to));
            }
            while i < sorted.len() && sorted[i].day <= to {
                if sorted[i].day >= from {
                    acc.add(&sorted[i].currency, sorted[i].figures, 0);
                }
                i += 1;
            }
            let m = acc.metrics();
            out.push(Bucket {
                from,
                to,
                revenue: m.revenue,
                nights_booked: m.nights_booked,
                nights_available: m.nights_available,
                occupancy_rate: m.occupancy_rate,
                bookings: m.bookings,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_are_clipped_to_the_period() {
        let w = buckets(d("2026-03-04"), d("2026-03-17"), Interval::Week);
        assert_eq!(
            w,
            vec![
                (d("2026-03-04"), d("2026-03-08")),
                (d("2026-03-09"), d("2026-03-15")),
                (d("2026-03-16"), d("2026-03-17"))
            ]
        );
        let m = buckets(d("2026-01-20"), d("2026-03-02"), Interval::Month);
        assert_eq!(
            m,
            vec![
                (d("2026-01-20"), d("2026-01-31")),
                (d("2026-02-01"), d("2026-02-28")),
                (d("2026-03-01"), d("2026-03-02"))
            ]
        );
    }

    #[test]
    fn rounding_is_half_away_from_zero_and_nothing_over_zero_is_null() {
        assert_eq!((per(5, 2), per(7, 3), per(1, 0)), (Some(3), Some(2), None));
        assert_eq!((ratio(1, 3), ratio(1, 0)), (Some(0.3333), None));
    }
}
