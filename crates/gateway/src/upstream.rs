//! The instances of each upstream: which one takes the next request (round-robin or least
//! connections), and a circuit breaker per instance so a dead one is skipped at once instead of
//! costing every request a connect timeout. All state is atomics: no lock on the hot path.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::http::uri::{Authority, Scheme};
use platform::config::{Balance, UpstreamConfig};

use crate::h1::Pool;

pub struct Instance {
    pub url: String,
    pub scheme: Scheme,
    pub authority: Authority,
    /// `host:port` (the port made explicit) for the gateway's own HTTP/1.1 client.
    pub address: String,
    /// Plain `http://`: the fast path may serve it.
    pub plain_http: bool,
    /// Idle connections of the fast path.
    pub pool: Arc<Pool>,
    in_flight: AtomicUsize,
    failures: AtomicU32,
    /// Milliseconds since `epoch` until which the breaker is open; 0 = closed.
    open_until: AtomicU64,
    /// Half-open: one trial request is out.
    trial: AtomicBool,
}

pub struct Upstream {
    pub name: String,
    pub instances: Vec<Instance>,
    balance: Balance,
    next: AtomicUsize,
}

/// Breaker settings shared by every instance.
#[derive(Clone, Copy)]
pub struct Breaker {
    pub failures: u32,
    pub open: Duration,
    pub epoch: Instant,
}

impl Breaker {
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// A request's claim on an instance: counts it in flight until dropped.
pub struct Lease<'a> {
    pub instance: &'a Instance,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        self.instance.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Instance {
    fn parse(url: &str, shards: usize) -> Option<Self> {
        let uri: axum::http::Uri = url.parse().ok()?;
        let authority = uri.authority().cloned()?;
        let plain_http = uri.scheme() == Some(&Scheme::HTTP);
        let port = authority.port_u16().unwrap_or(if plain_http { 80 } else { 443 });
        Some(Self {
            url: url.to_owned(),
            scheme: uri.scheme().cloned()?,
            address: format!("{}:{port}", authority.host()),
            authority,
            plain_http,
            pool: Arc::new(Pool::new(shards, 1024, Duration::from_secs(60))),
            in_flight: AtomicUsize::new(0),
            failures: AtomicU32::new(0),
            open_until: AtomicU64::new(0),
            trial: AtomicBool::new(false),
        })
    }

    /// Whether a request may go here now; takes the half-open trial slot when due.
    fn admit(&self, breaker: &Breaker) -> bool {
        let until = self.open_until.load(Ordering::Acquire);
        if until == 0 {
            return true;
        }
        if breaker.now_ms() < until {
            return false;
        }
        self.trial.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    pub fn succeeded(&self) {
        self.failures.store(0, Ordering::Relaxed);
        if self.open_until.load(Ordering::Relaxed) != 0 {
            self.open_until.store(0, Ordering::Release);
            self.trial.store(false, Ordering::Release);
            tracing::info!(instance = %self.url, "upstream instance recovered; circuit closed");
        }
    }

    pub fn failed(&self, breaker: &Breaker) {
        let failures = self.failures.fetch_add(1, Ordering::Relaxed) + 1;
        let half_open = self.trial.swap(false, Ordering::AcqRel);
        if half_open || failures >= breaker.failures {
            let until = breaker.now_ms().saturating_add(u64::try_from(breaker.open.as_millis()).unwrap_or(u64::MAX));
            if self.open_until.swap(until, Ordering::AcqRel) == 0 || half_open {
                tracing::warn!(instance = %self.url, failures, "upstream instance failing; circuit open");
            }
        }
    }

    pub fn is_open(&self, breaker: &Breaker) -> bool {
        let until = self.open_until.load(Ordering::Acquire);
        until != 0 && breaker.now_ms() < until
    }
}

impl Upstream {
    /// `shards`: the gateway's serving threads (each keeps its own idle connections).
    pub fn new(name: &str, config: &UpstreamConfig, shards: usize) -> Result<Self, String> {
        let instances = config
            .urls
            .iter()
            .map(|u| Instance::parse(u, shards).ok_or_else(|| format!("upstream `{name}`: invalid URL `{u}`")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { name: name.to_owned(), instances, balance: config.balance, next: AtomicUsize::new(0) })
    }

    /// The instance for the next request, skipping `tried` and open breakers; `None` when none
    /// can take it.
    pub fn pick(&self, breaker: &Breaker, tried: &[usize]) -> Option<(usize, Lease<'_>)> {
        let n = self.instances.len();
        let order: Vec<usize> = match self.balance {
            Balance::RoundRobin => {
                let start = self.next.fetch_add(1, Ordering::Relaxed);
                (0..n).map(|i| (start + i) % n).collect()
            }
            Balance::LeastConnections => {
                let mut idx: Vec<usize> = (0..n).collect();
                idx.sort_by_key(|&i| self.instances.get(i).map_or(usize::MAX, |x| x.in_flight.load(Ordering::Relaxed)));
                idx
            }
        };
        for i in order {
            if tried.contains(&i) {
                continue;
            }
            let Some(instance) = self.instances.get(i) else { continue };
            if instance.admit(breaker) {
                instance.in_flight.fetch_add(1, Ordering::Relaxed);
                return Some((i, Lease { instance }));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn upstream(balance: Balance) -> Upstream {
        let config = UpstreamConfig { urls: vec!["http://a:1".into(), "http://b:2".into()], balance };
        Upstream::new("x", &config, 1).unwrap()
    }

    fn breaker() -> Breaker {
        Breaker { failures: 2, open: Duration::from_millis(50), epoch: Instant::now() }
    }

    #[test]
    fn round_robin_alternates_and_skips_an_open_instance() {
        let (u, b) = (upstream(Balance::RoundRobin), breaker());
        let picks: Vec<usize> = (0..4).map(|_| u.pick(&b, &[]).unwrap().0).collect();
        assert_eq!(picks, [0, 1, 0, 1]);
        u.instances[0].failed(&b);
        u.instances[0].failed(&b);
        assert!(u.instances[0].is_open(&b));
        assert!((0..4).all(|_| u.pick(&b, &[]).unwrap().0 == 1));
        assert!(u.pick(&b, &[1]).is_none(), "the only other one is open");
    }

    #[test]
    fn an_open_breaker_lets_one_trial_through_after_the_pause() {
        let (u, b) = (upstream(Balance::RoundRobin), breaker());
        let a = &u.instances[0];
        a.failed(&b);
        a.failed(&b);
        assert!(!a.admit(&b));
        std::thread::sleep(Duration::from_millis(60));
        assert!(a.admit(&b), "trial");
        assert!(!a.admit(&b), "only one trial at a time");
        a.failed(&b);
        assert!(a.is_open(&b), "a failed trial opens it again");
        std::thread::sleep(Duration::from_millis(60));
        assert!(a.admit(&b));
        a.succeeded();
        assert!(a.admit(&b) && a.admit(&b), "closed");
    }

    #[test]
    fn least_connections_prefers_the_idle_instance() {
        let (u, b) = (upstream(Balance::LeastConnections), breaker());
        let (first, _held) = u.pick(&b, &[]).unwrap();
        let (second, _) = u.pick(&b, &[]).unwrap();
        assert_ne!(first, second);
    }
}
