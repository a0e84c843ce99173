//! A focused load generator: closed loop ([`run`]: `concurrency` tasks, each sending its next
//! request as soon as the previous answer arrives, for a fixed duration) or open loop
//! ([`run_at_rate`]: requests on a fixed schedule). Latencies are kept exactly
//! (microseconds) and summarised as percentiles.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Summary {
    pub requests: usize,
    pub errors: usize,
    pub per_sec: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
}

impl Summary {
    /// From every latency (µs), the errors and the seconds the run took.
    pub fn of(mut latencies: Vec<u64>, errors: usize, seconds: f64) -> Self {
        latencies.sort_unstable();
        Summary {
            requests: latencies.len(),
            errors,
            per_sec: latencies.len() as f64 / seconds,
            p50_us: percentile(&latencies, 0.50),
            p99_us: percentile(&latencies, 0.99),
            p999_us: percentile(&latencies, 0.999),
        }
    }

    pub fn row(&self, name: &str, limit: Option<&Summary>) -> String {
        let ratio = limit.map_or_else(|| "—".to_owned(), |l| format!("{:.2}", self.per_sec / l.per_sec));
        format!(
            "| {name} | {} | {:.0} | {ratio} | {:.2} | {:.2} | {:.2} | {} |",
            self.requests,
            self.per_sec,
            self.p50_us as f64 / 1000.0,
            self.p99_us as f64 / 1000.0,
            self.p999_us as f64 / 1000.0,
            self.errors
        )
    }
}

pub const HEADER: &str = "| scenario | requests | req/s | ratio to limit | p50 ms | p99 ms | p99.9 ms | errors |\n|---|---:|---:|---:|---:|---:|---:|---:|";

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Runs `request` from `concurrency` tasks for `duration`; `request` returns whether the
/// answer was the expected one.
pub async fn run<F, Fut>(concurrency: usize, duration: Duration, request: F) -> Summary
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    run_while(concurrency, duration, Arc::new(std::sync::atomic::AtomicBool::new(true)), request).await
}

/// [`run`], but stopping as soon as `going` turns false (or after `max`): load for exactly as
/// long as something else lasts.
pub async fn run_while<F, Fut>(
    concurrency: usize,
    max: Duration,
    going: Arc<std::sync::atomic::AtomicBool>,
    request: F,
) -> Summary
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send,
{
    use std::sync::atomic::Ordering;
    let request = Arc::new(request);
    let started = Instant::now();
    let deadline = started + max;
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (request, going) = (request.clone(), going.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut errors = 0usize;
            let mut i = 0usize;
            while Instant::now() < deadline && going.load(Ordering::Relaxed) {
                let t = Instant::now();
                if !request(worker * 1_000_000 + i).await {
                    errors += 1;
                }
                latencies.push(t.elapsed().as_micros() as u64);
                i += 1;
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.expect("load task");
        all.extend(l);
        errors += e;
    }
    Summary::of(all, errors, started.elapsed().as_secs_f64())
}

/// Sends `request` at a fixed `rate` per second for `duration` (open loop: each on its schedule,
/// whether or not earlier ones have answered), so latency is what a user arriving at that rate
/// sees. Each latency counts from the request's scheduled time, not from when it went out, so a
/// stalled server is not hidden by requests that were never sent (coordinated omission).
pub async fn run_at_rate<F, Fut>(rate: f64, duration: Duration, request: F) -> Summary
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    let request = Arc::new(request);
    let started = Instant::now();
    let count = (rate * duration.as_secs_f64()).round().max(1.0) as usize;
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let scheduled = started + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(scheduled.into()).await;
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let ok = request(i).await;
            (scheduled.elapsed().as_micros() as u64, ok)
        }));
    }
    let mut all = Vec::with_capacity(count);
    let mut errors = 0;
    for t in tasks {
        let (latency, ok) = t.await.expect("load task");
        all.push(latency);
        errors += usize::from(!ok);
    }
    Summary::of(all, errors, started.elapsed().as_secs_f64())
}

/// Mean time per call of `f`, in microseconds, over `n` calls.
pub fn micro(n: usize, mut f: impl FnMut(usize)) -> f64 {
    for i in 0..(n / 10).max(1) {
        f(i);
    }
    let t = Instant::now();
    for i in 0..n {
        f(i);
    }
    t.elapsed().as_secs_f64() * 1e6 / n as f64
}

/// The limit every HTTP result is compared with: a minimal axum JSON endpoint (no middleware,
/// no database) on loopback, measured in the same run.
pub async fn limit_server() -> String {
    let router = axum::Router::new().route(
        "/json",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"success": true, "data": {"ok": true}})) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/json")
}

/// This process's resident memory in MiB (Linux), for the table.
pub fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
