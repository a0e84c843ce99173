//! The `transport` block: a vehicle on routes, sold by the seat on scheduled trips
//! (`/listings/{id}/trips`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::fields::{Errors, absent, amount, int, one_of, parse_block, text};

pub const VEHICLES: [&str; 9] = ["bus", "coach", "minibus", "van", "car", "train", "ferry", "boat", "shuttle"];

/// The vehicle that runs every route of the listing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a vehicle: an object { \"type\", \"seats\", \"registration\"? }"
)]
#[schema(example = json!({"type": "coach", "seats": 50, "registration": "AB-123-CD"}))]
pub struct Vehicle {
    /// `bus`, `coach`, `minibus`, `van`, `car`, `train`, `ferry`, `boat` or `shuttle`. Needed to
    /// publish.
    #[serde(rename = "type")]
    #[schema(example = "coach")]
    pub kind: Option<String>,
    /// 1–1000: the most seats a trip may sell. Needed to publish.
    #[schema(minimum = 1, maximum = 1000)]
    pub seats: Option<i64>,
    /// Up to 20 characters.
    #[schema(max_length = 20)]
    pub registration: Option<String>,
}

/// A route the vehicle runs; trips are scheduled on these.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(
    rename_all = "camelCase",
    deny_unknown_fields,
    expecting = "a route: an object { \"origin\", \"destination\" }"
)]
#[schema(example = json!({"origin": "Paris", "destination": "Lyon"}))]
pub struct Route {
    /// 1–120 characters; trips on this route show it as written here.
    #[schema(min_length = 1, max_length = 120)]
    pub origin: String,
    /// 1–120 characters.
    #[schema(min_length = 1, max_length = 120)]
    pub destination: String,
}

/// The `transport` block, as stored and as sent: every field optional while a draft; fields
/// left out of a change are kept (a `vehicle` is merged field by field, `routes` replaced).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, expecting = "a transport block: an object of transport fields")]
#[schema(example = json!({"vehicle": {"type": "coach", "seats": 50, "registration": "AB-123-CD"},
    "routes": [{"origin": "Paris", "destination": "Lyon"}, {"origin": "Lyon", "destination": "Paris"}], "pricePerSeat": 2500}))]
pub struct Transport {
    pub vehicle: Option<Vehicle>,
    /// Up to 20 routes. At least one is needed to publish.
    #[schema(max_items = 20)]
    pub routes: Option<Vec<Route>>,
    /// Minor units, 0–100 000 000: the default price of new trips. Needed to publish.
    #[schema(minimum = 0, maximum = 100_000_000)]
    pub price_per_seat: Option<i64>,
}

pub fn apply(current: &Transport, patch: &Value, errors: &mut Errors) -> Transport {
    let Some(parsed) = parse_block::<Transport>("transport", patch, errors) else { return current.clone() };
    let mut t = current.clone();
    if let Some(v) = &parsed.vehicle {
        let mut vehicle = t.vehicle.clone().unwrap_or_default();
        if let Some(k) = &v.kind
            && let Some(k) = errors.check("transport.vehicle.type", one_of(k, &VEHICLES))
        {
            vehicle.kind = Some(k);
        }
        if let Some(s) = v.seats
            && let Some(s) = errors.check("transport.vehicle.seats", int(s, 1, 1000))
        {
            vehicle.seats = Some(s);
        }
        if let Some(r) = &v.registration
            && let Some(r) = errors.check("transport.vehicle.registration", text(r, 1, 20, false))
        {
            vehicle.registration = Some(r);
        }
        t.vehicle = Some(vehicle);
    }
    if let Some(routes) = &parsed.routes {
        if routes.len() > 20 {
            errors.add("transport.routes", "must list at most 20 routes");
        } else {
            let mut out = Vec::new();
            for (i, r) in routes.iter().enumerate() {
                let origin = errors.check(&format!("transport.routes[{i}].origin"), text(&r.origin, 1, 120, false));
                let destination =
                    errors.check(&format!("transport.routes[{i}].destination"), text(&r.destination, 1, 120, false));
                if let (Some(origin), Some(destination)) = (origin, destination) {
                    out.push(Route { origin, destination });
                }
            }
            t.routes = Some(out);
        }
    }
    if let Some(p) = parsed.price_per_seat
        && let Some(p) = errors.check("transport.pricePerSeat", amount(p, 0, 100_000_000))
    {
        t.price_per_seat = Some(p);
    }
    t
}

pub fn missing(t: &Transport) -> Vec<&'static str> {
    let v = t.vehicle.clone().unwrap_or_default();
    absent(&[
        ("transport.vehicle.type", v.kind.is_some()),
        ("transport.vehicle.seats", v.seats.is_some()),
        ("transport.routes", t.routes.as_ref().is_some_and(|r| !r.is_empty())),
        ("transport.pricePerSeat", t.price_per_seat.is_some()),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn validates() {
        let mut e = Errors::default();
        let t = apply(
            &Transport::default(),
            &json!({"vehicle": {"type": "Coach", "seats": 50, "registration": "AB-123-CD"},
            "routes": [{"origin": "Paris", "destination": "Lyon"}], "pricePerSeat": 2500}),
            &mut e,
        );
        assert!(e.is_empty(), "{:?}", e.0);
        assert!(missing(&t).is_empty());
        apply(
            &t,
            &json!({"vehicle": {"type": "rocket", "seats": 0}, "routes": [{"origin": "", "destination": "Lyon"}]}),
            &mut e,
        );
        assert_eq!(e.0.len(), 3, "{:?}", e.0);
    }
}
