//! `bench realtime`: what the realtime channel costs, beside a minimal WebSocket relay measured
//! in the same run ([`crate::rt_echo`], the machine's limit).
//!
//! - **Idle sockets**: `sojourn serve` (release, fresh seeded data directory, connections per
//!   user raised, rate limits off) gets `--sockets` authenticated Socket.IO connections spread
//!   over the seeded users; its RSS before they connect and after all of them are connected and
//!   5 s idle gives the memory per socket. The relay gets as many plain sockets.
//! - **Fan-out**: guests open enquiries with hosts (messaging's REST API), every host holds a
//!   socket, and messages are POSTed on a fixed schedule (open loop: `--rate` per second for
//!   `--seconds`, each POST sent at its time whatever the previous ones are doing). Latency is
//!   from sending the POST to the host's socket receiving `new_message`. The relay gets the same
//!   schedule from sender sockets to receiver sockets.
//!
//! The goals: ≤ 10 KB of RSS per idle socket, p99 delivery < 20 ms at 1,000 messages/s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use platform::config::Overrides;
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

use crate::rt_client::{self, Deliveries, marker, percentiles};
use crate::rt_echo::EchoServer;
use crate::server::Server;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub sockets: usize,
    pub rate: u64,
    pub seconds: u64,
}

/// Seeded accounts: a fifth are hosts (with the listings), the rest guests.
const SEED: sojourn::seed::Options = sojourn::seed::Options { users: 100, listings: 40, reservations: 0, seed: 7 };
/// Idle time before the second RSS reading.
const IDLE: Duration = Duration::from_secs(5);
/// Handshakes in flight while opening the idle sockets.
const PARALLEL: usize = 200;

struct Account {
    token: String,
    host: bool,
}

/// Results of one fan-out run.
struct FanOut {
    sent: usize,
    failed_posts: usize,
    delivered: Vec<u64>,
    missing: usize,
    duplicates: usize,
    post_us: Vec<u64>,
    behind_ms: f64,
}

async fn seeded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let quiet = dir.path().join("bench.toml");
    std::fs::write(&quiet, "[log]\nlevel = \"warn\"\n").unwrap();
    let overrides = Overrides { config_file: Some(quiet), port: None, data_dir: Some(dir.path().to_path_buf()) };
    sojourn::seed::run(&overrides, SEED).await.unwrap();
    dir
}

async fn login(client: &reqwest::Client, base: &str, email: String) -> String {
    let body = json!({"email": email, "password": sojourn::seed::DEMO_PASSWORD});
    let answer: Value =
        client.post(format!("{base}/api/v1/auth/login")).json(&body).send().await.unwrap().json().await.unwrap();
    answer["data"]["tokens"]["accessToken"].as_str().unwrap_or_else(|| panic!("login {email}: {answer}")).to_owned()
}

async fn accounts(client: &reqwest::Client, base: &str) -> Vec<Account> {
    let hosts = SEED.users / 5;
    let email = |i: usize| {
        if i < hosts {
            format!("host{i}@{}", sojourn::seed::DOMAIN)
        } else {
            format!("guest{}@{}", i - hosts, sojourn::seed::DOMAIN)
        }
    };
    let mut out = Vec::new();
    // Two logins at a time: Argon2id is the cost here, on 2 cores.
    for i in (0..SEED.users).step_by(2) {
        let (a, b) = tokio::join!(login(client, base, email(i)), login(client, base, email(i + 1)));
        out.push(Account { token: a, host: i < hosts });
        out.push(Account { token: b, host: i + 1 < hosts });
    }
    out
}

/// One idle-memory measurement (RSS in KiB).
struct Idle {
    before: u64,
    /// RSS with the first half of the sockets open (idle).
    half: u64,
    after: u64,
    opened: usize,
    failures: Vec<String>,
    open_s: f64,
}

impl Idle {
    /// Signed: on a small run the allocator returning earlier garbage can outweigh the sockets.
    fn kib_per_socket(&self) -> f64 {
        (self.after as f64 - self.before as f64) / self.opened.max(1) as f64
    }

    /// What the second half of the sockets cost each: the "before" reading moves with memory
    /// the set-up freed late, this one does not.
    fn marginal_kib_per_socket(&self) -> f64 {
        (self.after as f64 - self.half as f64) / (self.opened - self.opened / 2).max(1) as f64
    }

    fn row(&self, name: &str, limit: Option<&Idle>) -> String {
        let ratio = limit.map_or_else(
            || "1.00".to_owned(),
            |l| format!("{:.2}", self.kib_per_socket() / l.kib_per_socket().max(1e-9)),
        );
        let marginal = limit.map_or_else(
            || "1.00".to_owned(),
            |l| format!("{:.2}", self.marginal_kib_per_socket() / l.marginal_kib_per_socket().max(1e-9)),
        );
        format!(
            "| {name} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {ratio} | {:.2} | {marginal} |",
            self.opened,
            self.failures.len(),
            self.open_s,
            self.before as f64 / 1024.0,
            self.half as f64 / 1024.0,
            self.after as f64 / 1024.0,
            self.kib_per_socket(),
            self.marginal_kib_per_socket()
        )
    }
}

/// RSS (from `rss`) before and after `count` sockets opened by `connect` and `IDLE` idle; the
/// sockets are closed afterwards.
async fn idle_memory<F, Fut>(count: usize, rss: impl Fn() -> u64, connect: F) -> Idle
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<rt_client::Stream, String>> + Send,
{
    // Settle first: memory freed by the set-up (logins hash with 19 MiB each) goes back to the
    // system with a delay, and would otherwise be counted against the sockets.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = rss();
    let started = Instant::now();
    let connect = Arc::new(connect);
    let first = count / 2;
    let c = connect.clone();
    let (mut held, mut failures) = rt_client::open_many(first, PARALLEL, move |i| c(i)).await;
    tokio::time::sleep(IDLE).await;
    let half = rss();
    let c = connect.clone();
    let (more, more_failures) = rt_client::open_many(count - first, PARALLEL, move |i| c(first + i)).await;
    let open_s = started.elapsed().as_secs_f64() - IDLE.as_secs_f64();
    held.extend(more);
    failures.extend(more_failures);
    tokio::time::sleep(IDLE).await;
    let after = rss();
    for h in &held {
        h.abort();
    }
    Idle { before, half, after, opened: held.len(), failures, open_s }
}

/// Sends `total` messages on a fixed schedule (`rate` per second) through `send(n)`, which
/// must call `deliveries.sent(n)` right before the message leaves; waits for stragglers.
async fn schedule<F, Fut>(total: usize, rate: u64, deliveries: Arc<Deliveries>, send: F) -> (Vec<bool>, Vec<u64>, f64)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let send = Arc::new(send);
    let period = Duration::from_nanos(1_000_000_000 / rate.max(1));
    let start = tokio::time::Instant::now();
    let mut tasks: Vec<JoinHandle<(bool, u64)>> = Vec::with_capacity(total);
    let mut behind = Duration::ZERO;
    for n in 0..total {
        let at = start + period * n as u32;
        tokio::time::sleep_until(at).await;
        behind = behind.max(tokio::time::Instant::now().saturating_duration_since(at));
        let send = send.clone();
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let ok = send(n).await;
            (ok, t.elapsed().as_micros() as u64)
        }));
    }
    let mut oks = Vec::with_capacity(total);
    let mut times = Vec::with_capacity(total);
    for t in tasks {
        let (ok, us) = t.await.unwrap_or((false, 0));
        oks.push(ok);
        times.push(us);
    }
    // Stragglers: until everything sent arrived, 5 s at most.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        let (seen, _) = deliveries.results();
        if seen.len() >= oks.iter().filter(|&&ok| ok).count() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (oks, times, behind.as_secs_f64() * 1000.0)
}

fn finish(deliveries: &Deliveries, oks: &[bool], post_us: Vec<u64>, behind_ms: f64) -> FanOut {
    let (delivered, _) = deliveries.results();
    let sent = oks.iter().filter(|&&ok| ok).count();
    FanOut {
        sent,
        failed_posts: oks.len() - sent,
        missing: sent.saturating_sub(delivered.len()),
        delivered,
        duplicates: deliveries.duplicates.load(std::sync::atomic::Ordering::Relaxed),
        post_us,
        behind_ms,
    }
}

/// Enquiries from guests to the hosts of published listings; `None` when messaging does not
/// answer (a build without it).
async fn conversations(client: &reqwest::Client, base: &str, guests: &[&Account]) -> Option<Vec<(String, String)>> {
    let listings: Value =
        client.get(format!("{base}/api/v1/listings?limit=100")).send().await.ok()?.json().await.ok()?;
    let ids: Vec<&str> = listings["data"]["listings"].as_array()?.iter().filter_map(|l| l["id"].as_str()).collect();
    let mut pairs = Vec::new();
    for (g, guest) in guests.iter().enumerate() {
        let listing = ids.get(g % ids.len().max(1))?;
        let body = json!({"listingId": listing, "message": "Hello, is it available?"});
        let answer =
            client.post(format!("{base}/api/v1/conversations")).bearer_auth(&guest.token).json(&body).send().await;
        let answer = answer.ok()?;
        let status = answer.status().as_u16();
        let answer: Value = answer.json().await.unwrap_or(Value::Null);
        let Some(id) = answer["data"]["id"].as_str().or(answer["data"]["conversation"]["id"].as_str()) else {
            eprintln!("bench realtime: POST /api/v1/conversations answered {status}: {answer}");
            return None;
        };
        pairs.push((guest.token.clone(), id.to_owned()));
    }
    Some(pairs)
}

async fn sojourn_fan_out(server: &Server, accounts: &[Account], o: Options) -> Option<FanOut> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(256).build().unwrap();
    let base = server.base.clone();
    let guests: Vec<&Account> = accounts.iter().filter(|a| !a.host).collect();
    let pairs = Arc::new(conversations(&client, &base, &guests).await?);
    let total = (o.rate * o.seconds) as usize;
    let deliveries = Deliveries::new(total);
    let mut holders = Vec::new();
    for host in accounts.iter().filter(|a| a.host) {
        let stream = rt_client::socketio(&base, &host.token).await.unwrap();
        holders.push(rt_client::hold(stream, Some(deliveries.clone())));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let d = deliveries.clone();
    let (oks, post_us, behind) = schedule(total, o.rate, deliveries.clone(), move |n| {
        let (client, base, pairs, d) = (client.clone(), base.clone(), pairs.clone(), d.clone());
        async move {
            let (token, conversation) = &pairs[n % pairs.len()];
            let body = json!({"body": format!("bench message {}", marker(n))});
            let request = client
                .post(format!("{base}/api/v1/conversations/{conversation}/messages"))
                .bearer_auth(token)
                .json(&body);
            d.sent(n);
            request.send().await.is_ok_and(|r| r.status().is_success())
        }
    })
    .await;
    for h in holders {
        h.abort();
    }
    Some(finish(&deliveries, &oks, post_us, behind))
}

async fn echo_fan_out(echo: &EchoServer, o: Options, pairs: usize) -> FanOut {
    let total = (o.rate * o.seconds) as usize;
    let deliveries = Deliveries::new(total);
    let mut holders = Vec::new();
    let mut senders = Vec::new();
    for k in 0..pairs {
        let receiver = rt_client::open(&format!("{}?pair={k}&role=recv", echo.url)).await.unwrap();
        holders.push(rt_client::hold(receiver, Some(deliveries.clone())));
        let sender = rt_client::open(&format!("{}?pair={k}&role=send", echo.url)).await.unwrap();
        senders.push(Arc::new(tokio::sync::Mutex::new(sender)));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let senders = Arc::new(senders);
    let d = deliveries.clone();
    let (oks, post_us, behind) = schedule(total, o.rate, deliveries.clone(), move |n| {
        let (senders, d) = (senders.clone(), d.clone());
        async move {
            let mut sender = senders[n % senders.len()].lock().await;
            d.sent(n);
            sender.send(Message::text(format!("bench message {}", marker(n)))).await.is_ok()
        }
    })
    .await;
    for h in holders {
        h.abort();
    }
    finish(&deliveries, &oks, post_us, behind)
}

fn latency_row(name: &str, f: &mut FanOut, limit_p99: Option<f64>) -> String {
    let [p50, p90, p99, max] = percentiles(&mut f.delivered);
    let ratio = limit_p99.map_or_else(|| "—".to_owned(), |l| format!("{:.1}", p99 / l.max(1e-3)));
    let [post50, _, post99, _] = percentiles(&mut f.post_us);
    format!(
        "| {name} | {} | {} | {} | {} | {p50:.2} | {p90:.2} | {p99:.2} | {max:.1} | {ratio} | {post50:.2} / {post99:.2} | {:.1} |",
        f.sent,
        f.delivered.len(),
        f.missing,
        f.failed_posts,
        f.behind_ms
    )
}

/// Runs every realtime scenario and prints the report; false when sockets failed to open or
/// accepted messages were never delivered.
pub async fn run(o: Options) -> bool {
    println!(
        "## bench realtime ({} idle sockets; fan-out {} messages/s for {} s, open loop; {} cores)\n",
        o.sockets,
        o.rate,
        o.seconds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    let dir = seeded().await;
    let per_user = o.sockets.div_ceil(SEED.users) + 10;
    let env = [("SOJOURN__REALTIME__MAX_CONNECTIONS_PER_USER", per_user.to_string())];
    let server = Server::start_with(dir.path(), &dir.path().join("serve.log"), &[], &env).await;
    let client = reqwest::Client::new();
    let accounts = Arc::new(accounts(&client, &server.base).await);

    // One socket first: a build that does not serve /socket.io/ is reported, not hammered.
    let served = rt_client::socketio(&server.base, &accounts[0].token).await.map(drop);
    let (base, tokens) = (server.base.clone(), accounts.clone());
    let mut sojourn_idle = None;
    let mut sojourn = None;
    let mut closed_kib = 0;
    if served.is_ok() {
        sojourn_idle = Some(
            idle_memory(
                o.sockets,
                || server.usage().rss_kib,
                move |i| {
                    let (base, tokens) = (base.clone(), tokens.clone());
                    async move { rt_client::socketio(&base, &tokens[i % tokens.len()].token).await }
                },
            )
            .await,
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        closed_kib = server.usage().rss_kib;
        sojourn = sojourn_fan_out(&server, &accounts, o).await;
    }
    drop(server);

    let echo = EchoServer::start();
    let url = echo.url.clone();
    let limit_idle = idle_memory(
        o.sockets,
        || echo.rss_kib(),
        move |i| {
            let url = format!("{url}?pair={}&role=recv", 1_000_000 + i);
            async move { rt_client::open(&url).await }
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut limit = echo_fan_out(&echo, o, SEED.users - SEED.users / 5).await;
    drop(echo);

    println!(
        "### Idle sockets (RSS of the server process before connecting, with half the sockets and with all, each after {} s idle)\n",
        IDLE.as_secs()
    );
    println!(
        "| server | sockets open | failed | open time s | RSS before MiB | RSS half MiB | RSS after MiB | KiB per socket | ratio to limit | KiB per socket, second half | ratio to limit |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!("{}", limit_idle.row("limit: minimal axum WebSocket relay", None));
    let mut ok = limit_idle.failures.is_empty() && limit.missing == 0;
    match (&sojourn_idle, &served) {
        (Some(idle), _) => {
            println!("{}", idle.row("`sojourn serve`, Socket.IO, authenticated", Some(&limit_idle)));
            let per = idle.kib_per_socket().max(idle.marginal_kib_per_socket());
            println!(
                "\n`sojourn` RSS 2 s after the sockets closed: {:.1} MiB. Goal ≤ 10 KB per idle socket: {} ({:.1} KB).\n",
                closed_kib as f64 / 1024.0,
                if per * 1.024 <= 10.0 { "met" } else { "NOT met" },
                per * 1.024
            );
            ok &= idle.failures.is_empty();
        }
        (None, Err(e)) => {
            println!("\n`sojourn serve` does not serve Socket.IO in this build ({e}): not measured.\n");
            ok = false;
        }
        (None, Ok(())) => {}
    }
    let failures = sojourn_idle.iter().flat_map(|i| i.failures.iter()).chain(&limit_idle.failures);
    for f in failures.take(3) {
        println!("- a socket failed: {f}");
    }

    println!("### Fan-out latency (POST/send → the other participant's socket; ms)\n");
    println!(
        "| path | sent | delivered | missing | failed sends | p50 | p90 | p99 | max | p99 ratio to limit | send p50 / p99 | schedule lag max |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let limit_p99 = percentiles(&mut limit.delivered.clone())[2];
    println!("{}", latency_row("limit: relay, sender socket → receiver socket", &mut limit, None));
    match sojourn.as_mut() {
        Some(f) => {
            println!("{}", latency_row("`sojourn`: POST message → host's `new_message`", f, Some(limit_p99)));
            let p99 = percentiles(&mut f.delivered)[2];
            println!(
                "\nGoal p99 < 20 ms at {} messages/s: {} (p99 {p99:.2} ms). Duplicated deliveries: {}.\n",
                o.rate,
                if p99 < 20.0 && f.missing == 0 { "met" } else { "NOT met" },
                f.duplicates
            );
            ok &= f.missing == 0 && f.failed_posts == 0;
        }
        None => {
            println!(
                "\n`sojourn` fan-out not measured: Socket.IO or messaging's REST API did not answer (see above).\n"
            );
            ok = false;
        }
    }
    ok
}
