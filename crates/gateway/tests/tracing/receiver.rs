//! A local OTLP/HTTP receiver: records every `ExportTraceServiceRequest` POSTed as JSON to
//! `/v1/traces`, flattened to one entry per span with its resource's `service.name`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

/// One received span.
#[derive(Debug, Clone)]
pub struct Got {
    pub service: String,
    pub span: Value,
}

impl Got {
    pub fn trace_id(&self) -> &str {
        self.span["traceId"].as_str().unwrap_or_default()
    }
    pub fn span_id(&self) -> &str {
        self.span["spanId"].as_str().unwrap_or_default()
    }
    pub fn parent(&self) -> &str {
        self.span["parentSpanId"].as_str().unwrap_or_default()
    }
    pub fn name(&self) -> &str {
        self.span["name"].as_str().unwrap_or_default()
    }
    pub fn kind(&self) -> u64 {
        self.span["kind"].as_u64().unwrap_or_default()
    }
    /// A string (or, as a string, integer) attribute.
    pub fn attr(&self, key: &str) -> Option<String> {
        let attrs = self.span["attributes"].as_array()?;
        let value = &attrs.iter().find(|a| a["key"] == key)?["value"];
        value["stringValue"].as_str().or_else(|| value["intValue"].as_str()).map(str::to_owned)
    }
}

#[derive(Default)]
struct Seen {
    spans: Vec<Got>,
    requests: usize,
    content_types: Vec<String>,
}

#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Seen>>,
}

async fn record(State(seen): State<Arc<Mutex<Seen>>>, headers: HeaderMap, body: String) -> StatusCode {
    let Ok(request) = serde_json::from_str::<Value>(&body) else { return StatusCode::BAD_REQUEST };
    let mut seen = seen.lock().unwrap();
    seen.requests += 1;
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    seen.content_types.push(content_type.to_owned());
    for resource in request["resourceSpans"].as_array().into_iter().flatten() {
        let service = resource["resource"]["attributes"]
            .as_array()
            .and_then(|a| a.iter().find(|a| a["key"] == "service.name"))
            .and_then(|a| a["value"]["stringValue"].as_str())
            .unwrap_or_default()
            .to_owned();
        for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
            for span in scope["spans"].as_array().into_iter().flatten() {
                seen.spans.push(Got { service: service.clone(), span: span.clone() });
            }
        }
    }
    StatusCode::OK
}

impl Receiver {
    pub async fn start() -> Self {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let app = Router::new().route("/v1/traces", post(record)).with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, seen }
    }

    pub fn spans(&self) -> Vec<Got> {
        self.seen.lock().unwrap().spans.clone()
    }

    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().requests
    }

    pub fn content_types(&self) -> Vec<String> {
        self.seen.lock().unwrap().content_types.clone()
    }

    /// Waits (up to 10 s) for a span matching `wanted`.
    pub async fn wait_for(&self, what: &str, wanted: impl Fn(&Got) -> bool) -> Got {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(got) = self.spans().into_iter().find(|g| wanted(g)) {
                return got;
            }
            assert!(Instant::now() < deadline, "no {what} span; received: {:#?}", self.spans());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
