//! `GET|PUT /api/v1/listings/{id}/calendar`: availability and prices per night of a stay, and
//! the host's settings.

use axum::extract::State as AxumState;
use axum::response::Response;
use chrono::NaiveDate;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, Query, ok, ok_with_message};
use serde::Deserialize;
use serde_json::json;

use super::State;
use crate::service::calendar::CalendarUpdate;

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

/// Availability, nightly price and minimum stay for each night of a stay listing, with the
/// host's rules. Published listings are public; drafts are visible to their owner and
/// administrators only.
#[utoipa::path(get, path = "/api/v1/listings/{id}/calendar", tag = "Booking", operation_id = "get_listing_calendar",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id"), CalendarQuery),
    responses((status = 200, description = "`{listingId, timezone, currency, rules, days: [{date, available, price, minNights, reason?}]}`"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`not_a_stay`", body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let mut errors = Vec::new();
    let from = date("from", q.from.as_deref(), &mut errors);
    let to = date("to", q.to.as_deref(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let c = state.calendar(user.0.as_ref(), id, from, to).await?;
    Ok(ok(json!({
        "listingId": c.listing.id, "timezone": c.listing.timezone, "currency": c.listing.currency,
        "rules": c.rules, "days": c.days,
    })))
}

/// Block or unblock nights, set per-night price and minimum-stay overrides, and the
/// listing's rules (advance notice, preparation days, maximum stay, weekend and seasonal
/// prices, taxes). The owner only; `ranges` apply to stays, `rules.taxBps` to every kind.
#[utoipa::path(put, path = "/api/v1/listings/{id}/calendar", tag = "Booking", operation_id = "put_listing_calendar",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")), request_body = CalendarUpdate,
    responses((status = 200, description = "`{updated, rules}`: nights changed and the rules in force"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn put(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<CalendarUpdate>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let (updated, rules) = state.update_calendar(&user, id, &body).await?;
    Ok(ok_with_message(json!({ "updated": updated, "rules": rules }), "Calendar updated"))
}
