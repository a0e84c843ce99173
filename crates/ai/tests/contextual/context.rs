//! `/api/v1/context/*`: with and without a weather provider.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::accounts::{admin, register};

use crate::{answer, send, spawn};

#[tokio::test]
async fn without_a_provider_weather_is_unavailable_and_seasons_come_from_normals() {
    let kit = spawn(false).await;
    let app = &kit.app;
    let (status, body) = answer(app.get("/api/v1/context/weather/PAR").await).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["success"], false);
    assert_eq!(body["error"], "Données météo indisponibles");
    assert!(body["hint"].as_str().is_some_and(|h| h.contains("ai.weather.url")), "{body}");
    let (status, body) = answer(app.get("/api/v1/context/forecast/Paris,FR").await).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("Prévisions indisponibles pour cette ville")));

    let (status, body) = answer(app.get("/api/v1/context/seasonal?cityCode=SYD&date=2031-01-15").await).await;
    assert_eq!(status, 200, "{body}");
    let d = &body["data"];
    assert_eq!((d["currentSeason"].as_str(), d["hemisphere"].as_str()), (Some("summer"), Some("south")));
    assert_eq!(d["travelSeason"], "high_season");
    assert_eq!(d["source"], "climate_normals");
    assert_eq!(d["month"], 1);
    assert!(d["peakMonths"].as_array().unwrap().contains(&json!(1)));
    let (_, body) = answer(app.get("/api/v1/context/seasonal?cityCode=Paris,FR&date=2031-07-14").await).await;
    assert_eq!(
        (body["data"]["currentSeason"].as_str(), body["data"]["isSchoolHoliday"].as_bool()),
        (Some("summer"), Some(true))
    );
    assert_eq!(body["data"]["city"]["code"], "PAR");
    let (status, _) = answer(app.get("/api/v1/context/seasonal").await).await;
    assert_eq!(status, 200);

    let (status, body) = answer(app.get("/api/v1/context/health").await).await;
    assert_eq!((status, body["data"]["weatherApi"].as_bool()), (206, Some(false)), "{body}");
    assert_eq!(body["data"]["seasonal"], true);

    // Bad input and unknown cities.
    testkit::expect_error(app.get("/api/v1/context/seasonal?date=2031-13-01").await, 400, "validation_failed").await;
    testkit::expect_error(app.get("/api/v1/context/seasonal?cityCode=Atlantis").await, 404, "unknown_city").await;
    testkit::expect_error(app.get("/api/v1/context/weather/QQQ").await, 404, "unknown_city").await;
    testkit::expect_error(app.get("/api/v1/context/forecast/PAR?days=0").await, 400, "validation_failed").await;
    assert_eq!(app.get("/api/v1/context/forecast/PAR?days=x").await.status(), 400);
}

#[tokio::test]
async fn the_provider_answers_through_a_cache_that_admins_clear() {
    let kit = spawn(true).await;
    let app = &kit.app;
    let fake = kit.weather.as_ref().unwrap();
    let (status, body) = answer(app.get("/api/v1/context/weather/Paris,FR").await).await;
    assert_eq!(status, 200, "{body}");
    let d = &body["data"];
    assert_eq!(
        (d["cityCode"].as_str(), d["condition"].as_str(), d["temperature"].as_f64()),
        (Some("PAR"), Some("sunny"), Some(24.0))
    );
    assert_eq!(d["isOutdoorFriendly"], true);
    for key in [
        "feelsLike",
        "humidity",
        "windSpeed",
        "conditionDescription",
        "uvIndex",
        "visibility",
        "fetchedAt",
        "cityName",
        "country",
    ] {
        assert!(!d[key].is_null(), "{key}: {d}");
    }
    let hits = fake.hits();
    let (_, forecast) = answer(app.get("/api/v1/context/forecast/PAR?days=3").await).await;
    assert_eq!(forecast["data"]["days"].as_array().unwrap().len(), 3, "{forecast}");
    let day = &forecast["data"]["days"][0];
    assert_eq!((day["tempMax"].as_f64(), day["tempMin"].as_f64()), (Some(26.0), Some(18.0)));
    let (_, forecast) = answer(app.get("/api/v1/context/forecast/PAR?days=9").await).await;
    assert_eq!(forecast["data"]["days"].as_array().unwrap().len(), 5);
    assert_eq!(fake.hits(), hits, "the cached answer serves the forecast");

    // The weather changes; the cache still answers until it is cleared or expires.
    fake.set_weather(63, 12.0);
    let (_, body) = answer(app.get("/api/v1/context/weather/PAR").await).await;
    assert_eq!(body["data"]["condition"], "sunny");
    let user = register(app, "user@example.com").await;
    let boss = admin(app, "boss@example.com").await;
    let (status, _) = send(app, &user, Method::DELETE, "/api/v1/context/cache/PAR", &json!({})).await;
    assert_eq!(status, 403);
    assert_eq!(answer(app.call(Method::DELETE, None, "/api/v1/context/cache/PAR", None).await).await.0, 401);
    let (status, body) = send(app, &boss, Method::DELETE, "/api/v1/context/cache/Paris,FR", &json!({})).await;
    assert_eq!((status, body["message"].as_str()), (200, Some("Cache météo invalidé pour Paris,FR")), "{body}");
    let (_, body) = answer(app.get("/api/v1/context/weather/PAR").await).await;
    assert_eq!(
        (body["data"]["condition"].as_str(), body["data"]["isOutdoorFriendly"].as_bool()),
        (Some("rainy"), Some(false))
    );
    assert_eq!(fake.hits(), hits + 1);
    // Expiry: `cache_secs` later the provider is asked again.
    kit.clock.advance(chrono::Duration::seconds(601));
    answer(app.get("/api/v1/context/weather/PAR").await).await;
    assert_eq!(fake.hits(), hits + 2);

    let (status, body) = answer(app.get("/api/v1/context/health").await).await;
    assert_eq!((status, body["data"]["weatherApi"].as_bool()), (200, Some(true)));
    fake.set_down(true);
    let (status, _) = answer(app.get("/api/v1/context/health").await).await;
    assert_eq!(status, 200, "health reads through the cache");
    send(app, &boss, Method::DELETE, "/api/v1/context/cache/PAR", &json!({})).await;
    let (status, body) = answer(app.get("/api/v1/context/health").await).await;
    assert_eq!((status, body["data"]["weatherApi"].as_bool()), (206, Some(false)));
    testkit::expect_error(app.get("/api/v1/context/weather/ROM").await, 503, "weather_provider_unavailable").await;
}

fn vector() -> Value {
    json!([0.5, 0.5, 0.5, 0.9, 0.5, 0.5, 0.5, 0.5])
}

#[tokio::test]
async fn recommendations_are_rescored_by_the_weather_for_their_owner() {
    let kit = spawn(true).await;
    let app = &kit.app;
    let fake = kit.weather.as_ref().unwrap();
    let user = register(app, "me@example.com").await;
    let other = register(app, "other@example.com").await;
    let items = json!([{"id": "b", "name": "Beach and snorkel day", "score": 0.8}, {"id": "m", "name": "Art museum pass", "score": 0.7}]);
    let body = json!({"userId": user.id, "cityCode": "NCE", "userVector": vector(), "recommendations": items});

    fake.set_weather(63, 14.0);
    let (status, rainy) = send(app, &user, Method::POST, "/api/v1/context/recommendations", &body).await;
    assert_eq!(status, 200, "{rainy}");
    assert_eq!((rainy["count"].as_i64(), rainy["context"]["weather"]["condition"].as_str()), (Some(2), Some("rainy")));
    assert_eq!(rainy["data"][0]["id"], "m", "indoor first when it rains: {rainy}");
    let first = &rainy["data"][0]["contextualScore"];
    assert!(
        first["finalScore"].as_f64().unwrap() >= rainy["data"][1]["contextualScore"]["finalScore"].as_f64().unwrap()
    );
    assert!(first["contextBreakdown"]["weatherMatch"].as_f64().unwrap() > 1.0);

    fake.set_weather(0, 25.0);
    let boss = admin(app, "boss@example.com").await;
    send(app, &boss, Method::DELETE, "/api/v1/context/cache/NCE", &json!({})).await;
    let (_, sunny) = send(app, &user, Method::POST, "/api/v1/context/recommendations", &body).await;
    assert_eq!(sunny["data"][0]["id"], "b", "outdoor first in the sun: {sunny}");
    let b = &sunny["data"][0]["contextualScore"];
    assert!(b["finalScore"].as_f64().unwrap() > 0.8 * 0.99, "{b}");
    assert_eq!(b["originalScore"], 0.8);

    // Without weather, same order as given scores (no weather factor), normals named.
    let no_weather = json!({"userId": user.id, "cityCode": "NCE", "userVector": vector(), "recommendations": items, "applyWeather": false, "applySeasonal": false});
    let (_, plain) = send(app, &user, Method::POST, "/api/v1/context/recommendations", &no_weather).await;
    assert_eq!(plain["data"][0]["contextualScore"]["contextMultiplier"], 1.0);
    assert_eq!(plain["context"]["source"], "climate_normals");

    // Someone else's userId, no token, bad bodies.
    let (status, _) = send(app, &other, Method::POST, "/api/v1/context/recommendations", &body).await;
    assert_eq!(status, 403);
    assert_eq!(answer(app.post_json("/api/v1/context/recommendations", &body).await).await.0, 401);
    for (bad, error) in [
        (json!({"userVector": vector(), "recommendations": items}), "userId requis"),
        (
            json!({"userId": user.id, "userVector": [1, 2], "recommendations": items}),
            "userVector (8 dimensions) requis",
        ),
        (
            json!({"userId": user.id, "userVector": vector(), "recommendations": []}),
            "recommendations (liste non vide) requises",
        ),
    ] {
        let (status, body) = send(app, &user, Method::POST, "/api/v1/context/recommendations", &bad).await;
        assert_eq!((status, body["error"].as_str()), (400, Some(error)), "{body}");
    }
    let bad = json!({"userId": user.id, "userVector": vector(), "recommendations": [{"score": "high"}]});
    assert_eq!(send(app, &user, Method::POST, "/api/v1/context/recommendations", &bad).await.0, 400);
    let bad = json!({"userId": user.id, "cityCode": "Atlantis", "userVector": vector(), "recommendations": items});
    assert_eq!(send(app, &user, Method::POST, "/api/v1/context/recommendations", &bad).await.0, 400);
}

#[tokio::test]
async fn flights_soon_read_the_destination_forecast() {
    let kit = spawn(true).await;
    let app = &kit.app;
    let fake = kit.weather.as_ref().unwrap();
    let user = register(app, "soon@example.com").await;
    let path = format!(
        "/api/v1/recommendations/flights?origin=PAR&destination=NCE&departureDate={}&adults=1&limit=5",
        crate::in_days(&kit, 2)
    );
    let (status, sunny) = crate::get(app, &user, &path).await;
    assert_eq!(status, 200, "{}", sunny["metadata"]);
    assert_eq!(sunny["metadata"]["weatherSource"], "weather_provider");
    assert!(
        sunny["recommendations"][0]["reasons"].to_string().contains("good weather forecast in Nice"),
        "{}",
        sunny["recommendations"][0]["reasons"]
    );
    fake.set_weather(65, 12.0);
    let boss = admin(app, "boss@example.com").await;
    send(app, &boss, Method::DELETE, "/api/v1/context/cache/NCE", &json!({})).await;
    let (_, rainy) = crate::get(app, &user, &path).await;
    let context = |b: &Value| b["recommendations"][0]["breakdown"]["contextualScore"].as_f64().unwrap();
    assert!(context(&rainy) < context(&sunny), "{} vs {}", context(&rainy), context(&sunny));
    assert!(!rainy["recommendations"][0]["reasons"].to_string().contains("forecast"));
    // Further ahead than the forecast: the normals.
    let later = path.replace(&crate::in_days(&kit, 2), &crate::in_days(&kit, 30));
    let (_, normals) = crate::get(app, &user, &later).await;
    assert_eq!(normals["metadata"]["weatherSource"], "climate_normals");
}
