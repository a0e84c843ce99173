//! One trace across a split deployment in one test process: the gateway in front of the probe
//! service, whose events go over NATS JetStream to a consumer in another service — each with
//! its own `service.name` and exporter, all sending to one receiver.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::config::{Config, UpstreamConfig};
use platform::db::{Migration, Tx};
use platform::events::{EventHandler, HandlerError, Subscription};
use platform::{Context, ContextEnv, Mounted, StartError};
use serde_json::json;
use testkit::probe::Probe;
use testkit::spawn_with;
use tokio::sync::oneshot;

use super::receiver::Receiver;
use super::{CALLER, TRACE, traceparent};

/// Another service: it only consumes the probe's events.
struct Listener;

struct Noted;

#[async_trait]
impl EventHandler for Noted {
    async fn handle(&self, _tx: &mut Tx, _event: &EventEnvelope) -> Result<(), HandlerError> {
        Ok(())
    }
}

#[async_trait]
impl Context for Listener {
    fn name(&self) -> &'static str {
        "listener"
    }
    fn migrations(&self) -> &'static [Migration] {
        &[]
    }
    fn openapi(&self) -> utoipa::openapi::OpenApi {
        utoipa::openapi::OpenApiBuilder::new().build()
    }
    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let sub = Subscription::new("listener.probes", "probe.*", env.db.clone(), Noted);
        Ok(Mounted { router: utoipa_axum::router::OpenApiRouter::new(), subscriptions: vec![sub] })
    }
}

#[tokio::test]
async fn through_the_gateway_and_nats_one_request_is_one_trace() {
    let Some(nats) = testkit::service_url("SOJOURN_TEST_NATS_URL") else { return };
    let receiver = Receiver::start().await;
    let run = kernel::new_id().simple().to_string()[20..].to_owned();
    let stream = format!("TRACE_{}", run.to_uppercase());
    let on_nats = |c: &mut Config| {
        c.nats.url = Some(nats.clone());
        c.events.nats_stream = stream.clone();
        c.events.nats_subject_prefix = format!("trace{run}.events");
        c.events.read_your_writes = false;
        c.trace.otlp_endpoint = Some(receiver.url.clone());
    };
    let probe = spawn_with(vec![Arc::new(Probe)], &on_nats).await;
    let listener = spawn_with(vec![Arc::new(Listener)], &on_nats).await;

    let dir = tempfile::tempdir().unwrap();
    let mut config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
    config
        .gateway
        .upstreams
        .insert("probe".into(), UpstreamConfig { urls: vec![probe.base.clone()], ..Default::default() });
    config.trace.otlp_endpoint = Some(receiver.url.clone());
    let contexts: Vec<Arc<dyn Context>> = vec![Arc::new(Probe)];
    let gw = gateway::Gateway::build(&config, &contexts, Arc::new(kernel::SystemClock)).await.unwrap();
    let edge = gw.service(&config, platform::app::openapi(&contexts)).await;
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", socket.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(gateway::serve(edge, socket, Duration::from_secs(1), async move {
        let _ = stopped.await;
    }));

    // A write (the gateway's general path) whose event crosses NATS to the listener.
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{base}/api/v1/probes"))
        .header("traceparent", traceparent("01"))
        .json(&json!({"name": "split"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let id = response.json::<serde_json::Value>().await.unwrap()["data"]["probe"]["id"].as_str().unwrap().to_owned();
    probe.drain_events().await;

    let edge_span = receiver.wait_for("gateway", |g| g.service == "sojourn-gateway" && g.trace_id() == TRACE).await;
    assert_eq!(edge_span.parent(), CALLER);
    assert_eq!(edge_span.name(), "POST probe");
    let server =
        receiver.wait_for("service", |g| g.service == "sojourn-probe" && g.kind() == 2 && g.trace_id() == TRACE).await;
    assert_eq!(server.parent(), edge_span.span_id(), "the service continues the gateway's span");
    let publish = receiver.wait_for("publish", |g| g.kind() == 4 && g.parent() == server.span_id()).await;
    assert_eq!(publish.attr("messaging.system").as_deref(), Some("nats"));
    let consume = receiver.wait_for("listener's consume", |g| g.service == "sojourn-listener" && g.kind() == 5).await;
    assert_eq!(consume.trace_id(), TRACE, "one trace across the services");
    assert_eq!(consume.parent(), publish.span_id(), "over NATS, under the publish span");

    // A read through the gateway's HTTP/1.1 shortcut is traced the same way.
    let other = "0af7651916cd43dd8448eb211c80319c";
    let read = client
        .get(format!("{base}/api/v1/probes/{id}"))
        .header("traceparent", format!("00-{other}-b7ad6b7169203331-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), 200);
    let fast = receiver.wait_for("gateway read", |g| g.service == "sojourn-gateway" && g.trace_id() == other).await;
    assert_eq!(fast.parent(), "b7ad6b7169203331");
    let served_read =
        receiver.wait_for("service read", |g| g.service == "sojourn-probe" && g.trace_id() == other).await;
    assert_eq!(served_read.parent(), fast.span_id());
    assert_eq!(served_read.name(), "GET /api/v1/probes/{id}");

    let _ = stop.send(());
    let _ = served.await;
    probe.shutdown().await.unwrap();
    listener.shutdown().await.unwrap();
    let client = async_nats::connect(nats.as_str()).await.unwrap();
    let _ = async_nats::jetstream::new(client).delete_stream(&stream).await;
}
