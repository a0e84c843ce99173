//! DreamScape's voyage routes (`ROUTES.md` §3.1–3.7): flights, hotels, locations, transfers,
//! airlines, airports and activities. DreamScape serves them at `/api/v1` and `/api`, its
//! gateway at `/api/v1/voyage`: the same routes are mounted under all three and documented
//! once, under `/api/v1`. Searches are public; orders placed directly at the supplier are for
//! administrators (travellers book through the cart, which takes the payment first).

mod flights;
pub mod internal;
mod orders;
mod places;

use std::collections::HashMap;

use axum::response::{IntoResponse, Response};
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::service::{Params, Travel};

pub type State = Travel;

type QueryMap = platform::http::Query<HashMap<String, String>>;

fn params(q: QueryMap) -> Params {
    Params::new(q.0)
}

/// An Amadeus-style answer (`{data, meta?, dictionaries?}`) with our `success: true`.
fn answer(status: u16, mut body: Value) -> Response {
    if let Some(map) = body.as_object_mut() {
        map.insert("success".into(), Value::Bool(true));
    }
    let status = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK);
    (status, axum::Json(body)).into_response()
}

fn relative() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(flights::search))
        .routes(routes!(flights::destinations))
        .routes(routes!(flights::price_analysis))
        .routes(routes!(flights::choice_prediction))
        .routes(routes!(flights::inspiration))
        .routes(routes!(flights::cheapest_dates))
        .routes(routes!(flights::status))
        .routes(routes!(flights::delay_prediction))
        .routes(routes!(flights::most_traveled))
        .routes(routes!(flights::most_booked))
        .routes(routes!(flights::busiest_period))
        .routes(routes!(flights::checkin_links))
        .routes(routes!(flights::seatmap))
        .routes(routes!(flights::pricing))
        .routes(routes!(flights::branded_fares))
        .routes(routes!(flights::availabilities))
        .routes(routes!(orders::order_flight))
        .routes(routes!(orders::flight_order))
        .routes(routes!(places::search_hotels))
        .routes(routes!(places::hotel_details))
        .routes(routes!(places::hotel_ratings))
        .routes(routes!(orders::book_hotel))
        .routes(routes!(places::hotel_list))
        .routes(routes!(places::hotel_images))
        .routes(routes!(places::locations))
        .routes(routes!(places::location_airports))
        .routes(routes!(places::transfers))
        .routes(routes!(orders::book_transfer))
        .routes(routes!(orders::transfer_order))
        .routes(routes!(places::airlines))
        .routes(routes!(places::airline_routes))
        .routes(routes!(places::on_time))
        .routes(routes!(places::nearest))
        .routes(routes!(places::airport_routes))
        .routes(routes!(places::activities))
        .routes(routes!(places::activity_details))
        .routes(routes!(places::activity))
}

/// Mounted under `/api/v1` (documented), `/api` and `/api/v1/voyage`.
pub fn routes() -> OpenApiRouter<State> {
    platform::http::voyage::mount(relative)
}

/// The alias templates of the documented routes, for the gateway's table.
pub fn alias_templates() -> Vec<String> {
    platform::http::voyage::alias_templates(relative())
}
