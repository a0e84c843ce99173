//! The gateway's own HTTP/1.1 client for the hot path: bodiless GET/HEAD/OPTIONS to `http://`
//! instances (most of a booking platform's traffic). hyper's pooled client runs each upstream
//! connection as its own task and hands requests and bodies to it over channels, so every proxied
//! request costs several task switches, often across threads. Here the request's own task writes
//! the head, reads the answer and streams its body straight from the pooled socket — one task, no
//! channel, as nginx does. Requests with bodies and upgrades keep hyper's client, which handles
//! early answers and tunnels.

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

/// The most an upstream's status line and headers may take.
const MAX_HEAD: usize = 64 * 1024;
/// The most headers an upstream's answer may carry.
const MAX_HEADERS: usize = 100;
/// A chunk-size line or a trailer line longer than this is refused.
const MAX_LINE: usize = 4096;
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

fn broken(what: impl std::fmt::Display) -> H1Error {
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

    fn take(&self) -> Option<(TcpStream, BytesMut)> {
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

/// Sends a bodiless request and returns the answer, its body streamed from the connection,
/// which goes back to the pool once the body has been read to its end.
pub async fn exchange(
    target: Target<'_>,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
) -> Result<Response<axum::body::Body>, H1Error> {
    let head = encode_head(method, path_and_query, target.authority, headers);
    loop {
        let (mut stream, mut buf, reused) = match target.pool.take() {
            Some((stream, buf)) => (stream, buf, true),
            None => (connect(target.authority, target.connect_timeout).await?, BytesMut::new(), false),
        };
        let answer = match stream.write_all(&head).await {
            Ok(()) => read_head(&mut stream, &mut buf, method).await,
            Err(e) => Err(Failure { error: broken(e), nothing_read: true }),
        };
        match answer {
            Ok((response, Framing::Length(0), keep_alive)) => {
                // Nothing to stream: the connection is free at once.
                if keep_alive && buf.is_empty() {
                    target.pool.give_back(stream, buf);
                }
                return Ok(response.map(|()| axum::body::Body::empty()));
            }
            Ok((response, framing, keep_alive)) => {
                let body = UpstreamBody { stream: Some(stream), buf, framing, keep_alive, pool: target.pool.clone() };
                return Ok(response.map(|()| axum::body::Body::new(body)));
            }
            // A kept-alive connection the upstream closed while idle: the request was not
            // processed (nothing came back), and it is idempotent — try the next one.
            Err(failure) if reused && failure.nothing_read => {}
            Err(failure) => return Err(failure.error),
        }
    }
}

async fn connect(authority: &str, timeout: Duration) -> Result<TcpStream, H1Error> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(authority)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => return Err(H1Error::Connect(e)),
        Err(_) => return Err(H1Error::Connect(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))),
    };
    let _ = stream.set_nodelay(true);
    Ok(stream)
}

fn encode_head(method: &Method, path_and_query: &str, authority: &str, headers: &HeaderMap) -> Vec<u8> {
    let size = headers.iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum::<usize>();
    let mut head = Vec::with_capacity(path_and_query.len() + authority.len() + size + 32);
    head.extend_from_slice(method.as_str().as_bytes());
    head.push(b' ');
    head.extend_from_slice(path_and_query.as_bytes());
    head.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    head.extend_from_slice(authority.as_bytes());
    head.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// Room for the next read; reclaims the allocation when the data read before has been sent.
fn make_room(buf: &mut BytesMut) {
    if buf.capacity() - buf.len() < READ_CHUNK / 4 {
        buf.reserve(READ_CHUNK);
    }
}

struct Failure {
    error: H1Error,
    /// The upstream sent nothing back before the failure.
    nothing_read: bool,
}

type Head = (Response<()>, Framing, bool);

/// Reads the answer's head (skipping interim 1xx answers) and decides how its body is framed.
async fn read_head(stream: &mut TcpStream, buf: &mut BytesMut, method: &Method) -> Result<Head, Failure> {
    let mut read_any = false;
    loop {
        if let Some(head) = parse_head(buf, method).map_err(|error| Failure { error, nothing_read: false })? {
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

/// Parses a complete head at the start of `buf` (consuming it); `None` while incomplete.
fn parse_head(buf: &mut BytesMut, method: &Method) -> Result<Option<Head>, H1Error> {
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
        let http11 = parsed.version == Some(1);
        // Where each name and value sits in the head, so that values become slices of one
        // shared buffer instead of one copy each.
        let base = buf.as_ptr() as usize;
        let at = |part: &[u8]| (part.as_ptr() as usize - base, part.len());
        let mut spans = [((0, 0), (0, 0)); MAX_HEADERS];
        let count = parsed.headers.len();
        for (span, h) in spans.iter_mut().zip(parsed.headers.iter()) {
            *span = (at(h.name.as_bytes()), at(h.value));
        }
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
        let framing = framing(&headers, status, method)?;
        if headers.contains_key(header::TRANSFER_ENCODING) {
            // RFC 9112 §6.3: the transfer coding decides, and a length beside it must not be
            // passed on (the body is re-framed for the client).
            headers.remove(header::CONTENT_LENGTH);
        }
        let keep_alive = http11 && !framing.until_close() && !has_token(&headers, header::CONNECTION, "close");
        let mut response = Response::new(());
        *response.status_mut() = status;
        *response.version_mut() = Version::HTTP_11;
        *response.headers_mut() = headers;
        return Ok(Some((response, framing, keep_alive)));
    }
}

fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// RFC 9112 §6.3: how the answer's body ends.
fn framing(headers: &HeaderMap, status: StatusCode, method: &Method) -> Result<Framing, H1Error> {
    if method == Method::HEAD || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return Ok(Framing::Length(0));
    }
    if let Some(last) = headers.get_all(header::TRANSFER_ENCODING).iter().next_back() {
        let chunked = last.to_str().ok().and_then(|v| v.rsplit(',').next()).is_some_and(|c| c.trim() == "chunked");
        return Ok(if chunked { Framing::Chunked(Chunked::Size) } else { Framing::UntilClose });
    }
    let mut lengths = headers.get_all(header::CONTENT_LENGTH).iter();
    match lengths.next() {
        None => Ok(Framing::UntilClose),
        Some(first) => {
            let n = first.to_str().ok().and_then(|v| v.trim().parse::<u64>().ok());
            let n = n.ok_or_else(|| broken("invalid content-length"))?;
            if lengths.any(|other| other != first) {
                return Err(broken("conflicting content-length"));
            }
            Ok(Framing::Length(n))
        }
    }
}

enum Framing {
    /// This many bytes left.
    Length(u64),
    Chunked(Chunked),
    /// Until the upstream closes the connection (which then cannot be kept).
    UntilClose,
}

impl Framing {
    fn until_close(&self) -> bool {
        matches!(self, Self::UntilClose)
    }
}

enum Chunked {
    /// Expecting a chunk-size line.
    Size,
    Data(u64),
    /// The CRLF after a chunk's data.
    DataEnd,
    /// Trailer lines until an empty one.
    Trailers,
    Done,
}

/// What the chunked decoder got from the buffered bytes.
enum Step {
    Data(Bytes),
    NeedMore,
    End,
}

/// Takes one line (without its CRLF or LF) from the start of `buf`.
fn take_line(buf: &mut BytesMut) -> Result<Option<BytesMut>, H1Error> {
    match buf.iter().position(|&b| b == b'\n') {
        Some(end) => {
            let mut line = buf.split_to(end + 1);
            line.truncate(end);
            if line.last() == Some(&b'\r') {
                line.truncate(end - 1);
            }
            Ok(Some(line))
        }
        None if buf.len() > MAX_LINE => Err(broken("chunk line too long")),
        None => Ok(None),
    }
}

impl Chunked {
    fn step(&mut self, buf: &mut BytesMut) -> Result<Step, H1Error> {
        loop {
            match self {
                Self::Size => {
                    let Some(line) = take_line(buf)? else { return Ok(Step::NeedMore) };
                    let digits = line[..].split(|&b| b == b';').next().unwrap_or_default();
                    let digits = std::str::from_utf8(digits).map_err(|_| broken("invalid chunk size"))?.trim();
                    if digits.is_empty() || digits.len() > 15 {
                        return Err(broken("invalid chunk size"));
                    }
                    let size = u64::from_str_radix(digits, 16).map_err(|_| broken("invalid chunk size"))?;
                    *self = if size == 0 { Self::Trailers } else { Self::Data(size) };
                }
                Self::Data(remaining) => {
                    if buf.is_empty() {
                        return Ok(Step::NeedMore);
                    }
                    let n = usize::try_from(*remaining).unwrap_or(usize::MAX).min(buf.len());
                    let data = buf.split_to(n).freeze();
                    *remaining -= n as u64;
                    if *remaining == 0 {
                        *self = Self::DataEnd;
                    }
                    return Ok(Step::Data(data));
                }
                Self::DataEnd => {
                    let Some(line) = take_line(buf)? else { return Ok(Step::NeedMore) };
                    if !line.is_empty() {
                        return Err(broken("chunk data longer than its size"));
                    }
                    *self = Self::Size;
                }
                Self::Trailers => {
                    let Some(line) = take_line(buf)? else { return Ok(Step::NeedMore) };
                    if line.is_empty() {
                        *self = Self::Done;
                    }
                }
                Self::Done => return Ok(Step::End),
            }
        }
    }
}

/// An upstream answer's body, read from the connection as the client takes it.
struct UpstreamBody {
    /// `None` once the body has ended (the connection went back to the pool or was dropped).
    stream: Option<TcpStream>,
    buf: BytesMut,
    framing: Framing,
    keep_alive: bool,
    pool: Arc<Pool>,
}

impl UpstreamBody {
    /// The body has been read to its end: keep the connection when it may serve again.
    fn finish(&mut self) {
        if let Some(stream) = self.stream.take()
            && self.keep_alive
            && self.buf.is_empty()
        {
            self.pool.give_back(stream, std::mem::take(&mut self.buf));
        }
    }

    /// Reads more bytes into the buffer; `Ok(0)` at end of stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some(stream) = &self.stream else { return Poll::Ready(Ok(0)) };
        make_room(&mut self.buf);
        loop {
            match stream.try_read_buf(&mut self.buf) {
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
            if this.stream.is_none() {
                return Poll::Ready(None);
            }
            match &mut this.framing {
                Framing::Length(0) => {
                    this.finish();
                    return Poll::Ready(None);
                }
                Framing::Length(remaining) if !this.buf.is_empty() => {
                    let n = usize::try_from(*remaining).unwrap_or(usize::MAX).min(this.buf.len());
                    *remaining -= n as u64;
                    let data = this.buf.split_to(n).freeze();
                    if *remaining == 0 {
                        this.finish();
                    }
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Framing::UntilClose if !this.buf.is_empty() => {
                    return Poll::Ready(Some(Ok(Frame::data(this.buf.split().freeze()))));
                }
                Framing::Chunked(chunked) => match chunked.step(&mut this.buf) {
                    Ok(Step::Data(data)) => return Poll::Ready(Some(Ok(Frame::data(data)))),
                    Ok(Step::End) => {
                        this.finish();
                        return Poll::Ready(None);
                    }
                    Ok(Step::NeedMore) => {}
                    Err(e) => {
                        this.stream = None;
                        return Poll::Ready(Some(Err(Box::new(e))));
                    }
                },
                Framing::Length(_) | Framing::UntilClose => {}
            }
            match ready!(this.poll_fill(cx)) {
                Ok(0) if this.framing.until_close() => {
                    this.stream = None;
                    return Poll::Ready(None);
                }
                Ok(0) => {
                    this.stream = None;
                    return Poll::Ready(Some(Err(cut_short())));
                }
                Ok(_) => {}
                Err(e) => {
                    this.stream = None;
                    return Poll::Ready(Some(Err(Box::new(e))));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.stream.is_none() || matches!(self.framing, Framing::Length(0))
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

    fn decode(mut wire: BytesMut, chunks_of: usize) -> Result<Vec<u8>, H1Error> {
        // Feed the decoder `chunks_of` bytes at a time, as reads would.
        let mut state = Chunked::Size;
        let mut buf = BytesMut::new();
        let mut out = Vec::new();
        loop {
            match state.step(&mut buf)? {
                Step::Data(d) => out.extend_from_slice(&d),
                Step::End => return Ok(out),
                Step::NeedMore if wire.is_empty() => return Err(broken("truncated")),
                Step::NeedMore => {
                    let n = chunks_of.min(wire.len());
                    buf.extend_from_slice(&wire.split_to(n));
                }
            }
        }
    }

    #[test]
    fn chunked_bodies_decode_whatever_the_read_sizes() {
        let wire = BytesMut::from(&b"5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nx-trailer: 1\r\n\r\n"[..]);
        for size in [1, 2, 3, 7, 100] {
            assert_eq!(decode(wire.clone(), size).unwrap(), b"hello, world", "reads of {size}");
        }
        let bare_lf = BytesMut::from(&b"3\nabc\n0\n\n"[..]);
        assert_eq!(decode(bare_lf, 1).unwrap(), b"abc");
    }

    #[test]
    fn malformed_chunked_bodies_are_refused() {
        for wire in [&b"zz\r\n"[..], b"3\r\nabcdef\r\n0\r\n\r\n", b"\r\n", b"10000000000000000\r\n"] {
            assert!(decode(BytesMut::from(wire), 4).is_err(), "{:?}", String::from_utf8_lossy(wire));
        }
        assert!(decode(BytesMut::from(&[b'1'; MAX_LINE + 10][..]), 64).is_err(), "endless size line");
    }

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
