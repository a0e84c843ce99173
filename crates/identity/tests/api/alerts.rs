//! Price alerts as the dashboard uses them (X2 list, X3 create), plus change, delete, limits
//! and ownership, under `/api/price-alerts` and `/api/v1/price-alerts`.

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{register, spawn};

async fn call(app: &TestApp, method: reqwest::Method, token: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    json(app.call(method, Some(token), path, body).await).await
}

fn in_days(days: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(days)).to_string()
}

fn alert(route: &str, price: f64) -> Value {
    json!({"route": route, "targetPrice": price, "departureDate": in_days(30), "currency": "USD"})
}

#[tokio::test]
async fn price_alerts_as_the_dashboard_uses_them() {
    let app = spawn().await;
    let s = register(&app, "pia@example.com").await;
    let (status, empty) = call(&app, reqwest::Method::GET, &s.access, "/api/price-alerts", None).await;
    assert_eq!((status, empty["data"].clone()), (200, json!([])));

    let (status, created) =
        call(&app, reqwest::Method::POST, &s.access, "/api/price-alerts", Some(&alert("Paris → New York", 450.0)))
            .await;
    assert_eq!(status, 201, "{created}");
    let a = &created["data"];
    assert_eq!(a["route"], "Paris → New York");
    assert_eq!((a["targetPrice"].as_f64(), a["currency"].as_str()), (Some(450.0), Some("USD")));
    assert_eq!(
        (a["currentPrice"].clone(), a["priceChange"].clone()),
        (Value::Null, Value::Null),
        "no price source yet"
    );
    assert_eq!((a["isActive"].as_bool(), a["departureDate"].as_str()), (Some(true), Some(in_days(30).as_str())));
    assert!(a["id"].is_string() && a["createdAt"].is_string());
    let id = a["id"].as_str().unwrap().to_owned();
    let (_, cents) =
        call(&app, reqwest::Method::POST, &s.access, "/api/v1/price-alerts", Some(&alert("CDG -> NRT", 299.99))).await;
    assert_eq!(
        (cents["data"]["targetPrice"].as_f64(), cents["data"]["route"].as_str()),
        (Some(299.99), Some("CDG → NRT"))
    );

    let (_, listed) = call(&app, reqwest::Method::GET, &s.access, "/api/price-alerts", None).await;
    let listed = listed["data"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["id"], id.as_str(), "newest first");
    let (_, v1) = call(&app, reqwest::Method::GET, &s.access, "/api/v1/price-alerts", None).await;
    assert_eq!(v1["data"].as_array().unwrap().len(), 2);

    let path = format!("/api/price-alerts/{id}");
    let (status, paused) =
        call(&app, reqwest::Method::PATCH, &s.access, &path, Some(&json!({"isActive": false}))).await;
    assert_eq!((status, paused["data"]["isActive"].as_bool()), (200, Some(false)), "{paused}");
    let (_, retargeted) =
        call(&app, reqwest::Method::PATCH, &s.access, &path, Some(&json!({"targetPrice": 399.5}))).await;
    assert_eq!(
        (retargeted["data"]["targetPrice"].as_f64(), retargeted["data"]["isActive"].as_bool()),
        (Some(399.5), Some(false))
    );
    for bad in [json!({}), json!({"targetPrice": 0}), json!({"isActive": "no"})] {
        let (status, body) = call(&app, reqwest::Method::PATCH, &s.access, &path, Some(&bad)).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let (status, _) = call(&app, reqwest::Method::DELETE, &s.access, &path, None).await;
    assert_eq!(status, 200);
    let (status, _) = call(&app, reqwest::Method::DELETE, &s.access, &path, None).await;
    assert_eq!(status, 404);
    expect_error(app.get("/api/price-alerts").await, 401, "unauthorized").await;
}

#[tokio::test]
async fn price_alerts_are_validated_owned_and_capped() {
    let app = spawn().await;
    let s = register(&app, "pia@example.com").await;
    let good = alert("Paris → Rome", 120.0);
    let mut bad = Vec::new();
    for (field, value) in [
        ("route", json!("Paris")),
        ("route", json!(format!("{} → Rome", "x".repeat(61)))),
        ("targetPrice", json!(0)),
        ("targetPrice", json!(-10)),
        ("targetPrice", json!("450")),
        ("targetPrice", json!(1e12)),
        ("departureDate", json!("tomorrow")),
        ("departureDate", json!(in_days(-3))),
        ("departureDate", json!(in_days(900))),
        ("currency", json!("XYZ")),
    ] {
        let mut body = good.clone();
        body[field] = value;
        bad.push(body);
    }
    bad.push(json!({"route": "Paris → Rome", "targetPrice": 100}));
    for body in bad {
        let (status, err) = call(&app, reqwest::Method::POST, &s.access, "/api/price-alerts", Some(&body)).await;
        assert_eq!(status, 400, "{body}: {err}");
    }

    let (_, created) = call(&app, reqwest::Method::POST, &s.access, "/api/price-alerts", Some(&good)).await;
    let path = format!("/api/price-alerts/{}", created["data"]["id"].as_str().unwrap());
    let other = register(&app, "eve@example.com").await;
    let (status, _) = call(&app, reqwest::Method::PATCH, &other.access, &path, Some(&json!({"isActive": false}))).await;
    assert_eq!(status, 404, "another user's alert");
    let (status, _) = call(&app, reqwest::Method::DELETE, &other.access, &path, None).await;
    assert_eq!(status, 404);
    let (_, theirs) = call(&app, reqwest::Method::GET, &other.access, "/api/price-alerts", None).await;
    assert_eq!(theirs["data"], json!([]));
    let (status, _) = call(&app, reqwest::Method::DELETE, &s.access, "/api/price-alerts/not-an-id", None).await;
    assert_eq!(status, 404);

    for i in 1..50 {
        let (status, body) =
            call(&app, reqwest::Method::POST, &s.access, "/api/price-alerts", Some(&alert(&format!("A{i} → B"), 10.0)))
                .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, over) = call(&app, reqwest::Method::POST, &s.access, "/api/price-alerts", Some(&good)).await;
    assert_eq!((status, over["code"].as_str()), (422, Some("price_alerts_limit")));
}
