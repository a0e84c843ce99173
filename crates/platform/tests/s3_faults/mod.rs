//! A proxy in front of the test S3 server that fails chosen requests with a 500 (and counts the
//! aborted multipart uploads it sees), to test what the store does when S3 fails half-way.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

type Rule = dyn Fn(&str, &str) -> bool + Send + Sync;

#[derive(Clone)]
struct Proxy {
    upstream: String,
    client: reqwest::Client,
    fail: Arc<Rule>,
    aborts: Arc<AtomicUsize>,
}

pub struct FaultyS3 {
    /// Where to point the store under test.
    pub endpoint: String,
    aborts: Arc<AtomicUsize>,
}

impl FaultyS3 {
    /// Forwards everything to `upstream`, except requests for which `fail(method, query)` holds.
    pub async fn start(upstream: &str, fail: impl Fn(&str, &str) -> bool + Send + Sync + 'static) -> Self {
        let aborts = Arc::new(AtomicUsize::new(0));
        let proxy = Proxy {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            fail: Arc::new(fail),
            aborts: aborts.clone(),
        };
        let router = axum::Router::new().fallback(forward).with_state(proxy);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { endpoint: format!("http://{addr}"), aborts }
    }

    /// Multipart aborts (`DELETE …?uploadId=`) forwarded so far.
    pub fn aborts(&self) -> usize {
        self.aborts.load(Ordering::SeqCst)
    }
}

async fn forward(State(proxy): State<Proxy>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let method = parts.method.as_str().to_owned();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    if (proxy.fail)(&method, &query) {
        return (StatusCode::INTERNAL_SERVER_ERROR, "injected failure").into_response();
    }
    if method == "DELETE" && query.contains("uploadId") {
        proxy.aborts.fetch_add(1, Ordering::SeqCst);
    }
    let target = format!("{}{}", proxy.upstream, parts.uri.path_and_query().map_or("/", |p| p.as_str()));
    // Headers as signed, `host` included, so that a server checking signatures accepts them.
    let mut forwarded = proxy.client.request(parts.method, target).body(body);
    for (name, value) in &parts.headers {
        if name != "content-length" {
            forwarded = forwarded.header(name, value);
        }
    }
    let Ok(answer) = forwarded.send().await else { return StatusCode::BAD_GATEWAY.into_response() };
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.unwrap_or_default();
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in &headers {
        if name != "content-length" && name != "transfer-encoding" {
            response.headers_mut().insert(name, value.clone());
        }
    }
    response
}
