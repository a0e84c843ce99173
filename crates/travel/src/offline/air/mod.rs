//! Flight operations of the offline supplier, all drawn from one model so their answers agree:
//! the [`network`] (who flies nonstop where, connections through hubs, each day's flights in
//! local time), [`fares`] (by distance, cabin, lead time, weekday and load), self-describing
//! offer [`id`]s, [`search`], [`orders`] (pricing, booking, cancelling against the sold seats),
//! [`extras`] (seat maps, branded fares, availability, choice prediction) and [`analytics`]
//! (inspiration, cheapest dates, price metrics, traffic, schedules and predictions).
//!
//! Prices follow Amadeus: amounts are strings with two decimals; `price.fees` carries the
//! taxes and charges (a `SUPPLIER` fee), so `total = base + fees`.

mod analytics;
mod extras;
mod fares;
mod id;
mod network;
mod offers;
mod orders;
mod params;
mod predictions;
mod search;

use kernel::ApiError;
use serde_json::Value;

use super::Offline;
use crate::provider::{Operation, Request};

pub(super) async fn call(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    use Operation::*;
    match request.op {
        FlightOffers => search::flight_offers(offline, request).await,
        FlightPrice => orders::price(offline, request).await,
        FlightOrderCreate => orders::create(offline, request).await,
        FlightOrder => orders::get(offline, request).await,
        FlightOrderCancel => orders::cancel(offline, request).await,
        SeatMaps => extras::seat_maps(offline, request).await,
        BrandedFares => extras::branded_fares(offline, request).await,
        FlightAvailabilities => extras::availabilities(offline, request).await,
        FlightChoicePrediction => extras::choice_prediction(offline, request).await,
        op => analytics::call(offline, op, request),
    }
}
