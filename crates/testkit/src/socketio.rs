//! The official JavaScript Socket.IO v4 client, driven from Rust tests.
//!
//! Why not a Rust client or a hand-written encoder: the point of the realtime tests is that
//! DreamScape's web client — `socket.io-client` v4 from npm — works against our server, so the
//! tests run exactly that client. [`SioDriver`] spawns `node` on `js/socketio-driver.mjs`
//! (JSON lines on stdin/stdout, several named sockets per process) with `NODE_PATH` pointing at
//! `$SOJOURN_NODE_MODULES`, which `.ci/run` fills outside the checkout
//! (`npm install socket.io-client@4`).
//!
//! Without node or that package, [`SioDriver::start`] prints why and returns
//! [`Unavailable`] so the test can return early — except with `CI=true`, where it panics: CI
//! never passes by skipping (the same rule as the PostgreSQL, NATS and S3 suites).
//!
//! Reports from the driver are buffered per socket name, so a test can wait for one event
//! while others (presence, typing…) arrive in any order and are still there for later.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Where `.ci/run` installed `socket.io-client` (a `node_modules` directory).
pub const NODE_MODULES_ENV: &str = "SOJOURN_NODE_MODULES";

/// How long `connect` waits for the server's CONNECT answer (or refusal).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The driver cannot run here (no node, or no `socket.io-client`), and this is not CI: the test
/// should return early. The reason was already printed.
#[derive(Debug, Clone)]
pub struct Unavailable(pub String);

/// The server accepted the Socket.IO CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connected {
    /// `socket.id` as the client sees it.
    pub sid: String,
    /// `socket.recovered`: the server restored the session (connection-state recovery).
    pub recovered: bool,
}

/// The connection failed: `connect_error` (`err.message`, `err.data`), or the socket was
/// disconnected or timed out before connecting.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectError {
    pub message: String,
    pub data: Value,
}

/// One `node` process running `socketio-driver.mjs`; killed on drop. (std's process API with
/// reader threads: the driver's lines are short and few, and tokio's `process` feature stays
/// out of the workspace.)
pub struct SioDriver {
    child: Child,
    stdin: ChildStdin,
    reports: mpsc::UnboundedReceiver<Value>,
    /// Reports not consumed yet, per socket name (`""` for reports without one).
    pending: HashMap<String, VecDeque<Value>>,
    stderr: Arc<Mutex<String>>,
    next_ref: u64,
}

/// The driver script shipped in this crate.
pub fn driver_script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("js").join("socketio-driver.mjs")
}

/// `Err(Unavailable)` outside CI, a panic in CI.
fn unavailable(reason: String) -> Unavailable {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs the Socket.IO driver: {reason}");
    eprintln!("skipped: {reason}");
    Unavailable(reason)
}

/// `$SOJOURN_NODE_MODULES` when it holds `socket.io-client`.
fn node_modules() -> Result<PathBuf, Unavailable> {
    let Some(dir) = std::env::var_os(NODE_MODULES_ENV).filter(|v| !v.is_empty()) else {
        return Err(unavailable(format!(
            "{NODE_MODULES_ENV} is not set (.ci/run installs socket.io-client@4 and sets it)"
        )));
    };
    let dir = PathBuf::from(dir);
    if !dir.join("socket.io-client").join("package.json").is_file() {
        return Err(unavailable(format!("{} has no socket.io-client (run .ci/run once)", dir.display())));
    }
    Ok(dir)
}

impl SioDriver {
    /// Starts the driver with the installed `socket.io-client`.
    pub async fn start() -> Result<SioDriver, Unavailable> {
        let modules = node_modules()?;
        Self::spawn(&driver_script(), Some(modules)).await
    }

    /// Starts `node script` as a driver (any script speaking the same JSON lines; the
    /// plumbing's own tests use a fake one). `NODE_PATH` is `modules` when given.
    pub async fn spawn(script: &std::path::Path, modules: Option<PathBuf>) -> Result<SioDriver, Unavailable> {
        let mut command = Command::new("node");
        command.arg(script).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        if let Some(modules) = modules {
            command.env("NODE_PATH", modules);
        }
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(unavailable("node is not installed".into()));
            }
            Err(e) => panic!("spawn node: {e}"),
        };
        let stdin = child.stdin.take().expect("driver stdin");
        let stdout = child.stdout.take().expect("driver stdout");
        let stderr = Arc::new(Mutex::new(String::new()));
        let from = child.stderr.take().expect("driver stderr");
        let into = stderr.clone();
        std::thread::spawn(move || collect(from, &into));
        let (tx, reports) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let report = serde_json::from_str(&line).unwrap_or_else(|_| json!({"type": "stdout", "line": line}));
                if tx.send(report).is_err() {
                    break;
                }
            }
        });
        let mut driver = SioDriver { child, stdin, reports, pending: HashMap::new(), stderr, next_ref: 0 };
        let ready = driver.next_report("", Duration::from_secs(20), |r| r["type"] == "ready").await;
        assert!(ready.is_some(), "the Socket.IO driver did not start; stderr:\n{}", driver.stderr());
        Ok(driver)
    }

    /// What the driver wrote on stderr so far (for failure messages).
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Sends one command line to the driver.
    pub async fn send(&mut self, command: Value) {
        let mut line = command.to_string();
        line.push('\n');
        if let Err(e) = self.stdin.write_all(line.as_bytes()).and_then(|()| self.stdin.flush()) {
            panic!("the Socket.IO driver is gone ({e}); stderr:\n{}", self.stderr());
        }
    }

    /// Waits up to `timeout` for a report of socket `name` (`""`: reports without a socket)
    /// matching `wanted`; every other report stays buffered. The driver's own command errors
    /// fail the test at once.
    pub async fn next_report(
        &mut self,
        name: &str,
        timeout: Duration,
        mut wanted: impl FnMut(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(queue) = self.pending.get_mut(name)
            && let Some(at) = queue.iter().position(&mut wanted)
        {
            return queue.remove(at);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let report = match tokio::time::timeout_at(deadline, self.reports.recv()).await {
                Ok(Some(report)) => report,
                Ok(None) => panic!("the Socket.IO driver exited; stderr:\n{}", self.stderr()),
                Err(_) => return None,
            };
            if report["type"] == "error" {
                panic!("the Socket.IO driver refused a command: {report}");
            }
            let owner = report["id"].as_str().unwrap_or("");
            if owner == name && wanted(&report) {
                return Some(report);
            }
            self.pending.entry(owner.to_owned()).or_default().push_back(report);
        }
    }

    /// Connects socket `name` to `base_url` (`http://127.0.0.1:PORT`) with `auth` as the CONNECT
    /// packet's auth (`{"token": …}`), WebSocket transport only, no automatic reconnection.
    pub async fn connect(&mut self, name: &str, base_url: &str, auth: Value) -> Result<Connected, ConnectError> {
        self.connect_with(name, base_url, auth, json!({})).await
    }

    /// [`SioDriver::connect`] with more `io()` options (they override the defaults).
    pub async fn connect_with(
        &mut self,
        name: &str,
        base_url: &str,
        auth: Value,
        opts: Value,
    ) -> Result<Connected, ConnectError> {
        self.pending.remove(name);
        self.send(json!({"cmd": "connect", "id": name, "url": base_url, "auth": auth, "opts": opts})).await;
        self.connect_outcome(name).await
    }

    /// Connects an existing socket `name` again (after `drop_transport` or a disconnect); the
    /// client sends `{pid, offset}` itself when the server granted recovery.
    pub async fn reconnect(&mut self, name: &str) -> Result<Connected, ConnectError> {
        self.send(json!({"cmd": "reconnect", "id": name})).await;
        self.connect_outcome(name).await
    }

    async fn connect_outcome(&mut self, name: &str) -> Result<Connected, ConnectError> {
        let outcome = self
            .next_report(name, CONNECT_TIMEOUT, |r| {
                matches!(r["type"].as_str(), Some("connect" | "connect_error" | "disconnect"))
            })
            .await;
        match outcome {
            Some(r) if r["type"] == "connect" => Ok(Connected {
                sid: r["sid"].as_str().unwrap_or_default().to_owned(),
                recovered: r["recovered"] == true,
            }),
            Some(r) if r["type"] == "connect_error" => Err(ConnectError {
                message: r["message"].as_str().unwrap_or_default().to_owned(),
                data: r["data"].clone(),
            }),
            Some(r) => Err(ConnectError { message: format!("disconnected: {}", r["reason"]), data: Value::Null }),
            None => Err(ConnectError { message: "timeout".into(), data: Value::Null }),
        }
    }

    /// Emits `event` with `data` and no ack.
    pub async fn emit(&mut self, name: &str, event: &str, data: Value) {
        self.send(json!({"cmd": "emit", "id": name, "event": event, "data": data})).await;
    }

    /// Emits `event` with `data` and returns the server's ack (its first argument). Panics when
    /// no ack comes within `timeout`.
    pub async fn emit_ack(&mut self, name: &str, event: &str, data: Value, timeout: Duration) -> Value {
        self.next_ref += 1;
        let reference = self.next_ref.to_string();
        let wait_ms = timeout.as_millis() as u64;
        self.send(json!({
            "cmd": "emit", "id": name, "event": event, "data": data,
            "ack": true, "ref": reference, "timeoutMs": wait_ms,
        }))
        .await;
        // The driver gives up at `timeout` and says so; a little more here for that report.
        let report = self
            .next_report(name, timeout + Duration::from_secs(2), |r| r["type"] == "ack" && r["ref"] == reference)
            .await;
        match report {
            Some(r) if r["ok"] == true => r["args"].get(0).cloned().unwrap_or(Value::Null),
            Some(r) => panic!("no ack for {event} on socket {name} within {timeout:?}: {}", r["error"]),
            None => panic!("no ack report for {event} on socket {name}; stderr:\n{}", self.stderr()),
        }
    }

    /// The arguments of the next `event` received by socket `name` (the last one is the event
    /// id for recoverable events), or `None` after `timeout`. Other events stay buffered.
    pub async fn next_event(&mut self, name: &str, event: &str, timeout: Duration) -> Option<Vec<Value>> {
        let report = self.next_report(name, timeout, |r| r["type"] == "event" && r["event"] == event).await?;
        Some(report["args"].as_array().cloned().unwrap_or_default())
    }

    /// Panics when socket `name` receives `event` within `during`.
    pub async fn expect_no_event(&mut self, name: &str, event: &str, during: Duration) {
        if let Some(args) = self.next_event(name, event, during).await {
            panic!("socket {name} received {event} it should not have: {}", Value::Array(args));
        }
    }

    /// A clean client-side disconnect (`io client disconnect`).
    pub async fn disconnect(&mut self, name: &str) {
        self.send(json!({"cmd": "disconnect", "id": name})).await;
    }

    /// Closes the transport under socket `name` as a lost network would (the client sees
    /// `transport close`; its recovery state is kept for [`SioDriver::reconnect`]).
    pub async fn drop_transport(&mut self, name: &str) {
        self.send(json!({"cmd": "drop", "id": name})).await;
    }

    /// The reason of the next `disconnect` of socket `name` (e.g. `io server disconnect`), or
    /// `None` after `timeout`.
    pub async fn wait_disconnect(&mut self, name: &str, timeout: Duration) -> Option<String> {
        let report = self.next_report(name, timeout, |r| r["type"] == "disconnect").await?;
        Some(report["reason"].as_str().unwrap_or_default().to_owned())
    }

    /// The client's own view of socket `name`: `{connected, sid, pid, offset, recovered}`.
    pub async fn info(&mut self, name: &str) -> Value {
        self.send(json!({"cmd": "info", "id": name})).await;
        let report = self.next_report(name, Duration::from_secs(5), |r| r["type"] == "info").await;
        report.unwrap_or_else(|| panic!("no info report for socket {name}; stderr:\n{}", self.stderr()))
    }

    /// Stops the driver (every socket closes with it).
    pub async fn stop(self) {
        drop(self);
    }
}

impl Drop for SioDriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Appends everything `from` writes to `into`.
fn collect(mut from: impl Read, into: &Mutex<String>) {
    let mut buffer = [0u8; 4096];
    while let Ok(n) = from.read(&mut buffer) {
        if n == 0 {
            break;
        }
        if let Ok(mut text) = into.lock() {
            text.push_str(&String::from_utf8_lossy(&buffer[..n]));
        }
    }
}
