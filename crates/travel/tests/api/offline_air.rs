//! The offline supplier's flights against a real database (a SQLite file, or PostgreSQL when
//! `SOJOURN_TEST_POSTGRES_URL` is set): pricing an id alone, orders taking and giving back
//! seats, idempotency, and concurrent orders never overselling.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use kernel::{ApiError, ManualClock};
use platform::Context;
use platform::db::{Db, DbOptions, Migrations, connect, migrate};
use serde_json::{Value, json};
use travel::offline::{Offline, inventory};
use travel::provider::{Operation, Provider, Request};

struct Setup {
    offline: Offline,
    db: Db,
    _dir: TempDir,
}

/// A directory removed at the end of the test.
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn setup(seed: u64) -> Setup {
    let dir = std::env::temp_dir().join(format!("offline-air-{}", kernel::new_id().simple()));
    let url = std::env::var("SOJOURN_TEST_POSTGRES_URL").ok().filter(|v| !v.trim().is_empty());
    let unique = kernel::new_id().simple().to_string();
    let opts = DbOptions {
        url,
        data_dir: dir.clone(),
        schema_prefix: format!("t{}_", &unique[unique.len() - 12..]),
        max_connections: 20,
        sqlite_readers: 4,
        busy_timeout: Duration::from_secs(10),
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(30),
        sqlite_synchronous: Default::default(),
    };
    let db = connect("travel", &opts).await.expect("database");
    migrate(&db, &Migrations { scope: "travel", list: travel::Travel.migrations() }).await.expect("migrations");
    let clock = Arc::new(ManualClock::new("2027-01-01T08:00:00Z".parse().expect("instant")));
    Setup { offline: Offline::new(db.clone(), seed, clock, "EUR"), db, _dir: TempDir(dir) }
}

async fn call(o: &Offline, r: Request) -> Result<Value, ApiError> {
    o.call(&r).await
}

fn search(from: &str, to: &str, adults: &str, back: Option<&str>) -> Request {
    Request::new(Operation::FlightOffers)
        .param("originLocationCode", Some(from))
        .param("destinationLocationCode", Some(to))
        .param("departureDate", Some("2027-01-15"))
        .param("returnDate", back)
        .param("adults", Some(adults))
}

fn price_body(id: &str) -> Value {
    json!({ "data": { "type": "flight-offers-pricing", "flightOffers": [{ "id": id }] } })
}

fn order_body(id: &str, travelers: Value) -> Value {
    json!({ "data": { "type": "flight-order", "flightOffers": [{ "id": id }], "travelers": travelers } })
}

fn adult(i: usize) -> Value {
    json!({ "id": (i + 1).to_string(), "dateOfBirth": "1985-04-02", "name": { "firstName": "Ada", "lastName": format!("Traveller{i}") } })
}

fn total(offer: &Value) -> f64 {
    offer["price"]["total"].as_str().unwrap().parse().unwrap()
}

/// The first nonstop CDG→JFK offer of a search.
async fn nonstop(o: &Offline, adults: &str) -> Value {
    let found = call(o, search("CDG", "JFK", adults, None)).await.expect("search");
    found["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["itineraries"][0]["segments"].as_array().unwrap().len() == 1)
        .cloned()
        .expect("a nonstop offer")
}

#[tokio::test]
async fn pricing_an_id_alone_matches_the_search_and_tampered_ids_are_refused() {
    let s = setup(11).await;
    let found = call(&s.offline, search("PAR", "NYC", "2", Some("2027-01-22"))).await.unwrap();
    let offer = &found["data"][0];
    assert_eq!(offer["itineraries"].as_array().unwrap().len(), 2);
    let id = offer["id"].as_str().unwrap();
    let priced = call(&s.offline, Request::new(Operation::FlightPrice).body(price_body(id))).await.unwrap();
    assert_eq!(priced["data"]["type"], "flight-offers-pricing");
    let again = &priced["data"]["flightOffers"][0];
    assert_eq!(again["id"], offer["id"]);
    assert_eq!(again["price"], offer["price"]);
    assert_eq!(again["numberOfBookableSeats"], offer["numberOfBookableSeats"]);

    let tampered = id.replacen("E2", "E3", 1);
    assert_ne!(tampered, id);
    let err = call(&s.offline, Request::new(Operation::FlightPrice).body(price_body(&tampered))).await.unwrap_err();
    assert_eq!((err.status, err.code.as_ref()), (400, "invalid_offer"));
    assert_eq!(err.details[0].field, "flightOffers[0].id");
    let err = call(&s.offline, Request::new(Operation::FlightPrice).body(json!({}))).await.unwrap_err();
    assert_eq!(err.status, 400);
    let unknown = call(&s.offline, search("QQQ", "NYC", "1", None)).await.unwrap_err();
    assert_eq!(unknown.details[0].field, "originLocationCode");
}

#[tokio::test]
async fn an_order_takes_seats_the_fare_never_drops_and_cancel_gives_them_back() {
    let s = setup(12).await;
    let offer = nonstop(&s.offline, "2").await;
    let id = offer["id"].as_str().unwrap().to_owned();
    let seats = offer["numberOfBookableSeats"].as_i64().unwrap();

    // Travellers are checked against the offer.
    let bad = json!([adult(0), { "dateOfBirth": "2020-01-01", "name": { "firstName": "Kid", "lastName": "X" } }]);
    let err =
        call(&s.offline, Request::new(Operation::FlightOrderCreate).body(order_body(&id, bad))).await.unwrap_err();
    assert_eq!(err.details[0].field, "travelers[1].dateOfBirth");
    let err = call(&s.offline, Request::new(Operation::FlightOrderCreate).body(order_body(&id, json!([adult(0)]))))
        .await
        .unwrap_err();
    assert_eq!(err.details[0].field, "travelers");

    let create =
        || Request::new(Operation::FlightOrderCreate).body(order_body(&id, json!([adult(0), adult(1)]))).key("k-1");
    let order = call(&s.offline, create()).await.unwrap();
    let pnr = order["data"]["associatedRecords"][0]["reference"].as_str().unwrap();
    assert!(pnr.len() == 6 && pnr.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{pnr}");
    assert_eq!(order["data"]["travelers"][1]["id"], "2");
    let after = call(&s.offline, Request::new(Operation::FlightPrice).body(price_body(&id))).await.unwrap();
    let after = &after["data"]["flightOffers"][0];
    assert_eq!(after["numberOfBookableSeats"].as_i64().unwrap(), seats - 2);
    assert!(total(after) >= total(&offer));

    // The same key answers the same order and takes nothing more.
    let retry = call(&s.offline, create()).await.unwrap();
    assert_eq!(retry["data"]["id"], order["data"]["id"]);
    let order_id = order["data"]["id"].as_str().unwrap();
    let read = call(&s.offline, Request::new(Operation::FlightOrder).id(order_id)).await.unwrap();
    assert_eq!(read["data"]["associatedRecords"], order["data"]["associatedRecords"]);
    let seats_now = nonstop_seats(&s.offline, &id).await;
    assert_eq!(seats_now, seats - 2);

    let cancelled = call(&s.offline, Request::new(Operation::FlightOrderCancel).id(order_id)).await.unwrap();
    assert_eq!(cancelled["data"]["status"], "CANCELLED");
    assert_eq!(nonstop_seats(&s.offline, &id).await, seats);
    let twice = call(&s.offline, Request::new(Operation::FlightOrderCancel).id(order_id)).await.unwrap();
    assert_eq!(twice, cancelled);
    assert_eq!(nonstop_seats(&s.offline, &id).await, seats, "given back once");
    let missing = call(&s.offline, Request::new(Operation::FlightOrderCancel).id("FOnothing")).await.unwrap_err();
    assert_eq!(missing.status, 404);
    let missing = call(&s.offline, Request::new(Operation::FlightOrder).id("FOnothing")).await.unwrap_err();
    assert_eq!(missing.status, 404);
}

async fn nonstop_seats(o: &Offline, id: &str) -> i64 {
    let priced = call(o, Request::new(Operation::FlightPrice).body(price_body(id))).await.unwrap();
    priced["data"]["flightOffers"][0]["numberOfBookableSeats"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_orders_never_oversell() {
    let s = setup(13).await;
    let offer = nonstop(&s.offline, "1").await;
    let id = offer["id"].as_str().unwrap().to_owned();
    let seats = offer["numberOfBookableSeats"].as_i64().unwrap();
    let seg = &offer["itineraries"][0]["segments"][0];
    let key = format!(
        "F|{}{:04}|{}|ECONOMY",
        seg["carrierCode"].as_str().unwrap(),
        seg["number"].as_str().unwrap().parse::<u32>().unwrap(),
        &seg["departure"]["at"].as_str().unwrap()[..10]
    );
    // Others buy all but nine seats.
    let mut tx = s.db.begin().await.unwrap();
    assert!(inventory::take(&mut tx, &key, 1_000_000, seats - 9).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(nonstop_seats(&s.offline, &id).await, 9);

    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let (o, id) = (s.offline.clone(), id.clone());
            tokio::spawn(async move {
                let body = order_body(&id, json!([adult(i)]));
                o.call(&Request::new(Operation::FlightOrderCreate).body(body).key(format!("race-{i}"))).await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!((e.status, e.code.as_ref()), (409, "offer_unavailable"), "{e}"),
        }
    }
    assert_eq!(ok, 9);
    let err = call(&s.offline, Request::new(Operation::FlightPrice).body(price_body(&id))).await.unwrap_err();
    assert_eq!(err.status, 409);
    let sold: Vec<i64> = inventory::sold(&s.db, &[key]).await.unwrap().into_values().collect();
    assert_eq!(sold, [seats]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_key_make_one_order() {
    let s = setup(14).await;
    let offer = nonstop(&s.offline, "1").await;
    let id = offer["id"].as_str().unwrap().to_owned();
    let seats = offer["numberOfBookableSeats"].as_i64().unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (o, id) = (s.offline.clone(), id.clone());
            tokio::spawn(async move {
                let body = order_body(&id, json!([adult(0)]));
                o.call(&Request::new(Operation::FlightOrderCreate).body(body).key("same")).await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().unwrap()["data"]["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1);
    assert_eq!(nonstop_seats(&s.offline, &id).await, seats - 1);
}

fn get(op: Operation, query: &[(&str, &str)]) -> Request {
    query.iter().fold(Request::new(op), |r, (k, v)| r.param(k, Some(v)))
}

#[tokio::test]
async fn seat_maps_brands_and_availability_agree_with_the_offer() {
    let s = setup(15).await;
    let offer = nonstop(&s.offline, "2").await;
    let id = offer["id"].as_str().unwrap();
    let seats = offer["numberOfBookableSeats"].as_i64().unwrap();
    let maps =
        call(&s.offline, Request::new(Operation::SeatMaps).body(json!({ "data": [{ "id": id }] }))).await.unwrap();
    let map = &maps["data"][0];
    assert_eq!(map["type"], "seatmap");
    let free = map["decks"][0]["seats"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["travelerPricing"][0]["seatAvailabilityStatus"] == "AVAILABLE")
        .count();
    assert_eq!(free as i64, seats, "free seats in the map = bookable seats");

    let body = json!({ "data": { "type": "flight-offers-upselling", "flightOffers": [{ "id": id }] } });
    let brands = call(&s.offline, Request::new(Operation::BrandedFares).body(body)).await.unwrap();
    let brands = brands["data"].as_array().unwrap();
    assert_eq!(brands.len(), 3);
    let names: Vec<&str> = brands
        .iter()
        .map(|b| b["travelerPricings"][0]["fareDetailsBySegment"][0]["brandedFare"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["LIGHT", "STANDARD", "FLEX"]);
    assert!(total(&brands[0]) < total(&brands[1]) && total(&brands[1]) < total(&brands[2]));
    assert_eq!(brands[0]["price"], offer["price"]);
    // A brand's id prices as that brand.
    let flex = brands[2]["id"].as_str().unwrap();
    let priced = call(&s.offline, Request::new(Operation::FlightPrice).body(price_body(flex))).await.unwrap();
    assert_eq!(priced["data"]["flightOffers"][0]["price"], brands[2]["price"]);

    let body = json!({
        "originDestinations": [{ "id": "1", "originLocationCode": "CDG", "destinationLocationCode": "JFK",
            "departureDateTime": { "date": "2027-01-15" } }],
        "travelers": [{ "id": "1", "travelerType": "ADULT" }],
        "sources": ["GDS"],
    });
    let avail = call(&s.offline, Request::new(Operation::FlightAvailabilities).body(body)).await.unwrap();
    let first = &avail["data"][0];
    assert_eq!(first["type"], "flight-availability");
    assert!(
        first["segments"][0]["availabilityClasses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["numberOfBookableSeats"].as_i64().unwrap() <= 9)
    );

    let found = call(&s.offline, search("CDG", "JFK", "1", None)).await.unwrap();
    let predicted =
        call(&s.offline, Request::new(Operation::FlightChoicePrediction).body(found.clone())).await.unwrap();
    let sum: f64 = predicted["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["choiceProbability"].as_str().unwrap().parse::<f64>().unwrap())
        .sum();
    assert!((sum - 1.0).abs() < 1e-6, "{sum}");
}

#[tokio::test]
async fn inspiration_dates_and_metrics_come_from_the_same_fares() {
    let s = setup(16).await;
    let dest =
        call(&s.offline, get(Operation::FlightDestinations, &[("origin", "PAR"), ("departureDate", "2027-02-10")]))
            .await
            .unwrap();
    let list = dest["data"].as_array().unwrap();
    assert!(list.len() > 5);
    let price = |x: &Value| x["price"]["total"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(list.windows(2).all(|w| price(&w[0]) <= price(&w[1])), "cheapest first");
    let cap = price(&list[2]).ceil().to_string();
    let capped = call(
        &s.offline,
        get(Operation::FlightDestinations, &[("origin", "PAR"), ("departureDate", "2027-02-10"), ("maxPrice", &cap)]),
    )
    .await
    .unwrap();
    assert!(capped["data"].as_array().unwrap().iter().all(|x| price(x) <= price(&list[2]).ceil()));

    let dates =
        call(&s.offline, get(Operation::FlightDates, &[("origin", "PAR"), ("destination", "NYC"), ("oneWay", "true")]))
            .await
            .unwrap();
    assert!(dates["data"].as_array().unwrap().len() >= 20);

    let metrics = call(
        &s.offline,
        get(
            Operation::PriceMetrics,
            &[
                ("originIataCode", "CDG"),
                ("destinationIataCode", "JFK"),
                ("departureDate", "2027-02-10"),
                ("oneWay", "true"),
            ],
        ),
    )
    .await
    .unwrap();
    let q: Vec<f64> = metrics["data"][0]["priceMetrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["amount"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(q.len(), 5);
    assert!(q.windows(2).all(|w| w[0] <= w[1]), "{q:?}");

    for (op, kind) in [(Operation::MostTraveled, "TRAVELED"), (Operation::MostBooked, "BOOKED")] {
        let t = call(&s.offline, get(op, &[("originCityCode", "PAR"), ("period", "2027-07")])).await.unwrap();
        let data = t["data"].as_array().unwrap();
        assert_eq!(data.len(), 10);
        assert_eq!(data[0]["subType"], kind);
        assert_eq!(data[0]["analytics"]["travelers"]["score"], 100);
    }
    let busy =
        call(&s.offline, get(Operation::BusiestPeriod, &[("cityCode", "PAR"), ("period", "2027")])).await.unwrap();
    assert_eq!(busy["data"].as_array().unwrap().len(), 12);
    let bad = call(&s.offline, get(Operation::MostTraveled, &[("originCityCode", "PAR"), ("period", "July")])).await;
    assert_eq!(bad.unwrap_err().details[0].field, "period");
}

#[tokio::test]
async fn schedules_routes_and_predictions() {
    let s = setup(17).await;
    let offer = nonstop(&s.offline, "1").await;
    let seg = &offer["itineraries"][0]["segments"][0];
    let (carrier, number) = (seg["carrierCode"].as_str().unwrap(), seg["number"].as_str().unwrap());
    let status = call(
        &s.offline,
        get(
            Operation::FlightStatus,
            &[("carrierCode", carrier), ("flightNumber", number), ("scheduledDepartureDate", "2027-01-15")],
        ),
    )
    .await
    .unwrap();
    let flight = &status["data"][0];
    assert_eq!(flight["type"], "DatedFlight");
    let std = flight["flightPoints"][0]["departure"]["timings"][0]["value"].as_str().unwrap();
    assert_eq!(flight["flightDesignator"]["carrierCode"], carrier);
    // Flight numbers are drawn per route and may repeat across an airline's routes: when the
    // lookup lands on the searched flight, its times are the offer's, with Paris's offset.
    if flight["flightPoints"][0]["iataCode"] == "CDG" && flight["flightPoints"][1]["iataCode"] == "JFK" {
        let at = seg["departure"]["at"].as_str().unwrap();
        assert_eq!(std, format!("{}+01:00", &at[..16]));
    }
    assert!(flight["legs"][0]["aircraftEquipment"]["aircraftType"].is_string());
    let none = call(
        &s.offline,
        get(
            Operation::FlightStatus,
            &[("carrierCode", "AF"), ("flightNumber", "9999"), ("scheduledDepartureDate", "2027-01-15")],
        ),
    )
    .await
    .unwrap();
    assert_eq!(none["data"], json!([]));

    let af = call(&s.offline, get(Operation::AirlineDestinations, &[("airlineCode", "AF")])).await.unwrap();
    let cities: Vec<&str> = af["data"].as_array().unwrap().iter().map(|c| c["iataCode"].as_str().unwrap()).collect();
    assert!(cities.contains(&"NYC") || cities.contains(&"JFK"), "{cities:?}");
    let cdg = call(&s.offline, get(Operation::AirportDestinations, &[("departureAirportCode", "CDG"), ("max", "500")]))
        .await
        .unwrap();
    assert!(cdg["data"].as_array().unwrap().len() > 50);
    let unknown = call(&s.offline, get(Operation::AirportDestinations, &[("departureAirportCode", "ZZZ")])).await;
    assert_eq!(unknown.unwrap_err().details[0].field, "departureAirportCode");

    let on_time =
        call(&s.offline, get(Operation::OnTime, &[("airportCode", "JFK"), ("date", "2027-01-15")])).await.unwrap();
    let p: f64 = on_time["data"]["probability"].as_str().unwrap().parse().unwrap();
    assert!((0.0..=1.0).contains(&p));
    let delay = call(
        &s.offline,
        get(
            Operation::DelayPrediction,
            &[
                ("originLocationCode", "CDG"),
                ("destinationLocationCode", "JFK"),
                ("departureDate", "2027-01-15"),
                ("departureTime", "10:30:00"),
                ("arrivalDate", "2027-01-15"),
                ("arrivalTime", "12:45:00"),
                ("aircraftCode", "332"),
                ("carrierCode", "AF"),
                ("flightNumber", "12"),
                ("duration", "PT8H15M"),
            ],
        ),
    )
    .await
    .unwrap();
    let odds: Vec<f64> =
        delay["data"].as_array().unwrap().iter().map(|x| x["probability"].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(odds.len(), 4);
    assert!((odds.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{odds:?}");

    let links = call(&s.offline, get(Operation::CheckinLinks, &[("airlineCode", "AF")])).await.unwrap();
    assert_eq!(links["data"], json!([]));
    let purpose = |d: &str, r: &str| {
        get(
            Operation::TripPurpose,
            &[
                ("originLocationCode", "PAR"),
                ("destinationLocationCode", "LON"),
                ("departureDate", d),
                ("returnDate", r),
            ],
        )
    };
    let business = call(&s.offline, purpose("2027-01-05", "2027-01-06")).await.unwrap();
    assert_eq!(business["data"]["result"], "BUSINESS");
    let leisure = call(&s.offline, purpose("2027-06-05", "2027-06-19")).await.unwrap();
    assert_eq!(leisure["data"]["result"], "LEISURE");
    let bad = call(&s.offline, purpose("2027-06-05", "2027-06-01")).await.unwrap_err();
    assert_eq!(bad.details[0].field, "returnDate");
}
