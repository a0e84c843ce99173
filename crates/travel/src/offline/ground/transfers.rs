//! Airport transfers (Amadeus Transfer Search / Book / Management): one offer per vehicle that
//! fits the party, priced by the road distance from the airport to the destination (the city
//! centre when no geocode is given), with a fleet per airport, vehicle and hour. Offer ids are
//! the whole request, URL-safe base64 with a check, so an order needs only the id.

use chrono::{Duration, NaiveDateTime, TimeZone, Timelike};
use kernel::{ApiError, FieldError};
use serde_json::{Value, json};

use super::orders::{self, Hold};
use super::{
    Currency, Offline, amount, b64_decode, b64_encode, check, check_person, invalid, invalid_offer, text, unavailable,
};
use crate::offline::inventory;
use crate::offline::rng::Rng;
use crate::provider::Request;
use crate::reference::{self, PlaceKind, distance_km};

const KIND: &str = "transfer";

/// (transferType, vehicle code, category, description, seats, bags, EUR base, EUR per km,
/// priced per passenger, vehicles per airport and hour).
type Vehicle = (&'static str, &'static str, &'static str, &'static str, i64, i64, f64, f64, bool, i64);
const VEHICLES: &[Vehicle] = &[
    ("PRIVATE", "SED", "ST", "Standard sedan with driver", 3, 3, 28.0, 1.9, false, 12),
    ("PRIVATE", "VAN", "ST", "Minivan with driver", 7, 7, 40.0, 2.4, false, 8),
    ("PRIVATE", "LMS", "FC", "First-class limousine", 3, 3, 70.0, 3.6, false, 3),
    ("PRIVATE", "BUS", "ST", "Minibus with driver", 16, 16, 90.0, 3.8, false, 2),
    ("SHARED", "VAN", "ST", "Shared shuttle van", 8, 8, 10.0, 0.3, true, 6),
    ("TAXI", "CAR", "ST", "Licensed taxi", 4, 3, 7.5, 1.7, false, 20),
];
const TYPES: &[&str] = &["PRIVATE", "SHARED", "TAXI", "HOURLY", "AIRPORT_EXPRESS", "AIRPORT_BUS"];

/// A transfer offer: everything needed to price and book it again.
#[derive(Debug, Clone)]
struct Ride {
    airport: &'static reference::Airport,
    start: NaiveDateTime,
    vehicle: usize,
    passengers: i64,
    lat: f64,
    lon: f64,
    currency: Currency,
    line: String,
    city: String,
    country: String,
    zip: String,
}

fn clean(s: &str) -> String {
    s.replace('|', "/").chars().take(80).collect()
}

impl Ride {
    fn spec(&self) -> Vehicle {
        VEHICLES.get(self.vehicle).copied().unwrap_or(VEHICLES[0])
    }

    fn id(&self, seed: u64) -> String {
        let body = format!(
            "{}|{}|{}|{}|{:.5},{:.5}|{}|{}|{}|{}|{}",
            self.airport.iata,
            self.start.format("%Y%m%d%H%M"),
            self.vehicle,
            self.passengers,
            self.lat,
            self.lon,
            self.currency.code,
            clean(&self.line),
            clean(&self.city),
            clean(&self.country),
            clean(&self.zip),
        );
        let check = check(seed, &body);
        format!("OFT{}", b64_encode(format!("{body}|{check}").as_bytes()))
    }

    fn decode(seed: u64, id: &str) -> Option<Ride> {
        let bytes = b64_decode(id.trim().strip_prefix("OFT")?)?;
        let text = String::from_utf8(bytes).ok()?;
        let (body, sum) = text.rsplit_once('|')?;
        if check(seed, body) != sum {
            return None;
        }
        let f: Vec<&str> = body.split('|').collect();
        let [code, start, vehicle, passengers, geo, currency, line, city, country, zip] = f.as_slice() else {
            return None;
        };
        let (lat, lon) = geo.split_once(',')?;
        let vehicle: usize = vehicle.parse().ok()?;
        (vehicle < VEHICLES.len()).then_some(())?;
        Some(Ride {
            airport: reference::get().airport(code)?,
            start: NaiveDateTime::parse_from_str(start, "%Y%m%d%H%M").ok()?,
            vehicle,
            passengers: passengers.parse().ok()?,
            lat: lat.parse().ok()?,
            lon: lon.parse().ok()?,
            currency: Currency::parse(currency)?,
            line: (*line).to_owned(),
            city: (*city).to_owned(),
            country: (*country).to_owned(),
            zip: (*zip).to_owned(),
        })
    }

    fn road_km(&self) -> f64 {
        distance_km(self.airport.lat, self.airport.lon, self.lat, self.lon) * 1.3
    }

    fn hold(&self) -> Hold {
        let (kind, code, .., per_passenger, fleet) = self.spec();
        let seats = self.spec().4;
        let (capacity, count) = if per_passenger { (seats * fleet, self.passengers) } else { (fleet, 1) };
        let key = format!("T|{}|{kind}-{code}|{}", self.airport.iata, self.start.format("%Y-%m-%dT%H"));
        Hold { key, capacity, count }
    }

    /// The start as an instant, in the airport's zone.
    fn start_utc(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let zone: chrono_tz::Tz = self.airport.tz.parse().ok()?;
        zone.from_local_datetime(&self.start).earliest().map(|t| t.with_timezone(&chrono::Utc))
    }

    fn offer(&self, seed: u64) -> Value {
        let (kind, code, category, description, seats, bags, base, per_km, per_passenger, _) = self.spec();
        let km = self.road_km();
        let level = 0.9 + 0.25 * Rng::new(seed, &["transfers", &self.airport.iata]).unit();
        let night = if !per_passenger && (self.start.hour() >= 21 || self.start.hour() < 6) { 1.2 } else { 1.0 };
        let fare = (base + per_km * km) * level * night * if per_passenger { self.passengers as f64 } else { 1.0 };
        let total = self.currency.cents(fare);
        let tax = total - (total as f64 / 1.1).round() as i64;
        let speed = if km < 30.0 { 40.0 } else { 65.0 };
        let minutes = (km / speed * 60.0).round() as i64 + 10 + if per_passenger { 25 } else { 0 };
        let end = self.start + Duration::minutes(minutes);
        let cur = &self.currency.code;
        json!({
            "type": "transfer-offer",
            "id": self.id(seed),
            "transferType": kind,
            "start": {"dateTime": self.start.format("%Y-%m-%dT%H:%M:%S").to_string(), "locationCode": self.airport.iata},
            "end": {"dateTime": end.format("%Y-%m-%dT%H:%M:%S").to_string(),
                    "address": {"line": self.line, "zip": self.zip, "countryCode": self.country, "cityName": self.city,
                                "latitude": self.lat, "longitude": self.lon}},
            "duration": format!("PT{}H{}M", minutes / 60, minutes % 60),
            "vehicle": {"code": code, "category": category, "description": description,
                        "seats": [{"count": seats}], "baggages": [{"count": bags, "size": "M"}]},
            "serviceProvider": {"code": "OFL", "name": "Sojourn offline transfers"},
            "quotation": {"monetaryAmount": amount(total), "currencyCode": cur, "isEstimated": false,
                          "base": {"monetaryAmount": amount(total - tax)},
                          "taxes": [{"monetaryAmount": amount(tax), "code": "VAT", "rate": "10.00"}],
                          "totalTaxes": {"monetaryAmount": amount(tax)}},
            "cancellationRules": [
                {"ruleDescription": "Free cancellation up to 24 hours before pick-up", "feeType": "PERCENTAGE",
                 "feeValue": "0", "metricType": "HOURS", "metricMin": "24", "metricMax": "8760"},
                {"ruleDescription": "No refund within 24 hours of pick-up", "feeType": "PERCENTAGE",
                 "feeValue": "100", "metricType": "HOURS", "metricMin": "0", "metricMax": "24"},
            ],
            "methodsOfPaymentAccepted": ["CREDIT_CARD", "INVOICE"],
            "distance": {"value": km.round() as i64, "unit": "KM"},
        })
    }
}

/// The destination of a search: a geocode, an airport, or a city's centre.
fn destination(body: &Value) -> Result<(f64, f64, String, String, &'static str), ApiError> {
    let data = reference::get();
    if let Some(geo) = text(body, "endGeoCode") {
        let parsed =
            geo.split_once(',').and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)));
        return match parsed {
            Some((lat, lon)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {
                let city = text(body, "endCityName").unwrap_or_default().to_owned();
                let country = text(body, "endCountryCode").unwrap_or_default().to_ascii_uppercase();
                Ok((lat, lon, city, country, "endGeoCode"))
            }
            _ => Err(invalid("endGeoCode", "must be LATITUDE,LONGITUDE")),
        };
    }
    if let Some(code) = text(body, "endLocationCode") {
        let airport = data.airport(code).ok_or_else(|| invalid("endLocationCode", "is not a known airport"))?;
        return Ok((airport.lat, airport.lon, airport.city.clone(), airport.country.clone(), "endLocationCode"));
    }
    let Some(name) = text(body, "endCityName") else {
        return Err(invalid("endCityName", "endGeoCode, endLocationCode or endCityName is required"));
    };
    let country = text(body, "endCountryCode").map(str::to_ascii_uppercase);
    let city = data
        .search(name, &[PlaceKind::City], 10)
        .into_iter()
        .filter_map(|p| match p {
            reference::Place::City(c) => Some(c),
            reference::Place::Airport(_) => None,
        })
        .find(|c| country.as_deref().is_none_or(|k| c.country == k))
        .ok_or_else(|| invalid("endCityName", "is not a known city"))?;
    Ok((city.lat, city.lon, city.name.clone(), city.country.clone(), "endCityName"))
}

/// `POST /v1/shopping/transfer-offers`.
pub(super) async fn offers(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let body = request.body.clone().unwrap_or(Value::Null);
    let code =
        text(&body, "startLocationCode").ok_or_else(|| invalid("startLocationCode", "is required: an airport code"))?;
    let airport =
        reference::get().airport(code).ok_or_else(|| invalid("startLocationCode", "is not a known airport"))?;
    let start = text(&body, "startDateTime")
        .and_then(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok())
        .ok_or_else(|| invalid("startDateTime", "must be a local date-time YYYY-MM-DDTHH:MM:SS"))?;
    let passengers = match body.get("passengers") {
        None | Some(Value::Null) => 1,
        Some(v) => {
            v.as_i64().filter(|p| (1..=16).contains(p)).ok_or_else(|| invalid("passengers", "must be 1 to 16"))?
        }
    };
    let kind = text(&body, "transferType").map(str::to_ascii_uppercase);
    if kind.as_deref().is_some_and(|k| !TYPES.contains(&k)) {
        return Err(invalid("transferType", "must be PRIVATE, SHARED, TAXI, HOURLY, AIRPORT_EXPRESS or AIRPORT_BUS"));
    }
    let currency = match text(&body, "currency") {
        Some(c) => Currency::parse(c).ok_or_else(|| invalid("currency", "must be a supported currency code"))?,
        None => Currency::parse(&offline.currency).unwrap_or(Currency { code: "EUR".into(), per_eur: 1.0 }),
    };
    let (lat, lon, city, country, field) = destination(&body)?;
    if distance_km(airport.lat, airport.lon, lat, lon) > 250.0 {
        return Err(invalid(field, "is too far from the airport for a transfer (250 km at most)"));
    }
    let rides: Vec<Ride> = VEHICLES
        .iter()
        .enumerate()
        .filter(|(_, v)| kind.as_deref().is_none_or(|k| k == v.0) && v.4 >= passengers)
        .map(|(vehicle, _)| Ride {
            airport,
            start,
            vehicle,
            passengers,
            lat,
            lon,
            currency: currency.clone(),
            line: text(&body, "endAddressLine").unwrap_or_default().to_owned(),
            city: city.clone(),
            country: country.clone(),
            zip: text(&body, "endZipCode").unwrap_or_default().to_owned(),
        })
        .collect();
    if rides.first().and_then(Ride::start_utc).is_none_or(|t| t <= offline.clock.now()) && !rides.is_empty() {
        return Err(invalid("startDateTime", "must be in the future (airport local time)"));
    }
    let keys: Vec<String> = rides.iter().map(|r| r.hold().key).collect();
    let sold = inventory::sold(&offline.db, &keys).await?;
    let data: Vec<Value> = rides
        .iter()
        .filter(|r| {
            let hold = r.hold();
            sold.get(&hold.key).copied().unwrap_or(0) + hold.count <= hold.capacity
        })
        .map(|r| r.offer(offline.seed))
        .collect();
    Ok(json!({"data": data}))
}

/// `POST /v1/ordering/transfer-orders?offerId=…`.
pub(super) async fn order(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let offer_id = request.get("offerId").map(str::trim).filter(|s| !s.is_empty());
    let offer_id = offer_id.ok_or_else(|| invalid("offerId", "is required"))?;
    let ride = Ride::decode(offline.seed, offer_id).ok_or_else(|| invalid_offer("offerId"))?;
    let data = request.body.as_ref().and_then(|b| b.get("data")).filter(|d| d.is_object());
    let Some(data) = data else { return Err(invalid("data", "is required: { passengers: [...] }")) };
    let passengers = data.get("passengers").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut errors = Vec::new();
    if passengers.is_empty() {
        errors.push(FieldError::new("data.passengers", "at least one passenger is required"));
    }
    for (i, p) in passengers.iter().enumerate() {
        let email = p.pointer("/contacts/email").map(|_| "contacts.email");
        let phone = p.pointer("/contacts/phoneNumber").map(|_| "contacts.phoneNumber");
        check_person(p, &format!("data.passengers[{i}]"), ("firstName", "lastName"), email, phone, &mut errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if let Some(done) = orders::replay(offline, KIND, request.key.as_deref()).await? {
        return Ok(done);
    }
    if ride.start_utc().is_none_or(|t| t <= offline.clock.now()) {
        return Err(unavailable("This transfer's pick-up time has passed"));
    }
    let id = orders::new_id("OFTO");
    let mut transfer = ride.offer(offline.seed);
    if let Some(obj) = transfer.as_object_mut() {
        obj.remove("type");
        obj.remove("id");
        obj.insert("confirmNbr".into(), json!(orders::confirmation(8)));
        obj.insert("status".into(), json!("CONFIRMED"));
        obj.insert("offerId".into(), json!(offer_id));
        obj.insert("note".into(), data.get("note").cloned().unwrap_or(Value::Null));
        obj.insert("methodOfPayment".into(), json!(text(data, "payment").unwrap_or("CREDIT_CARD")));
    }
    let answer = json!({"data": {
        "type": "transfer-order",
        "id": id,
        "reference": orders::confirmation(10),
        "transfers": [transfer],
        "passengers": passengers,
    }});
    orders::place(offline, KIND, request.key.as_deref(), &id, &[ride.hold()], answer).await
}

/// `POST /v1/ordering/transfer-orders/{id}/transfers/cancellation?confirmNbr=…`.
pub(super) async fn cancel(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let id = request.id.as_deref().map(str::trim).unwrap_or_default();
    let confirm = request.get("confirmNbr").map(str::trim).filter(|s| !s.is_empty());
    let confirm = confirm.ok_or_else(|| invalid("confirmNbr", "is required"))?.to_owned();
    let order = orders::load(offline, KIND, id).await?.ok_or_else(|| ApiError::not_found("No such transfer order"))?;
    if order.pointer("/data/transfers/0/confirmNbr").and_then(Value::as_str) != Some(confirm.as_str()) {
        return Err(ApiError::not_found("No such transfer in this order")
            .with_details(vec![FieldError::new("confirmNbr", "is not a transfer of this order")]));
    }
    orders::cancel(offline, KIND, id, |answer| {
        if let Some(t) = answer.pointer_mut("/data/transfers/0") {
            t["status"] = json!("CANCELLED");
        }
    })
    .await?;
    Ok(json!({"data": {"confirmNbr": confirm, "reservationStatus": "CANCELLED"}}))
}
