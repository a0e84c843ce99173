//! Schedules, route lists and predictions: a flight's status from the same schedule the
//! offers use, the destinations of an airline or an airport, on-time and delay odds, trip
//! purpose, and check-in links (none: we know no airline's check-in page, and invent none).

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use kernel::ApiError;
use serde_json::{Value, json};

use super::network::{self, Flight, Size};
use super::offers::iso_duration;
use super::params::Params;
use crate::offline::Offline;
use crate::offline::rng::Rng;
use crate::provider::Operation;
use crate::reference;

pub fn call(o: &Offline, op: Operation, mut p: Params<'_>) -> Result<Value, ApiError> {
    use Operation::*;
    match op {
        AirlineDestinations => airline_destinations(o, &mut p),
        AirportDestinations => airport_destinations(o, &mut p),
        OnTime => on_time(o, &mut p),
        DelayPrediction => delay(o, &mut p),
        FlightStatus => status(o, &mut p),
        CheckinLinks => {
            p.airline("airlineCode");
            p.finish()?;
            Ok(json!({ "data": [], "meta": { "count": 0 } }))
        }
        TripPurpose => trip_purpose(&mut p),
        other => Err(ApiError::not_found(format!("{other:?} is not a flight operation"))),
    }
}

fn city_location(code: &str) -> Value {
    let r = reference::get();
    let city = r.city(code);
    json!({
        "type": "location",
        "subtype": "city",
        "name": city.map_or(code, |c| c.name.as_str()).to_uppercase(),
        "iataCode": code,
        "geoCode": { "latitude": city.map_or(0.0, |c| c.lat), "longitude": city.map_or(0.0, |c| c.lon) },
        "address": {
            "countryName": city.and_then(|c| r.country_name(&c.country)).unwrap_or_default().to_uppercase(),
            "countryCode": city.map_or("", |c| c.country.as_str()),
        },
    })
}

fn airline_destinations(o: &Offline, p: &mut Params<'_>) -> Result<Value, ApiError> {
    let airline = p.airline("airlineCode");
    let max = usize::try_from(p.int("max", 250, 1, 1000)).unwrap_or(250);
    p.finish()?;
    let Some(airline) = airline else { return Ok(json!({ "data": [] })) };
    let r = reference::get();
    let mut cities: Vec<String> = Vec::new();
    for hub in airline.hubs.iter().filter_map(|h| r.airport(h)) {
        for (b, carriers) in network::destinations(o.seed, hub) {
            if carriers.iter().any(|c| c.iata == airline.iata) && !cities.contains(&b.city_code) {
                cities.push(b.city_code.clone());
            }
        }
    }
    cities.truncate(max);
    let data: Vec<Value> = cities.iter().map(|c| city_location(c)).collect();
    Ok(json!({ "data": data, "meta": { "count": data.len() } }))
}

fn airport_destinations(o: &Offline, p: &mut Params<'_>) -> Result<Value, ApiError> {
    let airport = p.airport("departureAirportCode");
    let max = usize::try_from(p.int("max", 250, 1, 1000)).unwrap_or(250);
    let country = p.opt("arrivalCountryCode").map(str::to_ascii_uppercase);
    p.finish()?;
    let Some(airport) = airport else { return Ok(json!({ "data": [] })) };
    let mut cities: Vec<String> = Vec::new();
    for (b, _) in network::destinations(o.seed, airport) {
        if country.as_ref().is_none_or(|c| *c == b.country) && !cities.contains(&b.city_code) {
            cities.push(b.city_code.clone());
        }
    }
    cities.truncate(max);
    let data: Vec<Value> = cities.iter().map(|c| city_location(c)).collect();
    Ok(json!({ "data": data, "meta": { "count": data.len() } }))
}

fn prediction(id: String, probability: f64, result: Value, sub: &str) -> Value {
    json!({
        "id": id,
        "probability": format!("{probability:.4}"),
        "result": result,
        "subType": sub,
        "type": "prediction",
    })
}

/// Chance a departure leaves on time: busier airports, winter and Fridays do worse.
fn on_time_odds(seed: u64, airport: &str, date: NaiveDate, size: Size) -> f64 {
    let base = match size {
        Size::Hub => 0.76,
        Size::Major => 0.8,
        Size::Minor => 0.86,
    };
    let season = if [12, 1, 2, 7].contains(&date.month()) { -0.05 } else { 0.0 };
    let weekday = if date.weekday() == Weekday::Fri { -0.03 } else { 0.0 };
    let noise = Rng::new(seed, &["on-time", airport, &date.to_string()]).unit() * 0.08 - 0.04;
    (base + season + weekday + noise).clamp(0.4, 0.98)
}

fn on_time(o: &Offline, p: &mut Params<'_>) -> Result<Value, ApiError> {
    let airport = p.airport("airportCode");
    let date = p.date("date", true);
    p.finish()?;
    let (Some(a), Some(d)) = (airport, date) else { return Ok(json!({ "data": {} })) };
    let odds = on_time_odds(o.seed, &a.iata, d, network::size(a));
    Ok(
        json!({ "data": prediction(format!("{}{}", a.iata, d.format("%Y%m%d")), odds, json!(format!("{odds:.4}")), "on-time") }),
    )
}

fn delay(o: &Offline, p: &mut Params<'_>) -> Result<Value, ApiError> {
    let from = p.airport("originLocationCode");
    let to = p.airport("destinationLocationCode");
    let date = p.date("departureDate", true);
    let carrier = p.airline("carrierCode");
    let number = p.required("flightNumber").map(str::to_owned);
    for name in ["departureTime", "arrivalDate", "arrivalTime", "aircraftCode", "duration"] {
        p.required(name);
    }
    p.finish()?;
    let (Some(a), Some(_), Some(d), Some(c)) = (from, to, date, carrier) else { return Ok(json!({ "data": [] })) };
    let on_time = on_time_odds(o.seed, &a.iata, d, network::size(a));
    let mut rng = Rng::new(o.seed, &["delay", &c.iata, number.as_deref().unwrap_or_default(), &d.to_string()]);
    let late = 1.0 - on_time;
    let split = [0.55 + rng.unit() * 0.15, 0.2 + rng.unit() * 0.1, 0.1 + rng.unit() * 0.05];
    let sum: f64 = split.iter().sum();
    let mut odds = [on_time, late * split[0] / sum, late * split[1] / sum, late * split[2] / sum];
    // Four decimals that add up to exactly 1.
    let rounded: Vec<i64> = odds.iter().map(|x| (x * 10_000.0).round() as i64).collect();
    odds[0] += (10_000 - rounded.iter().sum::<i64>()) as f64 / 10_000.0;
    let results = [
        "LESS_THAN_30_MINUTES",
        "BETWEEN_30_AND_60_MINUTES",
        "BETWEEN_60_AND_120_MINUTES",
        "OVER_120_MINUTES_OR_CANCELLED",
    ];
    let data: Vec<Value> = results
        .iter()
        .zip(odds)
        .enumerate()
        .map(|(i, (r, x))| {
            prediction(
                format!("{}{}{}-{i}", c.iata, number.as_deref().unwrap_or_default(), d.format("%Y%m%d")),
                x,
                json!(r),
                "flight-delay",
            )
        })
        .collect();
    Ok(json!({ "data": data, "meta": { "count": 4 } }))
}

fn stamp(f: &Flight, departure: bool) -> String {
    let (local, zone) = if departure { (f.dep, network::tz(f.from)) } else { (f.arr, network::tz(f.to)) };
    let utc = network::to_utc(zone, local);
    let offset = (local - utc.naive_utc()).num_minutes();
    let sign = if offset < 0 { '-' } else { '+' };
    format!("{}{sign}{:02}:{:02}", local.format("%Y-%m-%dT%H:%M"), offset.abs() / 60, offset.abs() % 60)
}

fn status(o: &Offline, p: &mut Params<'_>) -> Result<Value, ApiError> {
    let carrier = p.airline("carrierCode");
    let number = p.required("flightNumber").map(str::to_owned);
    let parsed = number.as_deref().map(|n| n.parse::<u32>().ok().filter(|n| (1..=9999).contains(n)));
    if parsed == Some(None) {
        p.fail("flightNumber", "must be a flight number from 1 to 9999");
    }
    let date = p.any_date("scheduledDepartureDate", true);
    p.finish()?;
    let found = match (carrier, parsed.flatten(), date) {
        (Some(c), Some(n), Some(d)) => network::find(o.seed, c, n, d),
        _ => None,
    };
    let Some(f) = found else { return Ok(json!({ "data": [], "meta": { "count": 0 } })) };
    let duration = iso_duration(f.minutes);
    Ok(json!({
        "data": [{
            "type": "DatedFlight",
            "scheduledDepartureDate": f.dep.date().to_string(),
            "flightDesignator": { "carrierCode": f.carrier.iata, "flightNumber": f.number },
            "flightPoints": [
                { "iataCode": f.from.iata, "departure": { "timings": [{ "qualifier": "STD", "value": stamp(&f, true) }] } },
                { "iataCode": f.to.iata, "arrival": { "timings": [{ "qualifier": "STA", "value": stamp(&f, false) }] } },
            ],
            "segments": [{ "boardPointIataCode": f.from.iata, "offPointIataCode": f.to.iata, "scheduledSegmentDuration": duration }],
            "legs": [{
                "boardPointIataCode": f.from.iata,
                "offPointIataCode": f.to.iata,
                "aircraftEquipment": { "aircraftType": f.aircraft },
                "scheduledLegDuration": duration,
            }],
        }],
        "meta": { "count": 1 },
    }))
}

/// Business or leisure: short stays, weekday travel without a weekend away, and short lead
/// times look like business.
fn trip_purpose(p: &mut Params<'_>) -> Result<Value, ApiError> {
    let from = p.location("originLocationCode");
    let to = p.location("destinationLocationCode");
    let depart = p.date("departureDate", true);
    let back = p.date("returnDate", true);
    let searched = p.any_date("searchDate", false).unwrap_or(p.today);
    if let (Some(d), Some(r)) = (depart, back)
        && r < d
    {
        p.fail("returnDate", "must not be before departureDate");
    }
    p.finish()?;
    let (Some(d), Some(r), false) = (depart, back, from.is_empty() || to.is_empty()) else {
        return Ok(json!({ "data": {} }));
    };
    let nights = (r - d).num_days();
    let weekend = (0..=nights).any(|i| matches!((d + Duration::days(i)).weekday(), Weekday::Sat | Weekday::Sun));
    let lead = (d - searched).num_days();
    let mut score: f64 = -0.5;
    score += if nights <= 3 {
        1.6
    } else if nights <= 5 {
        0.4
    } else {
        -1.2
    };
    score += if weekend { -0.9 } else { 1.0 };
    score += if matches!(d.weekday(), Weekday::Mon | Weekday::Tue | Weekday::Sun) { 0.4 } else { 0.0 };
    score += if lead < 14 {
        0.6
    } else if lead > 60 {
        -0.7
    } else {
        0.0
    };
    let business = 1.0 / (1.0 + (-score).exp());
    let (result, probability) = if business >= 0.5 { ("BUSINESS", business) } else { ("LEISURE", 1.0 - business) };
    Ok(
        json!({ "data": prediction(format!("{}{}", d.format("%Y%m%d"), r.format("%Y%m%d")), probability, json!(result), "trip-purpose") }),
    )
}
