//! The shared backend: the same GCRA as the local one, in one Lua script, so reading and
//! advancing a key's theoretical arrival time is atomic across every instance. `now` comes from
//! the caller's clock (instances are expected to keep their clocks in sync, as with NTP).

use std::sync::Arc;

use redis::Script;

use super::{RetryAfter, retry_after, spacing};
use crate::config::Limit;
use crate::redis::{Redis, Use};

/// KEYS[1]: the key. ARGV: now, interval, window (ms). Returns 0 when allowed, else the wait in ms.
const CHECK: &str = r"
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nxt = tat + interval
if nxt - now > window then return nxt - now - window end
redis.call('SET', KEYS[1], nxt, 'PX', math.max(nxt - now, 1))
return 0
";

/// As CHECK, without counting.
const PEEK: &str = r"
local now = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local wait = tat + tonumber(ARGV[2]) - now - tonumber(ARGV[3])
if wait > 0 then return wait end
return 0
";

pub struct RedisLimiter {
    redis: Arc<Redis>,
    check: Script,
    peek: Script,
}

/// `Ok(None)` allowed, `Ok(Some(_))` refused, `Err(())` Redis unusable (fall back).
pub type Verdict = Result<Option<RetryAfter>, ()>;

impl RedisLimiter {
    pub fn new(redis: Arc<Redis>) -> Self {
        Self { redis, check: Script::new(CHECK), peek: Script::new(PEEK) }
    }

    async fn eval(&self, script: &Script, key: &str, limit: Limit, now_ms: i64) -> Verdict {
        let (window, interval) = spacing(limit);
        let key = self.redis.key(&format!("rl:{key}"));
        let wait: Option<i64> = self
            .redis
            .run(Use::RateLimit, |mut c| async move {
                script.key(key).arg(now_ms).arg(interval).arg(window).invoke_async(&mut c).await
            })
            .await;
        match wait {
            Some(0) => Ok(None),
            Some(ms) => Ok(Some(retry_after(ms))),
            None => Err(()),
        }
    }

    pub async fn check(&self, key: &str, limit: Limit, now_ms: i64) -> Verdict {
        self.eval(&self.check, key, limit, now_ms).await
    }

    pub async fn would_refuse(&self, key: &str, limit: Limit, now_ms: i64) -> Verdict {
        self.eval(&self.peek, key, limit, now_ms).await
    }

    pub async fn reset(&self, key: &str) {
        let key = self.redis.key(&format!("rl:{key}"));
        self.redis
            .run(Use::RateLimit, |mut c| async move { redis::cmd("DEL").arg(key).query_async::<()>(&mut c).await })
            .await;
    }
}
