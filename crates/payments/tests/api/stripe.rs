//! The Stripe processor end to end, against a local fake of Stripe's API: what we send
//! (form fields, secret key, pinned version, idempotency keys), and how Stripe's answers and
//! webhooks move payments and reservations.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

use crate::fakes::{self, Fake};
use crate::intents::{WEBHOOK_SECRET, call, data, listing, register, reservation, spawn_configured, status};
use crate::refunds::{admin, assert_balanced, login};

const SECRET_KEY: &str = "sk_test_sojourn_fake_key_0123456789";

async fn spawn_stripe() -> (TestApp, tempfile::TempDir, Arc<kernel::ManualClock>, Fake) {
    let fake = fakes::stripe().await;
    let url = fake.url.clone();
    let (app, dir, clock) = spawn_configured(move |c| {
        c.payments.provider = platform::config::PaymentProvider::Stripe;
        c.payments.stripe.base_url = url;
        c.payments.stripe.publishable_key = Some("pk_test_sojourn".into());
        c.secrets.insert("stripe_secret_key".into(), platform::secrets::Secret::new(SECRET_KEY));
    })
    .await;
    (app, dir, clock, fake)
}

async fn open(app: &TestApp, guest: &str, reservation: &str, total: i64) -> Value {
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": reservation});
    data(call(app, Method::POST, guest, "/api/v1/payment/intent", Some(&ask)).await).await
}

async fn confirm(app: &TestApp, guest: &str, id: &str, method: Option<&str>) -> reqwest::Response {
    let body = method.map_or_else(|| json!({}), |m| json!({"paymentMethod": m}));
    call(app, Method::POST, guest, &format!("/api/v1/payment/{id}/confirm"), Some(&body)).await
}

#[tokio::test]
async fn an_instant_booking_is_paid_at_stripe_and_refunded_there() {
    let (app, _dir, clock, stripe) = spawn_stripe().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let root = admin(&app, "root@example.com").await;
    let config = data(app.client.get(app.url("/api/v1/payment/config")).send().await.unwrap()).await;
    assert_eq!(
        (config["provider"].as_str(), config["publishableKey"].as_str()),
        (Some("stripe"), Some("pk_test_sojourn"))
    );
    let listing = listing(&app, &host, true).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;

    // The intent is Stripe's: its client secret goes to the client, for Stripe.js.
    let intent = open(&app, &guest, &booked, total).await;
    let id = intent["paymentIntentId"].as_str().unwrap().to_owned();
    assert_eq!(intent["clientSecret"], "pi_stripe_1_secret_fake", "{intent}");
    let created = stripe.to("POST", "/v1/payment_intents");
    assert_eq!(created.len(), 1);
    let sent = &created[0];
    assert_eq!(sent.header("authorization"), Some(format!("Bearer {SECRET_KEY}").as_str()));
    assert_eq!(sent.header("stripe-version"), Some("2024-06-20"));
    assert!(sent.header("content-type").unwrap().starts_with("application/x-www-form-urlencoded"));
    assert!(sent.header("idempotency-key").is_some_and(|k| k.contains(&id)), "{sent:?}");
    assert_eq!(sent.field("amount"), Some(total.to_string()));
    assert_eq!(
        (sent.field("currency").as_deref(), sent.field("capture_method").as_deref()),
        (Some("eur"), Some("automatic"))
    );
    assert_eq!(sent.field("metadata[reservation_id]"), Some(booked.clone()));

    // A declined card, then a good one.
    expect_error(confirm(&app, &guest, &id, Some("pm_card_chargeDeclined")).await, 402, "card_declined").await;
    let paid = data(confirm(&app, &guest, &id, Some("pm_card_visa")).await).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    let confirms = stripe.to("POST", "/v1/payment_intents/pi_stripe_1/confirm");
    assert_eq!(confirms.last().unwrap().field("payment_method").as_deref(), Some("pm_card_visa"));
    app.drain_events().await;
    assert_eq!(status(&app, &guest, &booked).await, "confirmed");

    // Stripe's own webhook for the same payment arrives later: applied already, changes nothing.
    let event = json!({"id": "evt_stripe_1", "object": "event", "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_stripe_1", "object": "payment_intent"}}});
    let raw = serde_json::to_vec(&event).unwrap();
    let header = payments::signature::header(WEBHOOK_SECRET, crate::intents::NOW, &raw);
    let r =
        app.client.post(app.url("/api/v1/payment/webhook")).header("stripe-signature", header).body(raw).send().await;
    assert_eq!(data(r.unwrap()).await["applied"], false);

    // A refund is made at Stripe, keyed by our refund id.
    let refund = json!({"paymentIntentId": id, "amount": 5000});
    let made = data(call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&refund)).await).await;
    assert_eq!(made["status"], "succeeded", "{made}");
    let sent = stripe.to("POST", "/v1/refunds");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].field("payment_intent").as_deref(), Some("pi_stripe_1"));
    assert_eq!(
        (sent[0].field("amount").as_deref(), sent[0].field("reason").as_deref()),
        (Some("5000"), Some("requested_by_customer"))
    );
    assert_eq!(sent[0].header("idempotency-key"), made["refundId"].as_str());

    // Stripe is down: the refund waits, and is retried later with the same key.
    stripe.fail("/v1/refunds", 1);
    let again = json!({"paymentIntentId": id, "amount": 1000});
    let waiting = data(call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&again)).await).await;
    assert_eq!(waiting["status"], "pending", "{waiting}");
    let pending = data(call(&app, Method::GET, &root, "/api/v1/admin/payments/ops?status=pending", None).await).await;
    assert_eq!(pending["ops"][0]["attempts"], 1, "{pending}");
    assert!(pending["ops"][0]["lastError"].as_str().is_some_and(|e| e.contains("unavailable")), "{pending}");
    clock.advance(chrono::Duration::seconds(20));
    let root = login(&app, "root@example.com").await;
    data(call(&app, Method::POST, &root, "/api/v1/admin/payments/ops/run", None).await).await;
    let sent = stripe.to("POST", "/v1/refunds");
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[1].header("idempotency-key"), sent[2].header("idempotency-key"));
    assert_eq!(sent[2].header("idempotency-key"), waiting["refundId"].as_str());
    let paid =
        data(call(&app, Method::GET, &guest_again(&app).await, &format!("/api/v1/payment/{id}"), None).await).await;
    assert_eq!(paid["amountRefunded"], 6000);

    // Stripe refuses for good: the refund fails and its amount may be refunded again.
    stripe.refuse("/v1/refunds", 400, json!({"error": {"type": "invalid_request_error", "code": "charge_disputed", "message": "The charge is disputed."}}));
    let refused = json!({"paymentIntentId": id, "amount": 2000});
    expect_error(call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&refused)).await, 402, "refund_failed")
        .await;
    let paid = data(call(&app, Method::GET, &root, &format!("/api/v1/payment/{id}"), None).await).await;
    assert_eq!(paid["amountRefunded"], 6000, "a refused refund gives its amount back");
    assert_balanced(&app).await;
}

async fn guest_again(app: &TestApp) -> String {
    login(app, "guest@example.com").await
}

#[tokio::test]
async fn requests_to_book_are_captured_or_released_at_stripe() {
    let (app, _dir, _clock, stripe) = spawn_stripe().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, false).await;

    let (first, total) = reservation(&app, &guest, &listing, "2030-06-01", "2030-06-03").await;
    let id = open(&app, &guest, &first, total).await["paymentIntentId"].as_str().unwrap().to_owned();
    assert_eq!(stripe.to("POST", "/v1/payment_intents")[0].field("capture_method").as_deref(), Some("manual"));
    // 3-D Secure: Stripe asks for the cardholder, with the page to send them to.
    let step = data(confirm(&app, &guest, &id, Some("pm_card_threeDSecure2Required")).await).await;
    assert_eq!(
        (step["status"].as_str(), step["approvalUrl"].as_str()),
        (Some("requires_action"), Some("https://hooks.stripe.test/3ds"))
    );
    let held = data(confirm(&app, &guest, &id, None).await).await;
    assert_eq!(held["status"], "requires_capture");
    app.drain_events().await;
    data(call(&app, Method::POST, &host, &format!("/api/v1/reservations/{first}/accept"), None).await).await;
    app.drain_events().await;
    let captures = stripe.to("POST", "/v1/payment_intents/pi_stripe_1/capture");
    assert_eq!(captures.len(), 1, "captured once when the host accepted");
    assert_eq!(captures[0].header("idempotency-key"), Some(format!("capture_{id}").as_str()));
    let captured = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{id}"), None).await).await;
    assert_eq!(captured["status"], "succeeded");
    assert_eq!(status(&app, &guest, &first).await, "confirmed");

    let (second, total) = reservation(&app, &guest, &listing, "2030-07-01", "2030-07-03").await;
    let id = open(&app, &guest, &second, total).await["paymentIntentId"].as_str().unwrap().to_owned();
    assert_eq!(data(confirm(&app, &guest, &id, Some("pm_card_visa")).await).await["status"], "requires_capture");
    app.drain_events().await;
    data(call(&app, Method::POST, &host, &format!("/api/v1/reservations/{second}/decline"), None).await).await;
    app.drain_events().await;
    assert_eq!(stripe.to("POST", "/v1/payment_intents/pi_stripe_2/cancel").len(), 1, "released at Stripe");
    let released = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{id}"), None).await).await;
    assert_eq!(released["status"], "canceled");
}

#[tokio::test]
async fn hosts_are_paid_by_stripe_connect_transfers() {
    let (app, _dir, clock, stripe) = spawn_stripe().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    admin(&app, "root@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    let id = open(&app, &guest, &booked, total).await["paymentIntentId"].as_str().unwrap().to_owned();
    data(confirm(&app, &guest, &id, Some("pm_card_visa")).await).await;
    app.drain_events().await;

    clock.set("2030-05-02T13:00:00Z".parse().unwrap());
    let root = login(&app, "root@example.com").await;
    let host = login(&app, "host@example.com").await;
    // Without a Connect account nothing can be paid: the earning waits.
    let run = data(call(&app, Method::POST, &root, "/api/v1/admin/payouts/run", None).await).await;
    assert_eq!(run["payouts"], json!([]));
    let mine = data(call(&app, Method::GET, &host, "/api/v1/payouts", None).await).await;
    assert_eq!(
        (mine["payoutAccountRequired"].as_bool(), mine["pending"][0]["amount"].as_i64()),
        (Some(true), Some(19400))
    );
    let bad = json!({"account": "host@example.com"});
    expect_error(call(&app, Method::PUT, &host, "/api/v1/payouts/account", Some(&bad)).await, 400, "validation_failed")
        .await;

    // Stripe refuses the first transfer (the account is not ready): the earning goes back.
    let account = json!({"account": "acct_1HostConnect"});
    data(call(&app, Method::PUT, &host, "/api/v1/payouts/account", Some(&account)).await).await;
    stripe.refuse(
        "/v1/transfers",
        400,
        json!({"error": {"type": "invalid_request_error", "code": "account_invalid", "message": "Not ready"}}),
    );
    let run = data(call(&app, Method::POST, &root, "/api/v1/admin/payouts/run", None).await).await;
    assert_eq!(run["payouts"][0]["status"], "failed", "{run}");
    let mine = data(call(&app, Method::GET, &host, "/api/v1/payouts", None).await).await;
    assert_eq!(mine["pending"][0]["amount"], 19400, "{mine}");
}
