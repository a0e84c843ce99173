//! `bench search` (issue 24): listing search on a large seeded catalogue (100,000 listings by
//! default), in one run and beside each other — the search mix, today's SQL list search, the
//! axum JSON limit, suggest, indexing throughput and publish-to-searchable lag, and the mix
//! again while listing updates stream in. The platform runs as its own process (`sojourn
//! serve` on SQLite), so CPU per search and RSS are the server's alone.
//!
//! Seeding 100,000 listings is the slow part, so a data directory can be reused
//! (`--data-dir`, `SEARCH_DATA_DIR` in run.sh): it is seeded (`sojourn seed`) only when empty.
//! What the benchmark publishes itself is deleted at the end, so reuse keeps the catalogue; the
//! updates change amenities of existing listings (which the filter queries ask for).
//!
//! Parts that need what other work adds are skipped with a "not available" line rather than
//! failing: suggest (404 until it exists), `checkIn`/`checkOut` (ignored until availability is
//! indexed: detected by whether a malformed date is refused), `sojourn search reindex`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::load::{self, Summary};
use crate::search_mix::{self, CLASSES, Catalogue, Rng};
use crate::search_report::{ClassRow, Indexing, Report, Setup};
use crate::search_writes;
use crate::server::{self, Server};

#[derive(Debug, Clone)]
pub struct Options {
    pub listings: usize,
    pub seconds: u64,
    pub connections: usize,
    pub update_rate: u64,
    pub data_dir: Option<PathBuf>,
    pub probes: usize,
    pub burst: usize,
    /// Searches per second of the open-loop run (0: half of what the closed loop reached).
    pub rate: f64,
}

/// Hosts signed in for the writes (each brings up to 100 of its published listings).
const HOSTS: usize = 8;

/// Seeds `dir` with `sojourn seed --listings N` when it is empty; how the data came to be.
fn prepare(dir: &Path, listings: usize) -> Setup {
    let empty = std::fs::read_dir(dir).map(|mut d| d.next().is_none()).unwrap_or(true);
    if !empty {
        return Setup { reused: true, seed_s: None, seed_log: String::new() };
    }
    std::fs::create_dir_all(dir).expect("data directory");
    let started = Instant::now();
    let count = listings.to_string();
    let args = ["seed", "--listings", &count, "--data-dir"].map(std::ffi::OsStr::new);
    let out = server::command(&[&args[..], &[dir.as_os_str()]].concat());
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "sojourn seed failed ({}):\n{log}", out.status);
    // Progress lines are redrawn with a carriage return: keep what follows the last one.
    let summary: Vec<&str> = log
        .lines()
        .map(|l| l.rsplit('\r').next().unwrap_or(l))
        .filter(|l| l.starts_with("  ") || l.starts_with("seeded"))
        .collect();
    Setup { reused: false, seed_s: Some(seconds), seed_log: summary.join("\n") }
}

/// `sojourn search reindex` with the server stopped: (seconds, its last output line), or why not.
fn reindex(dir: &Path) -> Result<(f64, String), String> {
    let help = server::command(&["search", "--help"].map(std::ffi::OsStr::new));
    if !help.status.success() {
        return Err("not available (this `sojourn` has no `search` command yet)".into());
    }
    let started = Instant::now();
    let args = ["search", "reindex", "--data-dir"].map(std::ffi::OsStr::new);
    let out = server::command(&[&args[..], &[dir.as_os_str()]].concat());
    let seconds = started.elapsed().as_secs_f64();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_owned();
    if out.status.success() { Ok((seconds, last)) } else { Err(format!("failed ({}): {last}", out.status)) }
}

async fn total(client: &reqwest::Client, url: &str) -> Option<u64> {
    let answer = client.get(url).send().await.ok()?;
    if !answer.status().is_success() {
        return None;
    }
    answer.json::<Value>().await.ok()?["data"]["pagination"]["total"].as_u64()
}

/// Waits until the search counts as many listings as catalog publishes (the index has caught
/// up; while it warms up the search may answer 503): (seconds, catalog's count, the index's).
async fn caught_up(client: &reqwest::Client, base: &str, patience: Duration) -> (f64, u64, Option<u64>) {
    let started = Instant::now();
    let published = total(client, &format!("{base}/api/v1/listings?limit=1")).await.unwrap_or(0);
    let mut indexed = None;
    while started.elapsed() < patience {
        indexed = total(client, &format!("{base}/api/v1/search/listings?limit=1")).await;
        if indexed == Some(published) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (started.elapsed().as_secs_f64(), published, indexed)
}

/// Per class of the mix: latencies (µs) and searches that found something.
struct ClassStats {
    latencies: Mutex<Vec<u64>>,
    hits: AtomicUsize,
}

const EMPTY: &[u8] = b"\"listings\":[]";

/// How the mix is sent.
#[derive(Debug, Clone, Copy)]
enum Load {
    /// This many connections, each sending its next search when the last one answered.
    Closed(usize),
    /// This many searches per second on a fixed schedule, whatever the answers do.
    Rate(f64),
}

/// The mix; the whole run's summary and one row per class.
async fn run_mix(
    client: &reqwest::Client,
    searches: &Arc<Vec<search_mix::Search>>,
    load: Load,
    duration: Duration,
) -> (Summary, Vec<ClassRow>) {
    let stats: Arc<Vec<ClassStats>> = Arc::new(
        CLASSES.iter().map(|_| ClassStats { latencies: Mutex::new(Vec::new()), hits: AtomicUsize::new(0) }).collect(),
    );
    let (c, s, st) = (client.clone(), searches.clone(), stats.clone());
    let one = move |i: usize| {
        let (c, s, st) = (c.clone(), s.clone(), st.clone());
        async move {
            let search = &s[(i * 7919) % s.len()];
            let sent = Instant::now();
            let Ok(answer) = c.get(&search.url).send().await else { return false };
            let ok = answer.status().is_success();
            let Ok(body) = answer.bytes().await else { return false };
            let class = &st[search.class];
            class.latencies.lock().unwrap().push(sent.elapsed().as_micros() as u64);
            if ok && !body.windows(EMPTY.len()).any(|w| w == EMPTY) {
                class.hits.fetch_add(1, Ordering::Relaxed);
            }
            ok
        }
    };
    let summary = match load {
        Load::Closed(connections) => load::run(connections, duration, one).await,
        Load::Rate(rate) => load::run_at_rate(rate, duration, one).await,
    };
    let rows = CLASSES
        .iter()
        .zip(stats.iter())
        .map(|((name, share), st)| {
            let mut latencies = std::mem::take(&mut *st.latencies.lock().unwrap());
            latencies.sort_unstable();
            ClassRow { name, share: *share, latencies_us: latencies, hits: st.hits.load(Ordering::Relaxed) }
        })
        .collect();
    (summary, rows)
}

/// A closed-loop run over `urls` (non-empty answers not required).
async fn run_urls(client: &reqwest::Client, urls: Vec<String>, connections: usize, duration: Duration) -> Summary {
    let (c, u) = (client.clone(), Arc::new(urls));
    load::run(connections, duration, move |i| {
        let (c, u) = (c.clone(), u.clone());
        async move {
            let Ok(answer) = c.get(&u[(i * 7919) % u.len()]).send().await else { return false };
            answer.status().is_success() && answer.bytes().await.is_ok()
        }
    })
    .await
}

/// The status a GET answers (0 when it could not be sent).
async fn status(client: &reqwest::Client, url: &str) -> u16 {
    client.get(url).send().await.map_or(0, |r| r.status().as_u16())
}

/// Returns false when a check failed (searches answered errors, the index never caught up,
/// a published listing never became searchable).
pub async fn run(o: Options) -> bool {
    let duration = Duration::from_secs(o.seconds);
    let temp = o.data_dir.is_none().then(|| tempfile::tempdir().expect("temporary directory"));
    let dir = o.data_dir.clone().unwrap_or_else(|| temp.as_ref().map(|t| t.path().to_path_buf()).unwrap_or_default());
    let setup = prepare(&dir, o.listings);
    let reindexed = reindex(&dir);

    let started = Instant::now();
    // In the data directory (a temporary one goes with its log), overwritten by the next run.
    let log = dir.join("bench-serve.log");
    let mut server = Server::start_patient(&dir, &log, &[], &[], Duration::from_secs(600)).await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let base: Arc<str> = server.base.as_str().into();
    let (catch_up_s, published, indexed) = caught_up(&client, &base, Duration::from_secs(600)).await;
    let ready_s = started.elapsed().as_secs_f64();

    let cat: Catalogue = search_mix::catalogue(&client, &base).await;
    let searches = Arc::new(search_mix::mix(&base, &cat));
    let sql = search_mix::sql_urls(&client, &base, &cat).await;
    let sql_count = sql.len();
    let hosts = Arc::new(search_writes::hosts(&client, &base, HOSTS).await);
    let dates_filtered =
        status(&client, &format!("{base}/api/v1/search/listings?checkIn=not-a-date&limit=1")).await == 400;
    let suggest_status = status(&client, &format!("{base}/api/v1/search/suggest?q=pa")).await;
    // Warm-up: every search of the mix once, so the first measured run is not the one paying
    // for cold caches.
    let _ = run_urls(&client, searches.iter().map(|s| s.url.clone()).collect(), o.connections, Duration::from_secs(3))
        .await;
    let warm = server.usage();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle = server.since(warm);

    let limit_url = load::limit_server().await;
    let limit = run_urls(&client, vec![limit_url], o.connections, duration).await;
    let before = server.usage();
    let (mix, classes) = run_mix(&client, &searches, Load::Closed(o.connections), duration).await;
    let mix_cpu = server.since(before);
    let before = server.usage();
    let sql_run = run_urls(&client, sql, o.connections, duration).await;
    let sql_cpu = server.since(before);
    let suggest = if suggest_status == 200 {
        let before = server.usage();
        let run = run_urls(&client, search_mix::suggest_urls(&base, &cat), o.connections, duration).await;
        Some((run, server.since(before)))
    } else {
        None
    };

    let mut rng = Rng::new(u64::from(std::process::id()) ^ 0x5EA4C4);
    let mut indexing = Indexing::default();
    if let Some(host) = hosts.first() {
        let (lags, answers, lost, ids) = search_writes::lag_probes(&client, &base, host, o.probes, &mut rng).await;
        let (accepted_s, searchable_s, burst_ids) = search_writes::burst(&client, &base, host, o.burst, &mut rng).await;
        indexing = Indexing {
            lags_us: lags,
            publish_us: answers,
            lost,
            burst: burst_ids.len(),
            accepted_s,
            searchable_s,
            ..indexing
        };
        let mut ids = ids;
        ids.extend(burst_ids);
        indexing.delete_failed = search_writes::delete(&client, &base, host, ids).await;
    }

    let updating = || {
        tokio::spawn(search_writes::stream_updates(
            client.clone(),
            base.clone(),
            hosts.clone(),
            o.update_rate,
            duration,
        ))
    };
    let before = server.usage();
    let stream = updating();
    let (mix_during, _) = run_mix(&client, &searches, Load::Closed(o.connections), duration).await;
    let updates = stream.await.unwrap_or_default();
    let during_cpu = server.since(before);
    // Latency as users arriving at a steady rate see it, under the same updates: half the
    // throughput the closed loop measured (unless `--rate` says otherwise).
    let rate = if o.rate > 0.0 { o.rate } else { (mix.per_sec / 2.0).round().max(1.0) };
    let stream = updating();
    let (at_rate, at_rate_classes) = run_mix(&client, &searches, Load::Rate(rate), duration).await;
    let rate_updates = stream.await.unwrap_or_default();
    let after = server.usage();
    server.stop();

    let report = Report {
        options: o,
        setup,
        reindexed,
        published,
        indexed,
        catch_up_s,
        ready_s,
        cold_start_ms: server.cold_start.as_secs_f64() * 1000.0,
        cat,
        sql_count,
        hosts: hosts.len(),
        dates_filtered,
        suggest_status,
        idle_rss_mib: idle.rss_mib,
        peak_rss_mib: after.hwm_kib as f64 / 1024.0,
        limit,
        mix: (mix, mix_cpu),
        classes,
        sql: (sql_run, sql_cpu),
        suggest,
        indexing,
        during: (mix_during, during_cpu),
        updates,
        at_rate: (rate, at_rate, at_rate_classes, rate_updates),
        server_log: log.display().to_string(),
    };
    report.print()
}
