//! Activities (around a point or in a square) and transfers (from an airport to an address),
//! in the shapes DreamScape's activity pages and transfer screen read.

use kernel::ApiError;
use serde_json::{Value, json};

use super::params::invalid;
use super::{Params, Travel, data_list, text};
use crate::provider::{Operation, Request};

const TRANSFER_TYPES: [&str; 7] =
    ["PRIVATE", "SHARED", "TAXI", "HOURLY", "AIRPORT_EXPRESS", "AIRPORT_BUS", "HELICOPTER"];

impl Travel {
    /// `GET /activities/search`: `latitude`+`longitude` (`radius` km, default 1) or
    /// `north`,`west`,`south`,`east`.
    pub async fn search_activities(&self, p: &Params) -> Result<Value, ApiError> {
        let lat = p.number("latitude", -90.0, 90.0)?;
        let lon = p.number("longitude", -180.0, 180.0)?;
        let request = if let (Some(lat), Some(lon)) = (lat, lon) {
            Request::new(Operation::Activities)
                .param("latitude", Some(lat))
                .param("longitude", Some(lon))
                .param("radius", Some(p.int("radius", 0, 20, 1)?))
        } else {
            let north = p.number("north", -90.0, 90.0)?;
            let south = p.number("south", -90.0, 90.0)?;
            let west = p.number("west", -180.0, 180.0)?;
            let east = p.number("east", -180.0, 180.0)?;
            let (Some(north), Some(west), Some(south), Some(east)) = (north, west, south, east) else {
                return Err(ApiError::new(
                    400,
                    "validation_failed",
                    "Either latitude/longitude or north/west/south/east coordinates are required",
                )
                .with_details(vec![kernel::FieldError::new(
                    "latitude",
                    "or north, west, south and east are required",
                )]));
            };
            if south > north {
                return Err(invalid("south", "must not be north of north"));
            }
            Request::new(Operation::ActivitiesBySquare)
                .param("north", Some(north))
                .param("west", Some(west))
                .param("south", Some(south))
                .param("east", Some(east))
        };
        let place = p.text("locationName", 128)?;
        let answer = self.ask(request).await?;
        let data: Vec<Value> = data_list(&answer).iter().map(|a| activity(a, place.as_deref())).collect();
        Ok(json!({ "data": data, "meta": { "count": data.len(), "supplier": self.provider.name() } }))
    }

    /// `GET /activities/{id}` and `/activities/details/{id}`: the whole activity (price,
    /// availability, booking information and location always present).
    pub async fn activity(&self, id: &str) -> Result<Value, ApiError> {
        if id.is_empty() || id.len() > 128 || !id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
            return Err(ApiError::not_found("Activity not found"));
        }
        let answer = match self.ask(Request::new(Operation::Activity).id(id)).await {
            Err(e) if e.status == 400 => return Err(ApiError::not_found("Activity not found")),
            other => other?,
        };
        match answer.get("data").filter(|d| d.is_object()) {
            Some(a) => Ok(
                json!({ "data": activity(a, None), "meta": answer.get("meta").cloned().unwrap_or_else(|| json!({})) }),
            ),
            None => Err(ApiError::not_found("Activity not found")),
        }
    }

    /// `GET /transfers/search`.
    pub async fn search_transfers(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["startDateTime", "passengers"], "Missing required parameters: startDateTime, passengers")?;
        let start = p.get("startDateTime").unwrap_or_default();
        let at = chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| chrono::NaiveDateTime::parse_from_str(start, "%Y-%m-%dT%H:%M"))
            .map_err(|_| invalid("startDateTime", "must be a local date and time YYYY-MM-DDTHH:MM"))?;
        if at.date() < self.today() {
            return Err(invalid("startDateTime", "must not be in the past"));
        }
        let passengers = p.int("passengers", 1, 50, 1)?;
        let mut body = json!({ "startDateTime": at.format("%Y-%m-%dT%H:%M:%S").to_string(), "passengers": passengers });
        if let Some(t) = p.choice("transferType", &TRANSFER_TYPES)? {
            body["transferType"] = json!(t);
        }
        for name in ["startLocationCode", "endLocationCode"] {
            if p.get(name).is_some() {
                let code = p.place(name)?;
                body[name] = json!(code);
            }
        }
        for (name, max) in [
            ("startAddressLine", 200),
            ("startCityName", 100),
            ("startZipCode", 20),
            ("endAddressLine", 200),
            ("endCityName", 100),
            ("endZipCode", 20),
            ("endName", 100),
        ] {
            if let Some(v) = p.text(name, max)? {
                body[name] = json!(v);
            }
        }
        for name in ["startCountryCode", "endCountryCode"] {
            if let Some(v) = p.get(name) {
                let code = kernel::country_code(v).ok_or_else(|| invalid(name, "must be an ISO country code"))?;
                body[name] = json!(code);
            }
        }
        if let Some(geo) = p.text("endGeoCode", 40)? {
            body["endGeoCode"] = json!(geo);
        }
        if body.get("startLocationCode").is_none() && body.get("startAddressLine").is_none() {
            return Err(invalid("startLocationCode", "or startAddressLine is required"));
        }
        if body.get("endLocationCode").is_none()
            && body.get("endAddressLine").is_none()
            && body.get("endGeoCode").is_none()
        {
            return Err(invalid("endAddressLine", "or endLocationCode is required"));
        }
        let answer = self.ask(Request::new(Operation::TransferOffers).body(body)).await?;
        let data: Vec<Value> = data_list(&answer).into_iter().map(transfer).collect();
        Ok(json!({ "data": data, "meta": { "count": data.len() } }))
    }
}

/// An Amadeus activity as DreamScape's simplified activity, Amadeus's fields kept.
pub fn activity(a: &Value, place: Option<&str>) -> Value {
    let amount = super::amount(a, "/price/amount");
    let currency = a.pointer("/price/currencyCode").and_then(Value::as_str).unwrap_or("EUR").to_owned();
    let pictures: Vec<Value> = a.get("pictures").and_then(Value::as_array).cloned().unwrap_or_default();
    let lat = a.pointer("/geoCode/latitude").cloned().unwrap_or(Value::Null);
    let lon = a.pointer("/geoCode/longitude").cloned().unwrap_or(Value::Null);
    let location_name = a
        .pointer("/location/name")
        .and_then(Value::as_str)
        .or(place)
        .or_else(|| a.get("city").and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    let free_cancellation = a.get("freeCancellation").and_then(Value::as_bool).unwrap_or(false);
    let mut out = a.clone();
    let extra = json!({
        "shortDescription": a.get("shortDescription").cloned().unwrap_or_else(|| json!(text(a, "/name"))),
        "description": a.get("description").cloned().unwrap_or_else(|| json!("")),
        "location": { "name": location_name, "address": a.pointer("/address/line").cloned().unwrap_or_else(|| json!(location_name)),
                      "coordinates": { "latitude": lat, "longitude": lon } },
        "rating": super::amount(a, "/rating"),
        "reviewCount": a.get("reviewCount").cloned().unwrap_or(json!(0)),
        "duration": a.get("minimumDuration").cloned().unwrap_or(Value::Null),
        "groupSize": a.get("groupSize").cloned().unwrap_or(Value::Null),
        "images": pictures,
        "category": a.get("category").cloned().unwrap_or(Value::Null),
        "tags": a.get("tags").cloned().unwrap_or_else(|| json!([])),
        "highlights": a.get("highlights").cloned().unwrap_or_else(|| json!([])),
        "includes": a.get("includes").cloned().unwrap_or_else(|| json!([])),
        "excludes": a.get("excludes").cloned().unwrap_or_else(|| json!([])),
        "meetingPoint": a.get("meetingPoint").cloned().unwrap_or_else(|| json!(location_name)),
        "languages": a.get("languages").cloned().unwrap_or_else(|| json!([])),
        "difficulty": a.get("difficulty").cloned().unwrap_or(Value::Null),
        "ageRestriction": a.get("ageRestriction").cloned().unwrap_or(Value::Null),
        "availability": { "available": true, "nextAvailable": a.get("nextAvailable").cloned().unwrap_or(Value::Null),
                          "schedule": a.get("schedule").cloned().unwrap_or_else(|| json!([])) },
        "bookingInfo": { "instantConfirmation": true, "freeCancellation": free_cancellation,
                         "cancellationPolicy": a.get("cancellationPolicy").cloned().unwrap_or(Value::Null),
                         "voucherInfo": "Mobile or printed voucher" },
        "reviews": [],
    });
    if let (Some(target), Some(extra)) = (out.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            target.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    // The client reads `price.{amount (number), currency, currencyCode, formatted}`.
    out["price"] = json!({ "amount": amount, "currency": currency, "currencyCode": currency,
                           "formatted": amount.map(|a| format!("{a:.2} {currency}")) });
    out
}

/// An Amadeus transfer offer with `vehicle.seats` and `vehicle.baggages` as the one object the
/// client reads (`seats.count`).
fn transfer(mut offer: Value) -> Value {
    for key in ["seats", "baggages"] {
        if let Some(vehicle) = offer.get_mut("vehicle") {
            let count: i64 = vehicle
                .get(key)
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(|x| x.get("count").and_then(Value::as_i64)).sum())
                .unwrap_or(0);
            vehicle[format!("{key}List")] = vehicle.get(key).cloned().unwrap_or_else(|| json!([]));
            vehicle[key] = json!({ "count": count });
        }
    }
    offer
}
