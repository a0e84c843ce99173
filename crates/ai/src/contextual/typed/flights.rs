//! `GET /api/v1/recommendations/flights`: flight offers to the asked (or suggested)
//! destinations, searched at the travel supplier, filtered by the query and ranked against the
//! traveller. With no parameters at all (DreamScape's dashboard), it suggests: origin Paris,
//! 30 days ahead, one adult, destinations from the profile.

use chrono::{Datelike, NaiveDate};
use kernel::ApiError;
use serde_json::{Value, json};

use super::super::climate;
use super::fit::{destination_fit, season_fit, suggest};
use super::params::{Params, invalid};
use super::prefs::Prefs;
use super::score::{Scored, low_is_better};

const CABINS: [&str; 4] = ["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"];

/// What the flight search was asked.
#[derive(Debug, Clone)]
pub struct Ask {
    pub origin: String,
    pub destinations: Vec<String>,
    pub departure: NaiveDate,
    pub back: Option<NaiveDate>,
    pub adults: i64,
    pub children: i64,
    pub infants: i64,
    pub cabin: Option<String>,
    pub defaults_applied: bool,
    pub suggested: bool,
}

/// Reads the query; with none of `origin`, `departureDate`, `adults`, the dashboard defaults.
pub fn ask(q: &Params, prefs: &Prefs, today: NaiveDate) -> Result<Ask, ApiError> {
    let given = ["origin", "departureDate", "adults"].iter().filter(|k| q.has(k)).count();
    if given > 0 && given < 3 {
        return Err(ApiError::new(400, "validation_failed", "origin, departureDate, and adults are required")
            .with_details(
                ["origin", "departureDate", "adults"]
                    .iter()
                    .filter(|k| !q.has(k))
                    .map(|k| kernel::FieldError::new(*k, "is required"))
                    .collect(),
            )
            .with_data(json!({"metadata": {"strategy": "invalid_params"}})));
    }
    let origin = q.code("origin")?.unwrap_or_else(|| "PAR".to_owned());
    let departure = q.date("departureDate")?.unwrap_or(today + chrono::Days::new(30));
    if departure < today {
        return Err(invalid("departureDate", "must not be in the past"));
    }
    let back = q.date("returnDate")?;
    if back.is_some_and(|b| b < departure) {
        return Err(invalid("returnDate", "must not be before departureDate"));
    }
    let adults = q.int("adults", 1, 9)?.unwrap_or(1);
    let children = q.int("children", 0, 8)?.unwrap_or(0);
    let infants = q.int("infants", 0, 9)?.unwrap_or(0);
    if adults + children > 9 {
        return Err(invalid("children", "adults and children together are at most 9"));
    }
    if infants > adults {
        return Err(invalid("infants", "must not outnumber adults"));
    }
    let cabin = match q.get("travelClass") {
        Some(c) if CABINS.contains(&c.to_ascii_uppercase().as_str()) => Some(c.to_ascii_uppercase()),
        Some(_) => return Err(invalid("travelClass", "must be ECONOMY, PREMIUM_ECONOMY, BUSINESS or FIRST")),
        None => prefs.cabin.as_deref().map(str::to_ascii_uppercase).filter(|c| CABINS.contains(&c.as_str())),
    };
    let mut destinations: Vec<String> = Vec::new();
    for d in q.list("destinations").iter().chain(q.get("destination").map(str::to_owned).iter()) {
        let code = Some(d.to_ascii_uppercase())
            .filter(|c| (2..=8).contains(&c.len()) && c.chars().all(|ch| ch.is_ascii_alphanumeric()))
            .ok_or_else(|| invalid("destinations", "must be codes of 2 to 8 letters or digits"))?;
        if code != origin && !destinations.contains(&code) {
            destinations.push(code);
        }
    }
    destinations.truncate(5);
    let suggested = destinations.is_empty();
    if suggested {
        destinations = suggest(prefs, &origin, departure.month(), 3).into_iter().map(|c| c.code.clone()).collect();
    }
    Ok(Ask {
        origin,
        destinations,
        departure,
        back,
        adults,
        children,
        infants,
        cabin,
        defaults_applied: given == 0,
        suggested,
    })
}

/// `PT2H35M` → 155.
pub fn iso_minutes(d: &str) -> Option<i64> {
    let rest = d.strip_prefix("PT").or_else(|| d.strip_prefix("P0DT"))?;
    let (mut total, mut n) = (0i64, String::new());
    for c in rest.chars() {
        match c {
            '0'..='9' => n.push(c),
            'H' => total += std::mem::take(&mut n).parse::<i64>().ok()? * 60,
            'M' => total += std::mem::take(&mut n).parse::<i64>().ok()?,
            'S' => n.clear(),
            _ => return None,
        }
    }
    Some(total)
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn amount(v: &Value, pointer: &str) -> Option<f64> {
    match v.pointer(pointer)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// `2030-05-01T07:35:00` → minutes after midnight.
fn clock_minutes(at: &str) -> Option<u32> {
    let time = at.split('T').nth(1)?;
    let mut parts = time.split(':');
    Some(parts.next()?.parse::<u32>().ok()? * 60 + parts.next()?.parse::<u32>().ok()?)
}

fn end(airport: &str, dictionaries: &Value) -> Value {
    let city_code = dictionaries.pointer(&format!("/locations/{airport}/cityCode")).and_then(Value::as_str);
    let city = city_code.and_then(climate::find);
    let city_name = city.map_or_else(|| city_code.unwrap_or(airport).to_owned(), |c| c.name.clone());
    json!({
        "cityCode": city_code.unwrap_or(airport), "cityName": city_name,
        "airportCode": airport, "airportName": format!("{city_name} ({airport})"),
        "countryCode": dictionaries.pointer(&format!("/locations/{airport}/countryCode")),
    })
}

/// A supplier offer (the voyage search's decorated Amadeus offer) as the client reads it.
pub fn flight(offer: &Value, dictionaries: &Value) -> Option<Value> {
    let segments = offer.pointer("/itineraries/0/segments")?.as_array()?;
    let (first, last) = (segments.first()?, segments.last()?);
    let minutes = iso_minutes(text(offer, "/itineraries/0/duration"));
    let total = amount(offer, "/price/total")?;
    Some(json!({
        "id": offer.get("id"), "flightId": offer.get("id"), "offerReference": offer.get("id"),
        "route": {"origin": end(text(first, "/departure/iataCode"), dictionaries),
                  "destination": end(text(last, "/arrival/iataCode"), dictionaries)},
        "airline": offer.get("airline").cloned().unwrap_or_else(|| json!({"code": text(first, "/carrierCode")})),
        "flightNumber": format!("{}{}", text(first, "/carrierCode"), text(first, "/number")),
        "duration": {"total": minutes, "iso": text(offer, "/itineraries/0/duration")},
        "schedule": {"departureTime": text(first, "/departure/at"), "arrivalTime": text(last, "/arrival/at")},
        "stops": segments.len().saturating_sub(1),
        "price": {"amount": total, "currency": text(offer, "/price/currency")},
        "cabinClass": offer.get("cabinClass"), "availableSeats": offer.get("availableSeats"),
        "isRefundable": offer.get("isRefundable"), "baggageAllowance": offer.get("baggageAllowance"),
        "returnTrip": offer.pointer("/itineraries/1").is_some(),
        "offer": offer,
    }))
}

/// The query's hard filters.
pub struct Filters {
    pub max_stops: Option<i64>,
    pub max_duration: Option<i64>,
    pub max_price: Option<f64>,
    pub airlines: Vec<String>,
    pub classes: Vec<String>,
    pub depart: (Option<u32>, Option<u32>),
    pub arrive: (Option<u32>, Option<u32>),
}

impl Filters {
    pub fn read(q: &Params) -> Result<Self, ApiError> {
        Ok(Self {
            max_stops: q.int("maxStops", 0, 5)?,
            max_duration: q.int("maxDuration", 30, 5_000)?,
            max_price: q.num("maxPrice", 1.0, 1_000_000.0)?,
            airlines: q.list("airlines").into_iter().map(|a| a.to_ascii_uppercase()).collect(),
            classes: q.list("flightClasses").into_iter().map(|a| a.to_ascii_uppercase()).collect(),
            depart: (q.time("departureTimeEarliest")?, q.time("departureTimeLatest")?),
            arrive: (q.time("arrivalTimeEarliest")?, q.time("arrivalTimeLatest")?),
        })
    }

    pub fn keep(&self, f: &Value) -> bool {
        let within = |at: &str, (lo, hi): (Option<u32>, Option<u32>)| {
            clock_minutes(at).is_none_or(|m| lo.is_none_or(|l| m >= l) && hi.is_none_or(|h| m <= h))
        };
        self.max_stops.is_none_or(|m| f["stops"].as_i64().unwrap_or(0) <= m)
            && self
                .max_duration
                .is_none_or(|m| f.pointer("/duration/total").and_then(Value::as_i64).is_none_or(|d| d <= m))
            && self.max_price.is_none_or(|m| f.pointer("/price/amount").and_then(Value::as_f64).is_some_and(|p| p <= m))
            && (self.airlines.is_empty() || self.airlines.iter().any(|a| a == text(f, "/airline/code")))
            && (self.classes.is_empty()
                || self.classes.iter().any(|c| c == f["cabinClass"].as_str().unwrap_or("ECONOMY")))
            && within(text(f, "/schedule/departureTime"), self.depart)
            && within(text(f, "/schedule/arrivalTime"), self.arrive)
    }
}

/// Scores the kept flights (the rule-based parts; the caller finishes with the weights).
/// `outlook`: per destination city, whether the forecast day suits being outside (when known).
pub fn score(
    flights: Vec<Value>,
    prefs: &Prefs,
    q: &Params,
    ask: &Ask,
    outlook: &std::collections::HashMap<String, bool>,
) -> Result<Vec<Scored>, ApiError> {
    let budget = q.num("budgetPerPerson", 1.0, 1_000_000.0)?;
    let prefer_direct = q.flag("preferDirectFlights")?.unwrap_or(false);
    let avoid_red_eye = q.flag("avoidRedEye")?.unwrap_or(false);
    let preferred_time = q.get("preferredDepartureTime").map(str::to_lowercase);
    let travellers = (ask.adults + ask.children).max(1) as f64;
    // Fares and durations are compared within a destination: a cheap long-haul fare is not
    // dearer than a short hop's for the same trip.
    let mut ranges: std::collections::HashMap<String, [f64; 4]> = std::collections::HashMap::new();
    for f in &flights {
        let r =
            ranges.entry(text(f, "/route/destination/cityCode").to_owned()).or_insert([f64::MAX, 0.0, f64::MAX, 0.0]);
        if let Some(p) = f.pointer("/price/amount").and_then(Value::as_f64) {
            (r[0], r[1]) = (r[0].min(p), r[1].max(p));
        }
        if let Some(d) = f.pointer("/duration/total").and_then(Value::as_f64) {
            (r[2], r[3]) = (r[2].min(d), r[3].max(d));
        }
    }
    let mut per_airline = std::collections::HashMap::<String, usize>::new();
    for f in &flights {
        *per_airline.entry(text(f, "/airline/code").to_owned()).or_default() += 1;
    }
    let busiest = per_airline.values().copied().max().unwrap_or(1).max(1) as f64;
    let month = ask.departure.month();
    let mut out = Vec::new();
    for f in flights {
        let mut reasons = Vec::new();
        let dest_code = text(&f, "/route/destination/cityCode").to_owned();
        let [pmin, pmax, dmin, dmax] = ranges.get(&dest_code).copied().unwrap_or([0.0; 4]);
        let price = f.pointer("/price/amount").and_then(Value::as_f64).unwrap_or(pmax);
        let mut price_score = low_is_better(price, pmin, pmax);
        let mut boost = (price_score - 0.5) * 0.2 * prefs.thrift();
        if price_score >= 0.8 && pmax > pmin {
            reasons.push("one of the cheapest fares".to_owned());
        }
        if let Some(b) = budget {
            if price / travellers <= b {
                reasons.push("within your budget per person".to_owned());
            } else {
                price_score *= 0.5;
                boost -= 0.1;
            }
        }
        let stops = f["stops"].as_i64().unwrap_or(0);
        let stop_score = match stops {
            0 => 1.0,
            1 => 0.6,
            _ => 0.3,
        };
        if stops == 0 {
            reasons.push("direct flight".to_owned());
        }
        let minutes = f.pointer("/duration/total").and_then(Value::as_f64).unwrap_or(dmax);
        let duration_score = low_is_better(minutes, dmin, dmax);
        let quality = if prefer_direct {
            0.3 * duration_score + 0.7 * stop_score
        } else {
            0.5 * duration_score + 0.5 * stop_score
        };
        let city = climate::find(&dest_code);
        let (similarity, mut fit_reasons) = city.map_or((0.5, Vec::new()), |c| destination_fit(prefs, c, month));
        reasons.append(&mut fit_reasons);
        let (mut contextual, note) = city.map_or((0.5, None), |c| season_fit(prefs, c, month));
        reasons.extend(note);
        match (outlook.get(&dest_code), city) {
            (Some(true), Some(c)) => {
                contextual = (contextual + 0.15).min(1.0);
                reasons.push(format!("good weather forecast in {}", c.name));
            }
            (Some(false), _) => contextual = (contextual - 0.15).max(0.0),
            _ => {}
        }
        let departs = clock_minutes(text(&f, "/schedule/departureTime")).unwrap_or(720);
        if avoid_red_eye && departs < 5 * 60 {
            contextual *= 0.5;
        }
        if let Some(t) = &preferred_time {
            let slot = match departs / 60 {
                5..=11 => "morning",
                12..=17 => "afternoon",
                18..=22 => "evening",
                _ => "night",
            };
            if t.contains(slot) {
                contextual = (contextual + 0.2).min(1.0);
                reasons.push(format!("leaves in the {slot}, as you prefer"));
            }
        }
        let cabin = f["cabinClass"].as_str().unwrap_or("ECONOMY").to_owned();
        let cabin_rank = CABINS.iter().position(|c| *c == cabin).unwrap_or(0) as f64;
        if prefs.thrift() < 0.3 && cabin_rank >= 2.0 {
            boost += 0.1;
            reasons.push(format!("{} cabin", cabin.to_lowercase()));
        }
        if prefs.with_children && stops == 0 {
            boost += 0.03;
        }
        let airline = text(&f, "/airline/code").to_owned();
        let popularity = 0.3 + 0.7 * per_airline.get(&airline).copied().unwrap_or(0) as f64 / busiest;
        let seats = f["availableSeats"].as_f64().unwrap_or(0.0);
        let vector = vec![
            price_score,
            duration_score,
            stop_score,
            f64::from(departs) / 1440.0,
            similarity,
            contextual,
            cabin_rank / 3.0,
            (seats / 9.0).min(1.0),
        ];
        out.push(Scored {
            id: text(&f, "/id").to_owned(),
            group: dest_code,
            offer: f,
            vector,
            similarity,
            popularity,
            quality,
            contextual,
            price: price_score,
            segment_boost: boost.clamp(-0.15, 0.15),
            learned: None,
            final_score: 0.0,
            confidence: 0.0,
            reasons,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_suggestions() {
        assert_eq!(iso_minutes("PT2H35M"), Some(155));
        assert_eq!(iso_minutes("PT45M"), Some(45));
        assert_eq!(iso_minutes("P1D"), None);
        let beach = Prefs::new(None, &Params::parse(Some("travelTypes=beach&comfortLevel=basic")));
        let picks = suggest(&beach, "PAR", 7, 3);
        assert_eq!(picks.len(), 3);
        assert!(
            picks.iter().all(|c| c.tags.iter().any(|t| t == "beach")),
            "{:?}",
            picks.iter().map(|c| &c.code).collect::<Vec<_>>()
        );
        let named = Prefs::new(None, &Params::parse(Some("preferredDestinations=Lisbon")));
        assert_eq!(suggest(&named, "PAR", 5, 1)[0].code, "LIS");
    }
}
