//! Failed sign-ins per account, for the progressive delay: after a few failures each further
//! failure is answered more slowly (doubling up to a ceiling), which makes online guessing
//! slow without locking the real owner out.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Failures older than this are forgotten.
const MEMORY_SECS: i64 = 15 * 60;
const MAX_TRACKED: usize = 100_000;

#[derive(Default)]
pub struct Failures {
    by_account: Mutex<HashMap<String, (u32, i64)>>,
}

impl Failures {
    /// Records a failure and returns how long to wait before answering.
    pub fn record(&self, account: &str, now: i64, threshold: u32, max_delay_ms: u64) -> Duration {
        let Ok(mut map) = self.by_account.lock() else { return Duration::ZERO };
        if map.len() >= MAX_TRACKED {
            map.retain(|_, (_, at)| now - *at < MEMORY_SECS);
        }
        let entry = map.entry(account.to_owned()).or_insert((0, now));
        if now - entry.1 >= MEMORY_SECS {
            *entry = (0, now);
        }
        entry.0 += 1;
        entry.1 = now;
        let over = entry.0.saturating_sub(threshold);
        if over == 0 {
            return Duration::ZERO;
        }
        let delay = 250u64.saturating_mul(1u64 << over.min(20).saturating_sub(1));
        Duration::from_millis(delay.min(max_delay_ms))
    }

    pub fn clear(&self, account: &str) {
        if let Ok(mut map) = self.by_account.lock() {
            map.remove(account);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_after_threshold_and_resets() {
        let f = Failures::default();
        assert_eq!(f.record("a", 0, 2, 3000), Duration::ZERO);
        assert_eq!(f.record("a", 1, 2, 3000), Duration::ZERO);
        assert_eq!(f.record("a", 2, 2, 3000), Duration::from_millis(250));
        assert_eq!(f.record("a", 3, 2, 3000), Duration::from_millis(500));
        for t in 4..20 {
            f.record("a", t, 2, 3000);
        }
        assert_eq!(f.record("a", 21, 2, 3000), Duration::from_millis(3000));
        f.clear("a");
        assert_eq!(f.record("a", 22, 2, 3000), Duration::ZERO);
        assert_eq!(f.record("b", 23 + MEMORY_SECS, 0, 3000), Duration::from_millis(250));
    }
}
