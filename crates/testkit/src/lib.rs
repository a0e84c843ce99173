//! Test harness for Sojourn: [`spawn_app`] starts the real application on port 0 with a
//! fresh temporary data directory — or, when `SOJOURN_TEST_POSTGRES_URL` is set, a fresh
//! PostgreSQL schema per test — and returns a client pointed at it.
//!
//! It also ships [`probe`], a minimal context that exercises the platform (database,
//! outbox, subscriptions, error paths) without any domain logic, so the foundation can be
//! tested through HTTP like every real context.
//!
//! For the realtime channel: [`socketio::SioDriver`] runs the official Socket.IO v4 client
//! (npm) from a test, and [`ws::WsClient`] is a plain WebSocket client for `/ws`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod accounts;
pub mod probe;
pub mod socketio;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use platform::config::Config;
use platform::{App, Context, Platform, StartError};
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Environment variable naming a PostgreSQL server to run the suites against.
pub const POSTGRES_ENV: &str = "SOJOURN_TEST_POSTGRES_URL";

/// The PostgreSQL URL tests should use, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var(POSTGRES_ENV).ok().filter(|v| !v.trim().is_empty())
}

/// `url` (a PostgreSQL URL) naming database `database` instead, its query parameters
/// (`sslmode`, `sslrootcert=/path/ca.pem`, ...) kept: suites that create databases of their own
/// must reach them the way they reach the test server (CI's is TLS-only).
pub fn postgres_url_with_database(url: &str, database: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let server = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

/// The URL of an external service a suite needs (`SOJOURN_TEST_NATS_URL`, `…_REDIS_URL`,
/// `…_S3_URL`): `None` means skip — except with `CI=true`, where a missing one fails the test,
/// so CI never passes by skipping.
pub fn service_url(var: &str) -> Option<String> {
    let url = std::env::var(var).ok().filter(|v| !v.trim().is_empty());
    if url.is_none() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs {var}");
        eprintln!("skipped: {var} is not set");
    }
    url
}

/// A [`TestApp`] on a [`kernel::ManualClock`] the test moves, with its data directory: the
/// harness of suites whose rules depend on time (holds, windows, check-ins).
pub struct ClockedApp {
    pub app: TestApp,
    pub clock: Arc<kernel::ManualClock>,
    _dir: TempDir,
}

impl std::ops::Deref for ClockedApp {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// Starts `contexts` on [`quick_config`] with the clock at `now` (RFC 3339).
pub async fn spawn_clocked(now: &str, contexts: Vec<Arc<dyn Context>>) -> ClockedApp {
    let clock = Arc::new(kernel::ManualClock::new(now.parse().expect("an RFC 3339 instant")));
    let dir = tempfile::tempdir().expect("temp dir");
    let config = quick_config(&dir);
    let app = spawn_config_with_clock(config, contexts, clock.clone()).await;
    ClockedApp { app, clock, _dir: dir }
}

/// A running application.
pub struct TestApp {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub client: reqwest::Client,
    pub platform: Platform,
    /// The temporary data directory, when the harness created it.
    pub data_dir: Option<TempDir>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), StartError>>>,
}

/// A config for one isolated test: temp data dir, port 0, a unique PostgreSQL schema prefix
/// when PostgreSQL is in use, and no background relay (tests call `drain()`).
pub fn test_config(dir: &TempDir) -> Config {
    let mut config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
    config.server.host = "127.0.0.1".into();
    config.server.port = 0;
    config.server.shutdown_grace_secs = 5;
    config.events.relay_enabled = false;
    if let Some(url) = postgres_url() {
        config.database.url = Some(url);
        let unique = kernel::new_id().simple().to_string();
        // The random tail of a v7 id: unique per test, short enough for schema names.
        config.database.schema_prefix = format!("t{}_", &unique[unique.len() - 12..]);
        // Each context has its own pool: the whole product is a dozen pools, two tests run at
        // once, and a finished test's connections take a moment to go. Two connections each keep
        // that under PostgreSQL's default `max_connections` (100).
        config.database.max_connections = 2;
    }
    config
}

/// [`test_config`] for suites that spin many accounts through every context: password
/// hashing cheap (its cost is identity's own tests' business), no rate limits, and the
/// booking scheduler left to the test (it runs jobs through the admin endpoint).
pub fn quick_config(dir: &TempDir) -> Config {
    let mut config = test_config(dir);
    config.auth.password_hash.memory_kib = 1024;
    config.auth.password_hash.iterations = 1;
    config.rate_limit.enabled = false;
    config.booking.jobs_interval_secs = 3600;
    config
}

/// Starts the app with the probe context. Its tests look at the relay itself (what is pending,
/// what a drain publishes), so requests do not wait for their events here
/// (`events.read_your_writes` off); `spawn_with` keeps the default.
pub async fn spawn_app() -> TestApp {
    spawn_with(vec![Arc::new(probe::Probe)], |c| c.events.read_your_writes = false).await
}

/// Starts the app with `contexts`, after `tweak` adjusts the test config.
pub async fn spawn_with(contexts: Vec<Arc<dyn Context>>, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(&dir);
    tweak(&mut config);
    let mut app = spawn_config(config, contexts).await;
    app.data_dir = Some(dir);
    app
}

/// Starts the app on exactly `config` (the caller keeps the data directory alive, e.g. to
/// restart on the same data).
pub async fn spawn_config(config: Config, contexts: Vec<Arc<dyn Context>>) -> TestApp {
    spawn_config_with_clock(config, contexts, Arc::new(kernel::SystemClock)).await
}

/// Starts the app on `config` with `clock` as every context's "now".
pub async fn spawn_config_with_clock(
    config: Config,
    contexts: Vec<Arc<dyn Context>>,
    clock: Arc<dyn kernel::Clock>,
) -> TestApp {
    let listener =
        tokio::net::TcpListener::bind((config.server.host.as_str(), config.server.port)).await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    // As `sojourn serve` does: links and media URLs point at the port really bound (port 0).
    let mut config = config;
    config.server.listening_on(addr);
    let app = Box::pin(App::build_with_clock(config, contexts, clock)).await.expect("app builds");
    let platform = app.platform.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(app.serve(listener, async move {
        let _ = stopped.await;
    }));
    TestApp {
        addr,
        base: format!("http://{addr}"),
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
        platform,
        data_dir: None,
        stop: Some(stop),
        task: Some(task),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.client.post(self.url(path)).json(body).send().await.expect("request")
    }

    /// `method path`, with the access token when given and `body` as JSON when given: what
    /// almost every HTTP test sends.
    pub async fn call(
        &self,
        method: reqwest::Method,
        token: Option<&str>,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.expect("request")
    }

    /// Sends `body` verbatim as `application/json` (for malformed-JSON tests).
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// Publishes every committed event and waits for the handlers.
    pub async fn drain_events(&self) -> platform::events::RelayStats {
        self.platform.relay.drain().await
    }

    /// Triggers graceful shutdown and waits for the server to finish.
    pub async fn shutdown(mut self) -> Result<(), StartError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await.expect("server task"),
            None => Ok(()),
        }
    }

    /// Starts graceful shutdown without waiting; `join` waits.
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub async fn join(mut self) -> Result<(), StartError> {
        match self.task.take() {
            Some(task) => task.await.expect("server task"),
            None => Ok(()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Status and parsed JSON body of a response.
pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, body)
}

/// Asserts the standard error envelope with `status` and `code`; returns the body.
pub async fn expect_error(response: reqwest::Response, status: u16, code: &str) -> Value {
    let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let (got, body) = json(response).await;
    assert_eq!(got, status, "status; body: {body}");
    assert!(content_type.starts_with("application/json"), "content-type {content_type}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert_eq!(body["error"], body["message"], "{body}");
    body
}
