//! What one reservation adds to its listing's days, as pure arithmetic: nights and money on
//! the stay's local dates, the booking on the day it was made, the cancellation on the day it
//! happened. The rollup sums these per (listing, day, currency); keeping the rule here, apart
//! from SQL, lets it be checked alone.

use std::ops::AddAssign;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::facts::Reservation;

/// The counters of one listing-day row (see migration 3 for their meaning).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    pub nights_booked: i64,
    pub room_revenue: i64,
    pub gross: i64,
    pub fees: i64,
    pub net: i64,
    pub bookings: i64,
    pub stay_bookings: i64,
    pub bookings_cancelled: i64,
    pub lead_time_days_sum: i64,
    pub length_sum: i64,
    pub cancellations: i64,
    pub requests: i64,
    pub ratings: i64,
    pub rating_sum: i64,
}

impl AddAssign for Figures {
    fn add_assign(&mut self, o: Figures) {
        self.nights_booked += o.nights_booked;
        self.room_revenue += o.room_revenue;
        self.gross += o.gross;
        self.fees += o.fees;
        self.net += o.net;
        self.bookings += o.bookings;
        self.stay_bookings += o.stay_bookings;
        self.bookings_cancelled += o.bookings_cancelled;
        self.lead_time_days_sum += o.lead_time_days_sum;
        self.length_sum += o.length_sum;
        self.cancellations += o.cancellations;
        self.requests += o.requests;
        self.ratings += o.ratings;
        self.rating_sum += o.rating_sum;
    }
}

/// A zone name as stored (always valid, else UTC).
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// The local date of an instant in `tz`.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// Night `i` (0-based) of `n`'s share of `total`: even shares, the remainder on the first.
pub fn share(total: i64, n: i64, i: i64) -> i64 {
    if n <= 1 {
        return total;
    }
    let each = total.div_euclid(n);
    if i == 0 { total - each * (n - 1) } else { each }
}

fn counts_nights(status: &str) -> bool {
    matches!(status, "confirmed" | "completed")
}

/// Whether `r` is a stay with known local dates: (check-in, nights).
fn stay(r: &Reservation) -> Option<(NaiveDate, i64)> {
    match (r.kind.as_str(), r.check_in, r.check_out) {
        ("stay", Some(a), Some(b)) if b > a => Some((a, (b - a).num_days())),
        _ => None,
    }
}

/// The local date `r` starts on (a stay's check-in).
pub fn start_day(r: &Reservation, tz: Tz) -> NaiveDate {
    stay(r).map_or_else(|| local_day(r.starts_at, tz), |(a, _)| a)
}

/// Every local day `r` may add to, whatever its state: its nights (or start), the day it was
/// made and the day it was cancelled. The hooks recompute these days before and after a change.
pub fn touched_days(r: &Reservation, tz: Tz) -> Vec<NaiveDate> {
    let mut days = match stay(r) {
        Some((a, n)) => (0..n).map(|i| a + chrono::Duration::days(i)).collect(),
        None => vec![local_day(r.starts_at, tz)],
    };
    days.push(local_day(r.booked_at, tz));
    if let Some(c) = r.cancelled_at {
        days.push(local_day(c, tz));
    }
    days
}

/// What `r` adds to each local day of its listing (in `tz`), in `r.currency`.
pub fn contributions(r: &Reservation, tz: Tz) -> Vec<(NaiveDate, Figures)> {
    let mut out = Vec::new();
    let fees = r.guest_service_fee + r.host_fee;
    if counts_nights(&r.status) {
        match stay(r) {
            Some((a, n)) => {
                for i in 0..n {
                    out.push((
                        a + chrono::Duration::days(i),
                        Figures {
                            nights_booked: 1,
                            room_revenue: share(r.base, n, i),
                            gross: share(r.guest_total, n, i),
                            fees: share(fees, n, i),
                            net: share(r.host_payout, n, i),
                            ..Figures::default()
                        },
                    ));
                }
            }
            None => out.push((
                local_day(r.starts_at, tz),
                Figures { room_revenue: r.base, gross: r.guest_total, fees, net: r.host_payout, ..Figures::default() },
            )),
        }
    }
    let booked = local_day(r.booked_at, tz);
    let mut made = Figures { requests: 1, ..Figures::default() };
    if r.confirmed_at.is_some() {
        made.bookings = 1;
        made.lead_time_days_sum = (start_day(r, tz) - booked).num_days().max(0);
        if let Some((_, n)) = stay(r) {
            made.stay_bookings = 1;
            made.length_sum = n;
        }
        if r.cancelled_at.is_some() {
            made.bookings_cancelled = 1;
        }
    }
    out.push((booked, made));
    if let (Some(c), Some(_)) = (r.cancelled_at, r.confirmed_at) {
        out.push((local_day(c, tz), Figures { cancellations: 1, ..Figures::default() }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn stay_of(status: &str, base: i64) -> Reservation {
        Reservation {
            id: Uuid::nil(),
            listing_id: Uuid::nil(),
            host_id: None,
            guest_id: None,
            kind: "stay".into(),
            status: status.into(),
            currency: "EUR".into(),
            timezone: "Europe/Paris".into(),
            destination: None,
            starts_at: "2026-03-28T14:00:00Z".parse().unwrap(),
            ends_at: "2026-03-31T09:00:00Z".parse().unwrap(),
            check_in: Some("2026-03-28".parse().unwrap()),
            check_out: Some("2026-03-31".parse().unwrap()),
            nights: 3,
            quantity: 1,
            base,
            guest_total: base + 100,
            guest_service_fee: 100,
            host_fee: 10,
            taxes: 0,
            host_payout: base - 10,
            platform_revenue: 110,
            paid: 0,
            refunded: 0,
            booked_at: "2026-03-01T23:30:00Z".parse().unwrap(),
            confirmed_at: Some("2026-03-01T23:31:00Z".parse().unwrap()),
            cancelled_at: None,
            updated_at: "2026-03-01T23:31:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn nights_share_the_base_exactly_with_the_remainder_first() {
        let tz = zone("Europe/Paris");
        let c = contributions(&stay_of("confirmed", 10_001), tz);
        let nights: Vec<i64> = c.iter().filter(|(_, f)| f.nights_booked == 1).map(|(_, f)| f.room_revenue).collect();
        assert_eq!(nights, vec![3335, 3333, 3333]);
        // Booked 00:30 in Paris on March 2nd (23:30 UTC on the 1st): lead time 26 days.
        let made = c.iter().find(|(_, f)| f.requests == 1).unwrap();
        assert_eq!((made.0, made.1.lead_time_days_sum, made.1.length_sum), ("2026-03-02".parse().unwrap(), 26, 3));
    }

    #[test]
    fn a_cancelled_stay_keeps_its_booking_and_loses_its_nights() {
        let mut r = stay_of("cancelled", 9000);
        r.cancelled_at = Some("2026-03-10T12:00:00Z".parse().unwrap());
        let c = contributions(&r, zone("Europe/Paris"));
        assert!(c.iter().all(|(_, f)| f.nights_booked == 0 && f.gross == 0));
        let cancelled: Vec<_> = c.iter().filter(|(_, f)| f.cancellations == 1).map(|(d, _)| *d).collect();
        assert_eq!(cancelled, vec!["2026-03-10".parse::<NaiveDate>().unwrap()]);
        assert!(c.iter().any(|(_, f)| f.bookings == 1 && f.bookings_cancelled == 1));
        assert_eq!(touched_days(&r, zone("Europe/Paris")).len(), 5);
    }
}
