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
    let days = calendar::days(&listing.data, listing.status == "published", from, to, today);
    Ok(ok(json!({ "listingId": listing.id, "timezone": listing.timezone, "currency": listing.currency, "days": days })))
}
