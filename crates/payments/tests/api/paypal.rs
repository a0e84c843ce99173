//! The PayPal processor end to end, against a local fake of PayPal's API: what we send (orders
//! with decimal amounts, the OAuth token, `PayPal-Request-Id`s), and how the buyer's approval,
//! PayPal's answers and PayPal's webhooks move payments and reservations.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

use crate::fake_paypal::{self, ACCESS_TOKEN, CLIENT_ID, CLIENT_SECRET, VALID_SIGNATURE, WEBHOOK_ID, approve};
use crate::fakes::{Fake, Recorded};
use crate::intents::{call, data, listing, register, reservation, spawn, spawn_configured, status};
use crate::refunds::{admin, assert_balanced, balance_of, balances, login};

const RETURN_URL: &str = "https://sojourn.test/checkout/paypal/return";
const CANCEL_URL: &str = "https://sojourn.test/checkout/paypal/cancel";
const WEBHOOK: &str = "/api/v1/payment/webhook/paypal";

async fn spawn_paypal() -> (TestApp, tempfile::TempDir, Arc<kernel::ManualClock>, Fake) {
    let fake = fake_paypal::paypal().await;
    let url = fake.url.clone();
    let (app, dir, clock) = spawn_configured(move |c| {
        c.payments.provider = platform::config::PaymentProvider::Paypal;
        c.payments.paypal.base_url = url;
        c.payments.paypal.client_id = Some(CLIENT_ID.into());
        c.payments.paypal.webhook_id = Some(WEBHOOK_ID.into());
        c.payments.paypal.return_url = Some(RETURN_URL.into());
        c.payments.paypal.cancel_url = Some(CANCEL_URL.into());
        c.secrets.insert("paypal_client_secret".into(), platform::secrets::Secret::new(CLIENT_SECRET));
    })
    .await;
    (app, dir, clock, fake)
}

/// Euro cents as PayPal writes amounts: 22400 → `"224.00"`.
fn money(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn bearer() -> String {
    format!("Bearer {ACCESS_TOKEN}")
}

fn approval_url(order: &str) -> String {
    format!("https://paypal.test/checkoutnow?token={order}")
}

async fn open(app: &TestApp, guest: &str, reservation: &str, total: i64) -> Value {
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": reservation});
    data(call(app, Method::POST, guest, "/api/v1/payment/intent", Some(&ask)).await).await
}

async fn confirm(app: &TestApp, guest: &str, id: &str) -> reqwest::Response {
    call(app, Method::POST, guest, &format!("/api/v1/payment/{id}/confirm"), Some(&json!({}))).await
}

async fn intent(app: &TestApp, token: &str, id: &str) -> Value {
    data(call(app, Method::GET, token, &format!("/api/v1/payment/{id}"), None).await).await
}

/// Opens a payment for the reservation, has the buyer approve it at PayPal and confirms it;
/// returns (our payment id, PayPal's order id) and the confirmed payment.
async fn pay(app: &TestApp, paypal: &Fake, guest: &str, reservation: &str, total: i64) -> (String, String, Value) {
    let opened = open(app, guest, reservation, total).await;
    let id = opened["paymentIntentId"].as_str().unwrap().to_owned();
    let order = opened["clientSecret"].as_str().unwrap().to_owned();
    approve(paypal, &order);
    let confirmed = data(confirm(app, guest, &id).await).await;
    app.drain_events().await;
    (id, order, confirmed)
}

/// What the fake PayPal holds for `id` (an order, authorisation, capture…).
fn object(paypal: &Fake, id: &str) -> Value {
    paypal.with(|inner| inner.objects.get(id).cloned()).unwrap_or_else(|| panic!("PayPal has no {id}"))
}

fn request_ids(requests: &[Recorded]) -> Vec<&str> {
    requests.iter().map(|r| r.header("paypal-request-id").unwrap_or("")).collect()
}

/// A PayPal webhook event, written as PayPal writes it (keys in PayPal's order, indented), so
/// that forwarding it other than byte for byte shows.
fn event(id: &str, kind: &str, resource: &Value) -> String {
    format!(
        "{{\n  \"id\": \"{id}\",\n  \"event_version\": \"1.0\",\n  \"create_time\": \"2030-05-01T10:00:00.000Z\",\n  \
         \"resource_type\": \"capture\",\n  \"event_type\": \"{kind}\",\n  \"summary\": \"A PayPal event\",\n  \
         \"resource\": {resource}\n}}"
    )
}

/// A capture as PayPal's webhooks carry it.
fn capture_resource(capture: &str, order: &str, status: &str) -> Value {
    json!({"id": capture, "status": status, "amount": {"currency_code": "EUR", "value": "224.00"},
        "final_capture": true, "supplementary_data": {"related_ids": {"order_id": order}}})
}

/// Delivers `raw` as PayPal does, with its transmission headers.
async fn deliver(app: &TestApp, raw: &str, transmission: &str, signature: Option<&str>) -> reqwest::Response {
    let mut r = app
        .client
        .post(app.url(WEBHOOK))
        .header("content-type", "application/json")
        .header("paypal-auth-algo", "SHA256withRSA")
        .header("paypal-cert-url", "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77")
        .header("paypal-transmission-id", transmission)
        .header("paypal-transmission-time", "2030-05-01T10:00:01Z");
    if let Some(s) = signature {
        r = r.header("paypal-transmission-sig", s);
    }
    r.body(raw.to_owned()).send().await.unwrap()
}

async fn applied(r: reqwest::Response) -> bool {
    let body = data(r).await;
    assert_eq!(body["received"], true, "{body}");
    body["applied"].as_bool().unwrap()
}

async fn outbox(app: &TestApp, event_type: &str) -> i64 {
    let (n,): (i64,) = platform::db::query("SELECT CAST(COUNT(*) AS BIGINT) FROM outbox WHERE event_type = $1")
        .bind(event_type)
        .fetch_one(app.platform.db("payments").unwrap())
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn an_instant_booking_is_approved_at_paypal_captured_and_refunded_there() {
    let (app, _dir, clock, paypal) = spawn_paypal().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let root = admin(&app, "root@example.com").await;
    let config = data(app.client.get(app.url("/api/v1/payment/config")).send().await.unwrap()).await;
    assert_eq!(config, json!({"provider": "paypal", "clientId": CLIENT_ID, "publishableKey": null}));
    let listing = listing(&app, &host, true).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;

    // The order is PayPal's: its id goes to the client (for PayPal's JS SDK), and the payment
    // shows where the buyer approves it.
    let opened = open(&app, &guest, &booked, total).await;
    let id = opened["paymentIntentId"].as_str().unwrap().to_owned();
    let order = opened["clientSecret"].as_str().unwrap().to_owned();
    assert_eq!((order.as_str(), opened["status"].as_str()), ("ORDER-1", Some("requires_payment_method")), "{opened}");
    let seen = intent(&app, &guest, &id).await;
    assert_eq!(seen["approvalUrl"], approval_url(&order), "{seen}");
    assert_eq!((seen["provider"].as_str(), seen["captureMethod"].as_str()), (Some("paypal"), Some("automatic")));
    let created = paypal.to("POST", "/v2/checkout/orders");
    assert_eq!(created.len(), 1);
    let sent = &created[0];
    assert_eq!(sent.header("authorization"), Some(bearer().as_str()));
    assert_eq!(sent.header("paypal-request-id"), Some(format!("create-{id}").as_str()));
    assert!(sent.header("content-type").is_some_and(|t| t.starts_with("application/json")), "{sent:?}");
    let body = sent.json();
    assert_eq!(body["intent"], "CAPTURE", "{body}");
    let unit = &body["purchase_units"][0];
    assert_eq!(money(total), "224.00");
    assert_eq!(unit["amount"], json!({"currency_code": "EUR", "value": money(total)}), "{body}");
    assert_eq!((unit["custom_id"].as_str(), unit["reference_id"].as_str()), (Some(id.as_str()), Some(booked.as_str())));
    assert_eq!(
        body["payment_source"]["paypal"]["experience_context"],
        json!({"return_url": RETURN_URL, "cancel_url": CANCEL_URL, "user_action": "PAY_NOW"})
    );

    // Confirmed before the buyer approved: PayPal refuses the capture, the buyer is sent to it.
    let step = data(confirm(&app, &guest, &id).await).await;
    assert_eq!(
        (step["status"].as_str(), step["approvalUrl"].as_str()),
        (Some("requires_action"), Some(approval_url(&order).as_str())),
        "{step}"
    );
    app.drain_events().await;
    assert_eq!(status(&app, &guest, &booked).await, "pending_payment");

    // Approved: captured, and the reservation is confirmed. The second capture is a new
    // request, not a replay of PayPal's refusal.
    approve(&paypal, &order);
    let paid = data(confirm(&app, &guest, &id).await).await;
    assert_eq!(paid["status"], "succeeded", "{paid}");
    let captures = paypal.to("POST", &format!("/v2/checkout/orders/{order}/capture"));
    assert_eq!(request_ids(&captures), [format!("confirm-{id}"), format!("confirm-{id}-1")]);
    app.drain_events().await;
    assert_eq!(status(&app, &guest, &booked).await, "confirmed");
    expect_error(confirm(&app, &guest, &id).await, 409, "invalid_state").await;
    let capture =
        object(&paypal, &order)["purchase_units"][0]["payments"]["captures"][0]["id"].as_str().unwrap().to_owned();

    // A refund is made at PayPal on the capture, keyed by our refund id.
    let refund = json!({"paymentIntentId": id, "amount": 5000});
    let made = data(call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&refund)).await).await;
    assert_eq!(made["status"], "succeeded", "{made}");
    let refunds = paypal.to("POST", "/v2/payments/captures/");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].path, format!("/v2/payments/captures/{capture}/refund"));
    assert_eq!(refunds[0].json()["amount"], json!({"value": "50.00", "currency_code": "EUR"}));
    assert_eq!(refunds[0].header("paypal-request-id"), made["refundId"].as_str());

    // PayPal is down: the refund waits, and is retried later with the same request id.
    paypal.fail("/v2/payments/captures/", 1);
    let again = json!({"paymentIntentId": id, "amount": 1050});
    let waiting = data(call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&again)).await).await;
    assert_eq!(waiting["status"], "pending", "{waiting}");
    clock.advance(chrono::Duration::seconds(20));
    let root = login(&app, "root@example.com").await;
    data(call(&app, Method::POST, &root, "/api/v1/admin/payments/ops/run", None).await).await;
    let refunds = paypal.to("POST", "/v2/payments/captures/");
    assert_eq!(refunds.len(), 3);
    assert_eq!(request_ids(&refunds[1..]), [waiting["refundId"].as_str().unwrap(); 2]);
    assert_eq!(refunds[2].json()["amount"]["value"], "10.50");
    assert_eq!(intent(&app, &root, &id).await["amountRefunded"], 6050);
    assert_eq!(object(&paypal, &capture)["status"], "PARTIALLY_REFUNDED");

    // One token, fetched with the app's credentials, served every call.
    let tokens = paypal.to("POST", "/v1/oauth2/token");
    assert_eq!(tokens.len(), 1, "the token is cached");
    assert_eq!(tokens[0].header("authorization"), Some(fake_paypal::basic_credentials().as_str()));
    assert_eq!(tokens[0].field("grant_type").as_deref(), Some("client_credentials"));
    let calls: Vec<Recorded> = paypal.requests().into_iter().filter(|r| r.path != "/v1/oauth2/token").collect();
    assert_eq!(calls.len(), 6, "{calls:?}");
    assert!(calls.iter().all(|r| r.header("authorization") == Some(bearer().as_str())), "{calls:?}");
    assert_balanced(&app).await;
}

#[tokio::test]
async fn requests_to_book_are_authorised_at_paypal_then_captured_or_voided() {
    let (app, _dir, _clock, paypal) = spawn_paypal().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, false).await;

    // Accepted: the authorisation is captured at PayPal.
    let (first, total) = reservation(&app, &guest, &listing, "2030-06-01", "2030-06-03").await;
    let (id, order, held) = pay(&app, &paypal, &guest, &first, total).await;
    let created = &paypal.to("POST", "/v2/checkout/orders")[0];
    assert_eq!(created.json()["intent"], "AUTHORIZE");
    assert_eq!(created.json()["purchase_units"][0]["amount"]["value"], money(total));
    assert_eq!(held["status"], "requires_capture", "{held}");
    let authorize = paypal.to("POST", &format!("/v2/checkout/orders/{order}/authorize"));
    assert_eq!(request_ids(&authorize), [format!("confirm-{id}")]);
    assert!(paypal.to("POST", &format!("/v2/checkout/orders/{order}/capture")).is_empty());
    assert_eq!(status(&app, &guest, &first).await, "awaiting_host");
    assert!(paypal.to("POST", "/v2/payments/authorizations/").is_empty(), "nothing captured before the host accepts");
    let authorization = object(&paypal, &order)["purchase_units"][0]["payments"]["authorizations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    data(call(&app, Method::POST, &host, &format!("/api/v1/reservations/{first}/accept"), None).await).await;
    app.drain_events().await;
    let captures = paypal.to("POST", "/v2/payments/authorizations/");
    assert_eq!(captures.len(), 1, "captured once when the host accepted");
    assert_eq!(captures[0].path, format!("/v2/payments/authorizations/{authorization}/capture"));
    assert_eq!(captures[0].header("paypal-request-id"), Some(format!("capture_{id}").as_str()));
    assert_eq!(captures[0].header("authorization"), Some(bearer().as_str()));
    assert_eq!(captures[0].json()["final_capture"], true);
    assert_eq!(intent(&app, &guest, &id).await["status"], "succeeded");
    assert_eq!(object(&paypal, &authorization)["status"], "CAPTURED");
    assert_eq!(status(&app, &guest, &first).await, "confirmed");

    // Declined: the authorisation is voided at PayPal.
    let (second, total) = reservation(&app, &guest, &listing, "2030-07-01", "2030-07-03").await;
    let (id, order, held) = pay(&app, &paypal, &guest, &second, total).await;
    assert_eq!(held["status"], "requires_capture", "{held}");
    let authorization = object(&paypal, &order)["purchase_units"][0]["payments"]["authorizations"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    data(call(&app, Method::POST, &host, &format!("/api/v1/reservations/{second}/decline"), None).await).await;
    app.drain_events().await;
    let voids = paypal.to("POST", &format!("/v2/payments/authorizations/{authorization}/void"));
    assert_eq!(request_ids(&voids), [format!("cancel_{id}")], "released at PayPal once");
    assert!(paypal.to("POST", &format!("/v2/payments/authorizations/{authorization}/capture")).is_empty());
    assert_eq!(object(&paypal, &authorization)["status"], "VOIDED");
    assert_eq!(intent(&app, &guest, &id).await["status"], "canceled");
    assert_eq!(status(&app, &guest, &second).await, "declined");
    assert_eq!(paypal.to("POST", "/v1/oauth2/token").len(), 1);
    assert_balanced(&app).await;
}

#[tokio::test]
async fn paypal_webhooks_are_verified_by_paypal_and_applied_once() {
    let (app, _dir, clock, paypal) = spawn_paypal().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    admin(&app, "root@example.com").await;
    let listing = listing(&app, &host, false).await;

    // The host accepts, PayPal takes the capture for review: the payment is processing.
    let (first, total) = reservation(&app, &guest, &listing, "2030-06-01", "2030-06-03").await;
    let (id, order, held) = pay(&app, &paypal, &guest, &first, total).await;
    assert_eq!(held["status"], "requires_capture");
    fake_paypal::capture_status(&paypal, "PENDING");
    data(call(&app, Method::POST, &host, &format!("/api/v1/reservations/{first}/accept"), None).await).await;
    app.drain_events().await;
    fake_paypal::capture_status(&paypal, "COMPLETED");
    assert_eq!(paypal.to("POST", "/v2/payments/authorizations/").len(), 1);
    assert_eq!(intent(&app, &guest, &id).await["status"], "processing");
    assert_eq!(outbox(&app, "payment.succeeded").await, 0);
    let capture =
        object(&paypal, &order)["purchase_units"][0]["payments"]["captures"][0]["id"].as_str().unwrap().to_owned();
    let completed = event(
        "WH-2WR32451HC0233532-67976317FL4543714",
        "PAYMENT.CAPTURE.COMPLETED",
        &capture_resource(&capture, &order, "COMPLETED"),
    );

    // Forged (PayPal does not verify it) or without its signature: refused, nothing moves.
    expect_error(deliver(&app, &completed, "tx-forged", Some("forged-signature")).await, 400, "invalid_signature")
        .await;
    let verifications = paypal.to("POST", "/v1/notifications/verify-webhook-signature");
    assert_eq!(verifications.len(), 1);
    let asked = &verifications[0];
    assert!(asked.body.contains(&completed), "the event goes back to PayPal as delivered: {}", asked.body);
    assert_eq!(asked.json()["webhook_event"], serde_json::from_str::<Value>(&completed).unwrap());
    assert_eq!(
        (asked.json()["webhook_id"].as_str(), asked.json()["transmission_sig"].as_str()),
        (Some(WEBHOOK_ID), Some("forged-signature"))
    );
    assert_eq!(asked.json()["transmission_id"], "tx-forged");
    assert_eq!(asked.json()["auth_algo"], "SHA256withRSA");
    assert_eq!(asked.header("paypal-request-id"), None, "no replayable request id");
    assert_eq!(asked.header("authorization"), Some(bearer().as_str()));
    expect_error(deliver(&app, &completed, "tx-unsigned", None).await, 400, "invalid_signature").await;
    assert_eq!(paypal.to("POST", "/v1/notifications/verify-webhook-signature").len(), 1, "not even asked");
    assert_eq!(intent(&app, &guest, &id).await["status"], "processing");

    // Genuine, delivered five times (PayPal retries until it hears 200): applied once.
    let mut answers = Vec::new();
    for n in 1..=5 {
        answers
            .push(applied(deliver(&app, &completed, &format!("tx-completed-{n}"), Some(VALID_SIGNATURE)).await).await);
    }
    assert_eq!(answers, [true, false, false, false, false]);
    app.drain_events().await;
    assert_eq!(intent(&app, &guest, &id).await["status"], "succeeded");
    assert_eq!(outbox(&app, "payment.succeeded").await, 1, "one payment.succeeded for five deliveries");
    assert_eq!(status(&app, &guest, &first).await, "confirmed");

    // Events we do not act on, and events about orders that are not ours, change nothing.
    let approved = event(
        "WH-1GE84257G0350133W-6RW800890C634293G",
        "CHECKOUT.ORDER.APPROVED",
        &json!({"id": order, "status": "APPROVED"}),
    );
    assert!(!applied(deliver(&app, &approved, "tx-approved", Some(VALID_SIGNATURE)).await).await);
    let refunded = event(
        "WH-5XX33472VL398544F-3GP22380B5618661M",
        "PAYMENT.CAPTURE.REFUNDED",
        &capture_resource("REF-9", &order, "COMPLETED"),
    );
    assert!(!applied(deliver(&app, &refunded, "tx-refunded", Some(VALID_SIGNATURE)).await).await);
    let stranger = event(
        "WH-0KK00000AA000000B-0CC00000DD0000000",
        "PAYMENT.CAPTURE.COMPLETED",
        &capture_resource("CAP-X", "ORDER-NOT-OURS", "COMPLETED"),
    );
    assert!(!applied(deliver(&app, &stranger, "tx-stranger", Some(VALID_SIGNATURE)).await).await);
    assert_eq!(intent(&app, &guest, &id).await["status"], "succeeded");

    // The webhook arrives before our capture's answer: PayPal captured, but its answer was lost.
    // The webhook settles the payment; the capture retried later is not made again.
    let (second, total) = reservation(&app, &guest, &listing, "2030-07-01", "2030-07-03").await;
    let (id, order, held) = pay(&app, &paypal, &guest, &second, total).await;
    assert_eq!(held["status"], "requires_capture");
    paypal.fail("/v2/payments/authorizations/", 1);
    data(call(&app, Method::POST, &host, &format!("/api/v1/reservations/{second}/accept"), None).await).await;
    app.drain_events().await;
    assert_eq!(paypal.to("POST", "/v2/payments/authorizations/").len(), 2);
    assert_eq!(intent(&app, &guest, &id).await["status"], "requires_capture");
    let first_hand = event(
        "WH-9DA17312YN8419539-4JN55622BW1239408",
        "PAYMENT.CAPTURE.COMPLETED",
        &capture_resource("CAP-FROM-WEBHOOK", &order, "COMPLETED"),
    );
    assert!(applied(deliver(&app, &first_hand, "tx-first-hand", Some(VALID_SIGNATURE)).await).await);
    assert_eq!(intent(&app, &guest, &id).await["status"], "succeeded");
    clock.advance(chrono::Duration::seconds(20));
    let root = login(&app, "root@example.com").await;
    data(call(&app, Method::POST, &root, "/api/v1/admin/payments/ops/run", None).await).await;
    assert_eq!(paypal.to("POST", "/v2/payments/authorizations/").len(), 2, "not captured again");
    let ops = data(call(&app, Method::GET, &root, "/api/v1/admin/payments/ops", None).await).await;
    let op = ops["ops"].as_array().unwrap().iter().find(|o| o["id"] == format!("capture_{id}")).unwrap().clone();
    assert_eq!(op["status"], "done", "{ops}");
    let (stored,): (Value,) = platform::db::query("SELECT provider_data FROM payment_intents WHERE id = $1")
        .bind(id.as_str())
        .fetch_one(app.platform.db("payments").unwrap())
        .await
        .unwrap();
    assert_eq!(stored["captureId"], "CAP-FROM-WEBHOOK", "the capture to refund is the webhook's: {stored}");
    assert_balanced(&app).await;
}

#[tokio::test]
async fn paypal_webhooks_are_not_found_on_other_processors() {
    let (app, _dir) = spawn().await;
    let raw = event("WH-1", "PAYMENT.CAPTURE.COMPLETED", &capture_resource("CAP-1", "ORDER-1", "COMPLETED"));
    expect_error(deliver(&app, &raw, "tx-1", Some(VALID_SIGNATURE)).await, 404, "not_found").await;
}

#[tokio::test]
async fn hosts_are_paid_by_paypal_payouts_to_their_email() {
    let (app, _dir, clock, paypal) = spawn_paypal().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    admin(&app, "root@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    let (_, _, paid) = pay(&app, &paypal, &guest, &booked, total).await;
    assert_eq!(paid["status"], "succeeded");
    let r = data(call(&app, Method::GET, &guest, &format!("/api/v1/reservations/{booked}"), None).await).await;
    let host_id = r["reservation"]["hostId"].as_str().unwrap().to_owned();

    // PayPal pays hosts at their PayPal e-mail address, which they must register.
    let account = "/api/v1/payouts/account";
    let before = data(call(&app, Method::GET, &host, account, None).await).await;
    assert_eq!(before, json!({"provider": "paypal", "account": null, "required": true}));
    let connect = json!({"account": "acct_1HostConnect"});
    expect_error(call(&app, Method::PUT, &host, account, Some(&connect)).await, 400, "validation_failed").await;

    // A day after check-in the earning is due, but waits for the account.
    clock.set("2030-05-02T13:00:00Z".parse().unwrap());
    let root = login(&app, "root@example.com").await;
    let host = login(&app, "host@example.com").await;
    let run = data(call(&app, Method::POST, &root, "/api/v1/admin/payouts/run", None).await).await;
    assert_eq!(run["payouts"], json!([]));
    assert!(paypal.to("POST", "/v1/payments/payouts").is_empty());
    let mine = data(call(&app, Method::GET, &host, "/api/v1/payouts", None).await).await;
    assert_eq!(
        (mine["payoutAccountRequired"].as_bool(), mine["pending"][0]["amount"].as_i64()),
        (Some(true), Some(19400)),
        "{mine}"
    );
    let email = json!({"account": " host.payouts@example.com "});
    let set = data(call(&app, Method::PUT, &host, account, Some(&email)).await).await;
    assert_eq!(set, json!({"provider": "paypal", "account": "host.payouts@example.com"}));

    // The run sends one payout batch to that address, keyed and named by our payout id.
    let run = data(call(&app, Method::POST, &root, "/api/v1/admin/payouts/run", None).await).await;
    let payout = &run["payouts"][0];
    assert_eq!(
        (payout["status"].as_str(), payout["amount"].as_i64(), payout["hostId"].as_str()),
        (Some("paid"), Some(19400), Some(host_id.as_str())),
        "{run}"
    );
    let payout_id = payout["id"].as_str().unwrap();
    let sent = paypal.to("POST", "/v1/payments/payouts");
    assert_eq!(sent.len(), 1);
    let batch = sent[0].json();
    assert_eq!(batch["sender_batch_header"]["sender_batch_id"], payout_id, "{batch}");
    let items = batch["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{batch}");
    assert_eq!(
        (items[0]["recipient_type"].as_str(), items[0]["receiver"].as_str()),
        (Some("EMAIL"), Some("host.payouts@example.com"))
    );
    assert_eq!(items[0]["amount"], json!({"value": money(19400), "currency": "EUR"}));
    assert_eq!(items[0]["sender_item_id"], payout_id);
    assert_eq!(sent[0].header("paypal-request-id"), Some(payout_id));
    assert_eq!(sent[0].header("authorization"), Some(bearer().as_str()));
    let batch_id = object(&paypal, &format!("~batch:{payout_id}"));
    assert_eq!(payout["transferId"], batch_id, "{run}");

    let mine = data(call(&app, Method::GET, &host, "/api/v1/payouts", None).await).await;
    assert_eq!(
        (mine["payouts"][0]["status"].as_str(), mine["pending"].as_array().map(Vec::len)),
        (Some("paid"), Some(0)),
        "{mine}"
    );
    let again = data(call(&app, Method::POST, &root, "/api/v1/admin/payouts/run", None).await).await;
    assert_eq!(again["payouts"], json!([]), "never paid twice");
    assert_eq!(paypal.to("POST", "/v1/payments/payouts").len(), 1);
    let balances = balances(&app, &root).await;
    assert_eq!(balance_of(&balances, &format!("host:{host_id}")), Some(0), "{balances}");
    assert_balanced(&app).await;
}

/// A capture's PENDING webhook delivered late (PayPal retries a delivery that failed, and does not
/// keep its events in order) must not undo the COMPLETED one applied before it.
#[tokio::test]
async fn a_late_capture_pending_webhook_does_not_undo_a_completed_capture() {
    let (app, _dir, _clock, paypal) = spawn_paypal().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let root = admin(&app, "root@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    fake_paypal::capture_status(&paypal, "PENDING");
    let (id, order, paid) = pay(&app, &paypal, &guest, &booked, total).await;
    assert_eq!(paid["status"], "processing", "{paid}");
    let capture =
        object(&paypal, &order)["purchase_units"][0]["payments"]["captures"][0]["id"].as_str().unwrap().to_owned();
    let completed =
        event("WH-COMPLETED-1", "PAYMENT.CAPTURE.COMPLETED", &capture_resource(&capture, &order, "COMPLETED"));
    // PayPal completed the capture, then told us.
    paypal.with(|inner| inner.objects.get_mut(&capture).map(|c| c["status"] = json!("COMPLETED")));
    assert!(applied(deliver(&app, &completed, "tx-completed", Some(VALID_SIGNATURE)).await).await);
    app.drain_events().await;
    assert_eq!(intent(&app, &guest, &id).await["status"], "succeeded");

    let pending = event("WH-PENDING-1", "PAYMENT.CAPTURE.PENDING", &capture_resource(&capture, &order, "PENDING"));
    assert!(!applied(deliver(&app, &pending, "tx-pending", Some(VALID_SIGNATURE)).await).await);
    assert_eq!(intent(&app, &guest, &id).await["status"], "succeeded", "a late PENDING changes nothing");
    let refund = json!({"paymentIntentId": id, "amount": 5000});
    let made = data(call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&refund)).await).await;
    assert_eq!(made["status"], "succeeded", "{made}");
}
