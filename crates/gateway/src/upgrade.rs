//! Protocol upgrades through the gateway: the realtime channel's WebSockets (Socket.IO at
//! `/socket.io/`, the plain socket at `/ws`). A socket is not a request. It lives for hours, so
//! the request timeout must not cut it; it holds two connections here for all that time, so it
//! is counted and capped on its own (`gateway.max_websockets`); and no answer ever finishes it,
//! so the gateway closes it itself on shutdown.
//!
//! The handshake takes the same admission, balancing and circuit breaker as any request, and
//! goes to the instance on a connection of its own: a pooled keep-alive connection would be
//! taken over by the upgrade for good, and the pools' idle accounting with it. A `101` answer is
//! relayed with the upstream's handshake headers (`Sec-WebSocket-Accept`, `-Protocol`,
//! `-Extensions`), then both connections are spliced byte for byte. When one side ends, its end
//! is passed on (a FIN) and the other gets a few seconds to finish (the WebSocket close
//! answered) before both are closed; an error on either ends both at once. Any other answer
//! (`401` from the service's own check, `400`, `404`) is relayed as a response.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, Request, Response, StatusCode};
use bytes::Bytes;
use hyper::body::Incoming;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

use crate::h1;
use crate::proxy::{Attempts, Proxy, Sent, clean_response_headers, envelope, has_body, strip_hop_by_hop, unavailable};
use crate::upstream::{Instance, Upstream};

/// Whether a request asks to switch protocols: `Connection: upgrade` and an `Upgrade` header.
/// `h2c` is HTTP/2 for this one hop, not something to pass on: such a request is forwarded as
/// a plain one (without its hop-by-hop headers).
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    let Some(protocol) = headers.get(header::UPGRADE) else { return false };
    !protocol.as_bytes().eq_ignore_ascii_case(b"h2c")
        && headers.get_all(header::CONNECTION).iter().any(|v| h1::has_token(v.as_bytes(), "upgrade"))
}

/// The gateway's upgraded connections: how many, the cap, and the signal that closes them.
pub struct Sockets {
    max: usize,
    /// Slots taken: handshakes under way and spliced connections (what the cap counts).
    taken: AtomicUsize,
    /// Spliced now; watched so that shutdown can wait for the last one to close.
    open: watch::Sender<usize>,
    total: AtomicU64,
    refused: AtomicU64,
    closing: watch::Sender<bool>,
}

/// One upgrade's place under the cap, from admission until its connections are closed.
pub struct Slot {
    sockets: Arc<Sockets>,
    spliced: bool,
}

impl Slot {
    fn spliced(&mut self) {
        self.spliced = true;
        self.sockets.total.fetch_add(1, Ordering::Relaxed);
        self.sockets.open.send_modify(|n| *n += 1);
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.sockets.taken.fetch_sub(1, Ordering::AcqRel);
        if self.spliced {
            self.sockets.open.send_modify(|n| *n = n.saturating_sub(1));
        }
    }
}

impl Sockets {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            taken: AtomicUsize::new(0),
            open: watch::Sender::new(0),
            total: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            closing: watch::Sender::new(false),
        })
    }

    /// A place under the cap, or `None` when `max` upgrades are open or under way.
    fn reserve(self: &Arc<Self>) -> Option<Slot> {
        let taken = self.taken.fetch_add(1, Ordering::AcqRel);
        let slot = Slot { sockets: self.clone(), spliced: false };
        if taken >= self.max || *self.closing.borrow() {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return None; // the slot's drop gives the place back
        }
        Some(slot)
    }

    /// Spliced connections open now.
    pub fn open(&self) -> usize {
        *self.open.borrow()
    }

    /// Connections spliced since start.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Upgrades refused by the cap (or during shutdown) since start.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// Closes every spliced connection (shutdown), waiting up to `wait` for them to be gone.
    pub async fn close_all(&self, wait: Duration) {
        self.closing.send_replace(true);
        let mut open = self.open.subscribe();
        let _ = tokio::time::timeout(wait, open.wait_for(|n| *n == 0)).await;
    }
}

/// Forwards an upgrade request (see [`is_upgrade`]) to an instance of `upstream`, already
/// admitted; on `101`, splices the connections in a task of their own.
pub async fn forward(
    proxy: &Proxy,
    sockets: &Arc<Sockets>,
    upstream: &Upstream,
    mut req: Request<Body>,
    peer: crate::proxy::Peer,
    request_id: &HeaderValue,
) -> Response<Body> {
    if has_body(req.headers()) {
        return envelope(400, "bad_request", "An upgrade request carries no body", None);
    }
    let Some(slot) = sockets.reserve() else {
        // Counted in `sojourn_gateway_websockets_refused_total`; a reconnect storm must not flood the log.
        tracing::debug!(max = sockets.max, "upgrade refused: gateway.max_websockets reached");
        return envelope(503, "too_many_websockets", "Too many open sockets, try again shortly", Some(5));
    };
    let client_side = hyper::upgrade::on(&mut req);
    let (mut parts, _) = req.into_parts();
    let protocol = parts.headers.get(header::UPGRADE).cloned();
    strip_hop_by_hop(&mut parts.headers);
    parts.headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    if let Some(protocol) = protocol {
        parts.headers.insert(header::UPGRADE, protocol);
    }
    proxy.forwarded_headers(&mut parts.headers, peer, request_id);
    let target = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    // Nothing is sent when no connection could be made: a GET may go to the next instance.
    let mut attempts = Attempts::new(upstream, parts.method == Method::GET);
    loop {
        let Some(lease) = proxy.next_instance(&mut attempts) else { return unavailable() };
        let instance = lease.instance;
        let sent = handshake(proxy, instance, &parts.method, target, &parts.headers).await;
        match proxy.settle(&attempts, instance, sent) {
            None => {}
            Some(Err(envelope)) => return envelope,
            Some(Ok(answer)) => return answer_client(answer, client_side, slot, sockets),
        }
    }
}

/// Sends the handshake on a new connection to `instance` and reads the answer's head, within
/// the request timeout (the socket's life after it is not bounded).
async fn handshake(
    proxy: &Proxy,
    instance: &Instance,
    method: &Method,
    target: &str,
    headers: &HeaderMap,
) -> Sent<Response<Incoming>> {
    if !instance.plain_http {
        return Sent::ConnectFailed(format!("{}: upgrades go to http:// instances only", instance.url));
    }
    let stream = match h1::connect(&instance.address, proxy.connect_timeout()).await {
        Ok(stream) => stream,
        Err(error) => return Sent::ConnectFailed(error.to_string()),
    };
    let mut out = Request::new(http_body_util::Empty::<Bytes>::new());
    *out.method_mut() = method.clone();
    *out.headers_mut() = headers.clone();
    if let Ok(host) = HeaderValue::from_str(&instance.address) {
        out.headers_mut().insert(header::HOST, host);
    }
    let Ok(uri) = target.parse() else { return Sent::Broken(format!("invalid request target {target}")) };
    *out.uri_mut() = uri;
    let exchange = async move {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        // Runs until the answer's body is read, or hands the connection over on `101`.
        tokio::spawn(async move {
            if let Err(error) = connection.with_upgrades().await {
                tracing::debug!(%error, "upstream upgrade connection ended");
            }
        });
        sender.send_request(out).await
    };
    match tokio::time::timeout(proxy.timeout(), exchange).await {
        Ok(Ok(answer)) => Sent::Answer(answer),
        Ok(Err(error)) => Sent::Broken(error.to_string()),
        Err(_) => Sent::TimedOut,
    }
}

/// The client's answer: on `101`, the upstream's handshake headers (the splice starts once
/// hyper has written them); anything else, as it came, like any proxied answer.
fn answer_client(
    mut answer: Response<Incoming>,
    client_side: OnUpgrade,
    slot: Slot,
    sockets: &Sockets,
) -> Response<Body> {
    if answer.status() != StatusCode::SWITCHING_PROTOCOLS {
        drop(slot);
        let (mut parts, body) = answer.into_parts();
        clean_response_headers(&mut parts.headers);
        return Response::from_parts(parts, Body::new(body));
    }
    let upstream_side = hyper::upgrade::on(&mut answer);
    let (mut parts, _) = answer.into_parts();
    let protocol = parts.headers.get(header::UPGRADE).cloned();
    clean_response_headers(&mut parts.headers);
    parts.headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    if let Some(protocol) = protocol {
        parts.headers.insert(header::UPGRADE, protocol);
    }
    tokio::spawn(splice(slot, client_side, upstream_side, sockets.closing.subscribe()));
    Response::from_parts(parts, Body::empty())
}

/// Copies bytes both ways until both directions have ended, either side fails, or the gateway
/// shuts down; then both connections are closed.
async fn splice(mut slot: Slot, client_side: OnUpgrade, upstream_side: OnUpgrade, mut closing: watch::Receiver<bool>) {
    let sides = async { (upstream_side.await, client_side.await) };
    let (upstream, client) = tokio::select! {
        sides = sides => match sides {
            (Ok(upstream), Ok(client)) => (upstream, client),
            (Err(error), _) | (_, Err(error)) => {
                tracing::debug!(%error, "upgrade abandoned before the splice");
                return;
            }
        },
        () = closed(&mut closing) => return,
    };
    slot.spliced();
    let (mut client_read, mut client_write) = tokio::io::split(TokioIo::new(client));
    let (mut upstream_read, mut upstream_write) = tokio::io::split(TokioIo::new(upstream));
    let shutting_down = {
        let up = pass_on(&mut client_read, &mut upstream_write);
        let down = pass_on(&mut upstream_read, &mut client_write);
        let (mut up, mut down) = (std::pin::pin!(up), std::pin::pin!(down));
        let (first, other) = tokio::select! {
            ended = &mut up => (ended, down.as_mut()),
            ended = &mut down => (ended, up.as_mut()),
            () = closed(&mut closing) => (Ok(()), up.as_mut()),
        };
        match first {
            _ if *closing.borrow() => true,
            // One side is done sending (its end passed on): the other has a moment to finish
            // (a WebSocket close answered), not the rest of its life.
            Ok(()) => tokio::select! {
                _ = tokio::time::timeout(LINGER, other) => false,
                () = closed(&mut closing) => true,
            },
            Err(error) => {
                tracing::debug!(%error, "upgraded connection broke");
                false
            }
        }
    };
    if shutting_down {
        // A FIN to both sides where they still take one; both are closed when dropped.
        let _ = tokio::time::timeout(Duration::from_millis(100), async {
            let _ = tokio::join!(client_write.shutdown(), upstream_write.shutdown());
        })
        .await;
    }
}

/// How long one direction of a spliced connection may go on once the other has ended.
const LINGER: Duration = Duration::from_secs(5);

/// Copies until `from` ends, then passes the end on (a FIN to `to`).
async fn pass_on(from: &mut (impl AsyncRead + Unpin), to: &mut (impl AsyncWrite + Unpin)) -> std::io::Result<()> {
    tokio::io::copy(from, to).await?;
    to.shutdown().await
}

/// Resolves once the gateway closes its upgraded connections.
async fn closed(closing: &mut watch::Receiver<bool>) {
    // Its guard is not held across an await (not `Send`).
    let _ = closing.wait_for(|closing| *closing).await.map(|_| ());
}
