//! Verify-only processes (a context running without identity, `auth.jwks_url` set) keep the
//! issuer's public keys fresh: fetched at start, every five minutes, and at once when a token
//! names a key we do not know (a rotation) — at most every few seconds.

use std::sync::Arc;
use std::time::Duration;

use super::Auth;
use super::keys::parse_jwks;

const PERIOD: Duration = Duration::from_secs(300);
const RETRY: Duration = Duration::from_secs(5);
const MIN_GAP: Duration = Duration::from_secs(5);

/// Fetches the JWK Set at `url` into `auth`; returns how many keys it now has.
pub async fn fetch_once(auth: &Auth, client: &reqwest::Client, url: &str) -> Result<usize, String> {
    let response = client.get(url).send().await.map_err(|e| e.to_string())?;
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let doc: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    let keys = parse_jwks(&doc).map_err(|e| e.to_string())?;
    if keys.is_empty() {
        return Err(format!("{url} lists no Ed25519 key"));
    }
    let n = keys.len();
    auth.keys.replace_verifying(keys);
    Ok(n)
}

/// Fetches now (waiting up to a few seconds), then keeps refreshing in the background.
pub async fn spawn_refresher(auth: Arc<Auth>, url: String) {
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(5)).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the JWKS client");
            return;
        }
    };
    let mut healthy = match fetch_once(&auth, &client, &url).await {
        Ok(n) => {
            tracing::info!(url, keys = n, "access-token keys fetched");
            true
        }
        Err(e) => {
            tracing::warn!(url, error = %e, "access-token keys not available yet; retrying");
            false
        }
    };
    tokio::spawn(async move {
        loop {
            let wait = if healthy { PERIOD } else { RETRY };
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = auth.unknown_key.notified() => tokio::time::sleep(MIN_GAP).await,
            }
            healthy = match fetch_once(&auth, &client, &url).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(url, error = %e, "access-token keys refresh failed");
                    false
                }
            };
        }
    });
}
