//! Revoked sessions, shared. Access tokens are verified in memory on every request (no round
//! trip), so each process keeps its own revocation list; with Redis, a revocation made in one
//! process (identity, on logout) is stored as `<prefix>revoked:<session>` until no token of that
//! session can be alive, and announced on `<prefix>revocations`. Every process subscribes and,
//! each time it (re)connects, loads the stored ones, so one that was down catches up. A
//! revocation made while Redis is away holds in its own process at once and is stored and
//! announced once Redis is back.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use uuid::Uuid;

use super::{Redis, Use};
use crate::auth::Auth;

/// Shares `auth`'s revocations through `redis`, both ways, for the life of the process.
pub fn sync_revocations(redis: Arc<Redis>, auth: Arc<Auth>) {
    let (tx, rx) = mpsc::unbounded_channel();
    auth.set_revocation_sink(tx);
    tokio::spawn(publish(redis.clone(), rx));
    tokio::spawn(subscribe(redis, auth));
}

/// How often revocations that could not be stored are tried again while Redis is away.
const RETRY_EVERY: Duration = Duration::from_secs(1);

/// Stores and announces each revocation. One that fails (Redis down) is kept and retried until
/// it is stored or no token it covers can still be alive, so the other processes learn of it
/// when Redis returns (from the announcement, or their reload on reconnection).
async fn publish(redis: Arc<Redis>, mut revoked: mpsc::UnboundedReceiver<(Uuid, i64)>) {
    let mut pending: VecDeque<(Uuid, i64)> = VecDeque::new();
    loop {
        tokio::select! {
            received = revoked.recv() => match received {
                Some(revocation) => pending.push_back(revocation),
                None => return,
            },
            () = tokio::time::sleep(RETRY_EVERY), if !pending.is_empty() => {}
        }
        let now = chrono::Utc::now().timestamp();
        pending.retain(|&(_, until)| until > now);
        while let Some(&(session, until)) = pending.front() {
            if !store(&redis, session, until, now).await {
                break;
            }
            pending.pop_front();
        }
    }
}

/// `<prefix>revoked:<session>` until `until`, and the announcement; whether Redis took them.
async fn store(redis: &Redis, session: Uuid, until: i64, now: i64) -> bool {
    let key = redis.key(&format!("revoked:{session}"));
    let channel = redis.key("revocations");
    let ttl = u64::try_from(until - now).unwrap_or(0).max(1);
    let message = format!("{session}:{until}");
    redis
        .run(Use::Revocations, |mut c| async move {
            redis::pipe()
                .set_ex(&key, until, ttl)
                .ignore()
                .publish(&channel, message)
                .ignore()
                .query_async::<()>(&mut c)
                .await
        })
        .await
        .is_some()
}

fn parse(message: &str) -> Option<(Uuid, i64)> {
    let (session, until) = message.split_once(':')?;
    Some((session.parse().ok()?, until.parse().ok()?))
}

/// Longest wait for the subscription's own connection (an unanswering host would otherwise
/// hold it for the system's TCP timeout).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

fn timed_out() -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(std::io::ErrorKind::TimedOut, "connection timed out"))
}

async fn subscribe(redis: Arc<Redis>, auth: Arc<Auth>) {
    let channel = redis.key("revocations");
    loop {
        let connecting = tokio::time::timeout(CONNECT_TIMEOUT, redis.client().get_async_pubsub()).await;
        match connecting.unwrap_or_else(|_| Err(timed_out())) {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    // Subscribed first, then loaded: nothing announced in between is missed.
                    load_stored(&redis, &auth).await;
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        if let Some((session, until)) = message.get_payload::<String>().ok().as_deref().and_then(parse)
                        {
                            auth.apply_revocation(session, until);
                        }
                    }
                    tracing::warn!("Redis revocation channel lost; reconnecting");
                }
                Err(error) => tracing::warn!(%error, "cannot subscribe to Redis revocations"),
            },
            Err(error) => tracing::debug!(%error, "Redis not reachable for revocations yet"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Every stored revocation, by SCAN (never KEYS: it would block Redis).
async fn load_stored(redis: &Redis, auth: &Auth) {
    let pattern = redis.key("revoked:*");
    let prefix_len = redis.key("revoked:").len();
    let mut cursor: u64 = 0;
    loop {
        let pattern = pattern.clone();
        let page = redis
            .run(Use::Revocations, |mut c| async move {
                let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                    .arg(cursor)
                    .arg("MATCH")
                    .arg(&pattern)
                    .arg("COUNT")
                    .arg(500)
                    .query_async(&mut c)
                    .await?;
                let values: Vec<Option<i64>> = if keys.is_empty() {
                    Vec::new()
                } else {
                    redis::cmd("MGET").arg(&keys).query_async(&mut c).await?
                };
                Ok((next, keys, values))
            })
            .await;
        let Some((next, keys, values)) = page else { return };
        for (key, until) in keys.iter().zip(values) {
            if let (Some(session), Some(until)) = (key.get(prefix_len..).and_then(|s| s.parse().ok()), until) {
                auth.apply_revocation(session, until);
            }
        }
        if next == 0 {
            return;
        }
        cursor = next;
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn announcements_parse() {
        let id = uuid::Uuid::nil();
        assert_eq!(parse(&format!("{id}:42")), Some((id, 42)));
        assert_eq!(parse("nope"), None);
        assert_eq!(parse("x:1"), None);
    }
}
