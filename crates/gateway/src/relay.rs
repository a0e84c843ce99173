//! The shortcut's answer, written by hand. The upstream's head is parsed where it was read and
//! copied to the client line by line, leaving out hop-by-hop headers and those the gateway
//! gives itself; the body is then relayed from one socket to the other, re-framed only when the
//! upstream did not give a length. No header map and no response object are built, and a small
//! answer reaches the client in one write — this is the per-request work nginx does and hyper's
//! server does more of (measured in docs/PERFORMANCE.md, "Gateway hop").

use std::io::{self, Write as _};
use std::time::SystemTime;

use axum::body::Body;
use axum::http::response::Parts;
use axum::http::{Response, StatusCode};
use bytes::{Buf, Bytes, BytesMut};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::h1::{self, Conn, Framing, H1Error, Step};
use crate::proxy::{Status, is_gateways_own, is_hop_by_hop};

/// Past this much, a relayed body is written out before more is read.
const FLUSH_AT: usize = 64 * 1024;
/// The most an envelope the gateway wrote itself may hold.
const MAX_ENVELOPE: usize = 64 * 1024;

/// What the upstream answered, its head already copied for the client.
pub struct Relayed {
    status: u16,
    framing: Framing,
    keep_alive: bool,
    /// The upstream's own `Content-Length` was passed on: an answer without a body (to `HEAD`,
    /// or 204/304) keeps the length it announces.
    length_kept: bool,
    conn: Conn,
}

impl Status for Relayed {
    fn status(&self) -> u16 {
        self.status
    }
}

/// Writes a bodiless request's `head` to an instance (see [`h1::send`]) and copies the status
/// line and headers of its answer into `out`.
pub async fn exchange(
    target: &h1::Target<'_>,
    head: &[u8],
    no_body: bool,
    out: &mut Vec<u8>,
) -> Result<Relayed, H1Error> {
    out.clear();
    let (parsed, conn) = h1::send(target, head, |buf| copy_head(buf, no_body, out)).await?;
    let (status, framing, keep_alive, length_kept) = parsed;
    Ok(Relayed { status, framing, keep_alive, length_kept, conn })
}

type Copied = (u16, Framing, bool, bool);

/// Parses the answer's head at the start of `buf` (consuming it once complete) and appends
/// what the client gets of it to `out`; nothing is appended while it is incomplete.
fn copy_head(buf: &mut BytesMut, no_body: bool, out: &mut Vec<u8>) -> Result<Option<Copied>, H1Error> {
    let mark = out.len();
    let found = h1::parse_final(buf, no_body, |p| {
        let status = p.status;
        let length_kept = no_body || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED;
        status_line(out, status);
        let has_connection = p.headers.iter().any(|h| h.name.eq_ignore_ascii_case("connection"));
        // Names the upstream's `Connection` lists are hop-by-hop too.
        let listed = |name: &str| {
            has_connection
                && p.headers.iter().any(|h| h.name.eq_ignore_ascii_case("connection") && h1::has_token(h.value, name))
        };
        for h in p.headers {
            let length = h.name.eq_ignore_ascii_case("content-length");
            if (length && !length_kept) || is_hop_by_hop(h.name) || is_gateways_own(h.name, h.value) || listed(h.name) {
                continue;
            }
            header_line(out, h.name.as_bytes(), h.value);
        }
        Ok((status.as_u16(), p.framing, p.keep_alive, length_kept))
    });
    match found {
        Ok(Some((copied, len))) => {
            buf.advance(len);
            Ok(Some(copied))
        }
        Ok(None) => Ok(None),
        Err(error) => {
            out.truncate(mark);
            Err(error)
        }
    }
}

pub fn status_line(out: &mut Vec<u8>, status: StatusCode) {
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(status.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(status.canonical_reason().unwrap_or("").as_bytes());
    out.extend_from_slice(b"\r\n");
}

pub fn header_line(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

fn cut_short() -> io::Error {
    io::Error::new(io::ErrorKind::UnexpectedEof, "the upstream closed the connection before the end of the body")
}

/// Ends the head in `out` with the body's framing, then relays the body to `client`; the
/// upstream connection goes back to its pool once the body has been read whole. `Err` when
/// either side broke: the client's connection must then be closed, since that is how a client
/// learns that a body it was promised was cut short.
pub async fn relay(client: &mut TcpStream, out: &mut Vec<u8>, relayed: Relayed) -> io::Result<()> {
    let Relayed { mut framing, keep_alive, length_kept, mut conn, .. } = relayed;
    let chunked = !length_kept && !matches!(framing, Framing::Length(_));
    match framing {
        _ if length_kept => {}
        Framing::Length(n) => {
            let _ = write!(out, "content-length: {n}\r\n");
        }
        _ => out.extend_from_slice(b"transfer-encoding: chunked\r\n"),
    }
    out.extend_from_slice(b"\r\n");
    loop {
        match framing.next(&mut conn.buf).map_err(io::Error::other)? {
            Step::Data(data) if chunked => {
                let _ = write!(out, "{:x}\r\n", data.len());
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\r\n");
            }
            Step::Data(data) => out.extend_from_slice(&data),
            Step::End => break,
            Step::NeedMore => {
                // More may already be waiting; if not, what is ready goes out before the wait.
                let read = match conn.try_fill() {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        if !out.is_empty() {
                            client.write_all(out).await?;
                            out.clear();
                        }
                        conn.fill().await?
                    }
                    read => read?,
                };
                if read == 0 {
                    if framing.until_close() {
                        break;
                    }
                    // What was relayed so far still goes out; the close then tells the client.
                    let _ = client.write_all(out).await;
                    return Err(cut_short());
                }
                continue;
            }
        }
        if out.len() >= FLUSH_AT {
            client.write_all(out).await?;
            out.clear();
        }
    }
    if chunked {
        out.extend_from_slice(b"0\r\n\r\n");
    }
    conn.release(keep_alive && !framing.until_close());
    client.write_all(out).await
}

/// An answer the gateway made itself (an error envelope): its status line and headers go into
/// `out` (with a `Date`, as hyper's server would add), and its body is returned for
/// [`finish_envelope`].
pub async fn envelope_head(out: &mut Vec<u8>, response: Response<Body>) -> Bytes {
    let (parts, body): (Parts, Body) = response.into_parts();
    out.clear();
    status_line(out, parts.status);
    for (name, value) in &parts.headers {
        if !matches!(name.as_str(), "content-length" | "transfer-encoding" | "date") {
            header_line(out, name.as_str().as_bytes(), value.as_bytes());
        }
    }
    header_line(out, b"date", httpdate::fmt_http_date(SystemTime::now()).as_bytes());
    // Envelopes are small bodies held in memory: collecting one cannot wait on anything.
    axum::body::to_bytes(body, MAX_ENVELOPE).await.unwrap_or_default()
}

/// Ends an envelope's head with its length and appends its body (none for `HEAD`).
pub fn finish_envelope(out: &mut Vec<u8>, body: &[u8], head_request: bool) {
    let _ = write!(out, "content-length: {}\r\n\r\n", body.len());
    if !head_request {
        out.extend_from_slice(body);
    }
}
