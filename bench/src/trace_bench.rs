//! `bench trace` (issue 32): what tracing costs. The same load — `GET /api/v1/listings/{id}` and
//! `GET /api/v1/auth/profile` (a bearer token checked), half each — against the platform with
//! tracing off, then on (`trace.sample_ratio` 1.0: every request a server span, exported to a
//! local OTLP sink in this process), in interleaved rounds (off, on, off, on…) on the same
//! seeded data, so drift on a shared machine hits both modes alike. Prints req/s, p50/p99,
//! server CPU per request for each round, the ratio on÷off of their means, and how many spans
//! the sink received (every traced request should have sent one).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use platform::config::Overrides;
use serde_json::{Value, json};

use crate::load::{self, Summary};
use crate::server::{Server, Spent};

const SEED: sojourn::seed::Options = sojourn::seed::Options { users: 50, listings: 500, reservations: 0, seed: 7 };

/// An OTLP/HTTP receiver that counts the spans it is sent and drops them.
async fn sink() -> (String, Arc<AtomicUsize>) {
    async fn receive(State(count): State<Arc<AtomicUsize>>, body: axum::body::Bytes) -> &'static str {
        let spans = body.windows(9).filter(|w| w == b"\"spanId\":").count();
        count.fetch_add(spans, Ordering::Relaxed);
        "{}"
    }
    let count = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route("/v1/traces", post(receive)).with_state(count.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, count)
}

struct Round {
    traced: bool,
    load: Summary,
    spent: Spent,
    spans: usize,
}

fn mean(rounds: &[&Round], f: impl Fn(&Round) -> f64) -> f64 {
    rounds.iter().map(|r| f(r)).sum::<f64>() / rounds.len().max(1) as f64
}

pub async fn run(seconds: u64, rounds: usize) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("bench.toml");
    std::fs::write(&quiet, "[log]\nlevel = \"warn\"\n").unwrap();
    let overrides = Overrides { config_file: Some(quiet), port: None, data_dir: Some(dir.path().to_path_buf()) };
    sojourn::seed::run(&overrides, SEED).await.unwrap();
    let (sink_url, received) = sink().await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let concurrency = 16;
    let mut results = Vec::new();
    let mut ok = true;
    for round in 0..rounds * 2 {
        let traced = round % 2 == 1;
        let env: Vec<(&str, String)> = if traced {
            vec![("SOJOURN__TRACE__OTLP_ENDPOINT", sink_url.clone()), ("SOJOURN__TRACE__SAMPLE_RATIO", "1.0".into())]
        } else {
            Vec::new()
        };
        let log = dir.path().join(format!("serve-{round}.log"));
        let mut server = Server::start_with(dir.path(), &log, &[], &env).await;
        let base: Arc<str> = server.base.as_str().into();
        let (ids, _, _) = crate::browse::listing_ids(&client, &base).await;
        let login =
            json!({"email": format!("guest0@{}", sojourn::seed::DOMAIN), "password": sojourn::seed::DEMO_PASSWORD});
        let answer: Value =
            client.post(format!("{base}/api/v1/auth/login")).json(&login).send().await.unwrap().json().await.unwrap();
        let token: Arc<str> = answer["data"]["tokens"]["accessToken"].as_str().unwrap().into();
        let ids = Arc::new(ids);
        // Warm-up (connections, caches), not measured.
        let warm = |c: reqwest::Client, base: Arc<str>, ids: Arc<Vec<String>>, token: Arc<str>| {
            move |i: usize| {
                let (c, base, ids, token) = (c.clone(), base.clone(), ids.clone(), token.clone());
                async move {
                    let request = if i.is_multiple_of(2) {
                        c.get(format!("{base}/api/v1/listings/{}", ids[(i * 7919) % ids.len()]))
                    } else {
                        c.get(format!("{base}/api/v1/auth/profile")).bearer_auth(&*token)
                    };
                    request.send().await.is_ok_and(|r| r.status().is_success())
                }
            }
        };
        load::run(concurrency, Duration::from_secs(1), warm(client.clone(), base.clone(), ids.clone(), token.clone()))
            .await;
        let before_spans = received.load(Ordering::Relaxed);
        let before = server.usage();
        let summary =
            load::run(concurrency, Duration::from_secs(seconds), warm(client.clone(), base, ids, token)).await;
        let spent = server.since(before);
        // A clean stop flushes the exporter: every span of the round has arrived after it.
        server.stop();
        let spans = received.load(Ordering::Relaxed) - before_spans;
        ok &= summary.errors == 0;
        results.push(Round { traced, load: summary, spent, spans });
    }

    println!("## Tracing overhead (issue 32)\n");
    println!(
        "{} rounds of {seconds} s per mode, interleaved, {concurrency} closed-loop clients; half \
         `GET /api/v1/listings/{{id}}`, half `GET /api/v1/auth/profile`. On: `trace.sample_ratio = 1.0`, \
         spans exported over OTLP/HTTP JSON to a sink in the bench process.\n",
        rounds
    );
    println!("| round | tracing | req/s | p50 ms | p99 ms | server CPU µs/request | spans received | errors |");
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    for (i, r) in results.iter().enumerate() {
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} | {:.0} | {} | {} |",
            i + 1,
            if r.traced { "on" } else { "off" },
            r.load.per_sec,
            r.load.p50_us as f64 / 1000.0,
            r.load.p99_us as f64 / 1000.0,
            r.spent.us_per(r.load.requests),
            if r.traced { r.spans.to_string() } else { "—".into() },
            r.load.errors
        );
    }
    let off: Vec<&Round> = results.iter().filter(|r| !r.traced).collect();
    let on: Vec<&Round> = results.iter().filter(|r| r.traced).collect();
    let rate = |r: &Round| r.load.per_sec;
    let p50 = |r: &Round| r.load.p50_us as f64;
    let p99 = |r: &Round| r.load.p99_us as f64;
    let cpu = |r: &Round| r.spent.us_per(r.load.requests);
    println!(
        "\nMeans, on ÷ off: req/s {:.3}, p50 {:.3}, p99 {:.3}, server CPU per request {:.3}.",
        mean(&on, rate) / mean(&off, rate),
        mean(&on, p50) / mean(&off, p50),
        mean(&on, p99) / mean(&off, p99),
        mean(&on, cpu) / mean(&off, cpu),
    );
    let traced_requests: usize = on.iter().map(|r| r.load.requests).sum();
    let spans: usize = on.iter().map(|r| r.spans).sum();
    println!("Spans received while traced: {spans} for {traced_requests} measured requests (warm-up excluded).");
    if !ok {
        eprintln!("bench trace: some requests failed");
    }
    ok
}
