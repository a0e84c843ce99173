//! Forwarding one request: pooled keep-alive connections, bodies streamed both ways (never
//! buffered), hop-by-hop headers dropped, `X-Forwarded-*` and `X-Request-Id` set, failures
//! turned into envelopes (503 when nothing could be sent, 502 when the upstream broke, 504 when
//! it did not answer in time), and bodiless idempotent requests retried on another instance.
//! A request body the *client* got wrong (a malformed chunk, a connection cut mid-body) is the
//! client's fault, not the upstream's: it is answered 400 and never counted by the breaker,
//! or one client could open the circuit for everybody.
//! Protocol upgrades (WebSocket) take `upgrade` instead, with the same instance choice and
//! breaker.

use std::net::IpAddr;
use std::time::Duration;

use axum::body::Body;
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, Request, Response, Uri};
use axum::response::IntoResponse;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use kernel::ApiError;

use crate::upstream::{Breaker, Instance, Lease, Upstream};
use crate::{h1, upload};

/// One request's tries across the instances of an upstream (see [`Proxy::next_instance`] and
/// [`Proxy::settle`]).
pub struct Attempts<'u> {
    upstream: &'u Upstream,
    retryable: bool,
    tried: Vec<usize>,
}

impl<'u> Attempts<'u> {
    /// `retryable`: the request may go to another instance when it could not be sent to one.
    pub fn new(upstream: &'u Upstream, retryable: bool) -> Self {
        Self { upstream, retryable, tried: Vec::new() }
    }
}

/// No instance could take the request: nothing was sent, the client may try again shortly.
pub fn unavailable() -> Response<Body> {
    envelope(503, "upstream_unavailable", "The service is unavailable, try again shortly", Some(5))
}

/// What became of one attempt on one instance.
pub enum Sent<A> {
    Answer(A),
    /// Nothing was sent.
    ConnectFailed(String),
    BodyLimit,
    /// The client's own body could not be read (bad chunked framing, cut off): its fault,
    /// answered 400, not held against the instance.
    ClientBody(String),
    Broken(String),
    TimedOut,
}

pub struct Proxy {
    client: Client<HttpConnector, Body>,
    connect_timeout: Duration,
    timeout: Duration,
    retries: u32,
    pub breaker: Breaker,
    body_limit: usize,
}

pub struct ProxyOptions {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub retries: u32,
    pub breaker: Breaker,
    pub body_limit: usize,
}

/// The address a request came from, and whether it is a trusted proxy (`server.trusted_proxies`)
/// whose forwarded headers are kept.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    pub ip: IpAddr,
    pub trusted: bool,
}

/// An answer's status, which tells the breaker whether its instance failed.
pub trait Status {
    fn status(&self) -> u16;
}

impl<B> Status for Response<B> {
    fn status(&self) -> u16 {
        self.status().as_u16()
    }
}

static X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
static X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
static X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// Headers that describe one connection, not the message: never forwarded as they are.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "upgrade",
];

/// Whether a header describes one connection (see [`HOP_BY_HOP`]); `Transfer-Encoding` too,
/// as bodies are re-framed for the next hop.
pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|h| h.eq_ignore_ascii_case(name)) || name.eq_ignore_ascii_case("transfer-encoding")
}

/// Whether an upstream answer's header is one the gateway gives itself: CORS headers (its own
/// CORS layer answers for the deployment; two `Access-Control-Allow-Origin` would be refused,
/// and a `Vary` naming the CORS request headers goes with them) and the request id.
pub fn is_gateways_own(name: &str, value: &[u8]) -> bool {
    name.get(..15).is_some_and(|p| p.eq_ignore_ascii_case("access-control-"))
        || name.eq_ignore_ascii_case("x-request-id")
        || (name.eq_ignore_ascii_case("vary") && value.windows(22).any(|w| w == b"access-control-request"))
}

pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Most messages carry none: one pass to find out before any removal.
    if !headers.keys().any(|name| is_hop_by_hop(name.as_str())) {
        return;
    }
    // Headers named in `Connection` are hop-by-hop too.
    if headers.contains_key(header::CONNECTION) {
        remove_listed(headers);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove(header::TRANSFER_ENCODING);
}

fn remove_listed(headers: &mut HeaderMap) {
    let listed: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|n| HeaderName::from_bytes(n.trim().as_bytes()).ok())
        .collect();
    for name in listed {
        headers.remove(name);
    }
}

/// An upstream's answer loses its hop-by-hop headers and those the gateway gives itself.
pub fn clean_response_headers(headers: &mut HeaderMap) {
    strip_hop_by_hop(headers);
    if !headers.iter().any(|(name, value)| is_gateways_own(name.as_str(), value.as_bytes())) {
        return;
    }
    let all = std::mem::take(headers);
    for (name, value) in &all {
        if !is_gateways_own(name.as_str(), value.as_bytes()) {
            headers.append(name.clone(), value.clone());
        }
    }
}

pub fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0")
}

pub fn envelope(status: u16, code: &'static str, message: &str, retry_after: Option<u64>) -> Response<Body> {
    let mut error = ApiError::new(status, code, message);
    if let Some(secs) = retry_after {
        error = error.with_retry_after(secs);
    }
    error.into_response()
}

/// An error and its causes, for the log: hyper's client names only the stage that failed.
fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// Whether a client error came from our own body-size limit.
fn is_body_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Whether a client error came from reading the inbound request's body (hyper's client passes
/// the body's own error, an `axum::Error`, along as a cause).
fn is_client_body(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<axum::Error>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// The client's request body could not be read: `400 malformed_body`.
pub fn malformed_body() -> Response<Body> {
    envelope(400, "malformed_body", "The request body could not be read (malformed or cut off)", None)
}

impl Proxy {
    pub fn new(options: ProxyOptions) -> Self {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(options.connect_timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(1024)
            .build(connector);
        Self {
            client,
            connect_timeout: options.connect_timeout,
            timeout: options.timeout,
            retries: options.retries,
            breaker: options.breaker,
            body_limit: options.body_limit,
        }
    }

    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// How long an upstream has to start answering.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `X-Forwarded-*` and `X-Request-Id` for the upstream; `Host` becomes `X-Forwarded-Host`.
    /// The peer is appended to `X-Forwarded-For`, after the incoming chain only when the peer
    /// is a trusted proxy (a client's own header is dropped).
    pub fn forwarded_headers(&self, headers: &mut HeaderMap, peer: Peer, request_id: &HeaderValue) {
        let host = headers.remove(header::HOST);
        let mut chain = String::new();
        if peer.trusted {
            for prior in headers.get_all(&X_FORWARDED_FOR).iter().filter_map(|v| v.to_str().ok()) {
                chain.push_str(prior);
                chain.push_str(", ");
            }
        }
        chain.push_str(&peer.ip.to_string());
        if let Ok(v) = HeaderValue::from_str(&chain) {
            headers.insert(X_FORWARDED_FOR.clone(), v);
        }
        if !(peer.trusted && headers.contains_key(&X_FORWARDED_PROTO)) {
            headers.insert(X_FORWARDED_PROTO.clone(), HeaderValue::from_static("http"));
        }
        if let Some(host) = host {
            headers.insert(X_FORWARDED_HOST.clone(), host);
        }
        headers.insert(platform::http::middleware::X_REQUEST_ID.clone(), request_id.clone());
    }

    /// Sends `req` to an instance of `upstream` and returns its answer (or an envelope).
    pub async fn forward(
        &self,
        upstream: &Upstream,
        req: Request<Body>,
        peer: Peer,
        request_id: &HeaderValue,
    ) -> Response<Body> {
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.body_limit as u64) {
            return envelope(413, "payload_too_large", "The request body is too large", None);
        }
        let (mut parts, body) = req.into_parts();
        // No length, not chunked, and (HTTP/2) the stream already ended: truly no body.
        let bodiless = !has_body(&parts.headers) && axum::body::HttpBody::is_end_stream(&body);
        strip_hop_by_hop(&mut parts.headers);
        self.forwarded_headers(&mut parts.headers, peer, request_id);
        let retryable = bodiless && matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let mut body =
            Some(if bodiless { body } else { Body::new(http_body_util::Limited::new(body, self.body_limit)) });
        let path = parts.uri.path_and_query().cloned();
        let mut attempts = Attempts::new(upstream, retryable);
        loop {
            let Some(lease) = self.next_instance(&mut attempts) else { return unavailable() };
            let instance = lease.instance;
            let pq = path.as_ref().map_or("/", |p| p.as_str());
            let sent = if retryable && instance.plain_http {
                self.timed(h1::exchange(self.target(instance), &parts.method, pq, &parts.headers)).await
            } else if instance.plain_http {
                let body = body.take().unwrap_or_else(Body::empty);
                self.uploaded(upload::exchange(self.target(instance), &parts.method, pq, &parts.headers, body)).await
            } else {
                let mut uri = Uri::builder().scheme(instance.scheme.clone()).authority(instance.authority.clone());
                if let Some(pq) = &path {
                    uri = uri.path_and_query(pq.clone());
                }
                let Ok(uri) = uri.build() else {
                    return envelope(400, "bad_request", "Invalid request target", None);
                };
                let mut out =
                    Request::new(if retryable { Body::empty() } else { body.take().unwrap_or_else(Body::empty) });
                *out.method_mut() = parts.method.clone();
                *out.uri_mut() = uri;
                *out.headers_mut() = parts.headers.clone();
                self.send_pooled(out).await
            };
            if let Some(done) = self.settle(&attempts, instance, sent) {
                return done.unwrap_or_else(|envelope| envelope);
            }
        }
    }

    /// The next instance of the attempts' upstream in the balancer's order, skipping open
    /// circuits and those tried already; `None` when none is left (answer [`unavailable`]).
    pub fn next_instance<'u>(&self, attempts: &mut Attempts<'u>) -> Option<Lease<'u>> {
        let (index, lease) = attempts.upstream.pick(&self.breaker, &attempts.tried)?;
        attempts.tried.push(index);
        Some(lease)
    }

    /// Reports an attempt's outcome to its instance's breaker and decides what follows: the
    /// answer, an envelope (503 when nothing was sent, 502 when the upstream broke, 504 when it
    /// did not answer in time), or `None` to try the next instance — only for a request that
    /// may be repeated and that could not be sent at all.
    pub fn settle<A: Status>(
        &self,
        attempts: &Attempts<'_>,
        instance: &Instance,
        sent: Sent<A>,
    ) -> Option<Result<A, Response<Body>>> {
        let upstream = &attempts.upstream.name;
        Some(match sent {
            Sent::Answer(answer) => {
                if matches!(answer.status(), 502..=504) {
                    instance.failed(&self.breaker);
                } else {
                    instance.succeeded();
                }
                Ok(answer)
            }
            Sent::ConnectFailed(error) => {
                instance.failed(&self.breaker);
                tracing::warn!(%upstream, instance = %instance.url, %error, "upstream connect failed");
                if attempts.retryable && attempts.tried.len() <= self.retries as usize {
                    return None;
                }
                // Nothing was sent: the client may safely try again.
                Err(unavailable())
            }
            Sent::BodyLimit => Err(envelope(413, "payload_too_large", "The request body is too large", None)),
            Sent::ClientBody(error) => {
                tracing::info!(%upstream, instance = %instance.url, %error, "client request body unreadable");
                Err(malformed_body())
            }
            Sent::Broken(error) => {
                instance.failed(&self.breaker);
                tracing::warn!(%upstream, instance = %instance.url, %error, "upstream request failed");
                Err(envelope(502, "upstream_error", "The service failed to answer", None))
            }
            Sent::TimedOut => {
                instance.failed(&self.breaker);
                tracing::warn!(%upstream, instance = %instance.url, "upstream timed out");
                Err(envelope(504, "upstream_timeout", "The service did not answer in time", None))
            }
        })
    }

    /// `exchange` bounded by the upstream timeout, its error sorted by what was sent.
    pub async fn bounded<A>(&self, exchange: impl Future<Output = Result<A, h1::H1Error>>) -> Sent<A> {
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(answer)) => Sent::Answer(answer),
            Ok(Err(h1::H1Error::Connect(error))) => Sent::ConnectFailed(error.to_string()),
            Ok(Err(error)) => Sent::Broken(error.to_string()),
            Err(_) => Sent::TimedOut,
        }
    }

    /// Where the gateway's own client connects for `instance`.
    pub fn target<'i>(&self, instance: &'i Instance) -> h1::Target<'i> {
        h1::Target { pool: &instance.pool, authority: &instance.address, connect_timeout: self.connect_timeout }
    }

    /// The fast path's exchange, bounded by the upstream timeout.
    async fn timed(&self, exchange: impl Future<Output = Result<Response<Body>, h1::H1Error>>) -> Sent<Response<Body>> {
        let mut sent = self.bounded(exchange).await;
        if let Sent::Answer(response) = &mut sent {
            clean_response_headers(response.headers_mut());
        }
        sent
    }

    /// A request with a body through the gateway's own client, bounded by the upstream timeout.
    async fn uploaded(
        &self,
        exchange: impl Future<Output = Result<Response<Body>, upload::UploadError>>,
    ) -> Sent<Response<Body>> {
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(Ok(mut response)) => {
                clean_response_headers(response.headers_mut());
                Sent::Answer(response)
            }
            Ok(Err(upload::UploadError::Connect(error))) => Sent::ConnectFailed(error.to_string()),
            Ok(Err(upload::UploadError::Body(error))) if is_body_limit(&error) => Sent::BodyLimit,
            Ok(Err(upload::UploadError::Body(error))) => Sent::ClientBody(with_causes(&error)),
            Ok(Err(upload::UploadError::Broken(error))) => Sent::Broken(error.to_string()),
            Err(_) => Sent::TimedOut,
        }
    }

    /// Through hyper's pooled client: `https://` instances.
    async fn send_pooled(&self, out: Request<Body>) -> Sent<Response<Body>> {
        match tokio::time::timeout(self.timeout, self.client.request(out)).await {
            Ok(Ok(response)) => {
                let (mut parts, incoming) = response.into_parts();
                clean_response_headers(&mut parts.headers);
                Sent::Answer(Response::from_parts(parts, Body::new(incoming)))
            }
            Ok(Err(error)) if error.is_connect() => Sent::ConnectFailed(with_causes(&error)),
            Ok(Err(error)) if is_body_limit(&error) => Sent::BodyLimit,
            Ok(Err(error)) if is_client_body(&error) => Sent::ClientBody(with_causes(&error)),
            Ok(Err(error)) => Sent::Broken(with_causes(&error)),
            Err(_) => Sent::TimedOut,
        }
    }
}
