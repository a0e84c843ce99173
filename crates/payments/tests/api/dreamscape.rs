//! DreamScape's payment-service routes as its client code sends them: `create-intent` of a
//! booking the caller owns (never a client amount), `config`, `update-metadata`, `cancel`,
//! `refund` (administrators), `webhook` — each needing the caller's token where DreamScape
//! needs none.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

use crate::intents::{NOW, WEBHOOK_SECRET, call, data, listing, register, reservation, spawn};
use crate::refunds::admin;

pub async fn user_id(app: &TestApp, token: &str) -> String {
    let me = data(call(app, Method::GET, token, "/api/v1/auth/profile", None).await).await;
    me["user"]["id"].as_str().unwrap().to_owned()
}

/// DreamScape's create-intent body for a booking.
pub fn create_body(amount: i64, booking: &str, user: &str) -> Value {
    json!({"amount": amount, "currency": "eur", "bookingId": booking, "bookingReference": booking, "userId": user})
}

pub async fn create_intent(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    call(app, Method::POST, token, "/api/v1/payment/create-intent", Some(body)).await
}

#[tokio::test]
async fn create_intent_pays_the_callers_own_booking_for_what_it_owes() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let stranger = register(&app, "stranger@example.com").await;
    let (guest_id, stranger_id) = (user_id(&app, &guest).await, user_id(&app, &stranger).await);
    let listing = listing(&app, &host, true).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;

    // No token: 401, where DreamScape asks for none.
    let anonymous = app.post_json("/api/v1/payment/create-intent", &create_body(total, &booked, &guest_id)).await;
    assert_eq!(anonymous.status(), 401);
    // DreamScape's required list; a zero amount counts as missing, a negative one is invalid.
    let missing =
        expect_error(create_intent(&app, &guest, &json!({"amount": total})).await, 400, "validation_failed").await;
    assert_eq!(missing["error"], "Missing required fields");
    assert_eq!(missing["data"]["required"], json!(["amount", "currency", "bookingId", "bookingReference", "userId"]));
    let fields: Vec<&str> =
        missing["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["currency", "bookingId", "bookingReference", "userId"]);
    let zero =
        expect_error(create_intent(&app, &guest, &create_body(0, &booked, &guest_id)).await, 400, "validation_failed")
            .await;
    assert_eq!(zero["message"], "Missing required fields");
    let negative = create_body(-100, &booked, &guest_id);
    assert_eq!(
        expect_error(create_intent(&app, &guest, &negative).await, 400, "validation_failed").await["error"],
        "Invalid amount"
    );
    let mut numbers = create_body(total, &booked, &guest_id);
    numbers["metadata"] = json!({"seats": 2});
    expect_error(create_intent(&app, &guest, &numbers).await, 400, "validation_failed").await;
    let mut long = create_body(total, &booked, &guest_id);
    long["bookingReference"] = json!("x".repeat(129));
    expect_error(create_intent(&app, &guest, &long).await, 400, "validation_failed").await;

    // Someone else's userId: 403; someone else's booking: 404; another booking's id: 400.
    expect_error(create_intent(&app, &guest, &create_body(total, &booked, &stranger_id)).await, 403, "forbidden").await;
    expect_error(create_intent(&app, &stranger, &create_body(total, &booked, &stranger_id)).await, 404, "not_found")
        .await;
    let mut other = create_body(total, &booked, &guest_id);
    other["bookingId"] = json!(kernel::new_id());
    let wrong = expect_error(create_intent(&app, &guest, &other).await, 400, "validation_failed").await;
    assert_eq!(wrong["details"][0]["field"], "bookingId");

    // The client's amount is never taken: the booking's is, machine-readably.
    let cheap =
        expect_error(create_intent(&app, &guest, &create_body(100, &booked, &guest_id)).await, 409, "amount_mismatch")
            .await;
    assert_eq!((cheap["data"]["amount"].as_i64(), cheap["data"]["currency"].as_str()), (Some(total), Some("eur")));
    assert_eq!(cheap["data"]["amountMajor"].as_f64(), Some(224.0));
    assert_eq!(cheap["details"][0]["value"].as_i64(), Some(total));

    let mut body = create_body(total, &booked, &guest_id);
    body["metadata"] = json!({"source": "web"});
    let made = data(create_intent(&app, &guest, &body).await).await;
    assert_eq!((made["amount"].as_i64(), made["currency"].as_str()), (Some(total), Some("eur")));
    assert_eq!(made["status"], "requires_payment_method");
    let id = made["paymentIntentId"].as_str().unwrap().to_owned();
    assert!(made["clientSecret"].as_str().unwrap().starts_with(&format!("{id}_secret_")));
    // Asked again (DreamScape's client, or our own route): the same open payment.
    assert_eq!(data(create_intent(&app, &guest, &body).await).await["paymentIntentId"], id.as_str());
    let ours = json!({"amount": total, "currency": "EUR", "bookingReference": booked});
    assert_eq!(
        data(call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ours)).await).await["paymentIntentId"],
        id.as_str()
    );
    let seen = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{id}"), None).await).await;
    assert_eq!(seen["metadata"]["source"], "web");

    // update-metadata: strings only, the caller's own payment.
    let update = |metadata: Value| json!({"paymentIntentId": id, "metadata": metadata});
    let path = "/api/v1/payment/update-metadata";
    let none =
        expect_error(call(&app, Method::PUT, &guest, path, Some(&json!({}))).await, 400, "validation_failed").await;
    assert_eq!(none["data"]["required"], json!(["paymentIntentId", "metadata"]));
    expect_error(call(&app, Method::PUT, &stranger, path, Some(&update(json!({"a": "b"})))).await, 404, "not_found")
        .await;
    expect_error(call(&app, Method::PUT, &guest, path, Some(&update(json!({"a": 1})))).await, 400, "validation_failed")
        .await;
    let huge = update(json!({"note": "x".repeat(501)}));
    expect_error(call(&app, Method::PUT, &guest, path, Some(&huge)).await, 400, "validation_failed").await;
    let too_many: serde_json::Map<String, Value> = (0..51).map(|n| (format!("k{n}"), json!("v"))).collect();
    expect_error(
        call(&app, Method::PUT, &guest, path, Some(&update(Value::Object(too_many)))).await,
        400,
        "validation_failed",
    )
    .await;
    let body = json!({"bookingReference": "DS-STOLEN01", "note": "window seat", "source": ""});
    let (status, updated) = testkit::json(call(&app, Method::PUT, &guest, path, Some(&update(body))).await).await;
    assert_eq!((status, updated["success"].as_bool()), (200, Some(true)), "{updated}");
    assert_eq!(updated["message"], "Payment intent metadata updated successfully");
    let seen = data(call(&app, Method::GET, &guest, &format!("/api/v1/payment/{id}"), None).await).await;
    assert_eq!(seen["metadata"], json!({"bookingReference": "DS-STOLEN01", "note": "window seat"}));
    assert_eq!(seen["bookingReference"], booked.as_str(), "metadata never moves a payment to another booking");

    // cancel: the caller's own, while nothing is taken.
    let cancel = format!("/api/v1/payment/cancel/{id}");
    expect_error(call(&app, Method::POST, &stranger, &cancel, None).await, 404, "not_found").await;
    let (status, cancelled) = testkit::json(call(&app, Method::POST, &guest, &cancel, None).await).await;
    assert_eq!((status, cancelled["message"].as_str()), (200, Some("Payment intent canceled successfully")));
    assert_eq!(cancelled["data"]["status"], "canceled");
    expect_error(call(&app, Method::POST, &guest, &cancel, None).await, 409, "invalid_state").await;
}

#[tokio::test]
async fn config_webhook_and_refund_answer_dreamscapes_shapes() {
    let (app, _dir) = spawn().await;
    // config is public: a publishable key is public by design.
    let config = data(app.get("/api/v1/payment/config").await).await;
    assert_eq!(config["publishableKey"], "pk_sandbox_sojourn");

    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let guest_id = user_id(&app, &guest).await;
    let listing = listing(&app, &host, true).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    let made = data(create_intent(&app, &guest, &create_body(total, &booked, &guest_id)).await).await;
    let id = made["paymentIntentId"].as_str().unwrap().to_owned();

    // The webhook answers DreamScape's `{received: true}` at the top.
    let event = serde_json::to_vec(&json!({"id": "evt_ds_1", "type": "payment_intent.succeeded",
        "data": {"object": {"id": id, "object": "payment_intent"}}}))
    .unwrap();
    let signature = payments::signature::header(WEBHOOK_SECRET, NOW, &event);
    let delivered = app
        .client
        .post(app.url("/api/v1/payment/webhook"))
        .header("content-type", "application/json")
        .header("stripe-signature", signature)
        .body(event)
        .send()
        .await
        .unwrap();
    let (status, body) = testkit::json(delivered).await;
    assert_eq!((status, body["received"].as_bool(), body["applied"].as_bool()), (200, Some(true), Some(true)));
    app.drain_events().await;

    // Refunds follow the booking's rules: a guest cannot refund at will, administrators can.
    let refund = json!({"paymentIntentId": id, "bookingId": booked, "userId": guest_id, "amount": 5000,
                        "reason": "requested_by_customer"});
    expect_error(call(&app, Method::POST, &guest, "/api/v1/payment/refund", Some(&refund)).await, 403, "forbidden")
        .await;
    let root = admin(&app, "root@example.com").await;
    let mut wrong = refund.clone();
    wrong["userId"] = json!(kernel::new_id());
    expect_error(
        call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&wrong)).await,
        400,
        "validation_failed",
    )
    .await;
    let mut wrong = refund.clone();
    wrong["bookingId"] = json!(kernel::new_id());
    expect_error(
        call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&wrong)).await,
        400,
        "validation_failed",
    )
    .await;
    let done = data(call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&refund)).await).await;
    assert!(done["refundId"].as_str().unwrap().starts_with("re_"), "{done}");
    assert_eq!(
        (done["paymentIntentId"].as_str(), done["amount"].as_i64(), done["currency"].as_str()),
        (Some(id.as_str()), Some(5000), Some("eur"))
    );
    assert_eq!((done["status"].as_str(), done["reason"].as_str()), (Some("succeeded"), Some("customer_request")));
    let missing = json!({"bookingId": booked, "userId": guest_id});
    assert_eq!(call(&app, Method::POST, &root, "/api/v1/payment/refund", Some(&missing)).await.status(), 400);
}
