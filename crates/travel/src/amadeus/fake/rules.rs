//! What the fake Amadeus insists on before passing a request to its backend, as Amadeus does:
//! the required query parameters and the required parts of JSON bodies, per operation.

use serde_json::Value;

use crate::provider::Operation;

/// The operation whose route is `method` and `path`, and the path's id when it has one (still
/// percent-encoded).
pub(super) fn route(method: &str, path: &str) -> Option<(Operation, Option<String>)> {
    let segments: Vec<&str> = path.split('/').collect();
    Operation::ALL.iter().filter(|op| !op.offline_only()).find_map(|&op| {
        let (m, template) = op.route();
        if m != method {
            return None;
        }
        let pattern: Vec<&str> = template.split('/').collect();
        if pattern.len() != segments.len() {
            return None;
        }
        let mut id = None;
        for (p, s) in pattern.iter().zip(&segments) {
            if *p == "{id}" {
                if s.is_empty() {
                    return None;
                }
                id = Some((*s).to_owned());
            } else if p != s {
                return None;
            }
        }
        Some((op, id))
    })
}

/// The query parameters Amadeus requires for `op`.
pub(super) fn required(op: Operation) -> &'static [&'static str] {
    use Operation::*;
    match op {
        FlightOffers => &["originLocationCode", "destinationLocationCode", "departureDate", "adults"],
        FlightDestinations => &["origin"],
        FlightDates => &["origin", "destination"],
        HotelsByCity => &["cityCode"],
        HotelsByGeocode | Activities | AirportsNearest => &["latitude", "longitude"],
        HotelsByIds | HotelOffers => &["hotelIds"],
        ActivitiesBySquare => &["north", "west", "south", "east"],
        TransferOrderCreate => &["offerId"],
        TransferOrderCancel => &["confirmNbr"],
        Locations => &["subType", "keyword"],
        PriceMetrics => &["originIataCode", "destinationIataCode", "departureDate"],
        MostTraveled | MostBooked => &["originCityCode", "period"],
        BusiestPeriod => &["cityCode", "period"],
        AirlineDestinations => &["airlineCode"],
        AirportDestinations => &["departureAirportCode"],
        OnTime => &["airportCode", "date"],
        DelayPrediction => &[
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
        ],
        FlightStatus => &["carrierCode", "flightNumber", "scheduledDepartureDate"],
        CheckinLinks => &["airlineCode"],
        TripPurpose => &["originLocationCode", "destinationLocationCode", "departureDate", "returnDate"],
        RecommendedLocations => &["cityCodes"],
        _ => &[],
    }
}

/// The JSON pointers a POST body of `op` must have (`None` when it takes no body).
fn body_pointers(op: Operation) -> Option<&'static [&'static str]> {
    use Operation::*;
    Some(match op {
        FlightPrice | BrandedFares => &["/data/flightOffers"],
        SeatMaps | FlightChoicePrediction => &["/data"],
        FlightAvailabilities => &["/originDestinations", "/travelers", "/sources"],
        FlightOrderCreate => &["/data/flightOffers", "/data/travelers"],
        HotelOrderCreate => &["/data/guests", "/data/roomAssociations"],
        TransferOffers => &["/startDateTime", "/passengers"],
        TransferOrderCreate => &["/data"],
        _ => return None,
    })
}

/// Why Amadeus would refuse this body: (pointer, title, detail).
pub(super) fn check_body(op: Operation, raw: &[u8]) -> Result<Option<Value>, (String, &'static str, String)> {
    let Some(pointers) = body_pointers(op) else { return Ok(None) };
    let body: Value = serde_json::from_slice(raw)
        .map_err(|_| ("/".to_owned(), "INVALID FORMAT", "The request body is not valid JSON".to_owned()))?;
    for pointer in pointers {
        let present = body.pointer(pointer).is_some_and(|v| match v {
            Value::Null => false,
            Value::Array(items) => !items.is_empty(),
            _ => true,
        });
        if !present {
            return Err(((*pointer).to_owned(), "MANDATORY DATA MISSING", format!("{pointer} is required")));
        }
    }
    Ok(Some(body))
}

/// Percent-decoding, `+` as a space when `plus_is_space` (queries and forms).
pub(super) fn decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a=1&b=2` as decoded pairs.
pub(super) fn pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (decode(name, true), decode(value, true))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn routes_paths_and_encoding() {
        assert_eq!(route("GET", "/v2/shopping/flight-offers"), Some((Operation::FlightOffers, None)));
        assert_eq!(
            route("DELETE", "/v1/booking/flight-orders/a%2Fb"),
            Some((Operation::FlightOrderCancel, Some("a%2Fb".into())))
        );
        assert_eq!(
            route("POST", "/v1/ordering/transfer-orders/9/transfers/cancellation").map(|r| r.0),
            Some(Operation::TransferOrderCancel)
        );
        assert_eq!(route("DELETE", "/v2/booking/hotel-orders/1"), None, "offline only");
        assert_eq!(route("GET", "/v1/booking/flight-orders/"), None);
        assert_eq!(decode("a%2Fb+c%", false), "a/b+c%");
        assert_eq!(
            pairs("page%5Blimit%5D=5&q=a+b%26c&flag"),
            vec![
                ("page[limit]".to_owned(), "5".to_owned()),
                ("q".to_owned(), "a b&c".to_owned()),
                ("flag".to_owned(), String::new()),
            ]
        );
        assert!(check_body(Operation::FlightPrice, br#"{"data":{"flightOffers":[]}}"#).is_err());
        assert!(check_body(Operation::FlightPrice, br#"{"data":{"flightOffers":[{}]}}"#).unwrap().is_some());
        assert_eq!(check_body(Operation::FlightPrice, b"{").unwrap_err().1, "INVALID FORMAT");
        assert_eq!(check_body(Operation::TransferOrderCancel, b"").unwrap(), None);
    }
}
