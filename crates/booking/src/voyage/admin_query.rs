//! The admin list's query (`/api/v1/admin/bookings` and its export): parsed strictly (a
//! malformed value is `400` naming it, never a 500), then applied to the derived fields.

use chrono::{DateTime, NaiveDate, Utc};
use kernel::{ApiError, FieldError};

use super::admin::{Loaded, SORTS, STATUSES, TYPES};
use super::admin_store::{self, Narrow};
use super::money::major;

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
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// Bookings a page, default 50; values above 100 count as 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000000)]
    pub limit: Option<String>,
    /// Part of the reference, of the contact e-mail or of a traveller's name (any case).
    #[param(max_length = 200)]
    pub search: Option<String>,
    /// A BookingStatus (empty: any).
    #[param(schema_with = status_param)]
    pub status: Option<String>,
    /// A BookingType (empty: any).
    #[param(schema_with = type_param, rename = "type")]
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
    #[param(schema_with = sort_param)]
    pub sort_by: Option<String>,
    /// `asc` or `desc` (default).
    #[param(schema_with = order_param)]
    pub sort_order: Option<String>,
}

/// A string schema of `values` (the empty string included: no filter).
fn one_of(values: &[&str]) -> utoipa::openapi::schema::Object {
    let values = std::iter::once("").chain(values.iter().copied());
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values))
        .build()
}

fn status_param() -> utoipa::openapi::schema::Object {
    one_of(&STATUSES)
}

fn type_param() -> utoipa::openapi::schema::Object {
    one_of(&TYPES)
}

fn sort_param() -> utoipa::openapi::schema::Object {
    one_of(&SORTS)
}

fn order_param() -> utoipa::openapi::schema::Object {
    one_of(&["asc", "desc"])
}

/// A value as sent, `None` when absent or empty (no filter). Values of enumerations, numbers
/// and dates are taken exactly as sent (the document's schema is the one judged).
fn present(v: Option<&String>) -> Option<&str> {
    v.map(String::as_str).filter(|s| !s.is_empty())
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
            Some(s) => s.parse::<u32>().ok().filter(|n| (1..=1_000_000).contains(n)),
        };
        let page = count(self.page.as_ref(), 1).unwrap_or_else(|| {
            bad("page", "must be a whole number from 1 to 1000000");
            1
        });
        let limit = count(self.limit.as_ref(), 50).unwrap_or_else(|| {
            bad("limit", "must be a whole number from 1 to 1000000");
            50
        });
        // Free text: at most 200 characters as sent, then trimmed.
        for (field, value) in [("search", &self.search), ("destination", &self.destination)] {
            if value.as_ref().is_some_and(|s| s.chars().count() > 200) {
                bad(field, "must be at most 200 characters");
            }
        }
        let text = |v: Option<&String>| present(v).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let search = text(self.search.as_ref());
        let destination = text(self.destination.as_ref());
        let exact = |v: Option<&String>| present(v).map(str::to_owned);
        let status = exact(self.status.as_ref());
        if status.as_deref().is_some_and(|s| !STATUSES.contains(&s)) {
            bad("status", "must be DRAFT, PENDING_PAYMENT, PENDING, CONFIRMED, COMPLETED, CANCELLED or FAILED");
        }
        let kind = exact(self.kind.as_ref());
        if kind.as_deref().is_some_and(|s| !TYPES.contains(&s)) {
            bad("type", "must be FLIGHT, HOTEL, ACTIVITY, PACKAGE or TRANSFER");
        }
        let mut date = |field: &str, v: Option<&String>, end: bool| match present(v) {
            None => None,
            Some(s) => {
                let at = (s.chars().count() <= 64).then(|| instant(s.trim(), end)).flatten();
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
    pub(crate) fn keeps(&self, b: &Loaded) -> bool {
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

    pub(crate) fn sort(&self, rows: &mut [Loaded]) {
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
