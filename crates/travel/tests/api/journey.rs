//! A traveller's whole trip with no external account: Paris → New York for two adults on the
//! offline supplier, priced, added to the cart with a hotel, checked out, paid in the sandbox,
//! and the DS- booking carries the flight order's confirmation (PNR) in its PDF.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;
use travel::amadeus::fake::FakeAmadeus;
use travel::offline::Offline;
use travel::provider::{Provider, Request};

pub async fn spawn() -> (TestApp, Arc<kernel::ManualClock>) {
    spawn_with(|_| {}).await
}

async fn spawn_with(tweak: impl FnOnce(&mut platform::config::Config)) -> (TestApp, Arc<kernel::ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    tweak(&mut config);
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_travel_tests_0123456789abcdef"),
    );
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(notifications::Notifications),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(travel::Travel),
    ];
    let clock = Arc::new(kernel::ManualClock::new("2030-01-02T09:00:00Z".parse().unwrap()));
    let mut app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    app.data_dir = Some(dir);
    (app, clock)
}

async fn get(app: &TestApp, token: Option<&str>, path: &str) -> (u16, Value) {
    testkit::json(app.call(Method::GET, token, path, None).await).await
}

async fn send(app: &TestApp, method: Method, token: &str, path: &str, body: &Value) -> (u16, Value) {
    testkit::json(app.call(method, Some(token), path, Some(body)).await).await
}

async fn register(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "Password1!"});
    let (status, out) = testkit::json(app.post_json("/api/v1/auth/register", &body).await).await;
    assert_eq!(status, 201, "{out}");
    out["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned()
}

fn amount(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other.as_f64().unwrap(),
    }
}

/// A supplier answered later: the fake Amadeus starts before the app whose database its
/// offline backend uses.
#[derive(Default)]
struct Late(std::sync::OnceLock<Arc<dyn Provider>>);

#[async_trait::async_trait]
impl Provider for Late {
    fn name(&self) -> &'static str {
        "late"
    }

    async fn call(&self, request: &Request) -> Result<Value, kernel::ApiError> {
        self.0.get().expect("backend set").call(request).await
    }
}

#[tokio::test]
async fn paris_to_new_york_for_two_with_a_hotel_is_booked_paid_and_documented() {
    let (app, _clock) = spawn().await;
    let (guest, pnr) = paris_new_york(&app).await;

    // GDPR: the orders are in the traveller's export; erasure keeps them without the travellers.
    let filed = send(&app, Method::POST, &guest, "/api/v1/users/gdpr/request", &json!({"type": "DATA_EXPORT"})).await;
    assert!((200..300).contains(&filed.0), "{}", filed.1);
    let request = filed.1["data"]["request"]["id"].as_str().unwrap().to_owned();
    let archive =
        app.call(Method::GET, Some(&guest), &format!("/api/v1/users/gdpr/requests/{request}/download"), None).await;
    let archive: Value = archive.json().await.unwrap();
    let orders = archive["contexts"]["travel"]["supplierOrders"].as_array().unwrap();
    let flight = orders.iter().find(|o| o["kind"] == "flight").unwrap();
    assert_eq!(flight["confirmation"], pnr.as_str());
    assert!(flight["travellers"].to_string().contains("Lovelace"), "{flight}");
    let deleted = app.call(Method::DELETE, Some(&guest), "/api/v1/users/profile", None).await;
    assert_eq!(deleted.status(), 200);
    app.drain_events().await;
    let db = app.platform.db("travel").unwrap();
    let answers: Vec<(String,)> =
        platform::db::query("SELECT CAST(answer AS TEXT) FROM supplier_orders").fetch_all(db).await.unwrap();
    assert_eq!(answers.len(), 2);
    assert!(answers.iter().all(|(a,)| !a.contains("Lovelace")), "{answers:?}");
    let offline: Vec<(String,)> =
        platform::db::query("SELECT CAST(answer AS TEXT) FROM offline_orders").fetch_all(db).await.unwrap();
    assert!(offline.iter().all(|(a,)| !a.contains("Lovelace")), "{offline:?}");
}

#[tokio::test]
async fn the_same_trip_is_booked_through_the_amadeus_adapter_against_a_fake_amadeus() {
    let late = Arc::new(Late::default());
    let fake = FakeAmadeus::start(late.clone(), "sojourn-test", "fake-amadeus-secret-0123456789").await.unwrap();
    let url = fake.url.clone();
    let (app, clock) = spawn_with(move |c| {
        c.travel.supplier = platform::config::TravelSupplier::Amadeus;
        c.travel.amadeus.base_url = url;
        c.travel.amadeus.client_id = Some("sojourn-test".into());
        c.secrets
            .insert(travel::AMADEUS_SECRET.into(), platform::secrets::Secret::new("fake-amadeus-secret-0123456789"));
    })
    .await;
    let db = app.platform.db("travel").unwrap().clone();
    assert!(late.0.set(Arc::new(Offline::new(db, 1, clock, "EUR"))).is_ok());
    paris_new_york(&app).await;
    // Everything went through Amadeus's API, with a token.
    let seen = fake.api_requests();
    assert!(seen.iter().all(|r| r.authorization.as_deref().is_some_and(|a| a.starts_with("Bearer "))));
    let paths: Vec<&str> = seen.iter().map(|r| r.path.as_str()).collect();
    for path in [
        "/v2/shopping/flight-offers",
        "/v1/shopping/flight-offers/pricing",
        "/v1/booking/flight-orders",
        "/v3/shopping/hotel-offers",
        "/v2/booking/hotel-orders",
    ] {
        assert!(paths.contains(&path), "{path} not called: {paths:?}");
    }
    assert_eq!(fake.tokens_issued(), 1, "one token for the whole trip");
    let order = seen.iter().find(|r| r.path == "/v1/booking/flight-orders").unwrap();
    assert!(order.idempotency_key.is_some(), "orders carry their key");
    assert_eq!(order.body.as_ref().unwrap()["data"]["travelers"][1]["name"]["lastName"], "Babbage");

    // Amadeus failing: the traveller gets a 503 with Retry-After, never Amadeus's 500.
    fake.fail_next(50, travel::amadeus::fake::Fault::ServerError);
    let path = "/api/v1/flights/search?originLocationCode=LON&destinationLocationCode=ROM&departureDate=2030-04-01";
    let response = app.call(Method::GET, None, path, None).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    let (_, body) = testkit::json(response).await;
    assert_eq!(body["success"], false, "{body}");
    fake.clear_faults();
}

/// The whole trip; (the traveller's token, the flight's PNR).
async fn paris_new_york(app: &TestApp) -> (String, String) {
    let guest = register(app, "traveller@example.com").await;

    // Search: public, by city codes, two adults, a return.
    let search = "/api/v1/flights/search?originLocationCode=PAR&destinationLocationCode=NYC&departureDate=2030-03-10\
                  &returnDate=2030-03-17&adults=2&max=20";
    let (status, found) = get(app, None, search).await;
    assert_eq!(status, 200, "{found}");
    let offers = found["data"].as_array().unwrap();
    assert!(!offers.is_empty(), "{found}");
    let offer = offers[0].clone();
    assert_eq!(offer["itineraries"].as_array().unwrap().len(), 2, "a return has two itineraries");
    assert_eq!(offer["travelerPricings"].as_array().unwrap().len(), 2);
    assert!(["CDG", "ORY", "BVA"].contains(&offer["departure"]["airport"].as_str().unwrap()), "{offer}");
    assert!(["JFK", "EWR", "LGA"].contains(&offer["arrival"]["airport"].as_str().unwrap()), "{offer}");
    // The same search under DreamScape's other prefix answers the same offers.
    let (status, again) = get(app, None, &search.replace("/api/v1/", "/api/")).await;
    assert_eq!(status, 200);
    assert_eq!(again["data"][0]["id"], offer["id"]);

    // Pricing the offer confirms its price.
    let (status, priced) =
        send(app, Method::POST, &guest, "/api/v1/flights/offers/pricing", &json!({"flightOffers": [offer]})).await;
    assert_eq!(status, 200, "{priced}");
    let flight_total = amount(&priced["data"]["flightOffers"][0]["price"]["total"]);
    assert!((flight_total - amount(&offer["price"]["total"])).abs() < 0.005, "{priced}");

    // Into the cart, as DreamScape's client sends it: the whole offer as itemData.
    let item = json!({"itemType": "flight", "itemData": offer, "quantity": 1, "price": flight_total,
                      "currency": offer["price"]["currency"]});
    let (status, added) = send(app, Method::POST, &guest, "/api/v1/cart/items", &item).await;
    assert_eq!(status, 201, "{added}");

    // A hotel in New York for the week.
    let hotels = "/api/v1/hotels/search?cityCode=NYC&checkInDate=2030-03-10&checkOutDate=2030-03-17&adults=2";
    let (status, hotels) = get(app, None, hotels).await;
    assert_eq!(status, 200, "{hotels}");
    let hotel = hotels["data"][0].clone();
    assert_eq!(hotel["nights"], 7, "{hotel}");
    let item = json!({"itemType": "hotel", "itemData": {"offerId": hotel["id"], "name": hotel["name"]}, "quantity": 1,
                      "price": hotel["price"]["amount"], "currency": hotel["price"]["currency"]});
    let (status, added) = send(app, Method::POST, &guest, "/api/v1/cart/items", &item).await;
    assert_eq!(status, 201, "{added}");

    // Checkout: one DS- booking and one payment; the sandbox pays it.
    let meta = json!({"metadata": {"contactEmail": "traveller@example.com", "passengerDetails": [
        {"firstName": "Ada", "lastName": "Lovelace", "dateOfBirth": "1985-12-10", "type": "adult"},
        {"firstName": "Charles", "lastName": "Babbage", "dateOfBirth": "1981-12-26", "type": "adult"}]}});
    // The hotel needs a phone to reach the guest: refused before anything is paid, naming it.
    let (status, refused) = send(app, Method::POST, &guest, "/api/v1/cart/me/checkout", &meta).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["details"][0]["field"], "metadata.passengerDetails[0].phone");
    let mut meta = meta;
    meta["metadata"]["contactPhone"] = json!("+33612345678");
    let (status, out) = send(app, Method::POST, &guest, "/api/v1/cart/me/checkout", &meta).await;
    assert_eq!(status, 200, "{out}");
    let reference = out["data"]["bookingReference"].as_str().unwrap().to_owned();
    assert!(reference.starts_with("DS-"), "{out}");
    app.drain_events().await;
    let intent = out["data"]["paymentIntentId"].as_str().unwrap();
    let card = json!({"paymentMethod": "pm_card_visa"});
    let (status, paid) = send(app, Method::POST, &guest, &format!("/api/v1/payment/{intent}/confirm"), &card).await;
    assert_eq!(status, 200, "{paid}");
    app.drain_events().await;

    // Confirmed, with the supplier's confirmations on both items.
    let (status, booking) = get(app, Some(&guest), &format!("/api/v1/bookings/{reference}")).await;
    assert_eq!(status, 200, "{booking}");
    assert_eq!(booking["data"]["status"], "CONFIRMED", "{booking}");
    let items = booking["data"]["items"].as_array().unwrap();
    let pnr = items
        .iter()
        .find(|i| i["type"] == "flight" || i["itemType"] == "flight")
        .and_then(|i| i["supplierReference"].as_str())
        .unwrap_or_else(|| panic!("no flight confirmation: {booking}"))
        .to_owned();
    assert_eq!(pnr.len(), 6, "a PNR: {pnr}");

    // The flight order reads back for its traveller only.
    let (status, order) = get(app, Some(&guest), &format!("/api/v1/flights/orders/{pnr}")).await;
    assert_eq!(status, 200, "{order}");
    let stranger = register(app, "stranger@example.com").await;
    let (status, _) = get(app, Some(&stranger), &format!("/api/v1/flights/orders/{pnr}")).await;
    assert_eq!(status, 404);

    // The PDF names the confirmation.
    let pdf = app.call(Method::GET, Some(&guest), &format!("/api/v1/bookings/{reference}/pdf"), None).await;
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap();
    let text: String = lopdf::Document::load_mem(&bytes)
        .unwrap()
        .get_pages()
        .keys()
        .map(|n| lopdf::Document::load_mem(&bytes).unwrap().extract_text(&[*n]).unwrap_or_default())
        .collect();
    assert!(text.contains(&reference) && text.contains(&pnr), "{text}");

    // Seats went down: the same flight now has two fewer seats to sell.
    let (_, after) = get(app, None, search).await;
    let same = after["data"].as_array().unwrap().iter().find(|o| o["itineraries"] == offer["itineraries"]);
    if let Some(same) = same {
        let before = offer["numberOfBookableSeats"].as_i64().unwrap();
        assert!(same["numberOfBookableSeats"].as_i64().unwrap() <= before, "{same}");
    }
    (guest, pnr)
}

#[tokio::test]
async fn bad_voyage_input_is_a_4xx_naming_the_field() {
    let (app, _clock) = spawn().await;
    let cases = [
        ("/api/v1/flights/search?originLocationCode=PAR", "destinationLocationCode"),
        (
            "/api/v1/flights/search?originLocationCode=QQX&destinationLocationCode=NYC&departureDate=2030-03-10",
            "originLocationCode",
        ),
        (
            "/api/v1/flights/search?originLocationCode=PAR&destinationLocationCode=NYC&departureDate=2020-03-10",
            "departureDate",
        ),
        (
            "/api/v1/flights/search?originLocationCode=PAR&destinationLocationCode=NYC&departureDate=2030-03-10&returnDate=2030-03-01",
            "returnDate",
        ),
        (
            "/api/v1/flights/search?originLocationCode=PAR&destinationLocationCode=NYC&departureDate=2030-03-10&adults=12",
            "adults",
        ),
        (
            "/api/v1/flights/search?originLocationCode=PAR&destinationLocationCode=NYC&departureDate=2030-03-10&infants=3",
            "infants",
        ),
        ("/api/v1/hotels/search?cityCode=PAR", "checkInDate"),
        ("/api/v1/hotels/search?checkInDate=2030-03-10&checkOutDate=2030-03-09&cityCode=PAR", "checkOutDate"),
        ("/api/v1/airports/nearest?latitude=91&longitude=2", "latitude"),
        ("/api/v1/locations/search", "keyword"),
        ("/api/v1/transfers/search?passengers=2", "startDateTime"),
    ];
    for (path, field) in cases {
        let (status, body) = get(&app, None, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        let fields: Vec<&str> =
            body["details"].as_array().unwrap().iter().filter_map(|d| d["field"].as_str()).collect();
        assert!(fields.contains(&field), "{path}: {body}");
    }
    let (status, _) = get(&app, None, "/api/v1/activities/NOPE-404").await;
    assert_eq!(status, 404);
    // A malformed offer in the cart names the field.
    let guest = register(&app, "g@example.com").await;
    let item = json!({"itemType": "flight", "itemData": {"offerId": "garbage"}, "quantity": 1, "price": 10.0});
    let (status, body) = send(&app, Method::POST, &guest, "/api/v1/cart/items", &item).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["details"][0]["field"].as_str().unwrap().starts_with("itemData"), "{body}");
}

#[tokio::test]
async fn direct_supplier_orders_are_for_administrators_and_name_what_is_missing() {
    let (app, _clock) = spawn().await;
    let traveller = register(&app, "t@example.com").await;
    let agent = testkit::accounts::admin(&app, "agent@example.com").await.token;
    let flight = json!({"offerId": "x", "passengers": []});
    let hotel = json!({"offerId": "x", "guests": [{"name": {"firstName": "Ada"}}], "payments": [{}]});
    let transfer = json!({"data": {"transferOffers": []}});
    for (path, body) in [
        ("/api/v1/flights/orders", &flight),
        ("/api/v1/hotels/bookings", &hotel),
        ("/api/v1/transfers/bookings", &transfer),
    ] {
        let anonymous = app.call(Method::POST, None, path, Some(body)).await;
        assert_eq!(anonymous.status(), 401, "{path}");
        let (status, refused) = send(&app, Method::POST, &traveller, path, body).await;
        assert_eq!((status, refused["code"].as_str()), (403, Some("forbidden")), "{path}: {refused}");
    }
    let cases = [
        ("/api/v1/flights/orders", json!({"passengers": []}), "offerId"),
        ("/api/v1/hotels/bookings", json!({"offerId": "x", "payments": [{}]}), "guests"),
        ("/api/v1/hotels/bookings", json!({"offerId": "x", "guests": [{}], "payments": []}), "payments"),
        ("/api/v1/hotels/bookings", hotel.clone(), "guests[0].name"),
        ("/api/v1/transfers/bookings", transfer.clone(), "data.transferOffers"),
    ];
    for (path, body, field) in cases {
        let (status, refused) = send(&app, Method::POST, &agent, path, &body).await;
        assert_eq!(status, 400, "{path}: {refused}");
        assert_eq!(refused["details"][0]["field"], field, "{path}: {refused}");
    }
    // A malformed JSON body is a 400 in the envelope too.
    let raw = app
        .client
        .post(app.url("/api/v1/flights/orders"))
        .bearer_auth(&agent)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, body) = testkit::json(raw).await;
    assert_eq!((status, body["success"].as_bool()), (400, Some(false)), "{body}");
}

#[tokio::test]
async fn places_come_from_the_bundled_reference_data() {
    let (app, _clock) = spawn().await;
    let (status, paris) = get(&app, None, "/api/v1/locations/search?keyword=paris&subType=CITY").await;
    assert_eq!(status, 200);
    assert_eq!(paris["data"][0]["iataCode"], "PAR", "{paris}");
    assert_eq!(paris["data"][0]["address"]["countryName"], "France");
    let (_, airports) = get(&app, None, "/api/v1/locations/airports?keyword=heathrow").await;
    assert_eq!(airports["data"][0]["iataCode"], "LHR", "{airports}");
    assert_eq!(airports["data"][0]["subType"], "AIRPORT");
    let (_, near) =
        get(&app, None, "/api/v1/airports/nearest?latitude=48.8566&longitude=2.3522&radius=50&limit=3").await;
    let codes: Vec<&str> = near["data"].as_array().unwrap().iter().map(|a| a["iataCode"].as_str().unwrap()).collect();
    assert!(codes.contains(&"ORY") && codes.contains(&"CDG"), "{near}");
    let first = near["data"][0]["iataCode"].as_str().unwrap();
    assert!(["CDG", "ORY"].contains(&first), "the most relevant first, not the nearest airfield: {near}");
    let (_, by_distance) =
        get(&app, None, "/api/v1/airports/nearest?latitude=48.8566&longitude=2.3522&radius=50&limit=3&sort=distance")
            .await;
    let km: Vec<i64> =
        by_distance["data"].as_array().unwrap().iter().map(|a| a["distance"]["value"].as_i64().unwrap()).collect();
    assert!(km.windows(2).all(|w| w[0] <= w[1]), "{by_distance}");
    let (_, airline) = get(&app, None, "/api/v1/airlines/lookup?IATACode=af").await;
    assert_eq!(airline["data"][0]["icaoCode"], "AFR", "{airline}");
    assert_eq!(airline["meta"]["count"], 1);
    let (_, all) = get(&app, None, "/api/v1/airlines/lookup").await;
    assert!(all["data"].as_array().unwrap().len() > 80 && all.get("meta").is_none(), "no meta without codes");
}
