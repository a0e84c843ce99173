//! Browsing a seeded catalogue: listing detail, a stay's calendar and a price quote — alone and
//! mixed as a visitor does (5 details : 3 calendars : 2 quotes) — and search, on the whole
//! platform (SQLite), beside the minimal axum endpoint measured in the same run; then logins
//! during browsing, whole purchases, and the checks that nothing was sold twice and that the
//! ledger balances.
//!
//! The data comes from `sojourn seed` (the same code as the command, run in this process), so
//! the database holds a realistic catalogue, not one row. The platform then runs as its own
//! process (`sojourn serve`, see [`crate::server`]), so its cold start, CPU time per request
//! and memory are measured apart from the load client's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::config::Overrides;
use platform::db::{Db, DbOptions};
use serde_json::{Value, json};

use crate::load::{self, HEADER};
use crate::server::{self, Server, Spent};
use crate::{checks, flows, search};

const SEED: sojourn::seed::Options = sojourn::seed::Options { users: 200, listings: 3_000, reservations: 400, seed: 1 };

/// Ids of published listings (any kind), of published stays, and of those stays that book
/// instantly, through the public API.
pub(crate) async fn listing_ids(client: &reqwest::Client, base: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let get = |path: &str| client.get(format!("{base}{path}")).send();
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
pub(crate) async fn browse(
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

/// The administrator the ledger check signs in as (made with `sojourn admin create-user`).
const ADMIN: &str = "admin@bench.sojourn.test";
const ADMIN_PASSWORD: &str = "Bench-admin-password-1";

/// The seeds' search target, in milliseconds at p99.
const SEARCH_TARGET_MS: f64 = 50.0;

/// Runs `work` and returns its result with what the server spent meanwhile.
pub(crate) async fn metered<T>(server: &Server, work: impl Future<Output = T>) -> (T, Spent) {
    let before = server.usage();
    let out = work.await;
    (out, server.since(before))
}

/// Seeds a data directory in this process; (directory, seconds it took).
pub(crate) async fn seeded() -> (tempfile::TempDir, f64) {
    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("bench.toml");
    std::fs::write(&quiet, "[log]\nlevel = \"warn\"\n").unwrap();
    let started = Instant::now();
    let overrides = Overrides { config_file: Some(quiet), port: None, data_dir: Some(dir.path().to_path_buf()) };
    sojourn::seed::run(&overrides, SEED).await.unwrap();
    (dir, started.elapsed().as_secs_f64())
}

/// Opens one context's SQLite database in `dir` (the server has stopped).
async fn open(dir: &std::path::Path, name: &str) -> Db {
    let opts = DbOptions {
        url: None,
        data_dir: dir.to_path_buf(),
        schema_prefix: String::new(),
        max_connections: 2,
        sqlite_readers: 2,
        busy_timeout: Duration::from_secs(5),
        acquire_timeout: Duration::from_secs(5),
        statement_timeout: Duration::ZERO,
        sqlite_synchronous: Default::default(),
    };
    platform::db::connect(name, &opts).await.unwrap()
}

/// Returns false when a correctness check failed.
pub async fn run(seconds: u64) -> bool {
    let duration = Duration::from_secs(seconds);
    let (dir, seed_s) = seeded().await;
    server::create_admin(dir.path(), ADMIN, ADMIN_PASSWORD);
    let mut server = Server::start(dir.path(), &dir.path().join("serve.log")).await;
    let ready = server.usage();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = server.since(ready);

    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let base: Arc<str> = server.base.as_str().into();
    let (all, stays, instant) = listing_ids(&client, &base).await;
    let (all, stays) = (Arc::new(all), Arc::new(stays));
    let (searches, cities, kinds) = search::urls(&client, &base).await;
    let searches = Arc::new(searches);

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
        let run = load::run(concurrency, duration, move |i| browse(c.clone(), b.clone(), a.clone(), s.clone(), i, mix));
        rows.push((name, metered(&server, run).await));
    }
    let (c, u) = (client.clone(), searches.clone());
    let search_run = load::run(concurrency, duration, move |i| search::search(c.clone(), u.clone(), i));
    let search = metered(&server, search_run).await;

    // The browse mix again while guests log in (Argon2id at the configured cost).
    let mut guests = Vec::new();
    for g in 0..8 {
        let body =
            json!({"email": format!("guest{g}@{}", sojourn::seed::DOMAIN), "password": sojourn::seed::DEMO_PASSWORD});
        let answer: Value =
            client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await.unwrap().json().await.unwrap();
        guests.push(answer["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned());
    }
    let seeded_app = Arc::new(flows::Seeded {
        client: client.clone(),
        base: base.clone(),
        stays: Arc::new(instant),
        guests: Arc::new(guests),
    });
    let (c, b, a, s) = (client.clone(), base.clone(), all.clone(), stays.clone());
    let both = async {
        let browsing = tokio::spawn(load::run(concurrency, duration, move |i| {
            browse(c.clone(), b.clone(), a.clone(), s.clone(), i, u8::MAX)
        }));
        let logins = flows::logins(seeded_app.clone(), 4, duration).await;
        (browsing.await.unwrap(), logins)
    };
    let ((browse_during, logins), during) = metered(&server, both).await;
    // Whole purchases (reserve, open the payment, pay on the sandbox).
    let ((checkout, paid, next), bought) = metered(&server, flows::checkout(seeded_app.clone(), 16, duration, 0)).await;
    // One client alone: a purchase's own latency, without queueing behind 15 others.
    let (alone_on, _, next) = flows::checkout(seeded_app.clone(), 1, duration, next).await;
    let after = server.since(ready);
    let stopped = server.stop();
    // The same, on the same data, by a server that answers writes before their events reach the
    // other contexts (`events.read_your_writes = false`, the behaviour before it existed).
    let env = [("SOJOURN__EVENTS__READ_YOUR_WRITES", "false".to_owned())];
    let mut server = Server::start_with(dir.path(), &dir.path().join("serve-lagging.log"), &[], &env).await;
    // The second server's start-up, runs and stop are not reported: only its purchases are.
    let lagging_app = Arc::new(flows::Seeded { base: server.base.as_str().into(), ..(*seeded_app).clone() });
    let ((lagging, lagging_paid, next), _) =
        metered(&server, flows::checkout(lagging_app.clone(), 16, duration, next)).await;
    let (alone_off, _, _) = flows::checkout(lagging_app, 1, duration, next).await;
    let base: Arc<str> = server.base.as_str().into();
    let ledger = checks::ledger_balances(&client, &base, ADMIN, ADMIN_PASSWORD).await;
    server.stop();
    let (payments, booking) = (open(dir.path(), "payments").await, open(dir.path(), "booking").await);
    let journals = checks::ledger_journals(&payments).await;
    let nights = checks::nights(&booking).await;
    payments.close().await;
    booking.close().await;

    println!(
        "## bench browse ({seconds} s per scenario, {concurrency} connections, {} cores)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "Seeded {} users, {} listings, {} reservations in {seed_s:.1} s (in the bench process). The platform runs \
         as its own process, `sojourn serve` on that data directory; cold start (spawn to the first 200 of \
         `/health/ready`): {:.0} ms.\n",
        SEED.users,
        SEED.listings,
        SEED.reservations,
        server.cold_start.as_secs_f64() * 1000.0
    );
    println!("{HEADER}");
    println!("{}", limit.row("limit: minimal axum JSON endpoint (in the bench process)", None));
    for (name, (summary, _)) in &rows {
        println!("{}", summary.row(name, Some(&limit)));
    }
    let search_name = "GET /listings?city=…&kind=… (search, 20 per page)";
    println!("{}", search.0.row(search_name, Some(&limit)));
    let alone = &rows.last().unwrap().1.0;
    println!("{}", browse_during.row("browse mix while 4 clients log in (ratio to the mix alone)", Some(alone)));
    println!("{}", logins.row("POST /auth/login (Argon2id) during that mix, 4 clients", None));
    println!("{}", checkout.row("purchase: reserve + payment intent + sandbox confirm, 16 clients", None));
    println!(
        "{}",
        lagging.row("purchase as above, `events.read_your_writes = false` (ratio to the row above)", Some(&checkout))
    );
    println!("{}", alone_on.row("purchase, 1 client", None));
    println!("{}", alone_off.row("purchase, 1 client, `events.read_your_writes = false` (ratio)", Some(&alone_on)));
    let search_p99 = search.0.p99_us as f64 / 1000.0;
    println!(
        "\nSearch ({} searches: {cities} cities × {kinds} kinds, up to 3 pages each): p99 {search_p99:.2} ms \
         against the seeds' target of < {SEARCH_TARGET_MS:.0} ms — {}.",
        searches.len(),
        if search_p99 < SEARCH_TARGET_MS { "met" } else { "NOT MET" }
    );
    println!(
        "\nBrowse mix p99 while logins run: {:.2} ms vs {:.2} ms alone. Purchases paid: {paid} of {} \
         ({lagging_paid} of {} without read-your-writes). Purchase p50 with read-your-writes / without: {:.2} / \
         {:.2} ms with 16 clients, {:.2} / {:.2} ms with one (without, the client retries `425` every 5 ms until \
         payments has heard of the reservation).",
        browse_during.p99_us as f64 / 1000.0,
        alone.p99_us as f64 / 1000.0,
        checkout.requests,
        lagging.requests,
        checkout.p50_us as f64 / 1000.0,
        lagging.p50_us as f64 / 1000.0,
        alone_on.p50_us as f64 / 1000.0,
        alone_off.p50_us as f64 / 1000.0,
    );

    println!("\n### The server process alone (`sojourn serve`, CPU from /proc, clock ticks)\n");
    println!("{}", server::CPU_HEADER);
    for (name, (summary, spent)) in &rows {
        println!("{}", spent.row(name, summary.requests));
    }
    println!("{}", search.1.row(search_name, search.0.requests));
    println!("{}", during.row("browse mix + logins together (both counted)", browse_during.requests + logins.requests));
    println!("{}", bought.row("purchases (per purchase: 3 or more requests)", checkout.requests));
    let stop = stopped.map_or_else(
        || "it had already exited".to_owned(),
        |(took, status)| format!("SIGTERM to exit {:.0} ms ({status})", took.as_secs_f64() * 1000.0),
    );
    // CPU times come in clock ticks (10 ms at 100 Hz): an idle second may show none.
    let idle_cpu =
        if idle.cpu_s > 0.0 { format!("{:.0} ms", idle.cpu_s * 1000.0) } else { "less than one clock tick".into() };
    println!(
        "\nServer RSS: {:.0} MiB idle (1 s after ready, {idle_cpu} of CPU in that second), {:.0} MiB after the \
         runs, peak {:.0} MiB; {stop}. The load client's process (seeding included): {:.0} MiB.",
        idle.rss_mib,
        after.rss_mib,
        after.hwm_mib,
        load::rss_mib()
    );
    println!("\nLedger after the purchases: {}.", ledger.line);
    println!("Ledger in payments' database: {}.", journals.line);
    println!("Nights in booking's database: {}.\n", nights.line);
    for check in [&ledger, &journals, &nights] {
        if !check.ok {
            eprintln!("bench browse: check failed: {}", check.line);
        }
    }
    ledger.ok && journals.ok && nights.ok
}

/// `bench hot`: the hot public reads (issue 32) with the in-process cache on and off, in
/// interleaved rounds on one seeded catalogue (off, on, off, on), each round beside the axum
/// limit measured in it: listing detail, the same revalidated with `If-None-Match` (`304`),
/// the photo list and a provider's profile. `BENCH_HOT_HOLD=1` waits for Enter before each
/// round (to attach `perf record -p <server pid>`, printed).
pub async fn hot(seconds: u64) {
    let duration = Duration::from_secs(seconds);
    let (dir, _) = seeded().await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let limit_url: Arc<str> = load::limit_server().await.into();
    let concurrency = 32;
    let hold = std::env::var("BENCH_HOT_HOLD").is_ok_and(|v| v == "1");
    println!("## bench hot ({seconds} s per scenario, {concurrency} connections)\n");
    let mut table = Vec::new();
    for (round, on) in [(1, false), (1, true), (2, false), (2, true)] {
        let env: Vec<(&str, String)> =
            if on { Vec::new() } else { vec![("SOJOURN__SERVER__HOT_CACHE_BYTES", "0".to_owned())] };
        let mut server = Server::start_with(dir.path(), &dir.path().join("serve-hot.log"), &[], &env).await;
        let base: Arc<str> = server.base.as_str().into();
        let (all, _, _) = listing_ids(&client, &base).await;
        // Every detail read once (the cache filled when on), its ETag and provider noted.
        let mut etags = Vec::new();
        let mut providers = Vec::new();
        for id in &all {
            let r = client.get(format!("{base}/api/v1/listings/{id}")).send().await.unwrap();
            etags.push(r.headers()["etag"].to_str().unwrap().to_owned());
            let body: Value = r.json().await.unwrap();
            providers.push(body["data"]["listing"]["providerId"].as_str().unwrap_or_default().to_owned());
        }
        let (all, etags, providers) = (Arc::new(all), Arc::new(etags), Arc::new(providers));
        if hold {
            eprintln!("round {round}, cache {}: server at {base}; press Enter", if on { "on" } else { "off" });
            let mut line = String::new();
            let _ = std::io::stdin().read_line(&mut line);
        }
        let c = client.clone();
        let u = limit_url.clone();
        let limit = load::run(concurrency, duration, move |_| {
            let (c, u) = (c.clone(), u.clone());
            async move { c.get(&*u).send().await.is_ok_and(|r| r.status().is_success()) }
        })
        .await;
        let label = if on { "cache on" } else { "cache off" };
        table.push((format!("round {round}: limit (axum JSON, in the bench process)"), limit.clone(), None));
        for scenario in ["detail", "detail + If-None-Match", "photos", "provider"] {
            let (c, b, a, e, p) = (client.clone(), base.clone(), all.clone(), etags.clone(), providers.clone());
            let run = load::run(concurrency, duration, move |i| {
                let n = (i * 7919) % a.len();
                let request = match scenario {
                    "detail" => c.get(format!("{b}/api/v1/listings/{}", a[n])),
                    "detail + If-None-Match" => {
                        c.get(format!("{b}/api/v1/listings/{}", a[n])).header("if-none-match", e[n].as_str())
                    }
                    "photos" => c.get(format!("{b}/api/v1/listings/{}/photos", a[n])),
                    _ => c.get(format!("{b}/api/v1/providers/{}", p[n])),
                };
                async move {
                    match request.send().await {
                        Ok(r) => (r.status().is_success() || r.status() == 304) && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            });
            let (summary, spent) = metered(&server, run).await;
            table.push((format!("round {round}, {label}: GET {scenario}"), summary, Some((spent, limit.clone()))));
        }
        server.stop();
    }
    println!("{HEADER}");
    for (name, summary, spent) in &table {
        let limit = spent.as_ref().map(|(_, l)| l);
        println!("{}", summary.row(name, limit));
    }
    println!("\n{}", server::CPU_HEADER);
    for (name, summary, spent) in &table {
        if let Some((spent, _)) = spent {
            println!("{}", spent.row(name, summary.requests));
        }
    }
}
