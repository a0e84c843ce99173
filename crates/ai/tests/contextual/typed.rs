//! `/api/v1/recommendations/{flights,accommodations,activities}` over the offline supplier.

use serde_json::Value;
use testkit::accounts::{admin, register};

use crate::{Kit, get, in_days, spawn, traveller};

fn items(body: &Value) -> Vec<Value> {
    body["recommendations"].as_array().cloned().unwrap_or_default()
}

fn score_ok(item: &Value) -> bool {
    item["score"].as_f64().is_some_and(|s| (0.0..=1.0).contains(&s))
}

#[tokio::test]
async fn the_dashboard_gets_suggested_flights_without_parameters() {
    let kit = spawn(false).await;
    let app = &kit.app;
    let user = register(app, "dash@example.com").await;
    let (status, body) = get(app, &user, "/api/v1/recommendations/flights").await;
    assert_eq!(status, 200, "{body}");
    let list = body["data"].as_array().unwrap();
    assert!(!list.is_empty(), "{body}");
    assert_eq!(body["data"], body["recommendations"]);
    assert_eq!(body["count"].as_u64(), Some(list.len() as u64));
    assert_eq!(body["metadata"]["defaultsApplied"], true);
    assert_eq!(body["metadata"]["suggestedDestinations"], true);
    assert_eq!(body["metadata"]["destinationsSearched"].as_array().unwrap().len(), 3);
    let departure = in_days(&kit, 30);
    for (i, item) in list.iter().enumerate() {
        let f = &item["flight"];
        assert_eq!(f["route"]["origin"]["cityCode"], "PAR", "{f}");
        for end in ["origin", "destination"] {
            for key in ["cityName", "airportName", "cityCode", "airportCode"] {
                assert!(f["route"][end][key].as_str().is_some_and(|v| !v.is_empty()), "{end}.{key}: {f}");
            }
        }
        assert!(f["airline"]["code"].is_string() && f["airline"]["name"].is_string(), "{f}");
        assert!(f["duration"]["total"].as_i64().is_some_and(|m| m > 0), "{f}");
        assert!(f["schedule"]["departureTime"].as_str().is_some_and(|t| t.starts_with(&departure)), "{f}");
        assert!(f["schedule"]["arrivalTime"].is_string());
        assert!(f["price"]["amount"].as_f64().is_some_and(|p| p > 0.0) && f["price"]["currency"].is_string());
        assert!(f["flightId"].is_string());
        assert!(score_ok(item) && item["rank"] == i + 1, "{item}");
        assert_eq!(item["vector"].as_array().unwrap().len(), 8);
        for key in
            ["similarityScore", "popularityScore", "qualityScore", "contextualScore", "segmentBoost", "finalScore"]
        {
            assert!(item["breakdown"][key].is_number(), "{key}: {item}");
        }
    }
    let scores: Vec<f64> = list.iter().map(|i| i["score"].as_f64().unwrap()).collect();
    assert!(scores.first() >= scores.last());
    assert_eq!(app.get("/api/v1/recommendations/flights").await.status(), 401);
}

fn top_mean(body: &Value, pointer: &str, n: usize) -> f64 {
    let values: Vec<f64> =
        items(body).iter().take(n).filter_map(|i| i.pointer(pointer).and_then(Value::as_f64)).collect();
    assert!(!values.is_empty(), "{body}");
    values.iter().sum::<f64>() / values.len() as f64
}

async fn stays(kit: &Kit, user: &testkit::accounts::User) -> Value {
    let path = format!(
        "/api/v1/recommendations/accommodations?cityCode=NCE&checkInDate={}&checkOutDate={}&adults=2&limit=5&diversityFactor=0",
        in_days(kit, 40),
        in_days(kit, 43)
    );
    let (status, body) = get(&kit.app, user, &path).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn a_beach_budget_profile_ranks_beach_destinations_and_cheap_hotels_first() {
    let kit = spawn(false).await;
    let app = &kit.app;
    let sun = traveller(app, "sun@example.com", &["beach", "budget"], "budget").await;
    let lux = traveller(app, "lux@example.com", &["culture", "luxury"], "luxury").await;

    let (status, body) = get(app, &sun, "/api/v1/recommendations/flights").await;
    assert_eq!(status, 200, "{}", body["metadata"]);
    assert_eq!(body["metadata"]["profileUsed"], true, "{}", body["metadata"]);
    let beach = [
        "BCN", "LIS", "ATH", "DXB", "SYD", "AKL", "LAX", "MIA", "CUN", "RIO", "CPT", "NCE", "LOP", "MRU", "DBV", "HNL",
    ];
    for code in body["metadata"]["destinationsSearched"].as_array().unwrap() {
        assert!(beach.contains(&code.as_str().unwrap()), "{code} is not a beach destination");
    }
    assert!(items(&body).iter().any(|i| i["reasons"].to_string().contains("beach")), "{}", body["metadata"]);

    let cheap = stays(&kit, &sun).await;
    let plush = stays(&kit, &lux).await;
    let (cheap_price, plush_price) =
        (top_mean(&cheap, "/accommodation/price/perNight", 3), top_mean(&plush, "/accommodation/price/perNight", 3));
    assert!(cheap_price < plush_price, "budget {cheap_price} vs luxury {plush_price}");
    let (cheap_stars, plush_stars) =
        (top_mean(&cheap, "/accommodation/rating", 3), top_mean(&plush, "/accommodation/rating", 3));
    assert!(cheap_stars < plush_stars, "stars {cheap_stars} vs {plush_stars}");
    let first = &items(&cheap)[0];
    for key in ["hotelId", "name", "description", "imageUrl"] {
        assert!(first["accommodation"].get(key).is_some(), "{key}: {first}");
    }
    assert!(
        first["accommodation"]["location"]["cityCode"] == "NCE"
            && first["accommodation"]["price"]["amount"].is_number()
    );
    assert!(first["accommodation"]["ratings"].get("overall").is_some());
    assert!(score_ok(first) && !first["reasons"].as_array().unwrap().is_empty(), "{first}");
    assert_eq!(cheap["context"]["nights"], 3);
}

#[tokio::test]
async fn activities_follow_interests_and_filters() {
    let kit = spawn(false).await;
    let app = &kit.app;
    let user = register(app, "food@example.com").await;
    let (status, body) =
        get(app, &user, "/api/v1/recommendations/activities?cityCode=ROM&activityTypes[]=food&limit=5").await;
    assert_eq!(status, 200, "{body}");
    let list = items(&body);
    assert!(!list.is_empty());
    assert!(list[0]["activity"]["categories"].to_string().contains("culinary"), "{}", list[0]);
    assert!(list[0]["reasons"].to_string().contains("food"), "{}", list[0]);
    for item in &list {
        let a = &item["activity"];
        assert!(a["activityId"].is_string() && a["name"].is_string() && a["shortDescription"].is_string(), "{a}");
        assert!(
            a["location"]["name"].is_string() && a["price"]["amount"].is_number() && a["price"]["currency"].is_string()
        );
        assert!(a["images"].is_array() && a["rating"].is_number());
    }
    let (_, cheap) =
        get(app, &user, "/api/v1/recommendations/activities?latitude=41.9&longitude=12.5&maxPrice=30").await;
    assert!(!items(&cheap).is_empty());
    assert!(items(&cheap).iter().all(|i| i["activity"]["price"]["amount"].as_f64().unwrap() <= 30.0));
    let (_, museums) =
        get(app, &user, "/api/v1/recommendations/activities?cityCode=Rome,IT&categories=cultural,nightlife").await;
    assert!(items(&museums).iter().all(|i| {
        let c = i["activity"]["categories"].to_string();
        c.contains("cultural") || c.contains("nightlife")
    }));
    assert!(museums["context"]["totalActivitiesFound"].as_u64() >= museums["context"]["filteredActivities"].as_u64());
    // A city the bundled table does not know is placed by the supplier.
    let (status, body) = get(app, &user, "/api/v1/recommendations/activities?cityCode=BOD&limit=3").await;
    assert_eq!(status, 200, "{body}");
    assert!(!items(&body).is_empty());
    let (status, _) = get(app, &user, "/api/v1/recommendations/activities?cityCode=ZZZ").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn only_the_owner_or_an_admin_asks_and_bad_input_is_400() {
    let kit = spawn(false).await;
    let app = &kit.app;
    let me = register(app, "me@example.com").await;
    let you = register(app, "you@example.com").await;
    let boss = admin(app, "boss@example.com").await;
    let stay = format!("cityCode=NCE&checkInDate={}&checkOutDate={}&adults=1", in_days(&kit, 20), in_days(&kit, 22));
    let (status, _) = get(app, &me, &format!("/api/v1/recommendations/accommodations?userId={}&{stay}", you.id)).await;
    assert_eq!(status, 403);
    let (status, body) =
        get(app, &boss, &format!("/api/v1/recommendations/accommodations?userId={}&{stay}", me.id)).await;
    assert_eq!((status, body["userId"].as_str()), (200, Some(me.id.as_str())));
    let (status, _) = get(app, &me, &format!("/api/v1/recommendations/flights?userId={}", you.id)).await;
    assert_eq!(status, 403);
    let (status, _) =
        get(app, &me, &format!("/api/v1/recommendations/activities?cityCode=PAR&userId={}", you.id)).await;
    assert_eq!(status, 403);

    let future = in_days(&kit, 10);
    let bad = [
        "/api/v1/recommendations/flights?userId=nobody".to_owned(),
        "/api/v1/recommendations/flights?origin=PAR".to_owned(),
        "/api/v1/recommendations/flights?origin=PAR&departureDate=2020-01-01&adults=1".to_owned(),
        format!("/api/v1/recommendations/flights?origin=PAR&departureDate={future}&adults=12"),
        format!("/api/v1/recommendations/flights?origin=PAR&departureDate={future}&adults=1&maxStops=x"),
        format!("/api/v1/recommendations/flights?origin=PAR&departureDate={future}&adults=1&destination=N%20C"),
        "/api/v1/recommendations/accommodations".to_owned(),
        format!(
            "/api/v1/recommendations/accommodations?cityCode=NCE&checkInDate={future}&checkOutDate={future}&adults=1"
        ),
        format!("/api/v1/recommendations/accommodations?{stay}&limit=0"),
        format!("/api/v1/recommendations/accommodations?{stay}&diversityFactor=2"),
        "/api/v1/recommendations/accommodations?cityCode=NCE&checkInDate=tomorrow&checkOutDate=later&adults=1"
            .to_owned(),
        "/api/v1/recommendations/activities".to_owned(),
        "/api/v1/recommendations/activities?cityCode=Atlantis".to_owned(),
        "/api/v1/recommendations/activities?latitude=99&longitude=1".to_owned(),
        "/api/v1/recommendations/activities?latitude=inf&longitude=1".to_owned(),
        "/api/v1/recommendations/activities?cityCode=PAR&diversityFactor=NaN".to_owned(),
        format!(
            "/api/v1/recommendations/accommodations?cityCode=NCE&checkInDate={future}&checkOutDate={}&adults=1",
            in_days(&kit, 60)
        ),
        "/api/v1/recommendations/accommodations?cityCode=NCE&checkInDate=2020-01-01&checkOutDate=2020-01-03&adults=1"
            .to_owned(),
        "/api/v1/recommendations/accommodations?cityCode=NCE&checkInDate=9999-12-30&checkOutDate=9999-12-31&adults=1"
            .to_owned(),
        format!("/api/v1/recommendations/flights?origin=PAR&departureDate={future}&adults=1&destination=QQQ"),
    ];
    for path in &bad {
        let (status, body) = get(app, &me, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["success"], false);
    }
    let (_, body) = get(app, &me, "/api/v1/recommendations/flights?origin=PAR").await;
    assert_eq!(body["data"]["metadata"]["strategy"], "invalid_params", "{body}");
    let (_, body) = get(app, &me, "/api/v1/recommendations/accommodations").await;
    assert_eq!(body["error"], "Missing required parameters");
    assert!(body["data"]["required"].to_string().contains("checkInDate"));
    let (_, body) = get(app, &me, &format!("/api/v1/recommendations/accommodations?{stay}&limit=99")).await;
    assert_eq!(body["error"], "limit must be between 1 and 50");
    for path in ["/api/v1/recommendations/accommodations", "/api/v1/recommendations/activities?cityCode=PAR"] {
        assert_eq!(app.get(path).await.status(), 401);
    }
}

#[tokio::test]
async fn the_flight_modal_asks_with_parameters_and_filters() {
    let kit = spawn(false).await;
    let app = &kit.app;
    let me = register(app, "modal@example.com").await;
    let day = in_days(&kit, 20);
    let path = format!(
        "/api/v1/recommendations/flights?userId={}&origin=PAR&destination=NYC&departureDate={day}&adults=2&children=1&infants=0&travelClass=ECONOMY&limit=10&maxStops=0",
        me.id
    );
    let (status, body) = get(app, &me, &path).await;
    assert_eq!(status, 200, "{}", body["metadata"]);
    let list = items(&body);
    assert!(!list.is_empty() && list.len() <= 10, "{}", body["metadata"]);
    assert_eq!(body["metadata"]["defaultsApplied"], false);
    for item in &list {
        let f = &item["flight"];
        assert_eq!(
            (f["stops"].as_i64(), f["route"]["destination"]["cityCode"].as_str()),
            (Some(0), Some("NYC")),
            "{f}"
        );
        assert!(f["schedule"]["departureTime"].as_str().unwrap().starts_with(&day));
    }
    let path = format!(
        "/api/v1/recommendations/flights?origin=PAR&destinations[]=LIS&destinations[]=ROM&departureDate={day}&adults=1&airlines=TP,AZ,AF&diversityFactor=1"
    );
    let (status, body) = get(app, &me, &path).await;
    assert_eq!(status, 200, "{}", body["metadata"]);
    assert_eq!(body["metadata"]["destinationsSearched"], serde_json::json!(["LIS", "ROM"]));
    let found = items(&body);
    let codes: Vec<&str> =
        found.iter().map(|i| i["flight"]["route"]["destination"]["cityCode"].as_str().unwrap()).collect();
    assert!(codes.contains(&"LIS") && codes.contains(&"ROM"), "{codes:?}");
    assert!(
        items(&body).iter().all(|i| ["TP", "AZ", "AF"].contains(&i["flight"]["airline"]["code"].as_str().unwrap()))
    );
}
