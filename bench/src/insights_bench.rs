//! `bench insights` (issue 30): insights' dashboards on the size — 100,000 listings of
//! 1,000 hosts and a year of reservations (1,500 booked a day) — and the tracking endpoint's
//! ingestion beside the storage limit, in one run. The platform runs as its own process
//! (`sojourn serve --only identity,insights`, release build), so CPU per request is the
//! server's alone; the goal is every dashboard's p99 under 50 ms.
//!
//! Data (see `insights_seed`): `sojourn seed --users 5000 --listings 0` (one user in five a
//! host, who can sign in), then their listings and a year of reservations inserted into
//! insights' facts, and `sojourn insights rebuild`.
//! A data directory can be reused (`--data-dir`, `INSIGHTS_DATA_DIR` in run.sh): it is seeded
//! only when it holds no `insights-bench.seeded` mark. On PostgreSQL every run seeds fresh
//! schemas and drops them at the end.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, Utc};
use serde_json::{Value, json};

use crate::insights_report::{Ingest, Limits, Report, Row};
use crate::insights_seed::{self as seed, Engine};
use crate::load;
use crate::server::Server;

#[derive(Debug, Clone)]
pub struct Options {
    pub listings: usize,
    pub users: usize,
    pub days: u64,
    pub per_day: usize,
    pub seconds: u64,
    pub connections: usize,
    pub data_dir: Option<PathBuf>,
}

const ADMIN: &str = "admin@insights-bench.test";
const PASSWORD: &str = "Bench-password-1";
/// `sojourn seed`'s hosts and their password (bin/sojourn/src/seed).
const SEEDED_HOST: &str = "host{}@seed.sojourn.test";
const SEEDED_PASSWORD: &str = "Demo-password-1";
/// Hosts whose dashboards are asked for, in turn.
const HOSTS: usize = 4;
const MARK: &str = "insights-bench.seeded";

/// What seeding did (or that the data was reused).
#[derive(Debug, Clone, Default)]
pub struct Seeded {
    pub reused: bool,
    pub seed_s: f64,
    pub seed_summary: String,
    pub listings: usize,
    pub reservations: usize,
    pub facts_s: f64,
    pub rebuild_s: f64,
    pub rebuild_summary: String,
    pub first_day: Option<NaiveDate>,
}

fn last_line(out: &std::process::Output) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    text.lines()
        .map(|l| l.rsplit('\r').next().unwrap_or(l))
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_owned()
}

async fn prepare(engine: &Engine, dir: &Path, o: &Options, today: NaiveDate) -> Seeded {
    if dir.join(MARK).is_file() {
        let db = platform::db::connect("insights", &engine.options(dir)).await.expect("insights database");
        let listings = seed::listings(&db).await.len();
        let (reservations,): (i64,) =
            platform::db::query("SELECT COUNT(*) FROM insights_reservations").fetch_one(&db).await.unwrap();
        db.close().await;
        return Seeded { reused: true, listings, reservations: reservations as usize, ..Seeded::default() };
    }
    let started = Instant::now();
    let users = o.users.to_string();
    let out = engine.sojourn(&["seed", "--users", &users, "--listings", "0", "--reservations", "0"], dir, &[]);
    assert!(out.status.success(), "sojourn seed failed: {}", String::from_utf8_lossy(&out.stderr));
    let seed_s = started.elapsed().as_secs_f64();
    let seed_summary = last_line(&out);

    let identity = platform::db::connect("identity", &engine.options(dir)).await.expect("identity database");
    let host_ids = seed::hosts(&identity, o.users / 5).await;
    identity.close().await;
    assert!(!host_ids.is_empty(), "sojourn seed made no host");
    let db = platform::db::connect("insights", &engine.options(dir)).await.expect("insights database");
    let started = Instant::now();
    seed::listing_facts(&db, &host_ids, o.listings, Utc::now()).await;
    let known = seed::listings(&db).await;
    let reservations = seed::reservations(&db, &known, o.days, o.per_day, today).await;
    let facts_s = started.elapsed().as_secs_f64();
    db.close().await;

    // Listings were created over the 400 days before today: rebuild from the first.
    let first = today - Days::new(o.days.max(401));
    let started = Instant::now();
    let out = engine.sojourn(&["insights", "rebuild", "--from", &first.to_string()], dir, &[]);
    assert!(out.status.success(), "sojourn insights rebuild failed: {}", String::from_utf8_lossy(&out.stderr));
    let rebuild_s = started.elapsed().as_secs_f64();
    let out_admin = engine.sojourn(
        &["admin", "create-user", "--role", "admin", "--email", ADMIN],
        dir,
        &[("SOJOURN_ADMIN_PASSWORD", PASSWORD)],
    );
    assert!(out_admin.status.success(), "create-user failed: {}", String::from_utf8_lossy(&out_admin.stderr));
    if engine.postgres.is_none() {
        std::fs::write(dir.join(MARK), format!("{today}\n")).expect("seed mark");
    }
    Seeded {
        reused: false,
        seed_s,
        seed_summary,
        listings: known.len(),
        reservations,
        facts_s,
        rebuild_s,
        rebuild_summary: last_line(&out),
        first_day: Some(first),
    }
}

async fn login(client: &reqwest::Client, base: &str, email: &str, password: &str) -> String {
    let body = json!({"email": email, "password": password});
    let r: Value =
        client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await.unwrap().json().await.unwrap();
    r["data"]["tokens"]["accessToken"].as_str().unwrap_or_else(|| panic!("login of {email} failed: {r}")).to_owned()
}

/// Closed loop over `urls` (each with its token), `connections` at once.
async fn run_gets(
    client: &reqwest::Client,
    urls: Vec<(String, Arc<str>)>,
    connections: usize,
    duration: Duration,
) -> load::Summary {
    let (c, u) = (client.clone(), Arc::new(urls));
    load::run(connections, duration, move |i| {
        let (c, u) = (c.clone(), u.clone());
        async move {
            let (url, token) = &u[(i * 7919) % u.len()];
            let Ok(answer) = c.get(url).bearer_auth(&**token).send().await else { return false };
            answer.status().is_success() && answer.bytes().await.is_ok()
        }
    })
    .await
}

/// Waits until the top lists of the last 365 days ending `today` are served ranked ahead;
/// seconds from the call.
async fn ranked_ahead(client: &reqwest::Client, base: &str, admin: &str, today: NaiveDate) -> Option<f64> {
    let started = Instant::now();
    let from = today - Days::new(364);
    let url = format!("{base}/api/v1/admin/analytics/top?dimension=listing&from={from}&to={today}");
    while started.elapsed() < Duration::from_secs(900) {
        let r: Value = client.get(&url).bearer_auth(admin).send().await.ok()?.json().await.ok()?;
        if !r["data"]["asOf"].is_null() {
            return Some(started.elapsed().as_secs_f64());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    None
}

/// `POST /api/v1/analytics/events` with `batch` page views per request, consent granted, each
/// request a new visitor: (summary of requests, events accepted per second, any refused).
async fn ingest(client: &reqwest::Client, base: &str, batch: usize, connections: usize, duration: Duration) -> Ingest {
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (c, url, a) = (client.clone(), Arc::<str>::from(format!("{base}/api/v1/analytics/events")), accepted.clone());
    let started = Instant::now();
    let summary = load::run(connections, duration, move |_| {
        let (c, url, accepted) = (c.clone(), url.clone(), a.clone());
        async move {
            let at = Utc::now().to_rfc3339();
            let events: Vec<Value> = (0..batch)
                .map(|i| json!({"id": kernel::new_id(), "type": "page_view", "at": at, "path": format!("/listings?page={i}")}))
                .collect();
            let sent = c
                .post(&*url)
                .header("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0")
                .header("X-Visitor-Id", kernel::new_id().to_string())
                .json(&json!({"consent": "granted", "events": events}))
                .send()
                .await;
            let Ok(answer) = sent else { return false };
            if answer.status() != 202 {
                return false;
            }
            let Ok(body) = answer.json::<Value>().await else { return false };
            let n = body["data"]["accepted"].as_u64().unwrap_or(0) as usize;
            accepted.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
            n == batch
        }
    })
    .await;
    let events_per_s = accepted.load(std::sync::atomic::Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
    Ingest { batch, summary, events_per_s, cpu: None }
}

/// URLs, each with the token to send it with.
type Urls = Vec<(String, Arc<str>)>;

/// The scenarios: (group, name, URLs with their tokens).
fn scenarios(base: &str, today: NaiveDate, admin: &Arc<str>, hosts: &[Arc<str>]) -> Vec<(&'static str, String, Urls)> {
    let ago = |n: u64| today - Days::new(n - 1);
    let mut out = Vec::new();
    for (days, interval) in [(30, "day"), (365, "day"), (365, "week"), (365, "month")] {
        let url = format!("{base}/api/v1/analytics/host/dashboard?from={}&to={today}&interval={interval}", ago(days));
        out.push((
            "host",
            format!("host dashboard, {days} days + previous, by {interval}"),
            hosts.iter().map(|t| (url.clone(), t.clone())).collect(),
        ));
    }
    let one = |url: String| vec![(url, admin.clone())];
    for days in [7, 30, 365] {
        out.push((
            "kpis",
            format!("admin KPIs, {days} days + previous"),
            one(format!("{base}/api/v1/admin/analytics/kpis?from={}&to={today}", ago(days))),
        ));
    }
    for (days, metric, interval) in
        [(7, "gmv", "day"), (30, "bookings", "day"), (365, "gmv", "day"), (365, "new_listings", "month")]
    {
        out.push((
            "series",
            format!("admin series `{metric}` by {interval}, {days} days"),
            one(format!(
                "{base}/api/v1/admin/analytics/series?metric={metric}&interval={interval}&from={}&to={today}",
                ago(days)
            )),
        ));
    }
    for dimension in ["listing", "host", "destination"] {
        for days in [7, 30, 365] {
            let urls = ["gmv", "bookings"]
                .iter()
                .map(|by| {
                    (
                        format!(
                            "{base}/api/v1/admin/analytics/top?dimension={dimension}&by={by}&from={}&to={today}",
                            ago(days)
                        ),
                        admin.clone(),
                    )
                })
                .collect();
            out.push(("top", format!("admin top {dimension}s, {days} days ending today (ranked ahead)"), urls));
        }
    }
    // The same lengths ending yesterday: ranked at request time (exact).
    let yesterday = today - Days::new(1);
    for (dimension, days) in
        [("listing", 7), ("listing", 30), ("listing", 365), ("host", 30), ("host", 365), ("destination", 365)]
    {
        let from = yesterday - Days::new(days - 1);
        let urls = ["gmv", "bookings"]
            .iter()
            .map(|by| {
                (
                    format!(
                        "{base}/api/v1/admin/analytics/top?dimension={dimension}&by={by}&from={from}&to={yesterday}"
                    ),
                    admin.clone(),
                )
            })
            .collect();
        out.push(("exact", format!("admin top {dimension}s, {days} days ending yesterday (ranked per request)"), urls));
    }
    out
}

/// One engine's run; false when a check failed.
pub async fn run_on(engine: &Engine, o: &Options) -> bool {
    let duration = Duration::from_secs(o.seconds);
    let today = Utc::now().date_naive();
    let temp = tempfile::tempdir().expect("temporary directory");
    let dir = match (&o.data_dir, &engine.postgres) {
        (Some(d), None) => {
            std::fs::create_dir_all(d).expect("data directory");
            d.clone()
        }
        _ => temp.path().to_path_buf(),
    };
    let seeded = prepare(engine, &dir, o, today).await;

    // The storage limit, server stopped: the tracking store's INSERT into insights' database.
    let db = platform::db::connect("insights", &engine.options(&dir)).await.expect("insights database");
    let single = seed::insert_limit(&db, 1, o.connections, duration).await;
    let hundred = seed::insert_limit(&db, 100, o.connections, duration).await;
    seed::forget_limit_rows(&db).await;
    db.close().await;
    let limits = Limits { single, hundred };

    let log = dir.join("insights-bench-serve.log");
    let mut server =
        Server::start_patient(&dir, &log, &["--only", "identity,insights"], &engine.env(), Duration::from_secs(300))
            .await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let base = server.base.clone();
    let admin: Arc<str> = login(&client, &base, ADMIN, PASSWORD).await.into();
    let mut hosts = Vec::new();
    for i in 0..HOSTS {
        hosts.push(Arc::<str>::from(
            login(&client, &base, &SEEDED_HOST.replace("{}", &i.to_string()), SEEDED_PASSWORD).await,
        ));
    }
    let ranked_s = ranked_ahead(&client, &base, &admin, today).await;
    let limit_url = load::limit_server().await;
    let limit = run_gets(&client, vec![(limit_url, admin.clone())], o.connections, duration).await;

    let mut rows = Vec::new();
    let mut ok = ranked_s.is_some();
    for (group, name, urls) in scenarios(&base, today, &admin, &hosts) {
        // Warm-up: each URL once.
        for (url, token) in &urls {
            let status = client.get(url).bearer_auth(&**token).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
            if status != 200 {
                eprintln!("{name}: {url} answered {status}");
                ok = false;
            }
        }
        let before = server.usage();
        let summary = run_gets(&client, urls, o.connections, duration).await;
        let cpu = server.since(before);
        ok &= summary.errors == 0;
        rows.push(Row { group, name, summary, cpu });
    }
    let mut ingests = Vec::new();
    for batch in [1, 100] {
        let before = server.usage();
        let mut i = ingest(&client, &base, batch, o.connections, duration).await;
        i.cpu = Some(server.since(before));
        ok &= i.summary.errors == 0;
        ingests.push(i);
    }
    let after = server.usage();
    server.stop();
    let report = Report {
        engine: engine.name.clone(),
        options: o.clone(),
        dir: if o.data_dir.is_some() && engine.postgres.is_none() { Some(dir.display().to_string()) } else { None },
        seeded,
        cold_start_ms: server.cold_start.as_secs_f64() * 1000.0,
        ranked_s,
        limit,
        limits,
        rows,
        ingests,
        peak_rss_mib: after.hwm_kib as f64 / 1024.0,
    };
    report.print();
    ok
}

/// SQLite, then PostgreSQL when `SOJOURN_BENCH_POSTGRES_URL` is set; false when a check failed.
pub async fn run(o: Options) -> bool {
    let sqlite = Engine { postgres: None, prefix: String::new(), name: "SQLite".into() };
    let mut ok = run_on(&sqlite, &o).await;
    if let Some(url) = std::env::var("SOJOURN_BENCH_POSTGRES_URL").ok().filter(|u| !u.trim().is_empty()) {
        let unique = kernel::new_id().simple().to_string();
        let place = url
            .rsplit_once('@')
            .map_or(url.as_str(), |(_, tail)| tail)
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        let postgres = Engine {
            postgres: Some(url),
            prefix: format!("bench{}_", &unique[unique.len() - 12..]),
            name: format!("PostgreSQL at {place}"),
        };
        ok &= run_on(&postgres, &o).await;
        drop_schemas(&postgres).await;
    } else {
        println!("(PostgreSQL not measured: SOJOURN_BENCH_POSTGRES_URL is not set.)\n");
    }
    ok
}

/// Drops every schema this run made on PostgreSQL.
async fn drop_schemas(engine: &Engine) {
    let dir = tempfile::tempdir().unwrap();
    let db = platform::db::connect("cleanup", &engine.options(dir.path())).await.unwrap();
    let schemas: Vec<(String,)> = platform::db::query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench%'")
        .fetch_all(&db)
        .await
        .unwrap();
    for (schema,) in schemas.iter().filter(|(s,)| s.starts_with(&engine.prefix)) {
        platform::db::query_dynamic(format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE")).execute(&db).await.unwrap();
    }
    db.close().await;
}
