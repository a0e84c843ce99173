//! Seat maps, branded fares, availability and choice prediction, from the offers' own ids and
//! the same sold counts: a seat map shows as many free seats in the offer's cabin as the
//! offer has bookable seats.

use kernel::ApiError;
use serde_json::{Value, json};

use super::fares::{self, CABINS};
use super::network::{self, Flight};
use super::offers::{self, BRANDS, Offer, iso_duration};
use super::orders::offer_ids;
use super::params::body_error;
use crate::offline::rng::Rng;
use crate::offline::{Offline, inventory};
use crate::provider::Request;
use crate::reference;

async fn load_all(o: &Offline, request: &Request) -> Result<Vec<Offer>, ApiError> {
    let mut found = Vec::new();
    for (i, id) in offer_ids(request)?.iter().enumerate() {
        found.push(offers::load(o, id, &format!("flightOffers[{i}].id")).await?);
    }
    Ok(found)
}

/// Seat letters of a cabin (wide-bodies have more abreast).
fn letters(cabin: usize, wide: bool) -> &'static [u8] {
    match (cabin, wide) {
        (0, false) => b"ABCDEF",
        (0, true) => b"ABCDEFGHK",
        (1, _) => b"ABCDEFG",
        (2, false) => b"ACDF",
        (2, true) => b"ADGK",
        _ => b"AK",
    }
}

fn seat_map(o: &Offline, offer: &Offer, f: &Flight, segment_id: usize, sold: i64) -> Value {
    let physical = f.seats();
    let wide = physical[1] > 0;
    let occupied_here = fares::presold(o.seed, f, offer.cabin) + sold;
    let currency = offer.currency.as_str();
    let travelers: Vec<String> =
        offer.pax.travelers().into_iter().filter(|(_, t)| *t != "HELD_INFANT").map(|(id, _)| id).collect();
    let mut seats = Vec::new();
    let mut row = 1;
    let mut free_here = 0;
    // First cabin forward, economy aft.
    for cabin in (0..4).rev() {
        let count = physical[cabin];
        if count == 0 {
            continue;
        }
        let abreast = letters(cabin, wide);
        let mut order: Vec<i64> = (0..count).collect();
        let mut rng = Rng::new(o.seed, &["seats", &f.key(CABINS[cabin])]);
        for i in (1..order.len()).rev() {
            let j = usize::try_from(rng.range(0, i as i64)).unwrap_or(0);
            order.swap(i, j);
        }
        let first_row = row;
        for n in 0..count {
            let (r, l) = (first_row + n / abreast.len() as i64, n as usize % abreast.len());
            row = r + 1;
            let letter = char::from(abreast[l]);
            let window = l == 0 || l == abreast.len() - 1;
            let exit = cabin == 0 && (r - first_row == 0 || r - first_row == 12);
            let mut codes = vec![if window {
                "W"
            } else if abreast.len() > 4 && (l == 2 || l == 3) {
                "A"
            } else {
                "9"
            }];
            if exit {
                codes.extend(["E", "L"]);
            }
            let status = if cabin != offer.cabin {
                "BLOCKED"
            } else if order.get(usize::try_from(n).unwrap_or(0)).is_some_and(|rank| *rank < occupied_here) {
                "OCCUPIED"
            } else {
                free_here += 1;
                "AVAILABLE"
            };
            let eur = match (cabin, exit, window) {
                (0, true, _) => 38.0,
                (0, false, true) => 12.0,
                (1, _, _) => 20.0,
                _ => 0.0,
            };
            let cents = fares::cents(eur, offer.rate);
            let pricing: Vec<Value> = travelers
                .iter()
                .map(|t| {
                    json!({
                        "travelerId": t,
                        "seatAvailabilityStatus": status,
                        "price": { "currency": currency, "total": fares::money(cents), "base": fares::money(cents) },
                    })
                })
                .collect();
            seats.push(json!({
                "cabin": CABINS[cabin],
                "number": format!("{r}{letter}"),
                "characteristicsCodes": codes,
                "travelerPricing": pricing,
                "coordinates": { "x": r, "y": l },
            }));
        }
    }
    let bucket = offer.buckets.get(segment_id - 1).copied().unwrap_or(0);
    json!({
        "type": "seatmap",
        "id": segment_id.to_string(),
        "flightOfferId": offer.id,
        "segmentId": segment_id.to_string(),
        "departure": { "iataCode": f.from.iata, "at": offers::at(f.dep) },
        "arrival": { "iataCode": f.to.iata, "at": offers::at(f.arr) },
        "carrierCode": f.carrier.iata,
        "number": f.number.to_string(),
        "operating": { "carrierCode": f.carrier.iata },
        "aircraft": { "code": f.aircraft },
        "class": fares::booking_class(offer.cabin, bucket).to_string(),
        "decks": [{
            "deckType": "MAIN",
            "deckConfiguration": { "width": letters(0, wide).len(), "length": row - 1, "startSeatRow": 1, "endSeatRow": row - 1 },
            "seats": seats,
        }],
        "availableSeatsCounters": travelers.iter().map(|t| json!({ "travelerId": t, "value": free_here })).collect::<Vec<_>>(),
    })
}

/// `POST /v1/shopping/seatmaps`.
pub async fn seat_maps(o: &Offline, request: &Request) -> Result<Value, ApiError> {
    let found = load_all(o, request).await?;
    let keys: Vec<String> = found.iter().flat_map(|x| x.flights().map(|f| f.key(CABINS[x.cabin]))).collect();
    let sold = inventory::sold(&o.db, &keys).await?;
    let mut data = Vec::new();
    for offer in &found {
        for (i, f) in offer.flights().enumerate() {
            let taken = sold.get(&f.key(CABINS[offer.cabin])).copied().unwrap_or(0);
            data.push(seat_map(o, offer, f, i + 1, taken));
        }
    }
    Ok(json!({ "meta": { "count": data.len() }, "data": data, "dictionaries": offers::dictionaries(found.iter()) }))
}

/// `POST /v1/shopping/flight-offers/upselling`: the itinerary as LIGHT, STANDARD and FLEX.
pub async fn branded_fares(o: &Offline, request: &Request) -> Result<Value, ApiError> {
    let found = load_all(o, request).await?;
    let today = o.clock.now().date_naive();
    let mut data = Vec::new();
    let mut all = Vec::new();
    for offer in found {
        for (brand, (_, _, _, refundable, changeable)) in BRANDS.iter().enumerate() {
            let b = offer.clone().with_brand(o.seed, brand);
            let mut x = offers::render(&b, today);
            x["type"] = json!("flight-offer");
            x["pricingOptions"]["refundableFare"] = json!(refundable);
            x["pricingOptions"]["noRestrictionFare"] = json!(changeable);
            x["pricingOptions"]["noPenaltyFare"] = json!(refundable);
            data.push(x);
            all.push(b);
        }
    }
    Ok(json!({ "meta": { "count": data.len() }, "data": data, "dictionaries": offers::dictionaries(all.iter()) }))
}

/// `POST /v1/shopping/availability/flight-availabilities`: each itinerary's segments with the
/// booking classes still open and their seats (capped at 9, as Amadeus does).
pub async fn availabilities(o: &Offline, request: &Request) -> Result<Value, ApiError> {
    let body = request.body.as_ref().ok_or_else(|| body_error("originDestinations", "is required"))?;
    let ods = body["originDestinations"].as_array().filter(|a| !a.is_empty());
    let ods = ods.ok_or_else(|| body_error("originDestinations", "is required"))?;
    let r = reference::get();
    let today = o.clock.now().date_naive();
    let mut all: Vec<(String, Vec<Flight>)> = Vec::new();
    for (i, od) in ods.iter().enumerate() {
        let field = |n: &str| format!("originDestinations[{i}].{n}");
        let code = |n: &str| od[n].as_str().map(|c| r.airports_for(c)).filter(|a| !a.is_empty());
        let from = code("originLocationCode")
            .ok_or_else(|| body_error(&field("originLocationCode"), "is not a known airport or city code"))?;
        let to = code("destinationLocationCode")
            .ok_or_else(|| body_error(&field("destinationLocationCode"), "is not a known airport or city code"))?;
        let date = od["departureDateTime"]["date"]
            .as_str()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let date = date.filter(|d| *d >= today).ok_or_else(|| {
            body_error(&field("departureDateTime.date"), "must be a date YYYY-MM-DD, not in the past")
        })?;
        let id = od["id"].as_str().map_or_else(|| (i + 1).to_string(), str::to_owned);
        let mut legs = Vec::new();
        for a in &from {
            for b in &to {
                network::itineraries(o.seed, a, b, date, false, &mut legs);
            }
        }
        all.extend(legs.into_iter().map(|l| (id.clone(), l)));
    }
    let keys: Vec<String> =
        all.iter().flat_map(|(_, l)| l.iter().flat_map(|f| CABINS.iter().map(|c| f.key(c)))).collect();
    let sold = inventory::sold(&o.db, &keys).await?;
    let data: Vec<Value> = all
        .iter()
        .enumerate()
        .map(|(n, (od, legs))| {
            let segments: Vec<Value> = legs
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let mut classes = Vec::new();
                    for (cabin, name) in CABINS.iter().enumerate() {
                        let taken = sold.get(&f.key(name)).copied().unwrap_or(0);
                        let left = fares::capacity(o.seed, f, cabin) - taken;
                        if left <= 0 {
                            continue;
                        }
                        let open = fares::bucket(o.seed, f, cabin, taken);
                        for b in open..open + 3 {
                            let class = fares::booking_class(cabin, b);
                            if classes.iter().any(|c: &Value| c["class"] == class.to_string()) {
                                continue;
                            }
                            classes.push(json!({ "numberOfBookableSeats": left.min(9), "class": class.to_string() }));
                        }
                    }
                    json!({
                        "id": (i + 1).to_string(),
                        "numberOfStops": 0,
                        "blacklistedInEU": false,
                        "departure": { "iataCode": f.from.iata, "at": offers::at(f.dep) },
                        "arrival": { "iataCode": f.to.iata, "at": offers::at(f.arr) },
                        "carrierCode": f.carrier.iata,
                        "number": f.number.to_string(),
                        "aircraft": { "code": f.aircraft },
                        "operating": { "carrierCode": f.carrier.iata },
                        "availabilityClasses": classes,
                    })
                })
                .collect();
            let minutes = match (legs.first(), legs.last()) {
                (Some(a), Some(b)) => (b.arr_utc - a.dep_utc).num_minutes(),
                _ => 0,
            };
            json!({
                "type": "flight-availability",
                "id": (n + 1).to_string(),
                "originDestinationId": od,
                "source": "GDS",
                "instantTicketingRequired": false,
                "paymentCardRequired": false,
                "duration": iso_duration(minutes),
                "segments": segments,
            })
        })
        .collect();
    Ok(json!({ "meta": { "count": data.len() }, "data": data }))
}

/// Minutes of an ISO duration `PT8H25M`.
fn minutes(iso: &str) -> Option<f64> {
    let rest = iso.strip_prefix("PT")?;
    let (h, rest) = rest.split_once('H').unwrap_or(("0", rest));
    let m = rest.strip_suffix('M').unwrap_or("0");
    Some(h.parse::<f64>().ok()? * 60.0 + if m.is_empty() { 0.0 } else { m.parse::<f64>().ok()? })
}

/// `POST /v2/shopping/flight-offers/prediction`: the offers given, each with the chance a
/// traveller picks it (cheaper, shorter and nonstop are preferred); they sum to 1.
pub async fn choice_prediction(_o: &Offline, request: &Request) -> Result<Value, ApiError> {
    let body = request.body.as_ref().ok_or_else(|| body_error("data", "is required"))?;
    let list = body["data"].as_array().ok_or_else(|| body_error("data", "must be a list of flight offers"))?;
    let facts: Vec<(f64, f64, f64)> = list
        .iter()
        .map(|x| {
            let price = x["price"]["total"].as_str().and_then(|p| p.parse::<f64>().ok()).unwrap_or(f64::MAX);
            let its = x["itineraries"].as_array().map(Vec::as_slice).unwrap_or_default();
            let time: f64 = its.iter().filter_map(|i| i["duration"].as_str().and_then(minutes)).sum();
            let stops: f64 =
                its.iter().map(|i| i["segments"].as_array().map_or(0, Vec::len).saturating_sub(1) as f64).sum();
            (price, time.max(1.0), stops)
        })
        .collect();
    let cheapest = facts.iter().map(|f| f.0).fold(f64::MAX, f64::min).max(1.0);
    let fastest = facts.iter().map(|f| f.1).fold(f64::MAX, f64::min).max(1.0);
    let scores: Vec<f64> = facts
        .iter()
        .map(|(p, t, s)| (-(p / cheapest - 1.0) * 3.0 - (t / fastest - 1.0) * 2.0 - s * 0.5).exp())
        .collect();
    let sum: f64 = scores.iter().sum::<f64>().max(f64::EPSILON);
    let data: Vec<Value> = list
        .iter()
        .zip(&scores)
        .map(|(x, s)| {
            let mut x = x.clone();
            x["choiceProbability"] = json!(format!("{:.8}", s / sum));
            x
        })
        .collect();
    let mut out = body.clone();
    out["data"] = Value::Array(data);
    out["meta"]["count"] = json!(list.len());
    Ok(out)
}
