//! Flights: search (Amadeus flight offers, with the simplified fields DreamScape's booking
//! flow also reads), pricing, seat maps, branded fares, availability, and the insight routes
//! (price analysis, inspiration, cheapest dates, status, delay, traffic analytics).

use kernel::ApiError;
use serde_json::{Value, json};

use super::params::invalid;
use super::{Params, Travel, data_list, text};
use crate::provider::{Operation, Request};
use crate::reference;

const CABINS: [&str; 4] = ["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"];

impl Travel {
    /// `GET /flights/search`.
    pub async fn search_flights(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(
            &["originLocationCode", "destinationLocationCode", "departureDate"],
            "Missing required parameters: originLocationCode, destinationLocationCode, departureDate",
        )?;
        let origin = p.place("originLocationCode")?;
        let destination = p.place("destinationLocationCode")?;
        if origin.is_some() && origin == destination {
            return Err(invalid("destinationLocationCode", "must differ from the origin"));
        }
        let today = self.today();
        let departure = p.future_date("departureDate", today)?;
        let back = p.future_date("returnDate", today)?;
        if let (Some(d), Some(r)) = (departure, back)
            && r < d
        {
            return Err(invalid("returnDate", "must not be before departureDate"));
        }
        let adults = p.int("adults", 1, 9, 1)?;
        let children = p.int("children", 0, 8, 0)?;
        let infants = p.int("infants", 0, 9, 0)?;
        if adults + children > 9 {
            return Err(invalid("children", "adults and children together are at most 9"));
        }
        if infants > adults {
            return Err(invalid("infants", "must not outnumber adults (each infant travels on an adult's lap)"));
        }
        let cabin = p.choice("travelClass", &CABINS)?;
        let non_stop = p.flag("nonStop")?;
        let max_price = p.opt_int("maxPrice", 1, 1_000_000)?;
        let max = p.int("max", 1, 250, 250)?;
        let currency = p.currency("currencyCode")?.unwrap_or_else(|| self.currency.clone());
        let request = Request::new(Operation::FlightOffers)
            .param("originLocationCode", origin)
            .param("destinationLocationCode", destination)
            .param("departureDate", departure)
            .param("returnDate", back)
            .param("adults", Some(adults))
            .param("children", (children > 0).then_some(children))
            .param("infants", (infants > 0).then_some(infants))
            .param("travelClass", cabin)
            .param("nonStop", non_stop)
            .param("currencyCode", Some(currency))
            .param("maxPrice", max_price)
            .param("max", Some(max));
        let mut answer = self.ask(request).await?;
        let dictionaries = answer.get_mut("dictionaries").map_or_else(|| json!({}), Value::take);
        let offers: Vec<Value> = super::take_list(&mut answer)
            .into_iter()
            .filter(has_segments)
            .filter(|o| max_price.is_none_or(|m| super::amount(o, "/price/total").is_some_and(|t| t <= m as f64)))
            .map(|o| decorate(o, &dictionaries))
            .collect();
        Ok(json!({ "data": offers, "meta": { "count": offers.len(), "supplier": self.provider.name() },
                   "dictionaries": dictionaries }))
    }

    /// `POST /flights/offers/pricing`: the offers as the supplier prices them now. Takes
    /// Amadeus's body, `{ flightOffers }` or one offer.
    pub async fn price_flights(&self, body: &Value) -> Result<Value, ApiError> {
        let offers = offers_of(body)?;
        let body = json!({ "data": { "type": "flight-offers-pricing", "flightOffers": offers } });
        let mut answer = self.ask(Request::new(Operation::FlightPrice).body(body)).await?;
        if let Some(list) = answer.pointer_mut("/data/flightOffers").and_then(Value::as_array_mut) {
            let priced: Vec<Value> = list.drain(..).map(|o| decorate(o, &json!({}))).collect();
            *list = priced;
        }
        Ok(answer)
    }

    /// `GET /flights/seatmap`: a seat map per segment, each with its first deck also as `deck`
    /// and each seat's price and availability where the client reads them.
    pub async fn seatmap(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["flightOfferId"], "Missing required parameter: flightOfferId")?;
        let id = offer_id(p, "flightOfferId")?;
        let body = json!({ "data": [{ "type": "flight-offer", "id": id }] });
        let answer = self.ask(Request::new(Operation::SeatMaps).body(body)).await?;
        let maps: Vec<Value> = data_list(&answer).into_iter().map(client_seatmap).collect();
        Ok(json!({ "data": maps, "meta": { "count": maps.len() } }))
    }

    /// `GET /flights/branded-fares`.
    pub async fn branded_fares(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["flightOfferId"], "Missing required parameter: flightOfferId")?;
        let id = offer_id(p, "flightOfferId")?;
        let body = json!({ "data": { "type": "flight-offers-upselling", "flightOffers": [{ "type": "flight-offer", "id": id }] } });
        self.ask(Request::new(Operation::BrandedFares).body(body)).await
    }

    /// `POST /flights/availabilities`.
    pub async fn availabilities(&self, body: &Value) -> Result<Value, ApiError> {
        let missing: Vec<&str> = ["originDestinations", "travelers", "sources"]
            .into_iter()
            .filter(|k| body.get(k).is_none_or(|v| v.as_array().is_none_or(Vec::is_empty)))
            .collect();
        if !missing.is_empty() {
            let details =
                missing.iter().map(|m| kernel::FieldError::new(*m, "is required (a non-empty array)")).collect();
            return Err(ApiError::new(
                400,
                "validation_failed",
                "Missing required parameters: originDestinations, travelers, sources",
            )
            .with_details(details));
        }
        self.ask(Request::new(Operation::FlightAvailabilities).body(body.clone())).await
    }

    /// `POST /flights/choice-prediction`: a flight-offers search result, each offer with its
    /// `choiceProbability`.
    pub async fn choice_prediction(&self, body: &Value) -> Result<Value, ApiError> {
        let offers = body.get("data").filter(|d| d.is_array()).cloned().unwrap_or_else(|| json!(offers_of(body).ok()));
        if offers.as_array().is_none_or(Vec::is_empty) {
            return Err(invalid("data", "must be the flight offers of a search"));
        }
        self.ask(Request::new(Operation::FlightChoicePrediction).body(json!({ "data": offers }))).await
    }

    /// `GET /flights/price-analysis`: Amadeus's quartiles, and first the summary the client
    /// reads (`priceMetrics[0].quartileRanking.{mean, minimum, first, median, third, maximum,
    /// position}`).
    pub async fn price_analysis(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(
            &["originIataCode", "destinationIataCode", "departureDate"],
            "Missing required parameters: originIataCode, destinationIataCode, departureDate",
        )?;
        let request = Request::new(Operation::PriceMetrics)
            .param("originIataCode", p.place("originIataCode")?)
            .param("destinationIataCode", p.place("destinationIataCode")?)
            .param("departureDate", p.future_date("departureDate", self.today())?)
            .param("currencyCode", Some(p.currency("currencyCode")?.unwrap_or_else(|| self.currency.clone())))
            .param("oneWay", p.flag("oneWay")?);
        let answer = self.ask(request).await?;
        let data: Vec<Value> = data_list(&answer).into_iter().map(summarise_quartiles).collect();
        Ok(json!({ "data": data, "meta": answer.get("meta").cloned().unwrap_or_else(|| json!({})) }))
    }

    /// `GET /flights/destinations` and `/flights/inspiration`: the cheapest destinations from an
    /// origin.
    pub async fn inspiration(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["origin"], "Missing required parameter: origin")?;
        let request = Request::new(Operation::FlightDestinations)
            .param("origin", p.place("origin")?)
            .param("departureDate", p.future_date("departureDate", self.today())?)
            .param("oneWay", p.flag("oneWay")?)
            .param("duration", p.opt_int("duration", 1, 30)?)
            .param("nonStop", p.flag("nonStop")?)
            .param("maxPrice", p.opt_int("maxPrice", 1, 1_000_000)?)
            .param("viewBy", p.choice("viewBy", &["COUNTRY", "DATE", "DESTINATION", "DURATION", "WEEK"])?);
        self.ask(request).await
    }

    /// `GET /flights/cheapest-dates`.
    pub async fn cheapest_dates(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["origin", "destination"], "Missing required parameters: origin, destination")?;
        let request = Request::new(Operation::FlightDates)
            .param("origin", p.place("origin")?)
            .param("destination", p.place("destination")?)
            .param("departureDate", p.future_date("departureDate", self.today())?)
            .param("oneWay", p.flag("oneWay")?)
            .param("duration", p.opt_int("duration", 1, 30)?)
            .param("nonStop", p.flag("nonStop")?)
            .param("viewBy", p.choice("viewBy", &["DATE", "DURATION", "WEEK"])?);
        self.ask(request).await
    }

    /// `GET /flights/status`: Amadeus's dated flights, each also in the shape the client reads
    /// (`flightDate, flightNumber, flightStatus, departure.{iataCode, scheduledTime, …}`).
    pub async fn flight_status(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(
            &["carrierCode", "flightNumber", "scheduledDepartureDate"],
            "Missing required parameters: carrierCode, flightNumber, scheduledDepartureDate",
        )?;
        let carrier = airline_code(p, "carrierCode")?;
        let number = p.get("flightNumber").unwrap_or_default();
        if !(1..=4).contains(&number.len()) || !number.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid("flightNumber", "must be 1 to 4 digits"));
        }
        let request = Request::new(Operation::FlightStatus)
            .param("carrierCode", Some(carrier))
            .param("flightNumber", Some(number))
            .param("scheduledDepartureDate", p.date("scheduledDepartureDate")?);
        let answer = self.ask(request).await?;
        let data: Vec<Value> = data_list(&answer).into_iter().map(client_status).collect();
        Ok(json!({ "data": data, "meta": { "count": data.len() } }))
    }

    /// `GET /flights/delay-prediction`: the most likely delay as one object (the client reads
    /// `data.{probability, result, subType}`), every bucket in `meta.predictions`.
    pub async fn delay_prediction(&self, p: &Params) -> Result<Value, ApiError> {
        let names = [
            "originLocationCode",
            "destinationLocationCode",
            "departureDate",
            "departureTime",
            "arrivalDate",
            "arrivalTime",
            "aircraftCode",
            "carrierCode",
            "flightNumber",
            "duration",
        ];
        p.require(&names, "Missing required parameters for delay prediction")?;
        let mut request = Request::new(Operation::DelayPrediction)
            .param("originLocationCode", p.place("originLocationCode")?)
            .param("destinationLocationCode", p.place("destinationLocationCode")?)
            .param("departureDate", p.date("departureDate")?)
            .param("arrivalDate", p.date("arrivalDate")?)
            .param("carrierCode", Some(airline_code(p, "carrierCode")?));
        for name in ["departureTime", "arrivalTime", "aircraftCode", "flightNumber", "duration"] {
            request = request.param(name, p.text(name, 16)?);
        }
        let answer = self.ask(request).await?;
        let predictions = data_list(&answer);
        let best = predictions
            .iter()
            .max_by(|a, b| {
                super::amount(a, "/probability")
                    .unwrap_or(0.0)
                    .total_cmp(&super::amount(b, "/probability").unwrap_or(0.0))
            })
            .map(|b| {
                json!({ "probability": super::amount(b, "/probability").unwrap_or(0.0),
                              "result": b.get("result"), "subType": b.get("subType"), "id": b.get("id") })
            })
            .unwrap_or_else(|| json!({}));
        Ok(json!({ "data": best, "meta": { "predictions": predictions } }))
    }

    /// `GET /flights/analytics/most-traveled` and `most-booked`.
    pub async fn traffic(&self, p: &Params, booked: bool) -> Result<Value, ApiError> {
        p.require(&["originCityCode", "period"], "Missing required parameters: originCityCode, period")?;
        let op = if booked { Operation::MostBooked } else { Operation::MostTraveled };
        let request = Request::new(op)
            .param("originCityCode", p.place("originCityCode")?)
            .param("period", Some(period(p, "period")?))
            .param("max", Some(p.int("max", 1, 50, 10)?));
        let answer = self.ask(request).await?;
        let data: Vec<Value> = data_list(&answer)
            .into_iter()
            .map(|mut d| {
                if d.get("iataCode").is_none() {
                    d["iataCode"] = d.get("destination").cloned().unwrap_or(Value::Null);
                }
                d
            })
            .collect();
        Ok(json!({ "data": data, "meta": { "count": data.len() } }))
    }

    /// `GET /flights/analytics/busiest-period`: the busiest month as one object (what the
    /// client reads), every month in `meta.periods`.
    pub async fn busiest_period(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["cityCode", "period"], "Missing required parameters: cityCode, period")?;
        let year = p.get("period").unwrap_or_default();
        if year.len() != 4 || !year.chars().all(|c| c.is_ascii_digit()) {
            return Err(invalid("period", "must be a year YYYY"));
        }
        let request = Request::new(Operation::BusiestPeriod)
            .param("cityCode", p.place("cityCode")?)
            .param("period", Some(year))
            .param("direction", p.choice("direction", &["ARRIVING", "DEPARTING"])?);
        let answer = self.ask(request).await?;
        let periods = data_list(&answer);
        let best = periods
            .iter()
            .max_by(|a, b| {
                let score = |v: &Value| super::amount(v, "/analytics/travelers/score").unwrap_or(0.0);
                score(a).total_cmp(&score(b))
            })
            .cloned()
            .unwrap_or_else(|| json!({}));
        Ok(json!({ "data": best, "meta": { "periods": periods } }))
    }

    /// `GET /flights/checkin-links`.
    pub async fn checkin_links(&self, p: &Params) -> Result<Value, ApiError> {
        p.require(&["airlineCode"], "Missing required parameter: airlineCode")?;
        let request = Request::new(Operation::CheckinLinks)
            .param("airlineCode", Some(airline_code(p, "airlineCode")?))
            .param("language", p.text("language", 8)?);
        self.ask(request).await
    }
}

fn has_segments(offer: &Value) -> bool {
    offer.pointer("/itineraries/0/segments").and_then(Value::as_array).is_some_and(|s| !s.is_empty())
}

/// The fields of an Amadeus flight offer: what a supplier is shown again. The simplified fields
/// we add at search, and whatever a client stores beside the offer (DreamScape's client adds
/// `origin`, `bookingDetails`, …), are left out.
const OFFER_FIELDS: [&str; 14] = [
    "type",
    "id",
    "source",
    "instantTicketingRequired",
    "nonHomogeneous",
    "oneWay",
    "lastTicketingDate",
    "lastTicketingDateTime",
    "numberOfBookableSeats",
    "itineraries",
    "price",
    "pricingOptions",
    "validatingAirlineCodes",
    "travelerPricings",
];

/// `offer` with Amadeus's fields only.
pub fn amadeus_offer(offer: &Value) -> Value {
    match offer.as_object() {
        Some(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| OFFER_FIELDS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        None => offer.clone(),
    }
}

/// The offers of a pricing body: Amadeus's `{data:{flightOffers}}`, `{flightOffers}`, or one offer.
fn offers_of(body: &Value) -> Result<Vec<Value>, ApiError> {
    let list = body
        .pointer("/data/flightOffers")
        .or_else(|| body.get("flightOffers"))
        .and_then(Value::as_array)
        .cloned()
        .or_else(|| body.get("id").map(|_| vec![body.clone()]))
        .unwrap_or_default();
    if list.is_empty() || list.len() > 6 {
        return Err(invalid("flightOffers", "must hold 1 to 6 flight offers"));
    }
    if list.iter().any(|o| o.get("id").and_then(Value::as_str).is_none_or(|s| s.is_empty() || s.len() > 256)) {
        return Err(invalid("flightOffers[].id", "every offer needs the id search gave it"));
    }
    Ok(list.iter().map(amadeus_offer).collect())
}

fn offer_id(p: &Params, name: &str) -> Result<String, ApiError> {
    match p.text(name, 256)? {
        Some(id) if id.chars().all(|c| c.is_ascii_alphanumeric() || "._-=+/".contains(c)) => Ok(id),
        _ => Err(invalid(name, "is not an offer id")),
    }
}

fn airline_code(p: &Params, name: &str) -> Result<String, ApiError> {
    let code = p.get(name).unwrap_or_default().to_ascii_uppercase();
    if !(2..=3).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(invalid(name, "must be an airline's IATA (2) or ICAO (3) code"));
    }
    Ok(reference::get().airline(&code).map_or(code, |a| a.iata.clone()))
}

/// `YYYY-MM`.
fn period(p: &Params, name: &str) -> Result<String, ApiError> {
    let raw = p.get(name).unwrap_or_default();
    let ok = raw.len() == 7
        && raw.as_bytes().get(4) == Some(&b'-')
        && chrono::NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d").is_ok();
    if ok { Ok(raw.to_owned()) } else { Err(invalid(name, "must be a month YYYY-MM")) }
}

/// An Amadeus flight offer with the simplified fields DreamScape's booking flow reads beside
/// Amadeus's own (`departure`, `arrival`, `airline`, `stops`, `cabinClass`, …).
pub fn decorate(mut offer: Value, dictionaries: &Value) -> Value {
    let segments: Vec<Value> =
        offer.pointer("/itineraries/0/segments").and_then(Value::as_array).cloned().unwrap_or_default();
    let (Some(first), Some(last)) = (segments.first(), segments.last()) else { return offer };
    let carrier = text(first, "/carrierCode").to_owned();
    let name = dictionaries
        .pointer(&format!("/carriers/{carrier}"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| reference::get().airline(&carrier).map(|a| a.common_name.clone()));
    let cabin = offer.pointer("/travelerPricings/0/fareDetailsBySegment/0/cabin").cloned().unwrap_or(json!("ECONOMY"));
    let bags = offer
        .pointer("/travelerPricings/0/fareDetailsBySegment/0/includedCheckedBags/quantity")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let refundable = offer.pointer("/pricingOptions/refundableFare").and_then(Value::as_bool).unwrap_or(false);
    let end = |s: &Value, k: &str| {
        json!({ "airport": text(s, &format!("/{k}/iataCode")), "time": text(s, &format!("/{k}/at")),
                "terminal": s.pointer(&format!("/{k}/terminal")) })
    };
    let extra = json!({
        "departure": end(first, "departure"),
        "arrival": end(last, "arrival"),
        "airline": { "code": carrier, "name": name },
        "duration": offer.pointer("/itineraries/0/duration"),
        "stops": segments.len().saturating_sub(1),
        "cabinClass": cabin,
        "availableSeats": offer.get("numberOfBookableSeats"),
        "isRefundable": refundable,
        "baggageAllowance": { "checkedBags": bags, "cabinBags": 1 },
        "expiresAt": offer.get("lastTicketingDateTime").or_else(|| offer.get("lastTicketingDate")),
        "bookingToken": offer.get("id"),
    });
    if let (Some(target), Value::Object(extra)) = (offer.as_object_mut(), extra) {
        for (k, v) in extra {
            target.entry(k).or_insert(v);
        }
    }
    offer
}

/// The client's reading of price metrics: `priceMetrics[0]` is the summary (median amount,
/// quartiles by name, `position`), Amadeus's five entries follow in `quartiles`.
fn summarise_quartiles(mut metric: Value) -> Value {
    let quartiles = metric.get("priceMetrics").and_then(Value::as_array).cloned().unwrap_or_default();
    let at = |rank: &str| {
        quartiles.iter().find(|q| text(q, "/quartileRanking") == rank).and_then(|q| super::amount(q, "/amount"))
    };
    let (min, first, median, third, max) = (at("MINIMUM"), at("FIRST"), at("MEDIUM"), at("THIRD"), at("MAXIMUM"));
    let mean = [min, first, median, third, max].iter().flatten().sum::<f64>() / 5.0;
    let summary = json!({
        "amount": median,
        "quartileRanking": { "mean": mean, "minimum": min, "first": first, "median": median, "third": third,
                             "maximum": max, "position": "MEDIUM" },
    });
    metric["quartiles"] = Value::Array(quartiles);
    metric["priceMetrics"] = json!([summary]);
    metric
}

/// A seat map as the client reads it: `deck` (the first of `decks`), each seat's
/// `travelerPricing` as one object and `available`.
fn client_seatmap(mut map: Value) -> Value {
    if let Some(decks) = map.get_mut("decks").and_then(Value::as_array_mut) {
        for deck in decks.iter_mut() {
            if let Some(seats) = deck.get_mut("seats").and_then(Value::as_array_mut) {
                for seat in seats.iter_mut() {
                    let pricing = seat.pointer("/travelerPricing/0").cloned().unwrap_or_else(|| json!({}));
                    let available = text(&pricing, "/seatAvailabilityStatus") == "AVAILABLE";
                    seat["available"] = json!(available);
                    seat["travelerPricings"] = seat.get("travelerPricing").cloned().unwrap_or_else(|| json!([]));
                    seat["travelerPricing"] = pricing;
                }
            }
        }
    }
    map["deck"] = map.pointer("/decks/0").cloned().unwrap_or(Value::Null);
    map
}

/// A dated flight as the client reads it, beside Amadeus's fields.
fn client_status(mut flight: Value) -> Value {
    let points = flight.get("flightPoints").and_then(Value::as_array).cloned().unwrap_or_default();
    let timing = |point: &Value, side: &str, qualifier: &str| {
        point
            .pointer(&format!("/{side}/timings"))
            .and_then(Value::as_array)
            .and_then(|t| t.iter().find(|x| text(x, "/qualifier") == qualifier))
            .and_then(|x| x.get("value").cloned())
    };
    let departure = points.first().map(|p| {
        json!({ "iataCode": p.get("iataCode"), "scheduledTime": timing(p, "departure", "STD"),
                "actualTime": timing(p, "departure", "ATD"), "terminal": p.pointer("/departure/terminal/code"),
                "gate": p.pointer("/departure/gate/mainGate") })
    });
    let arrival = points.last().map(|p| {
        json!({ "iataCode": p.get("iataCode"), "scheduledTime": timing(p, "arrival", "STA"),
                "actualTime": timing(p, "arrival", "ATA"), "terminal": p.pointer("/arrival/terminal/code"),
                "gate": p.pointer("/arrival/gate/mainGate") })
    });
    let carrier = text(&flight, "/flightDesignator/carrierCode").to_owned();
    let number = flight.pointer("/flightDesignator/flightNumber").cloned().unwrap_or(Value::Null);
    let number = match number {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s,
        _ => String::new(),
    };
    flight["flightDate"] = flight.get("scheduledDepartureDate").cloned().unwrap_or(Value::Null);
    flight["flightNumber"] = json!(format!("{carrier}{number}"));
    flight["flightStatus"] = json!(flight.get("flightStatus").and_then(Value::as_str).unwrap_or("scheduled"));
    flight["departure"] = departure.unwrap_or(Value::Null);
    flight["arrival"] = arrival.unwrap_or(Value::Null);
    flight["aircraft"] = json!({ "code": flight.pointer("/legs/0/aircraftEquipment/aircraftType") });
    flight["operating"] = json!({ "carrierCode": carrier });
    flight
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offer_gains_the_simplified_fields_without_losing_amadeus_ones() {
        let offer = json!({ "id": "7", "numberOfBookableSeats": 4, "price": { "total": "512.30", "currency": "EUR" },
            "itineraries": [{ "duration": "PT8H25M", "segments": [
                { "departure": { "iataCode": "CDG", "at": "2027-03-01T10:30:00", "terminal": "2E" },
                  "arrival": { "iataCode": "JFK", "at": "2027-03-01T12:55:00" }, "carrierCode": "AF", "number": "6" }]}],
            "travelerPricings": [{ "fareDetailsBySegment": [{ "cabin": "BUSINESS", "includedCheckedBags": { "quantity": 2 } }] }] });
        let d = decorate(offer, &json!({ "carriers": { "AF": "AIR FRANCE" } }));
        assert_eq!(d["price"]["total"], "512.30");
        assert_eq!(d["departure"], json!({ "airport": "CDG", "time": "2027-03-01T10:30:00", "terminal": "2E" }));
        assert_eq!(d["arrival"]["airport"], "JFK");
        assert_eq!(d["airline"], json!({ "code": "AF", "name": "AIR FRANCE" }));
        assert_eq!((d["stops"].as_u64(), d["cabinClass"].as_str()), (Some(0), Some("BUSINESS")));
        assert_eq!(d["baggageAllowance"]["checkedBags"], 2);
        assert_eq!((d["availableSeats"].as_i64(), d["bookingToken"].as_str()), (Some(4), Some("7")));
    }

    #[test]
    fn a_supplier_is_shown_amadeus_fields_only() {
        let offer = decorate(
            json!({ "type": "flight-offer", "id": "1", "price": { "total": "10.00" },
                    "itineraries": [{ "segments": [{ "departure": { "iataCode": "CDG" }, "arrival": { "iataCode": "JFK" } }] }],
                    "bookingDetails": { "seats": [] }, "origin": "Paris" }),
            &json!({}),
        );
        let shown = amadeus_offer(&offer);
        let mut keys: Vec<&String> = shown.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["id", "itineraries", "price", "type"], "{shown}");
    }

    #[test]
    fn quartiles_are_summarised_for_the_client() {
        let metric = json!({ "priceMetrics": [
            { "amount": "100.00", "quartileRanking": "MINIMUM" }, { "amount": "150.00", "quartileRanking": "FIRST" },
            { "amount": "200.00", "quartileRanking": "MEDIUM" }, { "amount": "250.00", "quartileRanking": "THIRD" },
            { "amount": "300.00", "quartileRanking": "MAXIMUM" }] });
        let s = summarise_quartiles(metric);
        assert_eq!(s["priceMetrics"][0]["quartileRanking"]["median"], 200.0);
        assert_eq!(s["priceMetrics"][0]["quartileRanking"]["mean"], 200.0);
        assert_eq!(s["quartiles"].as_array().map(Vec::len), Some(5));
    }
}
