//! Fake upstream services (axum on port 0) and a gateway in front of them.

pub mod sockets;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::get;
use platform::config::{Config, UpstreamConfig};
use platform::db::Migration;
use platform::{Context, ContextEnv, Mounted, StartError};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use utoipa::openapi::path::{HttpMethod, Operation, PathItem, Paths};
use utoipa::openapi::{OpenApi, OpenApiBuilder};

/// A context that only describes its routes (the gateway never mounts it): documented ones,
/// and those it serves undocumented (as messaging serves its sockets).
pub struct Described(pub &'static str, pub &'static [&'static str], pub &'static [&'static str]);

#[async_trait]
impl Context for Described {
    fn name(&self) -> &'static str {
        self.0
    }
    fn migrations(&self) -> &'static [Migration] {
        &[]
    }
    fn openapi(&self) -> OpenApi {
        let mut paths = Paths::new();
        for p in self.1 {
            paths.paths.insert((*p).to_owned(), PathItem::new(HttpMethod::Get, Operation::new()));
        }
        OpenApiBuilder::new().paths(paths).build()
    }
    fn undocumented_routes(&self) -> Vec<String> {
        self.2.iter().map(|p| (*p).to_owned()).collect()
    }
    async fn mount(&self, _env: &ContextEnv) -> Result<Mounted, StartError> {
        Err(StartError::Context(self.0.into(), "described only".into()))
    }
}

pub const THINGS: &[&str] = &["/api/v1/things", "/api/v1/things/{id}", "/api/v1/slow", "/api/v1/stream"];
/// The realtime channel's paths, declared the way its context declares them.
pub const SOCKETS: &[&str] = &["/socket.io", "/socket.io/", "/ws"];

/// What a fake instance saw.
#[derive(Default)]
pub struct Seen {
    pub requests: AtomicUsize,
    pub posts: AtomicUsize,
}

pub struct FakeUpstream {
    pub addr: SocketAddr,
    pub seen: Arc<Seen>,
    stop: Option<oneshot::Sender<()>>,
}

impl FakeUpstream {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn thing(
    State((name, seen)): State<(&'static str, Arc<Seen>)>,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
    headers: HeaderMap,
) -> axum::Json<Value> {
    seen.requests.fetch_add(1, Ordering::SeqCst);
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    axum::Json(json!({"instance": name, "id": id, "query": q, "forwardedFor": h("x-forwarded-for"),
        "requestId": h("x-request-id"), "forwardedHost": h("x-forwarded-host"), "authorization": h("authorization")}))
}

pub async fn fake_upstream(name: &'static str) -> FakeUpstream {
    let seen = Arc::new(Seen::default());
    let state = (name, seen.clone());
    let app = Router::new()
        .route("/api/v1/things/{id}", get(thing))
        .route(
            "/api/v1/things",
            axum::routing::post(|State((_, seen)): State<(&'static str, Arc<Seen>)>, body: String| async move {
                seen.posts.fetch_add(1, Ordering::SeqCst);
                (axum::http::StatusCode::CREATED, body)
            }),
        )
        .route(
            "/api/v1/slow",
            get(|Query(q): Query<BTreeMap<String, u64>>| async move {
                tokio::time::sleep(Duration::from_millis(q.get("ms").copied().unwrap_or(0))).await;
                "done"
            }),
        )
        .route(
            "/api/v1/stream",
            get(|| async {
                let chunks = futures_util::stream::unfold(0, |n| async move {
                    match n {
                        0 => Some((Ok::<_, std::io::Error>(bytes_of("first;")), 1)),
                        1 => {
                            tokio::time::sleep(Duration::from_millis(1500)).await;
                            Some((Ok(bytes_of("second")), 2))
                        }
                        _ => None,
                    }
                });
                Body::from_stream(chunks)
            }),
        )
        .route("/health/ready", get(|| async { axum::Json(json!({"status": "ready"})) }))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await;
    });
    FakeUpstream { addr, seen, stop: Some(stop) }
}

fn bytes_of(s: &'static str) -> axum::body::Bytes {
    axum::body::Bytes::from_static(s.as_bytes())
}

pub struct TestGateway {
    pub base: String,
    pub client: reqwest::Client,
    pub config: Config,
    _dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
}

/// A gateway routing `THINGS` to `urls` (the upstream `alpha`), after `tweak`.
pub async fn gateway(urls: Vec<String>, tweak: impl FnOnce(&mut Config)) -> TestGateway {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
    config.gateway.upstreams.insert("alpha".into(), UpstreamConfig { urls, ..UpstreamConfig::default() });
    tweak(&mut config);
    let contexts: Vec<Arc<dyn Context>> = vec![Arc::new(Described("alpha", THINGS, SOCKETS))];
    let gw = gateway::Gateway::build(&config, &contexts, Arc::new(kernel::SystemClock)).await.unwrap();
    let router = gw.service(&config, platform::app::openapi(&contexts)).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(gateway::serve(router, listener, Duration::from_secs(1), async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestGateway { base: format!("http://{addr}"), client, config, _dir: dir, stop: Some(stop) }
}

impl TestGateway {
    /// Starts the gateway's shutdown (1 s of grace).
    pub fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}

/// A port with nothing listening.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// A port that accepts connections and never answers.
pub async fn silent_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}")
}

/// Reads from `socket` until `buf` holds a whole request head, and takes the head out of it;
/// `None` once the connection ends (for upstreams scripted in raw bytes).
pub async fn next_head(socket: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            return Some(buf.drain(..end + 4).collect());
        }
        let mut chunk = [0u8; 4096];
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

/// An upstream scripted in raw bytes: `serve` gets each connection it accepts.
pub async fn raw_upstream<F, Fut>(serve: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(serve(socket));
        }
    });
    url
}
