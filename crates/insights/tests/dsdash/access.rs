//! Who may read DreamScape's dashboard figures (administrators: 401 without a token, 403 for
//! anyone else, in the standard envelope), bad periods and limits (400 `validation_failed`),
//! and an empty platform's figures (zeros, empty lists).

use reqwest::Method;
use serde_json::json;
use testkit::accounts::{admin, call, login, register};
use testkit::expect_error;

use super::{answer, spawn};

const ROUTES: [&str; 3] = [
    "/api/v1/admin/dashboard/stats",
    "/api/v1/admin/dashboard/revenue-chart",
    "/api/v1/admin/dashboard/bookings-by-destination",
];

#[tokio::test]
async fn administrators_only_and_bad_input_is_400() {
    let kit = spawn().await;
    let app = &*kit;
    let boss = admin(app, "boss@example.com").await;
    let guest = register(app, "guest@example.com").await;
    for path in ROUTES {
        expect_error(app.get(path).await, 401, "unauthorized").await;
        expect_error(call(app, Method::GET, &guest, path, None).await, 403, "forbidden").await;
        let body = expect_error(
            call(app, Method::GET, &boss, &format!("{path}?period=custom"), None).await,
            400,
            "validation_failed",
        )
        .await;
        assert_eq!(body["message"], "startDate and endDate required for custom period", "{path}: {body}");
        expect_error(call(app, Method::GET, &boss, &format!("{path}?period=1y"), None).await, 400, "validation_failed")
            .await;
        let backwards = format!("{path}?period=custom&startDate=2030-01-05&endDate=2030-01-01");
        expect_error(call(app, Method::GET, &boss, &backwards, None).await, 400, "validation_failed").await;
        let garbled = format!("{path}?period=custom&startDate=yesterday&endDate=2030-01-01");
        expect_error(call(app, Method::GET, &boss, &garbled, None).await, 400, "validation_failed").await;
    }
    for limit in ["0", "101", "five"] {
        let path = format!("/api/v1/admin/dashboard/bookings-by-destination?limit={limit}");
        expect_error(call(app, Method::GET, &boss, &path, None).await, 400, "validation_failed").await;
    }

    // Nothing booked nor paid yet, an hour later: zeros and empty lists.
    kit.at("2030-01-02T13:00:00Z");
    let boss = login(app, &boss).await;
    let stats = answer(app, &boss, "/api/v1/admin/dashboard/stats?period=30d").await;
    assert_eq!(stats["users"], json!({"total": 2, "active": 0, "inactive": 2, "newInPeriod": 2, "evolution": 100}));
    assert_eq!(stats["bookings"]["total"], 0);
    assert_eq!(stats["revenue"], json!({"total": 0.0, "currency": "EUR", "evolution": 0}));
    assert_eq!(stats["conversionRate"], json!({"rate": 0.0, "evolution": 0}));
    assert_eq!(stats["avgBookingValue"], json!({"amount": 0.0, "currency": "EUR"}));
    assert_eq!(answer(app, &boss, ROUTES[1]).await, json!([]));
    assert_eq!(answer(app, &boss, ROUTES[2]).await, json!([]));
}
