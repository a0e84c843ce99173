//! `GET /api/v1/listings/{id}/calendar`: availability and prices per night of a stay.

use axum::extract::State as AxumState;
use axum::response::Response;
use chrono::NaiveDate;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::MaybeAuthUser;
use platform::http::{Path, Query, ok};
use serde::Deserialize;
use serde_json::json;

use super::State;
use crate::{calendar, store};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// First night, `YYYY-MM-DD` in the listing's time zone (default: today there).
    pub from: Option<String>,
    /// Day after the last night (exclusive; default: 30 days after `from`; at most 366 days).
    pub to: Option<String>,
}

fn date(field: &str, raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let raw = raw?;
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| errors.push(FieldError::new(field, "must be a date YYYY-MM-DD")))
        .ok()
}

/// Availability, nightly price and minimum stay for each night of a stay listing. Published
/// listings are public; drafts are visible to their owner and administrators only.
#[utoipa::path(get, path = "/api/v1/listings/{id}/calendar", tag = "Booking", operation_id = "get_listing_calendar",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id"), CalendarQuery),
    responses((status = 200, description = "`{listingId, timezone, currency, days: [{date, available, price, minNights, reason?}]}`"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`not_a_stay`", body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let listing = store::find(&state.db, id).await?.filter(|l| l.status != "deleted");
    let visible = listing.filter(|l| {
        l.status == "published" || user.0.as_ref().is_some_and(|u| u.user_id == l.owner_id || u.is_admin())
    });
    let listing = visible.ok_or_else(|| ApiError::not_found("Listing not found"))?;
    if listing.kind != "stay" {
        return Err(ApiError::new(409, "not_a_stay", "Only stays have a nightly calendar; see sessions and trips"));
    }
    let tz: chrono_tz::Tz = listing.timezone.parse().unwrap_or(chrono_tz::UTC);
    let today = state.clock.now().with_timezone(&tz).date_naive();
    let mut errors = Vec::new();
    let from = date("from", q.from.as_deref(), &mut errors).unwrap_or(today);
    let to = date("to", q.to.as_deref(), &mut errors).unwrap_or(from + chrono::Duration::days(30));
    if errors.is_empty() && (to <= from || (to - from).num_days() > 366) {
        errors.push(FieldError::new("to", "must be after `from`, at most 366 days later"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let settings = store::nights(&state.db, listing.id, from, to).await?;
    let days = calendar::days(&listing.data, listing.status == "published", &settings, from, to, today);
    Ok(ok(json!({ "listingId": listing.id, "timezone": listing.timezone, "currency": listing.currency, "days": days })))
}

/// One range of nights to change: absent fields are kept; `price`/`minNights` `null` clears an
/// override.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RangeIn {
    /// First night (`YYYY-MM-DD`, listing-local).
    pub from: NaiveDate,
    /// Day after the last night (exclusive).
    pub to: NaiveDate,
    pub blocked: Option<bool>,
    /// Minor units; `null` removes the override.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>)]
    pub price: Option<Option<i64>>,
    /// `null` removes the override.
    #[serde(default, deserialize_with = "patch")]
    #[schema(value_type = Option<i64>)]
    pub min_nights: Option<Option<i64>>,
}

/// Absent → `None` (keep); `null` → `Some(None)` (clear); a value → `Some(Some(v))`.
fn patch<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Ok(Some(Option::<i64>::deserialize(d)?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarUpdate {
    /// Up to 50 ranges, 2000 nights in all, applied in order.
    pub ranges: Vec<RangeIn>,
}

/// Block or unblock nights and set per-night price and minimum-stay overrides (the owner of a
/// stay).
#[utoipa::path(put, path = "/api/v1/listings/{id}/calendar", tag = "Booking", operation_id = "put_listing_calendar",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")), request_body = CalendarUpdate,
    responses((status = 200, description = "`{updated}`: nights changed"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn put(
    AxumState(state): AxumState<State>,
    user: platform::auth::AuthUser,
    Path(id): Path<String>,
    platform::http::Json(body): platform::http::Json<CalendarUpdate>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let listing = store::find(&state.db, id)
        .await?
        .filter(|l| l.status != "deleted" && l.owner_id == user.user_id)
        .ok_or_else(|| ApiError::not_found("Listing not found"))?;
    if listing.kind != "stay" {
        return Err(ApiError::new(409, "not_a_stay", "Only stays have a nightly calendar"));
    }
    let mut errors = Vec::new();
    if body.ranges.is_empty() || body.ranges.len() > 50 {
        errors.push(FieldError::new("ranges", "must list 1 to 50 ranges"));
    }
    let mut total = 0i64;
    for (i, r) in body.ranges.iter().enumerate() {
        let nights = (r.to - r.from).num_days();
        if !(1..=366).contains(&nights) {
            errors.push(FieldError::new(format!("ranges[{i}].to"), "must be after `from`, at most 366 nights later"));
        }
        total += nights.max(0);
        if let Some(Some(p)) = r.price
            && !(1..=100_000_000).contains(&p)
        {
            errors.push(FieldError::new(format!("ranges[{i}].price"), "must be 1 to 100000000 minor units"));
        }
        if let Some(Some(m)) = r.min_nights
            && !(1..=365).contains(&m)
        {
            errors.push(FieldError::new(format!("ranges[{i}].minNights"), "must be 1 to 365"));
        }
        if r.blocked.is_none() && r.price.is_none() && r.min_nights.is_none() {
            errors.push(FieldError::new(format!("ranges[{i}]"), "changes nothing: give blocked, price or minNights"));
        }
    }
    if total > 2000 {
        errors.push(FieldError::new("ranges", "must cover at most 2000 nights in all"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let mut updated = 0usize;
    for r in &body.ranges {
        let existing = store::nights_tx(&mut tx, id, r.from, r.to).await?;
        for night in r.from.iter_days().take_while(|d| *d < r.to) {
            let mut s = existing.iter().find(|s| s.night == night).cloned().unwrap_or(store::NightSetting {
                night,
                blocked: false,
                price: None,
                min_nights: None,
            });
            if let Some(b) = r.blocked {
                s.blocked = b;
            }
            if let Some(p) = r.price {
                s.price = p;
            }
            if let Some(m) = r.min_nights {
                s.min_nights = m;
            }
            store::save_night(&mut tx, id, &s, now).await?;
            updated += 1;
        }
    }
    tx.commit().await?;
    Ok(platform::http::ok_with_message(json!({ "updated": updated }), "Calendar updated"))
}
