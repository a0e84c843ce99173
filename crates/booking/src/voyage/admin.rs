//! DreamScape's admin back-office over bookings by reference (`/api/v1/admin/bookings`). The
//! bookings are our voyage bookings (`DS-` references) only: a reservation booked on its own
//! (`POST /api/v1/reservations`) has no reference and no place in DreamScape's model; it
//! appears as a line of a booking when it was checked out in a cart.
//!
//! DreamScape's fields are derived from what is stored: `status` as the guest sees it
//! ([`status_of`]), `type` from the lines (one kind → FLIGHT, HOTEL, ACTIVITY or TRANSFER;
//! mixed kinds or goods → PACKAGE), `destination` from the first line that names a place,
//! `user` from what the booking holds (its contact e-mail and first traveller).

use std::collections::HashMap;

use kernel::ApiError;
use serde_json::{Value, json};
use uuid::Uuid;

pub use super::admin_query::{AdminFilter, AdminQuery};
use super::admin_store;
use super::money::major;
use super::store::{self, Trip, TripItem};
use super::trips::status_of;
use crate::service::Bookings;
use crate::store::reservations::{self, Reservation};

pub const STATUSES: [&str; 7] =
    ["DRAFT", "PENDING_PAYMENT", "PENDING", "CONFIRMED", "COMPLETED", "CANCELLED", "FAILED"];
pub const TYPES: [&str; 5] = ["FLIGHT", "HOTEL", "ACTIVITY", "PACKAGE", "TRANSFER"];
pub const SORTS: [&str; 7] = ["createdAt", "updatedAt", "totalAmount", "status", "type", "reference", "confirmedAt"];

/// DreamScape's BookingType of one line.
fn line_type(item_type: &str) -> &'static str {
    match item_type {
        "flight" => "FLIGHT",
        "hotel" | "stay" => "HOTEL",
        "activity" | "restaurant" => "ACTIVITY",
        "transfer" | "transport" => "TRANSFER",
        _ => "PACKAGE",
    }
}

/// DreamScape's BookingType of a booking: its lines' type when they share one, else PACKAGE.
pub fn type_of(items: &[TripItem]) -> &'static str {
    let mut kinds = items.iter().map(|i| line_type(&i.item_type));
    match kinds.next() {
        Some(first) if kinds.all(|k| k == first) => first,
        _ => "PACKAGE",
    }
}

/// A place named in a supplier offer's data (`destination`, `cityName`, `location.name`, …).
fn offer_place(offer: Option<&Value>) -> Option<String> {
    let data = offer?.get("itemData")?;
    let text =
        |v: Option<&Value>| v.and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    text(data.get("destination"))
        .or_else(|| text(data.get("cityName")))
        .or_else(|| text(data.pointer("/address/cityName")))
        .or_else(|| text(data.pointer("/location/name")))
        .or_else(|| text(data.get("location")))
        .or_else(|| text(data.get("cityCode")))
}

/// A booking with what is derived from it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub trip: Trip,
    pub items: Vec<TripItem>,
    pub found: Vec<Reservation>,
    pub status: &'static str,
    pub kind: &'static str,
    pub destination: Option<String>,
}

impl Bookings {
    /// Bookings with their lines, reservations and derived fields (a few queries for all).
    pub(crate) async fn load_trips(&self, trips: Vec<Trip>) -> Result<Vec<Loaded>, ApiError> {
        let ids: Vec<Uuid> = trips.iter().map(|t| t.id).collect();
        let mut lines: HashMap<Uuid, Vec<TripItem>> = HashMap::new();
        for item in admin_store::items_of(&self.db, &ids).await? {
            lines.entry(item.trip_id).or_default().push(item);
        }
        let reservation_ids: Vec<Uuid> = lines.values().flatten().filter_map(|i| i.reservation_id).collect();
        let by_id: HashMap<Uuid, Reservation> =
            reservations::find_many(&self.db, &reservation_ids).await?.into_iter().map(|r| (r.id, r)).collect();
        let mut cities: HashMap<Uuid, Option<String>> = HashMap::new();
        let mut out = Vec::with_capacity(trips.len());
        for trip in trips {
            let mut items = lines.remove(&trip.id).unwrap_or_default();
            items.sort_by_key(|i| i.position);
            let found: Vec<Reservation> =
                items.iter().filter_map(|i| i.reservation_id.and_then(|id| by_id.get(&id).cloned())).collect();
            let mut destination = None;
            for item in &items {
                let place = match item.reservation_id.and_then(|id| by_id.get(&id)) {
                    Some(r) => match cities.get(&r.listing_id) {
                        Some(city) => city.clone(),
                        None => {
                            let listing = crate::store::find(&self.db, r.listing_id).await?;
                            let city = listing
                                .as_ref()
                                .and_then(|l| l.data.pointer("/address/city")?.as_str().map(str::to_owned));
                            cities.insert(r.listing_id, city.clone());
                            city
                        }
                    },
                    None => offer_place(item.offer.as_ref()),
                };
                if place.is_some() {
                    destination = place;
                    break;
                }
            }
            let status = status_of(&trip, &items, &found);
            let kind = type_of(&items);
            out.push(Loaded { trip, items, found, status, kind, destination });
        }
        Ok(out)
    }

    /// The bookings the filter keeps, sorted; at most the newest [`admin_store::SCAN_LIMIT`]
    /// of those created in its window and matching its search are considered.
    pub async fn admin_trips(&self, filter: &AdminFilter) -> Result<Vec<Loaded>, ApiError> {
        let trips = admin_store::narrowed(&self.db, &filter.narrow).await?;
        let mut rows: Vec<Loaded> = self.load_trips(trips).await?.into_iter().filter(|b| filter.keeps(b)).collect();
        filter.sort(&mut rows);
        Ok(rows)
    }

    /// One page of [`Self::admin_trips`]: `{bookings, pagination: {page, limit, total, totalPages}}`.
    pub async fn admin_page(&self, filter: &AdminFilter) -> Result<Value, ApiError> {
        let rows = self.admin_trips(filter).await?;
        let total = rows.len();
        let limit = filter.limit as usize;
        let skip = (filter.page as usize - 1).saturating_mul(limit);
        let bookings: Vec<Value> = rows.iter().skip(skip).take(limit).map(admin_item).collect();
        Ok(json!({ "bookings": bookings, "pagination": { "page": filter.page, "limit": filter.limit, "total": total,
                                                          "totalPages": total.div_ceil(limit) } }))
    }

    /// One booking, by id or by reference; 404 otherwise.
    pub async fn admin_trip(&self, id: &str) -> Result<Loaded, ApiError> {
        let id = id.trim();
        let trip = match id.parse::<Uuid>() {
            Ok(uuid) => store::trip(&self.db, uuid).await?,
            Err(_) if id.len() <= 32 => store::trip_by_reference(&self.db, &id.to_ascii_uppercase()).await?,
            Err(_) => None,
        };
        let trip = trip.ok_or_else(|| ApiError::not_found("Booking not found"))?;
        self.load_trips(vec![trip]).await?.pop().ok_or_else(|| ApiError::not_found("Booking not found"))
    }
}

/// The admin list's item: DreamScape's booking with `totalAmount` a number, `destination` and
/// `user` (what the booking holds of its traveller).
pub fn admin_item(b: &Loaded) -> Value {
    let t = &b.trip;
    let first = t.passengers.as_array().and_then(|p| p.first());
    let name = |k: &str| first.and_then(|p| p.get(k)).and_then(Value::as_str).map(str::to_owned);
    json!({ "id": t.id, "userId": t.user_id, "type": b.kind, "reference": t.reference, "status": b.status,
            "totalAmount": major(t.total, &t.currency), "totalAmountMinor": t.total, "currency": t.currency,
            "paidAmount": major(t.paid, &t.currency), "refundedAmount": major(t.refunded, &t.currency),
            "paymentIntentId": t.payment_intent_id, "confirmedAt": t.confirmed_at, "createdAt": t.created_at,
            "updatedAt": t.updated_at, "destination": b.destination,
            "user": { "id": t.user_id, "email": t.contact_email, "firstName": name("firstName"),
                      "lastName": name("lastName"), "username": Value::Null } })
}

/// The detail: the item, its `data` (lines, checkout metadata, administrators' area) and
/// `payment` (as payments reports it; `null` when no payment was opened).
pub fn admin_detail(b: &Loaded, payment: Value) -> Value {
    let view = Bookings::trip_view(&b.trip, &b.items, &b.found);
    let admin = b.trip.admin_data.as_object().cloned().unwrap_or_default();
    let mut data = json!({ "items": view["items"], "createdFrom": "cart",
                           "metadata": { "contactEmail": b.trip.contact_email, "passengerDetails": b.trip.passengers } });
    if let Some(map) = data.as_object_mut() {
        for (k, v) in admin {
            map.insert(k, v);
        }
    }
    let mut item = admin_item(b);
    item["data"] = data;
    item["payment"] = payment;
    item
}
