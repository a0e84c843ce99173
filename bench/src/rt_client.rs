//! The realtime load generator: many WebSocket clients on tokio-tungstenite in this process.
//!
//! For Socket.IO it speaks the wire protocol directly (Engine.IO open → `40{"token":…}` →
//! the server's `40{…}`; `2` answered with `3`): the real JavaScript client is what the tests
//! use, but 10,000 node sockets would measure node, and here only the server's memory and
//! delivery time matter. Each socket is one task holding only its stream; a receiving socket
//! looks for a delivery marker (`rtb-<letters>-`) in every text frame and records the latency
//! of the first delivery of each message.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Client sockets keep small buffers too: 10,000 of them live in this process.
fn config() -> WebSocketConfig {
    WebSocketConfig::default().read_buffer_size(4096).write_buffer_size(0)
}

pub async fn open(url: &str) -> Result<Stream, String> {
    let (stream, _) = tokio_tungstenite::connect_async_with_config(url, Some(config()), true)
        .await
        .map_err(|e| format!("connect {url}: {e}"))?;
    Ok(stream)
}

async fn next_text(stream: &mut Stream) -> Result<String, String> {
    loop {
        match tokio::time::timeout(Duration::from_secs(30), stream.next()).await {
            Err(_) => return Err("no frame within 30 s".into()),
            Ok(None) => return Err("closed".into()),
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(Some(Ok(Message::Text(text)))) => return Ok(text.as_str().to_owned()),
            Ok(Some(Ok(Message::Close(frame)))) => return Err(format!("closed: {frame:?}")),
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// An authenticated Socket.IO connection to `base` (`http://127.0.0.1:PORT`), handshake done.
pub async fn socketio(base: &str, token: &str) -> Result<Stream, String> {
    let url = format!("{}/socket.io/?EIO=4&transport=websocket", base.replacen("http", "ws", 1));
    let mut stream = open(&url).await?;
    let open_packet = next_text(&mut stream).await?;
    if !open_packet.starts_with('0') {
        return Err(format!("expected the Engine.IO open packet, got {open_packet}"));
    }
    let connect = format!("40{}", serde_json::json!({ "token": token }));
    stream.send(Message::text(connect)).await.map_err(|e| e.to_string())?;
    loop {
        let answer = next_text(&mut stream).await?;
        if answer.starts_with("40") {
            return Ok(stream);
        }
        if answer.starts_with("44") {
            return Err(format!("refused: {answer}"));
        }
        if answer == "2" {
            stream.send(Message::text("3")).await.map_err(|e| e.to_string())?;
        }
    }
}

/// Send times and first deliveries, indexed by message number.
pub struct Deliveries {
    pub started: Instant,
    sent_ns: Vec<AtomicU64>,
    seen: Vec<AtomicBool>,
    latencies_us: Mutex<Vec<u64>>,
    pub duplicates: AtomicUsize,
}

impl Deliveries {
    pub fn new(messages: usize) -> Arc<Deliveries> {
        Arc::new(Deliveries {
            started: Instant::now(),
            sent_ns: (0..messages).map(|_| AtomicU64::new(0)).collect(),
            seen: (0..messages).map(|_| AtomicBool::new(false)).collect(),
            latencies_us: Mutex::new(Vec::with_capacity(messages)),
            duplicates: AtomicUsize::new(0),
        })
    }

    /// Message `n` leaves now.
    pub fn sent(&self, n: usize) {
        let ns = self.started.elapsed().as_nanos() as u64;
        self.sent_ns[n].store(ns.max(1), Ordering::Release);
    }

    /// A frame arrived: records the first delivery of every marker it holds.
    pub fn received(&self, frame: &str) {
        let now = self.started.elapsed().as_nanos() as u64;
        let mut rest = frame;
        while let Some(at) = rest.find("rtb-") {
            rest = &rest[at + 4..];
            let Some(n) = decode(rest) else { continue };
            let Some(sent) = self.sent_ns.get(n).map(|s| s.load(Ordering::Acquire)) else { continue };
            if sent == 0 {
                continue;
            }
            if self.seen[n].swap(true, Ordering::AcqRel) {
                self.duplicates.fetch_add(1, Ordering::Relaxed);
            } else if let Ok(mut all) = self.latencies_us.lock() {
                all.push(now.saturating_sub(sent) / 1000);
            }
        }
    }

    /// Latencies so far (µs, unsorted) and how many sent messages never arrived.
    pub fn results(&self) -> (Vec<u64>, usize) {
        let latencies = self.latencies_us.lock().map(|l| l.clone()).unwrap_or_default();
        let sent = self.sent_ns.iter().filter(|s| s.load(Ordering::Acquire) != 0).count();
        (latencies.clone(), sent.saturating_sub(latencies.len()))
    }
}

/// `n` as lowercase letters (no digits: the messaging context masks phone-like numbers).
pub fn marker(n: usize) -> String {
    let mut letters = Vec::new();
    let mut v = n;
    loop {
        letters.push(b'a' + (v % 26) as u8);
        v /= 26;
        if v == 0 {
            break;
        }
    }
    format!("rtb-{}-", String::from_utf8(letters).unwrap_or_default())
}

fn decode(text: &str) -> Option<usize> {
    let end = text.find('-')?;
    let letters = &text[..end];
    if letters.is_empty() || letters.len() > 8 || !letters.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    Some(letters.bytes().rev().fold(0usize, |acc, b| acc * 26 + usize::from(b - b'a')))
}

/// Keeps a socket alive (Engine.IO pings answered) and feeds its text frames to `deliveries`.
pub fn hold(mut stream: Stream, deliveries: Option<Arc<Deliveries>>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(Ok(message)) = stream.next().await {
            if let Message::Text(text) = message {
                let text = text.as_str();
                if text == "2" {
                    if stream.send(Message::text("3")).await.is_err() {
                        break;
                    }
                } else if let Some(d) = &deliveries {
                    d.received(text);
                }
            }
        }
    })
}

/// Opens `count` sockets with `connect(i)`, at most `parallel` handshakes at a time; each is
/// then held by [`hold`]. Returns the holders and the failures.
pub async fn open_many<F, Fut>(count: usize, parallel: usize, connect: F) -> (Vec<JoinHandle<()>>, Vec<String>)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<Stream, String>> + Send,
{
    let gate = Arc::new(Semaphore::new(parallel));
    let connect = Arc::new(connect);
    let mut pending = Vec::with_capacity(count);
    for i in 0..count {
        let (gate, connect) = (gate.clone(), connect.clone());
        pending.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.map_err(|e| e.to_string())?;
            connect(i).await.map(|stream| hold(stream, None))
        }));
    }
    let mut held = Vec::with_capacity(count);
    let mut failures = Vec::new();
    for p in pending {
        match p.await {
            Ok(Ok(handle)) => held.push(handle),
            Ok(Err(e)) => failures.push(e),
            Err(e) => failures.push(e.to_string()),
        }
    }
    (held, failures)
}

/// p50, p90, p99, max of `values` (µs) in ms.
pub fn percentiles(values: &mut [u64]) -> [f64; 4] {
    values.sort_unstable();
    let at = |p: f64| {
        if values.is_empty() {
            return 0.0;
        }
        let i = ((values.len() as f64 - 1.0) * p).round() as usize;
        values[i.min(values.len() - 1)] as f64 / 1000.0
    };
    [at(0.5), at(0.9), at(0.99), at(1.0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_and_are_found_in_frames() {
        for n in [0, 1, 25, 26, 675, 19_999, 1_000_000] {
            let m = marker(n);
            assert!(!m.bytes().any(|b| b.is_ascii_digit()), "{m}");
            assert_eq!(decode(&m[4..]), Some(n), "{m}");
        }
        let d = Deliveries::new(30);
        d.sent(27);
        d.received(&format!(r#"42["new_message",{{"body":"hello {} there"}},"id"]"#, marker(27)));
        d.received(&format!("again {}", marker(27)));
        d.received("rtb-zz-"); // never sent: ignored
        let (latencies, missing) = d.results();
        assert_eq!((latencies.len(), missing, d.duplicates.load(Ordering::Relaxed)), (1, 0, 1));
    }
}
