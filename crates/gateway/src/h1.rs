//! The gateway's own HTTP/1.1 client for `http://` instances: pooled connections, request heads,
//! answer heads and their bodies. hyper's pooled client runs each upstream connection as its own
//! task and hands requests and bodies to it over channels, so every proxied request costs
//! several task switches, often across threads. Here the request's own task writes the head,
//! reads the answer and streams its body straight from the pooled socket — one task, no channel,
//! as nginx does. Bodiless requests are sent here; requests with a body in `upload`, which uses
//! the same pool and parsers. `https://` instances keep hyper's client; upgrades (WebSocket)
//! get a connection of their own (`upgrade`).

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, Response, StatusCode, Version};
use bytes::{Buf, Bytes, BytesMut};
use http_body::{Frame, SizeHint};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::framing;
pub use crate::framing::{Framing, Step, has_token};

/// The most an upstream's status line and headers may take.
const MAX_HEAD: usize = 64 * 1024;
/// The most headers an upstream's answer may carry.
const MAX_HEADERS: usize = 100;
const READ_CHUNK: usize = 16 * 1024;

/// Why an exchange failed.
#[derive(Debug, thiserror::Error)]
pub enum H1Error {
    /// No connection could be made: nothing was sent, the request may go elsewhere.
    #[error("connect failed: {0}")]
    Connect(io::Error),
    /// The connection broke or the upstream answered something that is not HTTP/1.1.
    #[error("upstream broke the exchange: {0}")]
    Broken(String),
}

pub fn broken(what: impl std::fmt::Display) -> H1Error {
    H1Error::Broken(what.to_string())
}

struct Idle {
    stream: TcpStream,
    /// Its read buffer, kept so the next exchange reuses the allocation.
    buf: BytesMut,
    since: Instant,
}

thread_local! {
    /// The serving thread's shard: each single-threaded runtime keeps its own idle
    /// connections, so a socket is only ever woken by the runtime it is registered with.
    static SHARD: Cell<usize> = const { Cell::new(0) };
}

/// Marks the current thread as serving shard `index` (see [`Pool`]).
pub fn enter_shard(index: usize) {
    SHARD.with(|s| s.set(index));
}

/// Idle keep-alive connections to one instance, one list per serving shard, hottest last.
pub struct Pool {
    shards: Box<[Mutex<Vec<Idle>>]>,
    max_idle: usize,
    idle_timeout: Duration,
}

impl Pool {
    pub fn new(shards: usize, max_idle: usize, idle_timeout: Duration) -> Self {
        Self { shards: (0..shards.max(1)).map(|_| Mutex::new(Vec::new())).collect(), max_idle, idle_timeout }
    }

    fn idle_of_this_shard(&self) -> std::sync::MutexGuard<'_, Vec<Idle>> {
        // `new` makes at least one shard.
        self.shards[SHARD.with(Cell::get) % self.shards.len()].lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn take(&self) -> Option<(TcpStream, BytesMut)> {
        let mut idle = self.idle_of_this_shard();
        while let Some(conn) = idle.pop() {
            if conn.since.elapsed() < self.idle_timeout {
                return Some((conn.stream, conn.buf));
            }
        }
        None
    }

    fn give_back(&self, stream: TcpStream, buf: BytesMut) {
        let mut idle = self.idle_of_this_shard();
        if idle.len() < self.max_idle {
            idle.push(Idle { stream, buf, since: Instant::now() });
        }
    }

    /// Idle connections held now, all shards (for metrics).
    pub fn idle(&self) -> usize {
        self.shards.iter().map(|s| s.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len()).sum()
    }
}

/// Where and how to connect.
pub struct Target<'a> {
    pub pool: &'a Arc<Pool>,
    /// `host:port` to connect to and to send as `Host`.
    pub authority: &'a str,
    pub connect_timeout: Duration,
}

/// A connection taken for one exchange, with what was read from it past the answer's head.
pub struct Conn {
    pub stream: TcpStream,
    pub buf: BytesMut,
    pub pool: Arc<Pool>,
}

impl Conn {
    /// The answer has been read to its end: the connection goes back to the pool when it may
    /// serve again (kept alive, nothing unexpected after the answer).
    pub fn release(self, keep_alive: bool) {
        if keep_alive && self.buf.is_empty() {
            self.pool.give_back(self.stream, self.buf);
        }
    }

    /// Reads more of the answer; `Ok(0)` at end of stream.
    pub async fn fill(&mut self) -> io::Result<usize> {
        make_room(&mut self.buf);
        self.stream.read_buf(&mut self.buf).await
    }

    /// Reads what has already arrived, without waiting (`WouldBlock` when nothing has).
    pub fn try_fill(&mut self) -> io::Result<usize> {
        make_room(&mut self.buf);
        self.stream.try_read_buf(&mut self.buf)
    }
}

/// Writes a bodiless request's `head` on a kept connection (or a new one) and reads the
/// answer's head with `parse` (which consumes it from the buffer, `None` while incomplete).
/// A kept connection the upstream closed while idle is replaced: nothing came back, so the
/// request was not processed, and it is idempotent.
pub async fn send<H>(
    target: &Target<'_>,
    head: &[u8],
    mut parse: impl FnMut(&mut BytesMut) -> Result<Option<H>, H1Error>,
) -> Result<(H, Conn), H1Error> {
    loop {
        let (mut stream, mut buf, reused) = match target.pool.take() {
            Some((stream, buf)) => (stream, buf, true),
            None => (connect(target.authority, target.connect_timeout).await?, BytesMut::new(), false),
        };
        let answer = match stream.write_all(head).await {
            Ok(()) => read_head(&mut stream, &mut buf, &mut parse).await,
            Err(e) => Err(Failure { error: broken(e), nothing_read: true }),
        };
        match answer {
            Ok(head) => return Ok((head, Conn { stream, buf, pool: target.pool.clone() })),
            Err(failure) if reused && failure.nothing_read => {}
            Err(failure) => return Err(failure.error),
        }
    }
}

/// Sends a bodiless request and returns the answer, its body streamed from the connection,
/// which goes back to the pool once the body has been read to its end.
pub async fn exchange(
    target: Target<'_>,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Result<Response<axum::body::Body>, H1Error> {
    let head = encode_head(method, path_and_query, target.authority, headers, b"");
    let (head, conn) = send(&target, &head, |buf| parse_head(buf, method)).await?;
    Ok(answer(head, conn))
}

/// The answer whose head was read from `conn`, its body streamed from the connection, which
/// goes back to the pool once the body has been read to its end (if `keep_alive`).
pub fn answer((response, framing, keep_alive): Head, conn: Conn) -> Response<axum::body::Body> {
    if let Framing::Length(0) = framing {
        // Nothing to stream: the connection is free at once.
        conn.release(keep_alive);
        return response.map(|()| axum::body::Body::empty());
    }
    let body = UpstreamBody { conn: Some(conn), framing, keep_alive };
    response.map(|()| axum::body::Body::new(body))
}

pub async fn connect(authority: &str, timeout: Duration) -> Result<TcpStream, H1Error> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(authority)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(H1Error::Connect(e)),
        Err(_) => return Err(H1Error::Connect(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))),
    };
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

/// Starts a request head in `head`: the request line, then `Host` (the instance's address).
pub fn request_line(head: &mut Vec<u8>, method: &str, target: &[u8], authority: &str) {
    head.extend_from_slice(method.as_bytes());
    head.push(b' ');
    head.extend_from_slice(target);
    head.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    head.extend_from_slice(authority.as_bytes());
    head.extend_from_slice(b"\r\n");
}

/// The request's head; `extra` holds header lines of the caller's (each ending in CRLF).
pub fn encode_head(
    method: &Method,
    path_and_query: &str,
    authority: &str,
    headers: &HeaderMap,
    extra: &[u8],
) -> Vec<u8> {
    let size = headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum::<usize>();
    let mut head = Vec::with_capacity(path_and_query.len() + authority.len() + size + 32);
    request_line(&mut head, method.as_str(), path_and_query.as_bytes(), authority);
    for (name, value) in headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(extra);
    head.extend_from_slice(b"\r\n");
    head
}

/// Room for the next read; reclaims the allocation when the data read before has been sent.
pub fn make_room(buf: &mut BytesMut) {
    if buf.capacity() - buf.len() < READ_CHUNK / 4 {
        buf.reserve(READ_CHUNK);
    }
}

struct Failure {
    error: H1Error,
    /// The upstream sent nothing back before the failure.
    nothing_read: bool,
}

/// An answer's head, how its body is framed, and whether the connection may be kept.
pub type Head = (Response<()>, Framing, bool);

/// Reads until `parse` finds the answer's head complete.
async fn read_head<H>(
    stream: &mut TcpStream,
    buf: &mut BytesMut,
    parse: &mut impl FnMut(&mut BytesMut) -> Result<Option<H>, H1Error>,
) -> Result<H, Failure> {
    let mut read_any = false;
    loop {
        if let Some(head) = parse(buf).map_err(|error| Failure { error, nothing_read: false })? {
            return Ok(head);
        }
        if buf.len() > MAX_HEAD {
            return Err(Failure { error: broken("answer head too large"), nothing_read: false });
        }
        make_room(buf);
        match stream.read_buf(buf).await {
            Ok(0) => {
                return Err(Failure { error: broken("connection closed before an answer"), nothing_read: !read_any });
            }
            Ok(_) => read_any = true,
            Err(e) => return Err(Failure { error: broken(e), nothing_read: !read_any }),
        }
    }
}

/// A final answer's head as parsed, borrowing the read buffer.
pub struct Parsed<'h, 'b> {
    pub status: StatusCode,
    pub headers: &'h [httparse::Header<'b>],
    pub framing: Framing,
    pub keep_alive: bool,
    /// Where the buffer started when parsed (to locate the headers' bytes in it).
    pub base: usize,
}

/// Parses the answer's head at the start of `buf`, skipping interim (1xx) answers, and hands
/// the final one to `read`; `None` while incomplete. Returns what `read` made and the length of
/// the head, which the caller consumes. `no_body`: the request was `HEAD`.
pub fn parse_final<T>(
    buf: &mut BytesMut,
    no_body: bool,
    read: impl FnOnce(&Parsed<'_, '_>) -> Result<T, H1Error>,
) -> Result<Option<(T, usize)>, H1Error> {
    loop {
        let mut slots = [httparse::EMPTY_HEADER; MAX_HEADERS];
        let mut parsed = httparse::Response::new(&mut slots);
        let len = match parsed.parse(buf) {
            Ok(httparse::Status::Complete(len)) => len,
            Ok(httparse::Status::Partial) => return Ok(None),
            Err(e) => return Err(broken(format!("invalid answer: {e}"))),
        };
        let code = parsed.code.unwrap_or(0);
        let status = StatusCode::from_u16(code).map_err(|_| broken("invalid status"))?;
        if status.is_informational() {
            if status == StatusCode::SWITCHING_PROTOCOLS {
                return Err(broken("unrequested protocol switch"));
            }
            buf.advance(len);
            continue;
        }
        let framing = framing::decide(parsed.headers, status, no_body)?;
        let keep_alive = parsed.version == Some(1)
            && !framing.until_close()
            && !parsed.headers.iter().any(|h| h.name.eq_ignore_ascii_case("connection") && has_token(h.value, "close"));
        let base = buf.as_ptr() as usize;
        let made = read(&Parsed { status, headers: parsed.headers, framing, keep_alive, base })?;
        return Ok(Some((made, len)));
    }
}

/// Parses a complete head at the start of `buf` (consuming it); `None` while incomplete.
pub fn parse_head(buf: &mut BytesMut, method: &Method) -> Result<Option<Head>, H1Error> {
    let mut spans = [((0, 0), (0, 0)); MAX_HEADERS];
    let found = parse_final(buf, method == Method::HEAD, |p| {
        // Where each name and value sits in the head, so that values become slices of one
        // shared buffer instead of one copy each.
        let at = |part: &[u8]| (part.as_ptr() as usize - p.base, part.len());
        for (span, h) in spans.iter_mut().zip(p.headers.iter()) {
            *span = (at(h.name.as_bytes()), at(h.value));
        }
        Ok((p.status, p.framing, p.keep_alive, p.headers.len()))
    })?;
    let Some(((status, framing, keep_alive, count), len)) = found else { return Ok(None) };
    let head = buf.split_to(len).freeze();
    let mut headers = HeaderMap::with_capacity(count);
    for &((name_at, name_len), (value_at, value_len)) in spans.iter().take(count) {
        let name = head.get(name_at..name_at + name_len).ok_or_else(|| broken("invalid header"))?;
        let name = HeaderName::from_bytes(name).map_err(|_| broken("invalid header name"))?;
        if value_at + value_len > head.len() {
            return Err(broken("invalid header"));
        }
        let value = HeaderValue::from_maybe_shared(head.slice(value_at..value_at + value_len))
            .map_err(|_| broken("invalid header value"))?;
        headers.append(name, value);
    }
    if headers.contains_key(header::TRANSFER_ENCODING) {
        // RFC 9112 §6.3: the transfer coding decides, and a length beside it must not be
        // passed on (the body is re-framed for the client).
        headers.remove(header::CONTENT_LENGTH);
    }
    let mut response = Response::new(());
    *response.status_mut() = status;
    *response.version_mut() = Version::HTTP_11;
    *response.headers_mut() = headers;
    Ok(Some((response, framing, keep_alive)))
}

/// An upstream answer's body, read from the connection as the client takes it.
struct UpstreamBody {
    /// `None` once the body has ended (the connection went back to the pool or was dropped).
    conn: Option<Conn>,
    framing: Framing,
    keep_alive: bool,
}

impl UpstreamBody {
    /// The body has been read to its end: keep the connection when it may serve again.
    fn finish(&mut self) {
        if let Some(conn) = self.conn.take() {
            conn.release(self.keep_alive);
        }
    }

    /// Reads more bytes into the buffer; `Ok(0)` at end of stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some(Conn { stream, buf, .. }) = &mut self.conn else { return Poll::Ready(Ok(0)) };
        make_room(buf);
        loop {
            match stream.try_read_buf(buf) {
                Ok(n) => return Poll::Ready(Ok(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => ready!(stream.poll_read_ready(cx))?,
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn cut_short() -> BoxError {
    Box::new(broken("the upstream closed the connection before the end of the body"))
}

impl http_body::Body for UpstreamBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        loop {
            let Some(conn) = &mut this.conn else { return Poll::Ready(None) };
            match this.framing.next(&mut conn.buf) {
                Ok(Step::Data(data)) => {
                    if let Framing::Length(0) = this.framing {
                        // The last of it: the connection is free before the client has it.
                        this.finish();
                    }
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Ok(Step::End) => {
                    this.finish();
                    return Poll::Ready(None);
                }
                Ok(Step::NeedMore) => {}
                Err(e) => {
                    this.conn = None;
                    return Poll::Ready(Some(Err(Box::new(e))));
                }
            }
            match ready!(this.poll_fill(cx)) {
                Ok(0) if this.framing.until_close() => {
                    this.conn = None;
                    return Poll::Ready(None);
                }
                Ok(0) => {
                    this.conn = None;
                    return Poll::Ready(Some(Err(cut_short())));
                }
                Ok(_) => {}
                Err(e) => {
                    this.conn = None;
                    return Poll::Ready(Some(Err(Box::new(e))));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.conn.is_none() || matches!(self.framing, Framing::Length(0))
    }

    fn size_hint(&self) -> SizeHint {
        match self.framing {
            Framing::Length(n) => SizeHint::with_exact(n),
            _ => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn head(wire: &[u8], method: Method) -> Result<Option<Head>, H1Error> {
        parse_head(&mut BytesMut::from(wire), &method)
    }

    #[test]
    fn heads_decide_framing_and_keep_alive() {
        let (r, f, keep) = head(b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\n\r\n", Method::GET).unwrap().unwrap();
        assert!(r.status() == 200 && matches!(f, Framing::Length(12)) && keep);
        let (_, f, keep) =
            head(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", Method::GET).unwrap().unwrap();
        assert!(matches!(f, Framing::Chunked(_)) && keep);
        let (r, f, _) =
            head(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n", Method::GET)
                .unwrap()
                .unwrap();
        assert!(matches!(f, Framing::Chunked(_)), "the transfer coding wins over a length");
        assert!(r.headers().get("content-length").is_none(), "and the length is not passed on");
        let (_, f, keep) = head(b"HTTP/1.1 200 OK\r\n\r\n", Method::GET).unwrap().unwrap();
        assert!(f.until_close() && !keep, "no length: read until close");
        let (_, _, keep) =
            head(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n", Method::GET).unwrap().unwrap();
        assert!(!keep);
        let (_, _, keep) = head(b"HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n", Method::GET).unwrap().unwrap();
        assert!(!keep, "HTTP/1.0 connections are not kept");
        let (_, f, _) = head(b"HTTP/1.1 200 OK\r\ncontent-length: 99\r\n\r\n", Method::HEAD).unwrap().unwrap();
        assert!(matches!(f, Framing::Length(0)), "a HEAD answer has no body");
        let (r, _, _) =
            head(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n", Method::GET)
                .unwrap()
                .unwrap();
        assert_eq!(r.status(), 404, "interim answers are skipped");
        assert!(head(b"HTTP/1.1 200 OK\r\ncontent-le", Method::GET).unwrap().is_none(), "incomplete");
        for bad in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
            b"HTTP/1.1 101 Switching Protocols\r\n\r\n",
            b"SSH-2.0-OpenSSH\r\n\r\n",
        ] {
            assert!(head(bad, Method::GET).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
