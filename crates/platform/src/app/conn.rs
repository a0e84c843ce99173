//! Serving connections with hyper's server (HTTP/1.1 with upgrades for WebSockets, HTTP/2
//! without TLS), one task per connection, under two timeouts `axum::serve` does not have:
//!
//! - **header read** (`server.header_read_timeout_secs`): from the first byte of a request
//!   head, the client has this long to send all of it, or the connection is dropped. Without
//!   it a client sending a head one byte at a time holds a connection (and a task) forever
//!   (slowloris). hyper's own `header_read_timeout` starts when it *waits* for a head, so it
//!   would also close every keep-alive connection idle for that long: that is why the clock is
//!   kept here instead.
//! - **idle** (`server.idle_timeout_secs`): a kept-alive connection with no request in flight
//!   is closed after this long (HTTP/2: after a `GOAWAY`).
//!
//! What a connection is doing is learnt from two places: the reads (bytes arriving while no
//! request is in flight start a head) and the service (a request is in flight from the call
//! until its response body has been sent or dropped). HTTP/2 connections, recognised by their
//! preface, and upgraded ones (WebSockets, which live on after their `101`) are not subject to
//! the header-read clock; upgraded ones are no longer watched at all. A second request
//! pipelined behind one in flight is only bounded by the idle timeout.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::time::Instant;

/// The connection timeouts of `[server]`.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub header_read: Duration,
    pub idle: Duration,
}

impl Timeouts {
    pub fn from_config(server: &crate::config::ServerConfig) -> Self {
        Self {
            header_read: Duration::from_secs(server.header_read_timeout_secs),
            idle: Duration::from_secs(server.idle_timeout_secs),
        }
    }
}

/// Accepts connections until `shutdown`, then asks each to finish (idle ones close at once,
/// requests in flight are answered) and returns once they all have. The caller bounds that
/// wait (see `drain_with_deadline`): dropping this future drops the remaining connections.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: tower::Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
{
    let (stop, stopping) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // No Nagle delay on answers written in several pieces (headers, then a streamed body).
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(service.clone(), stream, peer, timeouts, stopping.clone()));
                }
                Err(error) => {
                    // Out of descriptors, or a connection reset before accept: wait, go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

async fn connection<S>(
    service: S,
    stream: TcpStream,
    peer: SocketAddr,
    timeouts: Timeouts,
    mut stopping: watch::Receiver<bool>,
) where
    S: tower::Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send,
{
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
    let watched = activity.clone();
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let connect = req.method() == Method::CONNECT;
        let guard = watched.begin();
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(peer));
        let answer = tower::ServiceExt::oneshot(service.clone(), req);
        async move {
            let Ok(response) = answer.await;
            // A socket lives on after its handshake: `101`, or an HTTP/2 CONNECT (RFC 8441).
            if response.status() == StatusCode::SWITCHING_PROTOCOLS || (connect && response.status().is_success()) {
                guard.activity.upgraded();
            }
            Ok::<_, Infallible>(response.map(|body| Tracked { body, _guard: guard }))
        }
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // The CONNECT protocol carries WebSockets over HTTP/2.
    builder.http2().enable_connect_protocol();
    let connection = builder.serve_connection_with_upgrades(io, service);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        expiry = activity.expired(timeouts) => {
            match expiry {
                // Nothing was asked that needs an answer: the connection is dropped.
                Expiry::HeadTooSlow => tracing::debug!(%peer, "request head not received in time: closing"),
                Expiry::Idle => {
                    connection.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(1), connection.as_mut()).await;
                }
            }
            return;
        }
        () = stopped(&mut stopping) => connection.as_mut().graceful_shutdown(),
    }
    let _ = connection.await;
}

/// Resolves once the server is shutting down (the guard `wait_for` returns is not `Send`).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

enum Expiry {
    HeadTooSlow,
    Idle,
}

/// What one connection is doing, for its timeouts.
struct Activity {
    state: Mutex<State>,
    changed: Notify,
    /// HTTP/2 or upgraded: reads no longer start a head (checked without the lock).
    quiet: AtomicBool,
}

struct State {
    in_flight: usize,
    /// The first byte of a request head arrived then (no request in flight).
    head_since: Option<Instant>,
    /// The last request finished then (or the connection opened).
    idle_since: Instant,
    /// Bytes of the HTTP/2 preface matched so far; `None` once something else was read.
    preface: Option<usize>,
    upgraded: bool,
}

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

impl Activity {
    fn new() -> Self {
        Self {
            state: Mutex::new(State {
                in_flight: 0,
                head_since: None,
                idle_since: Instant::now(),
                preface: Some(0),
                upgraded: false,
            }),
            changed: Notify::new(),
            quiet: AtomicBool::new(false),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read(&self, bytes: &[u8]) {
        if bytes.is_empty() || self.quiet.load(Ordering::Relaxed) {
            return;
        }
        let mut state = self.state();
        if let Some(matched) = state.preface {
            let n = bytes.len().min(H2_PREFACE.len() - matched);
            if bytes[..n] == H2_PREFACE[matched..matched + n] {
                state.preface = Some(matched + n);
                if matched + n == H2_PREFACE.len() {
                    // HTTP/2: frames (pings, settings) arrive between requests.
                    self.quiet.store(true, Ordering::Relaxed);
                    state.head_since = None;
                    drop(state);
                    self.changed.notify_one();
                    return;
                }
            } else {
                state.preface = None;
            }
        }
        if state.in_flight == 0 && state.head_since.is_none() && !state.upgraded {
            state.head_since = Some(Instant::now());
            drop(state);
            self.changed.notify_one();
        }
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        let mut state = self.state();
        state.in_flight += 1;
        state.head_since = None;
        drop(state);
        self.changed.notify_one();
        InFlight { activity: self.clone() }
    }

    fn upgraded(&self) {
        self.quiet.store(true, Ordering::Relaxed);
        self.state().upgraded = true;
        self.changed.notify_one();
    }

    /// Resolves when the connection has been idle, or has been sending a head, for too long.
    async fn expired(&self, timeouts: Timeouts) -> Expiry {
        loop {
            let changed = self.changed.notified();
            let due = {
                let state = self.state();
                if state.upgraded || state.in_flight > 0 {
                    None
                } else if let Some(since) = state.head_since {
                    Some((since + timeouts.header_read, Expiry::HeadTooSlow))
                } else {
                    Some((state.idle_since + timeouts.idle, Expiry::Idle))
                }
            };
            match due {
                None => changed.await,
                Some((at, expiry)) => {
                    if Instant::now() >= at {
                        return expiry;
                    }
                    tokio::select! {
                        () = changed => {}
                        () = tokio::time::sleep_until(at) => {}
                    }
                }
            }
        }
    }
}

/// A request in flight, until its response body is done.
struct InFlight {
    activity: Arc<Activity>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut state = self.activity.state();
        state.in_flight = state.in_flight.saturating_sub(1);
        if state.in_flight == 0 {
            state.idle_since = Instant::now();
        }
        drop(state);
        self.activity.changed.notify_one();
    }
}

/// A response body holding its request's [`InFlight`] until hyper is done with it.
struct Tracked {
    body: Body,
    _guard: InFlight,
}

impl http_body::Body for Tracked {
    type Data = bytes::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// The connection's socket, reporting what it reads to the connection's [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.activity.read(&buf.filled()[before..]);
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
