//! The gateway's own endpoints: liveness of the gateway, readiness aggregated over every
//! upstream instance (with its breaker state), and metrics by upstream and of the upgraded
//! (WebSocket) connections.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::Gateway;

/// Whether the gateway answers `path` itself (this router's paths and the docs'), whatever the
/// upstreams serve.
pub fn is_local(path: &str) -> bool {
    matches!(
        path,
        "/" | "/health"
            | "/health/live"
            | "/health/ready"
            | "/api/health"
            | "/api/health/live"
            | "/api/health/ready"
            | "/metrics"
            | "/docs"
    ) || path.starts_with("/docs/")
        || path.starts_with("/api-docs/")
}

pub fn router() -> Router<Arc<Gateway>> {
    let live = || async { Json(json!({"status": "alive", "alive": true, "service": "gateway"})) };
    Router::new()
        .route("/", get(root))
        .route("/health/live", get(live))
        .route("/health", get(ready))
        .route("/health/ready", get(ready))
        // DreamScape's services answer their health under `/api` too.
        .route("/api/health/live", get(live))
        .route("/api/health", get(ready))
        .route("/api/health/ready", get(ready))
        .route("/metrics", get(metrics))
}

async fn root() -> Json<Value> {
    Json(
        json!({"name": "sojourn", "message": "Sojourn API gateway", "version": platform::VERSION, "status": "running", "docs": "/docs"}),
    )
}

/// Every instance's `/health/ready`, concurrently, each bounded by `gateway.health_timeout_ms`.
/// Ready when every upstream has at least one ready instance.
async fn ready(State(gw): State<Arc<Gateway>>) -> Response {
    let client = reqwest::Client::new();
    let mut checks = Vec::new();
    for upstream in &gw.upstreams {
        for instance in &upstream.instances {
            let url = format!("{}/health/ready", instance.url);
            let (client, timeout) = (client.clone(), gw.health_timeout);
            checks.push(async move {
                let started = Instant::now();
                let answer = tokio::time::timeout(timeout, client.get(&url).send()).await;
                let (ready, error) = match answer {
                    Ok(Ok(r)) if r.status().is_success() => (true, None),
                    Ok(Ok(r)) => (false, Some(format!("answered {}", r.status()))),
                    Ok(Err(e)) => (false, Some(e.to_string())),
                    Err(_) => (false, Some(format!("no answer within {} ms", timeout.as_millis()))),
                };
                (upstream.name.as_str(), instance, ready, error, started.elapsed())
            });
        }
    }
    let results = futures_util::future::join_all(checks).await;
    let mut upstreams = serde_json::Map::new();
    let mut all_ready = true;
    for upstream in &gw.upstreams {
        let mine: Vec<_> = results.iter().filter(|r| r.0 == upstream.name).collect();
        let any = mine.iter().any(|r| r.2);
        all_ready &= any;
        let instances: Vec<Value> = mine
            .iter()
            .map(|(_, instance, ready, error, took)| {
                json!({"url": instance.url, "ready": ready, "error": error,
                       "circuit": if instance.is_open(&gw.proxy.breaker) { "open" } else { "closed" },
                       "latencyMs": took.as_secs_f64() * 1000.0})
            })
            .collect();
        upstreams.insert(upstream.name.clone(), json!({"ready": any, "instances": instances}));
    }
    let body = json!({
        "status": if all_ready { "ready" } else { "not_ready" },
        "ready": all_ready,
        "service": "sojourn-gateway",
        "version": platform::VERSION,
        "uptime": gw.started.elapsed().as_secs(),
        "upstreams": upstreams,
    });
    if all_ready {
        Json(body).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], Json(body)).into_response()
    }
}

async fn metrics(State(gw): State<Arc<Gateway>>) -> Response {
    let mut out = String::with_capacity(4096);
    // `route` is the upstream (context) name, or `unmatched`.
    gw.metrics.render(&mut out);
    out.push_str("# HELP sojourn_gateway_circuit_open Whether an upstream instance's circuit breaker is open.\n");
    out.push_str("# TYPE sojourn_gateway_circuit_open gauge\n");
    for upstream in &gw.upstreams {
        for instance in &upstream.instances {
            let open = u8::from(instance.is_open(&gw.proxy.breaker));
            let _ = writeln!(
                out,
                "sojourn_gateway_circuit_open{{upstream=\"{}\",instance=\"{}\"}} {open}",
                platform::metrics::escape(&upstream.name),
                platform::metrics::escape(&instance.url)
            );
        }
    }
    out.push_str("# HELP sojourn_gateway_idle_connections Kept-alive connections to an upstream instance, idle now.\n");
    out.push_str("# TYPE sojourn_gateway_idle_connections gauge\n");
    for upstream in &gw.upstreams {
        for instance in &upstream.instances {
            let _ = writeln!(
                out,
                "sojourn_gateway_idle_connections{{upstream=\"{}\",instance=\"{}\"}} {}",
                platform::metrics::escape(&upstream.name),
                platform::metrics::escape(&instance.url),
                instance.pool.idle()
            );
        }
    }
    let sockets = &gw.sockets;
    let _ = write!(
        out,
        "# HELP sojourn_gateway_websockets_open Upgraded (WebSocket) connections spliced through the gateway now.\n\
         # TYPE sojourn_gateway_websockets_open gauge\nsojourn_gateway_websockets_open {}\n\
         # HELP sojourn_gateway_websockets_total Upgraded (WebSocket) connections spliced since start.\n\
         # TYPE sojourn_gateway_websockets_total counter\nsojourn_gateway_websockets_total {}\n\
         # HELP sojourn_gateway_websockets_refused_total Upgrades refused with 503: gateway.max_websockets reached.\n\
         # TYPE sojourn_gateway_websockets_refused_total counter\nsojourn_gateway_websockets_refused_total {}\n",
        sockets.open(),
        sockets.total(),
        sockets.refused()
    );
    if let Some(redis) = &gw.redis {
        redis.render_metrics(&mut out);
    }
    out.push_str(
        "# HELP sojourn_uptime_seconds Seconds since the process started.\n# TYPE sojourn_uptime_seconds gauge\n",
    );
    let _ = writeln!(out, "sojourn_uptime_seconds {}", gw.started.elapsed().as_secs_f64());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
