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

use crate::load::{self, HEADER};

const SEED: sojourn::seed::Options = sojourn::seed::Options { users: 200, listings: 3_000, reservations: 400, seed: 1 };

/// Ids of published listings (any kind) and of published stays, through the public API.
async fn listing_ids(client: &reqwest::Client, app: &testkit::TestApp) -> (Vec<String>, Vec<String>) {
    let ids = |body: Value| -> Vec<String> {
        body["data"]["listings"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()).collect()
    };
    let get = |path: &str| client.get(app.url(path)).send();
    let all = ids(get("/api/v1/listings?limit=100").await.unwrap().json().await.unwrap());
    let stays = ids(get("/api/v1/listings?kind=stay&limit=100").await.unwrap().json().await.unwrap());
    (all, stays)
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
    let (all, stays) = listing_ids(&client, &app).await;
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
    println!(
        "\nProcess RSS (platform and load client together): {idle_rss:.0} MiB idle after start, {loaded_rss:.0} MiB after the runs.\n"
    );
    app.shutdown().await.unwrap();
}
