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

use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, FieldError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::admin_store::{self, Narrow};
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

/// The admin list's filters, parsed.
#[derive(Debug, Default, Clone)]
pub struct AdminFilter {
    pub narrow: Narrow,
    pub status: Option<String>,
    pub kind: Option<String>,
    pub min_amount: Option<f64>,
    pub max_amount: Option<f64>,
    pub destination: Option<String>,
    pub sort_by: String,
    pub ascending: bool,
    pub page: u32,
    pub limit: u32,
}

/// DreamScape's list query, as sent (every value a string; parsed by [`AdminQuery::parse`]).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct AdminQuery {
    /// Page number, from 1 (default 1).
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
    /// Bookings a page, default 50; values above 100 count as 100.
    #[param(value_type = Option<u32>, minimum = 1)]
    pub limit: Option<String>,
    /// Part of the reference, of the contact e-mail or of a traveller's name (any case).
    #[param(max_length = 200)]
    pub search: Option<String>,
    /// A BookingStatus (empty: any).
    #[param(value_type = Option<StatusParam>)]
    pub status: Option<String>,
    /// A BookingType (empty: any).
    #[param(value_type = Option<TypeParam>, rename = "type")]
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Created on or after: `YYYY-MM-DD` (that day's start, UTC) or an RFC 3339 instant.
    #[param(max_length = 64)]
    pub start_date: Option<String>,
    /// Created on or before: `YYYY-MM-DD` (to that day's end, UTC) or an RFC 3339 instant.
    #[param(max_length = 64)]
    pub end_date: Option<String>,
    /// Total at least this, in major units of the booking's currency.
    #[param(value_type = Option<f64>)]
    pub min_amount: Option<String>,
    /// Total at most this, in major units.
    #[param(value_type = Option<f64>)]
    pub max_amount: Option<String>,
    /// Part of the destination (any case).
    #[param(max_length = 200)]
    pub destination: Option<String>,
    /// Default `createdAt`.
    #[param(value_type = Option<SortParam>)]
    pub sort_by: Option<String>,
    /// `asc` or `desc` (default).
    #[param(value_type = Option<OrderParam>)]
    pub sort_order: Option<String>,
}

/// A BookingStatus, or empty for any.
#[derive(utoipa::ToSchema, serde::Serialize)]
#[allow(clippy::upper_case_acronyms, non_camel_case_types, dead_code)]
pub enum StatusParam {
    #[serde(rename = "")]
    Any,
    DRAFT,
    PENDING_PAYMENT,
    PENDING,
    CONFIRMED,
    COMPLETED,
    CANCELLED,
    FAILED,
}

/// A BookingType, or empty for any.
#[derive(utoipa::ToSchema, serde::Serialize)]
#[allow(clippy::upper_case_acronyms, dead_code)]
pub enum TypeParam {
    #[serde(rename = "")]
    Any,
    FLIGHT,
    HOTEL,
    ACTIVITY,
    PACKAGE,
    TRANSFER,
}

#[derive(utoipa::ToSchema, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub enum SortParam {
    #[serde(rename = "")]
    Default,
    CreatedAt,
    UpdatedAt,
    TotalAmount,
    Status,
    Type,
    Reference,
    ConfirmedAt,
}

#[derive(utoipa::ToSchema, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum OrderParam {
    #[serde(rename = "")]
    Default,
    Asc,
    Desc,
}

fn present(v: Option<&String>) -> Option<&str> {
    v.map(String::as_str).map(str::trim).filter(|s| !s.is_empty())
}

/// `YYYY-MM-DD` (that day's start, or the next day's when `end`) or an RFC 3339 instant.
fn instant(raw: &str, end: bool) -> Option<DateTime<Utc>> {
    if let Ok(day) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        let day = if end { day.succ_opt()? } else { day };
        return Some(day.and_hms_opt(0, 0, 0)?.and_utc());
    }
    let at = DateTime::parse_from_rfc3339(raw).ok()?.with_timezone(&Utc);
    Some(if end { at + chrono::Duration::microseconds(1) } else { at })
}

impl AdminQuery {
    pub fn parse(&self) -> Result<AdminFilter, ApiError> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, message: &str| errors.push(FieldError::new(field, message));
        let count = |v: Option<&String>, default: u32| match present(v) {
            None => Some(default),
            Some(s) => s.parse::<u32>().ok().filter(|n| *n >= 1),
        };
        let page = count(self.page.as_ref(), 1).unwrap_or_else(|| {
            bad("page", "must be a whole number from 1");
            1
        });
        let limit = count(self.limit.as_ref(), 50).unwrap_or_else(|| {
            bad("limit", "must be a whole number from 1");
            50
        });
        let text = |v: Option<&String>| present(v).map(str::to_owned);
        let search = text(self.search.as_ref());
        let destination = text(self.destination.as_ref());
        for (field, value) in [("search", &search), ("destination", &destination)] {
            if value.as_ref().is_some_and(|s| s.chars().count() > 200) {
                bad(field, "must be at most 200 characters");
            }
        }
        let status = text(self.status.as_ref());
        if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
            bad("status", "must be DRAFT, PENDING_PAYMENT, PENDING, CONFIRMED, COMPLETED, CANCELLED or FAILED");
        }
        let kind = text(self.kind.as_ref());
        if kind.as_deref().is_some_and(|s| !TYPES.contains(&s)) {
            bad("type", "must be FLIGHT, HOTEL, ACTIVITY, PACKAGE or TRANSFER");
        }
        let mut date = |field: &str, v: Option<&String>, end: bool| match present(v) {
            None => None,
            Some(s) => {
                let at = (s.len() <= 64).then(|| instant(s, end)).flatten();
                if at.is_none() {
                    bad(field, "must be a date (YYYY-MM-DD) or an RFC 3339 date-time");
                }
                at
            }
        };
        let created_from = date("startDate", self.start_date.as_ref(), false);
        let created_before = date("endDate", self.end_date.as_ref(), true);
        let mut amount = |field: &str, v: Option<&String>| match present(v) {
            None => None,
            Some(s) => {
                let n = s.parse::<f64>().ok().filter(|n| n.is_finite());
                if n.is_none() {
                    bad(field, "must be a number");
                }
                n
            }
        };
        let min_amount = amount("minAmount", self.min_amount.as_ref());
        let max_amount = amount("maxAmount", self.max_amount.as_ref());
        let sort_by = present(self.sort_by.as_ref()).unwrap_or("createdAt").to_owned();
        if !SORTS.contains(&sort_by.as_str()) {
            bad("sortBy", &format!("must be one of {}", SORTS.join(", ")));
        }
        let ascending = match present(self.sort_order.as_ref()) {
            None | Some("desc") => false,
            Some("asc") => true,
            Some(_) => {
                bad("sortOrder", "must be asc or desc");
                false
            }
        };
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let pattern = search.as_deref().map(admin_store::contains_pattern);
        Ok(AdminFilter {
            narrow: Narrow { created_from, created_before, pattern },
            status,
            kind,
            min_amount,
            max_amount,
            destination: destination.map(|d| d.to_lowercase()),
            sort_by,
            ascending,
            page,
            limit: limit.min(100),
        })
    }
}

impl AdminFilter {
    fn keeps(&self, b: &Loaded) -> bool {
        let total = major(b.trip.total, &b.trip.currency);
        self.status.as_deref().is_none_or(|s| s == b.status)
            && self.kind.as_deref().is_none_or(|k| k == b.kind)
            && self.min_amount.is_none_or(|m| total >= m - 1e-9)
            && self.max_amount.is_none_or(|m| total <= m + 1e-9)
            && self
                .destination
                .as_deref()
                .is_none_or(|d| b.destination.as_deref().is_some_and(|place| place.to_lowercase().contains(d)))
    }

    fn sort(&self, rows: &mut [Loaded]) {
        rows.sort_by(|a, b| {
            let order = match self.sort_by.as_str() {
                "updatedAt" => a.trip.updated_at.cmp(&b.trip.updated_at),
                "totalAmount" => {
                    major(a.trip.total, &a.trip.currency).total_cmp(&major(b.trip.total, &b.trip.currency))
                }
                "status" => a.status.cmp(b.status),
                "type" => a.kind.cmp(b.kind),
                "reference" => a.trip.reference.cmp(&b.trip.reference),
                "confirmedAt" => a.trip.confirmed_at.cmp(&b.trip.confirmed_at),
                _ => a.trip.created_at.cmp(&b.trip.created_at),
            }
            .then_with(|| a.trip.created_at.cmp(&b.trip.created_at))
            .then_with(|| a.trip.id.cmp(&b.trip.id));
            if self.ascending { order } else { order.reverse() }
        });
    }
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
