//! A booking as documents: the PDF confirmation and the iCalendar file, from the trip, its
//! items and their reservations (see [`crate::export`]).

use serde_json::Value;

use super::store::{Trip, TripItem};
use super::trips::status_of;
use crate::export::{self, Document, Item};
use crate::store::reservations::Reservation;

/// What the documents show of an item, owned (the export model borrows).
struct Line {
    id: String,
    kind: String,
    title: String,
    details: Vec<String>,
    location: Option<String>,
    amount: i64,
    policy: Option<String>,
    status: String,
    starts_at: Option<chrono::DateTime<chrono::Utc>>,
    ends_at: Option<chrono::DateTime<chrono::Utc>>,
    timezone: Option<String>,
}

/// Everything the documents need, owned; [`Docs::document`] lends it to the export model.
pub struct Docs {
    reference: String,
    status: String,
    traveller: String,
    email: String,
    trip: Trip,
    lines: Vec<Line>,
}

fn policy_text(code: &str) -> String {
    let rule = match code {
        "flexible" => "full refund up to 24 hours before the start",
        "moderate" => "full refund up to 5 days before the start",
        "firm" => "full refund up to 30 days before, half up to 7 days before",
        "strict" => "full refund within 48 hours of booking (14+ days ahead), half up to 7 days before",
        "super_strict" => "half refund up to 30 days before the start",
        _ => "see the listing",
    };
    format!("{code}: {rule}")
}

impl Docs {
    /// `location` gives a listing's address line for a reservation, when known.
    pub fn new(
        trip: &Trip,
        items: &[TripItem],
        found: &[Reservation],
        location: impl Fn(&Reservation) -> Option<String>,
    ) -> Self {
        let passenger = trip.passengers.as_array().and_then(|p| p.first()).map(|p| {
            let part = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").trim().to_owned();
            format!("{} {}", part("firstName"), part("lastName")).trim().to_owned()
        });
        let lines = items
            .iter()
            .map(|i| {
                let r = i.reservation_id.and_then(|id| found.iter().find(|r| r.id == id)).cloned();
                let mut details = vec![format!("Quantity: {}", i.quantity)];
                if let Some(r) = &r {
                    if let (Some(a), Some(b)) = (r.check_in, r.check_out) {
                        details.push(format!("{a} to {b}"));
                    }
                    details.push(format!("Reservation {}", r.id));
                }
                if let Some(s) = &i.supplier_ref {
                    details.push(format!("Supplier confirmation {s}"));
                }
                Line {
                    id: i.id.to_string(),
                    kind: i.item_type.clone(),
                    title: i.title.clone(),
                    details,
                    location: r.as_ref().and_then(&location),
                    amount: i.amount,
                    policy: r.as_ref().map(|r| policy_text(&r.cancellation_policy)),
                    status: r.as_ref().map_or_else(|| i.status.clone(), |r| r.status.clone()),
                    starts_at: r.as_ref().and_then(|r| r.starts_at),
                    ends_at: r.as_ref().and_then(|r| r.ends_at),
                    timezone: r.as_ref().map(|r| r.timezone.clone()),
                }
            })
            .collect();
        Docs {
            reference: trip.reference.clone(),
            status: status_of(trip, items, found).to_owned(),
            traveller: passenger.filter(|p| !p.is_empty()).unwrap_or_else(|| "Traveller".into()),
            email: trip.contact_email.clone().unwrap_or_default(),
            trip: trip.clone(),
            lines,
        }
    }

    pub fn document(&self) -> Document<'_> {
        Document {
            reference: &self.reference,
            status: &self.status,
            traveller_name: &self.traveller,
            traveller_email: &self.email,
            created_at: self.trip.created_at,
            currency: &self.trip.currency,
            total: self.trip.total,
            paid: self.trip.paid,
            refunded: self.trip.refunded,
            items: self
                .lines
                .iter()
                .map(|l| Item {
                    id: &l.id,
                    kind: &l.kind,
                    title: &l.title,
                    details: l.details.clone(),
                    location: l.location.as_deref(),
                    starts_at: l.starts_at,
                    ends_at: l.ends_at,
                    timezone: l.timezone.as_deref(),
                    amount: l.amount,
                    policy: l.policy.as_deref(),
                    status: &l.status,
                })
                .collect(),
        }
    }

    pub fn pdf(&self) -> Result<Vec<u8>, export::pdf::RenderError> {
        export::pdf::render(&self.document())
    }

    pub fn ics(&self) -> String {
        let doc = self.document();
        export::ics::calendar(&format!("Booking {}", self.reference), &export::ics::events_of(&doc))
    }
}
