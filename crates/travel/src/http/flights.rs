//! `/flights/*`: search, pricing, seat maps, fares, availability and the flight insights.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::http::Json;
use serde_json::Value;

use super::{QueryMap, State, answer, params};

/// Flight offers (Amadeus's shape, plus DreamScape's simplified `departure`, `arrival`,
/// `airline`, `stops`, `cabinClass`, `availableSeats`, …). Codes may be airports or cities
/// (`PAR`), or place names.
#[utoipa::path(get, path = "/flights/search", tag = "Travel", operation_id = "search_flights",
    params(("originLocationCode" = String, Query, description = "IATA airport or city code, or a place name"),
           ("destinationLocationCode" = String, Query, description = "IATA airport or city code, or a place name"),
           ("departureDate" = String, Query, description = "YYYY-MM-DD"),
           ("returnDate" = Option<String>, Query, description = "YYYY-MM-DD: adds a return"),
           ("adults" = Option<i64>, Query, description = "1–9 (default 1)"),
           ("children" = Option<i64>, Query, description = "0–8"), ("infants" = Option<i64>, Query, description = "≤ adults"),
           ("travelClass" = Option<String>, Query, description = "ECONOMY, PREMIUM_ECONOMY, BUSINESS or FIRST"),
           ("nonStop" = Option<bool>, Query), ("maxPrice" = Option<i64>, Query), ("max" = Option<i64>, Query, description = "1–250"),
           ("currencyCode" = Option<String>, Query)),
    responses((status = 200, description = "`{data: [flight offer], meta: {count}, dictionaries}`"),
        (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn search(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    let p = params(q);
    let found = state.search_flights(&p).await?;
    state.searched(&p);
    Ok(answer(200, found))
}

/// The cheapest destinations from `origin` (Amadeus flight destinations).
#[utoipa::path(get, path = "/flights/destinations", tag = "Travel", operation_id = "flight_destinations",
    params(("origin" = String, Query), ("maxPrice" = Option<i64>, Query), ("departureDate" = Option<String>, Query)),
    responses((status = 200, description = "`{data: [{destination, price.total, …}]}`"), (status = 400, body = ErrorBody)))]
pub async fn destinations(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.inspiration(&params(q)).await?))
}

/// Price quartiles of a route and date; `data[0].priceMetrics[0]` summarises them.
#[utoipa::path(get, path = "/flights/price-analysis", tag = "Travel", operation_id = "flight_price_analysis",
    params(("originIataCode" = String, Query), ("destinationIataCode" = String, Query), ("departureDate" = String, Query),
           ("currencyCode" = Option<String>, Query), ("oneWay" = Option<bool>, Query)),
    responses((status = 200, description = "`{data: [{priceMetrics, quartiles}]}`"), (status = 400, body = ErrorBody)))]
pub async fn price_analysis(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.price_analysis(&params(q)).await?))
}

/// Which of a search's offers travellers are likely to choose (`choiceProbability`).
#[utoipa::path(post, path = "/flights/choice-prediction", tag = "Travel", operation_id = "flight_choice_prediction",
    request_body(content = Object, description = "A flight-offers search result `{data: [offer]}`"),
    responses((status = 200, description = "`{data: [offer with choiceProbability]}`"), (status = 400, body = ErrorBody)))]
pub async fn choice_prediction(
    AxumState(state): AxumState<State>,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    Ok(answer(200, state.choice_prediction(&body).await?))
}

/// Flight inspiration: where one can fly from `origin`, cheapest first.
#[utoipa::path(get, path = "/flights/inspiration", tag = "Travel", operation_id = "flight_inspiration",
    params(("origin" = String, Query), ("maxPrice" = Option<i64>, Query), ("departureDate" = Option<String>, Query),
           ("oneWay" = Option<bool>, Query), ("duration" = Option<i64>, Query), ("nonStop" = Option<bool>, Query),
           ("viewBy" = Option<String>, Query)),
    responses((status = 200, description = "`{data: [flight destination]}`"), (status = 400, body = ErrorBody)))]
pub async fn inspiration(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.inspiration(&params(q)).await?))
}

/// The cheapest dates to fly a route.
#[utoipa::path(get, path = "/flights/cheapest-dates", tag = "Travel", operation_id = "flight_cheapest_dates",
    params(("origin" = String, Query), ("destination" = String, Query), ("departureDate" = Option<String>, Query),
           ("oneWay" = Option<bool>, Query), ("duration" = Option<i64>, Query), ("nonStop" = Option<bool>, Query),
           ("viewBy" = Option<String>, Query)),
    responses((status = 200, description = "`{data: [flight date]}`"), (status = 400, body = ErrorBody)))]
pub async fn cheapest_dates(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.cheapest_dates(&params(q)).await?))
}

/// A flight's schedule on a day.
#[utoipa::path(get, path = "/flights/status", tag = "Travel", operation_id = "flight_status",
    params(("carrierCode" = String, Query), ("flightNumber" = String, Query), ("scheduledDepartureDate" = String, Query)),
    responses((status = 200, description = "`{data: [dated flight]}`"), (status = 400, body = ErrorBody)))]
pub async fn status(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.flight_status(&params(q)).await?))
}

/// How late a flight is likely to be.
#[utoipa::path(get, path = "/flights/delay-prediction", tag = "Travel", operation_id = "flight_delay_prediction",
    params(("originLocationCode" = String, Query), ("destinationLocationCode" = String, Query),
           ("departureDate" = String, Query), ("departureTime" = String, Query), ("arrivalDate" = String, Query),
           ("arrivalTime" = String, Query), ("aircraftCode" = String, Query), ("carrierCode" = String, Query),
           ("flightNumber" = String, Query), ("duration" = String, Query)),
    responses((status = 200, description = "`{data: {probability, result, subType}}`"), (status = 400, body = ErrorBody)))]
pub async fn delay_prediction(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.delay_prediction(&params(q)).await?))
}

/// The destinations most travelled to from a city in a month.
#[utoipa::path(get, path = "/flights/analytics/most-traveled", tag = "Travel", operation_id = "flights_most_traveled",
    params(("originCityCode" = String, Query), ("period" = String, Query, description = "YYYY-MM"), ("max" = Option<i64>, Query)),
    responses((status = 200, description = "`{data: [{destination, analytics}]}`"), (status = 400, body = ErrorBody)))]
pub async fn most_traveled(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.traffic(&params(q), false).await?))
}

/// The destinations most booked from a city in a month.
#[utoipa::path(get, path = "/flights/analytics/most-booked", tag = "Travel", operation_id = "flights_most_booked",
    params(("originCityCode" = String, Query), ("period" = String, Query, description = "YYYY-MM"), ("max" = Option<i64>, Query)),
    responses((status = 200, description = "`{data: [{destination, analytics}]}`"), (status = 400, body = ErrorBody)))]
pub async fn most_booked(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.traffic(&params(q), true).await?))
}

/// A city's busiest month of a year.
#[utoipa::path(get, path = "/flights/analytics/busiest-period", tag = "Travel", operation_id = "flights_busiest_period",
    params(("cityCode" = String, Query), ("period" = String, Query, description = "YYYY"), ("direction" = Option<String>, Query)),
    responses((status = 200, description = "`{data: {period, analytics}, meta: {periods}}`"), (status = 400, body = ErrorBody)))]
pub async fn busiest_period(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.busiest_period(&params(q)).await?))
}

/// An airline's online check-in links.
#[utoipa::path(get, path = "/flights/checkin-links", tag = "Travel", operation_id = "flight_checkin_links",
    params(("airlineCode" = String, Query), ("language" = Option<String>, Query)),
    responses((status = 200, description = "`{data: [checkin link]}`"), (status = 400, body = ErrorBody)))]
pub async fn checkin_links(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.checkin_links(&params(q)).await?))
}

/// The seat maps of an offer's flights.
#[utoipa::path(get, path = "/flights/seatmap", tag = "Travel", operation_id = "flight_seatmap",
    params(("flightOfferId" = String, Query)),
    responses((status = 200, description = "`{data: [seat map with deck]}`"), (status = 400, body = ErrorBody)))]
pub async fn seatmap(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.seatmap(&params(q)).await?))
}

/// Offers as the supplier prices them now.
#[utoipa::path(post, path = "/flights/offers/pricing", tag = "Travel", operation_id = "price_flight_offers",
    request_body(content = Object, description = "`{data: {flightOffers: [offer]}}`, `{flightOffers}` or one offer"),
    responses((status = 200, description = "`{data: {flightOffers}}`"), (status = 400, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn pricing(AxumState(state): AxumState<State>, Json(body): Json<Value>) -> Result<Response, ApiError> {
    Ok(answer(200, state.price_flights(&body).await?))
}

/// An offer's itinerary in each of its airline's fare brands.
#[utoipa::path(get, path = "/flights/branded-fares", tag = "Travel", operation_id = "flight_branded_fares",
    params(("flightOfferId" = String, Query)),
    responses((status = 200, description = "`{data: [offer]}`"), (status = 400, body = ErrorBody)))]
pub async fn branded_fares(AxumState(state): AxumState<State>, q: QueryMap) -> Result<Response, ApiError> {
    Ok(answer(200, state.branded_fares(&params(q)).await?))
}

/// Seats available per booking class on the flights of a route.
#[utoipa::path(post, path = "/flights/availabilities", tag = "Travel", operation_id = "flight_availabilities",
    request_body(content = Object, description = "`{originDestinations, travelers, sources}`"),
    responses((status = 200, description = "`{data: [flight availability]}`"), (status = 400, body = ErrorBody)))]
pub async fn availabilities(AxumState(state): AxumState<State>, Json(body): Json<Value>) -> Result<Response, ApiError> {
    Ok(answer(200, state.availabilities(&body).await?))
}
