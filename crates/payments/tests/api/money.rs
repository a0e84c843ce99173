//! A reservation's money reads what its payment really did, through HTTP on both sides:
//! `authorised` while the card is only held, `paid` once captured, `refunded` once given back;
//! a request the host declines or lets expire reads all zero, its authorisation released.

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::intents::{call, data, listing, register, reservation, spawn_with_clock};
use crate::refunds::{admin, paid};

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    data(call(app, Method::GET, token, path, None).await).await
}

/// The reservation's (status, authorised, paid, refunded).
async fn money(app: &TestApp, token: &str, reservation: &str) -> (String, i64, i64, i64) {
    let r = get(app, token, &format!("/api/v1/reservations/{reservation}")).await["reservation"].clone();
    let n = |k: &str| r[k].as_i64().unwrap_or_else(|| panic!("{k} missing: {r}"));
    (r["status"].as_str().unwrap().to_owned(), n("authorised"), n("paid"), n("refunded"))
}

async fn payment(app: &TestApp, token: &str, id: &str) -> (String, i64) {
    let p = get(app, token, &format!("/api/v1/payment/{id}")).await;
    (p["status"].as_str().unwrap().to_owned(), p["amountRefunded"].as_i64().unwrap())
}

/// A request to book paid with `pm_card_visa`, so only authorised: (reservation, payment, total).
async fn authorised(
    app: &TestApp,
    guest: &str,
    listing: &str,
    check_in: &str,
    check_out: &str,
) -> (String, String, i64) {
    let (booked, total) = reservation(app, guest, listing, check_in, check_out).await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": booked});
    let intent = data(call(app, Method::POST, guest, "/api/v1/payment/intent", Some(&ask)).await).await;
    let id = intent["paymentIntentId"].as_str().unwrap().to_owned();
    let confirm = json!({"paymentMethod": "pm_card_visa"});
    let held =
        data(call(app, Method::POST, guest, &format!("/api/v1/payment/{id}/confirm"), Some(&confirm)).await).await;
    assert_eq!(held["status"], "requires_capture");
    app.drain_events().await;
    (booked, id, total)
}

async fn act(app: &TestApp, token: &str, reservation: &str, action: &str) -> Value {
    let path = format!("/api/v1/reservations/{reservation}/{action}");
    let done = data(call(app, Method::POST, token, &path, None).await).await;
    app.drain_events().await;
    done["reservation"].clone()
}

#[tokio::test]
async fn a_request_reads_authorised_until_captured_on_acceptance() {
    let (app, _dir, _) = spawn_with_clock().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, false).await;

    let (booked, pi, total) = authorised(&app, &guest, &listing, "2030-06-01", "2030-06-03").await;
    assert_eq!(money(&app, &guest, &booked).await, ("awaiting_host".into(), total, 0, 0), "held, not taken");
    assert_eq!(payment(&app, &guest, &pi).await, ("requires_capture".into(), 0));
    // The host sees the same.
    assert_eq!(money(&app, &host, &booked).await, ("awaiting_host".into(), total, 0, 0));

    act(&app, &host, &booked, "accept").await;
    assert_eq!(payment(&app, &guest, &pi).await, ("succeeded".into(), 0));
    assert_eq!(money(&app, &guest, &booked).await, ("confirmed".into(), 0, total, 0), "captured on acceptance");

    // Cancelled afterwards, far ahead: refunded what the policy gives back, as payments made it.
    let cancelled = act(&app, &guest, &booked, "cancel").await;
    let refund = cancelled["refund"]["amount"].as_i64().unwrap();
    assert_eq!(refund, total, "four months ahead: {cancelled}");
    assert_eq!(money(&app, &guest, &booked).await, ("cancelled".into(), 0, total, refund));
    assert_eq!(payment(&app, &guest, &pi).await, ("succeeded".into(), refund));
}

#[tokio::test]
async fn a_declined_or_expired_request_reads_nothing_held_taken_or_refunded() {
    let (app, _dir, clock) = spawn_with_clock().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, false).await;

    let (declined, pi, total) = authorised(&app, &guest, &listing, "2030-06-01", "2030-06-03").await;
    assert_eq!(money(&app, &guest, &declined).await, ("awaiting_host".into(), total, 0, 0));
    let answer = act(&app, &host, &declined, "decline").await;
    assert_eq!(
        (answer["refund"]["amount"].as_i64(), answer["refund"]["rule"].as_str()),
        (Some(0), Some("authorisation_released")),
        "nothing was captured, so nothing is refunded: {answer}"
    );
    assert_eq!(payment(&app, &guest, &pi).await, ("canceled".into(), 0), "the authorisation is released");
    assert_eq!(money(&app, &guest, &declined).await, ("declined".into(), 0, 0, 0));

    // Unanswered for 24 hours: expired, released the same way.
    let (expired, pi, total) = authorised(&app, &guest, &listing, "2030-07-01", "2030-07-03").await;
    assert_eq!(money(&app, &guest, &expired).await, ("awaiting_host".into(), total, 0, 0));
    clock.advance(Duration::hours(25));
    let ops = admin(&app, "ops@example.com").await;
    data(call(&app, Method::POST, &ops, "/api/v1/admin/booking/jobs/run", None).await).await;
    app.drain_events().await;
    assert_eq!(payment(&app, &ops, &pi).await, ("canceled".into(), 0));
    assert_eq!(money(&app, &ops, &expired).await, ("expired".into(), 0, 0, 0));
    // No refund was ever asked of payments: nothing is pending or failed at the processor.
    let pending = get(&app, &ops, "/api/v1/admin/payments/ops?status=pending").await;
    let failed = get(&app, &ops, "/api/v1/admin/payments/ops?status=failed").await;
    assert_eq!((&pending["ops"], &failed["ops"]), (&json!([]), &json!([])));
}

#[tokio::test]
async fn an_instant_booking_reads_paid_then_refunded_by_what_payments_gave_back() {
    let (app, _dir, _) = spawn_with_clock().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, true).await;

    // Check-in in two days: a late cancellation gives part of it back.
    let (booked, pi, total) = paid(&app, &guest, &listing, "2030-01-04", "2030-01-06").await;
    assert_eq!(money(&app, &guest, &booked).await, ("confirmed".into(), 0, total, 0));
    assert_eq!(payment(&app, &guest, &pi).await, ("succeeded".into(), 0));

    let cancelled = act(&app, &guest, &booked, "cancel").await;
    let refund = cancelled["refund"]["amount"].as_i64().unwrap();
    assert!(0 < refund && refund < total, "a partial refund: {cancelled}");
    assert_eq!(payment(&app, &guest, &pi).await, ("succeeded".into(), refund));
    assert_eq!(money(&app, &guest, &booked).await, ("cancelled".into(), 0, total, refund));
}

#[tokio::test]
async fn an_authorisation_arriving_after_the_hold_ran_out_is_released() {
    let (app, _dir, clock) = spawn_with_clock().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, false).await;
    let (booked, total) = reservation(&app, &guest, &listing, "2030-06-01", "2030-06-03").await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": booked});
    let intent = data(call(&app, Method::POST, &guest, "/api/v1/payment/intent", Some(&ask)).await).await;
    let pi = intent["paymentIntentId"].as_str().unwrap().to_owned();

    // The hold runs out before the guest confirms the payment.
    clock.advance(Duration::minutes(16));
    let ops = admin(&app, "ops@example.com").await;
    data(call(&app, Method::POST, &ops, "/api/v1/admin/booking/jobs/run", None).await).await;
    app.drain_events().await;
    let guest = crate::refunds::login(&app, "guest@example.com").await;
    assert_eq!(money(&app, &guest, &booked).await, ("expired".into(), 0, 0, 0));

    let confirm = json!({"paymentMethod": "pm_card_visa"});
    data(call(&app, Method::POST, &guest, &format!("/api/v1/payment/{pi}/confirm"), Some(&confirm)).await).await;
    app.drain_events().await;
    assert_eq!(payment(&app, &guest, &pi).await, ("canceled".into(), 0), "released, never captured");
    assert_eq!(money(&app, &guest, &booked).await, ("expired".into(), 0, 0, 0));
}
