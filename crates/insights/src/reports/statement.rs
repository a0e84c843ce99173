//! The monthly statement as CSV: one row per currency and line (`bookings_count`,
//! `bookings_guest_total`, `bookings_host_fees`, `earnings`, `refunds_count`,
//! `refunds_guest_amount`, `refunds_host_share`, `recoveries_count`, `recoveries_amount`,
//! `payouts_count`, `payouts_amount`, `closing_movement`), amounts in major units.

use super::{major, record};
use crate::service::host_statement::Statement;

pub const CSV_HEADER: &[&str] = &["host_id", "month", "timezone", "currency", "line", "value"];

pub fn csv(s: &Statement) -> Vec<String> {
    let mut chunks = vec![record(CSV_HEADER)];
    let host = s.host_id.to_string();
    for l in &s.currencies {
        let c = l.currency.as_str();
        let lines = [
            ("bookings_count", l.bookings.count.to_string()),
            ("bookings_guest_total", major(l.bookings.guest_total, c)),
            ("bookings_host_fees", major(l.bookings.host_fees, c)),
            ("earnings", major(l.bookings.earnings, c)),
            ("refunds_count", l.refunds.count.to_string()),
            ("refunds_guest_amount", major(l.refunds.guest_amount, c)),
            ("refunds_host_share", major(l.refunds.host_share, c)),
            ("recoveries_count", l.recoveries.count.to_string()),
            ("recoveries_amount", major(l.recoveries.amount, c)),
            ("payouts_count", l.payouts.count.to_string()),
            ("payouts_amount", major(l.payouts.amount, c)),
            ("closing_movement", major(l.closing_movement, c)),
        ];
        let mut chunk = String::new();
        for (line, value) in lines {
            chunk.push_str(&record(&[host.as_str(), &s.month, &s.timezone, c, line, &value]));
        }
        chunks.push(chunk);
    }
    chunks
}
