//! Rate limits and the cache on a real Redis (`SOJOURN_TEST_REDIS_URL`; required when
//! `CI=true`): one budget shared by instances under concurrency, a dead Redis falling back to
//! local limits (and cache misses) with a metric, never an error, and a cache read that raced
//! with a change not storing its stale copy. Each test has its own key prefix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::cache::{Cache, Lookup};
use platform::config::{Config, Limit};
use platform::ratelimit::{RateLimiter, RetryAfter};
use platform::redis::{Redis, Use};

fn redis_url() -> Option<String> {
    match std::env::var("SOJOURN_TEST_REDIS_URL").ok().filter(|v| !v.is_empty()) {
        Some(url) => Some(url),
        None => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs SOJOURN_TEST_REDIS_URL");
            eprintln!("SOJOURN_TEST_REDIS_URL is not set: Redis tests skipped");
            None
        }
    }
}

fn prefix() -> String {
    format!("test{}:", &kernel::new_id().simple().to_string()[20..])
}

fn redis_config(url: &str, prefix: &str) -> Config {
    let mut config = Config::default();
    config.redis.url = Some(url.to_owned());
    config.redis.key_prefix = prefix.to_owned();
    config
}

/// A connected handle (the connection is made in the background).
async fn connected(config: &Config) -> Arc<Redis> {
    let redis = Redis::from_config(config).unwrap().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while redis
        .run(Use::Cache, |mut c| async move { redis::cmd("PING").query_async::<String>(&mut c).await })
        .await
        .is_none()
    {
        assert!(Instant::now() < deadline, "Redis never connected");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    redis
}

#[tokio::test]
async fn two_instances_share_one_budget_under_concurrency() {
    let Some(url) = redis_url() else { return };
    let config = redis_config(&url, &prefix());
    let clock: Arc<dyn kernel::Clock> = Arc::new(kernel::SystemClock);
    let a = Arc::new(RateLimiter::new(true, clock.clone()).with_redis(Some(connected(&config).await)));
    let b = Arc::new(RateLimiter::new(true, clock).with_redis(Some(connected(&config).await)));
    let limit = Limit::new(10, 60);
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let limiter = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { limiter.check("login:ip:203.0.113.9", limit).await })
        })
        .collect();
    let mut allowed = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => allowed += 1,
            Err(RetryAfter(secs)) => assert!((1..=6).contains(&secs), "retry after {secs}"),
        }
    }
    assert_eq!(allowed, 10, "exactly the budget, across both instances");
    assert!(a.would_refuse("login:ip:203.0.113.9", limit).await.is_some());
    b.reset("login:ip:203.0.113.9").await;
    assert!(a.check("login:ip:203.0.113.9", limit).await.is_ok(), "reset is shared too");
}

#[tokio::test]
async fn a_dead_redis_falls_back_to_local_limits_and_counts_the_errors() {
    let Some(_) = redis_url() else { return };
    let mut config = redis_config("redis://127.0.0.1:1", &prefix());
    config.redis.timeout_ms = 100;
    let redis = Redis::from_config(&config).unwrap().unwrap();
    let limiter = RateLimiter::new(true, Arc::new(kernel::SystemClock)).with_redis(Some(redis.clone()));
    let limit = Limit::new(3, 60);
    let started = Instant::now();
    let results: Vec<bool> = futures_util::future::join_all((0..5).map(|_| limiter.check("k", limit)))
        .await
        .into_iter()
        .map(|r| r.is_ok())
        .collect();
    assert_eq!(results, [true, true, true, false, false], "local limits still hold");
    assert!(started.elapsed() < Duration::from_secs(2), "no waiting on the dead server");
    assert!(redis.errors(Use::RateLimit) >= 5);
    let mut out = String::new();
    redis.render_metrics(&mut out);
    assert!(
        out.contains("sojourn_redis_up 0") && out.contains("sojourn_redis_errors_total{use=\"ratelimit\"}"),
        "{out}"
    );
}

#[tokio::test]
async fn a_cache_read_that_raced_a_change_does_not_put_its_stale_copy_back() {
    let Some(url) = redis_url() else { return };
    let cache = Cache::new(Some(connected(&redis_config(&url, &prefix())).await));
    let Lookup::Miss(before_change) = cache.get("item").await else { panic!("empty cache hit") };
    // A change commits and forgets the entry while that read is still loading the old value.
    cache.forget("item").await;
    assert!(!cache.put(before_change, b"old").await, "stale fill refused");
    let Lookup::Miss(after_change) = cache.get("item").await else { panic!("stale value was stored") };
    assert!(cache.put(after_change, b"new").await);
    match cache.get("item").await {
        Lookup::Hit(value) => assert_eq!(value, b"new"),
        Lookup::Miss(_) => panic!("fresh value not cached"),
    }
    cache.forget("item").await;
    assert!(matches!(cache.get("item").await, Lookup::Miss(_)), "forgotten");
}

#[tokio::test]
async fn without_a_usable_redis_the_cache_only_misses() {
    let Some(_) = redis_url() else { return };
    let none = Cache::new(None);
    let Lookup::Miss(ticket) = none.get("item").await else { panic!("hit without a cache") };
    assert!(!none.put(ticket, b"v").await, "nothing is cached without Redis");

    let mut config = redis_config("redis://127.0.0.1:1", &prefix());
    config.redis.timeout_ms = 100;
    let redis = Redis::from_config(&config).unwrap().unwrap();
    let dead = Cache::new(Some(redis.clone()));
    let Lookup::Miss(ticket) = dead.get("item").await else { panic!("hit from a dead Redis") };
    assert!(!dead.put(ticket, b"v").await);
    dead.forget("item").await;
    assert!(redis.errors(Use::Cache) >= 2, "failures counted");
}
