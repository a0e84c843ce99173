//! `GET /bookings/stats` counts the caller's own bookings only (a `userId` never shows
//! another's), under every voyage prefix; `409 price_changed` carries the current price
//! machine-readably, at cart add and at checkout.

use std::sync::atomic::Ordering;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::{call, data, host, register};
use crate::voyage_kit::*;

#[tokio::test]
async fn stats_count_the_callers_bookings_only() {
    let kit = spawn().await;
    let owner = host(&kit, "host@example.com", "Europe/Paris").await;
    let ann = register(&kit, "ann@example.com").await;
    let bob = register(&kit, "bob@example.com").await;
    let flat = flat(&kit, &owner).await;
    add_nights(&kit, &ann, &flat, "2030-05-01", "2030-05-03").await;
    let paid = checkout(&kit, &ann, "ann@example.com", "Ann", "Archer").await;
    pay(&kit, &ann, &paid).await;
    add_flight(&kit, &ann, 1).await;
    checkout(&kit, &ann, "ann@example.com", "Ann", "Archer").await;
    add_flight(&kit, &bob, 3).await;
    let bobs = checkout(&kit, &bob, "bob@example.com", "Bob", "Baker").await;
    pay(&kit, &bob, &bobs).await;

    // As the web client asks (V25), with someone else's userId: still the caller's own.
    let path = format!("/api/v1/bookings/stats?userId={}", bob.id);
    let stats = data(call(&kit, Method::GET, Some(&ann.token), &path, None).await).await;
    assert_eq!(stats["total"], 2, "{stats}");
    assert_eq!(stats["byStatus"]["CONFIRMED"], 1);
    assert_eq!(stats["byStatus"]["PENDING_PAYMENT"], 1);
    assert_eq!(stats["byStatus"]["CANCELLED"], 0);
    assert_eq!(stats["byType"], json!({"ACTIVITY": 0, "FLIGHT": 1, "HOTEL": 1, "PACKAGE": 0, "TRANSFER": 0}));
    assert_eq!(stats["totalSpent"], paid["amount"], "only what was paid and confirmed");
    assert_eq!(stats["currency"], "EUR");
    assert_eq!(stats["upcomingTrips"], 1);
    // Stats is not a booking reference; the other prefixes answer the same.
    for prefix in ["/api", "/api/v1/voyage"] {
        let again =
            data(call(&kit, Method::GET, Some(&ann.token), &format!("{prefix}/bookings/stats"), None).await).await;
        assert_eq!(again, stats, "{prefix}");
    }
    let bobs_stats = data(call(&kit, Method::GET, Some(&bob.token), "/api/v1/bookings/stats", None).await).await;
    assert_eq!((bobs_stats["total"].as_i64(), bobs_stats["byType"]["FLIGHT"].as_i64()), (Some(1), Some(1)));
    assert_eq!(bobs_stats["totalSpent"], bobs["amount"]);
    let stranger = register(&kit, "cy@example.com").await;
    let none = data(call(&kit, Method::GET, Some(&stranger.token), "/api/v1/bookings/stats", None).await).await;
    assert_eq!((none["total"].as_i64(), none["totalSpent"].as_f64()), (Some(0), Some(0.0)));
    assert_eq!(call(&kit, Method::GET, None, "/api/v1/bookings/stats", None).await.status(), 401);
}

fn price(amount: f64, minor: i64) -> Value {
    json!({"amount": amount, "amountMinor": minor, "currency": "EUR"})
}

#[tokio::test]
async fn price_changed_carries_the_current_price() {
    let kit = spawn().await;
    let guest = register(&kit, "guest@example.com").await;

    // At cart add: the unit price the client should have sent.
    let stale = json!({"itemType": "flight", "itemData": {"offerId": "FL-1"}, "quantity": 2, "price": 250.0});
    let e = expect_error(
        call(&kit, Method::POST, Some(&guest.token), "/api/v1/cart/items", Some(&stale)).await,
        409,
        "price_changed",
    )
    .await;
    let current = &e["data"]["currentPrice"];
    assert_eq!(
        (&current["amount"], &current["amountMinor"], &current["currency"]),
        (&json!(299.5), &json!(29950), &json!("EUR")),
        "{e}"
    );
    assert_eq!((&current["total"], &current["totalMinor"]), (&json!(599.0), &json!(59900)));
    assert_eq!(e["details"][0]["field"], "price");
    assert_eq!(e["details"][0]["value"], *current);

    // At checkout: the supplier's price moved since the line was added.
    add_flight(&kit, &guest, 2).await;
    kit.flights.price.store(31_000, Ordering::SeqCst);
    let r = call(&kit, Method::POST, Some(&guest.token), "/api/v1/cart/me/checkout", None).await;
    let e = expect_error(r, 409, "price_changed").await;
    assert_eq!(e["data"]["currentPrice"], price(620.0, 62000), "the cart's new total: {e}");
    let line = &e["details"][0];
    assert!(line["field"].as_str().unwrap().starts_with("items."), "{e}");
    assert_eq!((&line["value"]["amount"], &line["value"]["amountMinor"]), (&json!(310.0), &json!(31000)));
    assert_eq!(e["data"]["items"][0]["currentPrice"], line["value"]);
    // The cart shows the new price, and checks out at it.
    let out = checkout(&kit, &guest, "guest@example.com", "Gus", "Guest").await;
    assert_eq!(out["amount"], 620.0);
}
