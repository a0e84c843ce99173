//! Connection timeouts of `sojourn serve`, spoken to in raw bytes: a client that does not send
//! its whole request head within `server.header_read_timeout_secs` (from its first byte) is
//! disconnected, however slowly it trickles; a normal request and a keep-alive reuse after a
//! pause longer than that still work; a kept-alive connection idle for
//! `server.idle_timeout_secs` is closed. HTTP/2 without TLS is still served.

use std::sync::Arc;
use std::time::{Duration, Instant};

use testkit::{TestApp, spawn_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn app(header_read: u64, idle: u64) -> TestApp {
    spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| {
        c.server.header_read_timeout_secs = header_read;
        c.server.idle_timeout_secs = idle;
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    TcpStream::connect(app.url("").trim_start_matches("http://")).await.unwrap()
}

/// Waits (at most `within`) for the server to close the connection; returns how long it took.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    match tokio::time::timeout(within, stream.read(&mut buf)).await {
        Err(_) => panic!("still open after {within:?}"),
        Ok(Ok(0) | Err(_)) => started.elapsed(),
        Ok(Ok(n)) => panic!("unexpected answer: {:?}", String::from_utf8_lossy(&buf[..n])),
    }
}

/// Reads one answer with a `Content-Length`; returns its status line.
async fn answer(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .expect("content-length");
            while buf.len() < end + 4 + length {
                let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk)).await.unwrap().unwrap();
                assert!(n > 0, "closed mid-body");
                buf.extend_from_slice(&chunk[..n]);
            }
            return head.lines().next().unwrap().to_owned();
        }
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk)).await.unwrap().unwrap();
        assert!(n > 0, "closed before an answer: {:?}", String::from_utf8_lossy(&buf));
        buf.extend_from_slice(&chunk[..n]);
    }
}

const LIVE: &[u8] = b"GET /health/live HTTP/1.1\r\nHost: sojourn\r\n\r\n";

#[tokio::test]
async fn a_request_head_sent_too_slowly_is_cut_off() {
    let app = app(1, 30).await;

    // Half a head, then nothing.
    let mut half = connect(&app).await;
    half.write_all(b"GET /health/live HTTP/1.1\r\nHost: sojourn\r\n").await.unwrap();
    let took = closed_within(&mut half, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(800), "closed too early: {took:?}");

    // A byte at a time, never finishing: the clock started with the first byte.
    let mut trickle = connect(&app).await;
    let started = Instant::now();
    let mut cut = false;
    for byte in b"GET /health/live HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"
        .iter()
        .cycle()
        .take(400)
    {
        if trickle.write_all(&[*byte]).await.is_err() {
            cut = true;
            break;
        }
        let mut probe = [0u8; 64];
        match tokio::time::timeout(Duration::from_millis(100), trickle.read(&mut probe)).await {
            Ok(Ok(0) | Err(_)) => {
                cut = true;
                break;
            }
            Ok(Ok(n)) => panic!("unexpected answer: {:?}", String::from_utf8_lossy(&probe[..n])),
            Err(_) => {}
        }
    }
    assert!(cut, "a trickling head was never cut off");
    assert!(started.elapsed() < Duration::from_secs(4), "cut off late: {:?}", started.elapsed());

    // A whole request is answered, and the connection is reused after a pause longer than the
    // header-read timeout (that clock only runs while a head is being sent).
    let mut kept = connect(&app).await;
    kept.write_all(LIVE).await.unwrap();
    assert_eq!(answer(&mut kept).await, "HTTP/1.1 200 OK");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    kept.write_all(LIVE).await.unwrap();
    assert_eq!(answer(&mut kept).await, "HTTP/1.1 200 OK");
    app.shutdown().await.unwrap();
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed() {
    let app = app(10, 1).await;
    let mut stream = connect(&app).await;
    stream.write_all(LIVE).await.unwrap();
    assert_eq!(answer(&mut stream).await, "HTTP/1.1 200 OK");
    let took = closed_within(&mut stream, Duration::from_secs(5)).await;
    assert!(took >= Duration::from_millis(800), "closed too early: {took:?}");

    // A connection that never sends anything is idle too.
    let mut silent = connect(&app).await;
    closed_within(&mut silent, Duration::from_secs(5)).await;
    app.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_long_request_is_not_idle() {
    // A request in flight longer than the idle timeout is answered.
    let app = app(1, 1).await;
    let mut stream = connect(&app).await;
    stream.write_all(b"GET /api/v1/probes/slow?ms=2500 HTTP/1.1\r\nHost: sojourn\r\n\r\n").await.unwrap();
    let status = answer(&mut stream).await;
    assert!(status.starts_with("HTTP/1.1 2"), "{status}");
    app.shutdown().await.unwrap();
}

#[tokio::test]
async fn http2_without_tls_is_served() {
    let app = app(1, 30).await;
    let mut stream = connect(&app).await;
    // The client preface and an empty SETTINGS frame; the server answers with its SETTINGS.
    stream.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00").await.unwrap();
    let mut frame = [0u8; 9];
    tokio::time::timeout(Duration::from_secs(5), stream.read_exact(&mut frame)).await.unwrap().unwrap();
    assert_eq!(frame[3], 0x4, "a SETTINGS frame: {frame:?}");
    // Frames that are not request heads do not start the header-read clock.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stream.write_all(b"\x00\x00\x08\x06\x00\x00\x00\x00\x00pingpong").await.unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 256];
    let deadline = Instant::now() + Duration::from_secs(5);
    // The PING's acknowledgement comes back: the connection is still up.
    while !got.windows(8).any(|w| w == b"pingpong") {
        assert!(Instant::now() < deadline, "no PING ack: {got:?}");
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk)).await.unwrap().unwrap();
        assert!(n > 0, "closed: {got:?}");
        got.extend_from_slice(&chunk[..n]);
    }
    app.shutdown().await.unwrap();
}
