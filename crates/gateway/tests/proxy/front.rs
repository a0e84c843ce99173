//! The gateway's own HTTP/1.1 front, spoken to in raw bytes: what the shortcut forwards and
//! drops on the way up and back, pipelined requests, a connection handed to hyper half-way
//! (a request with a body after plain reads), `Connection: close`, `HEAD` envelopes, heads the
//! shortcut does not take (answered by hyper as before, never a 5xx or a hang), and shutdown.
use std::time::Duration;

use crate::harness::{fake_upstream, gateway, next_head, raw_upstream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub struct Answer {
    pub status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Reads one answer (to a request that was `HEAD` when `head`), leaving what follows in `buf`.
pub async fn read_answer(stream: &mut TcpStream, buf: &mut Vec<u8>, head: bool) -> Answer {
    let read_more = async |stream: &mut TcpStream, buf: &mut Vec<u8>| {
        let mut chunk = [0u8; 8192];
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk)).await.unwrap().unwrap();
        assert!(n > 0, "connection closed before a whole answer: {:?}", String::from_utf8_lossy(buf));
        buf.extend_from_slice(&chunk[..n]);
    };
    let (status, headers, len) = loop {
        let mut slots = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Response::new(&mut slots);
        if let httparse::Status::Complete(len) = parsed.parse(buf).unwrap() {
            let headers = parsed
                .headers
                .iter()
                .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
                .collect::<Vec<_>>();
            break (parsed.code.unwrap(), headers, len);
        }
        read_more(stream, buf).await;
    };
    buf.drain(..len);
    let mut answer = Answer { status, headers, body: Vec::new() };
    if head || status == 204 || status == 304 {
        return answer;
    }
    if let Some(length) = answer.header("content-length") {
        let length: usize = length.parse().unwrap();
        while buf.len() < length {
            read_more(stream, buf).await;
        }
        answer.body = buf.drain(..length).collect();
        return answer;
    }
    assert_eq!(answer.header("transfer-encoding"), Some("chunked"), "framed: {:?}", answer.headers);
    loop {
        let Some(end) = buf.windows(2).position(|w| w == b"\r\n") else {
            read_more(stream, buf).await;
            continue;
        };
        let size = usize::from_str_radix(std::str::from_utf8(&buf[..end]).unwrap(), 16).unwrap();
        while buf.len() < end + 2 + size + 2 {
            read_more(stream, buf).await;
        }
        answer.body.extend_from_slice(&buf[end + 2..end + 2 + size]);
        buf.drain(..end + 2 + size + 2);
        if size == 0 {
            return answer;
        }
    }
}

pub async fn connect(base: &str) -> TcpStream {
    TcpStream::connect(base.trim_start_matches("http://")).await.unwrap()
}

/// An upstream that answers every request with the request's own head as the body, and with
/// headers the gateway must not pass on.
async fn mirror() -> String {
    raw_upstream(|mut socket| async move {
        let mut buf = Vec::new();
        while let Some(head) = next_head(&mut socket, &mut buf).await {
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: x-secret, keep-alive\r\nx-secret: 1\r\n\
                 keep-alive: timeout=5\r\naccess-control-allow-origin: *\r\nx-request-id: upstream-chosen\r\n\
                 x-kept: yes\r\n\r\n",
                head.len()
            );
            if socket.write_all(&[answer.as_bytes(), &head].concat()).await.is_err() {
                return;
            }
        }
    })
    .await
}

#[tokio::test]
async fn the_shortcut_forwards_what_it_should_and_drops_hop_by_hop_headers_both_ways() {
    let up = mirror().await;
    let gw = gateway(vec![up.clone()], |_| {}).await;
    let mut client = connect(&gw.base).await;
    client
        .write_all(
            b"GET /api/v1/things/1?q=a%20b HTTP/1.1\r\nHost: gw.example\r\nX-Custom: yes\r\nTE: trailers\r\n\
              Keep-Alive: 5\r\nProxy-Authorization: Basic eA==\r\nX-Forwarded-For: 6.6.6.6\r\n\
              X-Forwarded-Host: evil.example\r\nX-Forwarded-Proto: https\r\n\r\n",
        )
        .await
        .unwrap();
    let mut buf = Vec::new();
    let answer = read_answer(&mut client, &mut buf, false).await;
    assert_eq!(answer.status, 200);
    let seen = answer.text().to_ascii_lowercase();
    assert!(seen.starts_with("get /api/v1/things/1?q=a%20b http/1.1\r\n"), "{seen}");
    assert!(seen.contains(&format!("host: {}\r\n", up.trim_start_matches("http://"))), "{seen}");
    for expected in
        ["x-custom: yes", "x-forwarded-for: 127.0.0.1\r", "x-forwarded-host: gw.example", "x-forwarded-proto: http\r"]
    {
        assert!(seen.contains(expected), "{expected} missing from {seen}");
    }
    for dropped in ["te:", "keep-alive", "proxy-authorization", "6.6.6.6", "evil.example", "https"] {
        assert!(!seen.contains(dropped), "{dropped} forwarded: {seen}");
    }
    let id = answer.header("x-request-id").unwrap().to_owned();
    assert!(seen.contains(&format!("x-request-id: {}\r\n", id.to_ascii_lowercase())), "same id both ways");
    // The upstream's connection headers, CORS headers and request id stay behind.
    assert_eq!(answer.header("x-kept"), Some("yes"));
    for name in ["x-secret", "keep-alive", "access-control-allow-origin"] {
        assert!(answer.header(name).is_none(), "{name} passed on: {:?}", answer.headers);
    }
    assert_ne!(id, "upstream-chosen");
}

#[tokio::test]
async fn pipelined_reads_then_a_write_share_one_connection() {
    let up = fake_upstream("a").await;
    let gw = gateway(vec![up.url()], |_| {}).await;
    let mut client = connect(&gw.base).await;
    let get = |id: u32| format!("GET /api/v1/things/{id} HTTP/1.1\r\nhost: gw\r\n\r\n");
    client.write_all(format!("{}{}", get(1), get(2)).as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    for id in ["1", "2"] {
        let answer = read_answer(&mut client, &mut buf, false).await;
        let got: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!((answer.status, got["id"].as_str()), (200, Some(id)), "in order");
    }
    // A request with a body: the connection goes to hyper's server, bytes read so far included.
    let post = "POST /api/v1/things HTTP/1.1\r\nhost: gw\r\ncontent-length: 9\r\n\r\n{\"a\":\"b\"}";
    client.write_all(format!("{post}{}", get(3)).as_bytes()).await.unwrap();
    let created = read_answer(&mut client, &mut buf, false).await;
    assert_eq!((created.status, created.text()), (201, "{\"a\":\"b\"}".to_owned()));
    let after = read_answer(&mut client, &mut buf, false).await;
    assert_eq!(after.status, 200, "{}", after.text());
    assert!(after.text().contains("\"id\":\"3\""));
}

#[tokio::test]
async fn close_head_envelopes_and_heads_the_shortcut_does_not_take() {
    let up = fake_upstream("a").await;
    let gw = gateway(vec![up.url()], |_| {}).await;

    // A refused token on HEAD: the envelope's length, no body, the connection still serves.
    let mut client = connect(&gw.base).await;
    client
        .write_all(b"HEAD /api/v1/things/1 HTTP/1.1\r\nhost: gw\r\nauthorization: Bearer nope\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let refused = read_answer(&mut client, &mut buf, true).await;
    assert_eq!(refused.status, 401);
    assert!(refused.header("content-length").is_some_and(|n| n != "0") && refused.header("date").is_some());
    assert!(refused.header("x-request-id").is_some());
    client.write_all(b"GET /api/v1/things/2 HTTP/1.1\r\nhost: gw\r\nconnection: close\r\n\r\n").await.unwrap();
    let last = read_answer(&mut client, &mut buf, false).await;
    assert_eq!((last.status, last.header("connection")), (200, Some("close")));
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), client.read_to_end(&mut rest)).await.unwrap();
    assert!(closed.is_ok() && rest.is_empty() && buf.is_empty(), "closed after the answer");

    // HTTP/1.0, a header continuation line, a missing Host, and garbage: hyper's to answer.
    for (request, expected) in [
        (&b"GET /api/v1/things/3 HTTP/1.0\r\n\r\n"[..], 200),
        (b"GET /api/v1/things/3 HTTP/1.1\r\n\r\n", 200),
        (b"GET /api/v1/things/3 HTTP/1.1\r\nhost: gw\r\nx-a: 1\r\n folded\r\n\r\n", 400),
        (b"NOT HTTP AT ALL\r\n\r\n", 400),
    ] {
        let mut client = connect(&gw.base).await;
        client.write_all(request).await.unwrap();
        let mut buf = Vec::new();
        let answer = read_answer(&mut client, &mut buf, false).await;
        assert_eq!(answer.status, expected, "{:?}", String::from_utf8_lossy(request));
    }
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
    let up = fake_upstream("a").await;
    let mut gw = gateway(vec![up.url()], |_| {}).await;
    let mut idle = connect(&gw.base).await;
    let mut busy = connect(&gw.base).await;
    busy.write_all(b"GET /api/v1/slow?ms=400 HTTP/1.1\r\nhost: gw\r\n\r\n").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    gw.shut_down();
    let mut buf = Vec::new();
    let answer = read_answer(&mut busy, &mut buf, false).await;
    assert_eq!((answer.status, answer.text(), answer.header("connection")), (200, "done".to_owned(), Some("close")));
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(2), idle.read(&mut byte)).await.expect("idle one closed");
    assert!(matches!(read, Ok(0) | Err(_)), "nothing but the close: {read:?}");
    assert!(TcpStream::connect(gw.base.trim_start_matches("http://")).await.is_err(), "no longer accepting");
}

/// Whether the gateway closes `stream` within `within` (without answering anything).
async fn closed_within(stream: &mut (impl AsyncReadExt + Unpin), within: Duration) -> bool {
    let mut byte = [0u8; 1];
    matches!(tokio::time::timeout(within, stream.read(&mut byte)).await, Ok(Ok(0) | Err(_)))
}

#[tokio::test]
async fn slow_heads_and_idle_connections_are_closed_on_either_server() {
    let up = fake_upstream("a").await;
    let gw = gateway(vec![up.url()], |c| {
        c.gateway.header_timeout_secs = 1;
        c.gateway.keep_alive_secs = 1;
    })
    .await;
    // Half a head on the shortcut's server, never finished.
    let mut slow = connect(&gw.base).await;
    slow.write_all(b"GET /api/v1/things/1 HTTP/1.1\r\nhost: gw\r\nx-a:").await.unwrap();
    // Idle after one answer.
    let mut idle = connect(&gw.base).await;
    idle.write_all(b"GET /api/v1/things/1 HTTP/1.1\r\nhost: gw\r\n\r\n").await.unwrap();
    assert_eq!(read_answer(&mut idle, &mut Vec::new(), false).await.status, 200);
    // Handed to hyper by a request with a body, then half a head.
    let mut handed = connect(&gw.base).await;
    handed.write_all(b"POST /api/v1/things HTTP/1.1\r\nhost: gw\r\ncontent-length: 2\r\n\r\n{}").await.unwrap();
    assert_eq!(read_answer(&mut handed, &mut Vec::new(), false).await.status, 201);
    handed.write_all(b"GET /api/v1/things/1 HTTP/1.1\r\nho").await.unwrap();

    for (what, stream) in [("slow head", &mut slow), ("idle", &mut idle), ("slow head after hand-over", &mut handed)] {
        assert!(closed_within(stream, Duration::from_secs(4)).await, "{what}: still open");
    }
    // A head trickling in a byte at a time: the timeout runs from its first byte.
    let (mut reader, mut writer) = connect(&gw.base).await.into_split();
    tokio::spawn(async move {
        let _ = writer.write_all(b"GET /api/v1/things/1 HTTP/1.1\r\nx-slow: ").await;
        for _ in 0..40 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b"a").await.is_err() {
                return;
            }
        }
    });
    assert!(closed_within(&mut reader, Duration::from_secs(4)).await, "trickling head: still open");
}
