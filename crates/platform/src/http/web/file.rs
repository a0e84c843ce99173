//! One file as an HTTP answer: validators (`ETag`, `Last-Modified`) and the conditional requests
//! they allow (304), a single byte range (206/416), a precompressed sibling (`.br`, `.gz`) when
//! the client accepts it, and a body streamed from disk in chunks — a 100 MB panorama or video
//! never sits in memory.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::BytesMut;
use chrono::{DateTime, Utc};
use kernel::ApiError;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::types;

/// Bytes read from disk per body chunk.
const CHUNK: usize = 256 * 1024;

/// A regular file inside a served directory, after every check.
#[derive(Debug)]
pub struct Found {
    pub path: PathBuf,
    pub len: u64,
    pub modified: Option<SystemTime>,
    /// The `index.html` of a directory that was asked for.
    pub index: bool,
}

/// `candidate` (or, for a directory, its `index.html`) if it is a regular file whose real path
/// — symbolic links resolved — lies inside `root` (itself canonical) and crosses no hidden
/// name (a link `config.json → .env` is refused like `.env` itself).
pub async fn find(root: &Path, candidate: &Path) -> Option<Found> {
    let real = inside(root, candidate).await?;
    let meta = tokio::fs::metadata(&real).await.ok()?;
    if meta.is_dir() {
        let mut index = find_file(root, &real.join("index.html")).await?;
        index.index = true;
        return Some(index);
    }
    meta.is_file().then(|| Found { path: real, len: meta.len(), modified: meta.modified().ok(), index: false })
}

async fn find_file(root: &Path, candidate: &Path) -> Option<Found> {
    let real = inside(root, candidate).await?;
    let meta = tokio::fs::metadata(&real).await.ok()?;
    meta.is_file().then(|| Found { path: real, len: meta.len(), modified: meta.modified().ok(), index: false })
}

async fn inside(root: &Path, candidate: &Path) -> Option<PathBuf> {
    let real = tokio::fs::canonicalize(candidate).await.ok()?;
    let Ok(below) = real.strip_prefix(root) else {
        tracing::warn!(path = %candidate.display(), "refused a file outside the served directory");
        return None;
    };
    let hidden = below.components().any(|c| c.as_os_str().to_str().is_none_or(super::path::is_hidden));
    (!hidden).then_some(real)
}

/// How to answer with a file.
pub struct Answer<'a> {
    pub content_type: &'static str,
    pub cache_control: &'static str,
    pub head: bool,
    /// Honour `Range` (not for the single-page fallback, which answers for another path).
    pub ranges: bool,
    pub headers: &'a HeaderMap,
    pub root: &'a Path,
    pub csp: &'a HeaderValue,
}

/// The answer for `found`, or the precompressed sibling the client accepts.
pub async fn respond(found: Found, answer: &Answer<'_>) -> Response {
    let (found, encoding) = precompressed(found, answer).await;
    let compressible = types::worth_compressing(answer.content_type);
    let etag = etag(&found, encoding, compressible && encoding.is_none());
    let last_modified = found.modified.map(http_date);
    let mut headers = HeaderMap::new();
    put(&mut headers, header::ETAG, &etag);
    if let Some(date) = &last_modified {
        put(&mut headers, header::LAST_MODIFIED, date);
    }
    put(&mut headers, header::CACHE_CONTROL, answer.cache_control);
    if compressible || encoding.is_some() {
        put(&mut headers, header::VARY, "Accept-Encoding");
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, answer.csp.clone());
    // A page, unlike an API answer: the browser's default referrer policy (third parties such
    // as map tiles may check the origin) and popups it opens (payment) keep their opener.
    put(&mut headers, header::REFERRER_POLICY, "strict-origin-when-cross-origin");
    put(&mut headers, HeaderName::from_static("cross-origin-opener-policy"), "same-origin-allow-popups");
    if not_modified(answer.headers, &etag, found.modified) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    put(&mut headers, header::CONTENT_TYPE, answer.content_type);
    put(&mut headers, header::ACCEPT_RANGES, "bytes");
    if let Some((name, _)) = encoding {
        put(&mut headers, header::CONTENT_ENCODING, name);
    }
    let wanted = answer.ranges && !answer.head && if_range_holds(answer.headers, &etag, last_modified.as_deref());
    let range = if wanted { answer.headers.get(header::RANGE).and_then(|v| v.to_str().ok()) } else { None };
    let (status, start, len) = match range.map(|r| parse_range(r, found.len)) {
        None | Some(Range::Ignored) => (StatusCode::OK, 0, found.len),
        Some(Range::Unsatisfiable) => {
            let mut refused =
                ApiError::new(416, "range_not_satisfiable", "The requested range is not in the file").into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{}", found.len)) {
                refused.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return refused;
        }
        Some(Range::Satisfiable(first, last)) => {
            put(&mut headers, header::CONTENT_RANGE, &format!("bytes {first}-{last}/{}", found.len));
            (StatusCode::PARTIAL_CONTENT, first, last - first + 1)
        }
    };
    put(&mut headers, header::CONTENT_LENGTH, &len.to_string());
    if answer.head {
        return (status, headers, Body::empty()).into_response();
    }
    match stream(&found.path, start, len).await {
        Ok(body) => (status, headers, body).into_response(),
        Err(error) => {
            tracing::error!(%error, path = %found.path.display(), "could not open a web file");
            ApiError::internal().into_response()
        }
    }
}

fn put(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

/// `file.br` or `file.gz` next to `found` when the client accepts that encoding (q > 0).
async fn precompressed(found: Found, answer: &Answer<'_>) -> (Found, Option<(&'static str, &'static str)>) {
    let accepted = answer.headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or_default();
    for (name, suffix) in [("br", "br"), ("gzip", "gz")] {
        if !accepts_encoding(accepted, name) {
            continue;
        }
        let mut sibling = found.path.clone().into_os_string();
        sibling.push(".");
        sibling.push(suffix);
        if let Some(compressed) = find_file(answer.root, Path::new(&sibling)).await {
            return (compressed, Some((name, suffix)));
        }
    }
    (found, None)
}

fn accepts_encoding(accept: &str, name: &str) -> bool {
    accept.split(',').any(|item| {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or_default().trim();
        let q =
            parts.filter_map(|p| p.trim().strip_prefix("q=")).find_map(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        coding.eq_ignore_ascii_case(name) && q > 0.0
    })
}

/// Size and modification time (and the encoding, whose bytes differ): it changes whenever a
/// deploy replaces the file. Weak when the compression layer may re-encode the answer.
fn etag(found: &Found, encoding: Option<(&str, &str)>, weak: bool) -> String {
    let nanos = found.modified.and_then(|m| m.duration_since(UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    let suffix = encoding.map(|(_, s)| format!("-{s}")).unwrap_or_default();
    let prefix = if weak { "W/" } else { "" };
    format!("{prefix}\"{:x}-{nanos:x}{suffix}\"", found.len)
}

fn http_date(time: SystemTime) -> String {
    DateTime::<Utc>::from(time).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn parse_http_date(value: &str) -> Option<i64> {
    DateTime::parse_from_rfc2822(value.trim()).ok().map(|d| d.timestamp())
}

/// `If-None-Match` (weak comparison) when present, else `If-Modified-Since`.
fn not_modified(headers: &HeaderMap, etag: &str, modified: Option<SystemTime>) -> bool {
    if let Some(tags) = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        let ours = etag.trim_start_matches("W/");
        return tags.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == ours);
    }
    let since = headers.get(header::IF_MODIFIED_SINCE).and_then(|v| v.to_str().ok()).and_then(parse_http_date);
    let mtime = modified.map(|m| DateTime::<Utc>::from(m).timestamp());
    matches!((since, mtime), (Some(since), Some(mtime)) if mtime <= since)
}

/// `If-Range` absent, or naming this very version: a strong `ETag` equal to ours, or exactly
/// our `Last-Modified`. Otherwise the client's partial copy is stale and gets the whole file.
fn if_range_holds(headers: &HeaderMap, etag: &str, last_modified: Option<&str>) -> bool {
    let Some(value) = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()) else { return true };
    let value = value.trim();
    if value.starts_with('"') {
        return !etag.starts_with("W/") && value == etag;
    }
    !value.starts_with("W/") && last_modified.is_some_and(|ours| parse_http_date(value) == parse_http_date(ours))
}

#[derive(Debug, PartialEq, Eq)]
pub enum Range {
    /// Malformed, several ranges, or another unit: answered with the whole file (RFC 9110
    /// lets a server ignore `Range`).
    Ignored,
    Unsatisfiable,
    /// First and last byte, inclusive.
    Satisfiable(u64, u64),
}

/// One `bytes=` range (`a-b`, `a-`, `-n`) against a file of `len` bytes.
pub fn parse_range(value: &str, len: u64) -> Range {
    let Some(spec) = value.trim().strip_prefix("bytes=") else { return Range::Ignored };
    if spec.contains(',') {
        return Range::Ignored;
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Range::Ignored };
    let number = |s: &str| (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u64>().ok());
    match (number(first.trim()), number(last.trim())) {
        (Some(Some(first)), None) if last.trim().is_empty() => {
            if first < len {
                Range::Satisfiable(first, len - 1)
            } else {
                Range::Unsatisfiable
            }
        }
        (Some(Some(first)), Some(Some(last))) if first <= last => {
            if first < len {
                Range::Satisfiable(first, last.min(len - 1))
            } else {
                Range::Unsatisfiable
            }
        }
        (None, Some(Some(suffix))) if first.trim().is_empty() => {
            if suffix == 0 || len == 0 {
                Range::Unsatisfiable
            } else {
                Range::Satisfiable(len - suffix.min(len), len - 1)
            }
        }
        // A suffix too long for u64 still means "the whole file".
        (None, Some(None)) if first.trim().is_empty() && len > 0 => Range::Satisfiable(0, len - 1),
        _ => Range::Ignored,
    }
}

/// `len` bytes of `path` from `start`, read off the async workers chunk by chunk.
async fn stream(path: &Path, start: u64, len: u64) -> std::io::Result<Body> {
    let mut file = tokio::fs::File::open(path).await?;
    if start > 0 {
        file.seek(SeekFrom::Start(start)).await?;
    }
    let chunks = futures_util::stream::try_unfold((file, len), |(mut file, left)| async move {
        if left == 0 {
            return Ok(None);
        }
        let want = usize::try_from(left).map_or(CHUNK, |left| left.min(CHUNK));
        let mut buf = BytesMut::with_capacity(want);
        let read = file.read_buf(&mut buf).await?;
        if read == 0 {
            return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "the file shrank while being sent"));
        }
        // `read_buf` may fill more than asked when the buffer came out larger.
        buf.truncate(want);
        let sent = buf.len() as u64;
        Ok(Some((buf.freeze(), (file, left - sent))))
    });
    Ok(Body::from_stream(chunks))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_are_read_others_ignored() {
        assert_eq!(parse_range("bytes=0-99", 1000), Range::Satisfiable(0, 99));
        assert_eq!(parse_range("bytes=900-", 1000), Range::Satisfiable(900, 999));
        assert_eq!(parse_range("bytes=-100", 1000), Range::Satisfiable(900, 999));
        assert_eq!(parse_range("bytes=-5000", 1000), Range::Satisfiable(0, 999));
        assert_eq!(parse_range("bytes=990-5000", 1000), Range::Satisfiable(990, 999));
        assert_eq!(parse_range("bytes=-99999999999999999999999", 10), Range::Satisfiable(0, 9));
        assert_eq!(parse_range("bytes=1000-", 1000), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=1000-1001", 1000), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 1000), Range::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), Range::Unsatisfiable);
        for ignored in ["bytes=5-1", "bytes=0-1,4-5", "items=0-1", "bytes=a-b", "bytes=-", "bytes=+1-2", "0-1"] {
            assert_eq!(parse_range(ignored, 1000), Range::Ignored, "{ignored}");
        }
    }

    #[test]
    fn encodings_with_q_zero_are_refused() {
        assert!(accepts_encoding("gzip, deflate, br", "br"));
        assert!(accepts_encoding("br;q=0.5", "br"));
        assert!(!accepts_encoding("br;q=0, gzip", "br"));
        assert!(!accepts_encoding("identity", "gzip"));
        assert!(!accepts_encoding("", "gzip"));
    }

    #[test]
    fn http_dates_round_trip() {
        let time = UNIX_EPOCH + std::time::Duration::from_secs(784_111_777);
        assert_eq!(http_date(time), "Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse_http_date("yesterday"), None);
    }
}
