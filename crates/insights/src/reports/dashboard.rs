//! The host dashboard as a file. CSV is long (one value per row), so that every row has the
//! same columns whatever the currencies: `scope,listing_id,listing_title,timezone,period,
//! from,to,currency,metric,value` — `scope` is `total` or `listing`, `period` is `current`,
//! `previous` or `series`; money metrics name their currency, the others leave it empty; an
//! empty value is a ratio without denominator. JSON is the dashboard as the API answers it.

use serde_json::json;

use super::{major, record};
use crate::service::host::{Bucket, Dashboard, Metrics, Period, Revenue};

pub const CSV_HEADER: &[&str] =
    &["scope", "listing_id", "listing_title", "timezone", "period", "from", "to", "currency", "metric", "value"];

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Where a row belongs: scope, listing id, title, time zone(s).
struct Scope<'a>(&'a str, String, &'a str, String);

fn money_rows(out: &mut String, s: &Scope<'_>, period: &str, p: (&str, &str), revenue: &[Revenue], all: bool) {
    for r in revenue {
        let c = r.currency.as_str();
        let mut items = vec![("gross", major(r.gross, c)), ("fees", major(r.fees, c)), ("net", major(r.net, c))];
        if all {
            items.push(("room_revenue", major(r.room_revenue, c)));
            items.push(("adr", r.adr.map(|v| major(v, c)).unwrap_or_default()));
            items.push(("revpar", r.revpar.map(|v| major(v, c)).unwrap_or_default()));
        }
        for (metric, value) in items {
            out.push_str(&record(&[s.0, &s.1, s.2, &s.3, period, p.0, p.1, c, metric, &value]));
        }
    }
}

fn metric_rows(s: &Scope<'_>, period: &str, p: &Period, m: &Metrics) -> String {
    let (from, to) = (p.from.to_string(), p.to.to_string());
    let mut out = String::new();
    money_rows(&mut out, s, period, (&from, &to), &m.revenue, true);
    let items = [
        ("nights_booked", m.nights_booked.to_string()),
        ("nights_available", m.nights_available.to_string()),
        ("occupancy_rate", opt(m.occupancy_rate)),
        ("requests", m.requests.to_string()),
        ("bookings", m.bookings.to_string()),
        ("cancellations", m.cancellations.to_string()),
        ("bookings_cancelled", m.bookings_cancelled.to_string()),
        ("cancellation_rate", opt(m.cancellation_rate)),
        ("average_lead_time_days", opt(m.average_lead_time_days)),
        ("average_length_of_stay", opt(m.average_length_of_stay)),
        ("views", m.views.to_string()),
        ("view_to_booking_rate", opt(m.view_to_booking_rate)),
        ("guest_conversations", m.guest_conversations.to_string()),
        ("responded", m.responded.to_string()),
        ("response_rate", opt(m.response_rate)),
        ("average_response_seconds", opt(m.average_response_seconds)),
        ("median_response_seconds", opt(m.median_response_seconds)),
        ("rating_count", m.rating_count.to_string()),
        ("rating_average", opt(m.rating_average)),
    ];
    for (metric, value) in items {
        out.push_str(&record(&[s.0, &s.1, s.2, &s.3, period, &from, &to, "", metric, &value]));
    }
    out
}

fn bucket_rows(s: &Scope<'_>, b: &Bucket) -> String {
    let (from, to) = (b.from.to_string(), b.to.to_string());
    let mut out = String::new();
    money_rows(&mut out, s, "series", (&from, &to), &b.revenue, false);
    let items = [
        ("nights_booked", b.nights_booked.to_string()),
        ("nights_available", b.nights_available.to_string()),
        ("occupancy_rate", opt(b.occupancy_rate)),
        ("bookings", b.bookings.to_string()),
    ];
    for (metric, value) in items {
        out.push_str(&record(&[s.0, &s.1, s.2, &s.3, "series", &from, &to, "", metric, &value]));
    }
    out
}

/// The CSV file, a chunk per scope and period (and per series bucket).
pub fn csv(d: Dashboard) -> Vec<String> {
    let mut chunks = vec![record(CSV_HEADER)];
    let total = Scope("total", String::new(), "", d.timezones.join(" "));
    chunks.push(metric_rows(&total, "current", &d.period, &d.total.current));
    chunks.push(metric_rows(&total, "previous", &d.previous_period, &d.total.previous));
    for l in &d.listings {
        let s = Scope("listing", l.listing_id.to_string(), &l.title, l.timezone.clone());
        chunks.push(metric_rows(&s, "current", &d.period, &l.current));
        chunks.push(metric_rows(&s, "previous", &d.previous_period, &l.previous));
    }
    for b in &d.series {
        chunks.push(bucket_rows(&total, b));
    }
    chunks
}

/// The JSON file: the dashboard's object, a chunk per listing and per bucket.
pub fn json(d: Dashboard) -> Vec<String> {
    let head = json!({ "hostId": d.host_id, "period": d.period, "previousPeriod": d.previous_period,
        "interval": d.interval, "currency": d.currency, "timezones": d.timezones, "total": d.total });
    let mut head = head.to_string();
    head.pop(); // the closing brace: listings and series follow
    let mut chunks = vec![head, ",\"listings\":[".to_owned()];
    for (i, l) in d.listings.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        chunks.push(format!("{sep}{}", serde_json::to_string(l).unwrap_or_else(|_| "null".into())));
    }
    chunks.push("],\"series\":[".to_owned());
    for (i, b) in d.series.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        chunks.push(format!("{sep}{}", serde_json::to_string(b).unwrap_or_else(|_| "null".into())));
    }
    chunks.push("]}".to_owned());
    chunks
}
