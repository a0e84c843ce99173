//! `sojourn seed`: the data it leaves is what the API then serves — accounts that sign in with
//! the demo password, published listings of several kinds in real places, reservations in
//! several states — and the same seed gives the same catalogue. A second seeding of the same
//! directory is refused with a clear message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use platform::config::{Config, Overrides};
use serde_json::{Value, json};
use sojourn::seed::{DEMO_PASSWORD, DOMAIN, Options};
use testkit::TestApp;

const OPTIONS: Options = Options { users: 15, listings: 80, reservations: 30, seed: 7 };

async fn seeded(dir: &tempfile::TempDir) {
    let overrides = Overrides { data_dir: Some(dir.path().to_path_buf()), ..Overrides::default() };
    sojourn::seed::run(&overrides, OPTIONS).await.unwrap();
}

/// The app on a seeded directory (SQLite, like the seeder).
async fn serve(dir: &tempfile::TempDir) -> TestApp {
    let mut config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
    config.server.host = "127.0.0.1".into();
    config.server.port = 0;
    testkit::spawn_config(config, sojourn::contexts::all()).await
}

async fn data(r: reqwest::Response) -> Value {
    let (status, body) = testkit::json(r).await;
    assert!((200..300).contains(&status), "{status} {body}");
    body["data"].clone()
}

async fn login(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": DEMO_PASSWORD});
    let answer = data(app.post_json("/api/v1/auth/login", &body).await).await;
    answer["tokens"]["accessToken"].as_str().unwrap().to_owned()
}

/// Every published listing's (kind, title, city), through the public search.
async fn catalogue(app: &TestApp) -> BTreeSet<(String, String, String)> {
    let mut all = BTreeSet::new();
    let mut offset = 0;
    loop {
        let answer = data(app.get(&format!("/api/v1/listings?limit=50&offset={offset}")).await).await;
        let items = answer["listings"].as_array().unwrap().clone();
        for l in &items {
            let field = |k: &str| l[k].as_str().unwrap_or_default().to_owned();
            all.insert((field("kind"), field("title"), l["address"]["city"].as_str().unwrap_or_default().to_owned()));
        }
        if items.len() < 50 {
            return all;
        }
        offset += 50;
    }
}

#[tokio::test]
async fn seeded_data_is_served_by_the_api_and_the_same_for_a_seed() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    seeded(&a).await;
    seeded(&b).await;
    let overrides = Overrides { data_dir: Some(a.path().to_path_buf()), ..Overrides::default() };
    let again = sojourn::seed::run(&overrides, OPTIONS).await.unwrap_err();
    assert!(again.contains("fresh --data-dir"), "{again}");

    let app = serve(&a).await;
    let listings = catalogue(&app).await;
    assert!(listings.len() >= 60, "about 95 % of 80 published: {}", listings.len());
    let kinds: BTreeSet<&str> = listings.iter().map(|(k, _, _)| k.as_str()).collect();
    assert!(kinds.len() >= 4, "several kinds: {kinds:?}");
    assert!(listings.iter().all(|(_, _, city)| !city.is_empty()), "every listing has a real city");
    // A shop purchase goes through once paid: seeded products are instant purchase.
    let products = data(app.get("/api/v1/listings?kind=product&limit=100").await).await["listings"].clone();
    let products = products.as_array().unwrap();
    assert!(!products.is_empty() && products.iter().all(|p| p["instantBook"] == true), "{products:?}");

    // The host's own view includes its drafts; the guest's reservations are in several states.
    let host = login(&app, &format!("host0@{DOMAIN}")).await;
    let me = data(app.client.get(app.url("/api/v1/auth/profile")).bearer_auth(&host).send().await.unwrap()).await;
    assert_eq!(me["user"]["email"], format!("host0@{DOMAIN}"));
    let mut statuses = BTreeSet::new();
    for g in 0..12 {
        let guest = login(&app, &format!("guest{g}@{DOMAIN}")).await;
        let mine =
            data(app.client.get(app.url("/api/v1/reservations")).bearer_auth(&guest).send().await.unwrap()).await;
        for r in mine["reservations"].as_array().unwrap() {
            statuses.insert(r["status"].as_str().unwrap().to_owned());
        }
    }
    assert!(statuses.contains("confirmed") && statuses.contains("cancelled"), "{statuses:?}");
    assert!(statuses.contains("pending_payment") || statuses.contains("expired"), "{statuses:?}");

    // Each seeded host's dashboard matches its confirmed stays, per currency.
    app.drain_events().await;
    let today = chrono::Utc::now().date_naive();
    let (from, to) = (today - chrono::Days::new(3), today + chrono::Days::new(360));
    let mut hosts_with_stays = 0;
    for h in 0..3 {
        let token = login(&app, &format!("host{h}@{DOMAIN}")).await;
        let ask = |path: String| app.client.get(app.url(&path)).bearer_auth(&token).send();
        let hosting = data(ask("/api/v1/reservations/hosting?status=confirmed&limit=100".into()).await.unwrap()).await;
        let mut expected: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
        for r in hosting["reservations"].as_array().unwrap().iter().filter(|r| r["kind"] == "stay") {
            let day = |k: &str| r[k].as_str().unwrap().parse::<chrono::NaiveDate>().unwrap();
            let nights = (day("checkOut") - day("checkIn")).num_days();
            let e = expected.entry(r["currency"].as_str().unwrap().to_owned()).or_default();
            *e = (
                e.0 + nights,
                e.1 + r["quote"]["base"].as_i64().unwrap(),
                e.2 + r["quote"]["guestTotal"].as_i64().unwrap(),
            );
        }
        let path = format!("/api/v1/analytics/host/dashboard?from={from}&to={to}");
        let dashboard = data(ask(path).await.unwrap()).await;
        let shown: std::collections::BTreeMap<String, (i64, i64, i64)> = dashboard["total"]["current"]["revenue"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["nightsBooked"].as_i64() > Some(0))
            .map(|c| {
                let n = |k: &str| c[k].as_i64().unwrap();
                (c["currency"].as_str().unwrap().to_owned(), (n("nightsBooked"), n("roomRevenue"), n("gross")))
            })
            .collect();
        assert_eq!(shown, expected, "host{h}: (nights, room revenue, gross) per currency");
        for c in dashboard["total"]["current"]["revenue"].as_array().unwrap() {
            let (nights, room) = (c["nightsBooked"].as_i64().unwrap(), c["roomRevenue"].as_i64().unwrap());
            if nights > 0 {
                let adr = c["adr"].as_i64().unwrap();
                assert!((adr * nights - room).abs() <= nights, "ADR is room revenue per night: {c}");
                assert!(c["nightsAvailable"].as_i64().unwrap() >= nights, "{c}");
            }
        }
        hosts_with_stays += usize::from(!expected.is_empty());
    }
    assert!(hosts_with_stays > 0, "the seed confirms stays of some host");

    // The other directory, seeded with the same seed, serves the same catalogue.
    let twin = serve(&b).await;
    assert_eq!(catalogue(&twin).await, listings);
}
