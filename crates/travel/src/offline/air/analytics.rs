//! Inspiration and statistics drawn from the same network and fares as the offers: cheapest
//! destinations from an origin, cheapest dates for a route, price quartiles, the most
//! travelled and booked destinations, the busiest months. Estimates price an empty plane's
//! cheapest fares (no database read): what a traveller would see before anyone books.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use kernel::ApiError;
use serde_json::{Map, Value, json};

use super::fares;
use super::network::{self, Ap, Flight, Size};
use super::offers::{self, Pax};
use super::params::Params;
use super::predictions;
use crate::offline::Offline;
use crate::offline::rng::Rng;
use crate::provider::{Operation, Request};
use crate::reference;

pub fn call(o: &Offline, op: Operation, request: &Request) -> Result<Value, ApiError> {
    let mut p = Params::new(request, o.clock.now().date_naive());
    use Operation::*;
    match op {
        FlightDestinations => flight_destinations(o, &mut p),
        FlightDates => flight_dates(o, &mut p),
        PriceMetrics => price_metrics(o, &mut p),
        MostTraveled => traffic(o, &mut p, "TRAVELED"),
        MostBooked => traffic(o, &mut p, "BOOKED"),
        BusiestPeriod => busiest(o, &mut p),
        _ => predictions::call(o, op, p),
    }
}

/// The cheapest economy fare for one adult from `from` to `to` on `date` (and back after
/// `stay` days), in cents of `currency`, or `None` when nothing flies.
fn cheapest(
    o: &Offline,
    from: &[Ap],
    to: &[Ap],
    date: NaiveDate,
    stay: Option<i64>,
    nonstop: bool,
    currency: &str,
) -> Option<i64> {
    let today = o.clock.now().date_naive();
    let sold = HashMap::new();
    let best = |a: &[Ap], b: &[Ap], day: NaiveDate| -> Option<i64> {
        let mut legs: Vec<Vec<Flight>> = Vec::new();
        for x in a {
            for y in b {
                network::itineraries(o.seed, x, y, day, nonstop, &mut legs);
            }
        }
        let pax = Pax { adults: 1, children: 0, infants: 0 };
        legs.into_iter()
            .filter_map(|l| offers::price(o.seed, today, 0, pax, currency, vec![l], &sold))
            .map(|x| x.adult_total())
            .min()
    };
    let out = best(from, to, date)?;
    match stay {
        Some(days) => Some(out + best(to, from, date + Duration::days(days))?),
        None => Some(out),
    }
}

fn codes_of(p: &mut Params<'_>, name: &str) -> (Vec<Ap>, String) {
    let code = p.opt(name).unwrap_or_default().to_ascii_uppercase();
    (p.location(name), code)
}

fn stay(p: &mut Params<'_>) -> Option<i64> {
    let one_way = p.flag("oneWay", false);
    // `duration` may be a range (`2,8`): its start.
    let first = p.opt("duration").and_then(|d| d.split(',').next()).map(str::to_owned);
    let days = match first {
        None => 7,
        Some(d) => d.parse().ok().filter(|d| (1..=15).contains(d)).unwrap_or_else(|| {
            p.fail("duration", "must be a number of days from 1 to 15");
            7
        }),
    };
    (!one_way).then_some(days)
}

fn max_price(p: &mut Params<'_>) -> Option<i64> {
    p.opt("maxPrice").map(|_| p.int("maxPrice", 0, 1, 100_000_000) * 100)
}

fn departure(p: &mut Params<'_>) -> NaiveDate {
    let today = p.today;
    // `departureDate` may be a range (`2027-01-10,2027-01-20`): its start.
    match p.opt("departureDate").and_then(|d| d.split(',').next()) {
        None => today + Duration::days(30),
        Some(d) => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) if d >= today => d,
            Ok(_) => {
                p.fail("departureDate", "must not be in the past");
                today
            }
            Err(_) => {
                p.fail("departureDate", "must be a date YYYY-MM-DD");
                today
            }
        },
    }
}

fn locations(codes: impl Iterator<Item = String>) -> Value {
    let r = reference::get();
    let mut out = Map::new();
    for code in codes {
        let (name, sub) = match (r.city(&code), r.airport(&code)) {
            (Some(c), _) => (c.name.clone(), "CITY"),
            (None, Some(a)) => (a.name.clone(), "AIRPORT"),
            _ => continue,
        };
        out.insert(code, json!({ "subType": sub, "detailedName": name.to_uppercase() }));
    }
    Value::Object(out)
}

fn flight_destinations(o: &Offline, p: &mut Params<'_>) -> Result<Value, ApiError> {
    let (origins, origin) = codes_of(p, "origin");
    let date = departure(p);
    let stay = stay(p);
    let nonstop = p.flag("nonStop", false);
    let limit = max_price(p);
    let currency = o.currency.clone();
    let _ = p.opt("viewBy");
    p.finish()?;
    // The biggest nonstop destinations first: inspiration, not an exhaustive list.
    let mut cities: Vec<(String, Size, f64)> = Vec::new();
    for a in &origins {
        for (b, _) in network::destinations(o.seed, a) {
            if !cities.iter().any(|c| c.0 == b.city_code) {
                cities.push((b.city_code.clone(), network::size(b), network::km(a, b)));
            }
        }
    }
    cities.sort_by(|x, y| y.1.cmp(&x.1).then(x.2.total_cmp(&y.2)));
    cities.truncate(40);
    let r = reference::get();
    let mut found: Vec<(String, i64)> = cities
        .into_iter()
        .filter_map(|(city, _, _)| {
            let to = r.airports_for(&city);
            cheapest(o, &origins, &to, date, stay, nonstop, &currency).map(|c| (city, c))
        })
        .filter(|(_, c)| limit.is_none_or(|l| *c <= l))
        .collect();
    found.sort_by(|x, y| x.1.cmp(&y.1).then(x.0.cmp(&y.0)));
    let back = stay.map(|d| (date + Duration::days(d)).to_string());
    let data: Vec<Value> = found
        .iter()
        .map(|(city, cents)| {
            let mut x = json!({
                "type": "flight-destination",
                "origin": origin,
                "destination": city,
                "departureDate": date.to_string(),
                "price": { "total": fares::money(*cents) },
            });
            if let Some(back) = &back {
                x["returnDate"] = json!(back);
            }
            x
        })
        .collect();
    let codes = std::iter::once(origin.clone()).chain(found.iter().map(|f| f.0.clone()));
    Ok(json!({
        "data": data,
        "dictionaries": { "currencies": { &currency: fares::currency_name(&currency) }, "locations": locations(codes) },
        "meta": { "currency": currency, "defaults": { "departureDate": date.to_string(), "oneWay": stay.is_none(), "nonStop": nonstop } },
    }))
}

fn flight_dates(o: &Offline, p: &mut Params<'_>) -> Result<Value, ApiError> {
    let (origins, origin) = codes_of(p, "origin");
    let (destinations, destination) = codes_of(p, "destination");
    let start = match p.opt("departureDate") {
        None => p.today + Duration::days(1),
        Some(_) => departure(p),
    };
    let stay = stay(p);
    let nonstop = p.flag("nonStop", false);
    let limit = max_price(p);
    p.finish()?;
    let currency = o.currency.clone();
    let data: Vec<Value> = (0..28)
        .map(|i| start + Duration::days(i))
        .filter_map(|day| {
            let c = cheapest(o, &origins, &destinations, day, stay, nonstop, &currency)?;
            limit.is_none_or(|l| c <= l).then_some((day, c))
        })
        .map(|(day, c)| {
            let mut x = json!({
                "type": "flight-date",
                "origin": origin,
                "destination": destination,
                "departureDate": day.to_string(),
                "price": { "total": fares::money(c) },
            });
            if let Some(d) = stay {
                x["returnDate"] = json!((day + Duration::days(d)).to_string());
            }
            x
        })
        .collect();
    Ok(json!({
        "data": data,
        "dictionaries": {
            "currencies": { &currency: fares::currency_name(&currency) },
            "locations": locations([origin.clone(), destination.clone()].into_iter()),
        },
        "meta": { "currency": currency, "defaults": { "oneWay": stay.is_none(), "nonStop": nonstop } },
    }))
}

fn price_metrics(o: &Offline, p: &mut Params<'_>) -> Result<Value, ApiError> {
    let from = p.location("originIataCode");
    let to = p.location("destinationIataCode");
    let date = p.date("departureDate", true);
    let currency = p.currency("currencyCode", &o.currency);
    let one_way = p.flag("oneWay", false);
    let origin = p.opt("originIataCode").unwrap_or_default().to_ascii_uppercase();
    let destination = p.opt("destinationIataCode").unwrap_or_default().to_ascii_uppercase();
    p.finish()?;
    let Some(date) = date else { return Ok(json!({ "data": [] })) };
    // Every economy fare bucket of every itinerary that day: the range a traveller meets.
    let mut legs = Vec::new();
    for a in &from {
        for b in &to {
            network::itineraries(o.seed, a, b, date, false, &mut legs);
        }
    }
    let today = p.today;
    let rate = fares::rate(&currency).unwrap_or(1.0);
    let mut prices: Vec<i64> = Vec::new();
    for l in &legs {
        let discount = if l.len() > 1 { 0.85 } else { 1.0 };
        for bucket in 0..7 {
            let eur: f64 =
                l.iter().map(|f| fares::base_eur(o.seed, f, 0, bucket, today) * discount + fares::taxes_eur(f)).sum();
            prices.push(fares::cents(if one_way { eur } else { eur * 1.9 }, rate));
        }
    }
    if prices.is_empty() {
        return Ok(json!({ "data": [], "meta": { "count": 0 } }));
    }
    prices.sort_unstable();
    let at = |q: f64| prices[((prices.len() - 1) as f64 * q).round() as usize];
    let metrics: Vec<Value> = [("MINIMUM", 0.0), ("FIRST", 0.25), ("MEDIUM", 0.5), ("THIRD", 0.75), ("MAXIMUM", 1.0)]
        .iter()
        .map(|(name, q)| json!({ "amount": fares::money(at(*q)), "quartileRanking": name }))
        .collect();
    Ok(json!({
        "data": [{
            "type": "itinerary-price-metric",
            "origin": { "iataCode": origin },
            "destination": { "iataCode": destination },
            "departureDate": date.to_string(),
            "transportType": "FLIGHT",
            "currencyCode": currency,
            "oneWay": one_way,
            "priceMetrics": metrics,
        }],
        "meta": { "count": 1 },
    }))
}

/// How much a destination draws: its population, more for hubs, and a seasonal swing.
fn draw(seed: u64, label: &str, city: &str, month: u32) -> f64 {
    let r = reference::get();
    let pop = r.city(city).map_or(0, |c| c.population) as f64;
    let hub = r.airports_for(city).iter().any(|a| network::size(a) == Size::Hub);
    let lat = r.city(city).map_or(0.0, |c| c.lat);
    let summer = if lat >= 0.0 { [6, 7, 8].contains(&month) } else { [12, 1, 2].contains(&month) };
    let noise = 0.7 + Rng::new(seed, &[label, city, &month.to_string()]).unit() * 0.6;
    (pop.max(50_000.0).ln() + if hub { 3.0 } else { 0.0 }) * if summer { 1.15 } else { 1.0 } * noise
}

fn traffic(o: &Offline, p: &mut Params<'_>, kind: &str) -> Result<Value, ApiError> {
    let (origins, origin) = codes_of(p, "originCityCode");
    let period = p.period("period");
    let max = usize::try_from(p.int("max", 10, 1, 50)).unwrap_or(10);
    p.finish()?;
    let month = period.map_or(1, |d| d.month());
    let mut cities: Vec<String> = Vec::new();
    for a in &origins {
        for (b, _) in network::destinations(o.seed, a) {
            if !cities.contains(&b.city_code) && b.city_code != origin {
                cities.push(b.city_code.clone());
            }
        }
    }
    let mut scored: Vec<(String, f64, f64)> = cities
        .into_iter()
        .map(|c| {
            let t = draw(o.seed, kind, &c, month);
            let f = t * (0.8 + Rng::new(o.seed, &["flights", &c]).unit() * 0.3);
            (c, t, f)
        })
        .collect();
    scored.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    scored.truncate(max);
    let top_t = scored.first().map_or(1.0, |s| s.1).max(f64::EPSILON);
    let top_f = scored.iter().map(|s| s.2).fold(f64::EPSILON, f64::max);
    let data: Vec<Value> = scored
        .iter()
        .map(|(c, t, f)| {
            json!({
                "type": "air-traffic",
                "destination": c,
                "subType": kind,
                "analytics": {
                    "flights": { "score": (f / top_f * 100.0).round() as i64 },
                    "travelers": { "score": (t / top_t * 100.0).round() as i64 },
                },
            })
        })
        .collect();
    Ok(json!({ "data": data, "meta": { "count": data.len() } }))
}

fn busiest(o: &Offline, p: &mut Params<'_>) -> Result<Value, ApiError> {
    let (_, city) = codes_of(p, "cityCode");
    let year = p.required("period").map(str::to_owned);
    let year = year.and_then(|y| y.parse::<i32>().ok().filter(|y| (2000..=2100).contains(y)));
    if year.is_none() && p.opt("period").is_some() {
        p.fail("period", "must be a year YYYY");
    }
    let direction = p.opt("direction").unwrap_or("ARRIVING").to_owned();
    if direction != "ARRIVING" && direction != "DEPARTING" {
        p.fail("direction", "must be ARRIVING or DEPARTING");
    }
    p.finish()?;
    let year = year.unwrap_or(2027);
    let months: Vec<(u32, f64)> = (1..=12).map(|m| (m, draw(o.seed, &direction, &city, m))).collect();
    let total: f64 = months.iter().map(|m| m.1).sum::<f64>().max(f64::EPSILON);
    let mut data: Vec<Value> = months
        .iter()
        .map(|(m, s)| {
            json!({
                "type": "air-traffic",
                "period": format!("{year}-{m:02}"),
                "analytics": { "travelers": { "score": (s / total * 100.0 * 100.0).round() / 100.0 } },
            })
        })
        .collect();
    data.sort_by(|a, b| {
        let s = |v: &Value| v["analytics"]["travelers"]["score"].as_f64().unwrap_or(0.0);
        s(b).total_cmp(&s(a))
    });
    Ok(json!({ "data": data, "meta": { "count": 12 } }))
}
