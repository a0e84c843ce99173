//! Administrators' KPIs through HTTP, with identity, catalog, booking and payments running:
//! users, hosts and listings made, reservations paid on the sandbox (one card declined first),
//! one cancelled and refunded, a payout paid, over two weeks; every figure computed by hand
//! from the price rules (100.00 a night, 12 % guest fee, 3 % host fee, no taxes). Then series,
//! top lists, who may ask, bad input, and a rebuild that gives the same rows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod perf;

use std::sync::Arc;

use chrono::NaiveDate;
use reqwest::Method;
use serde_json::{Value, json};
use tempfile::TempDir;
use testkit::TestApp;
use testkit::accounts::{User, admin, call, data, get, login, post, register};

struct Kit {
    app: TestApp,
    clock: Arc<kernel::ManualClock>,
    _dir: TempDir,
}

impl std::ops::Deref for Kit {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

impl Kit {
    fn at(&self, instant: &str) {
        self.clock.set(instant.parse().unwrap());
    }
}

async fn spawn() -> Kit {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::quick_config(&dir);
    config.secrets.insert(
        "payments_webhook_secret".into(),
        platform::secrets::Secret::new("whsec_adminkpi_tests_0123456789abcdef"),
    );
    let contexts: Vec<Arc<dyn platform::Context>> = vec![
        Arc::new(identity::Identity),
        Arc::new(catalog::Catalog),
        Arc::new(booking::Booking),
        Arc::new(payments::Payments),
        Arc::new(insights::Insights),
    ];
    let clock = Arc::new(kernel::ManualClock::new("2030-01-02T10:00:00Z".parse().unwrap()));
    let app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    Kit { app, clock, _dir: dir }
}

/// A provider with a published instant-book flat at 100.00 a night in `city`: its id.
async fn flat(app: &TestApp, host: &User, city: &str, title: &str) -> String {
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(post(app, host, "/api/v1/providers", &provider).await).await;
    let body = json!({"kind": "stay", "title": title, "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": city, "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": true, "cancellationPolicy": "flexible",
        "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1,
        "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let made = data(post(app, host, "/api/v1/listings", &body).await).await;
    let id = made["listing"]["id"].as_str().unwrap().to_owned();
    data(call(app, Method::POST, host, &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    id
}

/// A reservation waiting for payment and its payment intent: (reservation, intent, total).
async fn reserve(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str) -> (String, String, i64) {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out});
    let r = data(post(app, guest, "/api/v1/reservations", &body).await).await;
    let (id, total) =
        (r["reservation"]["id"].as_str().unwrap().to_owned(), r["reservation"]["total"].as_i64().unwrap());
    app.drain_events().await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": id});
    let intent = data(post(app, guest, "/api/v1/payment/intent", &ask).await).await;
    (id, intent["paymentIntentId"].as_str().unwrap().to_owned(), total)
}

async fn pay(app: &TestApp, guest: &User, intent: &str, card: &str) -> u16 {
    let path = format!("/api/v1/payment/{intent}/confirm");
    let status = post(app, guest, &path, &json!({"paymentMethod": card})).await.status().as_u16();
    app.drain_events().await;
    app.drain_events().await;
    status
}

/// A reservation paid with a good card (so confirmed): its id, after checking its total.
async fn paid(app: &TestApp, guest: &User, listing: &str, check_in: &str, check_out: &str, total: i64) -> String {
    let (id, intent, charged) = reserve(app, guest, listing, check_in, check_out).await;
    assert_eq!(charged, total, "the price rules");
    assert_eq!(pay(app, guest, &intent, "pm_card_visa").await, 200);
    id
}

/// Payments' `payout.paid`, as payments writes it (payouts need a payout account and its
/// schedule; the event is what insights reads).
async fn payout_paid(app: &TestApp, host: &User, amount: i64, at: &str) {
    let data = json!({"id": "po_test_1", "hostId": host.id, "currency": "EUR", "amount": amount, "status": "paid",
                      "reservations": [], "transferId": "tr_1", "createdAt": at});
    let event = kernel::EventEnvelope::new("payout.paid", host.id.as_str(), at.parse().unwrap(), data);
    let db = app.platform.db("payments").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

fn fig(current: i64, previous: i64) -> Value {
    json!({"current": current, "previous": previous})
}

/// Every platform rollup row, as text, in order.
async fn rollup_rows(app: &TestApp) -> Vec<String> {
    let db = app.platform.db("insights").unwrap();
    let money: Vec<(String,)> = platform::db::query(
        "SELECT CAST(day AS TEXT) || ' ' || currency || ' ' || CAST(bookings AS TEXT) || ' ' || CAST(gmv AS TEXT) || ' ' \
         || CAST(take AS TEXT) || ' ' || CAST(net_revenue AS TEXT) || ' ' || CAST(cancellations AS TEXT) || ' ' \
         || CAST(captures AS TEXT) || ' ' || CAST(captured AS TEXT) || ' ' || CAST(refunds AS TEXT) || ' ' \
         || CAST(refunded AS TEXT) || ' ' || CAST(failed_payments AS TEXT) || ' ' || CAST(payouts AS TEXT) || ' ' \
         || CAST(paid_out AS TEXT) || ' ' || CAST(host_earned AS TEXT) || ' ' || CAST(host_refunded AS TEXT) \
         FROM insights_platform_days ORDER BY day, currency",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let counts: Vec<(String,)> = platform::db::query(
        "SELECT CAST(day AS TEXT) || ' ' || CAST(new_users AS TEXT) || ' ' || CAST(new_hosts AS TEXT) || ' ' \
         || CAST(new_listings AS TEXT) || ' ' || CAST(published_listings AS TEXT) FROM insights_platform_day_counts ORDER BY day",
    )
    .fetch_all(db)
    .await
    .unwrap();
    money.into_iter().chain(counts).map(|(r,)| r).collect()
}

/// Every row of the top lists' rollups (by host, by destination), as text, in order.
async fn top_rows(app: &TestApp) -> Vec<String> {
    let db = app.platform.db("insights").unwrap();
    let hosts: Vec<(uuid::Uuid, String)> = platform::db::query(
        "SELECT host_id, currency || ' ' || CAST(day AS TEXT) || ' ' || CAST(bookings AS TEXT) || ' ' || CAST(gmv AS TEXT) \
         FROM insights_platform_host_days ORDER BY currency, day, host_id",
    )
    .fetch_all(db)
    .await
    .unwrap();
    let places: Vec<(String,)> = platform::db::query(
        "SELECT currency || ' ' || CAST(day AS TEXT) || ' ' || destination || ' ' || CAST(bookings AS TEXT) || ' ' \
         || CAST(gmv AS TEXT) FROM insights_platform_destination_days ORDER BY currency, day, destination",
    )
    .fetch_all(db)
    .await
    .unwrap();
    hosts.into_iter().map(|(h, r)| format!("{h} {r}")).chain(places.into_iter().map(|(r,)| r)).collect()
}

#[tokio::test]
async fn kpis_series_and_top_lists_from_real_bookings() {
    let kit = spawn().await;
    let app = &kit.app;

    // Week 1 (Jan 1–7): an administrator, a host with a Paris flat, a guest's 2 nights.
    let boss = admin(app, "boss@example.com").await;
    let host1 = register(app, "host1@example.com").await;
    let paris = flat(app, &host1, "Paris", "Canal flat").await;
    let guest1 = register(app, "guest1@example.com").await;
    // 2 nights: base 20000, guest fee 2400, total 22400, host fee 600, payout 19400, ours 3000.
    paid(app, &guest1, &paris, "2030-02-01", "2030-02-03", 22_400).await;

    // Week 2 (Jan 8–14).
    kit.at("2030-01-09T10:00:00Z");
    let guest2 = register(app, "guest2@example.com").await;
    // 3 nights: total 33600, take 3600 + 900 = 4500, payout 29100.
    paid(app, &guest2, &paris, "2030-02-10", "2030-02-13", 33_600).await;
    // 2 nights, a declined card first, then paid, then cancelled by the guest.
    let (r3, intent3, total3) = reserve(app, &guest2, &paris, "2030-03-01", "2030-03-03").await;
    assert_eq!(total3, 22_400);
    assert_ne!(pay(app, &guest2, &intent3, "pm_card_chargeDeclined").await, 200);
    assert_eq!(pay(app, &guest2, &intent3, "pm_card_visa").await, 200);
    let preview = data(get(app, &guest2, &format!("/api/v1/reservations/{r3}/cancellation")).await).await;
    data(post(app, &guest2, &format!("/api/v1/reservations/{r3}/cancel"), &json!({})).await).await;
    app.drain_events().await;
    app.drain_events().await;
    let refunds: Vec<(i64,)> = platform::db::query("SELECT amount FROM insights_money WHERE kind = 'refund'")
        .fetch_all(app.platform.db("insights").unwrap())
        .await
        .unwrap();
    assert_eq!(refunds.len(), 1, "one refund: {preview}");
    let refunded = refunds[0].0;
    assert!(refunded > 0 && refunded <= 22_400, "{refunded}");

    kit.at("2030-01-10T10:00:00Z");
    let host2 = register(app, "host2@example.com").await;
    let lyon = flat(app, &host2, "Lyon", "Loft").await;
    let guest1 = login(app, &guest1).await;
    // 1 night: total 11200, take 1200 + 300 = 1500, payout 9700.
    paid(app, &guest1, &lyon, "2030-04-01", "2030-04-02", 11_200).await;

    payout_paid(app, &host1, 10_000, "2030-01-11T10:00:00Z").await;

    kit.at("2030-01-14T10:00:00Z");
    let boss = login(app, &boss).await;
    let guest1 = login(app, &guest1).await;

    let kpis = data(get(app, &boss, "/api/v1/admin/analytics/kpis?from=2030-01-08&to=2030-01-14").await).await;
    assert_eq!((kpis["previousFrom"].as_str(), kpis["previousTo"].as_str()), (Some("2030-01-01"), Some("2030-01-07")));
    let eur = &kpis["currencies"][0];
    assert_eq!(kpis["currencies"].as_array().unwrap().len(), 1, "{kpis}");
    assert_eq!(eur["currency"], "EUR");
    let host_refunded = refunded * 19_400 / 22_400;
    let expected = [
        ("gmv", fig(33_600 + 22_400 + 11_200, 22_400)),
        ("take", fig(4_500 + 3_000 + 1_500, 3_000)),
        ("netRevenue", fig(9_000, 3_000)),
        ("takeRate", json!({"current": 0.1339, "previous": 0.1339})),
        ("bookings", fig(3, 1)),
        ("cancellations", fig(1, 0)),
        ("cancellationRate", json!({"current": 0.3333, "previous": 0.0})),
        ("captures", fig(3, 1)),
        ("captured", fig(67_200, 22_400)),
        ("refunds", fig(1, 0)),
        ("refunded", fig(refunded, 0)),
        ("failedPayments", fig(1, 0)),
        ("payoutsSent", fig(1, 0)),
        ("paidOut", fig(10_000, 0)),
        ("pendingPayouts", fig(19_400 + 29_100 + 19_400 + 9_700 - host_refunded - 10_000, 19_400)),
    ];
    for (field, value) in expected {
        assert_eq!(eur[field], value, "{field}: {eur}");
    }
    // Users: boss, host1 and guest1 in week 1; guest2 and host2 in week 2. Active: signed in,
    // booked or paid (registering alone is not activity).
    let users = &kpis["users"];
    let expected = [
        ("newUsers", fig(2, 3)),
        ("newHosts", fig(1, 1)),
        ("newListings", fig(1, 1)),
        ("publishedListings", fig(1, 1)),
        ("dau", fig(2, 0)),
        ("wau", fig(3, 2)),
        ("mau", fig(3, 2)),
    ];
    for (field, value) in expected {
        assert_eq!(users[field], value, "{field}: {users}");
    }
    let only =
        data(get(app, &boss, "/api/v1/admin/analytics/kpis?from=2030-01-08&to=2030-01-14&currency=usd").await).await;
    assert_eq!(only["currencies"][0]["currency"], "USD");
    assert_eq!(only["currencies"][0]["gmv"], fig(0, 0));

    // Series.
    let gmv =
        data(get(app, &boss, "/api/v1/admin/analytics/series?metric=gmv&from=2030-01-08&to=2030-01-14").await).await;
    let values: Vec<i64> =
        gmv["series"][0]["points"].as_array().unwrap().iter().map(|p| p["value"].as_i64().unwrap()).collect();
    assert_eq!(gmv["series"][0]["currency"], "EUR");
    assert_eq!(values, [0, 56_000, 11_200, 0, 0, 0, 0]);
    let weekly = "/api/v1/admin/analytics/series?metric=new_users&interval=week&from=2030-01-01&to=2030-01-14";
    let weekly = data(get(app, &boss, weekly).await).await;
    assert_eq!(
        weekly["series"],
        json!([{"currency": null, "points": [
            {"start": "2030-01-01", "end": "2030-01-06", "value": 3},
            {"start": "2030-01-07", "end": "2030-01-13", "value": 2},
            {"start": "2030-01-14", "end": "2030-01-14", "value": 0}]}])
    );
    let active = "/api/v1/admin/analytics/series?metric=active_users&interval=month&from=2030-01-01&to=2030-01-14";
    assert_eq!(data(get(app, &boss, active).await).await["series"][0]["points"][0]["value"], 3);

    // Top lists.
    let top = "/api/v1/admin/analytics/top?by=gmv&dimension=listing&from=2030-01-01&to=2030-01-14";
    let top = data(get(app, &boss, top).await).await;
    assert_eq!(
        top["lists"],
        json!([{"currency": "EUR", "items": [
            {"id": paris, "label": "Canal flat", "bookings": 3, "gmv": 78_400},
            {"id": lyon, "label": "Loft", "bookings": 1, "gmv": 11_200}]}])
    );
    let places_path =
        "/api/v1/admin/analytics/top?by=bookings&dimension=destination&limit=1&from=2030-01-08&to=2030-01-14";
    let places = data(get(app, &boss, places_path).await).await;
    assert_eq!(places["lists"][0]["items"], json!([{"id": "Paris", "label": "Paris", "bookings": 2, "gmv": 56_000}]));
    let hosts = "/api/v1/admin/analytics/top?dimension=host&from=2030-01-08&to=2030-01-14";
    let hosts = data(get(app, &boss, hosts).await).await;
    let ids: Vec<&str> =
        hosts["lists"][0]["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [host1.id.as_str(), host2.id.as_str()]);
    assert_eq!(hosts["asOf"], Value::Null, "ranked for this request");

    // The last 7 days (8 → 14 January) ranked ahead answer the same lists, saying when.
    let ran = data(post(app, &boss, "/api/v1/admin/analytics/jobs/run", &json!({})).await).await;
    assert_eq!(ran["topWindowsRanked"], 4, "7, 30, 90 and 365 days: {ran}");
    let ahead =
        data(get(app, &boss, "/api/v1/admin/analytics/top?dimension=host&from=2030-01-08&to=2030-01-14").await).await;
    assert_eq!(ahead["lists"], hosts["lists"]);
    assert!(ahead["asOf"].as_str().is_some_and(|t| t.starts_with("2030-01-14T10:00:00")), "{ahead}");
    let ahead = data(get(app, &boss, places_path).await).await;
    assert_eq!(ahead["lists"], places["lists"]);

    // A rebuild, from the start or from a day in between, writes the same rows.
    let rows = rollup_rows(app).await;
    assert!(rows.len() >= 6, "{rows:?}");
    let tops = top_rows(app).await;
    assert_eq!(tops.len(), 2 * 3, "host and destination on Jan 2, 9 and 10: {tops:?}");
    let db = app.platform.db("insights").unwrap();
    let from: NaiveDate = "2000-01-01".parse().unwrap();
    let written = insights::rollups::platform_days::rebuild(db, from).await.unwrap();
    assert_eq!(rollup_rows(app).await, rows);
    assert_eq!(usize::try_from(written).unwrap(), rows.len());
    assert_eq!(top_rows(app).await, tops);
    insights::rollups::rebuild(db, "2030-01-10".parse().unwrap()).await.unwrap();
    assert_eq!(rollup_rows(app).await, rows);
    assert_eq!(top_rows(app).await, tops);

    // Only administrators; bad input is a 400.
    for path in [
        "/api/v1/admin/analytics/kpis?from=2030-01-08&to=2030-01-14",
        "/api/v1/admin/analytics/series?from=2030-01-08&to=2030-01-14",
        "/api/v1/admin/analytics/top?from=2030-01-08&to=2030-01-14",
    ] {
        testkit::expect_error(get(app, &guest1, path).await, 403, "forbidden").await;
        testkit::expect_error(app.get(path).await, 401, "unauthorized").await;
    }
    for path in [
        "/api/v1/admin/analytics/kpis",
        "/api/v1/admin/analytics/kpis?from=2030-01-08&to=2030-01-01",
        "/api/v1/admin/analytics/kpis?from=2030-01-01&to=2032-01-02",
        "/api/v1/admin/analytics/kpis?from=2030-13-01&to=2030-01-01",
        "/api/v1/admin/analytics/kpis?from=2030-01-01&to=2030-01-02&currency=euro",
        "/api/v1/admin/analytics/series?from=2030-01-01&to=2030-01-02&metric=happiness",
        "/api/v1/admin/analytics/series?from=2030-01-01&to=2030-01-02&interval=year",
        "/api/v1/admin/analytics/top?from=2030-01-01&to=2030-01-02&limit=51",
        "/api/v1/admin/analytics/top?from=2030-01-01&to=2030-01-02&by=views",
        "/api/v1/admin/analytics/top?from=2030-01-01&to=2030-01-02&dimension=planet",
    ] {
        testkit::expect_error(get(app, &boss, path).await, 400, "validation_failed").await;
    }
    let _ = guest2;
}
