//! Browsing a seeded catalogue: listing detail, a stay's calendar and a price quote — alone and
//! mixed as a visitor does (5 details : 3 calendars : 2 quotes) — on the whole platform in one
//! process (SQLite), beside the minimal axum endpoint measured in the same run.
//!
//! The data comes from `sojourn seed` (the same code as the command), so the database holds a
//! realistic catalogue, not one row.

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::config::{Config, Overrides};
use serde_json::{Value, json};

use crate::flows;
use crate::load::{self, HEADER};

const SEED: sojourn::seed::Options = sojourn::seed::Options { users: 200, listings: 3_000, reservations: 400, seed: 1 };

/// Ids of published listings (any kind), of published stays, and of those stays that book
/// instantly, through the public API.
async fn listing_ids(client: &reqwest::Client, app: &testkit::TestApp) -> (Vec<String>, Vec<String>, Vec<String>) {
    let get = |path: &str| client.get(app.url(path)).send();
    let all: Value = get("/api/v1/listings?limit=100").await.unwrap().json().await.unwrap();
    let stays: Value = get("/api/v1/listings?kind=stay&limit=100").await.unwrap().json().await.unwrap();
    let ids = |body: &Value, instant_only: bool| -> Vec<String> {
        let listings = body["data"]["listings"].as_array().unwrap().iter();
        listings
            .filter(|l| !instant_only || l["instantBook"] == true)
            .map(|l| l["id"].as_str().unwrap().to_owned())
            .collect()
    };
    (ids(&all, false), ids(&stays, false), ids(&stays, true))
}

/// One request of the browse mix; `i` picks the kind of request and the listing.
async fn browse(
    client: reqwest::Client,
    base: Arc<str>,
    all: Arc<Vec<String>>,
    stays: Arc<Vec<String>>,
    i: usize,
    mix: u8,
) -> bool {
    let kind = if mix == u8::MAX { [0, 0, 0, 0, 0, 1, 1, 1, 2, 2][i % 10] } else { mix };
    let request = match kind {
        0 => client.get(format!("{base}/api/v1/listings/{}", all[(i * 7919) % all.len()])),
        1 => client.get(format!("{base}/api/v1/listings/{}/calendar", stays[(i * 104_729) % stays.len()])),
        _ => {
            let day = 20 + (i * 31) % 300;
            let from = chrono::Utc::now().date_naive() + chrono::Days::new(day as u64);
            let body = json!({"listingId": stays[(i * 7) % stays.len()], "checkIn": from,
                              "checkOut": from + chrono::Days::new(3), "guests": 1});
            client.post(format!("{base}/api/v1/reservations/quote")).json(&body)
        }
    };
    match request.send().await {
        // A quote for nights already sold answers 409: an expected answer, not an error.
        Ok(r) => (r.status().is_success() || (kind == 2 && r.status() == 409)) && r.bytes().await.is_ok(),
        Err(_) => false,
    }
}

pub async fn run(seconds: u64) {
    let duration = Duration::from_secs(seconds);
    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("bench.toml");
    std::fs::write(&quiet, "[log]\nlevel = \"warn\"\n").unwrap();
    let started = Instant::now();
    let overrides = Overrides { config_file: Some(quiet), port: None, data_dir: Some(dir.path().to_path_buf()) };
    sojourn::seed::run(&overrides, SEED).await.unwrap();
    let seeded = started.elapsed();

    let mut config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
    config.server.host = "127.0.0.1".into();
    config.server.port = 0;
    config.rate_limit.enabled = false;
    config.log.level = "warn".into();
    let cold = Instant::now();
    let app = testkit::spawn_config(config, sojourn::contexts::all()).await;
    let ready = cold.elapsed();
    let idle_rss = load::rss_mib();
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let (all, stays, instant) = listing_ids(&client, &app).await;
    let (all, stays) = (Arc::new(all), Arc::new(stays));
    let base: Arc<str> = app.url("").trim_end_matches('/').into();

    let concurrency = 32;
    let limit_url: Arc<str> = load::limit_server().await.into();
    let c = client.clone();
    let limit = load::run(concurrency, duration, move |_| {
        let (c, u) = (c.clone(), limit_url.clone());
        async move { c.get(&*u).send().await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    let mut rows = Vec::new();
    for (name, mix) in [
        ("GET /listings/{id} (any kind)", 0u8),
        ("GET /listings/{id}/calendar (stay, 30 days)", 1),
        ("POST /reservations/quote (3 nights)", 2),
        ("browse mix 5:3:2", u8::MAX),
    ] {
        let (c, b, a, s) = (client.clone(), base.clone(), all.clone(), stays.clone());
        let summary =
            load::run(concurrency, duration, move |i| browse(c.clone(), b.clone(), a.clone(), s.clone(), i, mix)).await;
        rows.push((name, summary));
    }
    // Scenario 6: the browse mix again while guests log in (Argon2id at the configured cost).
    let mut guests = Vec::new();
    for g in 0..8 {
        let body =
            json!({"email": format!("guest{g}@{}", sojourn::seed::DOMAIN), "password": sojourn::seed::DEMO_PASSWORD});
        let answer: Value =
            client.post(app.url("/api/v1/auth/login")).json(&body).send().await.unwrap().json().await.unwrap();
        guests.push(answer["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned());
    }
    let seeded_app = Arc::new(flows::Seeded {
        client: client.clone(),
        base: base.clone(),
        stays: Arc::new(instant),
        guests: Arc::new(guests),
    });
    let (c, b, a, s) = (client.clone(), base.clone(), all.clone(), stays.clone());
    let browsing = tokio::spawn(load::run(concurrency, duration, move |i| {
        browse(c.clone(), b.clone(), a.clone(), s.clone(), i, u8::MAX)
    }));
    let logins = flows::logins(seeded_app.clone(), 4, duration).await;
    let browse_during = browsing.await.unwrap();
    // Scenario 5: whole purchases (reserve, open the payment, pay on the sandbox).
    let (checkout, paid) = flows::checkout(seeded_app, 16, duration).await;
    let loaded_rss = load::rss_mib();

    println!(
        "## bench browse ({seconds} s per scenario, {concurrency} connections, {} cores)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "Seeded {} users, {} listings, {} reservations in {:.1} s; the platform was ready {:.0} ms after start.\n",
        SEED.users,
        SEED.listings,
        SEED.reservations,
        seeded.as_secs_f64(),
        ready.as_secs_f64() * 1000.0
    );
    println!("{HEADER}");
    println!("{}", limit.row("limit: minimal axum JSON endpoint", None));
    for (name, summary) in &rows {
        println!("{}", summary.row(name, Some(&limit)));
    }
    let alone = &rows.last().unwrap().1;
    println!("{}", browse_during.row("browse mix while 4 clients log in (ratio to the mix alone)", Some(alone)));
    println!("{}", logins.row("POST /auth/login (Argon2id) during that mix, 4 clients", None));
    println!("{}", checkout.row("purchase: reserve + payment intent + sandbox confirm, 16 clients", None));
    println!(
        "\nBrowse mix p99 while logins run: {:.2} ms vs {:.2} ms alone. Purchases paid: {paid} of {}.",
        browse_during.p99_us as f64 / 1000.0,
        alone.p99_us as f64 / 1000.0,
        checkout.requests
    );
    println!(
        "\nProcess RSS (platform and load client together): {idle_rss:.0} MiB idle after start, {loaded_rss:.0} MiB after the runs.\n"
    );
    app.shutdown().await.unwrap();
}
