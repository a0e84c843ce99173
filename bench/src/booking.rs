//! Booking costs: quotes, reservations across many listings and under contention on one,
//! each beside this machine's storage limits measured in the same run (a single-row insert
//! transaction and a point read through the same database layer, no HTTP), then a check in
//! the database that no night was sold twice.
//!
//! It always runs on SQLite; with `SOJOURN_BENCH_POSTGRES_URL` set (`bench/run.sh` sets it when
//! a local server answers), it runs again on PostgreSQL in the same bench run, so both engines'
//! numbers come from one run. Each PostgreSQL run works in schemas of its own (a fresh
//! `bench<random>_` prefix) and drops them at the end. `BENCH_CONCURRENCY` (default 16) sets the
//! connections.
//!
//! On SQLite, commits are durable by default (`synchronous=FULL`). After the SQLite run, the raw
//! insert limit and the reservations across 200 listings run again with `synchronous=NORMAL`
//! (the server started with `SOJOURN__DATABASE__SQLITE_SYNCHRONOUS=normal`), and both rows are
//! printed with the ratio FULL ÷ NORMAL: what durability costs, measured in one run.
//!
//! The limits run in this process; the scenarios run against `sojourn serve --only
//! identity,catalog,booking` as its own process (the contexts they use), so its CPU per request
//! and memory are the server's alone. The double-sale check opens booking's database once the
//! server has stopped.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use platform::db::{Db, DbOptions, SqliteSync, query, query_dynamic};
use serde_json::{Value, json};

use crate::load::{self, HEADER, Summary};
use crate::server::Server;

/// Where one run keeps its data: a fresh SQLite directory, or fresh schemas on PostgreSQL.
struct Engine {
    /// `None`: SQLite.
    postgres: Option<String>,
    /// PostgreSQL schemas of this run start with it (`bench<12 hex>_`).
    prefix: String,
    /// For titles: `SQLite` or `PostgreSQL <version> at host:port/db`.
    name: String,
    /// SQLite's `synchronous` for the limits and the server (ignored on PostgreSQL).
    synchronous: SqliteSync,
}

impl Engine {
    fn options(&self, dir: &std::path::Path) -> DbOptions {
        DbOptions {
            url: self.postgres.clone(),
            data_dir: dir.to_path_buf(),
            schema_prefix: self.prefix.clone(),
            max_connections: 16,
            sqlite_readers: 4,
            busy_timeout: Duration::from_secs(5),
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::ZERO,
            sqlite_synchronous: self.synchronous,
        }
    }

    async fn postgres(url: String) -> Engine {
        let unique = kernel::new_id().simple().to_string();
        let mut engine = Engine {
            postgres: Some(url),
            prefix: format!("bench{}_", &unique[unique.len() - 12..]),
            name: String::new(),
            synchronous: SqliteSync::default(),
        };
        let dir = tempfile::tempdir().unwrap();
        let db = platform::db::connect("probe", &engine.options(dir.path())).await.unwrap();
        let (version,): (String,) = query("SELECT current_setting('server_version')").fetch_one(&db).await.unwrap();
        db.close().await;
        let url = engine.postgres.as_deref().unwrap_or_default();
        // Never print credentials: only host, port and database.
        let place = url.rsplit_once('@').map_or(url, |(_, tail)| tail).split('?').next().unwrap_or_default();
        // `15.2 (Debian 15.2-1)` → `15.2`.
        let version = version.split_whitespace().next().unwrap_or_default();
        engine.name = format!("PostgreSQL {version} at {place}");
        engine
    }

    /// Drops every schema this run made.
    async fn clean_up(&self) {
        if self.postgres.is_none() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let db = platform::db::connect("cleanup", &self.options(dir.path())).await.unwrap();
        let schemas: Vec<(String,)> =
            query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench%'").fetch_all(&db).await.unwrap();
        // `_` is a LIKE wildcard: the exact prefix test is here. Schema names were checked by
        // the data layer when created (lower-case letters, digits and `_`).
        for (schema,) in schemas.iter().filter(|(s,)| s.starts_with(&self.prefix)) {
            query_dynamic(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).execute(&db).await.unwrap();
        }
        db.close().await;
    }
}

/// Storage limits: `concurrency` tasks inserting one row per transaction, then reading rows
/// back by key, through `platform::db` on a fresh SQLite file or PostgreSQL schema.
async fn storage_limits(engine: &Engine, concurrency: usize, duration: Duration) -> (Summary, Summary) {
    let dir = tempfile::tempdir().unwrap();
    let db = platform::db::connect("limits", &engine.options(dir.path())).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    query("CREATE TABLE rows (id TEXT PRIMARY KEY, n BIGINT NOT NULL, body TEXT NOT NULL)")
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ids: Arc<Vec<String>> = Arc::new((0..2_000_000).map(|i| format!("row-{i}")).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let (d, i, n) = (db.clone(), ids.clone(), next.clone());
    let insert = load::run(concurrency, duration, move |_| {
        let (db, ids, next) = (d.clone(), i.clone(), n.clone());
        async move {
            let k = next.fetch_add(1, Ordering::Relaxed) % ids.len();
            let Ok(mut tx) = db.begin().await else { return false };
            let ok = query("INSERT INTO rows (id, n, body) VALUES ($1, $2, $3)")
                .bind(ids[k].clone())
                .bind(k as i64)
                .bind("{\"status\":\"pending_payment\"}")
                .execute(&mut tx)
                .await
                .is_ok();
            ok && tx.commit().await.is_ok()
        }
    })
    .await;
    let written = next.load(Ordering::Relaxed).max(1);
    let (d, i) = (db.clone(), ids.clone());
    let read = load::run(concurrency, duration, move |w| {
        let (db, ids) = (d.clone(), i.clone());
        async move {
            let row: Result<Option<(i64,)>, _> =
                query("SELECT n FROM rows WHERE id = $1").bind(ids[w % written].clone()).fetch_optional(&db).await;
            matches!(row, Ok(Some(_)))
        }
    })
    .await;
    db.close().await;
    (insert, read)
}

/// The same single-row insert transaction behind a minimal axum endpoint (no middleware,
/// no auth), on the same engine: what one write request can cost on this machine, HTTP
/// included.
async fn http_insert_limit(engine: &Engine, concurrency: usize, duration: Duration) -> Summary {
    let dir = tempfile::tempdir().unwrap();
    let db = platform::db::connect("http_limit", &engine.options(dir.path())).await.unwrap();
    let mut tx = db.begin().await.unwrap();
    query("CREATE TABLE rows (id TEXT PRIMARY KEY, body TEXT NOT NULL)").execute(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    let db_handle = db.clone();
    let handler = move |axum::Json(body): axum::Json<Value>| {
        let db = db.clone();
        async move {
            let mut tx = db.begin().await.map_err(|_| axum::http::StatusCode::SERVICE_UNAVAILABLE)?;
            query("INSERT INTO rows (id, body) VALUES ($1, $2)")
                .bind(kernel::new_id().to_string())
                .bind(body.to_string())
                .execute(&mut tx)
                .await
                .map_err(|_| axum::http::StatusCode::CONFLICT)?;
            tx.commit().await.map_err(|_| axum::http::StatusCode::SERVICE_UNAVAILABLE)?;
            Ok::<_, axum::http::StatusCode>((axum::http::StatusCode::CREATED, axum::Json(json!({"success": true}))))
        }
    };
    let router = axum::Router::new().route("/insert", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url: Arc<str> = format!("http://{}/insert", listener.local_addr().unwrap()).into();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let client = reqwest::Client::new();
    let summary = load::run(concurrency, duration, move |i| {
        let (c, u) = (client.clone(), url.clone());
        async move {
            let body = json!({"listingId": "x", "checkIn": "2027-01-01", "checkOut": "2027-01-02", "n": i});
            c.post(&*u).json(&body).send().await.is_ok_and(|r| r.status() == 201)
        }
    })
    .await;
    server.abort();
    db_handle.close().await;
    drop(dir);
    summary
}

struct Setup {
    /// `sojourn serve --only identity,catalog,booking` on this run's engine.
    server: Server,
    /// Its data directory (SQLite files; secrets and logs on PostgreSQL too).
    dir: tempfile::TempDir,
    client: reqwest::Client,
    base: Arc<str>,
    guest: Arc<str>,
    listings: Vec<String>,
}

impl Setup {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

async fn call(client: &reqwest::Client, url: String, token: &str, body: &Value) -> Value {
    let r = client.post(url).bearer_auth(token).json(body).send().await.unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert!(status.is_success(), "setup call failed: {status} {body}");
    body
}

/// Starts the platform as its own process (the contexts the scenarios use, as in a split
/// deployment's booking node) and makes `n` published stays through its API.
async fn setup(n: usize, engine: &Engine) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let mut env = Vec::new();
    if let Some(url) = &engine.postgres {
        env.push(("SOJOURN__DATABASE__URL", url.clone()));
        env.push(("SOJOURN__DATABASE__SCHEMA_PREFIX", engine.prefix.clone()));
        env.push(("SOJOURN__DATABASE__MAX_CONNECTIONS", "16".to_owned()));
    } else if engine.synchronous == SqliteSync::Normal {
        env.push(("SOJOURN__DATABASE__SQLITE_SYNCHRONOUS", "normal".to_owned()));
    }
    let only = ["--only", "identity,catalog,booking"];
    let server = Server::start_with(dir.path(), &dir.path().join("serve.log"), &only, &env).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let base: Arc<str> = server.base.as_str().into();
    let url = |path: &str| format!("{base}{path}");
    let register = async |email: &str| {
        let body = json!({"email": email, "password": "Password1!"});
        let r: Value =
            client.post(url("/api/v1/auth/register")).json(&body).send().await.unwrap().json().await.unwrap();
        r["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned()
    };
    let host = register("host@bench.test").await;
    let provider = json!({"displayName": "Bench", "timezone": "Europe/Paris"});
    call(&client, url("/api/v1/providers"), &host, &provider).await;
    let stay = |i: usize| {
        json!({"kind": "stay", "title": format!("Flat {i}"), "description": "A flat used by the booking benchmark.",
            "address": {"line1": "1 Rue", "city": "Paris", "country": "FR"}, "location": {"lat": 48.8, "lng": 2.3},
            "instantBook": true, "stay": {"propertyType": "apartment", "maxGuests": 4, "bedrooms": 1, "beds": 1,
            "bathrooms": 1, "nightlyPrice": 10000, "cleaningFee": 2500, "checkInTime": "15:00", "checkOutTime": "11:00"}})
    };
    let mut listings = Vec::new();
    for first in (0..n).step_by(100) {
        let batch = json!({"listings": (first..n.min(first + 100)).map(stay).collect::<Vec<_>>(), "publish": true});
        let made = call(&client, url("/api/v1/listings/batch"), &host, &batch).await;
        listings
            .extend(made["data"]["listings"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_owned()));
    }
    let guest: Arc<str> = register("guest@bench.test").await.into();
    // Booking learns of listings from the catalog's events: wait until it knows the last one.
    let probe = json!({"listingId": listings[n - 1], "checkIn": "2027-06-01", "checkOut": "2027-06-02"});
    let waited = std::time::Instant::now();
    while !client.post(url("/api/v1/reservations/quote")).json(&probe).send().await.is_ok_and(|r| r.status() == 200) {
        assert!(waited.elapsed() < Duration::from_secs(60), "booking never learned of the listings");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Setup { server, dir, client, base, guest, listings }
}

/// Booking's group commit counters from the server's `/metrics`: (commits, sales they carried);
/// `None` on PostgreSQL, where sales are not grouped.
async fn group_commits(s: &Setup) -> Option<(u64, u64)> {
    let text = s.client.get(s.url("/metrics")).send().await.ok()?.text().await.ok()?;
    let value = |name: &str| {
        let prefix = format!("{name}{{db=\"booking\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&prefix)?.trim().parse::<u64>().ok())
    };
    Some((value("sojourn_db_group_commits_total")?, value("sojourn_db_group_members_total")?))
}

fn day(offset: usize) -> String {
    let start = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    (start + chrono::Duration::days(offset as i64)).to_string()
}

/// Closed-loop reservations: the `i`-th request sent books 1 night chosen by `pick(i)`; `ok` counts both
/// 201 and 409 `dates_unavailable` as correct answers; returns the summary and the 201s.
async fn reservations(
    s: &Setup,
    concurrency: usize,
    duration: Duration,
    pick: impl Fn(usize) -> (usize, usize) + Send + Sync + 'static,
) -> (Summary, usize) {
    let created = Arc::new(AtomicUsize::new(0));
    let (client, url, token, listings) = (
        s.client.clone(),
        Arc::<str>::from(s.url("/api/v1/reservations")),
        s.guest.clone(),
        Arc::new(s.listings.clone()),
    );
    let counter = created.clone();
    let seq = AtomicUsize::new(0);
    let summary = load::run(concurrency, duration, move |_| {
        let (listing, night) = pick(seq.fetch_add(1, Ordering::Relaxed));
        let body =
            json!({"listingId": listings[listing % listings.len()], "checkIn": day(night), "checkOut": day(night + 1)});
        let (c, u, t, created) = (client.clone(), url.clone(), token.clone(), counter.clone());
        async move {
            match c.post(&*u).bearer_auth(&*t).json(&body).send().await {
                Ok(r) if r.status() == 201 => {
                    created.fetch_add(1, Ordering::Relaxed);
                    r.bytes().await.is_ok()
                }
                Ok(r) => r.status() == 409 && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    })
    .await;
    (summary, created.load(Ordering::Relaxed))
}

/// Sold nights must equal the nights of live reservations, and none may be sold twice.
async fn check_no_double_sale(db: &Db) -> (bool, String) {
    let (rows, distinct): (i64, i64) =
        query("SELECT CAST(COUNT(*) AS BIGINT), CAST(COUNT(DISTINCT listing_id || ':' || CAST(night AS TEXT)) AS BIGINT) FROM reserved_nights")
            .fetch_one(db)
            .await
            .unwrap();
    let (live,): (i64,) = query(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM reservations WHERE status IN ('pending_payment', 'awaiting_host', 'confirmed')",
    )
    .fetch_one(db)
    .await
    .unwrap();
    let ok = rows == distinct && rows == live;
    let verdict = if ok { "OK" } else { "FAILED" };
    (ok, format!("{verdict}: {rows} nights sold, {distinct} distinct, {live} live one-night reservations"))
}

/// SQLite, then PostgreSQL when `SOJOURN_BENCH_POSTGRES_URL` is set; false when a check failed.
pub async fn run(seconds: u64) -> bool {
    let sqlite = Engine { postgres: None, prefix: String::new(), name: "SQLite".into(), synchronous: SqliteSync::Full };
    let (mut ok, full) = run_on(&sqlite, seconds).await;
    ok &= durability(full, seconds).await;
    if let Some(url) = std::env::var("SOJOURN_BENCH_POSTGRES_URL").ok().filter(|u| !u.trim().is_empty()) {
        let postgres = Engine::postgres(url).await;
        ok &= run_on(&postgres, seconds).await.0;
        postgres.clean_up().await;
    } else {
        println!("(PostgreSQL not measured: SOJOURN_BENCH_POSTGRES_URL is not set.)\n");
    }
    ok
}

/// What a run measured that the durability comparison reuses: the raw insert limit and the
/// reservations across 200 listings.
struct Writes {
    insert: Summary,
    spread: Summary,
}

/// The SQLite raw insert and reservations across 200 listings again with `synchronous=NORMAL`,
/// beside the run's FULL numbers (`full`); false when the double-sale check failed.
async fn durability(full: Writes, seconds: u64) -> bool {
    let duration = Duration::from_secs(seconds);
    let concurrency = std::env::var("BENCH_CONCURRENCY").ok().and_then(|c| c.parse().ok()).unwrap_or(16);
    let normal = Engine {
        postgres: None,
        prefix: String::new(),
        name: "SQLite, synchronous=NORMAL".into(),
        synchronous: SqliteSync::Normal,
    };
    let (insert, _) = storage_limits(&normal, concurrency, duration).await;
    let mut s = setup(201, &normal).await;
    let (spread, _) = reservations(&s, concurrency, duration, |i| (i % 200, 10 + (i / 200) % 700)).await;
    let groups = group_commits(&s).await;
    s.server.stop();
    let db = platform::db::connect("booking", &normal.options(s.dir.path())).await.unwrap();
    let (ok, check) = check_no_double_sale(&db).await;
    db.close().await;

    println!("### Durable commits on SQLite: synchronous=FULL (the default) and NORMAL, same run\n");
    println!("{HEADER}");
    println!("{}", full.insert.row("limit: single-row INSERT transaction, FULL", None));
    println!("{}", insert.row("limit: single-row INSERT transaction, NORMAL", None));
    println!(
        "{}",
        full.spread.row("POST /reservations, 200 listings, FULL (ratio to FULL insert)", Some(&full.insert))
    );
    println!("{}", spread.row("POST /reservations, 200 listings, NORMAL (ratio to NORMAL insert)", Some(&insert)));
    println!(
        "\nFULL ÷ NORMAL: reservations across listings {:.2}, raw insert {:.2}.",
        full.spread.per_sec / spread.per_sec,
        full.insert.per_sec / insert.per_sec
    );
    if let Some((commits, members)) = groups {
        println!(
            "Group commit with NORMAL: {commits} commits carried {members} sales, {:.1} per commit.",
            members as f64 / commits.max(1) as f64
        );
    }
    println!("Double-sale check (NORMAL run): {check}\n");
    if !ok {
        eprintln!("bench booking with synchronous=NORMAL: double-sale check failed: {check}");
    }
    ok
}

async fn run_on(engine: &Engine, seconds: u64) -> (bool, Writes) {
    let duration = Duration::from_secs(seconds);
    println!(
        "## bench booking on {} ({seconds} s per scenario, {} cores)\n",
        engine.name,
        std::thread::available_parallelism().map_or(1, |n| n.get()),
    );
    let concurrency = std::env::var("BENCH_CONCURRENCY").ok().and_then(|c| c.parse().ok()).unwrap_or(16);
    let (insert, read) = storage_limits(engine, concurrency, duration).await;
    let http_insert = http_insert_limit(engine, concurrency, duration).await;

    let mut s = setup(201, engine).await;
    let quote_body =
        json!({"listingId": s.listings[0], "checkIn": "2027-06-01", "checkOut": "2027-06-08", "guests": 2});
    let (c, u) = (s.client.clone(), Arc::<str>::from(s.url("/api/v1/reservations/quote")));
    let before = s.server.usage();
    let quote = load::run(concurrency, duration, move |_| {
        let (c, u, b) = (c.clone(), u.clone(), quote_body.clone());
        async move { c.post(&*u).json(&b).send().await.is_ok_and(|r| r.status() == 200) }
    })
    .await;
    let quote_cpu = s.server.since(before);
    // Spread: 200 listings, each request a night no other request asks for.
    let before = s.server.usage();
    let (spread, spread_made) = reservations(&s, concurrency, duration, |i| (i % 200, 10 + (i / 200) % 700)).await;
    let spread_cpu = s.server.since(before);
    // Contention: every request on one more listing, over 60 nights (sold out within the run).
    let listing_one = 200;
    let before = s.server.usage();
    let (contention, contended_made) =
        reservations(&s, concurrency, duration, move |i| (listing_one, 10 + (i * 7919) % 60)).await;
    let after = s.server.since(before);
    let cold_start = s.server.cold_start;
    let groups = group_commits(&s).await;
    s.server.stop();
    let db = platform::db::connect("booking", &engine.options(s.dir.path())).await.unwrap();
    let (ok, check) = check_no_double_sale(&db).await;
    db.close().await;

    println!("### Storage limits on {} (platform::db, {concurrency} tasks, no HTTP)\n", engine.name);
    println!("{HEADER}");
    println!("{}", insert.row("limit: single-row INSERT transaction", None));
    println!("{}", read.row("limit: point SELECT by primary key", None));
    println!("{}", http_insert.row("limit: the same INSERT transaction behind a bare axum POST", Some(&insert)));
    println!(
        "\n### Booking over HTTP on {} ({concurrency} connections, closed loop, the platform in its own process)\n",
        engine.name
    );
    println!("{HEADER}");
    println!("{}", quote.row("POST /reservations/quote, 7 nights (ratio to point read)", Some(&read)));
    println!("{}", spread.row("POST /reservations, 200 listings, distinct nights (ratio to insert)", Some(&insert)));
    println!(
        "{}",
        contention.row("POST /reservations, 1 listing, 60 nights (201 or 409; ratio to insert)", Some(&insert))
    );
    println!(
        "\nReservations across listings: {:.2} of the bare HTTP insert, {:.2} of the raw insert.",
        spread.per_sec / http_insert.per_sec,
        spread.per_sec / insert.per_sec
    );
    println!(
        "\nServer (`sojourn serve --only identity,catalog,booking`): cold start {:.0} ms; CPU per request: \
         quote {:.0} µs, reservation across listings {:.0} µs, contended {:.0} µs; RSS after the scenarios \
         {:.0} MiB (peak {:.0} MiB).",
        cold_start.as_secs_f64() * 1000.0,
        quote_cpu.us_per(quote.requests),
        spread_cpu.us_per(spread.requests),
        after.us_per(contention.requests),
        after.rss_mib,
        after.hwm_mib,
    );
    if let Some((commits, members)) = groups {
        println!(
            "Group commit on booking's database (`/metrics`): {commits} commits carried {members} sales, {:.1} per \
             commit on average.",
            members as f64 / commits.max(1) as f64
        );
    }
    println!(
        "\nCreated: {spread_made} across listings, {contended_made} on the contended listing (60 nights available).\n\
         Double-sale check: {check}\n"
    );
    if !ok {
        eprintln!("bench booking on {}: double-sale check failed: {check}", engine.name);
    }
    (ok, Writes { insert, spread })
}
