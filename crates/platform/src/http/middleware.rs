//! Cross-cutting HTTP behaviour: request ids and access logs, metrics by route template,
//! security headers, and the guarantee that every error leaves in the JSON envelope.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use kernel::ApiError;
use tracing::Instrument;

use crate::metrics::HttpMetrics;

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request id of the current request, for handlers that want to log or echo it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The route template that matched (`/api/v1/things/{id}`), carried on the response (axum's
/// own, shared: no copy of the template per request).
#[derive(Debug, Clone)]
pub(crate) struct MatchedRoute(pub(crate) MatchedPath);

/// Accepts a client's request id only if it is short and plain, so it cannot forge log lines.
pub fn acceptable_request_id(value: &HeaderValue) -> Option<String> {
    let s = value.to_str().ok()?;
    is_plain_request_id(s.as_bytes()).then(|| s.to_owned())
}

/// The rule of [`acceptable_request_id`] on raw bytes: 1 to 128 of `[A-Za-z0-9._:-]`.
pub fn is_plain_request_id(id: &[u8]) -> bool {
    !id.is_empty() && id.len() <= 128 && id.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
}

/// Outermost layer: assigns the request id, opens the tracing span, records metrics and
/// writes the access log line. It runs on every request, so it copies little: the id's header
/// value is made once and shared by the request and the response, the method and route are
/// borrowed, and the path is only read while the span is made.
pub async fn observe(State(metrics): State<Arc<HttpMetrics>>, mut req: Request, next: Next) -> Response {
    let (request_id, header_value) = match req.headers().get(&X_REQUEST_ID).and_then(acceptable_request_id) {
        // Checked plain above: the client's header value is kept as it is.
        Some(id) => (id, req.headers().get(&X_REQUEST_ID).cloned()),
        None => {
            let id = kernel::new_id().to_string();
            let value = HeaderValue::from_str(&id).ok();
            if let Some(value) = &value {
                req.headers_mut().insert(X_REQUEST_ID.clone(), value.clone());
            }
            (id, value)
        }
    };
    let method = req.method().clone();
    let quiet = {
        let path = req.uri().path();
        path.starts_with("/health") || path == "/metrics"
    };
    let span = tracing::info_span!("http", request_id = %request_id, method = %method, path = %req.uri().path());
    req.extensions_mut().insert(RequestId(request_id));
    let started = Instant::now();

    let mut response =
        if span.is_disabled() { next.run(req).await } else { next.run(req).instrument(span.clone()).await };

    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    // Left on the response: the trace layer, outside this one, names its span after it.
    let matched = response.extensions().get::<MatchedRoute>().cloned();
    let route = matched.as_ref().map_or("unmatched", |r| r.0.as_str());
    metrics.observe(method.as_str(), route, status, elapsed);
    if let Some(value) = header_value {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, latency_ms, route, "request failed");
        } else if quiet {
            tracing::debug!(status, latency_ms, route, "request");
        } else {
            tracing::info!(status, latency_ms, route, "request");
        }
    });
    response
}

/// Route-level layer: hands the matched route template to `observe` on the response.
pub async fn tag_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(MatchedRoute(route));
    }
    response
}

/// Headers that make browsers treat API responses safely.
#[derive(Debug, Clone, Copy)]
pub struct SecurityHeaders {
    pub hsts: bool,
}

pub async fn security_headers(State(cfg): State<SecurityHeaders>, req: Request, next: Next) -> Response {
    let is_docs = req.uri().path().starts_with("/docs");
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    set_default(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(headers, header::X_FRAME_OPTIONS, "DENY");
    set_default(headers, header::REFERRER_POLICY, "no-referrer");
    set_default(headers, HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    let csp = if is_docs {
        // The bundled Swagger UI: its own scripts and styles, nothing from elsewhere.
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
         script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'"
    };
    set_default(headers, header::CONTENT_SECURITY_POLICY, csp);
    if cfg.hsts {
        set_default(headers, header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    response
}

fn set_default(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// Rewrites any error response that is not already JSON (router 405, body-limit 413, timeout
/// 408, ...) into the standard envelope, keeping headers such as `Allow` and `Retry-After`.
pub async fn envelope_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let rendered = ApiError::for_status(status.as_u16()).into_response();
    let (new_parts, body) = rendered.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    for (name, value) in &new_parts.headers {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

/// Renders a handler panic as a 500 envelope; the panic message is logged, never returned.
#[derive(Debug, Clone, Copy)]
pub struct PanicToEnvelope;

impl tower_http::catch_panic::ResponseForPanic for PanicToEnvelope {
    type ResponseBody = Body;

    fn response_for_panic(&mut self, err: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
        let message = err
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| err.downcast_ref::<&str>().copied())
            .unwrap_or("non-string panic payload");
        tracing::error!(panic = message, "handler panicked");
        ApiError::internal().into_response()
    }
}

/// The fallback for paths no route matches.
pub async fn not_found(req: Request) -> Response {
    let path: String = req.uri().path().chars().take(200).collect();
    ApiError::not_found(format!("No route for {} {path}", req.method())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_clients_are_sanitised() {
        assert_eq!(acceptable_request_id(&HeaderValue::from_static("abc-123_x.y:z")).as_deref(), Some("abc-123_x.y:z"));
        assert!(acceptable_request_id(&HeaderValue::from_static("has space")).is_none());
        assert!(acceptable_request_id(&HeaderValue::from_static("")).is_none());
        let long = "a".repeat(129);
        assert!(
            acceptable_request_id(&HeaderValue::from_str(&long).unwrap_or(HeaderValue::from_static("x y"))).is_none()
        );
    }
}
