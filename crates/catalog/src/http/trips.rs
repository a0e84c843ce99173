//! `/api/v1/listings/{id}/trips`: scheduled departures of a transport listing.

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use kernel::{ApiError, ErrorBody};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{Json, Path, Query, ok, ok_with_message};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::State;
use crate::service::trips::NewTrip;
use kernel::Window;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TripIn {
    /// One of the listing's routes.
    pub origin: String,
    pub destination: String,
    pub departs_at: DateTime<Utc>,
    pub arrives_at: DateTime<Utc>,
    /// Seats on sale; default and maximum: the vehicle's seats.
    pub seats: Option<i64>,
    /// Minor units; default: the listing's `pricePerSeat`.
    pub price_per_seat: Option<i64>,
}

/// Schedule a trip (owner of a transport listing).
#[utoipa::path(post, path = "/api/v1/listings/{id}/trips", tag = "Listings", operation_id = "add_listing_trip",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id")), request_body = TripIn,
    responses((status = 201, description = "`{trip}`"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "`not_transport` / `trip_exists`", body = ErrorBody)))]
pub async fn add(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
    Json(body): Json<TripIn>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let new = NewTrip {
        origin: body.origin,
        destination: body.destination,
        departs_at: body.departs_at,
        arrives_at: body.arrives_at,
        seats: body.seats,
        price_per_seat: body.price_per_seat,
    };
    let trip = state.add_trip(id, &user, new).await?;
    Ok((StatusCode::CREATED, ok(json!({ "trip": trip }))).into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TripsQuery {
    /// From this RFC 3339 instant, or from the start of this `YYYY-MM-DD` day in the listing's
    /// time zone (default: now).
    pub from: Option<String>,
    /// Until this RFC 3339 instant, exclusive, or to the end of this `YYYY-MM-DD` day in the
    /// listing's time zone, included (default: 90 days after `from`; at most 366 days).
    pub to: Option<String>,
}

/// Upcoming trips of a listing (visible like the listing itself).
#[utoipa::path(get, path = "/api/v1/listings/{id}/trips", tag = "Listings", operation_id = "list_listing_trips",
    security((), ("bearerAuth" = [])), params(("id" = String, Path, description = "Listing id"), TripsQuery),
    responses((status = 200, description = "`{trips}`"), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    AxumState(state): AxumState<State>,
    user: MaybeAuthUser,
    Path(id): Path<String>,
    Query(q): Query<TripsQuery>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let window = Window::parse(q.from.as_deref(), q.to.as_deref())?;
    Ok(ok(json!({ "trips": state.trips(id, user.0.as_ref(), &window).await? })))
}

/// Cancel a scheduled trip (owner).
#[utoipa::path(delete, path = "/api/v1/listings/{id}/trips/{tripId}", tag = "Listings", operation_id = "remove_listing_trip",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Listing id"), ("tripId" = String, Path, description = "Trip id")),
    responses((status = 200, description = "Removed"), (status = 404, body = ErrorBody)))]
pub async fn remove(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path((id, trip)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let id = kernel::parse_id(&id, "listing")?;
    let trip = kernel::parse_id(&trip, "trip")?;
    state.remove_trip(id, &user, trip).await?;
    Ok(ok_with_message(json!({}), "Trip removed"))
}
