//! `bench notifications` (issue 28): the delivery worker's throughput against a local SMTP sink
//! and its effect on the browse mix, on the platform as its own process (`sojourn serve`,
//! SQLite, the browse benchmark's seeded catalogue) with `mail.smtp_url` pointing at the sink.
//!
//! Notices are booking confirmations created through the internal route (the `internal_api_key`
//! as bearer) for readers registered through the API, so the pipeline knows their addresses
//! from identity's `user.created`, as in production. Each notice's title ends in `#<number>`,
//! which becomes the mail's subject: the sink records when each number arrives, and the
//! benchmark knows when it was queued (its `201`), so queue→received latency costs nothing.
//!
//! Three measures, kept apart because they answer different questions:
//! - **The SMTP path alone**: the platform's `SmtpMailer` in this process sending to the sink,
//!   1, 16 and 64 at a time — what the worker could reach if the database cost nothing.
//! - **Drain**: N notices queued while no worker runs (`notifications.worker_enabled = false`),
//!   then a server with the worker started on that queue: how fast one worker empties it, at
//!   `worker_concurrency` 16 (the default) and 64. Queueing and sending are timed separately.
//! - **Live**: N notices queued at once on a server whose worker is running, then the browse
//!   mix for as long as delivery lasts, beside the same mix alone on the same server — the
//!   ratio is what a burst of mail costs visitors — with the latency of each mail.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::browse;
use crate::load::{self, Summary};
use crate::notify_report::{Runs, report};
use crate::server::{Server, Spent, Usage};
use crate::smtp_sink::{Received, SmtpSink};

/// The service key the notices are created with (the bench's own, at least 32 bytes).
const INTERNAL_KEY: &str = "bench-internal-api-key-0123456789abcdef";
/// Connections that create notices at once.
pub(crate) const QUEUE_CONNECTIONS: usize = 32;
/// Connections of the browse mix (as in `bench browse`).
pub(crate) const MIX_CONNECTIONS: usize = 32;
/// The longest any wait for mail lasts before the run is declared failed.
const PATIENCE: Duration = Duration::from_secs(120);

#[derive(Debug, Clone)]
pub struct Options {
    /// Notices per burst.
    pub notices: usize,
    /// Readers they are spread over.
    pub readers: usize,
    /// Seconds of the browse mix alone.
    pub seconds: u64,
}

/// The server's configuration for one phase.
fn env(sink: &SmtpSink, worker: Option<usize>) -> Vec<(&'static str, String)> {
    vec![
        ("SOJOURN__MAIL__SMTP_URL", sink.url()),
        ("SOJOURN__MAIL__FROM", "Sojourn Bench <no-reply@bench.sojourn.test>".to_owned()),
        ("SOJOURN__SECRETS__INTERNAL_API_KEY", INTERNAL_KEY.to_owned()),
        ("SOJOURN__NOTIFICATIONS__WORKER_ENABLED", worker.is_some().to_string()),
        ("SOJOURN__NOTIFICATIONS__WORKER_CONCURRENCY", worker.unwrap_or(16).to_string()),
    ]
}

/// Registers `n` readers through the API; their ids.
async fn register(client: &reqwest::Client, base: &str, n: usize) -> Vec<String> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, base, next) = (client.clone(), base.to_owned(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return ids;
                }
                let body = json!({"email": format!("reader{i}@bench.sojourn.test"), "password": "Password1!",
                                  "firstName": format!("Reader{i}")});
                let r = client.post(format!("{base}/api/v1/auth/register")).json(&body).send().await.unwrap();
                assert_eq!(r.status(), 201, "register reader{i}: {}", r.text().await.unwrap_or_default());
                let answer: Value = r.json().await.unwrap();
                let token = answer["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
                let id = answer["data"]["user"]["id"].as_str().unwrap().to_owned();
                ids.push((id, token));
            }
        }));
    }
    let mut readers = Vec::new();
    for t in tasks {
        readers.extend(t.await.unwrap());
    }
    // The pipeline knows a reader's address once identity's `user.created` reached
    // notifications, which also puts the welcome notice in the inbox: wait for that.
    let waited = Instant::now();
    for (id, token) in &readers {
        loop {
            let r = client.get(format!("{base}/api/v1/users/notifications")).bearer_auth(token).send().await.unwrap();
            let body: Value = r.json().await.unwrap();
            let has = body["data"]["notifications"]
                .as_array()
                .or_else(|| body["data"].as_array())
                .is_some_and(|a| !a.is_empty());
            if has {
                break;
            }
            assert!(waited.elapsed() < Duration::from_secs(60), "reader {id} never got its welcome notice: {body}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    readers.into_iter().map(|(id, _)| id).collect()
}

/// Waits until the sink has received nothing new for `quiet`; how many it has.
async fn settle(received: &Received, quiet: Duration) -> u64 {
    let mut last = received.messages();
    let mut since = Instant::now();
    let started = Instant::now();
    while since.elapsed() < quiet && started.elapsed() < PATIENCE {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = received.messages();
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
    last
}

/// A burst of notices: the answers' latencies and when each one was committed (its `201`).
struct Burst {
    summary: Summary,
    started: Instant,
    finished: Instant,
    /// By notice number minus the burst's first number.
    queued_at: Vec<Instant>,
}

/// Creates `n` booking confirmations numbered `first..first + n`, spread over `readers`, from
/// [`QUEUE_CONNECTIONS`] connections at once.
async fn burst(client: &reqwest::Client, base: &str, readers: &Arc<Vec<String>>, first: u64, n: usize) -> Burst {
    let next = Arc::new(AtomicUsize::new(0));
    let url: Arc<str> = format!("{base}/api/v1/users/notifications/internal").into();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..QUEUE_CONNECTIONS {
        let (client, url, next, readers) = (client.clone(), url.clone(), next.clone(), readers.clone());
        tasks.push(tokio::spawn(async move {
            let mut done = Vec::new();
            let mut errors = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    return (done, errors);
                }
                let number = first + i as u64;
                let body = json!({
                    "userId": readers[i % readers.len()],
                    "type": "BOOKING_CONFIRMED",
                    "title": format!("Your booking is confirmed #{number}"),
                    "message": "Your stay at “Bench loft” from 12 to 15 March 2027 is confirmed. Total paid: 345.00 EUR.",
                    "metadata": {"reservationId": format!("bench-{number}")},
                });
                let sent = Instant::now();
                let ok = client
                    .post(&*url)
                    .bearer_auth(INTERNAL_KEY)
                    .json(&body)
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 201);
                let at = Instant::now();
                errors += usize::from(!ok);
                done.push((i, sent, at));
            }
        }));
    }
    let mut queued_at = vec![started; n];
    let mut latencies = Vec::with_capacity(n);
    let mut errors = 0;
    for t in tasks {
        let (done, e) = t.await.unwrap();
        errors += e;
        for (i, sent, at) in done {
            queued_at[i] = at;
            latencies.push(at.duration_since(sent).as_micros() as u64);
        }
    }
    let finished = Instant::now();
    let summary = Summary::of(latencies, errors, finished.duration_since(started).as_secs_f64());
    Burst { summary, started, finished, queued_at }
}

/// Waits until the sink holds `n` numbered messages of `first..first + n`; their arrivals (by
/// number minus `first`), or `None` after [`PATIENCE`].
async fn arrivals(received: &Received, first: u64, n: usize, seen: &mut [Option<Instant>]) -> bool {
    let started = Instant::now();
    let mut count = seen.iter().filter(|a| a.is_some()).count();
    while count < n {
        for (number, at) in received.take_numbered() {
            let Some(i) = number.checked_sub(first).map(|i| i as usize).filter(|&i| i < n) else { continue };
            if seen[i].is_none() {
                seen[i] = Some(at);
                count += 1;
            }
        }
        if count >= n {
            break;
        }
        if started.elapsed() > PATIENCE {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    true
}

/// The worker's own counts from `/metrics`: email attempts by outcome, and the email queue.
async fn worker_counts(client: &reqwest::Client, base: &str) -> (Vec<(String, u64)>, Option<u64>) {
    let text = client.get(format!("{base}/metrics")).send().await.unwrap().text().await.unwrap();
    let mut outcomes = Vec::new();
    let mut pending = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("sojourn_notification_deliveries_total{channel=\"email\",outcome=\"")
            && let Some((outcome, value)) = rest.split_once("\"} ")
        {
            outcomes.push((outcome.to_owned(), value.trim().parse().unwrap_or(0)));
        }
        if let Some(value) = line.strip_prefix("sojourn_notification_deliveries_pending{channel=\"email\"} ") {
            pending = value.trim().parse().ok();
        }
    }
    (outcomes, pending)
}

pub(crate) fn sent_of(outcomes: &[(String, u64)]) -> u64 {
    outcomes.iter().find(|(o, _)| o == "sent").map_or(0, |(_, n)| *n)
}

pub(crate) fn outcomes_text(outcomes: &[(String, u64)]) -> String {
    if outcomes.is_empty() {
        return "none".into();
    }
    outcomes.iter().map(|(o, n)| format!("{o} {n}")).collect::<Vec<_>>().join(", ")
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub(crate) fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    ms(sorted[((sorted.len() - 1) as f64 * p).round() as usize])
}

/// One drain: the queue filled with no worker, then a worker of `concurrency` started on it.
pub(crate) struct Drain {
    pub(crate) concurrency: usize,
    pub(crate) queued: Summary,
    pub(crate) cold_start: Duration,
    /// Spawn of the server to the last mail.
    pub(crate) total: Duration,
    /// First mail to last mail.
    pub(crate) sending: Duration,
    pub(crate) cpu: Spent,
    pub(crate) outcomes: Vec<(String, u64)>,
    pub(crate) others: u64,
    pub(crate) connections: u64,
    pub(crate) ok: bool,
}

async fn drain(
    dir: &std::path::Path,
    sink: &SmtpSink,
    client: &reqwest::Client,
    readers: &Arc<Vec<String>>,
    first: u64,
    n: usize,
    concurrency: usize,
) -> Drain {
    let log = dir.join(format!("serve-queue-{concurrency}.log"));
    let mut server = Server::start_with(dir, &log, &[], &env(sink, None)).await;
    let queued = burst(client, &server.base, readers, first, n).await;
    server.stop();
    let before = settle(&sink.received, Duration::from_millis(300)).await;
    let connections_before = sink.received.connections();
    let mut seen = vec![None; n];
    let spawned = Instant::now();
    let log = dir.join(format!("serve-drain-{concurrency}.log"));
    let mut server = Server::start_with(dir, &log, &[], &env(sink, Some(concurrency))).await;
    let ok = arrivals(&sink.received, first, n, &mut seen).await;
    let zero = Usage { at: spawned, cpu_ticks: 0, rss_kib: 0, hwm_kib: 0 };
    let cpu = server.since(zero);
    let arrived: Vec<Instant> = seen.iter().flatten().copied().collect();
    let (first_at, last_at) = (arrived.iter().min().copied(), arrived.iter().max().copied());
    let total = last_at.map_or(PATIENCE, |l| l.duration_since(spawned));
    let sending = match (first_at, last_at) {
        (Some(f), Some(l)) => l.duration_since(f),
        _ => PATIENCE,
    };
    // The counter is the worker's: it may trail the sink by the recording of the last outcomes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (outcomes, _) = worker_counts(client, &server.base).await;
    let cold_start = server.cold_start;
    server.stop();
    let others = sink.received.messages().saturating_sub(before + n as u64);
    let connections = sink.received.connections() - connections_before;
    let ok = ok && queued_ok(&queued);
    Drain { concurrency, queued: queued.summary, cold_start, total, sending, cpu, outcomes, others, connections, ok }
}

fn queued_ok(b: &Burst) -> bool {
    b.summary.errors == 0
}

/// The live run: a burst queued on a server whose worker runs, then the browse mix for as long
/// as delivery lasts.
pub(crate) struct Live {
    pub(crate) concurrency: usize,
    pub(crate) queued: Summary,
    /// Mails already received when queueing ended.
    pub(crate) delivered_while_queueing: usize,
    /// First notice queued to the last mail received.
    pub(crate) total: Duration,
    /// Queue→received latencies, sorted.
    pub(crate) latencies: Vec<Duration>,
    /// The mix alone on the same server just before the burst, and its server CPU.
    pub(crate) alone: Summary,
    pub(crate) alone_cpu: Spent,
    pub(crate) during: Summary,
    pub(crate) cpu: Spent,
    pub(crate) outcomes: Vec<(String, u64)>,
    pub(crate) ok: bool,
}

struct Mix {
    /// How long the mix runs alone.
    seconds: u64,
    client: reqwest::Client,
    base: Arc<str>,
    all: Arc<Vec<String>>,
    stays: Arc<Vec<String>>,
}

impl Mix {
    fn request(
        &self,
    ) -> impl Fn(usize) -> std::pin::Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync + 'static {
        let (c, b, a, s) = (self.client.clone(), self.base.clone(), self.all.clone(), self.stays.clone());
        move |i| Box::pin(browse::browse(c.clone(), b.clone(), a.clone(), s.clone(), i, u8::MAX))
    }
}

async fn live(
    server: &Server,
    sink: &SmtpSink,
    mix: &Mix,
    readers: &Arc<Vec<String>>,
    first: u64,
    n: usize,
    concurrency: usize,
) -> Live {
    let client = &mix.client;
    settle(&sink.received, Duration::from_millis(300)).await;
    // The mix alone first, on the same server, right before: the baseline of the ratio.
    let (alone, alone_cpu) =
        browse::metered(server, load::run(MIX_CONNECTIONS, Duration::from_secs(mix.seconds), mix.request())).await;
    let _ = sink.received.take_numbered();
    let (before_outcomes, _) = worker_counts(client, &server.base).await;
    let before = server.usage();
    let queued = burst(client, &server.base, readers, first, n).await;
    // What already arrived while queueing.
    let mut seen = vec![None; n];
    for (number, at) in sink.received.take_numbered() {
        if let Some(i) = number.checked_sub(first).map(|i| i as usize).filter(|&i| i < n) {
            seen[i] = Some(at);
        }
    }
    let delivered_while_queueing = seen.iter().filter(|a| a.is_some()).count();
    let going = Arc::new(AtomicBool::new(true));
    let flag = going.clone();
    let received = sink.received.clone();
    let waiter = tokio::spawn(async move {
        let ok = arrivals(&received, first, n, &mut seen).await;
        flag.store(false, Ordering::Relaxed);
        (ok, seen)
    });
    let during = load::run_while(MIX_CONNECTIONS, PATIENCE, going, mix.request()).await;
    let (ok, seen) = waiter.await.unwrap();
    let cpu = server.since(before);
    let mut latencies: Vec<Duration> =
        seen.iter().zip(&queued.queued_at).filter_map(|(a, q)| a.map(|a| a.saturating_duration_since(*q))).collect();
    latencies.sort_unstable();
    let last = seen.iter().flatten().max().copied().unwrap_or(queued.finished);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (after_outcomes, _) = worker_counts(client, &server.base).await;
    let outcomes = after_outcomes
        .into_iter()
        .map(|(o, n)| {
            let was = before_outcomes.iter().find(|(b, _)| *b == o).map_or(0, |(_, n)| *n);
            (o, n - was)
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    Live {
        concurrency,
        ok: ok && queued_ok(&queued) && during.errors == 0 && alone.errors == 0,
        queued: queued.summary,
        delivered_while_queueing,
        total: last.duration_since(queued.started),
        latencies,
        alone,
        alone_cpu,
        during,
        cpu,
        outcomes,
    }
}

/// The SMTP path alone: the platform's own `SmtpMailer` (lettre, as the server uses it) in this
/// process sending `n` mails to the sink, `concurrency` at a time — no database, no queue.
/// (mails/s, SMTP connections it opened.)
async fn smtp_alone(sink: &SmtpSink, concurrency: usize, n: usize) -> (f64, u64) {
    use futures_util::StreamExt;
    use platform::mail::Mailer;
    let mailer = platform::mail::SmtpMailer::new(&sink.url(), "Sojourn Bench <no-reply@bench.sojourn.test>").unwrap();
    let connections = sink.received.connections();
    let started = Instant::now();
    futures_util::stream::iter(0..n)
        .for_each_concurrent(concurrency, |i| {
            let message = platform::mail::Message {
                to: format!("reader{}@bench.sojourn.test", i % 200),
                subject: "Your booking is confirmed (SMTP alone)".to_owned(),
                text: "Your stay at “Bench loft” from 12 to 15 March 2027 is confirmed.".to_owned(),
            };
            let mailer = &mailer;
            async move { mailer.send(&message).await.unwrap() }
        })
        .await;
    (n as f64 / started.elapsed().as_secs_f64(), sink.received.connections() - connections)
}

pub async fn run(opts: Options) -> bool {
    let n = opts.notices;
    let run_started = Instant::now();
    let sink = SmtpSink::start().await;
    // One at a time first: a mail's own time on the SMTP path, with nothing queued behind it.
    let mut alone_smtp = vec![(1, smtp_alone(&sink, 1, 100).await)];
    for concurrency in [16, 64] {
        alone_smtp.push((concurrency, smtp_alone(&sink, concurrency, opts.notices.min(5_000)).await));
    }
    let (dir, seed_s) = browse::seeded().await;
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();

    // Readers, then the live burst at the default concurrency.
    let server =
        Server::start_with(dir.path(), &dir.path().join("serve-live-16.log"), &[], &env(&sink, Some(16))).await;
    let base: Arc<str> = server.base.as_str().into();
    let registered = Instant::now();
    let mails_before = sink.received.messages();
    let readers = Arc::new(register(&client, &base, opts.readers).await);
    let register_s = registered.elapsed().as_secs_f64();
    let welcome_mails = settle(&sink.received, Duration::from_secs(1)).await - mails_before;
    let (all, stays, _) = browse::listing_ids(&client, &base).await;
    let mix = Mix {
        seconds: opts.seconds,
        client: client.clone(),
        base: base.clone(),
        all: Arc::new(all),
        stays: Arc::new(stays),
    };
    let mut next = 1u64;
    let live16 = live(&server, &sink, &mix, &readers, next, n, 16).await;
    next += n as u64;
    drop(server);

    // Drains: queue with no worker, then let a worker of each concurrency empty the queue.
    let mut drains = Vec::new();
    for concurrency in [16, 64] {
        drains.push(drain(dir.path(), &sink, &client, &readers, next, n, concurrency).await);
        next += n as u64;
    }

    // The live burst again, with a worker of 64.
    let server =
        Server::start_with(dir.path(), &dir.path().join("serve-live-64.log"), &[], &env(&sink, Some(64))).await;
    let mix = Mix { base: server.base.as_str().into(), ..mix };
    let live64 = live(&server, &sink, &mix, &readers, next, n, 64).await;
    drop(server);

    let lives = [live16, live64];
    let ok = drains.iter().all(|d| d.ok && sent_of(&d.outcomes) >= n as u64) && lives.iter().all(|l| l.ok);
    let runs = Runs { seed_s, register_s, welcome_mails, drains: &drains, lives: &lives, smtp: &alone_smtp };
    report(&opts, &runs, &sink);
    println!("Whole scenario (seeding included): {:.0} s.\n", run_started.elapsed().as_secs_f64());
    if !ok {
        eprintln!("bench notifications: a burst was not fully queued or delivered (see above)");
    }
    ok
}
