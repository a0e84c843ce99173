//! Sample bookings shared by the export tests.

use super::{Document, Item};
use chrono::{DateTime, TimeZone, Utc};

pub fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap_or_default()
}

/// A two-night stay from 1 May 2030 13:00 UTC (15:00 in Paris) to 3 May 09:00 UTC.
pub fn item<'a>(id: &'a str, title: &'a str, timezone: &'a str) -> Item<'a> {
    Item {
        id,
        kind: "stay",
        title,
        details: vec!["2 guests".to_owned(), "Check-in from 15:00".to_owned()],
        location: Some("1 Quai de Valmy, Paris, FR"),
        starts_at: Some(at(2030, 5, 1, 13, 0)),
        ends_at: Some(at(2030, 5, 3, 9, 0)),
        timezone: Some(timezone),
        amount: 22400,
        policy: Some("Moderate: full refund up to 5 days before check-in"),
        status: "CONFIRMED",
    }
}

pub fn document<'a>(items: Vec<Item<'a>>) -> Document<'a> {
    let total = items.iter().map(|i| i.amount).sum();
    Document {
        reference: "DS-A7B3X2K1",
        status: "CONFIRMED",
        traveller_name: "Élodie Müller",
        traveller_email: "elodie@example.com",
        created_at: at(2030, 1, 15, 9, 30),
        currency: "EUR",
        total,
        paid: total,
        refunded: 0,
        items,
    }
}
