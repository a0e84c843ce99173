//! Sojourn's preference grid (`…/notification-preferences/channels`): defaults, partial
//! updates, validation, the locked security channel.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

const TYPES: [&str; 12] = [
    "booking_confirmation",
    "booking_cancelled",
    "payment_succeeded",
    "payment_failed",
    "refund_processed",
    "price_alert",
    "trip_reminder",
    "promotions",
    "platform_update",
    "account_security",
    "messages",
    "reviews",
];

async fn prefs(app: &testkit::TestApp, user: &User) -> Value {
    data(app, Method::GET, CHANNELS, &user.token, None).await.clone()
}

#[tokio::test]
async fn defaults_are_everything_but_sms_and_news_outside_the_inbox() {
    let app = spawn().await;
    let user = register(&app, "defaults@example.com").await;
    let p = prefs(&app, &user).await;
    assert_eq!(p.as_object().unwrap().len(), TYPES.len(), "{p}");
    for t in TYPES {
        let on = t != "promotions" && t != "platform_update";
        assert_eq!(p[t], json!({"email": on, "push": on, "sms": false, "in_app": true}), "{t}");
    }
}

#[tokio::test]
async fn updates_change_only_what_was_sent() {
    let app = spawn().await;
    let user = register(&app, "partial@example.com").await;
    let before = prefs(&app, &user).await;

    let body = json!({"promotions": {"email": true}, "reviews": {"push": false, "sms": null}});
    let (status, response) = send(&app, Method::PUT, CHANNELS, &user.token, Some(&body)).await;
    assert_eq!(status, 200, "{response}");
    let after = &response["data"];
    let mut expected = before.clone();
    expected["promotions"]["email"] = json!(true);
    expected["reviews"]["push"] = json!(false);
    assert_eq!(after, &expected);
    assert_eq!(prefs(&app, &user).await, expected, "stored");

    // A later update keeps the earlier choices, and can turn a choice back.
    let body = json!({"messages": {"sms": true}, "promotions": {"email": false}});
    data(&app, Method::PUT, CHANNELS, &user.token, Some(&body)).await;
    expected["messages"]["sms"] = json!(true);
    expected["promotions"]["email"] = json!(false);
    assert_eq!(prefs(&app, &user).await, expected);

    // Nothing to change is fine, without a body too; security e-mails may be turned off, only
    // the inbox is locked.
    data(&app, Method::PUT, CHANNELS, &user.token, Some(&json!({}))).await;
    let (status, body) = bodiless(&app, Method::PUT, CHANNELS, &user.token).await;
    assert_eq!((status, &body["data"]), (200, &expected), "{body}");
    let body = json!({"account_security": {"email": false, "in_app": true}});
    let d = data(&app, Method::PUT, CHANNELS, &user.token, Some(&body)).await;
    assert_eq!(d["account_security"], json!({"email": false, "push": true, "sms": false, "in_app": true}));
}

#[tokio::test]
async fn unknown_types_channels_and_values_are_named() {
    let app = spawn().await;
    let user = register(&app, "invalid@example.com").await;
    let before = prefs(&app, &user).await;
    for (body, field) in [
        (json!({"foo": {"email": true}}), "foo"),
        (json!({"reviews": {"fax": true}}), "reviews.fax"),
        (json!({"reviews": {"email": "yes"}}), "reviews.email"),
        (json!({"reviews": true}), "reviews"),
        (json!({"prefs": {}}), "prefs"),
    ] {
        let response = call(&app, Method::PUT, CHANNELS, &user.token, Some(&body)).await;
        let error = testkit::expect_error(response, 400, "validation_failed").await;
        assert_eq!(detail_fields(&error), vec![field.to_owned()], "{body}: {error}");
    }
    assert_eq!(prefs(&app, &user).await, before, "nothing changed");
    let response = call(&app, Method::PUT, CHANNELS, &user.token, Some(&json!([]))).await;
    testkit::expect_error(response, 400, "validation_failed").await;
    // An empty object changes nothing and answers the current preferences.
    let response = call(&app, Method::PUT, CHANNELS, &user.token, Some(&json!({}))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(prefs(&app, &user).await, before);
}

#[tokio::test]
async fn security_notices_cannot_leave_the_inbox() {
    let app = spawn().await;
    let user = register(&app, "locked@example.com").await;
    let before = prefs(&app, &user).await;
    // Refused as a whole: the valid part of the request is not applied either.
    let body = json!({"promotions": {"push": true}, "account_security": {"in_app": false}});
    let response = call(&app, Method::PUT, CHANNELS, &user.token, Some(&body)).await;
    let error = testkit::expect_error(response, 400, "validation_failed").await;
    assert_eq!(detail_fields(&error), vec!["account_security.in_app".to_owned()]);
    assert_eq!(prefs(&app, &user).await, before);
}

#[tokio::test]
async fn malformed_bodies_are_client_errors() {
    let app = spawn().await;
    let user = register(&app, "malformed@example.com").await;
    let raw = |body: &'static str, content_type: &'static str| {
        app.client
            .put(app.url(CHANNELS))
            .bearer_auth(&user.token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    testkit::expect_error(raw("{\"reviews\":", "application/json").await.unwrap(), 400, "invalid_json").await;
    testkit::expect_error(raw("not json", "application/json").await.unwrap(), 400, "invalid_json").await;
    let response = raw("{}", "text/plain").await.unwrap();
    assert_eq!(response.status().as_u16(), 415);
    let response = raw("", "application/json").await.unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    let response = raw("[1, 2]", "application/json").await.unwrap();
    testkit::expect_error(response, 400, "validation_failed").await;
    let response = raw("{\"reviews\": {\"email\": 1e999}}", "application/json").await.unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
}
