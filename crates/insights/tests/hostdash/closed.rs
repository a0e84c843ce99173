//! Nights a host closes in booking's calendar are not available: occupancy and RevPAR divide
//! by the published nights without them — unless the night was sold before it was closed.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{call, contexts, data, get, host, int, paid, publish, register};

async fn calendar(app: &crate::support::App, owner: &crate::support::User, listing: &str, ranges: Value) {
    let body = json!({ "ranges": ranges });
    data(call(app, Method::PUT, owner, &format!("/api/v1/listings/{listing}/calendar"), Some(&body)).await).await;
    app.drain_events().await;
}

#[tokio::test]
async fn closed_nights_are_not_available_unless_they_were_sold() {
    let app = testkit::spawn_clocked("2026-02-10T10:00:00Z", contexts()).await;
    let owner = host(&app, "host@example.com").await;
    let flat = publish(&app, &owner, "Canal flat", "Europe/Paris", "EUR").await;
    let guest = register(&app, "guest@example.com").await;

    // 5 → 9 March closed, then 8 and 9 opened again: 5, 6 and 7 stay closed.
    calendar(&app, &owner, &flat, json!([{"from": "2026-03-05", "to": "2026-03-10", "blocked": true}])).await;
    calendar(&app, &owner, &flat, json!([{"from": "2026-03-08", "to": "2026-03-10", "blocked": false}])).await;
    // 12 and 13 March sold, then 13 → 14 closed: 13 was sold (available), 14 is closed.
    paid(&app, &guest, &flat, "2026-03-12", "2026-03-14").await;
    calendar(&app, &owner, &flat, json!([{"from": "2026-03-13", "to": "2026-03-15", "blocked": true}])).await;

    let url = "/api/v1/analytics/host/dashboard?from=2026-03-01&to=2026-03-31&interval=day";
    let d = data(get(&app, &owner, url).await).await;
    let current = &d["total"]["current"];
    assert_eq!((int(&current["nightsBooked"]), int(&current["nightsAvailable"])), (2, 31 - 3 - 1), "{current}");
    assert_eq!(current["occupancyRate"], json!(0.0741));
    assert_eq!(int(&current["revenue"][0]["nightsAvailable"]), 27);
    let day = |date: &str| d["series"].as_array().unwrap().iter().find(|b| b["from"] == date).cloned().unwrap();
    let available = |date: &str| int(&day(date)["nightsAvailable"]);
    assert_eq!(
        [available("2026-03-05"), available("2026-03-08"), available("2026-03-13"), available("2026-03-14")],
        [0, 1, 1, 0]
    );
    // February (published on the 10th) knows nothing closed.
    let feb = data(get(&app, &owner, "/api/v1/analytics/host/dashboard?from=2026-02-01&to=2026-02-28").await).await;
    assert_eq!(int(&feb["total"]["current"]["nightsAvailable"]), 19);
}
