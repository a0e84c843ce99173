//! `/hotels/*`, `/locations/*`, `/airlines/*`, `/airports/*`, `/activities/*` and
//! `/transfers/search`.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::http::Path;

use super::{QueryMap, State, answer, params};

/// Hotels of a city (or near a point) with their best offer for the dates, as DreamScape's
/// simplified hotel offers (every offer in `offers`).
#[utoipa::path(get, path = "/hotels/search", tag = "Travel", operation_id = "search_hotels",
    params(("checkInDate" = String, Query), ("checkOutDate" = String, Query), ("cityCode" = Option<String>, Query),
           ("latitude" = Option<f64>, Query), ("longitude" = Option<f64>, Query), ("adults" = Option<i64>, Query),
           ("roomQuantity" = Option<i64>, Query), ("radius" = Option<i64>, Query), ("radiusUnit" = Option<String>, Query),
           ("hotelIds" = Option<String>, Query), ("ratings" = Option<String>, Query), ("amenities" = Option<String>, Query),
           ("priceRange" = Option<String>, Query), ("currency" = Option<String>, Query), ("page" = Option<i64>, Query),
           ("pageSize" = Option<i64>, Query, description = "1–50")),
    responses((status = 200, description = "`{data: [hotel offer], meta: {pagination}}`"), (status = 400, body = ErrorBody)))]
pub async fn search_hotels(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    let p = params(q);
    let found = state.search_hotels(&p).await?;
    state.searched(&p);
    Ok(answer(200, found))
}

/// One hotel's best offer for the dates (today → tomorrow by default).
#[utoipa::path(get, path = "/hotels/details/{hotelId}", tag = "Travel", operation_id = "hotel_details",
    params(("hotelId" = String, Path), ("checkInDate" = Option<String>, Query), ("checkOutDate" = Option<String>, Query),
           ("adults" = Option<i64>, Query)),
    responses((status = 200, description = "`{data: hotel offer}`"), (status = 404, body = ErrorBody)))]
pub async fn hotel_details(
    AxumState(state): AxumState<State>,
    Path(id): Path<String>,
    q: QueryMap,
) -> Result<Response, ApiError> {
    Ok(answer(200, state.hotel_details(&id, &params(q)).await?))
}

/// Star ratings and amenities of hotels.
#[utoipa::path(get, path = "/hotels/ratings", tag = "Travel", operation_id = "hotel_ratings",
    params(("hotelIds" = String, Query, description = "Comma-separated")),
    responses((status = 200, description = "`{data: [{hotelId, rating, reviewCount, amenities}]}`"), (status = 400, body = ErrorBody)))]
pub async fn hotel_ratings(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.hotel_ratings(&params(q)).await?))
}

/// Hotels of a city, near a point or by id (Amadeus's hotel list), paginated.
#[utoipa::path(get, path = "/hotels/list", tag = "Travel", operation_id = "hotel_list",
    params(("cityCode" = Option<String>, Query), ("latitude" = Option<f64>, Query), ("longitude" = Option<f64>, Query),
           ("hotelIds" = Option<String>, Query), ("radius" = Option<i64>, Query), ("radiusUnit" = Option<String>, Query),
           ("page" = Option<i64>, Query), ("pageSize" = Option<i64>, Query)),
    responses((status = 200, description = "`{data: [hotel], meta: {pagination}}`"), (status = 400, body = ErrorBody)))]
pub async fn hotel_list(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.hotel_list(&params(q)).await?))
}

/// A hotel's pictures (none from the suppliers here: an empty list).
#[utoipa::path(get, path = "/hotels/{hotelId}/images", tag = "Travel", operation_id = "hotel_images",
    params(("hotelId" = String, Path)),
    responses((status = 200, description = "`{data: [], meta: {count, hotelId}}`"), (status = 404, body = ErrorBody)))]
pub async fn hotel_images(AxumState(state): AxumState<State>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(answer(200, state.hotel_images(&id).await?))
}

/// Cities and airports matching a keyword (bundled reference data).
#[utoipa::path(get, path = "/locations/search", tag = "Travel", operation_id = "search_locations",
    params(("keyword" = String, Query), ("subType" = Option<String>, Query, description = "AIRPORT or CITY (default both)"),
           ("limit" = Option<i64>, Query, description = "1–100 (default 20)")),
    responses((status = 200, description = "`{data: [location], meta: {count}}`"), (status = 400, body = ErrorBody)))]
pub async fn locations(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.search_locations(&params(q), false)?))
}

/// Airports matching a keyword.
#[utoipa::path(get, path = "/locations/airports", tag = "Travel", operation_id = "search_airports",
    params(("keyword" = String, Query), ("limit" = Option<i64>, Query)),
    responses((status = 200, description = "`{data: [location], meta: {count}}`"), (status = 400, body = ErrorBody)))]
pub async fn location_airports(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.search_locations(&params(q), true)?))
}

/// Transfer offers from an airport (or address) to an address (or airport).
#[utoipa::path(get, path = "/transfers/search", tag = "Travel", operation_id = "search_transfers",
    params(("startDateTime" = String, Query, description = "Local YYYY-MM-DDTHH:MM"), ("passengers" = i64, Query),
           ("startLocationCode" = Option<String>, Query), ("endLocationCode" = Option<String>, Query),
           ("endAddressLine" = Option<String>, Query), ("endCityName" = Option<String>, Query),
           ("endCountryCode" = Option<String>, Query), ("transferType" = Option<String>, Query),
           ("startAddressLine" = Option<String>, Query), ("startCityName" = Option<String>, Query),
           ("startCountryCode" = Option<String>, Query)),
    responses((status = 200, description = "`{data: [transfer offer]}`"), (status = 400, body = ErrorBody)))]
pub async fn transfers(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    let p = params(q);
    let found = state.search_transfers(&p).await?;
    state.searched(&p);
    Ok(answer(200, found))
}

/// Airlines by IATA or ICAO code (all of them without codes).
#[utoipa::path(get, path = "/airlines/lookup", tag = "Travel", operation_id = "lookup_airlines",
    params(("airlineCodes" = Option<String>, Query), ("IATACode" = Option<String>, Query), ("ICAOCode" = Option<String>, Query)),
    responses((status = 200, description = "`{data: [airline]}`"), (status = 400, body = ErrorBody)))]
pub async fn airlines(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.lookup_airlines(&params(q))?))
}

/// Where an airline flies.
#[utoipa::path(get, path = "/airlines/routes", tag = "Travel", operation_id = "airline_routes",
    params(("airlineCode" = String, Query), ("max" = Option<i64>, Query)),
    responses((status = 200, description = "`{data: [{destination, market}]}`"), (status = 400, body = ErrorBody)))]
pub async fn airline_routes(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.airline_routes(&params(q)).await?))
}

/// An airport's expected punctuality on a day.
#[utoipa::path(get, path = "/airports/on-time-performance", tag = "Travel", operation_id = "airport_on_time",
    params(("airportCode" = String, Query), ("date" = String, Query)),
    responses((status = 200, description = "`{data: {onTime, delayed, cancelled, date}}`"), (status = 400, body = ErrorBody)))]
pub async fn on_time(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.on_time(&params(q)).await?))
}

/// Airports near a point, nearest first.
#[utoipa::path(get, path = "/airports/nearest", tag = "Travel", operation_id = "nearest_airports",
    params(("latitude" = f64, Query), ("longitude" = f64, Query), ("radius" = Option<i64>, Query, description = "km, default 500"),
           ("limit" = Option<i64>, Query), ("offset" = Option<i64>, Query), ("sort" = Option<String>, Query)),
    responses((status = 200, description = "`{data: [airport with distance]}`"), (status = 400, body = ErrorBody)))]
pub async fn nearest(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.nearest_airports(&params(q))?))
}

/// Direct destinations from an airport.
#[utoipa::path(get, path = "/airports/routes", tag = "Travel", operation_id = "airport_routes",
    params(("departureAirportCode" = String, Query), ("max" = Option<i64>, Query)),
    responses((status = 200, description = "`{data: [{destination, market}]}`"), (status = 400, body = ErrorBody)))]
pub async fn airport_routes(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.airport_routes(&params(q)).await?))
}

/// Activities around a point or in a square.
#[utoipa::path(get, path = "/activities/search", tag = "Travel", operation_id = "search_activities",
    params(("latitude" = Option<f64>, Query), ("longitude" = Option<f64>, Query), ("radius" = Option<i64>, Query, description = "km, 0–20"),
           ("north" = Option<f64>, Query), ("west" = Option<f64>, Query), ("south" = Option<f64>, Query),
           ("east" = Option<f64>, Query), ("locationName" = Option<String>, Query)),
    responses((status = 200, description = "`{data: [activity]}`"), (status = 400, body = ErrorBody)))]
pub async fn activities(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    let p = params(q);
    let found = state.search_activities(&p).await?;
    state.searched(&p);
    Ok(answer(200, found))
}

/// One activity, whole.
#[utoipa::path(get, path = "/activities/details/{activityId}", tag = "Travel", operation_id = "activity_details",
    params(("activityId" = String, Path)),
    responses((status = 200, description = "`{data: activity}`"), (status = 404, body = ErrorBody)))]
pub async fn activity_details(
    AxumState(state): AxumState<State>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(answer(200, state.activity(&id).await?))
}

/// One activity, whole (same as `/activities/details/{activityId}`).
#[utoipa::path(get, path = "/activities/{activityId}", tag = "Travel", operation_id = "get_activity",
    params(("activityId" = String, Path)),
    responses((status = 200, description = "`{data: activity}`"), (status = 404, body = ErrorBody)))]
pub async fn activity(AxumState(state): AxumState<State>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(answer(200, state.activity(&id).await?))
}
