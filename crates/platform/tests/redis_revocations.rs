//! Revocations shared through a real Redis (`SOJOURN_TEST_REDIS_URL`; required when
//! `CI=true`): one made while a process cannot reach Redis holds in that process at once and
//! reaches the others when Redis is back; a process started later loads it. Each test has its
//! own key prefix.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::auth::{Auth, Role, SigningKeys, TokenError};
use platform::config::{AuthConfig, Config};
use platform::redis::{Redis, Use, sync_revocations};
use tokio::net::{TcpListener, TcpStream};

fn redis_url() -> Option<String> {
    match std::env::var("SOJOURN_TEST_REDIS_URL").ok().filter(|v| !v.is_empty()) {
        Some(url) => Some(url),
        None => {
            assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs SOJOURN_TEST_REDIS_URL");
            eprintln!("SOJOURN_TEST_REDIS_URL is not set: Redis revocation tests skipped");
            None
        }
    }
}

fn redis_config(url: &str, prefix: &str) -> Config {
    let mut config = Config::default();
    config.redis.url = Some(url.to_owned());
    config.redis.key_prefix = prefix.to_owned();
    config.redis.timeout_ms = 200;
    config
}

/// One process's token checker, sharing its revocations through Redis at `url`.
fn process(url: &str, prefix: &str) -> (Arc<Auth>, Arc<Redis>) {
    let keys = SigningKeys::from_raw(&"s".repeat(40), None).unwrap();
    let auth = Arc::new(Auth::new(keys, &AuthConfig::default(), Arc::new(kernel::SystemClock)));
    let redis = Redis::from_config(&redis_config(url, prefix)).unwrap().unwrap();
    sync_revocations(redis.clone(), auth.clone());
    (auth, redis)
}

/// `host:port` of a `redis://[user:pass@]host:port[/db]` URL.
fn address(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// Forwards every connection to `port` on to `target`, from now on (Redis "coming back").
async fn forward(port: u16, target: String) {
    let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
}

async fn eventually(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_revocation_made_while_redis_is_away_reaches_every_process_once_it_is_back() {
    let Some(url) = redis_url() else { return };
    let prefix = format!("test{}:", &kernel::new_id().simple().to_string()[20..]);
    // A reaches Redis through a port nobody listens on yet.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let (a, a_redis) = process(&format!("redis://127.0.0.1:{port}"), &prefix);
    let (b, _) = process(&url, &prefix);

    let session = kernel::new_id();
    let token = a.issue(kernel::new_id(), session, Role::User).unwrap().token;
    assert!(b.verify(&token).is_ok());

    a.revoke_session(session);
    assert_eq!(a.verify(&token).err(), Some(TokenError::Revoked), "at once where it was made");
    eventually("the failed store is counted", Duration::from_secs(2), || a_redis.errors(Use::Revocations) > 0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(b.verify(&token).is_ok(), "B cannot know while A cannot reach Redis");

    forward(port, address(&url)).await;
    eventually("B learns of the revocation once A reaches Redis", Duration::from_secs(15), || {
        b.verify(&token).err() == Some(TokenError::Revoked)
    })
    .await;

    // A process started afterwards loads it from the stored keys.
    let (c, _) = process(&url, &prefix);
    eventually("a later process loads stored revocations", Duration::from_secs(5), || {
        c.verify(&token).err() == Some(TokenError::Revoked)
    })
    .await;
}
