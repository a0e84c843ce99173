//! What a travel supplier is to us: something that answers Amadeus Self-Service operations.
//! Amadeus's request and response shapes are the lingua franca — the Amadeus adapter sends
//! them over HTTP, the offline supplier answers them from bundled data — so every voyage route,
//! and booking's cart and checkout, go through the same code whichever supplier a deployment
//! has. A [`Provider`] answers one [`Request`] with Amadeus's whole JSON body
//! (`{ data, meta?, dictionaries? }`), or an [`ApiError`] already in our envelope's terms.

use async_trait::async_trait;
use kernel::ApiError;
use serde_json::Value;

/// One Amadeus Self-Service operation, with the method and path it has at Amadeus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `GET /v2/shopping/flight-offers` (query: `originLocationCode`, `destinationLocationCode`,
    /// `departureDate`, `returnDate?`, `adults`, `children?`, `infants?`, `travelClass?`,
    /// `nonStop?`, `currencyCode?`, `maxPrice?`, `max?`, `includedAirlineCodes?`).
    FlightOffers,
    /// `POST /v1/shopping/flight-offers/pricing`, body `{ data: { type: "flight-offers-pricing",
    /// flightOffers: [offer] } }`.
    FlightPrice,
    /// `GET /v1/shopping/flight-destinations` (inspiration: `origin`, `departureDate?`,
    /// `oneWay?`, `duration?`, `nonStop?`, `maxPrice?`, `viewBy?`).
    FlightDestinations,
    /// `GET /v1/shopping/flight-dates` (cheapest dates: `origin`, `destination`, …).
    FlightDates,
    /// `POST /v1/shopping/seatmaps`, body `{ data: [offer] }`.
    SeatMaps,
    /// `POST /v1/shopping/flight-offers/upselling`, body `{ data: { type:
    /// "flight-offers-upselling", flightOffers: [offer] } }` (branded fares).
    BrandedFares,
    /// `POST /v1/shopping/availability/flight-availabilities`, body `{ originDestinations,
    /// travelers, sources }`.
    FlightAvailabilities,
    /// `POST /v2/shopping/flight-offers/prediction`, body: a flight-offers search result.
    FlightChoicePrediction,
    /// `POST /v1/booking/flight-orders`, body `{ data: { type: "flight-order", flightOffers:
    /// [priced offer], travelers: [...], contacts?: [...] } }`.
    FlightOrderCreate,
    /// `GET /v1/booking/flight-orders/{id}`.
    FlightOrder,
    /// `DELETE /v1/booking/flight-orders/{id}`.
    FlightOrderCancel,
    /// `GET /v1/reference-data/locations/hotels/by-city` (`cityCode`, `radius?`,
    /// `radiusUnit?`, `ratings?`, `amenities?`).
    HotelsByCity,
    /// `GET /v1/reference-data/locations/hotels/by-geocode` (`latitude`, `longitude`, …).
    HotelsByGeocode,
    /// `GET /v1/reference-data/locations/hotels/by-hotels` (`hotelIds`).
    HotelsByIds,
    /// `GET /v3/shopping/hotel-offers` (`hotelIds`, `checkInDate`, `checkOutDate`, `adults`,
    /// `roomQuantity?`, `currency?`, `lang?`, `priceRange?`, `boardType?`).
    HotelOffers,
    /// `GET /v3/shopping/hotel-offers/{offerId}`.
    HotelOffer,
    /// `POST /v2/booking/hotel-orders`, body `{ data: { type: "hotel-order", guests,
    /// travelAgent, roomAssociations, payment } }`.
    HotelOrderCreate,
    /// `GET /v1/shopping/activities` (`latitude`, `longitude`, `radius?`).
    Activities,
    /// `GET /v1/shopping/activities/by-square` (`north`, `west`, `south`, `east`).
    ActivitiesBySquare,
    /// `GET /v1/shopping/activities/{activityId}`.
    Activity,
    /// `POST /v1/shopping/transfer-offers`, body as Amadeus's transfer search.
    TransferOffers,
    /// `POST /v1/ordering/transfer-orders?offerId=…`, body `{ data: { note?, passengers,
    /// agency?, payment?, … } }`.
    TransferOrderCreate,
    /// `POST /v1/ordering/transfer-orders/{orderId}/transfers/cancellation?confirmNbr=…`.
    TransferOrderCancel,
    /// `GET /v1/reference-data/locations` (`keyword`, `subType`).
    Locations,
    /// `GET /v1/reference-data/locations/airports` (`latitude`, `longitude`, `radius?`,
    /// `page[limit]?`, `page[offset]?`, `sort?`).
    AirportsNearest,
    /// `GET /v1/reference-data/airlines` (`airlineCodes`).
    Airlines,
    /// `GET /v1/analytics/itinerary-price-metrics` (`originIataCode`,
    /// `destinationIataCode`, `departureDate`, `currencyCode?`, `oneWay?`).
    PriceMetrics,
    /// `GET /v1/travel/analytics/air-traffic/traveled` (`originCityCode`, `period`, `max?`).
    MostTraveled,
    /// `GET /v1/travel/analytics/air-traffic/booked` (`originCityCode`, `period`, `max?`).
    MostBooked,
    /// `GET /v1/travel/analytics/air-traffic/busiest-period` (`cityCode`, `period`,
    /// `direction?`).
    BusiestPeriod,
    /// `GET /v1/airline/destinations` (`airlineCode`, `max?`).
    AirlineDestinations,
    /// `GET /v1/airport/direct-destinations` (`departureAirportCode`, `max?`).
    AirportDestinations,
    /// `GET /v1/airport/predictions/on-time` (`airportCode`, `date`).
    OnTime,
    /// `GET /v1/travel/predictions/flight-delay` (`originLocationCode`, …, `flightNumber`,
    /// `duration`).
    DelayPrediction,
    /// `GET /v2/schedule/flights` (`carrierCode`, `flightNumber`, `scheduledDepartureDate`).
    FlightStatus,
    /// `GET /v2/reference-data/urls/checkin-links` (`airlineCode`, `language?`).
    CheckinLinks,
    /// `GET /v1/travel/predictions/trip-purpose` (`originLocationCode`,
    /// `destinationLocationCode`, `departureDate`, `returnDate`, `searchDate?`).
    TripPurpose,
    /// `GET /v1/reference-data/recommended-locations` (`cityCodes`,
    /// `travelerCountryCode?`, `destinationCountryCode?`).
    RecommendedLocations,
    /// Cancels a hotel order (`{id}` = the order's id). Amadeus Self-Service has no such API
    /// (its hotel bookings are cancelled with the hotel): only the offline supplier answers.
    HotelOrderCancel,
    /// Books an activity, body `{ data: { activityId, date (YYYY-MM-DD), participants,
    /// travelers: [...] } }`. Amadeus's activities are booked on the provider's site
    /// (`bookingLink`): only the offline supplier answers.
    ActivityOrderCreate,
    /// Cancels an activity order (`{id}`); offline only, as above.
    ActivityOrderCancel,
}

impl Operation {
    /// Every operation.
    pub const ALL: &'static [Operation] = {
        use Operation::*;
        &[
            FlightOffers,
            FlightPrice,
            FlightDestinations,
            FlightDates,
            SeatMaps,
            BrandedFares,
            FlightAvailabilities,
            FlightChoicePrediction,
            FlightOrderCreate,
            FlightOrder,
            FlightOrderCancel,
            HotelsByCity,
            HotelsByGeocode,
            HotelsByIds,
            HotelOffers,
            HotelOffer,
            HotelOrderCreate,
            Activities,
            ActivitiesBySquare,
            Activity,
            TransferOffers,
            TransferOrderCreate,
            TransferOrderCancel,
            Locations,
            AirportsNearest,
            Airlines,
            PriceMetrics,
            MostTraveled,
            MostBooked,
            BusiestPeriod,
            AirlineDestinations,
            AirportDestinations,
            OnTime,
            DelayPrediction,
            FlightStatus,
            CheckinLinks,
            TripPurpose,
            RecommendedLocations,
            HotelOrderCancel,
            ActivityOrderCreate,
            ActivityOrderCancel,
        ]
    };

    /// The HTTP method and path at Amadeus; `{id}` stands for [`Request::id`].
    pub fn route(self) -> (&'static str, &'static str) {
        use Operation::*;
        match self {
            FlightOffers => ("GET", "/v2/shopping/flight-offers"),
            FlightPrice => ("POST", "/v1/shopping/flight-offers/pricing"),
            FlightDestinations => ("GET", "/v1/shopping/flight-destinations"),
            FlightDates => ("GET", "/v1/shopping/flight-dates"),
            SeatMaps => ("POST", "/v1/shopping/seatmaps"),
            BrandedFares => ("POST", "/v1/shopping/flight-offers/upselling"),
            FlightAvailabilities => ("POST", "/v1/shopping/availability/flight-availabilities"),
            FlightChoicePrediction => ("POST", "/v2/shopping/flight-offers/prediction"),
            FlightOrderCreate => ("POST", "/v1/booking/flight-orders"),
            FlightOrder => ("GET", "/v1/booking/flight-orders/{id}"),
            FlightOrderCancel => ("DELETE", "/v1/booking/flight-orders/{id}"),
            HotelsByCity => ("GET", "/v1/reference-data/locations/hotels/by-city"),
            HotelsByGeocode => ("GET", "/v1/reference-data/locations/hotels/by-geocode"),
            HotelsByIds => ("GET", "/v1/reference-data/locations/hotels/by-hotels"),
            HotelOffers => ("GET", "/v3/shopping/hotel-offers"),
            HotelOffer => ("GET", "/v3/shopping/hotel-offers/{id}"),
            HotelOrderCreate => ("POST", "/v2/booking/hotel-orders"),
            Activities => ("GET", "/v1/shopping/activities"),
            ActivitiesBySquare => ("GET", "/v1/shopping/activities/by-square"),
            Activity => ("GET", "/v1/shopping/activities/{id}"),
            TransferOffers => ("POST", "/v1/shopping/transfer-offers"),
            TransferOrderCreate => ("POST", "/v1/ordering/transfer-orders"),
            TransferOrderCancel => ("POST", "/v1/ordering/transfer-orders/{id}/transfers/cancellation"),
            Locations => ("GET", "/v1/reference-data/locations"),
            AirportsNearest => ("GET", "/v1/reference-data/locations/airports"),
            Airlines => ("GET", "/v1/reference-data/airlines"),
            PriceMetrics => ("GET", "/v1/analytics/itinerary-price-metrics"),
            MostTraveled => ("GET", "/v1/travel/analytics/air-traffic/traveled"),
            MostBooked => ("GET", "/v1/travel/analytics/air-traffic/booked"),
            BusiestPeriod => ("GET", "/v1/travel/analytics/air-traffic/busiest-period"),
            AirlineDestinations => ("GET", "/v1/airline/destinations"),
            AirportDestinations => ("GET", "/v1/airport/direct-destinations"),
            OnTime => ("GET", "/v1/airport/predictions/on-time"),
            DelayPrediction => ("GET", "/v1/travel/predictions/flight-delay"),
            FlightStatus => ("GET", "/v2/schedule/flights"),
            CheckinLinks => ("GET", "/v2/reference-data/urls/checkin-links"),
            TripPurpose => ("GET", "/v1/travel/predictions/trip-purpose"),
            RecommendedLocations => ("GET", "/v1/reference-data/recommended-locations"),
            HotelOrderCancel => ("DELETE", "/v2/booking/hotel-orders/{id}"),
            ActivityOrderCreate => ("POST", "/v1/booking/activity-orders"),
            ActivityOrderCancel => ("DELETE", "/v1/booking/activity-orders/{id}"),
        }
    }

    /// Whether the answer may be reused for the same request a while (reference data,
    /// analytics, searches); orders and pricing never are.
    pub fn cacheable(self) -> Option<std::time::Duration> {
        use Operation::*;
        use std::time::Duration;
        match self {
            Locations | AirportsNearest | Airlines | HotelsByCity | HotelsByGeocode | HotelsByIds | CheckinLinks
            | AirlineDestinations | AirportDestinations => Some(Duration::from_secs(3600)),
            PriceMetrics | MostTraveled | MostBooked | BusiestPeriod | FlightDestinations | FlightDates
            | RecommendedLocations | TripPurpose => Some(Duration::from_secs(900)),
            Activities | ActivitiesBySquare | Activity | OnTime | DelayPrediction => Some(Duration::from_secs(600)),
            FlightOffers | HotelOffers | FlightStatus => Some(Duration::from_secs(120)),
            _ => None,
        }
    }

    /// Whether the operation changes something at the supplier (never retried blindly: only
    /// with the same idempotency key, and never cached).
    pub fn writes(self) -> bool {
        use Operation::*;
        matches!(
            self,
            FlightOrderCreate
                | FlightOrderCancel
                | HotelOrderCreate
                | HotelOrderCancel
                | TransferOrderCreate
                | TransferOrderCancel
                | ActivityOrderCreate
                | ActivityOrderCancel
        )
    }

    /// Operations Amadeus Self-Service does not offer (the offline supplier does): the Amadeus
    /// adapter answers them `422 not_offered_by_supplier` without calling anyone.
    pub fn offline_only(self) -> bool {
        use Operation::*;
        matches!(self, HotelOrderCancel | ActivityOrderCreate | ActivityOrderCancel)
    }
}

/// One call of an operation.
#[derive(Debug, Clone)]
pub struct Request {
    pub op: Operation,
    /// The path's `{id}`, for operations that have one.
    pub id: Option<String>,
    /// Query parameters, Amadeus's names.
    pub query: Vec<(String, String)>,
    pub body: Option<Value>,
    /// For writes: the same key makes a retry of the same order safe.
    pub key: Option<String>,
}

impl Request {
    pub fn new(op: Operation) -> Self {
        Self { op, id: None, query: Vec::new(), body: None, key: None }
    }

    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Adds a query parameter (skipped when `value` is `None`).
    pub fn param(mut self, name: &str, value: Option<impl ToString>) -> Self {
        if let Some(v) = value {
            self.query.push((name.to_owned(), v.to_string()));
        }
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// The first value of query parameter `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A travel supplier speaking Amadeus Self-Service.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// `offline` or `amadeus`: in logs, metrics and `meta.supplier`.
    fn name(&self) -> &'static str;

    /// Answers `request` with Amadeus's JSON body. Errors are ours: `400`/`404`/`409` with the
    /// field named for what the caller can fix, `503` with `Retry-After` when the supplier
    /// cannot be reached (never a 5xx of the supplier's leaking through).
    async fn call(&self, request: &Request) -> Result<Value, ApiError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_its_own_route() {
        let mut routes: Vec<(&str, &str)> = Operation::ALL.iter().map(|op| op.route()).collect();
        let count = routes.len();
        routes.sort_unstable();
        routes.dedup();
        assert_eq!(routes.len(), count, "two operations share a route");
        assert!(Operation::ALL.iter().filter(|op| op.offline_only()).all(|op| op.writes()));
    }
}
