//! Offer ids that describe the offer: cabin, travellers, currency and each itinerary's
//! flights (carrier, number, route, local departure date), with a check code under the seed.
//! The cart keeps only the id; pricing, booking and seat maps regenerate the offer from it,
//! and an id that was edited fails its check. URL-safe: `[A-Za-z0-9._-]`.
//!
//! `1B210.EUR.AF12-CDGJFK-20270115_AF8-JFKBOS-20270116.AF13-JFKCDG-20270122.3fa9c01b2e`

use chrono::NaiveDate;

use crate::offline::rng::Rng;

use super::fares::CABINS;

/// A flight as an id names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlightRef {
    pub carrier: String,
    pub number: u32,
    pub from: String,
    pub to: String,
    pub date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferRef {
    pub cabin: usize,
    pub adults: i64,
    pub children: i64,
    pub infants: i64,
    pub currency: String,
    pub itineraries: Vec<Vec<FlightRef>>,
    /// Branded fare: 0 as searched (LIGHT), 1 STANDARD, 2 FLEX.
    pub brand: usize,
}

const CABIN_LETTERS: [char; 4] = ['E', 'W', 'B', 'F'];
const BRAND_LETTERS: [char; 3] = ['L', 'S', 'X'];

fn check(seed: u64, body: &str) -> String {
    let mut hex = format!("{:016x}", Rng::new(seed, &["offer-id", body]).next_u64());
    hex.truncate(10);
    hex
}

pub fn encode(seed: u64, offer: &OfferRef) -> String {
    let mut body = String::with_capacity(96);
    body.push(CABIN_LETTERS[offer.cabin.min(3)]);
    body.push_str(&format!("{}{}{}", offer.adults, offer.children, offer.infants));
    if let Some(b) = BRAND_LETTERS.get(offer.brand).filter(|_| offer.brand > 0) {
        body.push(*b);
    }
    body.push('.');
    body.push_str(&offer.currency);
    for itinerary in &offer.itineraries {
        body.push('.');
        for (i, f) in itinerary.iter().enumerate() {
            if i > 0 {
                body.push('_');
            }
            body.push_str(&format!("{}{}-{}{}-{}", f.carrier, f.number, f.from, f.to, f.date.format("%Y%m%d")));
        }
    }
    let code = check(seed, &body);
    format!("1{body}.{code}")
}

/// `None` when the id is not one of ours, or was changed.
pub fn decode(seed: u64, id: &str) -> Option<OfferRef> {
    let rest = id.strip_prefix('1')?;
    let (body, code) = rest.rsplit_once('.')?;
    if id.len() > 200 || check(seed, body) != code {
        return None;
    }
    let mut parts = body.split('.');
    let head = parts.next()?;
    let mut chars = head.chars();
    let letter = chars.next()?;
    let cabin = CABIN_LETTERS.iter().position(|c| *c == letter)?;
    let digit = |c: Option<char>| c.and_then(|c| c.to_digit(10)).map(i64::from);
    let (adults, children, infants) = (digit(chars.next())?, digit(chars.next())?, digit(chars.next())?);
    let brand = match chars.next() {
        None => 0,
        Some(c) => BRAND_LETTERS.iter().position(|b| *b == c).filter(|b| *b > 0)?,
    };
    let currency = parts.next()?.to_owned();
    let mut itineraries = Vec::new();
    for itinerary in parts {
        let mut flights = Vec::new();
        for seg in itinerary.split('_') {
            let mut fields = seg.split('-');
            let (flight, route, date) = (fields.next()?, fields.next()?, fields.next()?);
            let carrier = flight.get(..2)?.to_owned();
            let number = flight.get(2..)?.parse().ok()?;
            let (from, to) = (route.get(..3)?.to_owned(), route.get(3..)?.to_owned());
            let num = |a: usize, b: usize| date.get(a..b).and_then(|x| x.parse::<u32>().ok());
            let year = i32::try_from(num(0, 4)?).ok()?;
            let date = NaiveDate::from_ymd_opt(year, num(4, 6)?, num(6, 8)?).filter(|_| date.len() == 8)?;
            flights.push(FlightRef { carrier, number, from, to, date });
        }
        itineraries.push(flights);
    }
    if itineraries.is_empty() || CABINS.get(cabin).is_none() {
        return None;
    }
    Some(OfferRef { cabin, adults, children, infants, currency, itineraries, brand })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_edits_are_refused() {
        let date = NaiveDate::from_ymd_opt(2027, 1, 15).expect("date");
        let f = |n, from: &str, to: &str| FlightRef {
            carrier: "AF".into(),
            number: n,
            from: from.into(),
            to: to.into(),
            date,
        };
        let offer = OfferRef {
            cabin: 2,
            adults: 2,
            children: 1,
            infants: 0,
            currency: "EUR".into(),
            itineraries: vec![vec![f(12, "CDG", "JFK")], vec![f(13, "JFK", "AMS"), f(1640, "AMS", "CDG")]],
            brand: 0,
        };
        let flex = OfferRef { brand: 2, ..offer.clone() };
        assert_eq!(decode(7, &encode(7, &flex)), Some(flex));
        let id = encode(7, &offer);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)), "{id}");
        assert!(id.len() <= 200);
        assert_eq!(decode(7, &id), Some(offer));
        assert_eq!(decode(8, &id), None, "another seed's id");
        assert_eq!(decode(7, &id.replace("AF12-", "AF14-")), None);
        assert_eq!(decode(7, "garbage"), None);
    }
}
