//! The offline supplier's hotels, activities, transfers and reference operations, against a
//! real database (SQLite; PostgreSQL too when `SOJOURN_TEST_POSTGRES_URL` is set): offers and
//! their prices, orders taking inventory (all or nothing, never oversold under concurrency),
//! idempotency, cancellation, and a 4xx naming the parameter for every bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use platform::Context;
use platform::db::{Db, DbOptions, Migrations, connect, migrate};
use serde_json::{Value, json};
use travel::offline::{Offline, inventory};
use travel::provider::{Operation, Provider, Request};

/// A fresh database (a temp SQLite file, or a fresh PostgreSQL schema) with travel's tables.
async fn fresh() -> (Offline, Db, std::path::PathBuf) {
    let unique = uuid::Uuid::now_v7().simple().to_string();
    let dir = std::env::temp_dir().join(format!("offline-ground-{unique}"));
    let url = testkit::postgres_url();
    let opts = DbOptions {
        schema_prefix: if url.is_some() { format!("t{}_", &unique[unique.len() - 12..]) } else { String::new() },
        url,
        data_dir: dir.clone(),
        max_connections: 5,
        sqlite_readers: 2,
        busy_timeout: std::time::Duration::from_secs(10),
        acquire_timeout: std::time::Duration::from_secs(10),
        statement_timeout: std::time::Duration::ZERO,
        sqlite_synchronous: Default::default(),
    };
    let db = connect("travel", &opts).await.unwrap();
    migrate(&db, &Migrations { scope: "travel", list: travel::Travel.migrations() }).await.unwrap();
    let clock = Arc::new(kernel::ManualClock::new("2026-12-01T09:00:00Z".parse().unwrap()));
    (Offline::new(db.clone(), 42, clock, "EUR"), db, dir)
}

fn get(op: Operation, query: &[(&str, &str)]) -> Request {
    let mut r = Request::new(op);
    for (k, v) in query {
        r = r.param(k, Some(v));
    }
    r
}

async fn ok(offline: &Offline, request: Request) -> Value {
    match offline.call(&request).await {
        Ok(v) => v,
        Err(e) => panic!("{:?} failed: {e} {:?}", request.op, e.details),
    }
}

async fn offers(offline: &Offline, hotel: &str, rooms: &str) -> Vec<Value> {
    let q = [
        ("hotelIds", hotel),
        ("checkInDate", "2027-01-15"),
        ("checkOutDate", "2027-01-18"),
        ("adults", "2"),
        ("roomQuantity", rooms),
    ];
    let answer = ok(offline, get(Operation::HotelOffers, &q)).await;
    answer["data"]
        .as_array()
        .and_then(|d| d.first())
        .map(|h| h["offers"].as_array().unwrap().clone())
        .unwrap_or_default()
}

fn standard_flexible(offers: &[Value]) -> Option<Value> {
    offers.iter().find(|o| o["room"]["typeEstimated"]["category"] == "STANDARD" && o["rateCode"] == "BAR").cloned()
}

fn hotel_order(offer_id: &str) -> Value {
    json!({"data": {"type": "hotel-order",
        "guests": [{"tid": 1, "title": "MS", "firstName": "Ada", "lastName": "Lovelace", "phone": "+44 20 7946 0000", "email": "ada@example.org"}],
        "travelAgent": {"contact": {"email": "agent@example.org"}},
        "roomAssociations": [{"guestReferences": [{"guestReference": "1"}], "hotelOfferId": offer_id}],
        "payment": {"method": "CREDIT_CARD", "paymentCard": {"paymentCardInfo": {"vendorCode": "VI", "cardNumber": "4111111111111111", "expiryDate": "2029-08", "holderName": "ADA LOVELACE"}}}}})
}

async fn order(offline: &Offline, offer_id: &str, key: Option<&str>) -> Result<Value, kernel::ApiError> {
    let mut r = Request::new(Operation::HotelOrderCreate).body(hotel_order(offer_id));
    if let Some(k) = key {
        r = r.key(k);
    }
    offline.call(&r).await
}

fn nights_keys(hotel: &str) -> Vec<String> {
    ["2027-01-15", "2027-01-16", "2027-01-17"].iter().map(|d| format!("H|{hotel}|STANDARD|{d}")).collect()
}

async fn sold(db: &Db, hotel: &str) -> Vec<i64> {
    let sold = inventory::sold(db, &nights_keys(hotel)).await.unwrap();
    nights_keys(hotel).iter().map(|k| sold.get(k).copied().unwrap_or(0)).collect()
}

#[tokio::test]
async fn paris_hotels_are_listed_around_its_centre_and_filtered() {
    let (offline, _db, dir) = fresh().await;
    let all = ok(&offline, get(Operation::HotelsByCity, &[("cityCode", "PAR"), ("radius", "20")])).await;
    let hotels = all["data"].as_array().unwrap();
    assert!(hotels.len() >= 15, "{}", hotels.len());
    let distances: Vec<f64> = hotels.iter().map(|h| h["distance"]["value"].as_f64().unwrap()).collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]) && distances.iter().all(|d| *d <= 20.0));
    for h in hotels {
        let id = h["hotelId"].as_str().unwrap();
        assert!(id.len() == 8 && id.starts_with("OFPAR"), "{id}");
        assert_eq!(h["iataCode"], "PAR");
        assert_eq!(h["address"]["countryCode"], "FR");
        let (lat, lon) = (h["geoCode"]["latitude"].as_f64().unwrap(), h["geoCode"]["longitude"].as_f64().unwrap());
        assert!((48.75..48.95).contains(&lat) && (2.2..2.5).contains(&lon), "{lat},{lon}");
    }
    assert_eq!(all["meta"]["count"], hotels.len());
    // The same seed gives the same hotels.
    let again = ok(&offline, get(Operation::HotelsByCity, &[("cityCode", "par"), ("radius", "20")])).await;
    assert_eq!(again["data"], all["data"]);
    let four =
        ok(&offline, get(Operation::HotelsByCity, &[("cityCode", "PAR"), ("radius", "20"), ("ratings", "4,5")])).await;
    let four = four["data"].as_array().unwrap();
    assert!(!four.is_empty() && four.len() < hotels.len());
    assert!(four.iter().all(|h| h["rating"] == 4 || h["rating"] == 5));
    let near =
        ok(&offline, get(Operation::HotelsByCity, &[("cityCode", "PAR"), ("radius", "1"), ("radiusUnit", "MILE")]))
            .await;
    assert!(
        near["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["distance"]["value"].as_f64().unwrap() <= 1.0 && h["distance"]["unit"] == "MILE")
    );
    let wifi =
        ok(&offline, get(Operation::HotelsByCity, &[("cityCode", "PAR"), ("radius", "20"), ("amenities", "SPA")]))
            .await;
    assert!(
        wifi["data"].as_array().unwrap().iter().all(|h| h["amenities"].as_array().unwrap().contains(&json!("SPA")))
    );
    let geo = ok(
        &offline,
        get(Operation::HotelsByGeocode, &[("latitude", "48.8534"), ("longitude", "2.3488"), ("radius", "2")]),
    )
    .await;
    assert!(geo["data"].as_array().unwrap().iter().any(|h| h["iataCode"] == "PAR"));
    let first = hotels[0]["hotelId"].as_str().unwrap().to_owned();
    let by_id = ok(&offline, get(Operation::HotelsByIds, &[("hotelIds", &format!("{first},OFPAR999"))])).await;
    assert_eq!(by_id["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(by_id["data"][0]["name"], hotels[0]["name"]);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn hotel_offers_price_by_night_and_orders_take_rooms_once() {
    let (offline, db, dir) = fresh().await;
    let hotel = "OFPAR004";
    let offers = offers(&offline, hotel, "1").await;
    assert!(!offers.is_empty());
    for o in &offers {
        let changes = o["price"]["variations"]["changes"].as_array().unwrap();
        assert_eq!(changes.len(), 3, "three nights");
        let cents = |v: &Value| (v.as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64;
        let sum: i64 = changes.iter().map(|c| cents(&c["total"])).sum();
        assert_eq!(cents(&o["price"]["total"]), sum, "total = the nights' sum");
        let taxes: i64 = o["price"]["taxes"].as_array().unwrap().iter().map(|t| cents(&t["amount"])).sum();
        assert_eq!(cents(&o["price"]["base"]) + taxes, cents(&o["price"]["total"]));
        assert!(o["id"].as_str().unwrap().bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    }
    let offer = standard_flexible(&offers).unwrap();
    let id = offer["id"].as_str().unwrap();
    assert!(offer["policies"]["cancellations"][0]["deadline"].as_str().unwrap().starts_with("2027-01-1"));
    let same = ok(&offline, Request::new(Operation::HotelOffer).id(id)).await;
    assert_eq!(same["data"]["offers"][0]["price"], offer["price"], "the id alone gives the offer back");

    let placed = order(&offline, id, Some("stay-1")).await.unwrap();
    let booking = &placed["data"]["hotelBookings"][0];
    assert_eq!(booking["bookingStatus"], "CONFIRMED");
    let confirmation = booking["hotelProviderInformation"][0]["confirmationNumber"].as_str().unwrap();
    assert!(confirmation.len() == 9 && confirmation.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(booking["hotel"]["hotelId"], hotel);
    assert!(!placed.to_string().contains("4111111111111111"), "the card number is masked");
    assert_eq!(sold(&db, hotel).await, [1, 1, 1]);
    // The same key: the same order, no more rooms.
    let retry = order(&offline, id, Some("stay-1")).await.unwrap();
    assert_eq!(retry["data"]["id"], placed["data"]["id"]);
    assert_eq!(sold(&db, hotel).await, [1, 1, 1]);
    // Rates rise as rooms sell (never fall).
    let later = standard_flexible(&offers_after(&offline, hotel).await).unwrap();
    assert!(price(&later) >= price(&offer));

    let order_id = placed["data"]["id"].as_str().unwrap();
    let cancelled = ok(&offline, Request::new(Operation::HotelOrderCancel).id(order_id)).await;
    assert_eq!(cancelled["data"]["hotelBookings"][0]["bookingStatus"], "CANCELLED");
    assert_eq!(sold(&db, hotel).await, [0, 0, 0]);
    ok(&offline, Request::new(Operation::HotelOrderCancel).id(order_id)).await;
    assert_eq!(sold(&db, hotel).await, [0, 0, 0], "a second cancel gives nothing back");
    let unknown = offline.call(&Request::new(Operation::HotelOrderCancel).id("OFHONOPE")).await.unwrap_err();
    assert_eq!(unknown.status, 404);
    let _ = std::fs::remove_dir_all(dir);
}

async fn offers_after(offline: &Offline, hotel: &str) -> Vec<Value> {
    offers(offline, hotel, "1").await
}

fn price(offer: &Value) -> f64 {
    offer["price"]["total"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn three_rooms_left_and_ten_concurrent_orders_sell_three() {
    let (offline, db, dir) = fresh().await;
    let hotel = "OFPAR007";
    let nine = standard_flexible(&offers(&offline, hotel, "9").await).unwrap()["id"].as_str().unwrap().to_owned();
    let one = standard_flexible(&offers(&offline, hotel, "1").await).unwrap()["id"].as_str().unwrap().to_owned();
    // Sell the room type out, then give three rooms back.
    while order(&offline, &nine, None).await.is_ok() {}
    let mut singles = Vec::new();
    while let Ok(placed) = order(&offline, &one, None).await {
        singles.push(placed["data"]["id"].as_str().unwrap().to_owned());
    }
    assert!(standard_flexible(&offers(&offline, hotel, "1").await).is_none(), "sold out: not offered");
    let conflict = offline.call(&Request::new(Operation::HotelOffer).id(&one)).await.unwrap_err();
    assert_eq!((conflict.status, conflict.code.as_ref()), (409, "offer_unavailable"));
    let capacity = sold(&db, hotel).await[0];
    let mut freed = 0;
    for id in singles.iter().take(3) {
        ok(&offline, Request::new(Operation::HotelOrderCancel).id(id)).await;
        freed += 1;
    }
    assert_eq!(freed, 3, "capacity {capacity}: at least three single rooms were sold");
    assert_eq!(sold(&db, hotel).await, [capacity - 3; 3]);
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (offline, one) = (offline.clone(), one.clone());
            tokio::spawn(async move { order(&offline, &one, None).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(e) => assert_eq!((e.status, e.code.as_ref()), (409, "offer_unavailable")),
        }
    }
    assert_eq!(won, 3);
    assert_eq!(sold(&db, hotel).await, [capacity; 3], "never oversold");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn activities_near_barcelona_are_in_barcelona_and_book_by_day() {
    let (offline, db, dir) = fresh().await;
    let around =
        ok(&offline, get(Operation::Activities, &[("latitude", "41.3888"), ("longitude", "2.1590"), ("radius", "5")]))
            .await;
    let list = around["data"].as_array().unwrap();
    assert!(list.len() >= 5, "{}", list.len());
    for a in list {
        assert!(a["id"].as_str().unwrap().starts_with("OFBCN"), "{a}");
        assert!(a["rating"].is_string() && a["price"]["amount"].is_string() && a["bookingLink"].is_null());
        assert_eq!(a["pictures"], json!([]));
    }
    assert!(list.iter().any(|a| a["name"].as_str().unwrap().contains("Barcelona")));
    let square = ok(
        &offline,
        get(
            Operation::ActivitiesBySquare,
            &[("north", "41.45"), ("west", "2.05"), ("south", "41.33"), ("east", "2.25")],
        ),
    )
    .await;
    assert!(!square["data"].as_array().unwrap().is_empty());
    let id = list[0]["id"].as_str().unwrap();
    assert_eq!(ok(&offline, Request::new(Operation::Activity).id(id)).await["data"]["name"], list[0]["name"]);
    assert_eq!(offline.call(&Request::new(Operation::Activity).id("OFBCNA999")).await.unwrap_err().status, 404);
    let body = json!({"data": {"activityId": id, "date": "2027-02-01", "participants": 2,
                               "travelers": [{"firstName": "Joan", "lastName": "Miró", "email": "joan@example.org"}]}});
    let placed = ok(&offline, Request::new(Operation::ActivityOrderCreate).body(body.clone()).key("act-1")).await;
    assert_eq!(placed["data"]["status"], "CONFIRMED");
    assert_eq!(placed["data"]["participants"], 2);
    let again = ok(&offline, Request::new(Operation::ActivityOrderCreate).body(body).key("act-1")).await;
    assert_eq!(again["data"]["id"], placed["data"]["id"]);
    let key = format!("A|{id}|2027-02-01");
    assert_eq!(inventory::sold(&db, std::slice::from_ref(&key)).await.unwrap().get(&key), Some(&2));
    let order_id = placed["data"]["id"].as_str().unwrap();
    let cancelled = ok(&offline, Request::new(Operation::ActivityOrderCancel).id(order_id)).await;
    assert_eq!(cancelled["data"]["status"], "CANCELLED");
    assert_eq!(inventory::sold(&db, std::slice::from_ref(&key)).await.unwrap().get(&key), Some(&0));
    let _ = std::fs::remove_dir_all(dir);
}

fn transfer_search(geo: &str) -> Request {
    Request::new(Operation::TransferOffers).body(json!({
        "startLocationCode": "CDG", "endAddressLine": "5 avenue Anatole France", "endCityName": "Paris",
        "endZipCode": "75007", "endCountryCode": "FR", "endGeoCode": geo, "transferType": "PRIVATE",
        "startDateTime": "2027-01-15T10:30:00", "passengers": 2}))
}

#[tokio::test]
async fn transfers_from_cdg_are_priced_by_distance_and_book_once() {
    let (offline, _db, dir) = fresh().await;
    let paris = ok(&offline, transfer_search("48.8584,2.2945")).await;
    let near = ok(&offline, transfer_search("48.9900,2.5200")).await;
    let sedan =
        |v: &Value| v["data"].as_array().unwrap().iter().find(|o| o["vehicle"]["code"] == "SED").cloned().unwrap();
    let (far_one, near_one) = (sedan(&paris), sedan(&near));
    let amount = |o: &Value| o["quotation"]["monetaryAmount"].as_str().unwrap().parse::<f64>().unwrap();
    assert!(amount(&far_one) > amount(&near_one) + 20.0, "{} vs {}", amount(&far_one), amount(&near_one));
    assert!((25..60).contains(&far_one["distance"]["value"].as_i64().unwrap()), "{}", far_one["distance"]);
    assert!(paris["data"].as_array().unwrap().iter().all(|o| o["transferType"] == "PRIVATE"));
    assert_eq!(far_one["end"]["address"]["line"], "5 avenue Anatole France");
    let offer_id = far_one["id"].as_str().unwrap();
    let body = json!({"data": {"note": "Two suitcases", "passengers": [{"firstName": "Marie", "lastName": "Curie",
        "contacts": {"phoneNumber": "+33 1 23 45 67 89", "email": "marie@example.org"}}]}});
    let create = || {
        Request::new(Operation::TransferOrderCreate).param("offerId", Some(offer_id)).body(body.clone()).key("ride-1")
    };
    let placed = ok(&offline, create()).await;
    let transfer = &placed["data"]["transfers"][0];
    assert_eq!(transfer["status"], "CONFIRMED");
    assert_eq!(transfer["quotation"], far_one["quotation"]);
    assert_eq!(ok(&offline, create()).await["data"]["id"], placed["data"]["id"]);
    let confirm = transfer["confirmNbr"].as_str().unwrap();
    let order_id = placed["data"]["id"].as_str().unwrap();
    let wrong = offline
        .call(&Request::new(Operation::TransferOrderCancel).id(order_id).param("confirmNbr", Some("1")))
        .await
        .unwrap_err();
    assert_eq!(wrong.status, 404);
    let cancelled =
        ok(&offline, Request::new(Operation::TransferOrderCancel).id(order_id).param("confirmNbr", Some(confirm)))
            .await;
    assert_eq!(cancelled["data"]["reservationStatus"], "CANCELLED");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn reference_operations_answer_in_amadeus_shapes() {
    let (offline, _db, dir) = fresh().await;
    let found = ok(
        &offline,
        get(Operation::Locations, &[("keyword", "par"), ("subType", "AIRPORT,CITY"), ("page[limit]", "20")]),
    )
    .await;
    let items = found["data"].as_array().unwrap();
    assert_eq!((items[0]["subType"].as_str(), items[0]["iataCode"].as_str()), (Some("CITY"), Some("PAR")));
    assert_eq!(items[0]["name"], "PARIS");
    assert_eq!(items[0]["address"]["countryCode"], "FR");
    assert_eq!(items[0]["timeZoneOffset"], "+01:00");
    let codes: Vec<&str> = items.iter().filter_map(|i| i["iataCode"].as_str()).collect();
    assert!(codes.contains(&"CDG") && codes.contains(&"ORY"), "{codes:?}");
    let near = ok(
        &offline,
        get(Operation::AirportsNearest, &[("latitude", "48.8566"), ("longitude", "2.3522"), ("sort", "distance")]),
    )
    .await;
    let near_list = near["data"].as_array().unwrap();
    let first: Vec<&str> = near_list.iter().take(6).filter_map(|a| a["iataCode"].as_str()).collect();
    assert!(first.contains(&"ORY") && first.contains(&"CDG") && first.contains(&"LBG"), "{first:?}");
    let km: Vec<i64> = near_list.iter().map(|a| a["distance"]["value"].as_i64().unwrap()).collect();
    assert!(km.windows(2).all(|w| w[0] <= w[1]) && km[0] < 20, "{km:?}");
    assert_eq!(near["data"][0]["distance"]["unit"], "KM");
    let relevant =
        ok(&offline, get(Operation::AirportsNearest, &[("latitude", "48.8566"), ("longitude", "2.3522")])).await;
    let relevant = relevant["data"].as_array().unwrap();
    let top: Vec<&str> = relevant.iter().take(2).filter_map(|a| a["iataCode"].as_str()).collect();
    assert!(top.contains(&"CDG") && top.contains(&"ORY"), "the hubs are the most relevant: {top:?}");
    let scores: Vec<f64> = relevant.iter().map(|a| a["relevance"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    let airlines = ok(&offline, get(Operation::Airlines, &[("airlineCodes", "AF,BAW")])).await;
    let names: Vec<&str> = airlines["data"].as_array().unwrap().iter().filter_map(|a| a["iataCode"].as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"AF") && names.contains(&"BA"));
    let all = ok(&offline, get(Operation::Airlines, &[])).await;
    assert!(all["data"].as_array().unwrap().len() > 80);
    let like = ok(&offline, get(Operation::RecommendedLocations, &[("cityCodes", "PAR")])).await;
    let like = like["data"].as_array().unwrap();
    assert!(!like.is_empty() && like.iter().all(|c| c["iataCode"] != "PAR" && c["relevance"].as_f64().unwrap() <= 1.0));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn every_bad_input_is_a_4xx_naming_the_parameter() {
    let (offline, _db, dir) = fresh().await;
    let hotel = |q: &[(&str, &str)]| {
        let mut all = vec![("hotelIds", "OFPAR004"), ("checkInDate", "2027-01-15"), ("checkOutDate", "2027-01-17")];
        all.retain(|(k, _)| !q.iter().any(|(n, _)| n == k));
        all.extend_from_slice(q);
        get(Operation::HotelOffers, &all)
    };
    let cases: Vec<(Request, u16, &str)> = vec![
        (get(Operation::HotelsByCity, &[("cityCode", "PA")]), 400, "cityCode"),
        (get(Operation::HotelsByCity, &[("cityCode", "QQQ")]), 404, "cityCode"),
        (get(Operation::HotelsByCity, &[("cityCode", "PAR"), ("radius", "0")]), 400, "radius"),
        (get(Operation::HotelsByCity, &[("cityCode", "PAR"), ("radiusUnit", "FEET")]), 400, "radiusUnit"),
        (get(Operation::HotelsByCity, &[("cityCode", "PAR"), ("ratings", "6")]), 400, "ratings"),
        (get(Operation::HotelsByCity, &[("cityCode", "PAR"), ("amenities", "MOAT")]), 400, "amenities"),
        (get(Operation::HotelsByGeocode, &[("latitude", "91"), ("longitude", "2")]), 400, "latitude"),
        (get(Operation::HotelsByIds, &[("hotelIds", "SHORT")]), 400, "hotelIds"),
        (get(Operation::HotelsByIds, &[("hotelIds", "OFPAR999")]), 404, "hotelIds"),
        (hotel(&[("hotelIds", "")]), 400, "hotelIds"),
        (hotel(&[("checkInDate", "15/01/2027")]), 400, "checkInDate"),
        (hotel(&[("checkInDate", "2026-11-30")]), 400, "checkInDate"),
        (hotel(&[("checkOutDate", "2027-01-15")]), 400, "checkOutDate"),
        (hotel(&[("checkOutDate", "2027-03-15")]), 400, "checkOutDate"),
        (hotel(&[("adults", "0")]), 400, "adults"),
        (hotel(&[("adults", "10")]), 400, "adults"),
        (hotel(&[("roomQuantity", "10")]), 400, "roomQuantity"),
        (hotel(&[("currency", "XXX")]), 400, "currency"),
        (hotel(&[("boardType", "SNACKS")]), 400, "boardType"),
        (hotel(&[("priceRange", "9-1")]), 400, "priceRange"),
        (Request::new(Operation::HotelOffer).id("NOTANOFFER"), 400, "offerId"),
        (Request::new(Operation::HotelOrderCreate).body(json!({})), 400, "data"),
        (Request::new(Operation::HotelOrderCreate).body(hotel_order("BOGUS")), 400, "data.roomAssociations[0].hotelOfferId"),
        (get(Operation::Activities, &[("latitude", "41.4"), ("longitude", "181")]), 400, "longitude"),
        (get(Operation::Activities, &[("latitude", "41.4"), ("longitude", "2.1"), ("radius", "21")]), 400, "radius"),
        (get(Operation::ActivitiesBySquare, &[("north", "41"), ("west", "2"), ("south", "42"), ("east", "3")]), 400, "north"),
        (Request::new(Operation::ActivityOrderCreate).body(json!({"data": {"activityId": "OFBCNA001", "date": "2027-02-01", "participants": 21, "travelers": [{"firstName": "A", "lastName": "B"}]}})), 400, "data.participants"),
        (Request::new(Operation::ActivityOrderCreate).body(json!({"data": {"activityId": "OFBCNA001", "date": "2020-02-01", "participants": 1}})), 400, "data.date"),
        (Request::new(Operation::ActivityOrderCreate).body(json!({"data": {"activityId": "OFQQQA001", "date": "2027-02-01", "participants": 1}})), 404, "data.activityId"),
        (Request::new(Operation::TransferOffers).body(json!({"startLocationCode": "ZZZ", "startDateTime": "2027-01-15T10:30:00", "endCityName": "Paris"})), 400, "startLocationCode"),
        (Request::new(Operation::TransferOffers).body(json!({"startLocationCode": "CDG", "startDateTime": "2027-01-15 10:30", "endCityName": "Paris"})), 400, "startDateTime"),
        (Request::new(Operation::TransferOffers).body(json!({"startLocationCode": "CDG", "startDateTime": "2026-11-15T10:30:00", "endCityName": "Paris"})), 400, "startDateTime"),
        (Request::new(Operation::TransferOffers).body(json!({"startLocationCode": "CDG", "startDateTime": "2027-01-15T10:30:00", "endGeoCode": "north"})), 400, "endGeoCode"),
        (Request::new(Operation::TransferOffers).body(json!({"startLocationCode": "CDG", "startDateTime": "2027-01-15T10:30:00", "endCityName": "Paris", "passengers": 0})), 400, "passengers"),
        (Request::new(Operation::TransferOffers).body(json!({"startLocationCode": "CDG", "startDateTime": "2027-01-15T10:30:00", "endCityName": "Paris", "transferType": "CAMEL"})), 400, "transferType"),
        (Request::new(Operation::TransferOrderCreate).body(json!({"data": {"passengers": []}})), 400, "offerId"),
        (Request::new(Operation::TransferOrderCreate).param("offerId", Some("OFTbogus")).body(json!({"data": {}})), 400, "offerId"),
        (Request::new(Operation::TransferOrderCancel).id("OFTO1"), 400, "confirmNbr"),
        (get(Operation::Locations, &[("keyword", "")]), 400, "keyword"),
        (get(Operation::Locations, &[("keyword", &"x".repeat(65))]), 400, "keyword"),
        (get(Operation::Locations, &[("keyword", "par"), ("subType", "PORT")]), 400, "subType"),
        (get(Operation::Locations, &[("keyword", "par"), ("page[limit]", "0")]), 400, "page[limit]"),
        (get(Operation::AirportsNearest, &[("latitude", "-91"), ("longitude", "2")]), 400, "latitude"),
        (get(Operation::AirportsNearest, &[("latitude", "48"), ("longitude", "2"), ("sort", "alphabet")]), 400, "sort"),
        (get(Operation::Airlines, &[("airlineCodes", "TOOLONG")]), 400, "airlineCodes"),
        (get(Operation::RecommendedLocations, &[("cityCodes", "PARIS")]), 400, "cityCodes"),
    ];
    for (request, status, field) in cases {
        let err = match offline.call(&request).await {
            Ok(v) => panic!("{:?} {:?} answered {v}", request.op, request.query),
            Err(e) => e,
        };
        assert_eq!(err.status, status, "{:?} {:?}: {err}", request.op, request.query);
        assert!(
            err.details.iter().any(|d| d.field == field),
            "{:?} {:?}: {err} {:?}",
            request.op,
            request.query,
            err.details
        );
    }
    // A guest's bad e-mail is named by its path.
    let offer = standard_flexible(&offers(&offline, "OFPAR004", "1").await).unwrap();
    let mut body = hotel_order(offer["id"].as_str().unwrap());
    body["data"]["guests"][0]["email"] = json!("not-an-email");
    let err = offline.call(&Request::new(Operation::HotelOrderCreate).body(body)).await.unwrap_err();
    assert_eq!(err.status, 400);
    assert_eq!(err.details[0].field, "data.guests[0].email");
    let _ = std::fs::remove_dir_all(dir);
}
