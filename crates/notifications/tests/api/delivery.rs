//! The delivery pipeline end to end: a notice reaches its reader by email (the on-disk outbox)
//! and web push (a fake push service that checks VAPID and whose subscriber decrypts), once,
//! logged, counted in /metrics; quiet hours hold push; a gone subscription is removed; queued
//! deliveries survive a restart and go exactly once; bad input is a 400 naming the field.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::fake_push::{FakePush, Subscriber};
use crate::support::*;

const SUBS: &str = "/api/v1/users/notifications/push/subscriptions";
const LOG: &str = "/api/v1/users/notifications/deliveries";
const QUIET: &str = "/api/v1/users/notification-preferences/quiet-hours";

fn contexts() -> Vec<Arc<dyn platform::Context>> {
    vec![Arc::new(identity::Identity), Arc::new(notifications::Notifications)]
}

/// `fast`, and push endpoints on 127.0.0.1 allowed (the fake push service).
fn pushable(c: &mut platform::config::Config) {
    fast(c);
    c.notifications.push.allow_private_endpoints = true;
}

async fn spawn_pushable() -> TestApp {
    testkit::spawn_with(contexts(), pushable).await
}

/// Subscribes `user`'s "browser" at `fake` through the API, with the key the API hands out.
async fn subscribe(app: &TestApp, fake: &FakePush, user: &User) -> Subscriber {
    let (status, key) = testkit::json(app.get("/api/v1/users/notifications/push/vapid-public-key").await).await;
    assert_eq!(status, 200, "{key}");
    let sub = fake.subscriber_for_key(key["data"]["publicKey"].as_str().unwrap());
    let (status, body) = send(app, Method::POST, SUBS, &user.token, Some(&sub.json)).await;
    assert_eq!(status, 201, "{body}");
    sub
}

/// Asks for a notice to `user` through the internal route (as another service would).
async fn notify(app: &TestApp, user: &User, title: &str) {
    let body = json!({"userId": user.id, "title": title, "message": "Your stay at “Cosy loft” is confirmed.",
                      "type": "BOOKING_CONFIRMED"});
    let (status, answer) = send(app, Method::POST, &format!("{INBOX}/internal"), INTERNAL_KEY, Some(&body)).await;
    assert_eq!(status, 201, "{answer}");
}

fn outbox(app: &TestApp) -> std::path::PathBuf {
    app.platform.config.data_dir.join("mail").join("outbox")
}

/// Every mail in the outbox addressed to `to` that mentions `about` (identity's verification
/// mail goes to the same address).
fn mails_to(app: &TestApp, to: &str, about: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(outbox(app)) else { return Vec::new() };
    let mut paths: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter(|m| m.lines().any(|l| l.starts_with("To:") && l.contains(to)) && m.contains(about))
        .collect()
}

async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..100 {
        if let Some(v) = check().await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The deliveries of notices (identity's verification mail left out).
fn notices_only(log: Vec<Value>) -> Vec<Value> {
    log.into_iter().filter(|d| d["template"] != "verify_email").collect()
}

/// The caller's delivery log once nothing in it is pending.
async fn settled_log(app: &TestApp, user: &User) -> Vec<Value> {
    eventually("the deliveries to settle", async || {
        let log = data(app, Method::GET, LOG, &user.token, None).await;
        let items = log["items"].as_array().cloned().unwrap_or_default();
        (!items.is_empty() && items.iter().all(|d| d["status"] != "pending")).then_some(items)
    })
    .await
}

#[tokio::test]
async fn a_notice_is_mailed_and_pushed_once_and_logged() {
    let app = spawn_pushable().await;
    let fake = FakePush::start().await;
    let user = register(&app, "guest@example.com").await;
    let sub = subscribe(&app, &fake, &user).await;

    notify(&app, &user, "Your booking is confirmed").await;

    let mail =
        eventually("the mail", async || mails_to(&app, "guest@example.com", "booking is confirmed").into_iter().next())
            .await;
    assert!(mail.contains("Your booking is confirmed"), "{mail}");
    let pushed = eventually("the push", async || {
        let got = fake.received_json(&sub);
        (!got.is_empty()).then_some(got)
    })
    .await;
    assert_eq!(pushed.len(), 1, "{pushed:?}");
    assert_eq!(pushed[0]["title"], "Your booking is confirmed");
    assert_eq!(pushed[0]["type"], "booking_confirmed");
    let log = notices_only(settled_log(&app, &user).await);
    let mut channels: Vec<(&str, &str)> =
        log.iter().map(|d| (d["channel"].as_str().unwrap(), d["status"].as_str().unwrap())).collect();
    channels.sort_unstable();
    assert_eq!(channels, [("email", "sent"), ("push", "sent")], "{log:?}");
    assert!(log.iter().all(|d| d["attempts"] == 1 && d["type"] == "booking_confirmation"), "{log:?}");
    // Nothing more goes out: one notice, one mail, one push.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!((mails_to(&app, "guest@example.com", "booking is confirmed").len(), fake.received(&sub).len()), (1, 1));

    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        // The verification mail of the registration, then the notice's.
        metrics.contains("sojourn_notification_deliveries_total{channel=\"email\",outcome=\"sent\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("sojourn_notification_deliveries_total{channel=\"push\",outcome=\"sent\"} 1"),
        "{metrics}"
    );

    // The administrator's view of the same log; a user cannot use it.
    let admin = admin(&app, "root@example.com").await;
    let all = data(
        &app,
        Method::GET,
        &format!("/api/v1/admin/notifications/deliveries?userId={}", user.id),
        &admin.token,
        None,
    )
    .await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(3), "{all}");
    let (status, _) = send(&app, Method::GET, "/api/v1/admin/notifications/deliveries", &user.token, None).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn preferences_decide_the_channels() {
    let app = spawn_pushable().await;
    let fake = FakePush::start().await;
    let user = register(&app, "picky@example.com").await;
    let sub = subscribe(&app, &fake, &user).await;
    let off = json!({"booking_confirmation": {"email": false, "push": false}});
    let (status, body) = send(&app, Method::PUT, CHANNELS, &user.token, Some(&off)).await;
    assert_eq!(status, 200, "{body}");

    notify(&app, &user, "Confirmed, quietly").await;

    // In the inbox, and nowhere else.
    assert_eq!(items(&app, &user, "?type=booking_confirmed").await.len(), 1);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(mails_to(&app, "picky@example.com", "quietly").is_empty());
    assert!(fake.received(&sub).is_empty());
    let log = data(&app, Method::GET, &format!("{LOG}?channel=push"), &user.token, None).await;
    assert_eq!(log["items"], json!([]), "{log}");
    let mails = data(&app, Method::GET, &format!("{LOG}?channel=email"), &user.token, None).await;
    assert!(mails["items"].as_array().unwrap().iter().all(|d| d["template"] != "booking_confirmed"), "{mails}");
}

#[tokio::test]
async fn a_subscription_the_push_service_calls_gone_is_removed() {
    let app = spawn_pushable().await;
    let fake = FakePush::start().await;
    let user = register(&app, "gone@example.com").await;
    let sub = subscribe(&app, &fake, &user).await;
    fake.fail_with(&sub, 410);

    notify(&app, &user, "Anyone there?").await;

    let log = settled_log(&app, &user).await;
    let push = log.iter().find(|d| d["channel"] == "push").expect("a push delivery");
    assert_eq!(push["status"], "failed", "{push}");
    assert!(push["lastError"].as_str().unwrap().contains("410"), "{push}");
    let subs = data(&app, Method::GET, SUBS, &user.token, None).await;
    assert_eq!(subs, json!([]), "the subscription is forgotten");
}

#[tokio::test]
async fn quiet_hours_hold_push_until_they_end_but_not_email() {
    let app = spawn_pushable().await;
    let fake = FakePush::start().await;
    let user = register(&app, "night@example.com").await;
    let sub = subscribe(&app, &fake, &user).await;
    // A quiet window around now, on the reader's clock (Tokyo).
    let tz: chrono_tz::Tz = "Asia/Tokyo".parse().unwrap();
    let local = chrono::Utc::now().with_timezone(&tz);
    let start = (local - chrono::Duration::hours(1)).format("%H:%M").to_string();
    let end = (local + chrono::Duration::hours(2)).format("%H:%M").to_string();
    let body = json!({"enabled": true, "start": start, "end": end, "timezone": "Asia/Tokyo"});
    let saved = data(&app, Method::PUT, QUIET, &user.token, Some(&body)).await;
    assert_eq!(saved["timezone"], "Asia/Tokyo", "{saved}");

    notify(&app, &user, "Late news").await;

    eventually("the mail", async || mails_to(&app, "night@example.com", "Late news").into_iter().next()).await;
    let log = data(&app, Method::GET, LOG, &user.token, None).await;
    let push = log["items"].as_array().unwrap().iter().find(|d| d["channel"] == "push").cloned().expect("push");
    assert_eq!(push["status"], "pending", "{push}");
    let next: chrono::DateTime<chrono::Utc> = push["nextAttemptAt"].as_str().unwrap().parse().unwrap();
    let released = next.with_timezone(&tz).format("%H:%M").to_string();
    assert_eq!(released, end, "held until the quiet hours end, Tokyo time");
    assert!(fake.received(&sub).is_empty());
}

#[tokio::test]
async fn queued_deliveries_survive_a_restart_and_go_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::test_config(&dir);
    pushable(&mut config);
    // First life: deliveries are queued but no worker takes them (as if it died first).
    config.notifications.worker_enabled = false;
    let app = testkit::spawn_config(config.clone(), contexts()).await;
    let fake = FakePush::start().await;
    let user = register(&app, "restart@example.com").await;
    let sub = subscribe(&app, &fake, &user).await;
    for i in 0..3 {
        notify(&app, &user, &format!("News {i}")).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(mails_to(&app, "restart@example.com", "News").is_empty());
    app.shutdown().await.unwrap();

    // Second life: the worker finds them and sends each once.
    config.notifications.worker_enabled = true;
    let app = testkit::spawn_config(config, contexts()).await;
    let log = notices_only(settled_log(&app, &user).await);
    assert_eq!(log.len(), 6, "{log:?}");
    assert!(log.iter().all(|d| d["status"] == "sent" && d["attempts"] == 1), "{log:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mails_to(&app, "restart@example.com", "News").len(), 3);
    let mut titles: Vec<String> =
        fake.received_json(&sub).iter().map(|p| p["title"].as_str().unwrap().to_owned()).collect();
    titles.sort();
    assert_eq!(titles, ["News 0", "News 1", "News 2"]);
    app.shutdown().await.unwrap();
}

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field() {
    let app = spawn_pushable().await;
    let user = register(&app, "bad@example.com").await;
    let cases = [
        (
            json!({"endpoint": "ftp://push.example/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}}),
            vec!["endpoint", "keys.p256dh", "keys.auth"],
        ),
        (json!({"endpoint": "https://push.example/x"}), vec!["keys"]),
        (json!({}), vec!["endpoint", "keys"]),
    ];
    for (body, fields) in cases {
        let (status, answer) = send(&app, Method::POST, SUBS, &user.token, Some(&body)).await;
        assert_eq!(status, 400, "{body} → {answer}");
        for field in fields {
            assert!(detail_fields(&answer).iter().any(|f| f == field), "{field} in {answer}");
        }
    }
    // A public deployment refuses private endpoints (the server would POST to them).
    let strict = testkit::spawn_with(contexts(), fast).await;
    let other = register(&strict, "strict@example.com").await;
    let fake = FakePush::start().await;
    let sub = fake.subscriber();
    let (status, answer) = send(&strict, Method::POST, SUBS, &other.token, Some(&sub.json)).await;
    assert_eq!((status, detail_fields(&answer)), (400, vec!["endpoint".to_owned()]), "{answer}");

    for (query, field) in
        [("channel=fax", "channel"), ("status=lost", "status"), ("limit=0", "limit"), ("cursor=zzz", "cursor")]
    {
        let (status, answer) = send(&app, Method::GET, &format!("{LOG}?{query}"), &user.token, None).await;
        assert_eq!((status, detail_fields(&answer)), (400, vec![field.to_owned()]), "{query}: {answer}");
    }
    let bad_quiet = json!({"enabled": true, "start": "25:00", "end": "7", "timezone": "Mars/Olympus"});
    let (status, answer) = send(&app, Method::PUT, QUIET, &user.token, Some(&bad_quiet)).await;
    assert_eq!(status, 400);
    assert_eq!(detail_fields(&answer), ["start", "end", "timezone"], "{answer}");

    let forged = app
        .client
        .post(app.url("/api/v1/notifications/unsubscribe?token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    let answer = testkit::expect_error(forged, 400, "invalid_token").await;
    assert_eq!(detail_fields(&answer), ["token"]);
    let missing = app.get("/api/v1/notifications/unsubscribe").await;
    testkit::expect_error(missing, 400, "invalid_token").await;
    let (status, _) = send(&app, Method::DELETE, &format!("{SUBS}/not-an-id"), &user.token, None).await;
    assert_eq!(status, 404);
    let (status, _) = send(&app, Method::GET, SUBS, "not a token", None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn subscriptions_are_listed_and_removed_by_their_owner_only() {
    let app = spawn_pushable().await;
    let fake = FakePush::start().await;
    let ann = register(&app, "ann@example.com").await;
    let bob = register(&app, "bob@example.com").await;
    let sub = subscribe(&app, &fake, &ann).await;
    let listed = data(&app, Method::GET, SUBS, &ann.token, None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["endpoint"], sub.endpoint);
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(data(&app, Method::GET, SUBS, &bob.token, None).await, json!([]));
    let (status, _) = send(&app, Method::DELETE, &format!("{SUBS}/{id}"), &bob.token, None).await;
    assert_eq!(status, 404, "not Bob's to remove");
    let (status, _) = send(&app, Method::DELETE, SUBS, &ann.token, Some(&json!({"endpoint": sub.endpoint}))).await;
    assert_eq!(status, 200);
    assert_eq!(data(&app, Method::GET, SUBS, &ann.token, None).await, json!([]));

    // A user's log is theirs whatever `userId` says; no token is a 401 everywhere.
    let log = data(&app, Method::GET, &format!("{LOG}?userId={}", ann.id), &bob.token, None).await;
    assert!(log["items"].as_array().unwrap().iter().all(|d| d["userId"] == bob.id.as_str()), "{log}");
    for (method, path) in [
        (Method::GET, LOG),
        (Method::GET, "/api/v1/admin/notifications/deliveries"),
        (Method::GET, QUIET),
        (Method::POST, SUBS),
        (Method::DELETE, SUBS),
    ] {
        let r = app.client.request(method.clone(), app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{method} {path}");
    }
}

/// The `List-Unsubscribe` link of a raw mail.
fn unsubscribe_link(mail: &str) -> String {
    let line = mail.lines().find(|l| l.starts_with("List-Unsubscribe:")).expect("a List-Unsubscribe header");
    let start = line.find('<').expect("<") + 1;
    let end = line.rfind('>').expect(">");
    line[start..end].to_owned()
}

#[tokio::test]
async fn one_click_unsubscribe_turns_that_types_email_off() {
    let app = spawn_pushable().await;
    let user = register(&app, "leaving@example.com").await;
    notify(&app, &user, "First news").await;
    let mail =
        eventually("the mail", async || mails_to(&app, "leaving@example.com", "First news").into_iter().next()).await;
    assert!(mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"), "{mail}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    let link = unsubscribe_link(&mail);
    let path = link.strip_prefix(&app.base).expect("a link to this server").to_owned();

    // Opening it shows a button and changes nothing (link scanners open links).
    let page = app.get(&path).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("booking updates"));
    assert_eq!(data(&app, Method::GET, CHANNELS, &user.token, None).await["booking_confirmation"]["email"], true);

    // The mail client's one-click POST (RFC 8058) turns booking updates' email off, twice is fine.
    for _ in 0..2 {
        let done = app
            .client
            .post(app.url(&path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 200);
    }
    let grid = data(&app, Method::GET, CHANNELS, &user.token, None).await;
    assert_eq!(grid["booking_confirmation"]["email"], false, "{grid}");
    assert_eq!(grid["booking_confirmation"]["in_app"], true, "only email is off");
    notify(&app, &user, "Second news").await;
    assert_eq!(items(&app, &user, "?type=booking_confirmed").await.len(), 2);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(mails_to(&app, "leaving@example.com", "Second news").is_empty());

    // A token altered by one character is refused, naming it.
    let mut forged = link.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let forged = forged.strip_prefix(&app.base).unwrap().to_owned();
    let answer =
        testkit::expect_error(app.client.post(app.url(&forged)).send().await.unwrap(), 400, "invalid_token").await;
    assert_eq!(detail_fields(&answer), ["token"]);
}

#[tokio::test]
async fn a_real_smtp_server_receives_the_html_and_text_mail() {
    let Some(url) = crate::smtp::url() else { return };
    let app = testkit::spawn_with(contexts(), |c| {
        pushable(c);
        c.mail.smtp_url = Some(platform::secrets::Secret::new(url));
    })
    .await;
    let address = format!("smtp-{}@example.com", kernel::new_id().simple());
    let user = register(&app, &address).await;
    notify(&app, &user, "Your booking is confirmed").await;
    let mails = crate::smtp::wait_for(&address, 2).await;
    let mail =
        mails.iter().find(|m| m.subject.as_deref() == Some("Your booking is confirmed")).expect("the notice's mail");
    assert_eq!(mail.content_type, "multipart/alternative");
    assert!(mail.text.as_deref().unwrap_or_default().contains("Cosy loft"), "{:?}", mail.text);
    assert!(mail.html.as_deref().unwrap_or_default().contains("Cosy loft"), "{:?}", mail.html);
    assert!(mail.header("List-Unsubscribe").is_some_and(|v| v.contains("/api/v1/notifications/unsubscribe?token=")));
    assert_eq!(mail.header("List-Unsubscribe-Post"), Some("List-Unsubscribe=One-Click"));
    let log = settled_log(&app, &user).await;
    let sent = log.iter().find(|d| d["template"] == "booking_confirmed").expect("logged");
    assert_eq!(sent["providerRef"].as_str(), mail.message_id.as_deref(), "the delivery's Message-ID");
}
