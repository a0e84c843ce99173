//! The OTLP/HTTP exporter: finished spans go through a bounded queue to one background task
//! that POSTs them as JSON (`ExportTraceServiceRequest`) to `{endpoint}/v1/traces`, at most
//! [`BATCH`] spans at a time, at least every [`INTERVAL`]. A full queue drops the span and
//! counts it: tracing must never slow down or fail a request. A failed export is dropped too
//! (and logged, at most once a minute) — traces are diagnostics, not data.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::secrets::Secret;

/// Spans waiting for the exporter, at most.
pub(crate) const QUEUE: usize = 8192;
/// Spans per export request, at most.
pub(crate) const BATCH: usize = 512;
/// How often a partial batch is sent.
pub(crate) const INTERVAL: Duration = Duration::from_secs(1);
/// One export request, at most.
const TIMEOUT: Duration = Duration::from_secs(3);

/// OTLP `SpanKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanKind {
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}

/// An attribute value.
#[derive(Debug, Clone)]
pub enum AttrValue {
    Str(String),
    Int(i64),
}

/// A finished span, as exported.
#[derive(Debug, Clone)]
pub struct SpanData {
    pub trace_id: [u8; 16],
    pub span_id: [u8; 8],
    pub parent: Option<[u8; 8]>,
    pub tracestate: Option<String>,
    pub name: String,
    pub kind: SpanKind,
    pub start_unix_nanos: u64,
    pub end_unix_nanos: u64,
    pub attributes: Vec<(&'static str, AttrValue)>,
    pub error: bool,
}

pub(crate) enum Message {
    Span(Box<SpanData>),
    Flush(oneshot::Sender<()>),
}

/// Counters of what the exporter did (for tests and `/metrics`).
#[derive(Debug, Default)]
pub struct ExportStats {
    pub exported: AtomicU64,
    pub dropped: AtomicU64,
    pub failed_requests: AtomicU64,
}

/// Where and as whom spans are sent.
pub(crate) struct Destination {
    pub url: String,
    pub service: String,
    pub headers: Vec<(String, Secret)>,
}

/// Starts the exporter task; returns the queue's sending end.
pub(crate) fn spawn(destination: Destination, stats: Arc<ExportStats>) -> mpsc::Sender<Message> {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(run(destination, stats, rx));
    tx
}

async fn run(destination: Destination, stats: Arc<ExportStats>, mut rx: mpsc::Receiver<Message>) {
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(client) => client,
        Err(e) => {
            tracing::warn!(error = %e, "trace exporter cannot start; spans are dropped");
            return;
        }
    };
    let mut batch: Vec<SpanData> = Vec::with_capacity(BATCH);
    let mut tick = tokio::time::interval(INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_warning: Option<std::time::Instant> = None;
    loop {
        let flushed = tokio::select! {
            message = rx.recv() => match message {
                Some(Message::Span(span)) => {
                    batch.push(*span);
                    if batch.len() < BATCH {
                        continue;
                    }
                    None
                }
                Some(Message::Flush(done)) => Some(done),
                // Every tracer handle is gone: send what is left and stop.
                None => {
                    send(&client, &destination, &stats, &mut batch, &mut last_warning).await;
                    return;
                }
            },
            _ = tick.tick() => None,
        };
        send(&client, &destination, &stats, &mut batch, &mut last_warning).await;
        if let Some(done) = flushed {
            let _ = done.send(());
        }
    }
}

async fn send(
    client: &reqwest::Client,
    destination: &Destination,
    stats: &ExportStats,
    batch: &mut Vec<SpanData>,
    last_warning: &mut Option<std::time::Instant>,
) {
    if batch.is_empty() {
        return;
    }
    let body = encode(&destination.service, batch);
    let count = batch.len() as u64;
    batch.clear();
    let mut request = client.post(&destination.url).header("content-type", "application/json");
    for (name, value) in &destination.headers {
        request = request.header(name.as_str(), value.expose());
    }
    let outcome = match request.body(body).send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(format!("status {}", response.status().as_u16())),
        Err(e) => Err(e.without_url().to_string()),
    };
    match outcome {
        Ok(()) => {
            stats.exported.fetch_add(count, Ordering::Relaxed);
        }
        Err(error) => {
            stats.failed_requests.fetch_add(1, Ordering::Relaxed);
            stats.dropped.fetch_add(count, Ordering::Relaxed);
            if last_warning.is_none_or(|at| at.elapsed() > Duration::from_secs(60)) {
                *last_warning = Some(std::time::Instant::now());
                tracing::warn!(%error, spans = count, "trace export failed; spans dropped");
            }
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn attribute(key: &str, value: &AttrValue) -> Value {
    let value = match value {
        AttrValue::Str(s) => json!({ "stringValue": s }),
        // OTLP/JSON writes 64-bit integers as strings.
        AttrValue::Int(i) => json!({ "intValue": i.to_string() }),
    };
    json!({ "key": key, "value": value })
}

/// The `ExportTraceServiceRequest` of `spans`, in OTLP's JSON mapping.
pub(crate) fn encode(service: &str, spans: &[SpanData]) -> Vec<u8> {
    let spans: Vec<Value> = spans
        .iter()
        .map(|s| {
            let mut span = json!({
                "traceId": hex(&s.trace_id),
                "spanId": hex(&s.span_id),
                "name": s.name,
                "kind": s.kind as u8,
                "startTimeUnixNano": s.start_unix_nanos.to_string(),
                "endTimeUnixNano": s.end_unix_nanos.to_string(),
                "attributes": s.attributes.iter().map(|(k, v)| attribute(k, v)).collect::<Vec<_>>(),
                "status": { "code": if s.error { 2 } else { 0 } },
            });
            if let Some(parent) = &s.parent {
                span["parentSpanId"] = Value::String(hex(parent));
            }
            if let Some(state) = &s.tracestate {
                span["traceState"] = Value::String(state.clone());
            }
            span
        })
        .collect();
    let request = json!({
        "resourceSpans": [{
            "resource": { "attributes": [
                attribute("service.name", &AttrValue::Str(service.to_owned())),
                attribute("service.version", &AttrValue::Str(crate::VERSION.to_owned())),
            ] },
            "scopeSpans": [{
                "scope": { "name": "sojourn", "version": crate::VERSION },
                "spans": spans,
            }],
        }],
    });
    serde_json::to_vec(&request).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_encode_to_the_otlp_json_shape() {
        let span = SpanData {
            trace_id: [1; 16],
            span_id: [2; 8],
            parent: Some([3; 8]),
            tracestate: None,
            name: "GET /x".into(),
            kind: SpanKind::Server,
            start_unix_nanos: 10,
            end_unix_nanos: 20,
            attributes: vec![("http.response.status_code", AttrValue::Int(200))],
            error: false,
        };
        let body: Value = serde_json::from_slice(&encode("svc", &[span])).unwrap_or_default();
        let resource = &body["resourceSpans"][0];
        assert_eq!(resource["resource"]["attributes"][0]["value"]["stringValue"], "svc");
        let s = &resource["scopeSpans"][0]["spans"][0];
        assert_eq!(s["traceId"], "01010101010101010101010101010101");
        assert_eq!(s["parentSpanId"], "0303030303030303");
        assert_eq!(s["kind"], 2);
        assert_eq!(s["startTimeUnixNano"], "10");
        assert_eq!(s["attributes"][0]["value"]["intValue"], "200");
    }
}
