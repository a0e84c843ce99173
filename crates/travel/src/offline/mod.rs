//! The offline supplier: an Amadeus that lives in the process. It answers the same operations
//! in the same shapes from the bundled reference data, a seed and what it has sold — flights
//! between real airports with great-circle durations, schedules in local time, fares that rise
//! as seats sell; hotels with rooms and rates in real cities; activities and transfers — so
//! every voyage flow works with no account, deterministically (the same seed, the same
//! answers, in every process).
//!
//! `air` answers the flight operations (shopping, pricing, orders, seat maps, schedules,
//! analytics and predictions); `ground` the hotels, activities, transfers and reference data.

mod air;
mod ground;
pub mod inventory;
pub mod rng;

use std::sync::Arc;

use async_trait::async_trait;
use kernel::{ApiError, Clock};
use platform::db::Db;
use serde_json::Value;

use crate::provider::{Operation, Provider, Request};

/// The offline supplier.
#[derive(Clone)]
pub struct Offline {
    pub(crate) db: Db,
    pub(crate) seed: u64,
    pub(crate) clock: Arc<dyn Clock>,
    /// The currency of fares and rates when the request names none.
    pub(crate) currency: String,
}

impl std::fmt::Debug for Offline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Offline").field("seed", &self.seed).finish_non_exhaustive()
    }
}

impl Offline {
    pub fn new(db: Db, seed: u64, clock: Arc<dyn Clock>, currency: impl Into<String>) -> Self {
        Self { db, seed, clock, currency: currency.into() }
    }
}

#[async_trait]
impl Provider for Offline {
    fn name(&self) -> &'static str {
        "offline"
    }

    async fn call(&self, request: &Request) -> Result<Value, ApiError> {
        use Operation::*;
        match request.op {
            FlightOffers
            | FlightPrice
            | FlightDestinations
            | FlightDates
            | SeatMaps
            | BrandedFares
            | FlightAvailabilities
            | FlightChoicePrediction
            | FlightOrderCreate
            | FlightOrder
            | FlightOrderCancel
            | PriceMetrics
            | MostTraveled
            | MostBooked
            | BusiestPeriod
            | AirlineDestinations
            | AirportDestinations
            | OnTime
            | DelayPrediction
            | FlightStatus
            | CheckinLinks
            | TripPurpose => air::call(self, request).await,
            HotelsByCity | HotelsByGeocode | HotelsByIds | HotelOffers | HotelOffer | HotelOrderCreate | Activities
            | ActivitiesBySquare | Activity | TransferOffers | TransferOrderCreate | TransferOrderCancel
            | Locations | AirportsNearest | Airlines | RecommendedLocations | HotelOrderCancel
            | ActivityOrderCreate | ActivityOrderCancel => ground::call(self, request).await,
        }
    }
}
