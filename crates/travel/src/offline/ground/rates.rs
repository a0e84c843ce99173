//! Hotel rooms and rates (Amadeus Hotel Search v3). A [`Stay`] — hotel, dates, room type, rate,
//! board, guests, rooms, currency — is all an offer is: its id spells it out (`^[A-Z0-9]+$`),
//! so an offer is priced again from the id alone, at the current price. Nightly rates follow
//! the season, the weekday, the hotel's stars and its city's size, and rise as rooms sell;
//! a room type sold out on any night of the stay is not offered.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use kernel::ApiError;
use serde_json::{Value, json};

use super::hotels::{self, Hotel};
use super::orders::Hold;
use super::{
    Currency, Offline, amount, check, int_param, invalid, invalid_offer, parse_date, price_range, today, unavailable,
};
use crate::offline::inventory;
use crate::offline::rng::Rng;
use crate::provider::Request;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoomType {
    Standard,
    Superior,
    Deluxe,
    Suite,
}

impl RoomType {
    const ALL: [RoomType; 4] = [RoomType::Standard, RoomType::Superior, RoomType::Deluxe, RoomType::Suite];

    pub fn name(self) -> &'static str {
        ["STANDARD", "SUPERIOR", "DELUXE", "SUITE"][self as usize]
    }

    fn letter(self) -> char {
        ['S', 'U', 'D', 'X'][self as usize]
    }

    fn multiplier(self) -> f64 {
        [1.0, 1.25, 1.6, 2.4][self as usize]
    }

    /// Adults one room sleeps.
    fn sleeps(self) -> i64 {
        [2, 3, 3, 4][self as usize]
    }

    /// Amadeus's 3-character room type code, beds and bed type.
    fn beds(self) -> (&'static str, i64, &'static str) {
        [("ST1", 1, "DOUBLE"), ("SU1", 1, "QUEEN"), ("DX1", 1, "KING"), ("SK2", 2, "KING")][self as usize]
    }

    fn description(self) -> &'static str {
        [
            "Standard room with a double bed, shower room, desk and free Wi-Fi.",
            "Superior room, more space and a queen bed; tea and coffee tray, city view on request.",
            "Deluxe room with a king bed, seating corner, bathtub and the hotel's best outlook.",
            "Suite with a separate living room, king bed, sofa bed for a third or fourth guest.",
        ][self as usize]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rate {
    Flexible,
    NonRefundable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // Amadeus's names: HALF_BOARD, FULL_BOARD
pub(crate) enum Board {
    RoomOnly,
    Breakfast,
    HalfBoard,
    FullBoard,
    AllInclusive,
}

impl Board {
    const ALL: [Board; 5] =
        [Board::RoomOnly, Board::Breakfast, Board::HalfBoard, Board::FullBoard, Board::AllInclusive];

    fn name(self) -> &'static str {
        ["ROOM_ONLY", "BREAKFAST", "HALF_BOARD", "FULL_BOARD", "ALL_INCLUSIVE"][self as usize]
    }

    fn letter(self) -> char {
        ['R', 'B', 'H', 'F', 'A'][self as usize]
    }

    /// EUR per adult and night at a 3-star hotel.
    fn per_adult(self) -> f64 {
        [0.0, 14.0, 35.0, 55.0, 85.0][self as usize]
    }

    fn offered_by(self, hotel: &Hotel) -> bool {
        let restaurant = hotel.amenities.contains(&"RESTAURANT");
        match self {
            Board::RoomOnly | Board::Breakfast => true,
            Board::HalfBoard => hotel.stars >= 3 && restaurant,
            Board::FullBoard | Board::AllInclusive => hotel.stars >= 4 && restaurant,
        }
    }
}

/// One offer: what is sold, for whom, in which currency.
#[derive(Debug, Clone)]
pub(super) struct Stay {
    pub hotel: Hotel,
    pub check_in: NaiveDate,
    pub nights: i64,
    pub room: RoomType,
    pub rate: Rate,
    pub board: Board,
    pub adults: i64,
    pub rooms: i64,
    pub currency: Currency,
}

/// One night's price for all the rooms of a stay, in hundredths.
#[derive(Debug, Clone, Copy)]
pub(super) struct Night {
    pub date: NaiveDate,
    pub base: i64,
    pub vat: i64,
    pub city_tax: i64,
}

impl Night {
    pub fn total(&self) -> i64 {
        self.base + self.vat + self.city_tax
    }
}

impl Stay {
    pub fn check_out(&self) -> NaiveDate {
        self.check_in + Duration::days(self.nights)
    }

    pub fn id(&self, seed: u64) -> String {
        let body = format!(
            "{}{}{:02}{}{}{}{}{}{}",
            self.hotel.id,
            self.check_in.format("%Y%m%d"),
            self.nights,
            self.room.letter(),
            if self.rate == Rate::Flexible { 'B' } else { 'P' },
            self.board.letter(),
            self.adults,
            self.rooms,
            self.currency.code,
        );
        let check = check(seed, &body);
        format!("{body}{check}")
    }

    /// The stay an offer id describes (`None`: not one of ours).
    pub fn decode(seed: u64, id: &str) -> Option<Stay> {
        let id = id.trim();
        if id.len() != 28 || !id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
            return None;
        }
        let (body, sum) = (id.get(..26)?, id.get(26..)?);
        if check(seed, body) != sum {
            return None;
        }
        let hotel = hotels::find(seed, body.get(..8)?)?;
        let check_in = NaiveDate::parse_from_str(body.get(8..16)?, "%Y%m%d").ok()?;
        let nights: i64 = body.get(16..18)?.parse().ok()?;
        let letter = |at: usize| body.get(at..=at).and_then(|s| s.chars().next());
        let room = RoomType::ALL.into_iter().find(|r| Some(r.letter()) == letter(18))?;
        let rate = match letter(19)? {
            'B' => Rate::Flexible,
            'P' => Rate::NonRefundable,
            _ => return None,
        };
        let board = Board::ALL.into_iter().find(|b| Some(b.letter()) == letter(20))?;
        let adults = i64::from(letter(21)?.to_digit(10)?);
        let rooms = i64::from(letter(22)?.to_digit(10)?);
        let currency = Currency::parse(body.get(23..26)?)?;
        let valid = (1..=30).contains(&nights)
            && (1..=9).contains(&adults)
            && (1..=9).contains(&rooms)
            && hotel.rooms.iter().any(|(r, _)| *r == room);
        valid.then_some(Stay { hotel, check_in, nights, room, rate, board, adults, rooms, currency })
    }

    fn capacity(&self) -> i64 {
        self.hotel.rooms.iter().find(|(r, _)| *r == self.room).map_or(0, |(_, n)| *n)
    }

    /// The inventory key of each night.
    pub fn keys(&self) -> Vec<String> {
        (0..self.nights)
            .map(|n| format!("H|{}|{}|{}", self.hotel.id, self.room.name(), self.check_in + Duration::days(n)))
            .collect()
    }

    /// What an order of this stay takes: its rooms, every night.
    pub fn holds(&self) -> Vec<Hold> {
        let capacity = self.capacity();
        self.keys().into_iter().map(|key| Hold { key, capacity, count: self.rooms }).collect()
    }

    /// Each night's price with `sold` rooms already gone; `None` when a night has too few left.
    pub fn price(&self, seed: u64, sold: &HashMap<String, i64>) -> Option<Vec<Night>> {
        let capacity = self.capacity();
        let hotel = &self.hotel;
        let star_base = [55.0, 55.0, 78.0, 115.0, 175.0, 320.0].get(hotel.stars as usize).copied().unwrap_or(115.0);
        let city = (0.8 + 0.12 * (hotel.city.population.max(1) as f64 / 50_000.0).max(1.0).log10()).min(1.3);
        let per_room = (self.adults + self.rooms - 1) / self.rooms;
        let occupancy = match per_room {
            1 => 0.93,
            2 => 1.0,
            n => 1.0 + 0.2 * (n - 2) as f64,
        };
        let rate = if self.rate == Rate::Flexible { 1.0 } else { 0.88 };
        let board = self.board.per_adult() * (0.7 + 0.1 * hotel.stars as f64) * per_room as f64;
        let mut nights = Vec::new();
        for (n, key) in self.keys().iter().enumerate() {
            let date = self.check_in + Duration::days(n as i64);
            let taken = sold.get(key).copied().unwrap_or(0);
            if taken + self.rooms > capacity {
                return None;
            }
            let demand = 1.0 + 0.6 * (taken as f64 / capacity.max(1) as f64).powi(2);
            let jitter = 0.96 + 0.08 * Rng::new(seed, &["night", &hotel.id, &date.to_string()]).unit();
            let room = star_base * city * hotel.price_factor * self.room.multiplier() * season(date, hotel.city.lat);
            let eur = room * weekday(date) * jitter * demand * occupancy * rate + board;
            let base = self.currency.cents(eur) * self.rooms;
            let vat = (base as f64 * 0.10).round() as i64;
            let city_tax = self.currency.cents(0.75 * hotel.stars as f64) * self.adults;
            nights.push(Night { date, base, vat, city_tax });
        }
        Some(nights)
    }

    /// Amadeus's hotel offer for this stay at `nights`' prices.
    pub fn offer(&self, seed: u64, nights: &[Night]) -> Value {
        let id = self.id(seed);
        let (base, total) = (nights.iter().map(|n| n.base).sum::<i64>(), nights.iter().map(Night::total).sum::<i64>());
        let (vat, city_tax) =
            (nights.iter().map(|n| n.vat).sum::<i64>(), nights.iter().map(|n| n.city_tax).sum::<i64>());
        let cur = &self.currency.code;
        let changes: Vec<Value> = nights
            .iter()
            .map(|n| {
                json!({"startDate": n.date.to_string(), "endDate": (n.date + Duration::days(1)).to_string(),
                       "currency": cur, "base": amount(n.base), "total": amount(n.total())})
            })
            .collect();
        let (code, room_count, bed) = self.room.beds();
        let rate_code = if self.rate == Rate::Flexible { "BAR" } else { "PRO" };
        json!({
            "type": "hotel-offer",
            "id": id,
            "checkInDate": self.check_in.to_string(),
            "checkOutDate": self.check_out().to_string(),
            "rateCode": rate_code,
            "rateFamilyEstimated": {"code": rate_code, "type": "P"},
            "boardType": self.board.name(),
            "room": {
                "type": code,
                "typeEstimated": {"category": self.room.name(), "beds": room_count, "bedType": bed},
                "description": {"text": self.room.description(), "lang": "EN"},
            },
            "guests": {"adults": self.adults},
            "roomQuantity": self.rooms.to_string(),
            "price": {
                "currency": cur,
                "base": amount(base),
                "total": amount(total),
                "sellingTotal": amount(total),
                "taxes": [
                    {"code": "VALUE_ADDED_TAX", "amount": amount(vat), "currency": cur, "percentage": "10.00",
                     "included": false, "pricingFrequency": "PER_STAY", "pricingMode": "PER_PRODUCT"},
                    {"code": "CITY_TAX", "amount": amount(city_tax), "currency": cur, "included": false,
                     "pricingFrequency": "PER_STAY", "pricingMode": "PER_OCCUPANT"},
                ],
                "variations": {
                    "average": {"base": amount(base / self.nights.max(1))},
                    "changes": changes,
                },
            },
            "policies": self.policies(nights),
            "self": format!("/v3/shopping/hotel-offers/{id}"),
        })
    }

    fn policies(&self, nights: &[Night]) -> Value {
        let total: i64 = nights.iter().map(Night::total).sum();
        if self.rate == Rate::NonRefundable {
            return json!({
                "paymentType": "DEPOSIT",
                "cancellations": [{"type": "FULL_STAY", "amount": amount(total),
                    "description": {"text": "Non-refundable rate: the whole stay is charged on cancellation."}}],
                "refundable": {"cancellationRefund": "NON_REFUNDABLE"},
            });
        }
        let day = self.check_in - Duration::days(self.hotel.free_cancel_days);
        let zone: chrono_tz::Tz = self.hotel.city.tz.parse().unwrap_or(chrono_tz::UTC);
        let deadline = day
            .and_hms_opt(23, 59, 0)
            .and_then(|t| zone.from_local_datetime(&t).earliest())
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_else(|| format!("{day}T23:59:00+00:00"));
        let first = nights.first().map_or(0, Night::total);
        json!({
            "paymentType": "GUARANTEE",
            "cancellations": [{"deadline": deadline, "amount": amount(first),
                "description": {"text": "Free cancellation until the deadline; the first night is charged after it."}}],
            "refundable": {"cancellationRefund": "REFUNDABLE_UP_TO_DEADLINE"},
        })
    }
}

/// Demand by month (northern hemisphere; shifted six months south of the equator).
fn season(date: NaiveDate, lat: f64) -> f64 {
    let month = if lat < 0.0 { (date.month0() + 6) % 12 } else { date.month0() };
    [0.85, 0.86, 0.95, 1.0, 1.06, 1.15, 1.25, 1.22, 1.06, 1.0, 0.9, 1.05].get(month as usize).copied().unwrap_or(1.0)
}

fn weekday(date: NaiveDate) -> f64 {
    match date.weekday() {
        Weekday::Fri | Weekday::Sat => 1.12,
        Weekday::Sun => 0.95,
        _ => 1.0,
    }
}

/// Dates, guests and rooms of a search, validated as Amadeus names them.
pub(super) fn stay_dates(offline: &Offline, request: &Request) -> Result<(NaiveDate, i64), ApiError> {
    let today = today(offline);
    let check_in = match request.get("checkInDate").filter(|s| !s.trim().is_empty()) {
        Some(raw) => parse_date(raw, "checkInDate")?,
        None => today,
    };
    if check_in < today {
        return Err(invalid("checkInDate", "must not be in the past"));
    }
    let check_out = match request.get("checkOutDate").filter(|s| !s.trim().is_empty()) {
        Some(raw) => parse_date(raw, "checkOutDate")?,
        None => check_in + Duration::days(1),
    };
    if check_out <= check_in {
        return Err(invalid("checkOutDate", "must be after checkInDate"));
    }
    let nights = (check_out - check_in).num_days();
    if nights > 30 {
        return Err(invalid("checkOutDate", "a stay is at most 30 nights"));
    }
    if check_in > today + Duration::days(365) {
        return Err(invalid("checkInDate", "must be within a year"));
    }
    Ok((check_in, nights))
}

/// `GET /v3/shopping/hotel-offers`.
pub(super) async fn offers(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let ids = hotels::ids_param(request, 100)?;
    let (check_in, nights) = stay_dates(offline, request)?;
    let adults = int_param(request, "adults", 1, 1, 9)?;
    let rooms = int_param(request, "roomQuantity", 1, 1, 9)?;
    let currency = Currency::from_request(offline, request, "currency")?;
    let board = match request.get("boardType").map(|b| b.trim().to_ascii_uppercase()).filter(|b| !b.is_empty()) {
        None => Board::RoomOnly,
        Some(name) => Board::ALL.into_iter().find(|b| b.name() == name).ok_or_else(|| {
            invalid("boardType", "must be ROOM_ONLY, BREAKFAST, HALF_BOARD, FULL_BOARD or ALL_INCLUSIVE")
        })?,
    };
    let range = price_range(request.get("priceRange"))?;
    let best_only = matches!(request.get("bestRateOnly").map(str::trim), Some("true"));
    let found: Vec<Hotel> = ids.iter().filter_map(|id| hotels::find(offline.seed, id)).collect();
    if found.is_empty() {
        return Err(ApiError::not_found("No such hotel")
            .with_details(vec![kernel::FieldError::new("hotelIds", "none of these hotels is known")]));
    }
    let mut stays: Vec<Stay> = Vec::new();
    for hotel in found.iter().filter(|h| board.offered_by(h)) {
        for (room, _) in hotel.rooms.iter().filter(|(r, _)| r.sleeps() * rooms >= adults) {
            for rate in [Rate::Flexible, Rate::NonRefundable] {
                if rate == Rate::NonRefundable && !hotel.non_refundable {
                    continue;
                }
                let (hotel, room, currency) = (hotel.clone(), *room, currency.clone());
                stays.push(Stay { hotel, check_in, nights, room, rate, board, adults, rooms, currency });
            }
        }
    }
    let keys: Vec<String> = stays.iter().filter(|s| s.rate == Rate::Flexible).flat_map(Stay::keys).collect();
    let sold = inventory::sold(&offline.db, &keys).await?;
    let mut data = Vec::new();
    for hotel in &found {
        let mut priced: Vec<(i64, Value)> = stays
            .iter()
            .filter(|s| s.hotel.id == hotel.id)
            .filter_map(|s| s.price(offline.seed, &sold).map(|n| (s, n)))
            .map(|(s, n)| (n.iter().map(Night::total).sum::<i64>(), s.offer(offline.seed, &n)))
            .filter(|(total, _)| range.keeps(*total as f64 / 100.0 / nights as f64))
            .collect();
        priced.sort_by_key(|(total, _)| *total);
        if best_only {
            priced.truncate(1);
        }
        if priced.is_empty() {
            continue;
        }
        let offers: Vec<Value> = priced.into_iter().map(|(_, v)| v).collect();
        data.push(json!({"type": "hotel-offers", "hotel": hotel.summary(), "available": true, "offers": offers,
                         "self": super::self_link(request)}));
    }
    Ok(json!({"data": data}))
}

/// `GET /v3/shopping/hotel-offers/{offerId}`: the offer now.
pub(super) async fn offer(offline: &Offline, request: &Request) -> Result<Value, ApiError> {
    let id = request.id.as_deref().unwrap_or_default();
    let stay = Stay::decode(offline.seed, id).ok_or_else(|| invalid_offer("offerId"))?;
    let (offer, _, _) = current(offline, &stay).await?;
    Ok(json!({"data": {"type": "hotel-offers", "hotel": stay.hotel.summary(), "available": true, "offers": [offer]}}))
}

/// A stay's offer at today's price, its total, and what booking it takes: `409` when past or
/// sold out.
pub(super) async fn current(offline: &Offline, stay: &Stay) -> Result<(Value, i64, Vec<Hold>), ApiError> {
    if stay.check_in < today(offline) {
        return Err(unavailable("This offer's check-in date has passed"));
    }
    let sold = inventory::sold(&offline.db, &stay.keys()).await?;
    let nights = stay.price(offline.seed, &sold).ok_or_else(|| unavailable("This room is sold out for these dates"))?;
    let total = nights.iter().map(Night::total).sum();
    Ok((stay.offer(offline.seed, &nights), total, stay.holds()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offer_id_spells_the_stay_and_nothing_else_decodes() {
        let hotel = hotels::find(7, "OFPAR004").unwrap();
        let stay = Stay {
            hotel,
            check_in: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
            nights: 3,
            room: RoomType::Standard,
            rate: Rate::Flexible,
            board: Board::Breakfast,
            adults: 2,
            rooms: 1,
            currency: Currency::parse("EUR").unwrap(),
        };
        let id = stay.id(7);
        assert!(id.len() <= 100 && id.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{id}");
        let back = Stay::decode(7, &id).map(|s| (s.hotel.id, s.check_in, s.nights, s.board, s.adults));
        assert_eq!(back, Some(("OFPAR004".into(), stay.check_in, 3, Board::Breakfast, 2)));
        assert!(Stay::decode(8, &id).is_none(), "another seed's check fails");
        assert!(Stay::decode(7, &id.replace("20270115", "20270116")).is_none());
        assert!(Stay::decode(7, "NOTANOFFER").is_none());
        let nights = stay.price(7, &HashMap::new()).unwrap_or_default();
        assert_eq!(nights.len(), 3);
        let offer = stay.offer(7, &nights);
        let total: i64 = nights.iter().map(Night::total).sum();
        assert_eq!(offer["price"]["total"], amount(total));
        // Rates rise as rooms sell.
        let busy: HashMap<String, i64> = stay.keys().into_iter().map(|k| (k, stay.capacity() - 1)).collect();
        let dearer: i64 = stay.price(7, &busy).unwrap_or_default().iter().map(Night::total).sum();
        assert!(dearer > total, "{dearer} > {total}");
        let full: HashMap<String, i64> = stay.keys().into_iter().map(|k| (k, stay.capacity())).collect();
        assert!(stay.price(7, &full).is_none());
    }
}
