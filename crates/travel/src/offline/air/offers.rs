//! Flight offers: itineraries priced from what is sold, rendered as Amadeus flight-offers, and
//! regenerated from an offer id alone (pricing, orders and seat maps trust nothing else).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use kernel::{ApiError, FieldError};
use serde_json::{Map, Value, json};

use super::fares::{self, CABINS};
use super::id::{self, FlightRef, OfferRef};
use super::network::{self, Flight};
use crate::offline::{Offline, inventory};
use crate::reference;

/// Who travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pax {
    pub adults: i64,
    pub children: i64,
    pub infants: i64,
}

impl Pax {
    /// Travellers who take a seat (held infants do not).
    pub fn seated(&self) -> i64 {
        self.adults + self.children
    }

    /// `(travelerId, travelerType)` in Amadeus's order: adults, children, held infants.
    pub fn travelers(&self) -> Vec<(String, &'static str)> {
        let types = std::iter::repeat_n("ADULT", usize::try_from(self.adults).unwrap_or(0))
            .chain(std::iter::repeat_n("CHILD", usize::try_from(self.children).unwrap_or(0)))
            .chain(std::iter::repeat_n("HELD_INFANT", usize::try_from(self.infants).unwrap_or(0)));
        types.enumerate().map(|(i, t)| ((i + 1).to_string(), t)).collect()
    }
}

/// An offer with its current price and seats.
#[derive(Debug, Clone)]
pub struct Offer {
    pub id: String,
    pub cabin: usize,
    pub pax: Pax,
    pub currency: String,
    pub rate: f64,
    pub itineraries: Vec<Vec<Flight>>,
    /// Fare bucket per flight (same order as the flattened itineraries).
    pub buckets: Vec<usize>,
    /// Bookable seats: the fewest left on any of its flights.
    pub seats: i64,
    /// One adult's base fare and taxes, in euros.
    pub base_eur: f64,
    pub tax_eur: f64,
    /// 0 as searched (LIGHT), 1 STANDARD, 2 FLEX (see [`BRANDS`]).
    pub brand: usize,
}

/// Branded fares: name, fare factor, checked bags added, refundable, changeable.
pub const BRANDS: [(&str, f64, i64, bool, bool); 3] =
    [("LIGHT", 1.0, 0, false, false), ("STANDARD", 1.18, 1, false, true), ("FLEX", 1.45, 1, true, true)];

impl Offer {
    /// The same itinerary in another brand (its own id and price).
    pub fn with_brand(mut self, seed: u64, brand: usize) -> Self {
        let brand = brand.min(BRANDS.len() - 1);
        if let Some(mut r) = id::decode(seed, &self.id) {
            r.brand = brand;
            self.id = id::encode(seed, &r);
        }
        self.base_eur = self.base_eur / BRANDS[self.brand].1 * BRANDS[brand].1;
        self.brand = brand;
        self
    }

    pub fn flights(&self) -> impl Iterator<Item = &Flight> {
        self.itineraries.iter().flatten()
    }

    /// Inventory keys with the seats an order takes from each.
    pub fn holds(&self) -> Vec<(String, i64)> {
        self.flights().map(|f| (f.key(CABINS[self.cabin]), self.pax.seated())).collect()
    }

    /// `(travelerId, type, base cents, total cents)` per traveller.
    pub fn per_traveler(&self) -> Vec<(String, &'static str, i64, i64)> {
        self.pax
            .travelers()
            .into_iter()
            .map(|(tid, t)| {
                let (b, x) = fares::share(t);
                let base = fares::cents(self.base_eur * b, self.rate);
                let taxes = fares::cents(self.tax_eur * x, self.rate);
                (tid, t, base, base + taxes)
            })
            .collect()
    }

    /// Total and base, in cents.
    pub fn totals(&self) -> (i64, i64) {
        self.per_traveler().iter().fold((0, 0), |(t, b), p| (t + p.3, b + p.2))
    }

    /// One adult's total in cents.
    pub fn adult_total(&self) -> i64 {
        fares::cents(self.base_eur + self.tax_eur, self.rate)
    }

    pub fn minutes(&self) -> i64 {
        self.itineraries.iter().map(|legs| itinerary_minutes(legs)).sum()
    }
}

fn itinerary_minutes(legs: &[Flight]) -> i64 {
    match (legs.first(), legs.last()) {
        (Some(a), Some(b)) => (b.arr_utc - a.dep_utc).num_minutes(),
        _ => 0,
    }
}

/// `PT8H25M`.
pub fn iso_duration(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("PT{m}M"),
        (h, 0) => format!("PT{h}H"),
        (h, m) => format!("PT{h}H{m}M"),
    }
}

pub fn at(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Prices `itineraries` from the sold counts; `None` when a flight lacks the cabin.
pub fn price(
    seed: u64,
    today: NaiveDate,
    cabin: usize,
    pax: Pax,
    currency: &str,
    itineraries: Vec<Vec<Flight>>,
    sold: &HashMap<String, i64>,
) -> Option<Offer> {
    let rate = fares::rate(currency)?;
    let mut buckets = Vec::new();
    let (mut seats, mut base_eur, mut tax_eur) = (i64::MAX, 0.0, 0.0);
    for legs in &itineraries {
        let discount = if legs.len() > 1 { 0.85 } else { 1.0 };
        for f in legs {
            let capacity = fares::capacity(seed, f, cabin);
            if capacity <= 0 {
                return None;
            }
            let taken = sold.get(&f.key(CABINS[cabin])).copied().unwrap_or(0);
            let bucket = fares::bucket(seed, f, cabin, taken);
            seats = seats.min(capacity - taken);
            base_eur += fares::base_eur(seed, f, cabin, bucket, today) * discount;
            tax_eur += fares::taxes_eur(f);
            buckets.push(bucket);
        }
    }
    let refs = OfferRef {
        cabin,
        adults: pax.adults,
        children: pax.children,
        infants: pax.infants,
        currency: currency.to_owned(),
        itineraries: itineraries
            .iter()
            .map(|legs| {
                legs.iter()
                    .map(|f| FlightRef {
                        carrier: f.carrier.iata.clone(),
                        number: f.number,
                        from: f.from.iata.clone(),
                        to: f.to.iata.clone(),
                        date: f.dep.date(),
                    })
                    .collect()
            })
            .collect(),
        brand: 0,
    };
    Some(Offer {
        id: id::encode(seed, &refs),
        cabin,
        pax,
        currency: currency.to_owned(),
        rate,
        itineraries,
        buckets,
        seats: seats.max(0),
        base_eur,
        tax_eur,
        brand: 0,
    })
}

/// Amadeus's flight-offer.
pub fn render(o: &Offer, today: NaiveDate) -> Value {
    let mut segment_id = 0;
    let mut details = Vec::new();
    let (brand, _, extra_bags, _, _) = BRANDS[o.brand.min(2)];
    let bags = if o.cabin == 0 && o.base_eur < 250.0 { 0 } else { 1 + i64::from(o.cabin >= 2) } + extra_bags;
    let itineraries: Vec<Value> = o
        .itineraries
        .iter()
        .map(|legs| {
            let segments: Vec<Value> = legs
                .iter()
                .map(|f| {
                    segment_id += 1;
                    let bucket = o.buckets.get(segment_id - 1).copied().unwrap_or(0);
                    let class = fares::booking_class(o.cabin, bucket);
                    details.push(json!({
                        "segmentId": segment_id.to_string(),
                        "cabin": CABINS[o.cabin],
                        "fareBasis": format!("{class}{}{}", &CABINS[o.cabin][..2], f.carrier.iata),
                        "brandedFare": brand,
                        "class": class.to_string(),
                        "includedCheckedBags": { "quantity": bags },
                    }));
                    json!({
                        "departure": { "iataCode": f.from.iata, "at": at(f.dep) },
                        "arrival": { "iataCode": f.to.iata, "at": at(f.arr) },
                        "carrierCode": f.carrier.iata,
                        "number": f.number.to_string(),
                        "aircraft": { "code": f.aircraft },
                        "operating": { "carrierCode": f.carrier.iata },
                        "duration": iso_duration(f.minutes),
                        "id": segment_id.to_string(),
                        "numberOfStops": 0,
                        "blacklistedInEU": false,
                    })
                })
                .collect();
            // Built values are moved in, not passed through `json!` (which would copy them).
            let mut itinerary = json!({ "duration": iso_duration(itinerary_minutes(legs)) });
            itinerary["segments"] = Value::Array(segments);
            itinerary
        })
        .collect();
    let currency = o.currency.as_str();
    let travelers: Vec<Value> = o
        .per_traveler()
        .into_iter()
        .map(|(tid, t, base, total)| {
            let mut p = json!({
                "travelerId": tid,
                "fareOption": "STANDARD",
                "travelerType": t,
                "price": { "currency": currency, "total": fares::money(total), "base": fares::money(base) },
            });
            p["fareDetailsBySegment"] = Value::Array(details.clone());
            if t == "HELD_INFANT" {
                p["associatedAdultId"] = json!("1");
            }
            p
        })
        .collect();
    let (total, base) = o.totals();
    let first = o.flights().next().map_or(today, |f| f.dep.date());
    let last_ticketing = (today + Duration::days(3)).min(first).max(today);
    let carrier = o.flights().next().map_or("", |f| f.carrier.iata.as_str());
    let mut offer = json!({
        "type": "flight-offer",
        "id": o.id,
        "source": "GDS",
        "instantTicketingRequired": false,
        "nonHomogeneous": false,
        "oneWay": false,
        "lastTicketingDate": last_ticketing.to_string(),
        "numberOfBookableSeats": o.seats,
        "price": {
            "currency": currency,
            "total": fares::money(total),
            "base": fares::money(base),
            "fees": [
                { "amount": fares::money(total - base), "type": "SUPPLIER" },
                { "amount": "0.00", "type": "TICKETING" },
            ],
            "grandTotal": fares::money(total),
        },
        "pricingOptions": { "fareType": ["PUBLISHED"], "includedCheckedBagsOnly": bags > 0 },
        "validatingAirlineCodes": [carrier],
    });
    offer["itineraries"] = Value::Array(itineraries);
    offer["travelerPricings"] = Value::Array(travelers);
    offer
}

/// Amadeus's `dictionaries` for offers.
pub fn dictionaries<'a>(offers: impl Iterator<Item = &'a Offer>) -> Value {
    let (mut locations, mut aircraft, mut carriers, mut currencies) = (Map::new(), Map::new(), Map::new(), Map::new());
    for o in offers {
        currencies.entry(o.currency.clone()).or_insert_with(|| json!(fares::currency_name(&o.currency)));
        for f in o.flights() {
            for a in [f.from, f.to] {
                locations
                    .entry(a.iata.clone())
                    .or_insert_with(|| json!({ "cityCode": a.city_code, "countryCode": a.country }));
            }
            aircraft.entry(f.aircraft).or_insert_with(|| json!(network::aircraft_name(f.aircraft)));
            carriers.entry(f.carrier.iata.clone()).or_insert_with(|| json!(f.carrier.name));
        }
    }
    json!({ "locations": locations, "aircraft": aircraft, "currencies": currencies, "carriers": carriers })
}

pub fn invalid_offer(field: &str) -> ApiError {
    ApiError::new(400, "invalid_offer", "This offer id is not one of ours, or was changed")
        .with_details(vec![FieldError::new(field, "is not a valid offer id")])
}

pub fn unavailable(message: &str) -> ApiError {
    ApiError::new(409, "offer_unavailable", message.to_owned())
}

/// Regenerates the flights an id names (`None` when one does not exist).
fn regenerate(seed: u64, r: &OfferRef) -> Option<Vec<Vec<Flight>>> {
    let refdata = reference::get();
    r.itineraries
        .iter()
        .map(|legs| {
            legs.iter()
                .map(|x| {
                    let carrier = refdata.airline(&x.carrier)?;
                    let (a, b) = (refdata.airport(&x.from)?, refdata.airport(&x.to)?);
                    network::flights(seed, carrier, a, b, x.date).into_iter().find(|f| f.number == x.number)
                })
                .collect()
        })
        .collect()
}

/// The offer `id` names, priced now: 400 `invalid_offer` naming `field` when the id is not
/// ours; 409 `offer_unavailable` when it has left or its seats are gone.
pub async fn load(o: &Offline, offer_id: &str, field: &str) -> Result<Offer, ApiError> {
    let r = id::decode(o.seed, offer_id).ok_or_else(|| invalid_offer(field))?;
    let itineraries = regenerate(o.seed, &r).ok_or_else(|| invalid_offer(field))?;
    let pax = Pax { adults: r.adults, children: r.children, infants: r.infants };
    let keys: Vec<String> = itineraries.iter().flatten().map(|f| f.key(CABINS[r.cabin])).collect();
    let sold = inventory::sold(&o.db, &keys).await?;
    let now: DateTime<Utc> = o.clock.now();
    let offer = price(o.seed, now.date_naive(), r.cabin, pax, &r.currency, itineraries, &sold)
        .ok_or_else(|| invalid_offer(field))?
        .with_brand(o.seed, r.brand);
    if offer.flights().next().is_none_or(|f| f.dep_utc <= now) {
        return Err(unavailable("This flight has already left"));
    }
    if offer.seats < pax.seated() {
        return Err(unavailable("These flights no longer have enough seats in this cabin"));
    }
    Ok(offer)
}
