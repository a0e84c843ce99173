//! The body of a quote or reservation request, checked against the listing's kind: stays
//! give dates and guests, restaurants a slot and party size, activities a session, transport
//! a trip and seats, products a quantity (and how and where they are shipped).

use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a guest asks for (the fields of their listing's kind only).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReservationBody {
    pub listing_id: String,
    /// Stays: first night, `YYYY-MM-DD` in the listing's time zone.
    pub check_in: Option<String>,
    /// Stays: departure day (exclusive).
    pub check_out: Option<String>,
    /// Stays: number of guests (default 1).
    pub guests: Option<i64>,
    /// Restaurants: the slot's start, an RFC 3339 instant.
    pub slot_start: Option<String>,
    /// Restaurants and activities: people (default 1).
    pub party_size: Option<i64>,
    /// Activities: the session.
    pub session_id: Option<String>,
    /// Transport: the trip.
    pub trip_id: Option<String>,
    /// Transport: seats (default 1).
    pub seats: Option<i64>,
    /// Products: units (default 1).
    pub quantity: Option<i64>,
    pub coupon_code: Option<String>,
    /// Products with shipping options: the chosen option's `name` (required with them).
    pub shipping_option: Option<String>,
    /// Products: where to deliver (required with a `shippingOption`).
    pub delivery_address: Option<crate::shipping::AddressInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stay { check_in: NaiveDate, check_out: NaiveDate, guests: i64 },
    Table { at: DateTime<Utc>, party: i64 },
    Session { id: Uuid, party: i64 },
    Trip { id: Uuid, seats: i64 },
    Stock { quantity: i64, shipping: Option<crate::shipping::ShippingAsk> },
}

impl Target {
    /// Units of inventory or people the request counts.
    pub fn quantity(&self) -> i64 {
        match self {
            Target::Stay { guests, .. } => *guests,
            Target::Table { party, .. } | Target::Session { party, .. } => *party,
            Target::Trip { seats, .. } => *seats,
            Target::Stock { quantity, .. } => *quantity,
        }
    }
}

/// The listing id of a request.
pub fn listing_id(body: &ReservationBody) -> Result<Uuid, ApiError> {
    body.listing_id
        .trim()
        .parse()
        .map_err(|_| ApiError::validation(vec![FieldError::new("listingId", "must be a listing id")]))
}

/// Normalised coupon code (upper case), if one was given.
pub fn coupon_code(body: &ReservationBody) -> Result<Option<String>, ApiError> {
    match body.coupon_code.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(c) if crate::service::coupons::valid_code(c) => Ok(Some(c.to_ascii_uppercase())),
        Some(_) => Err(ApiError::validation(vec![FieldError::new("couponCode", "is not a coupon code")])),
    }
}

fn count(field: &str, v: Option<i64>, max: i64, errors: &mut Vec<FieldError>) -> i64 {
    let n = v.unwrap_or(1);
    if !(1..=max).contains(&n) {
        errors.push(FieldError::new(field, format!("must be 1 to {max}")));
    }
    n
}

fn id(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> Uuid {
    match v.map(|s| s.trim().parse::<Uuid>()) {
        Some(Ok(id)) => id,
        Some(Err(_)) => {
            errors.push(FieldError::new(field, "must be an id"));
            Uuid::nil()
        }
        None => {
            errors.push(FieldError::new(field, "is required"));
            Uuid::nil()
        }
    }
}

fn date(field: &str, v: Option<&str>, errors: &mut Vec<FieldError>) -> NaiveDate {
    match v.map(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")) {
        Some(Ok(d)) => d,
        Some(Err(_)) => {
            errors.push(FieldError::new(field, "must be a date YYYY-MM-DD"));
            NaiveDate::MIN
        }
        None => {
            errors.push(FieldError::new(field, "is required"));
            NaiveDate::MIN
        }
    }
}

/// The nights a request asks for if it reads as a stay (both dates valid and in order), known
/// before the listing is: lets the listing and those nights' settings be read together.
pub fn stay_window(b: &ReservationBody) -> Option<(NaiveDate, NaiveDate)> {
    let parse = |v: Option<&str>| NaiveDate::parse_from_str(v?.trim(), "%Y-%m-%d").ok();
    let (from, to) = (parse(b.check_in.as_deref())?, parse(b.check_out.as_deref())?);
    (from < to).then_some((from, to))
}

/// The request as the listing's `kind` reads it; every problem is reported at once.
pub fn target(kind: &str, b: &ReservationBody) -> Result<Target, ApiError> {
    let mut errors = Vec::new();
    let given: [(&str, bool); 8] = [
        ("checkIn", b.check_in.is_some()),
        ("checkOut", b.check_out.is_some()),
        ("guests", b.guests.is_some()),
        ("slotStart", b.slot_start.is_some()),
        ("partySize", b.party_size.is_some()),
        ("sessionId", b.session_id.is_some()),
        ("tripId", b.trip_id.is_some()),
        ("seats", b.seats.is_some()),
    ];
    let allowed: &[&str] = match kind {
        "stay" => &["checkIn", "checkOut", "guests"],
        "restaurant" => &["slotStart", "partySize"],
        "activity" => &["sessionId", "partySize"],
        "transport" => &["tripId", "seats"],
        _ => &[],
    };
    for (field, present) in given {
        if present && !allowed.contains(&field) {
            errors.push(FieldError::new(field, format!("does not apply to a {kind} listing")));
        }
    }
    let products_only = [
        ("quantity", b.quantity.is_some()),
        ("shippingOption", b.shipping_option.is_some()),
        ("deliveryAddress", b.delivery_address.is_some()),
    ];
    for (field, present) in products_only {
        if present && kind != "product" {
            errors.push(FieldError::new(field, format!("does not apply to a {kind} listing")));
        }
    }
    let target = match kind {
        "stay" => {
            let check_in = date("checkIn", b.check_in.as_deref(), &mut errors);
            let check_out = date("checkOut", b.check_out.as_deref(), &mut errors);
            if errors.is_empty() && check_out <= check_in {
                errors.push(FieldError::new("checkOut", "must be after checkIn"));
            }
            Target::Stay { check_in, check_out, guests: count("guests", b.guests, 50, &mut errors) }
        }
        "restaurant" => {
            let at = match b.slot_start.as_deref().map(DateTime::parse_from_rfc3339) {
                Some(Ok(t)) => t.with_timezone(&Utc),
                Some(Err(_)) => {
                    errors.push(FieldError::new("slotStart", "must be an RFC 3339 instant"));
                    DateTime::<Utc>::MIN_UTC
                }
                None => {
                    errors.push(FieldError::new("slotStart", "is required"));
                    DateTime::<Utc>::MIN_UTC
                }
            };
            Target::Table { at, party: count("partySize", b.party_size, 20, &mut errors) }
        }
        "activity" => Target::Session {
            id: id("sessionId", b.session_id.as_deref(), &mut errors),
            party: count("partySize", b.party_size, 100, &mut errors),
        },
        "transport" => Target::Trip {
            id: id("tripId", b.trip_id.as_deref(), &mut errors),
            seats: count("seats", b.seats, 100, &mut errors),
        },
        _ => {
            let quantity = count("quantity", b.quantity, 1000, &mut errors);
            let shipping = crate::shipping::ask(b.shipping_option.as_deref(), b.delivery_address.as_ref(), &mut errors);
            Target::Stock { quantity, shipping }
        }
    };
    if errors.is_empty() { Ok(target) } else { Err(ApiError::validation(errors)) }
}
