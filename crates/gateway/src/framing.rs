//! How an upstream answer's body is framed (RFC 9112 §6.3) and read: a length, chunks (decoded
//! whatever the read sizes), or until the upstream closes. Shared by every way the gateway reads
//! an answer.

use axum::http::StatusCode;
use bytes::{Bytes, BytesMut};

use crate::h1::{H1Error, broken};

/// A chunk-size line or a trailer line longer than this is refused.
const MAX_LINE: usize = 4096;

/// Whether a comma-separated header value lists `token` (any case).
pub fn has_token(value: &[u8], token: &str) -> bool {
    value.split(|&b| b == b',').any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
}

/// RFC 9112 §6.3: how the answer's body ends.
pub fn decide(headers: &[httparse::Header<'_>], status: StatusCode, no_body: bool) -> Result<Framing, H1Error> {
    if no_body || status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
        return Ok(Framing::Length(0));
    }
    let named = |name: &'static str| headers.iter().filter(move |h| h.name.eq_ignore_ascii_case(name)).map(|h| h.value);
    if let Some(last) = named("transfer-encoding").next_back() {
        let chunked =
            last.rsplit(|&b| b == b',').next().is_some_and(|c| c.trim_ascii().eq_ignore_ascii_case(b"chunked"));
        return Ok(if chunked { Framing::Chunked(Chunked::Size) } else { Framing::UntilClose });
    }
    let mut lengths = named("content-length");
    match lengths.next() {
        None => Ok(Framing::UntilClose),
        Some(first) => {
            let n = std::str::from_utf8(first).ok().and_then(|v| v.trim().parse::<u64>().ok());
            let n = n.ok_or_else(|| broken("invalid content-length"))?;
            if lengths.any(|other| other != first) {
                return Err(broken("conflicting content-length"));
            }
            Ok(Framing::Length(n))
        }
    }
}

#[derive(Clone, Copy)]
pub enum Framing {
    /// This many bytes left.
    Length(u64),
    Chunked(Chunked),
    /// Until the upstream closes the connection (which then cannot be kept).
    UntilClose,
}

impl Framing {
    pub fn until_close(&self) -> bool {
        matches!(self, Self::UntilClose)
    }

    /// The next piece of the body from the bytes read so far (consumed from `buf`).
    pub fn next(&mut self, buf: &mut BytesMut) -> Result<Step, H1Error> {
        Ok(match self {
            Self::Length(0) => Step::End,
            Self::Length(_) | Self::UntilClose if buf.is_empty() => Step::NeedMore,
            Self::Length(remaining) => {
                let n = usize::try_from(*remaining).unwrap_or(usize::MAX).min(buf.len());
                *remaining -= n as u64;
                Step::Data(buf.split_to(n).freeze())
            }
            Self::UntilClose => Step::Data(buf.split().freeze()),
            Self::Chunked(chunked) => return chunked.step(buf),
        })
    }
}

#[derive(Clone, Copy)]
pub enum Chunked {
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
pub enum Step {
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
    pub fn step(&mut self, buf: &mut BytesMut) -> Result<Step, H1Error> {
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
}
