//! HTTP in traces: the server span of every request (continuing the caller's `traceparent`),
//! and the client span of every internal call (whose `traceparent` the callee continues).

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::{Span, SpanContext, SpanKind, TRACEPARENT, TRACESTATE, Tracer};
use crate::http::middleware::{MatchedRoute, X_REQUEST_ID};

/// The caller's context from a request's W3C headers, if valid.
pub fn incoming(headers: &HeaderMap) -> Option<SpanContext> {
    SpanContext::from_headers(
        headers.get(TRACEPARENT).map(HeaderValue::as_bytes),
        headers.get(TRACESTATE).map(HeaderValue::as_bytes),
    )
}

/// Sets `span`'s context as the request's `traceparent` (and `tracestate`) for the next hop.
pub fn inject(headers: &mut HeaderMap, context: &SpanContext) {
    if let Ok(value) = HeaderValue::from_str(&context.traceparent()) {
        headers.insert(TRACEPARENT, value);
    }
    match context.tracestate.as_deref().map(HeaderValue::from_str) {
        Some(Ok(value)) => {
            headers.insert(TRACESTATE, value);
        }
        _ => {
            headers.remove(TRACESTATE);
        }
    }
}

/// Outermost layer when tracing is on: one server span per request, current while it is
/// handled, named after the route template once routing has matched one.
pub async fn server_span(State(tracer): State<Tracer>, req: Request, next: Next) -> Response {
    let parent = incoming(req.headers());
    let method = req.method().as_str().to_owned();
    let mut span = tracer.start(method.clone(), SpanKind::Server, parent.as_ref());
    if span.is_recording() {
        span.set_str("http.request.method", method.clone());
        span.set_str("url.path", req.uri().path().to_owned());
    }
    let response = super::in_span(&span, next.run(req)).await;
    finish_server(span, &method, &response);
    response
}

fn finish_server(mut span: Span, method: &str, response: &Response) {
    if !span.is_recording() {
        return;
    }
    let status = response.status().as_u16();
    if let Some(route) = response.extensions().get::<MatchedRoute>() {
        span.set_name(format!("{method} {}", route.0.as_str()));
        span.set_str("http.route", route.0.as_str().to_owned());
    }
    span.set_int("http.response.status_code", i64::from(status));
    if let Some(id) = response.headers().get(&X_REQUEST_ID).and_then(|v| v.to_str().ok()) {
        span.set_str("sojourn.request_id", id.to_owned());
    }
    if status >= 500 {
        span.fail();
    }
    span.end();
}

/// The client span of an internal call to `service` (`payments service`), under the current
/// span; `None` when the calling task is not traced.
pub fn client_span(service: &str, method: &str, path: &str) -> Option<Span> {
    let mut span = super::child(format!("{method} {service}"), SpanKind::Client)?;
    span.set_str("http.request.method", method.to_owned());
    span.set_str("url.path", path.to_owned());
    span.set_str("peer.service", service.to_owned());
    Some(span)
}

/// Ends an internal call's span with the answer's status (or as failed, without one).
pub fn end_client_span(span: Option<Span>, status: Option<u16>) {
    let Some(mut span) = span else { return };
    match status {
        Some(status) => {
            span.set_int("http.response.status_code", i64::from(status));
            if status >= 500 {
                span.fail();
            }
        }
        None => span.fail(),
    }
    span.end();
}

/// `request` (to `service`) with the client span it runs under: the span's `traceparent` on
/// it. Untouched, and no span, when the calling task is not traced.
pub fn traced_request(request: reqwest::RequestBuilder, service: &str) -> (reqwest::RequestBuilder, Option<Span>) {
    if super::CURRENT.try_with(|_| ()).is_err() {
        return (request, None);
    }
    let (method, path) = request
        .try_clone()
        .and_then(|r| r.build().ok())
        .map(|r| (r.method().as_str().to_owned(), r.url().path().to_owned()))
        .unwrap_or_default();
    let Some(span) = client_span(service, &method, &path) else { return (request, None) };
    let mut request = request.header(TRACEPARENT, span.context().traceparent());
    if let Some(state) = &span.context().tracestate {
        request = request.header(TRACESTATE, state.as_str());
    }
    (request, Some(span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TraceConfig;

    #[tokio::test]
    async fn internal_calls_carry_the_current_span_and_untraced_ones_nothing() {
        // Nothing listens there: exports fail quietly, which is what tracing must do.
        let config = TraceConfig { otlp_endpoint: Some("http://127.0.0.1:9".into()), ..TraceConfig::default() };
        let tracer = Tracer::from_config(&config, "test").unwrap();
        let client = reqwest::Client::new();
        let (untraced, none) = traced_request(client.get("http://booking.internal/x"), "booking service");
        assert!(none.is_none() && untraced.build().unwrap().headers().get(TRACEPARENT).is_none());

        let server = tracer.start("GET /y", SpanKind::Server, None);
        let server_context = server.context().clone();
        let (request, span) = super::super::in_span(&server, async {
            traced_request(client.get("http://booking.internal/internal/v1/records/listing/1"), "booking service")
        })
        .await;
        let span = span.unwrap();
        let sent = request.build().unwrap();
        let header = SpanContext::from_traceparent(sent.headers()[TRACEPARENT].as_bytes()).unwrap();
        assert_eq!(header.trace_id, server_context.trace_id, "the same trace");
        assert_eq!(header.span_id, span.context().span_id, "the callee's parent is the client span");
        assert_ne!(header.span_id, server_context.span_id);
        end_client_span(Some(span), Some(200));
        tracer.flush().await;
        assert!(tracer.stats().dropped.load(std::sync::atomic::Ordering::Relaxed) >= 1, "dropped, not blocked");
    }
}
