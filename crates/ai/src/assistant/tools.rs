//! The tools the model may call. Searches go to the travel supplier exactly as the public
//! voyage routes would (same parameters, same offers), and every offer they return is
//! remembered for the conversation: a draft itinerary is accepted only with offers the
//! conversation's searches returned, each priced again by the supplier and written as the body
//! `POST /api/v1/cart/items` takes, so what the assistant proposes can be booked as shown.
//!
//! A tool never fails the turn: what went wrong (bad parameters, an offer it did not search,
//! a supplier outage) is the tool's result, for the model to correct or explain.

use std::collections::HashMap;

use chrono::NaiveDate;
use kernel::{ApiError, Currency};
use serde_json::{Value, json};

use crate::llm::Tool;

/// How many offers of one search the model is shown (all are remembered).
const SHOWN_OFFERS: usize = 6;
/// At most this many items in a draft.
const MAX_ITEMS: usize = 20;

/// The kinds of offer a search returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Flight,
    Hotel,
    Activity,
}

impl Kind {
    /// The cart's `itemType` (and the offers table's `kind`).
    pub fn item_type(self) -> &'static str {
        match self {
            Kind::Flight => "flight",
            Kind::Hotel => "hotel",
            Kind::Activity => "activity",
        }
    }

    /// The supplier's search kind.
    pub fn search_kind(self) -> &'static str {
        match self {
            Kind::Flight => "flights",
            Kind::Hotel => "hotels",
            Kind::Activity => "activities",
        }
    }

    fn parse_type(raw: &str) -> Option<Kind> {
        match raw.trim().to_ascii_uppercase().as_str() {
            "FLIGHT" => Some(Kind::Flight),
            "HOTEL" => Some(Kind::Hotel),
            "ACTIVITY" => Some(Kind::Activity),
            _ => None,
        }
    }

    /// The tool searching this kind.
    pub fn of_tool(name: &str) -> Option<Kind> {
        match name {
            "search_flights" => Some(Kind::Flight),
            "search_hotels" => Some(Kind::Hotel),
            "search_activities" => Some(Kind::Activity),
            _ => None,
        }
    }

    /// The parameters the tool passes on to the search route, and defaults it adds.
    fn params(self) -> (&'static [&'static str], &'static [(&'static str, &'static str)]) {
        match self {
            Kind::Flight => (
                &[
                    "originLocationCode",
                    "destinationLocationCode",
                    "departureDate",
                    "returnDate",
                    "adults",
                    "children",
                    "travelClass",
                    "nonStop",
                    "maxPrice",
                    "currencyCode",
                ],
                &[("max", "10")],
            ),
            Kind::Hotel => (
                &["cityCode", "checkInDate", "checkOutDate", "adults", "roomQuantity", "priceRange", "currency"],
                &[("pageSize", "10")],
            ),
            Kind::Activity => (&["latitude", "longitude", "radius"], &[]),
        }
    }
}

pub const DRAFT_TOOL: &str = "draft_itinerary";

/// The tools, declared with JSON-schema parameters.
pub fn declared() -> Vec<Tool> {
    let date = json!({"type": "string", "description": "YYYY-MM-DD"});
    vec![
        Tool::function(
            "search_flights",
            "Search flight offers. Returns offers with their offerId, price and schedule.",
            json!({"type": "object", "properties": {
                "originLocationCode": {"type": "string", "description": "IATA airport or city code, or a city name"},
                "destinationLocationCode": {"type": "string", "description": "IATA airport or city code, or a city name"},
                "departureDate": date, "returnDate": date,
                "adults": {"type": "integer", "minimum": 1, "maximum": 9},
                "children": {"type": "integer", "minimum": 0, "maximum": 8},
                "travelClass": {"type": "string", "enum": ["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"]},
                "nonStop": {"type": "boolean"}, "maxPrice": {"type": "integer"},
                "currencyCode": {"type": "string", "description": "ISO 4217"}},
                "required": ["originLocationCode", "destinationLocationCode", "departureDate"]}),
        ),
        Tool::function(
            "search_hotels",
            "Search hotel offers in a city for a stay. Returns hotels with the offerId of their best offer and its total price.",
            json!({"type": "object", "properties": {
                "cityCode": {"type": "string", "description": "IATA city code, e.g. PAR"},
                "checkInDate": date, "checkOutDate": date,
                "adults": {"type": "integer", "minimum": 1, "maximum": 9},
                "roomQuantity": {"type": "integer", "minimum": 1, "maximum": 9},
                "currency": {"type": "string", "description": "ISO 4217"}},
                "required": ["cityCode", "checkInDate", "checkOutDate"]}),
        ),
        Tool::function(
            "search_activities",
            "Search tours and activities around a point. Returns activities with their offerId and price per person.",
            json!({"type": "object", "properties": {
                "latitude": {"type": "number", "minimum": -90, "maximum": 90},
                "longitude": {"type": "number", "minimum": -180, "maximum": 180},
                "radius": {"type": "integer", "minimum": 0, "maximum": 20, "description": "km"}},
                "required": ["latitude", "longitude"]}),
        ),
        Tool::function(
            DRAFT_TOOL,
            "Propose a bookable itinerary to the traveller. Use only offerIds returned by the searches of this conversation.",
            json!({"type": "object", "properties": {
                "title": {"type": "string"}, "destination": {"type": "string"},
                "startDate": date, "endDate": date,
                "items": {"type": "array", "maxItems": MAX_ITEMS, "items": {"type": "object", "properties": {
                    "type": {"type": "string", "enum": ["FLIGHT", "HOTEL", "ACTIVITY"]},
                    "offerId": {"type": "string"}, "title": {"type": "string"},
                    "day": {"type": "integer", "minimum": 1, "description": "Day of the trip, 1 = startDate"},
                    "date": {"type": "string", "description": "YYYY-MM-DD (activities: the day it takes place)"},
                    "participants": {"type": "integer", "minimum": 1, "maximum": 20, "description": "Activities: people"},
                    "notes": {"type": "string"}},
                    "required": ["type", "offerId", "title"]}}},
                "required": ["title", "destination", "startDate", "endDate", "items"]}),
        ),
    ]
}

/// The search route's query parameters from the model's arguments (known keys only, scalars
/// as text), with the tool's defaults.
pub fn search_params(kind: Kind, args: &Value) -> HashMap<String, String> {
    let (keys, defaults) = kind.params();
    let mut params: HashMap<String, String> =
        defaults.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    for key in keys {
        let value = match args.get(*key) {
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Bool(b)) => b.to_string(),
            _ => continue,
        };
        params.insert((*key).to_owned(), value);
    }
    params
}

/// The offers in a search answer: (offer id, offer) for each.
pub fn offers_of(answer: &Value) -> Vec<(String, Value)> {
    let list = answer.get("data").and_then(Value::as_array).cloned().unwrap_or_default();
    list.into_iter()
        .filter_map(|o| {
            let id = match o.get("id") {
                Some(Value::String(s)) if !s.is_empty() => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return None,
            };
            Some((id, o))
        })
        .collect()
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer).unwrap_or(&Value::Null)
}

/// What the model is shown of a search: a few fields of the first offers.
pub fn summary(kind: Kind, offers: &[(String, Value)]) -> Value {
    let shown: Vec<Value> = offers
        .iter()
        .take(SHOWN_OFFERS)
        .map(|(id, o)| match kind {
            Kind::Flight => json!({
                "offerId": id, "price": text(o, "/price/total"), "currency": text(o, "/price/currency"),
                "departure": text(o, "/departure"), "arrival": text(o, "/arrival"),
                "airline": text(o, "/airline/name"), "stops": text(o, "/stops"), "duration": text(o, "/duration"),
                "returnFlight": o.pointer("/itineraries/1").is_some()}),
            Kind::Hotel => json!({
                "offerId": id, "name": text(o, "/name"), "cityCode": text(o, "/cityCode"),
                "checkIn": text(o, "/checkInDate"), "checkOut": text(o, "/checkOutDate"), "nights": text(o, "/nights"),
                "price": text(o, "/price/amount"), "currency": text(o, "/price/currency"), "rating": text(o, "/rating")}),
            Kind::Activity => json!({
                "offerId": id, "name": text(o, "/name"), "pricePerPerson": text(o, "/price/amount"),
                "currency": text(o, "/price/currency"), "description": text(o, "/shortDescription")}),
        })
        .collect();
    json!({"count": offers.len(), "shown": shown.len(), "offers": shown})
}

/// One item of a draft as the model wrote it.
#[derive(Debug, Clone)]
pub struct DraftItem {
    pub kind: Kind,
    pub offer_id: String,
    pub title: String,
    pub day: Option<i64>,
    pub date: Option<NaiveDate>,
    pub participants: i64,
    pub notes: Option<String>,
}

/// A draft as the model wrote it, checked for shape.
#[derive(Debug, Clone)]
pub struct Draft {
    pub title: String,
    pub destination: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub items: Vec<DraftItem>,
}

fn date(raw: Option<&Value>) -> Option<NaiveDate> {
    let raw = raw?.as_str()?.trim();
    NaiveDate::parse_from_str(raw.get(..10).unwrap_or(raw), "%Y-%m-%d").ok()
}

fn short(raw: Option<&Value>, max: usize) -> Option<String> {
    let s = raw?.as_str()?.trim();
    (!s.is_empty()).then(|| s.chars().take(max).collect())
}

/// Reads the draft's arguments; the problems, for the model, when it cannot.
pub fn parse_draft(args: &Value) -> Result<Draft, Vec<String>> {
    let mut errors = Vec::new();
    let title = short(args.get("title"), 200).unwrap_or_else(|| {
        errors.push("title is required".to_owned());
        String::new()
    });
    let destination = short(args.get("destination"), 200).unwrap_or_else(|| {
        errors.push("destination is required".to_owned());
        String::new()
    });
    let start = date(args.get("startDate"));
    let end = date(args.get("endDate"));
    if start.is_none() {
        errors.push("startDate must be YYYY-MM-DD".to_owned());
    }
    if end.is_none() {
        errors.push("endDate must be YYYY-MM-DD".to_owned());
    }
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        errors.push("endDate must not be before startDate".to_owned());
    }
    let raw_items = args.get("items").and_then(Value::as_array).cloned().unwrap_or_default();
    if raw_items.is_empty() || raw_items.len() > MAX_ITEMS {
        errors.push(format!("items must hold 1 to {MAX_ITEMS} items"));
    }
    let mut items = Vec::new();
    for (i, item) in raw_items.iter().enumerate() {
        let kind = item.get("type").and_then(Value::as_str).and_then(Kind::parse_type);
        let offer_id = match item.get("offerId") {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let (Some(kind), Some(offer_id)) = (kind, offer_id) else {
            errors.push(format!("items[{i}] needs a type (FLIGHT, HOTEL or ACTIVITY) and an offerId"));
            continue;
        };
        let participants = item.get("participants").and_then(Value::as_i64).unwrap_or(1);
        if !(1..=20).contains(&participants) {
            errors.push(format!("items[{i}].participants must be 1 to 20"));
        }
        items.push(DraftItem {
            kind,
            title: short(item.get("title"), 200).unwrap_or_else(|| offer_id.clone()),
            offer_id,
            day: item.get("day").and_then(Value::as_i64).filter(|d| (1..=366).contains(d)),
            date: date(item.get("date")),
            participants,
            notes: short(item.get("notes"), 1000),
        });
    }
    match (start, end) {
        (Some(start), Some(end)) if errors.is_empty() => Ok(Draft { title, destination, start, end, items }),
        _ => Err(errors),
    }
}

impl DraftItem {
    /// The day an activity takes place: its date, else its day of the trip, else the first day.
    pub fn activity_date(&self, start: NaiveDate) -> NaiveDate {
        self.date.unwrap_or_else(|| start + chrono::Duration::days(self.day.unwrap_or(1) - 1))
    }

    /// The cart's `itemData` for this item, from the offer as the search returned it, and the
    /// cart's `quantity`.
    pub fn cart_data(&self, offer: &Value, start: NaiveDate) -> (Value, i64) {
        match self.kind {
            // The whole offer is what DreamScape's client adds (Amadeus prices what it is shown).
            Kind::Flight => (offer.clone(), 1),
            Kind::Hotel => (json!({"offerId": self.offer_id}), 1),
            Kind::Activity => {
                (json!({"offerId": self.offer_id, "date": self.activity_date(start).to_string()}), self.participants)
            }
        }
    }
}

/// Minor units as the major-unit number the cart's `price` is.
pub fn major(minor: i64, currency: &str) -> f64 {
    let digits = Currency::parse(currency).map_or(2, |c| c.minor_digits());
    #[allow(clippy::cast_precision_loss)]
    let value = minor as f64;
    value / 10_f64.powi(i32::from(digits))
}

/// A price as shown in an itinerary.
pub fn price(minor: i64, currency: &str) -> Value {
    json!({"amount": major(minor, currency), "amountMinor": minor, "currency": currency})
}

/// A supplier's error as the tool's result.
pub fn supplier_error(e: &ApiError) -> Value {
    json!({"error": e.message, "code": e.code, "fields": e.details.iter().map(|d| d.field.clone()).collect::<Vec<_>>()})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_params_keep_known_scalars_and_add_defaults() {
        let p = search_params(
            Kind::Flight,
            &json!({"originLocationCode": " PAR ", "destinationLocationCode": "LIS", "adults": 2, "nonStop": true,
                    "evil": "x", "departureDate": {"no": 1}}),
        );
        assert_eq!(p.get("originLocationCode").map(String::as_str), Some("PAR"));
        assert_eq!(p.get("adults").map(String::as_str), Some("2"));
        assert_eq!(p.get("nonStop").map(String::as_str), Some("true"));
        assert_eq!(p.get("max").map(String::as_str), Some("10"));
        assert!(!p.contains_key("evil") && !p.contains_key("departureDate"));
    }

    #[test]
    fn a_draft_is_read_or_its_problems_listed() {
        let ok = parse_draft(&json!({"title": "Lisbon", "destination": "LIS", "startDate": "2027-05-01",
            "endDate": "2027-05-04", "items": [{"type": "activity", "offerId": 7, "title": "Tram", "day": 2, "participants": 2}]}))
        .unwrap();
        assert_eq!(ok.items[0].offer_id, "7");
        assert_eq!(ok.items[0].activity_date(ok.start).to_string(), "2027-05-02");
        assert_eq!(ok.items[0].cart_data(&Value::Null, ok.start).1, 2);
        let bad = parse_draft(&json!({"title": "x", "startDate": "2027-05-04", "endDate": "2027-05-01",
            "items": [{"type": "CAR", "offerId": "1"}]}))
        .unwrap_err();
        assert_eq!(bad.len(), 3, "{bad:?}");
    }

    #[test]
    fn minor_units_follow_the_currency() {
        assert!((major(12345, "EUR") - 123.45).abs() < 1e-9);
        assert!((major(500, "JPY") - 500.0).abs() < 1e-9);
    }
}
