//! Travel (issue 27): flight search on the offline supplier and airport keyword search, on the
//! platform as its own process (`sojourn serve`), beside the axum JSON limit of the same run;
//! then the Amadeus adapter against a fake Amadeus in this process — what the adapter adds to a
//! call (the fake answering from the same offline supplier, compared with asking that supplier
//! directly) and its cache hit rate on a realistic stream of repeated searches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::config::AmadeusConfig;
use platform::db::DbOptions;
use platform::secrets::Secret;
use travel::amadeus::Amadeus;
use travel::amadeus::fake::FakeAmadeus;
use travel::offline::Offline;
use travel::provider::{Operation, Provider, Request};

use crate::load::{self, HEADER};
use crate::server::Server;

/// City pairs searched (two adults, a return a week later).
const ROUTES: [(&str, &str); 6] =
    [("PAR", "NYC"), ("LON", "ROM"), ("MAD", "BER"), ("AMS", "BCN"), ("FRA", "TYO"), ("LIS", "MIL")];

/// Keyword prefixes a traveller types into the airport picker.
const KEYWORDS: [&str; 12] = ["par", "lon", "new y", "fra", "bar", "heath", "ber", "tok", "mad", "ams", "rom", "dub"];

fn flight_query(i: usize) -> String {
    let (from, to) = ROUTES[i % ROUTES.len()];
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(20 + (i / ROUTES.len() % 60) as u64);
    format!(
        "originLocationCode={from}&destinationLocationCode={to}&departureDate={day}&returnDate={}&adults=2&max=50",
        day + chrono::Days::new(7)
    )
}

fn amadeus_search(i: usize) -> Request {
    let (from, to) = ROUTES[i % ROUTES.len()];
    let day = chrono::Utc::now().date_naive() + chrono::Days::new(20 + (i / ROUTES.len() % 60) as u64);
    Request::new(Operation::FlightOffers)
        .param("originLocationCode", Some(from))
        .param("destinationLocationCode", Some(to))
        .param("departureDate", Some(day))
        .param("adults", Some(2))
        .param("max", Some(50))
}

pub async fn run(seconds: u64) -> bool {
    let duration = Duration::from_secs(seconds);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bench.toml"), "[log]\nlevel = \"warn\"\n").unwrap();
    let server = Server::start(dir.path(), &dir.path().join("serve.log")).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let base: Arc<str> = server.base.as_str().into();
    let concurrency = 32;

    let limit_url: Arc<str> = load::limit_server().await.into();
    let c = client.clone();
    let limit = load::run(concurrency, duration, move |_| {
        let (c, u) = (c.clone(), limit_url.clone());
        async move { c.get(&*u).send().await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    let before = server.usage();
    let (c, b) = (client.clone(), base.clone());
    let flights = load::run(concurrency, duration, move |i| {
        let (c, b) = (c.clone(), b.clone());
        async move {
            let r = c.get(format!("{b}/api/v1/flights/search?{}", flight_query(i))).send().await;
            r.is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    let flights_cpu = server.since(before).cpu_s;
    let (c, b) = (client.clone(), base.clone());
    let airports = load::run(concurrency, duration, move |i| {
        let (c, b) = (c.clone(), b.clone());
        async move {
            let keyword = KEYWORDS[i % KEYWORDS.len()];
            let r = c.get(format!("{b}/api/v1/locations/airports?keyword={keyword}")).send().await;
            r.is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    // The same search sent alone, to see its size.
    let sample = client.get(format!("{base}/api/v1/flights/search?{}", flight_query(0))).send().await.unwrap();
    let sample: serde_json::Value = sample.json().await.unwrap();
    let offers = sample["data"].as_array().map_or(0, Vec::len);
    drop(server);

    println!("## Travel (offline supplier, `sojourn serve`, {concurrency} connections, {seconds} s each)\n");
    println!("{HEADER}");
    println!("{}", limit.row("limit: minimal axum JSON endpoint", None));
    println!("{}", flights.row("GET /flights/search (2 adults, return, max 50)", Some(&limit)));
    println!("{}", airports.row("GET /locations/airports?keyword=…", Some(&limit)));
    println!();
    let cpu_us = flights_cpu * 1e6 / flights.requests.max(1) as f64;
    println!("A search answers {offers} offers; the server spent {cpu_us:.0} µs of CPU per search.\n");
    adapter(duration).await;
    flights.errors == 0 && airports.errors == 0
}

/// The Amadeus adapter against a fake Amadeus answering from the offline supplier.
async fn adapter(duration: Duration) {
    let dir = tempfile::tempdir().unwrap();
    let opts = DbOptions {
        url: None,
        data_dir: dir.path().to_path_buf(),
        schema_prefix: String::new(),
        max_connections: 4,
        sqlite_readers: 4,
        busy_timeout: Duration::from_secs(5),
        acquire_timeout: Duration::from_secs(5),
        statement_timeout: Duration::ZERO,
        sqlite_synchronous: Default::default(),
    };
    let db = platform::db::connect("travel", &opts).await.unwrap();
    use platform::Context as _;
    let migrations = platform::db::Migrations { scope: "travel", list: travel::Travel.migrations() };
    platform::db::migrate(&db, &migrations).await.unwrap();
    let offline: Arc<dyn Provider> = Arc::new(Offline::new(db, 1, Arc::new(kernel::SystemClock), "EUR"));
    let fake = FakeAmadeus::start(offline.clone(), "bench", "bench-secret").await.unwrap();
    let config =
        AmadeusConfig { base_url: fake.url.clone(), client_id: Some("bench".into()), ..AmadeusConfig::default() };
    let amadeus = Arc::new(Amadeus::new(&config, Secret::new("bench-secret")).unwrap());

    // Added latency: distinct searches (no cache hit), one at a time, direct and through HTTP.
    let n = 200;
    let mut direct = Vec::with_capacity(n);
    let mut through = Vec::with_capacity(n);
    for i in 0..n {
        let request = amadeus_search(i + 10_000);
        let t = Instant::now();
        offline.call(&request).await.unwrap();
        direct.push(t.elapsed().as_micros() as u64);
        let request = amadeus_search(i + 20_000).param("nonce", Some(i));
        let t = Instant::now();
        amadeus.call(&request).await.unwrap();
        through.push(t.elapsed().as_micros() as u64);
    }
    direct.sort_unstable();
    through.sort_unstable();
    let p = |v: &[u64], q: f64| v[((v.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0;

    // Hit rate: a stream where popular searches repeat — ranks log-uniform over 300 distinct
    // queries (Zipf-like: the first ten take about 40 % of the searches).
    let (hits0, misses0) = amadeus.cache_stats();
    let started = Instant::now();
    let mut i = 0usize;
    let mut seen = std::collections::HashSet::new();
    while started.elapsed() < duration {
        let u = (i * 7919 % 10_007) as f64 / 10_007.0;
        let rank = 300f64.powf(u) as usize;
        seen.insert(rank);
        amadeus.call(&amadeus_search(rank)).await.unwrap();
        i += 1;
    }
    let (hits, misses) = amadeus.cache_stats();
    let (hits, misses) = (hits - hits0, misses - misses0);
    let rate = hits as f64 / (hits + misses).max(1) as f64;
    println!("## Amadeus adapter against a fake Amadeus (answering from the offline supplier)\n");
    println!("| measure | p50 ms | p99 ms |\n|---|---:|---:|");
    println!("| offline supplier asked directly (flight offers) | {:.2} | {:.2} |", p(&direct, 0.5), p(&direct, 0.99));
    println!(
        "| through the adapter and the fake over HTTP (no cache hit) | {:.2} | {:.2} |",
        p(&through, 0.5),
        p(&through, 0.99)
    );
    println!(
        "| added by the adapter (token, HTTP, JSON both ways) | {:.2} | {:.2} |\n",
        p(&through, 0.5) - p(&direct, 0.5),
        p(&through, 0.99) - p(&direct, 0.99)
    );
    println!(
        "Cache: {} searches over {} distinct queries (popular ones repeat, all within the 2-minute life of cached \
         offers): {hits} hits, {misses} misses, hit rate {:.1} %; {} token(s) fetched.\n",
        hits + misses,
        seen.len(),
        rate * 100.0,
        amadeus.tokens_fetched()
    );
}
