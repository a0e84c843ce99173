//! The gateway's client-facing HTTP server. Most traffic through a gateway is HTTP/1.1 reads
//! from API clients: no `Origin`, no body, a path some upstream serves. Those are parsed here
//! in place (httparse, as hyper does), and the upstream request is written straight from the
//! client's header lines, without building a request, a header map or a response — the
//! per-request work left after removing everything else (docs/PERFORMANCE.md, "Gateway hop").
//!
//! Anything else hands the connection, with the bytes read so far, to hyper's server and the
//! axum router for the rest of its life: bodies, upgrades, HTTP/2, browsers (CORS), the
//! gateway's own endpoints, unroutable paths, and every head this parser does not take as
//! plainly valid (which hyper then answers or refuses as it always did). Both ways apply the
//! same admission (rate limit, token), balancing, breakers, retries and forwarded headers.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::response::IntoResponse;
use bytes::{Buf, Bytes, BytesMut};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use platform::StartError;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::proxy::{Attempts, Status, is_hop_by_hop, unavailable};
use crate::{Edge, Gateway, admit, h1, relay, request_id};

/// A request head longer than this goes to hyper (which allows more, up to its own limit).
const MAX_FAST_HEAD: usize = 16 * 1024;
const MAX_HEADERS: usize = 100;

/// Accepts connections until `shutdown`, then closes idle ones, lets requests in flight finish
/// for `grace` and drops what is left; then closes the upgraded (WebSocket) connections.
pub async fn serve(
    edge: Edge,
    listener: TcpListener,
    grace: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let (stop, stopping) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(connection(edge.clone(), stream, peer, stopping.clone()));
                }
                Err(error) => {
                    // Out of descriptors or a connection reset before accept: wait, go on.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!(grace_secs = grace.as_secs(), "shutting down: finishing in-flight requests");
    let _ = stop.send(true);
    let drained = tokio::time::timeout(grace, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!("grace period over: dropping the remaining connections");
        connections.abort_all();
    }
    // Upgraded connections never finish on their own: closed once the requests are done.
    edge.gw.sockets.close_all(Duration::from_secs(1)).await;
    Ok(())
}

/// Buffers one connection reuses for every request.
#[derive(Default)]
struct Scratch {
    /// The upstream request's headers after its request line and `Host`.
    tail: Vec<u8>,
    /// The upstream request's head.
    head: Vec<u8>,
    /// What goes to the client.
    out: Vec<u8>,
}

async fn connection(edge: Edge, mut stream: TcpStream, peer: SocketAddr, mut stopping: watch::Receiver<bool>) {
    let mut buf = BytesMut::with_capacity(4096);
    let mut scratch = Scratch::default();
    // When the head being read must be complete: set by its first byte, not reset by later ones.
    let mut head_due = None;
    loop {
        match classify(&edge.gw, &buf, peer.ip(), &mut scratch.tail) {
            Next::Fast(plan) => {
                let keep = serve_fast(&edge, &mut stream, &buf, &plan, &mut scratch, &stopping).await;
                buf.advance(plan.len);
                head_due = None;
                if !keep {
                    return;
                }
                continue;
            }
            Next::Other => return hand_over(edge, Rewind { read: buf, stream }, peer, stopping).await,
            Next::Partial => {}
        }
        let read = if buf.is_empty() {
            // Between requests: an idle connection closes on shutdown or after a while.
            tokio::select! {
                read = tokio::time::timeout(edge.gw.keep_alive, stream.read_buf(&mut buf)) => read,
                _ = stopping.wait_for(|stop| *stop) => return,
            }
        } else {
            let due = *head_due.get_or_insert_with(|| tokio::time::Instant::now() + edge.gw.head_timeout);
            tokio::time::timeout_at(due, stream.read_buf(&mut buf)).await
        };
        match read {
            Ok(Ok(0) | Err(_)) | Err(_) => return,
            Ok(Ok(_)) => {}
        }
    }
}

enum Next {
    /// A request the shortcut serves; its upstream head's tail is in the scratch buffer.
    Fast(Plan),
    /// Anything else: hyper's server takes the connection.
    Other,
    /// The head is not complete yet.
    Partial,
}

/// A request the shortcut serves (positions in the connection's read buffer).
struct Plan {
    method: &'static str,
    target: Range<usize>,
    authorization: Option<Range<usize>>,
    index: usize,
    ip: IpAddr,
    id: Bytes,
    /// The client asked to close the connection after this answer.
    close: bool,
    /// The head's length.
    len: usize,
    /// The gateway's span of it, when tracing is on.
    span: Option<Box<platform::trace::Span>>,
}

fn named(name: &str, wanted: &str) -> bool {
    name.eq_ignore_ascii_case(wanted)
}

/// Reads the head at the start of `buf` and decides who serves it. For the shortcut, writes the
/// upstream request's headers (the client's, less hop-by-hop ones, plus the forwarded ones and
/// the request id) into `tail`.
fn classify(gw: &Gateway, buf: &[u8], peer: IpAddr, tail: &mut Vec<u8>) -> Next {
    let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut slots);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) if buf.len() <= MAX_FAST_HEAD => return Next::Partial,
        Ok(httparse::Status::Partial) | Err(_) => return Next::Other,
    };
    let method = match req.method {
        Some("GET") => "GET",
        Some("HEAD") => "HEAD",
        Some("OPTIONS") => "OPTIONS",
        _ => return Next::Other,
    };
    let target = req.path.unwrap_or_default();
    // Origin-form with plain visible characters only; anything else is hyper's to judge.
    if req.version != Some(1) || !target.starts_with('/') || !target.bytes().all(|b| b.is_ascii_graphic() && b != b'#')
    {
        return Next::Other;
    }
    let path = target.split('?').next().unwrap_or(target);
    if crate::ops::is_local(path) {
        return Next::Other;
    }
    let Some(index) = gw.routes.resolve(path) else { return Next::Other };
    if !gw.upstreams.get(index).is_some_and(|u| u.instances.iter().all(|i| i.plain_http)) {
        return Next::Other;
    }
    let trust = gw.proxies.trusts(peer);
    let (mut host, mut forwarded_for, mut authorization, mut given_id) = (None, None, None, None);
    let (mut close, mut proto_kept) = (false, false);
    let (mut traceparent, mut tracestate) = (None, None);
    tail.clear();
    for h in req.headers.iter() {
        let (name, value) = (h.name, h.value);
        if named(name, "host") {
            if host.replace(value).is_some() {
                return Next::Other;
            }
            continue;
        }
        // Bodies, upgrades, expectations and browsers take hyper's server and the router.
        if ["content-length", "transfer-encoding", "origin", "access-control-request-method", "upgrade", "expect"]
            .iter()
            .any(|n| named(name, n))
        {
            return Next::Other;
        }
        if named(name, "connection") {
            for token in value.split(|&b| b == b',').map(<[u8]>::trim_ascii).filter(|t| !t.is_empty()) {
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if !token.eq_ignore_ascii_case(b"keep-alive") {
                    // It names headers to drop: the general path does that.
                    return Next::Other;
                }
            }
            continue;
        }
        if is_hop_by_hop(name) || named(name, "x-forwarded-host") {
            continue;
        }
        if named(name, "x-forwarded-for") {
            // One line read here; several (a trusted chain split across lines) go to hyper.
            if trust && forwarded_for.replace(value).is_some() {
                return Next::Other;
            }
            continue;
        }
        if named(name, "x-request-id") {
            given_id.get_or_insert(value);
            continue;
        }
        // Traced: replaced by the gateway's own span below.
        if gw.tracer.is_some() && named(name, "traceparent") {
            traceparent.get_or_insert(value);
            continue;
        }
        if gw.tracer.is_some() && named(name, "tracestate") {
            tracestate.get_or_insert(value);
            continue;
        }
        if named(name, "x-forwarded-proto") {
            if !trust {
                continue;
            }
            proto_kept = true;
        }
        if named(name, "authorization") {
            authorization.get_or_insert(value);
        }
        relay::header_line(tail, name.as_bytes(), value);
    }
    let Some(host) = host else { return Next::Other };
    // The client (rate limit) is found in the chain; the peer is the hop appended to it.
    let ip = if trust { gw.proxies.client_of(peer, forwarded_for.into_iter()) } else { peer.to_canonical() };
    tail.extend_from_slice(b"x-forwarded-for: ");
    if let Some(prior) = forwarded_for.filter(|v| v.iter().all(|&b| b == b'\t' || (b' '..=b'~').contains(&b))) {
        tail.extend_from_slice(prior);
        tail.extend_from_slice(b", ");
    }
    let _ = write!(tail, "{}\r\n", peer.to_canonical());
    if !proto_kept {
        tail.extend_from_slice(b"x-forwarded-proto: http\r\n");
    }
    relay::header_line(tail, b"x-forwarded-host", host);
    let id = request_id(given_id, &gw.ids);
    relay::header_line(tail, b"x-request-id", &id);
    let span = gw.tracer.as_ref().map(|t| Box::new(crate::trace::start(t, method, traceparent, tracestate)));
    if let Some(span) = &span {
        crate::trace::header_lines(tail, span);
    }
    tail.extend_from_slice(b"\r\n");
    let at = |part: &[u8]| {
        let start = part.as_ptr() as usize - buf.as_ptr() as usize;
        start..start + part.len()
    };
    Next::Fast(Plan {
        method,
        target: at(target.as_bytes()),
        authorization: authorization.map(at),
        index,
        ip,
        id,
        close,
        len,
        span,
    })
}

/// Serves one shortcut request; whether the connection may serve another.
async fn serve_fast(
    edge: &Edge,
    client: &mut TcpStream,
    buf: &[u8],
    plan: &Plan,
    scratch: &mut Scratch,
    stopping: &watch::Receiver<bool>,
) -> bool {
    let started = Instant::now();
    let gw = &*edge.gw;
    let head_request = plan.method == "HEAD";
    let Scratch { tail, head, out } = scratch;
    let authorization = plan.authorization.clone().map(|r| &buf[r]);
    let answer = match (admit(gw, plan.ip, authorization).await, gw.upstreams.get(plan.index)) {
        (Err(refused), _) => Err(refused),
        (Ok(()), None) => Err(kernel::ApiError::not_found("No route for this path").into_response()),
        (Ok(()), Some(upstream)) => {
            let mut attempts = Attempts::new(upstream, true);
            loop {
                let Some(lease) = gw.proxy.next_instance(&mut attempts) else { break Err(unavailable()) };
                let instance = lease.instance;
                upstream_head(head, plan.method, &buf[plan.target.clone()], &instance.address, tail);
                let sent = gw.proxy.bounded(relay::exchange(&gw.proxy.target(instance), head, head_request, out)).await;
                if let Some(done) = gw.proxy.settle(&attempts, instance, sent) {
                    break done;
                }
            }
        }
    };
    let label = gw.routes.name(plan.index);
    let close = plan.close || *stopping.borrow();
    let status = answer.as_ref().map_or_else(Status::status, Status::status);
    gw.metrics.observe(plan.method, label, status, started.elapsed());
    if let Some(span) = plan.span.as_deref().cloned() {
        crate::trace::finish(span, plan.method, label, status, &plan.id);
    }
    let envelope = match answer {
        Ok(relayed) => {
            own_headers(out, edge, &plan.id, close);
            return relay::relay(client, out, relayed).await.is_ok() && !close;
        }
        Err(envelope) => envelope,
    };
    let body = relay::envelope_head(out, envelope).await;
    own_headers(out, edge, &plan.id, close);
    relay::finish_envelope(out, &body, head_request);
    let written = client.write_all(out).await.is_ok();
    out.clear();
    written && !close
}

/// The request line and `Host` for one instance, then the headers prepared in `tail`.
fn upstream_head(head: &mut Vec<u8>, method: &str, target: &[u8], authority: &str, tail: &[u8]) {
    head.clear();
    h1::request_line(head, method, target, authority);
    head.extend_from_slice(tail);
}

/// The headers the gateway adds to every answer: the request id, what its CORS layer adds to a
/// request without `Origin`, and `Connection: close` when the connection ends with it.
fn own_headers(out: &mut Vec<u8>, edge: &Edge, id: &[u8], close: bool) {
    relay::header_line(out, b"x-request-id", id);
    out.extend_from_slice(&edge.cors_lines);
    if close {
        out.extend_from_slice(b"connection: close\r\n");
    }
}

/// Serves the rest of the connection with hyper's server (HTTP/1 with upgrades, or HTTP/2)
/// and the edge's router, starting with the bytes already read.
async fn hand_over(edge: Edge, io: Rewind, peer: SocketAddr, mut stopping: watch::Receiver<bool>) {
    let head_timeout = edge.gw.head_timeout;
    let service = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(peer));
        tower::Service::call(&mut edge.clone(), req)
    });
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    // For hyper this bounds the wait between requests too.
    builder.http1().timer(TokioTimer::new()).header_read_timeout(head_timeout);
    // The CONNECT protocol carries WebSockets over HTTP/2.
    builder.http2().enable_connect_protocol();
    let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        _ = stopping.wait_for(|stop| *stop) => connection.as_mut().graceful_shutdown(),
    }
    let _ = connection.await;
}

/// A connection whose first bytes were already read: they are read again first.
struct Rewind {
    read: BytesMut,
    stream: TcpStream,
}

impl AsyncRead for Rewind {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.read.is_empty() {
            return Pin::new(&mut this.stream).poll_read(cx, buf);
        }
        let n = this.read.len().min(buf.remaining());
        buf.put_slice(&this.read[..n]);
        this.read.advance(n);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Rewind {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
