//! Traces over OTLP, against a local OTLP/HTTP receiver started by each test: a request with a
//! known `traceparent` gives a server span continuing it, and the event it wrote gives a
//! publish span and its consumer's span in the same trace — in one process, and across a split
//! deployment (gateway → service → NATS → a consumer in another service). With no endpoint,
//! nothing is traced and nothing is sent. Runs on SQLite and PostgreSQL (`testkit`); the split
//! test needs `SOJOURN_TEST_NATS_URL`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "tracing/receiver.rs"]
mod receiver;
#[path = "tracing/split.rs"]
mod split;

use std::sync::Arc;
use std::time::Duration;

use receiver::Receiver;
use serde_json::json;
use testkit::probe::Probe;
use testkit::spawn_with;

pub const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
pub const CALLER: &str = "00f067aa0ba902b7";

pub fn traceparent(flags: &str) -> String {
    format!("00-{TRACE}-{CALLER}-{flags}")
}

#[tokio::test]
async fn a_request_its_event_and_the_consumer_are_one_trace() {
    let receiver = Receiver::start().await;
    let app = spawn_with(vec![Arc::new(Probe)], |c| {
        c.events.read_your_writes = false;
        c.trace.otlp_endpoint = Some(receiver.url.clone());
    })
    .await;
    let tracer = app.platform.tracer.clone().expect("tracing is on");
    assert_eq!(tracer.service(), "sojourn-probe", "named after its one context");

    let response = app
        .client
        .post(app.url("/api/v1/probes"))
        .header("traceparent", traceparent("01"))
        .header("tracestate", "vendor=abc")
        .json(&json!({"name": "traced"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
    app.drain_events().await;
    tracer.flush().await;

    let server = receiver.wait_for("server", |g| g.kind() == 2 && g.trace_id() == TRACE).await;
    assert_eq!(server.parent(), CALLER, "the caller's span is the parent");
    assert_eq!(server.name(), "POST /api/v1/probes");
    assert_eq!(server.service, "sojourn-probe");
    assert_eq!(server.attr("http.route").as_deref(), Some("/api/v1/probes"));
    assert_eq!(server.attr("http.response.status_code").as_deref(), Some("201"));
    assert_eq!(server.attr("sojourn.request_id"), Some(request_id));
    assert_eq!(server.span["traceState"], "vendor=abc", "tracestate is passed on");

    let publish = receiver.wait_for("publish", |g| g.kind() == 4 && g.parent() == server.span_id()).await;
    assert_eq!(publish.trace_id(), TRACE);
    assert_eq!(publish.name(), "publish probe.created");
    assert_eq!(publish.attr("sojourn.event.type").as_deref(), Some("probe.created"));
    let consume = receiver.wait_for("consume", |g| g.kind() == 5 && g.parent() == publish.span_id()).await;
    assert_eq!(consume.trace_id(), TRACE);
    assert_eq!(consume.attr("messaging.consumer.group.name").as_deref(), Some("probe.recorder"));
    assert_eq!(consume.attr("sojourn.context").as_deref(), Some("probe"));
    for span in [&server, &publish, &consume] {
        let start: u128 = span.span["startTimeUnixNano"].as_str().unwrap().parse().unwrap();
        let end: u128 = span.span["endTimeUnixNano"].as_str().unwrap().parse().unwrap();
        assert!(start > 0 && end >= start, "{span:?}");
    }
    assert!(receiver.content_types().iter().all(|c| c == "application/json"));

    // Without a caller's context, a request starts its own trace.
    let response = app.get("/api/v1/probes/received").await;
    assert_eq!(response.status(), 200);
    tracer.flush().await;
    let root = receiver.wait_for("root", |g| g.name() == "GET /api/v1/probes/received").await;
    assert!(root.parent().is_empty() && root.trace_id() != TRACE && root.trace_id().len() == 32);
    app.shutdown().await.unwrap();
}

#[tokio::test]
async fn sampling_follows_the_caller_and_the_ratio() {
    let receiver = Receiver::start().await;
    let app = spawn_with(vec![Arc::new(Probe)], |c| {
        c.trace.otlp_endpoint = Some(receiver.url.clone());
        c.trace.sample_ratio = 0.0;
        c.trace.service_name = Some("probe-api".into());
    })
    .await;
    let tracer = app.platform.tracer.clone().unwrap();
    // Ratio 0: a new trace is not recorded...
    assert_eq!(app.get("/api/v1/probes/received").await.status(), 200);
    // ... nor one the caller did not sample...
    let unsampled = app.client.get(app.url("/api/v1/probes/echo?n=1")).header("traceparent", traceparent("00"));
    assert_eq!(unsampled.send().await.unwrap().status(), 200);
    // ... but one it sampled is (parent-based).
    let sampled = app.client.get(app.url("/api/v1/probes/received")).header("traceparent", traceparent("01"));
    assert_eq!(sampled.send().await.unwrap().status(), 200);
    // A malformed traceparent is a new (here: unsampled) trace, never an error.
    let bad = app.client.get(app.url("/api/v1/probes/received")).header("traceparent", "00-zz-yy-01");
    assert_eq!(bad.send().await.unwrap().status(), 200);
    tracer.flush().await;
    let spans = receiver.spans();
    assert_eq!(spans.len(), 1, "{spans:#?}");
    assert_eq!(spans[0].trace_id(), TRACE);
    assert_eq!(spans[0].service, "probe-api");
    app.shutdown().await.unwrap();
}

#[tokio::test]
async fn without_an_endpoint_nothing_is_traced_or_sent() {
    let receiver = Receiver::start().await;
    let app = spawn_with(vec![Arc::new(Probe)], |c| c.events.read_your_writes = false).await;
    assert!(app.platform.tracer.is_none(), "off by default");
    let response = app
        .client
        .post(app.url("/api/v1/probes"))
        .header("traceparent", traceparent("01"))
        .json(&json!({"name": "untraced"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    app.drain_events().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.requests(), 0);
    // The event was written without a trace context.
    let db = app.platform.db("probe").unwrap();
    let payloads: Vec<(String,)> =
        platform::db::query("SELECT CAST(payload AS TEXT) FROM outbox").fetch_all(db).await.unwrap();
    assert!(!payloads.is_empty() && payloads.iter().all(|(p,)| !p.contains("traceparent")), "{payloads:?}");
    app.shutdown().await.unwrap();
}
