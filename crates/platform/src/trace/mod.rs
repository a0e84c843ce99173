//! Distributed traces: OpenTelemetry spans over OTLP/HTTP, with W3C trace context carried
//! through the gateway, internal HTTP calls and events, so one request is one trace across a
//! split deployment. Off unless `trace.otlp_endpoint` is set (see docs/tracing.md).
//!
//! Why our own small exporter rather than the `opentelemetry` crates: `opentelemetry-otlp`
//! brings its own HTTP client stack (a reqwest major we do not use, or tonic/prost), which
//! would duplicate major versions in the tree, and a large build for what we need — a few
//! span kinds, JSON over HTTP and parent-based sampling. OTLP/JSON is a stable, documented
//! encoding every collector (OpenTelemetry Collector, Jaeger, Tempo) accepts.
//!
//! Why explicit spans rather than a `tracing` layer: the global `tracing` subscriber is one
//! per process, but one process may hold several apps (tests run a gateway and two services
//! side by side, each its own `service.name` and exporter), and a process that does not trace
//! must pay nothing — here a disabled tracer is `None`, one branch per request. The spans we
//! export are few and deliberate: the server span of each HTTP request (also at the gateway),
//! internal HTTP calls, and each event's publish and consume. The current span travels with
//! the request's task ([`current`]), so code deep inside a handler (an outbox write, an
//! internal call) continues the right trace without passing it around.

mod context;
mod events;
mod export;
pub mod http;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, oneshot};

pub use context::SpanContext;
pub use events::{consume_span, publish_span, stamp};
pub use export::{AttrValue, ExportStats, SpanData, SpanKind};

use crate::config::TraceConfig;

/// The W3C headers.
pub const TRACEPARENT: &str = "traceparent";
pub const TRACESTATE: &str = "tracestate";

/// A process's tracer: sampling, and the queue to its exporter. Cheap to clone.
#[derive(Clone)]
pub struct Tracer(Arc<Inner>);

struct Inner {
    service: String,
    /// Root traces whose id's low 64 bits fall under this are sampled.
    threshold: u64,
    queue: mpsc::Sender<export::Message>,
    stats: Arc<ExportStats>,
}

impl std::fmt::Debug for Tracer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tracer").field("service", &self.0.service).finish_non_exhaustive()
    }
}

impl Tracer {
    /// The tracer `config` asks for, or `None` when tracing is off. `default_service` names
    /// the process when `trace.service_name` does not. Starts the exporter task (call inside
    /// the runtime).
    pub fn from_config(config: &TraceConfig, default_service: &str) -> Option<Tracer> {
        let endpoint = config.otlp_endpoint.as_deref()?;
        let service = config.service_name.clone().unwrap_or_else(|| default_service.to_owned());
        let destination = export::Destination {
            url: format!("{}/v1/traces", endpoint.trim_end_matches('/')),
            service: service.clone(),
            headers: config.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        };
        let stats = Arc::new(ExportStats::default());
        let queue = export::spawn(destination, stats.clone());
        // `as` saturates: 1.0 gives u64::MAX (everything), 0.0 gives 0 (nothing).
        let threshold = (config.sample_ratio.clamp(0.0, 1.0) * u64::MAX as f64) as u64;
        tracing::info!(service = %service, endpoint = %endpoint, ratio = config.sample_ratio, "tracing to OTLP");
        Some(Tracer(Arc::new(Inner { service, threshold, queue, stats })))
    }

    /// The default `service.name` for a process running `contexts`.
    pub fn default_service(contexts: &[&str]) -> String {
        match contexts {
            [one] => format!("sojourn-{one}"),
            _ => "sojourn".to_owned(),
        }
    }

    pub fn service(&self) -> &str {
        &self.0.service
    }

    pub fn stats(&self) -> &ExportStats {
        &self.0.stats
    }

    /// Starts a span: the child of `parent` (following its sampling decision), or the root of
    /// a new trace (sampled by `trace.sample_ratio`).
    pub fn start(&self, name: impl Into<String>, kind: SpanKind, parent: Option<&SpanContext>) -> Span {
        let (context, parent_id) = match parent {
            Some(p) => (
                SpanContext {
                    trace_id: p.trace_id,
                    span_id: context::new_span_id(),
                    sampled: p.sampled,
                    tracestate: p.tracestate.clone(),
                },
                Some(p.span_id),
            ),
            None => {
                let trace_id = context::new_trace_id();
                let low = u64::from_be_bytes(trace_id[8..].try_into().unwrap_or([0; 8]));
                let sampled = self.0.threshold == u64::MAX || low < self.0.threshold;
                (SpanContext { trace_id, span_id: context::new_span_id(), sampled, tracestate: None }, None)
            }
        };
        Span {
            tracer: self.clone(),
            context,
            parent: parent_id,
            name: name.into(),
            kind,
            start_wall: SystemTime::now(),
            start: Instant::now(),
            attributes: Vec::new(),
            error: false,
        }
    }

    fn export(&self, span: SpanData) {
        if self.0.queue.try_send(export::Message::Span(Box::new(span))).is_err() {
            self.0.stats.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Sends every span finished so far (at shutdown; tests). Waits at most 5 s.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        let sent = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            if self.0.queue.send(export::Message::Flush(done)).await.is_ok() {
                let _ = wait.await;
            }
        });
        let _ = sent.await;
    }
}

/// A span in progress. Dropped without [`Span::end`], it is not exported.
#[derive(Debug, Clone)]
pub struct Span {
    tracer: Tracer,
    context: SpanContext,
    parent: Option<[u8; 8]>,
    name: String,
    kind: SpanKind,
    start_wall: SystemTime,
    start: Instant,
    attributes: Vec<(&'static str, AttrValue)>,
    error: bool,
}

impl Span {
    /// The context its children (and callees) continue.
    pub fn context(&self) -> &SpanContext {
        &self.context
    }

    /// Whether it will be exported (attributes of an unsampled span are not worth computing).
    pub fn is_recording(&self) -> bool {
        self.context.sampled
    }

    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    pub fn set_str(&mut self, key: &'static str, value: impl Into<String>) {
        if self.is_recording() {
            self.attributes.push((key, AttrValue::Str(value.into())));
        }
    }

    pub fn set_int(&mut self, key: &'static str, value: i64) {
        if self.is_recording() {
            self.attributes.push((key, AttrValue::Int(value)));
        }
    }

    /// Marks the span failed (status `ERROR`).
    pub fn fail(&mut self) {
        self.error = true;
    }

    /// The tracer it belongs to (to run work under it with [`in_span`]).
    pub fn tracer(&self) -> &Tracer {
        &self.tracer
    }

    /// Ends the span and queues it for export (if sampled).
    pub fn end(self) {
        if !self.context.sampled {
            return;
        }
        let start = self.start_wall.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        let end = start.saturating_add(self.start.elapsed().as_nanos() as u64);
        let data = SpanData {
            trace_id: self.context.trace_id,
            span_id: self.context.span_id,
            parent: self.parent,
            tracestate: self.context.tracestate,
            name: self.name,
            kind: self.kind,
            start_unix_nanos: start,
            end_unix_nanos: end,
            attributes: self.attributes,
            error: self.error,
        };
        self.tracer.export(data);
    }
}

/// The span a task is working under.
#[derive(Clone)]
struct Active {
    tracer: Tracer,
    context: SpanContext,
}

tokio::task_local! {
    static CURRENT: Active;
}

/// Runs `work` with `span`'s context as the current one: spans started by [`child`] inside it
/// are its children, and outgoing calls and events carry it.
pub async fn in_span<F: std::future::Future>(span: &Span, work: F) -> F::Output {
    let active = Active { tracer: span.tracer.clone(), context: span.context.clone() };
    CURRENT.scope(active, work).await
}

/// The current span's context, when this task works under one.
pub fn current() -> Option<SpanContext> {
    CURRENT.try_with(|a| a.context.clone()).ok()
}

/// Starts a child of the current span with the current tracer; `None` outside any span
/// (tracing off, or background work that is not part of a trace).
pub fn child(name: impl Into<String>, kind: SpanKind) -> Option<Span> {
    CURRENT.try_with(|a| a.tracer.start(name, kind, Some(&a.context))).ok()
}
