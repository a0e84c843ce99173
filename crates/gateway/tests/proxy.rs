//! The gateway in front of fake services, over real HTTP: routing and balancing, what it adds
//! to requests, failures (dead and silent instances, breaker, timeouts), streaming, size limits,
//! protocol upgrades and WebSockets, edge authentication, rate limits, CORS, health and docs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "proxy/fast_path.rs"]
mod fast_path;
#[path = "proxy/forwarded.rs"]
mod forwarded;
#[path = "proxy/front.rs"]
mod front;
mod harness;
#[path = "proxy/malformed.rs"]
mod malformed;
#[path = "proxy/upload.rs"]
mod upload;
#[path = "proxy/websocket.rs"]
mod websocket;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use harness::{dead_url, fake_upstream, gateway, silent_url};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn body(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn requests_are_routed_balanced_and_tagged() {
    let (a, b) = (fake_upstream("a").await, fake_upstream("b").await);
    let gw = gateway(vec![a.url(), b.url()], |_| {}).await;
    let mut instances = Vec::new();
    for _ in 0..4 {
        let (status, got) = body(gw.get("/api/v1/things/42?x=1&y=two").await).await;
        assert_eq!(status, 200, "{got}");
        assert_eq!((got["id"].as_str(), got["query"]["y"].as_str()), (Some("42"), Some("two")));
        assert_eq!(got["forwardedFor"], "127.0.0.1");
        assert!(got["requestId"].as_str().is_some_and(|id| id.len() > 10), "generated: {got}");
        instances.push(got["instance"].as_str().unwrap().to_owned());
    }
    instances.sort();
    assert_eq!(instances, ["a", "a", "b", "b"], "round-robin");

    let r = gw.client.get(gw.url("/api/v1/things/1")).header("x-request-id", "trace-123").send().await.unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-123");
    assert_eq!(body(r).await.1["requestId"], "trace-123");

    for path in ["/api/v1/nowhere", "/internal/v1/payment-groups/x"] {
        let (status, got) = body(gw.get(path).await).await;
        assert_eq!((status, got["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    let (status, doc) = body(gw.get("/api-docs/openapi.json").await).await;
    assert_eq!(status, 200);
    assert!(doc["paths"].get("/api/v1/things/{id}").is_some(), "merged document");
}

#[tokio::test]
async fn a_dead_instance_costs_reads_nothing_and_writes_are_never_sent_twice() {
    let live = fake_upstream("live").await;
    let gw = gateway(vec![dead_url(), live.url()], |c| c.gateway.breaker_failures = 100).await;
    for _ in 0..6 {
        assert_eq!(gw.get("/api/v1/things/1").await.status(), 200, "GET retried on the live instance");
    }
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let r = gw.client.post(gw.url("/api/v1/things")).body("{}").send().await.unwrap();
        statuses.push(r.status().as_u16());
    }
    // Half of the posts met the dead instance: 503 (nothing was sent), the others were created.
    assert_eq!(statuses.iter().filter(|s| **s == 503).count(), 3, "{statuses:?}");
    assert_eq!(live.seen.posts.load(Ordering::SeqCst), 3, "each post reached the service at most once");
}

#[tokio::test]
async fn a_failing_instance_opens_its_circuit_then_answers_fast() {
    let silent = silent_url().await;
    let gw = gateway(vec![silent], |c| {
        c.gateway.timeout_secs = 1;
        c.gateway.breaker_failures = 2;
        c.gateway.breaker_open_secs = 60;
    })
    .await;
    for _ in 0..2 {
        let started = Instant::now();
        let (status, got) = body(gw.get("/api/v1/things/1").await).await;
        assert_eq!((status, got["code"].as_str()), (504, Some("upstream_timeout")));
        assert!(started.elapsed() >= Duration::from_millis(900));
    }
    let started = Instant::now();
    let r = gw.get("/api/v1/things/1").await;
    assert_eq!(r.headers()["retry-after"], "5");
    let (status, got) = body(r).await;
    assert_eq!((status, got["code"].as_str()), (503, Some("upstream_unavailable")));
    assert!(started.elapsed() < Duration::from_millis(100), "open circuit answers at once: {:?}", started.elapsed());
    let (_, health) = body(gw.get("/health/ready").await).await;
    assert_eq!(health["upstreams"]["alpha"]["instances"][0]["circuit"], "open", "{health}");
}

#[tokio::test]
async fn an_open_circuit_closes_once_the_instance_is_back() {
    let mut first = fake_upstream("x").await;
    let url = first.url();
    first.stop();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let gw = gateway(vec![url.clone()], |c| {
        c.gateway.breaker_failures = 1;
        c.gateway.breaker_open_secs = 1;
    })
    .await;
    assert_eq!(gw.get("/api/v1/things/1").await.status(), 503);
    // The same address serves again.
    let listener = tokio::net::TcpListener::bind(url.trim_start_matches("http://")).await.unwrap();
    let app = axum::Router::new().route("/api/v1/things/{id}", axum::routing::get(|| async { "back" }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    assert_eq!(gw.get("/api/v1/things/1").await.status(), 503, "still open");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let r = gw.get("/api/v1/things/1").await;
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, "back".to_owned()));
}

#[tokio::test]
async fn bodies_stream_through_and_oversized_ones_are_refused() {
    let up = fake_upstream("s").await;
    let gw = gateway(vec![up.url()], |c| c.server.body_limit_bytes = 4096).await;
    let started = Instant::now();
    let mut r = gw.get("/api/v1/stream").await;
    let first = r.chunk().await.unwrap().unwrap();
    assert_eq!(&first[..], b"first;");
    assert!(started.elapsed() < Duration::from_millis(1000), "first chunk before the upstream finished");
    assert_eq!(&r.chunk().await.unwrap().unwrap()[..], b"second");

    let big = vec![b'x'; 5000];
    let (status, got) = body(gw.client.post(gw.url("/api/v1/things")).body(big.clone()).send().await.unwrap()).await;
    assert_eq!((status, got["code"].as_str()), (413, Some("payload_too_large")));
    // Chunked, no length announced: cut at the limit while streaming.
    let mut conn = tokio::net::TcpStream::connect(gw.base.trim_start_matches("http://")).await.unwrap();
    let mut request = b"POST /api/v1/things HTTP/1.1\r\nhost: gw\r\ntransfer-encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..5 {
        request.extend_from_slice(b"3e8\r\n");
        request.extend_from_slice(&[b'x'; 1000]);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"0\r\n\r\n");
    conn.write_all(&request).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf)).await.unwrap().unwrap();
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 413"), "a chunked body is cut at the limit too: {head}");
    assert_eq!(up.seen.posts.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn tokens_are_checked_at_the_edge_and_limits_counted_per_client() {
    let up = fake_upstream("a").await;
    let gw = gateway(vec![up.url()], |c| c.gateway.rate_limit = platform::config::Limit::new(5, 60)).await;
    let r = gw.client.get(gw.url("/api/v1/things/1")).bearer_auth("forged.token.here").send().await.unwrap();
    let (status, got) = body(r).await;
    assert_eq!((status, got["success"].as_bool()), (401, Some(false)));
    assert_eq!(up.seen.requests.load(Ordering::SeqCst), 0, "never reached the service");
    // A token signed with this deployment's key passes, header intact.
    let secrets = platform::secrets::resolve(&gw.config, platform::secrets::PLATFORM_SECRETS).unwrap();
    let keys = platform::auth::SigningKeys::from_secrets(&secrets).unwrap();
    let auth = platform::auth::Auth::new(keys, &gw.config.auth, std::sync::Arc::new(kernel::SystemClock));
    let token = auth.issue(kernel::new_id(), kernel::new_id(), platform::auth::Role::User).unwrap().token;
    let r = gw.client.get(gw.url("/api/v1/things/1")).bearer_auth(&token).send().await.unwrap();
    let (status, got) = body(r).await;
    assert_eq!(status, 200);
    assert_eq!(got["authorization"], format!("Bearer {token}"));
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(gw.get("/api/v1/things/1").await.status().as_u16());
    }
    // 5 per minute: the refused token and the good one above counted too.
    assert_eq!(statuses, [200, 200, 200, 429, 429, 429]);
    assert_eq!(gw.get("/health/live").await.status(), 200, "the gateway's own endpoints are not limited");
}

#[tokio::test]
async fn preflights_are_answered_at_the_edge_and_health_follows_the_upstreams() {
    let mut up = fake_upstream("a").await;
    let gw = gateway(vec![up.url()], |_| {}).await;
    let r = gw
        .client
        .request(reqwest::Method::OPTIONS, gw.url("/api/v1/things/1"))
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "http://localhost:5173");
    let r = gw.client.get(gw.url("/api/v1/things/1")).header("origin", "http://localhost:5173").send().await.unwrap();
    assert_eq!(r.headers().get_all("access-control-allow-origin").iter().count(), 1);

    let (status, health) = body(gw.get("/health/ready").await).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ready")), "{health}");
    up.stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (status, health) = body(gw.get("/health/ready").await).await;
    assert_eq!((status, health["upstreams"]["alpha"]["ready"].as_bool()), (503, Some(false)), "{health}");
    assert_eq!(gw.get("/health/live").await.status(), 200);
}

#[tokio::test]
async fn upgraded_connections_are_tunnelled_both_ways() {
    // An upstream that switches protocols and echoes.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let n = socket.read(&mut buf).await.unwrap();
        let head = String::from_utf8_lossy(&buf[..n]).to_lowercase();
        assert!(head.contains("upgrade: echo") && head.contains("connection: upgrade"), "{head}");
        socket
            .write_all(b"HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n")
            .await
            .unwrap();
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            socket.write_all(&buf[..n]).await.unwrap();
        }
    });
    let gw = gateway(vec![format!("http://{addr}")], |_| {}).await;
    let mut conn = tokio::net::TcpStream::connect(gw.base.trim_start_matches("http://")).await.unwrap();
    conn.write_all(b"GET /api/v1/things/ws HTTP/1.1\r\nhost: gw\r\nconnection: upgrade\r\nupgrade: echo\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = conn.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 101"), "{}", String::from_utf8_lossy(&buf[..n]));
    conn.write_all(b"ping through the gateway").await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut buf)).await.unwrap().unwrap();
    assert_eq!(&buf[..n], b"ping through the gateway");
}
