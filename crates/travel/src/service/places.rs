//! Airports, cities and airlines from the bundled reference data (whatever the supplier: no
//! call, no quota, no latency for a keystroke), and the route and punctuality questions the
//! supplier answers.

use kernel::ApiError;
use serde_json::{Value, json};

use super::params::invalid;
use super::{Params, Travel, data_list, text};
use crate::provider::{Operation, Request};
use crate::reference::{self, Airport, City, Place, PlaceKind};

/// A location item in both DreamScape's shape and Amadeus's (`geoCode`, `address.cityName`).
pub fn location(place: &Place<'_>) -> Value {
    let data = reference::get();
    match place {
        Place::Airport(a) => airport(a),
        Place::City(c) => {
            let country = data.country_name(&c.country).unwrap_or_default();
            json!({ "type": "CITY", "subType": "CITY", "id": format!("C{}", c.code), "iataCode": c.code,
                    "cityCode": c.code, "name": c.name, "detailedName": format!("{}, {}", c.name, country),
                    "country": c.country, "coordinates": { "latitude": c.lat, "longitude": c.lon },
                    "geoCode": { "latitude": c.lat, "longitude": c.lon }, "timeZone": c.tz,
                    "address": { "cityName": c.name, "cityCode": c.code, "countryName": country, "countryCode": c.country },
                    "airports": data.airports_of(c).map(|a| a.iata.clone()).collect::<Vec<_>>() })
        }
    }
}

fn airport(a: &Airport) -> Value {
    let data = reference::get();
    let country = data.country_name(&a.country).unwrap_or_default();
    let city: Option<&City> = data.city_of(a);
    let city_name = city.map_or(a.city.as_str(), |c| c.name.as_str());
    json!({ "type": "AIRPORT", "subType": "AIRPORT", "id": format!("A{}", a.iata), "iataCode": a.iata,
            "icaoCode": a.icao, "cityCode": a.city_code, "name": a.name,
            "detailedName": format!("{}, {} ({})", city_name, country, a.name), "country": a.country,
            "coordinates": { "latitude": a.lat, "longitude": a.lon }, "geoCode": { "latitude": a.lat, "longitude": a.lon },
            "timeZone": a.tz, "address": { "cityName": city_name, "cityCode": a.city_code, "countryName": country,
                                           "countryCode": a.country, "stateCode": a.subdivision } })
}

/// An airline as Amadeus describes it.
fn airline(a: &reference::Airline) -> Value {
    json!({ "type": "airline", "iataCode": a.iata, "icaoCode": a.icao, "businessName": a.name,
            "commonName": a.common_name, "country": a.country, "hubs": a.hubs })
}

impl Travel {
    /// `GET /locations/search` (`keyword`, `subType` `AIRPORT`|`CITY`, else both) and
    /// `/locations/airports` (airports only).
    pub fn search_locations(&self, p: &Params, airports_only: bool) -> Result<Value, ApiError> {
        p.require(&["keyword"], "Missing required parameter: keyword")?;
        let keyword = p.text("keyword", 64)?.unwrap_or_default();
        let kinds = match (airports_only, p.get("subType").map(str::to_ascii_uppercase).as_deref()) {
            (true, _) | (false, Some("AIRPORT")) => vec![PlaceKind::Airport],
            (false, Some("CITY")) => vec![PlaceKind::City],
            _ => vec![PlaceKind::City, PlaceKind::Airport],
        };
        let limit = usize::try_from(p.int("limit", 1, 100, 20)?).unwrap_or(20);
        let data: Vec<Value> = reference::get().search(&keyword, &kinds, limit).iter().map(location).collect();
        Ok(json!({ "data": data, "meta": { "count": data.len() } }))
    }

    /// `GET /airports/nearest`.
    pub fn nearest_airports(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["latitude", "longitude"], "Missing required parameters: latitude, longitude")?;
        let lat = p.number("latitude", -90.0, 90.0)?.unwrap_or_default();
        let lon = p.number("longitude", -180.0, 180.0)?.unwrap_or_default();
        let radius = p.int("radius", 1, 2_000, 500)?;
        let limit = usize::try_from(p.int("limit", 1, 100, 10)?).unwrap_or(10);
        let offset = usize::try_from(p.int("offset", 0, 10_000, 0)?).unwrap_or(0);
        let data = reference::get();
        let all = match p
            .choice("sort", &["RELEVANCE", "DISTANCE", "ANALYTICS.TRAVELERS.SCORE", "ANALYTICS.FLIGHTS.SCORE"])?
            .as_deref()
        {
            Some("DISTANCE") => data.nearest(lat, lon, radius as f64, offset + limit),
            _ => data.relevant_near(lat, lon, radius as f64, offset + limit),
        };
        let data: Vec<Value> = all
            .iter()
            .skip(offset)
            .map(|(a, km)| {
                let mut item = airport(a);
                item["distance"] = json!({ "value": km.round() as i64, "unit": "KM" });
                item
            })
            .collect();
        Ok(json!({ "data": data, "meta": { "count": data.len() } }))
    }

    /// `GET /airlines/lookup` (`airlineCodes`, `IATACode` or `ICAOCode`, comma-separated):
    /// every airline without codes (no `meta`, as DreamScape).
    pub fn lookup_airlines(&self, p: &Params) -> Result<Value, ApiError> {
        let data = reference::get();
        let codes = p.get("airlineCodes").or_else(|| p.get("IATACode")).or_else(|| p.get("ICAOCode"));
        let Some(codes) = codes else {
            return Ok(json!({ "data": data.airlines().iter().map(airline).collect::<Vec<_>>() }));
        };
        if codes.len() > 512 {
            return Err(invalid("airlineCodes", "must be at most 512 characters"));
        }
        let found: Vec<Value> = codes.split(',').filter_map(|c| data.airline(c)).map(airline).collect();
        Ok(json!({ "data": found, "meta": { "count": found.len() } }))
    }

    /// `GET /airlines/routes`: the destinations an airline flies to, as `{destination, market}`
    /// beside Amadeus's location fields.
    pub async fn airline_routes(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["airlineCode"], "Missing required parameter: airlineCode")?;
        let code = p.get("airlineCode").unwrap_or_default().to_ascii_uppercase();
        let Some(carrier) = reference::get().airline(&code) else {
            return Err(invalid("airlineCode", "is not a known airline"));
        };
        let request = Request::new(Operation::AirlineDestinations)
            .param("airlineCode", Some(&carrier.iata))
            .param("max", Some(p.int("max", 1, 200, 20)?));
        Ok(routes(&self.ask(request).await?))
    }

    /// `GET /airports/routes`: direct destinations from an airport.
    pub async fn airport_routes(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["departureAirportCode"], "Missing required parameter: departureAirportCode")?;
        let code = known_airport(p, "departureAirportCode")?;
        let request = Request::new(Operation::AirportDestinations)
            .param("departureAirportCode", Some(code))
            .param("max", Some(p.int("max", 1, 200, 20)?));
        Ok(routes(&self.ask(request).await?))
    }

    /// `GET /airports/on-time-performance`: `{onTime, delayed, cancelled, date}` in percent
    /// (what the client reads), from the supplier's on-time probability.
    pub async fn on_time(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["airportCode", "date"], "Missing required parameters: airportCode, date")?;
        let code = known_airport(p, "airportCode")?;
        let date = p.date("date")?;
        let request = Request::new(Operation::OnTime).param("airportCode", Some(&code)).param("date", date);
        let answer = self.ask(request).await?;
        let probability = super::amount(&answer, "/data/probability").unwrap_or(0.0).clamp(0.0, 1.0);
        let on_time = (probability * 1000.0).round() / 10.0;
        // What is not on time is mostly late; about one flight in fifty of those is cancelled.
        let cancelled = ((100.0 - on_time) * 0.02 * 10.0).round() / 10.0;
        let delayed = ((100.0 - on_time - cancelled) * 10.0).round() / 10.0;
        Ok(json!({ "data": { "airportCode": code, "date": date, "onTime": on_time, "delayed": delayed,
                             "cancelled": cancelled, "prediction": answer.get("data") } }))
    }
}

fn known_airport(p: &Params, name: &str) -> Result<String, ApiError> {
    let raw = p.get(name).unwrap_or_default();
    match reference::get().airport(raw) {
        Some(a) => Ok(a.iata.clone()),
        None => Err(invalid(name, "is not a known airport code")),
    }
}

fn routes(answer: &Value) -> Value {
    let data: Vec<Value> = data_list(answer)
        .into_iter()
        .map(|mut d| {
            let code = text(&d, "/iataCode").to_owned();
            let market = reference::get().city(&code).map(|c| c.country.clone());
            d["destination"] = json!(code);
            d["market"] = json!(market);
            d
        })
        .collect();
    json!({ "data": data, "meta": { "count": data.len() } })
}
