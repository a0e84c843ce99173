//! The gateway's span of each proxied request (when `trace.otlp_endpoint` is set): the child
//! of the client's `traceparent` if it sent one, and the parent of the upstream's server span
//! — the gateway replaces the `traceparent` it forwards with its own.

use axum::http::{HeaderMap, HeaderValue};
use platform::trace::{Span, SpanContext, SpanKind, TRACEPARENT, TRACESTATE, Tracer};

/// Starts the span of a request whose W3C headers are `traceparent` and `tracestate`.
pub(crate) fn start(tracer: &Tracer, method: &str, traceparent: Option<&[u8]>, tracestate: Option<&[u8]>) -> Span {
    let parent = SpanContext::from_headers(traceparent, tracestate);
    let mut span = tracer.start(method.to_owned(), SpanKind::Server, parent.as_ref());
    span.set_str("http.request.method", method.to_owned());
    span
}

/// [`start`] from a request's headers, which then carry the span's context upstream.
pub(crate) fn start_in(tracer: &Tracer, method: &str, headers: &mut HeaderMap) -> Span {
    let span = start(
        tracer,
        method,
        headers.get(TRACEPARENT).map(HeaderValue::as_bytes),
        headers.get(TRACESTATE).map(HeaderValue::as_bytes),
    );
    platform::trace::http::inject(headers, span.context());
    span
}

/// The span's W3C header lines, for a head the gateway writes itself.
pub(crate) fn header_lines(out: &mut Vec<u8>, span: &Span) {
    crate::relay::header_line(out, TRACEPARENT.as_bytes(), span.context().traceparent().as_bytes());
    if let Some(state) = &span.context().tracestate {
        crate::relay::header_line(out, TRACESTATE.as_bytes(), state.as_bytes());
    }
}

/// Ends the span with the upstream it went to (`label`), the answer's status and request id.
pub(crate) fn finish(mut span: Span, method: &str, label: &str, status: u16, request_id: &[u8]) {
    if !span.is_recording() {
        return;
    }
    span.set_name(format!("{method} {label}"));
    span.set_str("sojourn.upstream", label.to_owned());
    span.set_int("http.response.status_code", i64::from(status));
    span.set_str("sojourn.request_id", String::from_utf8_lossy(request_id).into_owned());
    if status >= 500 {
        span.fail();
    }
    span.end();
}
