//! The gateway's own HTTP/1.1 client (bodiless GET/HEAD/OPTIONS) against a scripted upstream
//! speaking raw HTTP: connections kept and reused, a connection the upstream closed while idle
//! replaced without the client noticing, every body framing (length, chunked in pieces, until
//! close, none), and broken answers turned into 502s or aborted bodies — never a hang.
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::harness::gateway;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A raw upstream: answers by the last path segment of each request, counting connections.
struct Scripted {
    url: String,
    connections: Arc<AtomicUsize>,
}

async fn scripted() -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve(socket));
        }
    });
    Scripted { url, connections }
}

async fn serve(mut socket: TcpStream) {
    let mut buf = Vec::new();
    loop {
        let head = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).into_owned();
                buf.drain(..end + 4);
                break head;
            }
            let mut chunk = [0u8; 4096];
            match socket.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let line = head.lines().next().unwrap_or_default().to_owned();
        let target = line.split(' ').nth(1).unwrap_or_default();
        let script = target.rsplit('/').next().unwrap_or_default();
        let pieces: Vec<&[u8]> = match script {
            "keep" => vec![b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"],
            "head" if line.starts_with("HEAD") => vec![b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"],
            "empty" => vec![b"HTTP/1.1 204 No Content\r\n\r\n"],
            "chunked" => vec![
                b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-type: text/plain\r\n\r\n",
                b"6\r\nfirst;\r",
                b"\n",
                b"7;x=y\r\nsecond;\r\n5\r\nthird\r\n0\r\ntrailer: t\r\n\r\n",
            ],
            "informational" => {
                vec![b"HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nafter"]
            }
            "until-close" => vec![b"HTTP/1.1 200 OK\r\n\r\nall of it", b" until the end"],
            // Answers, then closes without saying so: the kept connection goes stale.
            "then-close" => vec![b"HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nclosed"],
            "garbage" => vec![b"SSH-2.0-OpenSSH_9.2\r\n\r\n"],
            "short" => vec![b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b"],
            _ => vec![b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"],
        };
        for piece in pieces {
            if socket.write_all(piece).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if matches!(script, "until-close" | "then-close" | "garbage" | "short") {
            return;
        }
    }
}

#[tokio::test]
async fn connections_are_kept_reused_and_replaced_when_stale() {
    let up = scripted().await;
    let gw = gateway(vec![up.url.clone()], |_| {}).await;
    for _ in 0..10 {
        let r = gw.get("/api/v1/things/keep").await;
        assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, "ok".to_owned()));
    }
    assert_eq!(up.connections.load(Ordering::SeqCst), 1, "one kept-alive connection served all ten");
    let metrics = gw.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(&format!("sojourn_gateway_idle_connections{{upstream=\"alpha\",instance=\"{}\"}} 1", up.url))
    );

    // Each answer closes its connection once sent: every next request finds the kept one dead
    // and must go through on a new one, unnoticed by the client.
    for _ in 0..5 {
        let r = gw.get("/api/v1/things/then-close").await;
        assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, "closed".to_owned()));
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    // The first went out on the connection kept from before; the other four found theirs dead.
    assert_eq!(up.connections.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn every_body_framing_arrives_whole() {
    let up = scripted().await;
    let gw = gateway(vec![up.url.clone()], |_| {}).await;
    let r = gw.get("/api/v1/things/chunked").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("trailer").is_none() && r.headers()["content-type"] == "text/plain");
    assert_eq!(r.text().await.unwrap(), "first;second;third");

    let r = gw.get("/api/v1/things/until-close").await;
    assert_eq!(r.text().await.unwrap(), "all of it until the end");

    let r = gw.get("/api/v1/things/informational").await;
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, "after".to_owned()));

    let r = gw.get("/api/v1/things/empty").await;
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (204, String::new()));

    let r = gw.client.head(gw.url("/api/v1/things/head")).send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-length"].to_str().unwrap()), (200, "2"));

    // After chunked, empty and HEAD answers the connections were kept: a plain one reuses them.
    let before = up.connections.load(Ordering::SeqCst);
    assert_eq!(gw.get("/api/v1/things/keep").await.status(), 200);
    assert_eq!(up.connections.load(Ordering::SeqCst), before, "a kept connection served it");
}

#[tokio::test]
async fn broken_answers_are_502s_and_short_bodies_abort() {
    let up = scripted().await;
    let gw = gateway(vec![up.url.clone()], |c| c.gateway.breaker_failures = 100).await;
    let r = gw.get("/api/v1/things/garbage").await;
    assert_eq!(r.status(), 502);
    let got: serde_json::Value = r.json().await.unwrap();
    assert_eq!(got["code"], "upstream_error");

    // The head was fine, so it went out; the body then stops short: the client must see an
    // error, not a truncated body passed off as whole.
    let r = gw.get("/api/v1/things/short").await;
    assert_eq!(r.status(), 200);
    assert!(tokio::time::timeout(Duration::from_secs(5), r.bytes()).await.unwrap().is_err());

    let r = gw.get("/api/v1/things/keep").await;
    assert_eq!(r.text().await.unwrap(), "ok", "the gateway still serves");
}

#[tokio::test]
async fn shortcut_answers_carry_the_same_cors_headers_as_routed_ones() {
    let up = scripted().await;
    let gw = gateway(vec![up.url.clone()], |c| c.cors.allowed_origins = vec!["https://app.example".into()]).await;
    let cors = |r: &reqwest::Response| {
        let mut h: Vec<String> = r
            .headers()
            .iter()
            .filter(|(n, _)| n.as_str() == "vary" || n.as_str().starts_with("access-control-"))
            .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
            .collect();
        h.sort();
        h
    };
    // Without Origin: the proxy's shortcut; the gateway's own route goes through the CORS layer.
    let proxied = gw.get("/api/v1/things/keep").await;
    let local = gw.get("/health/live").await;
    assert!(!cors(&proxied).is_empty(), "the layer's headers are added: {:?}", proxied.headers());
    assert_eq!(cors(&proxied), cors(&local));
    // With Origin the request takes the router: the origin is allowed by name.
    let r = gw.client.get(gw.url("/api/v1/things/keep")).header("origin", "https://app.example").send().await.unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "https://app.example");
    assert_eq!(r.text().await.unwrap(), "ok");
}
