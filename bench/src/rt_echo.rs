//! The machine's limit for the realtime benchmark: a minimal WebSocket relay on axum (the same
//! `ws` stack and buffer sizes as `sojourn`'s sockets), run as its own process (`bench
//! echo-server`) so that its RSS is its own. A socket opened at `/ws?pair=K&role=recv` gets
//! every text frame that a socket at `/ws?pair=K&role=send` sends; nothing else happens: no
//! authentication, no rooms, no history, no JSON. The difference to `sojourn` is what the
//! realtime channel itself costs.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;

type Receivers = Arc<Mutex<HashMap<u64, mpsc::UnboundedSender<String>>>>;

#[derive(serde::Deserialize)]
struct Params {
    #[serde(default)]
    pair: u64,
    #[serde(default)]
    role: String,
}

async fn upgrade(State(receivers): State<Receivers>, Query(p): Query<Params>, ws: WebSocketUpgrade) -> Response {
    // As `sojourn` configures its sockets (platform::realtime::session).
    ws.read_buffer_size(1024).write_buffer_size(0).on_upgrade(move |socket| relay(socket, receivers, p))
}

async fn relay(socket: WebSocket, receivers: Receivers, p: Params) {
    let (mut tx, mut rx) = socket.split();
    let (queue, mut inbox) = mpsc::unbounded_channel::<String>();
    let sending = p.role == "send";
    if !sending && let Ok(mut map) = receivers.lock() {
        map.insert(p.pair, queue);
    }
    loop {
        tokio::select! {
            frame = rx.next() => match frame {
                Some(Ok(Message::Text(text))) if sending => {
                    let to = receivers.lock().ok().and_then(|m| m.get(&p.pair).cloned());
                    if let Some(to) = to {
                        let _ = to.send(text.as_str().to_owned());
                    }
                }
                Some(Ok(_)) => {}
                _ => break,
            },
            Some(text) = inbox.recv() => {
                if tx.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
        }
    }
    if !sending && let Ok(mut map) = receivers.lock() {
        map.remove(&p.pair);
    }
}

/// `bench echo-server`: serves on a free loopback port and prints `listening <addr>`.
pub async fn serve() {
    let router = axum::Router::new().route("/ws", get(upgrade)).with_state(Receivers::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    println!("listening {}", listener.local_addr().unwrap());
    axum::serve(listener, router).await.unwrap();
}

/// The relay as a child process of this bench; killed on drop.
pub struct EchoServer {
    child: Child,
    /// `ws://127.0.0.1:PORT/ws`
    pub url: String,
}

impl EchoServer {
    pub fn start() -> EchoServer {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .arg("echo-server")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let addr = line.trim().strip_prefix("listening ").unwrap_or_else(|| panic!("echo server said {line:?}"));
        EchoServer { url: format!("ws://{addr}/ws"), child }
    }

    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.child.id())
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// VmRSS of process `pid` in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
