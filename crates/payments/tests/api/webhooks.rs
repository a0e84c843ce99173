//! Signed processor events: applied once, out of order safely, forged ones refused.

use reqwest::Method;
use serde_json::json;
use testkit::expect_error;

use crate::intents::{NOW, WEBHOOK_SECRET, call, data, listing, register, reservation, spawn, status};

async fn deliver(app: &testkit::TestApp, body: &[u8], signature: Option<String>) -> reqwest::Response {
    let mut r = app
        .client
        .post(app.url("/api/v1/payment/webhook"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(s) = signature {
        r = r.header("stripe-signature", s);
    }
    r.send().await.unwrap()
}

#[tokio::test]
async fn signed_events_apply_once_in_any_order_and_forged_ones_change_nothing() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": booked});
    let intent = data(call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ask)).await).await;
    let id = intent["paymentIntentId"].as_str().unwrap().to_owned();

    let succeeded = serde_json::to_vec(&json!({"id": "evt_1", "type": "payment_intent.succeeded",
        "data": {"object": {"id": id, "object": "payment_intent"}}}))
    .unwrap();
    // Forged, unsigned, stale: refused, and the payment does not move.
    let forged = payments::signature::header("not-the-secret-not-the-secret-000", NOW, &succeeded);
    expect_error(deliver(&app, &succeeded, Some(forged)).await, 400, "invalid_signature").await;
    expect_error(deliver(&app, &succeeded, None).await, 400, "invalid_signature").await;
    let stale = payments::signature::header(WEBHOOK_SECRET, NOW - 301, &succeeded);
    expect_error(deliver(&app, &succeeded, Some(stale)).await, 400, "invalid_signature").await;
    let seen = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{id}"), None).await).await;
    assert_eq!(seen["status"], "requires_payment_method");

    // Delivered five times: applied once.
    let signed = payments::signature::header(WEBHOOK_SECRET, NOW, &succeeded);
    let mut applied = Vec::new();
    for _ in 0..5 {
        applied.push(data(deliver(&app, &succeeded, Some(signed.clone())).await).await["applied"].as_bool().unwrap());
    }
    assert_eq!(applied, [true, false, false, false, false]);
    app.drain_events().await;
    assert_eq!(status(&app, &guest, &booked).await, "confirmed");
    let (announced,): (i64,) =
        platform::db::query("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE event_type = 'payment.succeeded'")
            .fetch_one(app.platform.db("payments").unwrap())
            .await
            .unwrap();
    assert_eq!(announced, 1, "one payment.succeeded for five deliveries");

    // A failure reported late cannot undo the success.
    let failed = serde_json::to_vec(&json!({"id": "evt_0", "type": "payment_intent.payment_failed",
        "data": {"object": {"id": id, "last_payment_error": {"code": "card_declined"}}}}))
    .unwrap();
    let late =
        data(deliver(&app, &failed, Some(payments::signature::header(WEBHOOK_SECRET, NOW, &failed))).await).await;
    assert_eq!(late["applied"], false);
    let seen = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{id}"), None).await).await;
    assert_eq!(seen["status"], "succeeded");
}
