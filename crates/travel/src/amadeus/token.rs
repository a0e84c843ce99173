//! The OAuth2 access token, shared by every call: read without waiting while it is fresh, and
//! renewed by one caller at a time (the others wait for that renewal instead of asking Amadeus
//! for tokens of their own).

use std::future::Future;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

/// Renewed when less than this is left, or less than a tenth of the lifetime if that is shorter
/// (so short-lived tokens are still used).
const MARGIN: Duration = Duration::from_secs(60);

struct Token {
    value: String,
    renew_at: Instant,
}

#[derive(Default)]
pub(super) struct Tokens {
    current: RwLock<Option<Token>>,
    /// Held while a token is fetched.
    renewal: Mutex<()>,
    fetched: AtomicU64,
}

impl Tokens {
    fn fresh(&self) -> Option<String> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current.as_ref().filter(|t| Instant::now() < t.renew_at).map(|t| t.value.clone())
    }

    /// The cached token, or one from `fetch` (its value and lifetime) if it is due for renewal.
    pub(super) async fn get<E, F, Fut>(&self, fetch: F) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(String, Duration), E>>,
    {
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let _renewal = self.renewal.lock().await;
        // Another caller may have renewed it while this one waited.
        if let Some(value) = self.fresh() {
            return Ok(value);
        }
        let (value, lifetime) = fetch().await?;
        self.fetched.fetch_add(1, Ordering::Relaxed);
        let margin = MARGIN.min(lifetime / 10);
        let token = Token { value: value.clone(), renew_at: Instant::now() + lifetime.saturating_sub(margin) };
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some(token);
        Ok(value)
    }

    /// Drops the cached token if it is still `used` (Amadeus refused it), not one already
    /// renewed by another call.
    pub(super) fn forget(&self, used: &str) {
        let mut current = self.current.write().unwrap_or_else(|p| p.into_inner());
        if current.as_ref().is_some_and(|t| t.value == used) {
            *current = None;
        }
    }

    /// Tokens obtained so far.
    pub(super) fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;

    #[tokio::test]
    async fn concurrent_callers_share_one_renewal() {
        let tokens = Arc::new(Tokens::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (tokens, calls) = (tokens.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                tokens
                    .get(|| async {
                        let n = calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>((format!("t{n}"), Duration::from_secs(1800)))
                    })
                    .await
                    .unwrap()
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap(), "t0");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        tokens.forget("other");
        assert_eq!(tokens.fresh().as_deref(), Some("t0"));
        tokens.forget("t0");
        assert_eq!(tokens.fresh(), None);
    }

    #[tokio::test]
    async fn a_token_is_renewed_before_it_expires() {
        let tokens = Tokens::default();
        // 10 s: renewed with a second left.
        tokens.get(|| async { Ok::<_, ()>(("a".to_owned(), Duration::from_secs(10))) }).await.unwrap();
        let renew_at = tokens.current.read().unwrap().as_ref().unwrap().renew_at;
        let left = renew_at.duration_since(Instant::now());
        assert!(left <= Duration::from_secs(9) && left > Duration::from_secs(8), "{left:?}");
        // Long-lived: a minute before.
        tokens.forget("a");
        tokens.get(|| async { Ok::<_, ()>(("b".to_owned(), Duration::from_secs(1799))) }).await.unwrap();
        let renew_at = tokens.current.read().unwrap().as_ref().unwrap().renew_at;
        assert!(renew_at.duration_since(Instant::now()) <= Duration::from_secs(1739));
        assert_eq!(tokens.fetched(), 2);
    }
}
