//! A fake Amadeus with a fixed backend, and an adapter pointed at it.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use kernel::{ApiError, FieldError};
use platform::config::AmadeusConfig;
use platform::secrets::Secret;
use serde_json::{Value, json};
use travel::amadeus::Amadeus;
use travel::amadeus::fake::FakeAmadeus;
use travel::provider::{Operation, Provider, Request};

pub const CLIENT_ID: &str = "sojourn-test-app";
pub const CLIENT_SECRET: &str = "amadeus-client-secret-for-tests-0123456789";

/// Answers a few operations with fixed JSON in Amadeus's shapes, and remembers what it was asked.
#[derive(Default)]
pub struct Backend {
    pub seen: Mutex<Vec<Request>>,
}

impl Backend {
    pub fn seen(&self) -> Vec<Request> {
        self.seen.lock().unwrap().clone()
    }
}

fn flight_offer(id: &str) -> Value {
    json!({
        "type": "flight-offer", "id": id, "source": "GDS", "instantTicketingRequired": false,
        "numberOfBookableSeats": 4, "lastTicketingDate": "2031-03-01",
        "itineraries": [{ "duration": "PT2H5M", "segments": [{
            "departure": { "iataCode": "LYS", "at": "2031-03-02T07:10:00" },
            "arrival": { "iataCode": "LIS", "at": "2031-03-02T08:15:00" },
            "carrierCode": "ZZ", "number": "4410", "aircraft": { "code": "320" },
            "duration": "PT2H5M", "id": "1", "numberOfStops": 0 }] }],
        "price": { "currency": "EUR", "total": "118.60", "base": "80.00", "grandTotal": "118.60" },
        "validatingAirlineCodes": ["ZZ"],
        "travelerPricings": [{ "travelerId": "1", "fareOption": "STANDARD", "travelerType": "ADULT",
            "price": { "currency": "EUR", "total": "118.60", "base": "80.00" } }]
    })
}

#[async_trait]
impl Provider for Backend {
    fn name(&self) -> &'static str {
        "test"
    }

    async fn call(&self, request: &Request) -> Result<Value, ApiError> {
        self.seen.lock().unwrap().push(request.clone());
        use Operation::*;
        match request.op {
            Locations => Ok(json!({
                "meta": { "count": 1 },
                "data": [{ "type": "location", "subType": "CITY", "name": "SAMPLE CITY", "iataCode": "SMC",
                           "address": { "cityName": "SAMPLE CITY", "countryCode": "ZZ" },
                           "geoCode": { "latitude": 45.5, "longitude": 4.75 } }]
            })),
            AirportsNearest => Ok(json!({
                "meta": { "count": 1 },
                "data": [{ "type": "location", "subType": "AIRPORT", "name": "SAMPLE FIELD", "iataCode": "SMF",
                           "distance": { "value": 12, "unit": "KM" } }]
            })),
            Airlines => Ok(json!({ "data": [{ "type": "airline", "iataCode": "ZZ", "businessName": "SAMPLE AIR" }] })),
            FlightOffers => match request.get("departureDate") {
                Some("2031-13-40") => {
                    Err(ApiError::validation(vec![FieldError::new("departureDate", "is not a date")]))
                }
                _ => Ok(json!({ "meta": { "count": 1 }, "data": [flight_offer("1")],
                                "dictionaries": { "carriers": { "ZZ": "SAMPLE AIR" } } })),
            },
            FlightPrice => {
                let offer = request.body.as_ref().and_then(|b| b.pointer("/data/flightOffers/0")).cloned();
                Ok(json!({ "data": { "type": "flight-offers-pricing", "flightOffers": [offer] } }))
            }
            FlightOrderCreate => {
                let offer_id = request.body.as_ref().and_then(|b| b.pointer("/data/flightOffers/0/id"));
                match offer_id.and_then(Value::as_str) {
                    Some("gone") => Err(ApiError::new(409, "offer_unavailable", "No seat left at this fare")),
                    Some("repriced") => Err(ApiError::new(422, "price_changed", "The fare changed")),
                    _ => Ok(json!({ "data": { "type": "flight-order", "id": "ORDER-1",
                                "associatedRecords": [{ "reference": "QZ7K2M", "originSystemCode": "GDS" }],
                                "flightOffers": [flight_offer("1")] } })),
                }
            }
            FlightOrder | FlightOrderCancel => match request.id.as_deref() {
                Some("ORDER-1") => Ok(json!({ "data": { "type": "flight-order", "id": "ORDER-1" } })),
                _ => Err(ApiError::not_found("No such flight order")),
            },
            Activity => Ok(json!({ "data": { "type": "activity", "id": request.id, "name": "Old town walk" } })),
            TransferOrderCreate => Ok(json!({ "data": { "type": "transfer-order", "id": "T-1",
                "transfers": [{ "confirmNbr": "C-77", "offerId": request.get("offerId") }] } })),
            TransferOrderCancel => {
                Ok(json!({ "data": { "confirmNbr": request.get("confirmNbr"), "status": "CANCELLED" } }))
            }
            _ => Ok(json!({ "data": [] })),
        }
    }
}

pub struct Setup {
    pub fake: FakeAmadeus,
    pub amadeus: Arc<Amadeus>,
    pub backend: Arc<Backend>,
}

pub fn config(url: &str) -> AmadeusConfig {
    AmadeusConfig {
        base_url: url.to_owned(),
        client_id: Some(CLIENT_ID.into()),
        timeout_secs: 1,
        max_attempts: 3,
        breaker_failures: 5,
        breaker_open_secs: 1,
        cache_entries: 100,
    }
}

pub async fn setup() -> Setup {
    setup_with(|_| {}).await
}

/// A fake and an adapter configured by `configure` (from [`config`]).
pub async fn setup_with(configure: impl FnOnce(&mut AmadeusConfig)) -> Setup {
    let backend = Arc::new(Backend::default());
    let fake = FakeAmadeus::start(backend.clone(), CLIENT_ID, CLIENT_SECRET).await.unwrap();
    let mut config = config(&fake.url);
    configure(&mut config);
    let amadeus = Arc::new(Amadeus::new(&config, Secret::new(CLIENT_SECRET)).unwrap());
    Setup { fake, amadeus, backend }
}

pub fn locations(keyword: &str) -> Request {
    Request::new(Operation::Locations).param("subType", Some("CITY,AIRPORT")).param("keyword", Some(keyword))
}

pub fn flight_offers() -> Request {
    Request::new(Operation::FlightOffers)
        .param("originLocationCode", Some("LYS"))
        .param("destinationLocationCode", Some("LIS"))
        .param("departureDate", Some("2031-03-02"))
        .param("adults", Some(1))
}

pub fn pricing() -> Request {
    Request::new(Operation::FlightPrice)
        .body(json!({ "data": { "type": "flight-offers-pricing", "flightOffers": [flight_offer("1")] } }))
}

pub fn order(offer_id: &str) -> Request {
    Request::new(Operation::FlightOrderCreate).body(json!({ "data": { "type": "flight-order",
        "flightOffers": [flight_offer(offer_id)],
        "travelers": [{ "id": "1", "dateOfBirth": "1990-04-12",
                        "name": { "firstName": "ADA", "lastName": "SAMPLE" } }] } }))
}
