//! Sojourn beside another booking system, in one run on one machine: the same sign-ins, the
//! same authenticated reads and the same booking creations, sent the same way (closed loop,
//! the same number of connections, the same users and bookable resources made by each
//! system's own API), with the ratio of the two. Sojourn is started here (`sojourn serve`, every
//! context, SQLite); the other system is already running at `--peer-url` and described by a
//! JSON file ([`crate::peer_spec`]). Given its pid, its CPU time and memory are read from
//! `/proc` as ours are, so RSS idle and loaded can be compared too.
//!
//! Without a peer, only Sojourn's rows are printed. Pointing the peer at a second Sojourn
//! (`--peer-spec bench/peer/sojourn.json`) checks the harness: the ratios come out near 1.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::load::{self, Summary};
use crate::peer_spec::{self, Prepared, Spec};
use crate::server::{Server, Spent, Usage, Watched};

/// The bundled description of Sojourn's own API (bench/peer/sojourn.json).
const SOJOURN_SPEC: &str = include_str!("../peer/sojourn.json");

pub struct Options {
    pub seconds: u64,
    pub connections: usize,
    /// Users signed in for the load (each client takes one in turn).
    pub users: usize,
    pub peer_spec: Option<String>,
    pub peer_url: Option<String>,
    pub peer_pid: Option<u32>,
}

/// One system under load.
struct Target {
    spec: Arc<Spec>,
    base: Arc<str>,
    prepared: Arc<Prepared>,
    process: Option<Watched>,
    idle: Option<Usage>,
}

/// What one scenario measured on one system.
struct Measured {
    summary: Summary,
    spent: Option<Spent>,
}

impl Measured {
    fn cpu(&self) -> String {
        self.spent.map_or_else(|| "—".to_owned(), |s| format!("{:.0}", s.us_per(self.summary.requests)))
    }
}

#[derive(Clone, Copy)]
enum Scenario {
    Login,
    Read,
    Book,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Login => "sign-in (the spec's `login`)",
            Scenario::Read => "authenticated read (the spec's `read`)",
            Scenario::Book => "booking creation (the spec's `book`)",
        }
    }
}

fn date(first_day: u64, offset: usize) -> String {
    (chrono::Utc::now().date_naive() + chrono::Days::new(first_day + offset as u64)).to_string()
}

async fn measure(
    client: &reqwest::Client,
    t: &Target,
    scenario: Scenario,
    o: &Options,
    booked: &AtomicUsize,
) -> Measured {
    let before = t.process.map(|p| p.usage());
    let (client, spec, base, prepared) = (client.clone(), t.spec.clone(), t.base.clone(), t.prepared.clone());
    // Booking numbers continue from earlier rounds, so no two bookings ask for the same night.
    let first = booked.load(Ordering::Relaxed);
    let next = Arc::new(AtomicUsize::new(first));
    let counter = next.clone();
    let summary = load::run(o.connections, Duration::from_secs(o.seconds), move |worker| {
        let (client, spec, base, prepared, counter) =
            (client.clone(), spec.clone(), base.clone(), prepared.clone(), counter.clone());
        async move {
            let (token, email) = &prepared.users[(worker / 1_000_000) % prepared.users.len()];
            let mut vars = prepared.vars.clone();
            vars.insert("email".to_owned(), email.clone());
            let (call, bearer) = match scenario {
                Scenario::Login => (&spec.login, None),
                Scenario::Read => (&spec.read, Some(token.as_str())),
                Scenario::Book => {
                    let i = counter.fetch_add(1, Ordering::Relaxed);
                    let n = prepared.resources.len();
                    let night = (i / n) * spec.nights;
                    vars.insert("i".to_owned(), i.to_string());
                    vars.insert("resource".to_owned(), prepared.resources[i % n].clone());
                    vars.insert("checkIn".to_owned(), date(spec.first_day, night));
                    vars.insert("checkOut".to_owned(), date(spec.first_day, night + spec.nights));
                    (&spec.book, Some(token.as_str()))
                }
            };
            peer_spec::send(&client, &base, call, &vars, bearer)
                .await
                .is_some_and(|(s, _)| peer_spec::expected(call, s))
        }
    })
    .await;
    booked.store(next.load(Ordering::Relaxed), Ordering::Relaxed);
    Measured { summary, spent: t.process.zip(before).map(|(p, b)| p.since(b)) }
}

async fn target(
    client: &reqwest::Client,
    spec: Spec,
    base: String,
    process: Option<Watched>,
    users: usize,
    run: &str,
) -> Result<Target, String> {
    let idle = process.map(|p| p.usage());
    let prepared = peer_spec::prepare(client, &base, &spec, run, users).await?;
    Ok(Target { spec: Arc::new(spec), base: base.into(), prepared: Arc::new(prepared), process, idle })
}

fn ms(us: u64) -> String {
    format!("{:.2}", us as f64 / 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.0}", kib as f64 / 1024.0)
}

/// Runs the comparison; false when a system answered wrongly (errors in a scenario) or could
/// not be prepared.
pub async fn run(o: Options) -> bool {
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    let run_id = format!("{:x}", chrono::Utc::now().timestamp_millis());
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &dir.path().join("serve.log")).await;
    let ours: Spec = serde_json::from_str(SOJOURN_SPEC).expect("bench/peer/sojourn.json");
    let us = match target(&client, ours, server.base.clone(), Some(server.watched()), o.users, &run_id).await {
        Ok(t) => t,
        Err(e) => {
            println!("Sojourn could not be prepared: {e}");
            return false;
        }
    };
    let peer = match (&o.peer_spec, &o.peer_url) {
        (None, None) => None,
        (spec, url) => {
            let spec = match spec {
                Some(path) => Spec::load(path),
                None => serde_json::from_str(SOJOURN_SPEC).map_err(|e| e.to_string()),
            };
            let prepared = match spec {
                Ok(spec) => match url.clone().or_else(|| spec.base.clone()) {
                    Some(base) => {
                        target(
                            &client,
                            spec,
                            base.trim_end_matches('/').to_owned(),
                            o.peer_pid.map(Watched::new),
                            o.users,
                            &run_id,
                        )
                        .await
                    }
                    None => Err("no --peer-url and no `base` in the peer's description".to_owned()),
                },
                Err(e) => Err(e),
            };
            match prepared {
                Ok(t) => Some(t),
                Err(e) => {
                    println!("The peer could not be prepared: {e}");
                    return false;
                }
            }
        }
    };

    println!(
        "## bench peer ({} s per scenario, {} connections, {} users; {} cores)\n",
        o.seconds,
        o.connections,
        o.users,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let peer_name = peer.as_ref().map_or("peer", |p| p.spec.name.as_str()).to_owned();
    println!(
        "Sojourn: `sojourn serve` (every context, SQLite) at {}; peer: {}.\n",
        us.base,
        peer.as_ref().map_or_else(|| "none given".to_owned(), |p| format!("`{}` at {}", p.spec.name, p.base))
    );
    println!(
        "| scenario | Sojourn req/s | p50 / p99 ms | server CPU µs/req | {peer_name} req/s | p50 / p99 ms | CPU µs/req | Sojourn ÷ {peer_name} (req/s) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut ok = true;
    let (ours_booked, theirs_booked) = (AtomicUsize::new(0), AtomicUsize::new(0));
    // Reads first (nothing they do changes the others), then bookings, then the CPU-bound sign-ins.
    for scenario in [Scenario::Read, Scenario::Book, Scenario::Login] {
        let a = measure(&client, &us, scenario, &o, &ours_booked).await;
        let b = match &peer {
            Some(p) => Some(measure(&client, p, scenario, &o, &theirs_booked).await),
            None => None,
        };
        ok &= a.summary.errors == 0 && b.as_ref().is_none_or(|b| b.summary.errors == 0);
        let theirs = b.as_ref().map_or_else(
            || "— | — | — | —".to_owned(),
            |b| {
                format!(
                    "{:.0} | {} / {} | {} | **{:.2}**",
                    b.summary.per_sec,
                    ms(b.summary.p50_us),
                    ms(b.summary.p99_us),
                    b.cpu(),
                    a.summary.per_sec / b.summary.per_sec.max(1e-9)
                )
            },
        );
        println!(
            "| {} | {:.0} | {} / {} | {} | {theirs} |",
            scenario.name(),
            a.summary.per_sec,
            ms(a.summary.p50_us),
            ms(a.summary.p99_us),
            a.cpu()
        );
        for (name, m) in [("Sojourn", Some(&a)), (peer_name.as_str(), b.as_ref())] {
            if let Some(m) = m.filter(|m| m.summary.errors > 0) {
                println!(
                    "\n**{name}: {} of {} answers were not the expected status.**\n",
                    m.summary.errors, m.summary.requests
                );
            }
        }
    }
    println!("\n| memory (RSS MiB) | Sojourn | {peer_name} | Sojourn ÷ {peer_name} |\n|---|---:|---:|---:|");
    let rows = |t: &Target| t.process.zip(t.idle).map(|(p, idle)| (idle.rss_kib, p.usage()));
    let (a, b) = (rows(&us), peer.as_ref().and_then(rows));
    let ratio =
        |x: u64, y: Option<u64>| y.map_or("—".to_owned(), |y| format!("**{:.2}**", x as f64 / y.max(1) as f64));
    let cell = |y: Option<u64>| y.map_or("—".to_owned(), mib);
    if let Some((idle, now)) = a {
        println!(
            "| idle (before the setup) | {} | {} | {} |",
            mib(idle),
            cell(b.map(|b| b.0)),
            ratio(idle, b.map(|b| b.0))
        );
        println!(
            "| loaded (after every scenario) | {} | {} | {} |",
            mib(now.rss_kib),
            cell(b.map(|b| b.1.rss_kib)),
            ratio(now.rss_kib, b.map(|b| b.1.rss_kib))
        );
        println!(
            "| peak | {} | {} | {} |",
            mib(now.hwm_kib),
            cell(b.map(|b| b.1.hwm_kib)),
            ratio(now.hwm_kib, b.map(|b| b.1.hwm_kib))
        );
    }
    if peer.is_some() && o.peer_pid.is_none() {
        println!("\n(The peer's CPU and memory need `--peer-pid`.)");
    }
    println!(
        "\nSojourn's cold start: {:.0} ms. Bookings made: Sojourn {}, {peer_name} {}.\n",
        server.cold_start.as_secs_f64() * 1000.0,
        ours_booked.load(Ordering::Relaxed),
        theirs_booked.load(Ordering::Relaxed)
    );
    drop(server);
    ok
}
