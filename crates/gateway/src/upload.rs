//! Requests with a body, sent by the gateway's own HTTP/1.1 client. A service may answer before
//! it has read the whole body — a `401` or `404` decided from the head alone — and then close
//! the connection. hyper's client reports that as a broken pipe and loses the answer, so the
//! client would get a `502` for what was its own mistake. Here the body is written while the
//! connection is watched for an answer: an answer that comes early stops the upload and is
//! relayed (that connection is not kept), and an upload the service cut off still lets the
//! answer it sent be read.

use axum::body::Body;
use axum::http::header::{self, HeaderMap};
use axum::http::{Method, Response};
use bytes::{Buf, BytesMut};
use http_body_util::BodyExt as _;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::h1::{self, Conn, H1Error, Target};

/// Why an upload failed.
pub enum UploadError {
    /// Nothing was sent.
    Connect(std::io::Error),
    /// The client's body failed: too large (`is_body_limit` tells), or the client went away.
    Body(axum::Error),
    Broken(H1Error),
}

impl From<H1Error> for UploadError {
    fn from(error: H1Error) -> Self {
        match error {
            H1Error::Connect(e) => Self::Connect(e),
            other => Self::Broken(other),
        }
    }
}

/// Sends a request with `body` (its framing kept: the client's `Content-Length`, else chunked)
/// and returns the answer, its body streamed from the connection.
pub async fn exchange(
    target: Target<'_>,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    mut body: Body,
) -> Result<Response<Body>, UploadError> {
    let chunked = !headers.contains_key(header::CONTENT_LENGTH);
    let framing: &[u8] = if chunked { b"transfer-encoding: chunked\r\n" } else { b"" };
    let head = h1::encode_head(method, path_and_query, target.authority, headers, framing);
    let mut stream = match live_connection(target.pool) {
        Some(stream) => stream,
        None => h1::connect(target.authority, target.connect_timeout).await?,
    };
    if let Err(e) = stream.write_all(&head).await {
        return Err(UploadError::Broken(h1::broken(e)));
    }
    let mut read = BytesMut::new();
    let mut pending = BytesMut::new();
    let (mut uploading, mut sent_whole) = (true, false);
    while uploading || !pending.is_empty() {
        tokio::select! {
            biased;
            ready = stream.readable() => {
                ready.map_err(h1::broken)?;
                h1::make_room(&mut read);
                match stream.try_read_buf(&mut read) {
                    Ok(0) => return Err(UploadError::Broken(h1::broken("the upstream closed the connection"))),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(e) => return Err(UploadError::Broken(h1::broken(e))),
                }
                if let Some((response, framing, _)) = h1::parse_head(&mut read, method)? {
                    // An answer before the end of the upload: the rest of the body stays
                    // unsent, so the connection cannot serve another request.
                    return Ok(h1::answer((response, framing, false), conn(stream, read, target)));
                }
            }
            ready = stream.writable(), if !pending.is_empty() => {
                ready.map_err(h1::broken)?;
                match stream.try_write(&pending) {
                    Ok(n) => pending.advance(n),
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    // The upstream stopped reading (and may have answered): stop sending,
                    // and read what it said.
                    Err(_) => {
                        pending.clear();
                        uploading = false;
                        sent_whole = false;
                    }
                }
            }
            frame = body.frame(), if uploading && pending.is_empty() => match frame {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && !data.is_empty()
                    {
                        if chunked {
                            pending.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
                        }
                        pending.extend_from_slice(&data);
                        if chunked {
                            pending.extend_from_slice(b"\r\n");
                        }
                    }
                }
                Some(Err(error)) => return Err(UploadError::Body(error)),
                None => {
                    if chunked {
                        pending.extend_from_slice(b"0\r\n\r\n");
                    }
                    uploading = false;
                    sent_whole = true;
                }
            },
        }
    }
    // The whole body went out (or the upstream stopped reading it): now its answer.
    let mut conn = conn(stream, read, target);
    loop {
        if let Some((response, framing, keep_alive)) = h1::parse_head(&mut conn.buf, method)? {
            return Ok(h1::answer((response, framing, keep_alive && sent_whole), conn));
        }
        // An upstream that answered and then reset the connection: Linux still hands over
        // the answer before the reset.
        match conn.fill().await {
            Ok(0) => {
                return Err(UploadError::Broken(h1::broken("the upstream closed the connection before an answer")));
            }
            Ok(_) => {}
            Err(e) => return Err(UploadError::Broken(h1::broken(e))),
        }
    }
}

fn conn(stream: TcpStream, buf: BytesMut, target: Target<'_>) -> Conn {
    Conn { stream, buf, pool: target.pool.clone() }
}

/// A kept connection that has not been closed while idle: a body, once sent, cannot be sent
/// again on another connection, so a stale one is left out before anything is written.
fn live_connection(pool: &h1::Pool) -> Option<TcpStream> {
    while let Some((stream, _)) = pool.take() {
        let mut probe = [0u8; 1];
        if matches!(stream.try_read(&mut probe), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock) {
            return Some(stream);
        }
    }
    None
}
