//! Authentication costs: token verification (raw signature vs our cached verifier), the
//! authenticated `/profile` path against the raw axum limit, and Argon2id logins — including
//! whether other requests keep their latency while logins hash.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use kernel::SystemClock;
use platform::auth::{Auth, Role, SigningKeys};
use platform::config::AuthConfig;
use serde_json::json;

use crate::load::{self, HEADER, Summary};
use crate::server::{Server, Spent};

const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123456789";

fn verifier() -> Auth {
    Auth::new(SigningKeys::from_raw(SECRET, None).unwrap(), &AuthConfig::default(), Arc::new(SystemClock))
}

fn micro_section() {
    let auth = verifier();
    let user = kernel::new_id();
    let token = auth.issue(user, kernel::new_id(), Role::User).unwrap().token;
    let (signed, _) = token.rsplit_once('.').unwrap();
    let signed = signed.as_bytes().to_vec();

    let pair = Ed25519KeyPair::generate().unwrap();
    let public = pair.public_key().as_ref().to_vec();
    let signature = pair.sign(&signed).as_ref().to_vec();
    let raw_ed = load::micro(20_000, |_| {
        UnparsedPublicKey::new(&ED25519, &public).verify(&signed, &signature).unwrap();
    });
    let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET.as_bytes());
    let hs256 = load::micro(200_000, |_| {
        std::hint::black_box(hmac::sign(&key, &signed));
    });

    // Cold: every token seen for the first time (signature checked, then cached).
    let tokens: Vec<String> =
        (0..20_000).map(|_| auth.issue(user, kernel::new_id(), Role::User).unwrap().token).collect();
    let fresh = verifier();
    let t = Instant::now();
    for tok in &tokens {
        fresh.verify(tok).unwrap();
    }
    let cold = t.elapsed().as_secs_f64() * 1e6 / tokens.len() as f64;
    // Warm: the same token again, as on every request of a signed-in client.
    let warm = load::micro(200_000, |_| {
        auth.verify(&token).unwrap();
    });
    // A client makes many requests per 15-minute token; at 100 requests per token:
    let amortised = (cold + 99.0 * warm) / 100.0;

    println!("### Access-token verification (single thread, µs per verification)\n");
    println!("| operation | µs | ratio to raw EdDSA verify |\n|---|---:|---:|");
    println!("| raw Ed25519 signature verify (aws-lc-rs) | {raw_ed:.2} | 1.00 |");
    println!("| raw HMAC-SHA256 (HS256 reference) | {hs256:.2} | {:.3} |", hs256 / raw_ed);
    println!(
        "| `Auth::verify`, token never seen (parse + verify + claims + cache insert) | {cold:.2} | {:.2} |",
        cold / raw_ed
    );
    println!(
        "| `Auth::verify`, token seen before (cache hit + expiry + revocation) | {warm:.2} | {:.3} |",
        warm / raw_ed
    );
    println!("| amortised over 100 requests per token | {amortised:.2} | {:.3} |\n", amortised / raw_ed);
}

async fn get_ok(client: reqwest::Client, url: Arc<str>, bearer: Option<Arc<str>>) -> bool {
    let mut req = client.get(&*url);
    if let Some(b) = bearer {
        req = req.bearer_auth(&*b);
    }
    match req.send().await {
        Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
        Err(_) => false,
    }
}

pub async fn run(seconds: u64) {
    let duration = Duration::from_secs(seconds);
    println!(
        "## bench auth ({seconds} s per scenario, {} cores)\n",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    micro_section();

    let limit_url: Arc<str> = load::limit_server().await.into();
    // The platform as its own process, identity only: the server's CPU is its own.
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_with(dir.path(), &dir.path().join("serve.log"), &["--only", "identity"], &[]).await;
    let base = server.base.clone();
    let url = |path: &str| format!("{base}{path}");
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
    let register = json!({"email": "bench@example.com", "password": "Password1!"});
    let body: serde_json::Value =
        client.post(url("/api/v1/auth/register")).json(&register).send().await.unwrap().json().await.unwrap();
    let token: Arc<str> = body["data"]["tokens"]["accessToken"].as_str().unwrap().into();
    let profile_url: Arc<str> = url("/api/v1/auth/profile").into();
    let verify_url: Arc<str> = url("/api/v1/auth/verify-token").into();
    let login_url: Arc<str> = url("/api/v1/auth/login").into();

    let concurrency = 32;
    let c = client.clone();
    let u = limit_url.clone();
    let limit = load::run(concurrency, duration, move |_| get_ok(c.clone(), u.clone(), None)).await;
    let (c, u) = (client.clone(), Arc::<str>::from(url("/health/live")));
    let before = server.usage();
    let live = load::run(concurrency, duration, move |_| get_ok(c.clone(), u.clone(), None)).await;
    let live_cpu = server.since(before);
    let (c, u, t) = (client.clone(), profile_url.clone(), token.clone());
    let before = server.usage();
    let profile = load::run(concurrency, duration, move |_| get_ok(c.clone(), u.clone(), Some(t.clone()))).await;
    let profile_cpu = server.since(before);
    let (c, u, t) = (client.clone(), verify_url.clone(), token.clone());
    let before = server.usage();
    let verify = load::run(concurrency, duration, move |_| {
        let (c, u, t) = (c.clone(), u.clone(), t.clone());
        async move { c.post(&*u).bearer_auth(&*t).send().await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    let verify_cpu = server.since(before);
    let (uncached, uncached_cpu) = profile_uncached(&client, concurrency, duration).await;

    println!("### Authenticated requests ({concurrency} connections, closed loop, the platform in its own process)\n");
    println!("{HEADER}");
    println!("{}", limit.row("limit: minimal axum JSON endpoint", None));
    println!("{}", live.row("GET /health/live (full middleware stack, no auth, no database)", Some(&limit)));
    println!("{}", profile.row("GET /api/v1/auth/profile (Bearer, hot cache)", Some(&limit)));
    println!("{}", uncached.row("GET /api/v1/auth/profile, cache off (Bearer, SQLite read)", Some(&limit)));
    println!("{}", verify.row("POST /api/v1/auth/verify-token (Bearer, SQLite read)", Some(&limit)));
    println!(
        "\nServer (`sojourn serve --only identity`): cold start {:.0} ms; CPU per request: /health/live {:.0} µs, \
         /profile {:.0} µs (cache off: {:.0} µs), /verify-token {:.0} µs; RSS {:.0} MiB.\n",
        server.cold_start.as_secs_f64() * 1000.0,
        live_cpu.us_per(live.requests),
        profile_cpu.us_per(profile.requests),
        uncached_cpu.us_per(uncached.requests),
        verify_cpu.us_per(verify.requests),
        verify_cpu.rss_mib,
    );

    let login = |c: reqwest::Client, u: Arc<str>| {
        move |_| {
            let (c, u) = (c.clone(), u.clone());
            async move {
                let body = json!({"email": "bench@example.com", "password": "Password1!"});
                c.post(&*u).json(&body).send().await.is_ok_and(|r| r.status().is_success())
            }
        }
    };
    let logins_alone = load::run(4, duration, login(client.clone(), login_url.clone())).await;
    let (c, u, t) = (client.clone(), profile_url.clone(), token.clone());
    let profile_alone = load::run(8, duration, move |_| get_ok(c.clone(), u.clone(), Some(t.clone()))).await;
    let (c, u, t) = (client.clone(), profile_url.clone(), token.clone());
    let during = tokio::spawn(load::run(8, duration, move |_| get_ok(c.clone(), u.clone(), Some(t.clone()))));
    let logins_during = load::run(4, duration, login(client.clone(), login_url.clone())).await;
    let profile_during: Summary = during.await.unwrap();

    let hash = AuthConfig::default().password_hash;
    println!(
        "### Argon2id logins (m = {} KiB, t = {}, p = {}; hashing capped at cores − 1)\n",
        hash.memory_kib, hash.iterations, hash.parallelism
    );
    println!("{HEADER}");
    println!("{}", logins_alone.row("POST /login alone (4 clients)", None));
    println!("{}", profile_alone.row("GET /profile alone (8 clients)", None));
    println!("{}", logins_during.row("POST /login while /profile runs (4 clients)", None));
    println!("{}", profile_during.row("GET /profile while logins run (8 clients)", Some(&profile_alone)));
    println!(
        "\n/profile p99 while logins run: {:.2} ms vs {:.2} ms alone ({:.2}×); throughput ratio {:.2}.\n",
        profile_during.p99_us as f64 / 1000.0,
        profile_alone.p99_us as f64 / 1000.0,
        profile_during.p99_us as f64 / profile_alone.p99_us.max(1) as f64,
        profile_during.per_sec / profile_alone.per_sec
    );
    server.stop();
}

/// `/auth/profile` on a second server whose hot cache is off (`server.hot_cache_bytes = 0`):
/// every request reads the account; its throughput and the server's CPU.
async fn profile_uncached(client: &reqwest::Client, concurrency: usize, duration: Duration) -> (Summary, Spent) {
    let dir = tempfile::tempdir().unwrap();
    let env = [("SOJOURN__SERVER__HOT_CACHE_BYTES", "0".to_owned())];
    let server = Server::start_with(dir.path(), &dir.path().join("serve.log"), &["--only", "identity"], &env).await;
    let register = json!({"email": "bench@example.com", "password": "Password1!"});
    let url = format!("{}/api/v1/auth/register", server.base);
    let body: serde_json::Value = client.post(url).json(&register).send().await.unwrap().json().await.unwrap();
    let token: Arc<str> = body["data"]["tokens"]["accessToken"].as_str().unwrap().into();
    let (c, u) = (client.clone(), Arc::<str>::from(format!("{}/api/v1/auth/profile", server.base)));
    let before = server.usage();
    let summary = load::run(concurrency, duration, move |_| get_ok(c.clone(), u.clone(), Some(token.clone()))).await;
    (summary, server.since(before))
}
