//! The "done when": a real booking confirmation reaches the guest as an email a real
//! SMTP server received (HTML and text), as an SMS the fake Twilio received, and as a push the
//! test decrypted — each only where the reader's preferences allow — and each exactly once
//! although the process restarted between queueing and sending.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::fake_push::FakePush;
use crate::fake_twilio::FakeTwilio;
use crate::support::*;

const SID: &str = "AC00000000000000000000000000000042";
const TWILIO_TOKEN: &str = "twilio-test-token-0123456789abcdef";

fn contexts() -> Vec<Arc<dyn platform::Context>> {
    vec![
        Arc::new(identity::Identity),
        Arc::new(notifications::Notifications),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
    ]
}

async fn ok(app: &TestApp, method: Method, path: &str, token: &str, body: Option<&Value>) -> Value {
    let (status, answer) = send(app, method.clone(), path, token, body).await;
    assert!((200..300).contains(&status), "{method} {path}: {status} {answer}");
    answer["data"].clone()
}

/// A Paris flat, instant book, 100.00 a night.
fn flat() -> Value {
    json!({"kind": "stay", "title": "Canal flat", "description": "A bright flat on the canal, close to everything.",
           "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
           "cancellationPolicy": "flexible", "instantBook": true,
           "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1, "bathrooms": 1,
                    "nightlyPrice": 10000, "cleaningFee": 3000, "minNights": 1, "checkInTime": "15:00", "checkOutTime": "11:00"}})
}

async fn wait<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..200 {
        if let Some(v) = check() {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The pushes of booking confirmations (the payment's receipt is pushed too).
fn confirmations(pushed: &[Value]) -> Vec<Value> {
    pushed.iter().filter(|p| p["type"] == "booking_confirmed").cloned().collect()
}

/// Waits until the SMTP server received a mail to `to` titled `subject`.
async fn mail_titled(to: &str, subject: &str) -> crate::smtp::ParsedMail {
    for _ in 0..200 {
        if let Some(mail) = crate::smtp::received(to).into_iter().find(|m| m.subject.as_deref() == Some(subject)) {
            return mail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail “{subject}” to {to}");
}

#[tokio::test]
async fn a_booking_confirmation_reaches_the_guest_by_email_sms_and_push_exactly_once_across_a_restart() {
    let Some(smtp) = crate::smtp::url() else { return };
    let twilio = FakeTwilio::start(SID, TWILIO_TOKEN).await;
    let fake_push = FakePush::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::test_config(&dir);
    fast(&mut config);
    config.mail.smtp_url = Some(platform::secrets::Secret::new(smtp));
    config.notifications.push.allow_private_endpoints = true;
    config.notifications.sms.provider = platform::config::SmsProvider::Twilio;
    config.notifications.sms.twilio_api_base = twilio.api_base();
    config.notifications.sms.twilio_account_sid = Some(SID.into());
    config.notifications.sms.twilio_from = Some("+15005550006".into());
    config.secrets.insert("twilio_auth_token".into(), platform::secrets::Secret::new(TWILIO_TOKEN));
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_notifications_0123456789abcdef"),
    );
    let run = kernel::new_id().simple().to_string();
    let guest_mail = format!("guest-{run}@example.com");
    let host_mail = format!("host-{run}@example.com");
    let phone = "+33612345678";

    // First life: the host lists a flat; the guest verifies a phone number, subscribes a
    // browser to push and opts in to SMS for booking updates; the host's browser is subscribed
    // but the host turned push off for booking updates.
    let app = testkit::spawn_config(config.clone(), contexts()).await;
    let host = register(&app, &host_mail).await;
    ok(
        &app,
        Method::POST,
        "/api/v1/providers",
        &host.token,
        Some(&json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"})),
    )
    .await;
    let listing = ok(&app, Method::POST, "/api/v1/listings", &host.token, Some(&flat())).await["listing"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&app, Method::POST, &format!("/api/v1/listings/{listing}/publish"), &host.token, None).await;
    app.drain_events().await;

    let guest = register(&app, &guest_mail).await;
    ok(
        &app,
        Method::POST,
        "/api/v1/users/profile/phone/verification",
        &guest.token,
        Some(&json!({"phoneNumber": "+33 6 12 34 56 78"})),
    )
    .await;
    let code_sms = twilio.wait_for(phone, 1, Duration::from_secs(10)).await.pop().expect("the code's SMS");
    let code: String = code_sms.body.chars().filter(char::is_ascii_digit).take(6).collect();
    let verified =
        ok(&app, Method::POST, "/api/v1/users/profile/phone/verify", &guest.token, Some(&json!({"code": code}))).await;
    assert_eq!(verified["phoneVerified"], true, "{verified}");
    app.drain_events().await;
    let key = ok(&app, Method::GET, "/api/v1/users/notifications/push/vapid-public-key", &guest.token, None).await;
    let key = key["publicKey"].as_str().unwrap().to_owned();
    let guest_browser = fake_push.subscriber_for_key(&key);
    ok(&app, Method::POST, "/api/v1/users/notifications/push/subscriptions", &guest.token, Some(&guest_browser.json))
        .await;
    let host_browser = fake_push.subscriber_for_key(&key);
    ok(&app, Method::POST, "/api/v1/users/notifications/push/subscriptions", &host.token, Some(&host_browser.json))
        .await;
    ok(&app, Method::PUT, CHANNELS, &guest.token, Some(&json!({"booking_confirmation": {"sms": true}}))).await;
    ok(&app, Method::PUT, CHANNELS, &host.token, Some(&json!({"booking_confirmation": {"push": false}}))).await;
    app.shutdown().await.unwrap();

    // Second life: no worker. The guest books and pays; the confirmation's deliveries are
    // queued with the notices, and nothing is sent.
    config.notifications.worker_enabled = false;
    let app = testkit::spawn_config(config.clone(), contexts()).await;
    let body = json!({"listingId": listing, "checkIn": "2027-03-10", "checkOut": "2027-03-13", "guests": 1});
    let reservation =
        ok(&app, Method::POST, "/api/v1/reservations", &guest.token, Some(&body)).await["reservation"].clone();
    let ask = json!({"amount": reservation["total"], "currency": "eur", "bookingReference": reservation["id"]});
    let intent = ok(&app, Method::POST, "/api/v1/payment/intent", &guest.token, Some(&ask)).await;
    let pay = format!("/api/v1/payment/{}/confirm", intent["paymentIntentId"].as_str().unwrap());
    ok(&app, Method::POST, &pay, &guest.token, Some(&json!({"paymentMethod": "pm_card_visa"}))).await;
    app.drain_events().await;
    app.drain_events().await;
    let confirmed = items(&app, &guest, "?type=booking_confirmed").await;
    assert_eq!(confirmed.len(), 1, "the guest's notice is in the inbox");
    let queued =
        ok(&app, Method::GET, "/api/v1/users/notifications/deliveries?status=pending", &guest.token, None).await;
    let mut channels: Vec<&str> = queued["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["template"] == "booking_confirmed")
        .map(|d| d["channel"].as_str().unwrap())
        .collect();
    channels.sort_unstable();
    assert!(channels.contains(&"email") && channels.contains(&"sms") && channels.contains(&"push"), "{queued}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(fake_push.received(&guest_browser).is_empty());
    assert_eq!(twilio.messages().len(), 1, "only the verification code so far");
    app.shutdown().await.unwrap();

    // Third life: the worker sends what was queued, once.
    config.notifications.worker_enabled = true;
    let app = testkit::spawn_config(config, contexts()).await;
    let mail = mail_titled(&guest_mail, "Your booking is confirmed").await;
    assert_eq!(mail.content_type, "multipart/alternative");
    let text = mail.text.clone().unwrap_or_default();
    let html = mail.html.clone().unwrap_or_default();
    for needle in ["Canal flat", "10–13 March 2027"] {
        assert!(text.contains(needle), "{needle} in {text}");
        assert!(html.contains(needle), "{needle} in {html}");
    }
    let sms = twilio.wait_for(phone, 2, Duration::from_secs(10)).await;
    assert!(sms[1].body.contains("booking is confirmed"), "{:?}", sms[1]);
    let pushed = wait("the guest's push", || {
        let got = confirmations(&fake_push.received_json(&guest_browser));
        (!got.is_empty()).then_some(got)
    })
    .await;
    assert_eq!(pushed[0]["title"], "Your booking is confirmed");
    // The host: the email only (no phone, push off for booking updates).
    mail_titled(&host_mail, "New confirmed booking").await;

    // Exactly once each, however long we wait.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mailed = crate::smtp::received(&guest_mail)
        .into_iter()
        .filter(|m| m.subject.as_deref() == Some("Your booking is confirmed"))
        .count();
    assert_eq!(mailed, 1);
    assert_eq!(twilio.messages().iter().filter(|m| m.to == phone).count(), 2, "the code, then the confirmation");
    assert_eq!(confirmations(&fake_push.received_json(&guest_browser)).len(), 1);
    assert!(fake_push.received(&host_browser).is_empty(), "the host turned push off");
    let log = ok(&app, Method::GET, "/api/v1/users/notifications/deliveries", &guest.token, None).await;
    assert!(log["items"].as_array().unwrap().iter().any(|d| d["template"] == "payment_received"), "the receipt too");
    for d in log["items"].as_array().unwrap() {
        assert_eq!((d["status"].as_str(), d["attempts"].as_i64()), (Some("sent"), Some(1)), "{d}");
    }
    app.shutdown().await.unwrap();
}
