//! `GET /api/v1/listings/{id}/availability`: what is left on capacity kinds.

use axum::extract::State as AxumState;
use axum::response::Response;
use chrono::NaiveDate;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::MaybeAuthUser;
use platform::http::{Path, Query, ok};
use serde::Deserialize;

use super::State;
use crate::service::availability::Ask;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct AvailabilityQuery {
    /// Sessions and trips: from this RFC 3339 instant, or from the start of this `YYYY-MM-DD`
    /// day in the listing's time zone (default now).
    pub from: Option<String>,
    /// Sessions and trips: before this RFC 3339 instant, or to the end of this `YYYY-MM-DD`
    /// day in the listing's time zone, included (default 90 days after `from`, at most 366).
    pub to: Option<String>,
    /// Restaurants: the local day (`YYYY-MM-DD`, default today there).
    pub date: Option<String>,
    /// Restaurants and activities: people (1–100, default 1).
    pub party_size: Option<String>,
}

/// Seats left per session (activities) or trip (transport), tables left per slot of a day
/// (restaurants) or units in stock (products).
#[utoipa::path(get, path = "/api/v1/listings/{id}/availability", tag = "Booking", operation_id = "get_listing_availability",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id"), AvailabilityQuery),
    responses((status = 200, description = "`{listingId, kind, timezone, currency, availability}`"),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`use_calendar` for stays", body = ErrorBody)))]
pub async fn get(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
    Query(q): Query<AvailabilityQuery>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let mut errors = Vec::new();
    let window = kernel::Window::parse_into(q.from.as_deref(), q.to.as_deref(), &mut errors);
    let date = q.date.as_deref().and_then(|d| {
        NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|_| errors.push(FieldError::new("date", "must be a date YYYY-MM-DD")))
            .ok()
    });
    let party = match q.party_size.as_deref().map(|p| p.trim().parse::<i64>()) {
        None => 1,
        Some(Ok(n)) if (1..=100).contains(&n) => n,
        Some(_) => {
            errors.push(FieldError::new("partySize", "must be 1 to 100"));
            1
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let out = state.availability(user.0.as_ref(), id, Ask { window, date, party }).await?;
    Ok(ok(out))
}
