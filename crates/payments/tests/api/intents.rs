use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

pub const WEBHOOK_SECRET_NAME: &str = "payments_webhook_secret";
pub const WEBHOOK_SECRET: &str = "whsec_integration_tests_0123456789abcdef";
/// 2030-01-02T09:00:00Z, the test clock.
pub const NOW: i64 = 1_893_574_800;

/// The four contexts on a clock fixed at 2030-01-02 (the stays below are within two years).
pub async fn spawn() -> (TestApp, tempfile::TempDir) {
    let (app, dir, _) = spawn_with_clock().await;
    (app, dir)
}

/// As [`spawn`], with the clock to move.
pub async fn spawn_with_clock() -> (TestApp, tempfile::TempDir, Arc<kernel::ManualClock>) {
    spawn_configured(|_| {}).await
}

/// As [`spawn_with_clock`], with the configuration adjusted first (another processor, say).
pub async fn spawn_configured(
    adjust: impl FnOnce(&mut platform::config::Config),
) -> (TestApp, tempfile::TempDir, Arc<kernel::ManualClock>) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    config.secrets.insert(WEBHOOK_SECRET_NAME.into(), platform::secrets::Secret::new(WEBHOOK_SECRET));
    adjust(&mut config);
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
    ];
    let clock = Arc::new(kernel::ManualClock::new("2030-01-02T09:00:00Z".parse().unwrap()));
    (testkit::spawn_config_with_clock(config, contexts, clock.clone()).await, dir, clock)
}

pub async fn call(app: &TestApp, method: Method, token: &str, path: &str, body: Option<&Value>) -> reqwest::Response {
    app.call(method, Some(token), path, body).await
}

pub async fn data(r: reqwest::Response) -> Value {
    let (status, body) = testkit::json(r).await;
    assert!((200..300).contains(&status), "{status}: {body}");
    body["data"].clone()
}

pub async fn register(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "Password1!"});
    data(app.post_json("/api/v1/auth/register", &body).await).await["tokens"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A published stay (100.00 a night, no cleaning fee), `instant` or request to book.
pub async fn listing(app: &TestApp, host: &str, instant: bool) -> String {
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    let _ = call(app, Method::POST, host, "/api/v1/providers", Some(&provider)).await;
    let body = json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": instant, "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1,
        "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let l = data(call(app, Method::POST, host, "/api/v1/listings", Some(&body)).await).await;
    let id = l["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, host, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

/// A reservation of two nights far ahead; booking's events reached payments.
pub async fn reservation(app: &TestApp, guest: &str, listing: &str, check_in: &str, check_out: &str) -> (String, i64) {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out});
    let r = data(call(app, Method::POST, guest, "/api/v1/reservations", Some(&body)).await).await;
    app.drain_events().await;
    (r["reservation"]["id"].as_str().unwrap().to_owned(), r["reservation"]["total"].as_i64().unwrap())
}

pub async fn status(app: &TestApp, token: &str, reservation: &str) -> String {
    let r = data(call(app, Method::GET, token, &format!("/api/v1/reservations/{reservation}"), None).await).await;
    r["reservation"]["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_instant_booking_paid_on_the_sandbox_is_confirmed() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let stranger = register(&app, "stranger@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (reservation, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    // 2 × 100.00 = 200.00 base, 12 % guest fee 24.00: 224.00.
    assert_eq!(total, 22400);

    let ask =
        |amount: i64, currency: &str| json!({"amount": amount, "currency": currency, "bookingReference": reservation});
    expect_error(
        call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ask(100, "eur"))).await,
        409,
        "amount_mismatch",
    )
    .await;
    expect_error(
        call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ask(total, "usd"))).await,
        409,
        "amount_mismatch",
    )
    .await;
    expect_error(
        call(&app, Method::POST, &stranger, "/api/v1/payment/intent", Some(&ask(total, "eur"))).await,
        404,
        "not_found",
    )
    .await;
    let bad = json!({"amount": "lots", "currency": "eur", "bookingReference": reservation});
    assert_eq!(call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&bad)).await.status(), 400);

    let intent = data(call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ask(total, "eur"))).await).await;
    assert_eq!(intent["status"], "requires_payment_method");
    assert_eq!((intent["amount"].as_i64(), intent["currency"].as_str()), (Some(total), Some("eur")));
    let id = intent["paymentIntentId"].as_str().unwrap().to_owned();
    assert!(intent["clientSecret"].as_str().unwrap().starts_with(&format!("{id}_secret_")));
    expect_error(call(&app, Method::GET, &stranger, &format!("/api/v1/payment/{id}"), None).await, 404, "not_found")
        .await;

    // A declined card leaves the reservation waiting; a good one confirms it.
    let confirm = |pm: &str| json!({"paymentMethod": pm});
    let path = format!("/api/v1/payment/{id}/confirm");
    expect_error(
        call(&app, Method::POST, &guest, &path, Some(&confirm("pm_card_chargeDeclined"))).await,
        402,
        "card_declined",
    )
    .await;
    app.drain_events().await;
    assert_eq!(status(&app, &guest, &reservation).await, "pending_payment");
    let seen = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{id}"), None).await).await;
    assert_eq!(
        (seen["status"].as_str(), seen["lastError"].as_str()),
        (Some("requires_payment_method"), Some("card_declined"))
    );
    expect_error(
        call(&app, Method::POST, &guest, &path, Some(&confirm("4242424242424242"))).await,
        400,
        "validation_failed",
    )
    .await;

    let paid = data(call(&app, Method::POST, &guest, &path, Some(&confirm("pm_card_visa"))).await).await;
    assert_eq!(paid["status"], "succeeded");
    app.drain_events().await;
    assert_eq!(status(&app, &guest, &reservation).await, "confirmed");
    let r = data(call(&app, Method::GET, &guest, &format!("/api/v1/reservations/{reservation}"), None).await).await;
    assert_eq!(
        (r["reservation"]["paid"].as_i64(), r["reservation"]["paymentId"].as_str()),
        (Some(total), Some(id.as_str()))
    );
    expect_error(call(&app, Method::POST, &guest, &path, Some(&confirm("pm_card_visa"))).await, 409, "invalid_state")
        .await;
    expect_error(
        call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ask(total, "eur"))).await,
        409,
        "not_payable",
    )
    .await;

    let history = data(call(&app, Method::GET, &guest, "/api/v1/payment/history", None).await).await;
    assert_eq!(history["transactions"][0]["paymentIntentId"], id.as_str());
    assert_eq!(history["pagination"]["total"], 1);

    // A payment made cannot be cancelled; one not made yet can, by its payer only.
    expect_error(
        call(&app, Method::POST, &guest, &format!("/api/v1/payment/cancel/{id}"), None).await,
        409,
        "invalid_state",
    )
    .await;
    let (other, total) = crate::intents::reservation(&app, &guest, &listing, "2030-06-01", "2030-06-03").await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": other});
    let open = data(call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ask)).await).await;
    let open = open["paymentIntentId"].as_str().unwrap().to_owned();
    let cancel = format!("/api/v1/payment/cancel/{open}");
    expect_error(call(&app, Method::POST, &stranger, &cancel, None).await, 404, "not_found").await;
    assert_eq!(data(call(&app, Method::POST, &guest, &cancel, None).await).await["status"], "canceled");
    let confirm = json!({"paymentMethod": "pm_card_visa"});
    expect_error(
        call(&app, Method::POST, &guest, &format!("/api/v1/payment/{open}/confirm"), Some(&confirm)).await,
        409,
        "invalid_state",
    )
    .await;
}

#[tokio::test]
async fn requests_to_book_are_authorised_then_captured_on_acceptance_or_released_on_decline() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, false).await;

    let pay = |reservation: String, total: i64| {
        let app = &app;
        let guest = guest.clone();
        async move {
            let ask = json!({"amount": total, "currency": "EUR", "bookingReference": reservation});
            let intent = data(call(app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ask)).await).await;
            let id = intent["paymentIntentId"].as_str().unwrap().to_owned();
            let path = format!("/api/v1/payment/{id}/confirm");
            // 3-D Secure: the first confirmation asks for the cardholder, the second completes.
            let step = data(
                call(
                    app,
                    Method::POST,
                    &guest,
                    &path,
                    Some(&json!({"paymentMethod": "pm_card_threeDSecure2Required"})),
                )
                .await,
            )
            .await;
            assert_eq!(step["status"], "requires_action");
            let held = data(call(app, Method::POST, &guest, &path, Some(&json!({}))).await).await;
            assert_eq!(held["status"], "requires_capture");
            app.drain_events().await;
            id
        }
    };
    let (first, total) = reservation(&app, &guest, &listing, "2030-06-01", "2030-06-03").await;
    let first_payment = pay(first.clone(), total).await;
    assert_eq!(status(&app, &guest, &first).await, "awaiting_host");
    data(call(&app, Method::POST, &host, &format!("/api/v1/reservations/{first}/accept"), None).await).await;
    app.drain_events().await;
    let captured = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{first_payment}"), None).await).await;
    assert_eq!(captured["status"], "succeeded", "captured when the host accepted");

    let (second, total) = reservation(&app, &guest, &listing, "2030-07-01", "2030-07-03").await;
    let second_payment = pay(second.clone(), total).await;
    data(call(&app, Method::POST, &host, &format!("/api/v1/reservations/{second}/decline"), None).await).await;
    app.drain_events().await;
    let released =
        data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{second_payment}"), None).await).await;
    assert_eq!(released["status"], "canceled", "the authorisation is released when the host declines");
}

#[tokio::test]
async fn one_idempotency_key_makes_one_payment_however_often_and_however_fast_it_is_sent() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (reservation, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": reservation});
    let send = |key: &'static str, body: Value| {
        let app = &app;
        let guest = guest.clone();
        async move {
            app.client
                .post(app.url("/api/v1/payment/intent"))
                .bearer_auth(&guest)
                .header("idempotency-key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };

    // Twenty at once: one runs; the others replay its answer or are told it is still running.
    let answers = futures_util::future::join_all((0..20).map(|_| send("pay-1", ask.clone()))).await;
    let mut ids = Vec::new();
    for r in answers {
        let (status, body) = testkit::json(r).await;
        match status {
            200 => ids.push(body["data"]["paymentIntentId"].as_str().unwrap().to_owned()),
            409 => assert_eq!(body["code"], "idempotency_in_progress", "{body}"),
            other => panic!("{other}: {body}"),
        }
    }
    assert!(!ids.is_empty() && ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let history = data(call(&app, Method::GET, &guest, "/api/v1/payment/history", None).await).await;
    assert_eq!(history["pagination"]["total"], 1, "exactly one payment intent: {history}");

    // Later repeats replay the stored answer; other parameters under the key are refused.
    let again = send("pay-1", ask.clone()).await;
    assert_eq!(again.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    assert_eq!(data(again).await["paymentIntentId"], ids[0].as_str());
    let other = json!({"amount": total + 1, "currency": "eur", "bookingReference": reservation});
    expect_error(send("pay-1", other).await, 409, "idempotency_error").await;

    // An error answer is kept too: the same mistaken request gets the same error.
    let wrong = json!({"amount": 1, "currency": "eur", "bookingReference": reservation});
    expect_error(send("pay-2", wrong.clone()).await, 409, "amount_mismatch").await;
    let replayed = send("pay-2", wrong).await;
    assert_eq!(replayed.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    expect_error(replayed, 409, "amount_mismatch").await;
}

#[tokio::test]
async fn a_reservation_is_never_charged_twice_even_when_payments_race() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": booked});
    // Ten intents asked at once, without idempotency keys, then every one confirmed.
    let made = futures_util::future::join_all(
        (0..10).map(|_| call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ask))),
    )
    .await;
    let mut ids = Vec::new();
    for r in made {
        let (status, body) = testkit::json(r).await;
        assert_eq!(status, 200, "{body}");
        ids.push(body["data"]["paymentIntentId"].as_str().unwrap().to_owned());
    }
    ids.sort();
    ids.dedup();
    for id in &ids {
        let r = call(
            &app,
            Method::POST,
            &guest,
            &format!("/api/v1/payment/{id}/confirm"),
            Some(&json!({"paymentMethod": "pm_card_visa"})),
        )
        .await;
        assert!(r.status() == 200 || r.status() == 409, "{}", r.status());
    }
    app.drain_events().await;
    // Whatever the race made, the guest keeps paying exactly once.
    let mut kept = 0;
    for id in &ids {
        let i = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{id}"), None).await).await;
        if i["status"] == "succeeded" {
            kept += i["amount"].as_i64().unwrap() - i["amountRefunded"].as_i64().unwrap();
        }
    }
    assert_eq!(kept, total, "intents {ids:?}");
    assert_eq!(status(&app, &guest, &booked).await, "confirmed");
}
