//! Operations endpoints: root, health (DreamScape's shape), liveness, readiness that checks
//! every dependency this process uses, and Prometheus metrics.
//!
//! An unreachable event bus (NATS) does not by itself make a process unready: events are
//! committed to the outbox with the data and published once the bus is back, so the process
//! keeps serving writes. Taking every replica out of the load balancer because NATS blinked
//! would turn a delay into an outage. Readiness then reports the `events` check as
//! `degraded`, with how many events wait and for how long; only once the oldest has waited
//! longer than `events.outage_ready_secs` (or the outboxes cannot be read) does it fail.

use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::Json;
use crate::db::Db;
use crate::events::{EventBus, lag};
use crate::metrics::{HttpMetrics, escape};

/// What the ops endpoints look at.
pub struct OpsState {
    pub service: String,
    pub version: &'static str,
    pub contexts: Vec<String>,
    pub dbs: Vec<Db>,
    pub bus: Arc<dyn EventBus>,
    pub metrics: Arc<HttpMetrics>,
    pub started: Instant,
    /// Shown in `/metrics` when configured.
    pub redis: Option<Arc<crate::redis::Redis>>,
    /// For its read-your-writes waits in `/metrics` (weakly: the relay outlives no app).
    pub relay: std::sync::Weak<crate::events::Relay>,
    /// Its sockets and deliveries, in `/metrics`.
    pub realtime: Option<crate::realtime::Realtime>,
    /// The contexts' own readiness checks, run by `/health/ready`.
    pub readiness: Arc<crate::readiness::Readiness>,
    /// What the contexts count themselves (deliveries...), in `/metrics`.
    pub context_metrics: Arc<crate::metrics::ContextMetrics>,
    /// `events.outage_ready_secs`: how old a waiting event may get while the bus is
    /// unreachable before readiness fails (0: never).
    pub outage_ready_secs: u64,
}

pub fn router(state: Arc<OpsState>) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(root))
        .routes(routes!(health))
        .routes(routes!(live))
        .routes(routes!(ready))
        .routes(routes!(api_health))
        .routes(routes!(api_live))
        .routes(routes!(api_ready))
        .routes(routes!(metrics))
        .with_state(state)
}

#[derive(Serialize, ToSchema)]
pub struct RootInfo {
    name: &'static str,
    message: &'static str,
    version: &'static str,
    status: &'static str,
    docs: &'static str,
}

/// Name and version of this server.
#[utoipa::path(get, path = "/", tag = "System", responses((status = 200, body = RootInfo)))]
async fn root(State(state): State<Arc<OpsState>>) -> Json<RootInfo> {
    Json(RootInfo { name: "sojourn", message: "Sojourn API", version: state.version, status: "running", docs: "/docs" })
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `healthy` while the process serves requests.
    status: &'static str,
    service: String,
    gateway: &'static str,
    version: &'static str,
    timestamp: DateTime<Utc>,
    /// Seconds since start.
    uptime: f64,
    contexts: Vec<String>,
}

/// Service health (DreamScape format). Does not touch dependencies; see `/health/ready`.
#[utoipa::path(get, path = "/health", tag = "System", responses((status = 200, body = Health)))]
async fn health(State(state): State<Arc<OpsState>>) -> Json<Health> {
    Json(Health {
        status: "healthy",
        service: state.service.clone(),
        gateway: "running",
        version: state.version,
        timestamp: Utc::now(),
        uptime: state.started.elapsed().as_secs_f64(),
        contexts: state.contexts.clone(),
    })
}

/// `/health` under DreamScape's `/api` prefix (its services answer both).
#[utoipa::path(get, path = "/api/health", tag = "System", responses((status = 200, body = Health)))]
async fn api_health(state: State<Arc<OpsState>>) -> Json<Health> {
    health(state).await
}

#[derive(Serialize, ToSchema)]
pub struct Liveness {
    status: &'static str,
    /// DreamScape's field: always `true`.
    alive: bool,
    service: String,
    timestamp: DateTime<Utc>,
    /// Seconds since start.
    uptime: f64,
}

/// Liveness: the process is up and its runtime answers.
#[utoipa::path(get, path = "/health/live", tag = "System", responses((status = 200, body = Liveness)))]
async fn live(State(state): State<Arc<OpsState>>) -> Json<Liveness> {
    Json(Liveness {
        status: "alive",
        alive: true,
        service: state.service.clone(),
        timestamp: Utc::now(),
        uptime: state.started.elapsed().as_secs_f64(),
    })
}

/// `/health/live` under DreamScape's `/api` prefix.
#[utoipa::path(get, path = "/api/health/live", tag = "System", responses((status = 200, body = Liveness)))]
async fn api_live(state: State<Arc<OpsState>>) -> Json<Liveness> {
    live(state).await
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    name: String,
    /// `ok`, `failed`, or `degraded` (not working, not holding readiness: the event bus while
    /// events wait in the outbox).
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    latency_ms: f64,
    /// What a context's own check reports (e.g. an index's size and lag).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    detail: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready` (a `degraded` check does not make it `not_ready`).
    status: &'static str,
    /// DreamScape's field: `status == "ready"`.
    ready: bool,
    service: String,
    checks: Vec<Check>,
    /// DreamScape's view of `checks`: each dependency's name → whether it answered.
    dependencies: std::collections::BTreeMap<String, bool>,
    timestamp: DateTime<Utc>,
}

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

async fn check<F, E>(name: String, fut: F) -> Check
where
    F: std::future::Future<Output = Result<(), E>>,
    E: std::fmt::Display,
{
    let started = Instant::now();
    let outcome = tokio::time::timeout(CHECK_TIMEOUT, fut).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let error = match outcome {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!("no answer within {}s", CHECK_TIMEOUT.as_secs())),
    };
    Check { name, status: if error.is_none() { "ok" } else { "failed" }, error, latency_ms, detail: None }
}

/// Runs a context's probe under the same timeout; failed when it says not ok (with its error,
/// or a generic one) or does not answer in time.
async fn probe(name: String, probe: Arc<dyn crate::readiness::ReadinessProbe>) -> Check {
    let mut detail = None;
    let mut check = check(name, async {
        let result = probe.probe().await;
        detail = result.detail;
        match (result.ok, result.error) {
            (true, _) => Ok(()),
            (false, error) => Err(error.unwrap_or_else(|| "not ready".to_owned())),
        }
    })
    .await;
    check.detail = detail;
    check
}

/// Readiness: every database and dependency of this process answers, and every context's own
/// check (a search index warming, say) passes. 503 names the ones that do not.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "System",
    responses((status = 200, body = Readiness), (status = 503, description = "A dependency is down", body = Readiness))
)]
async fn ready(State(state): State<Arc<OpsState>>) -> Response {
    let mut pending = Vec::new();
    for db in &state.dbs {
        pending.push(check(format!("database:{}", db.name()), db.ping()));
    }
    let mut checks = futures_util::future::join_all(pending).await;
    checks.push(events_check(&state).await);
    let probes = state.readiness.probes().into_iter().map(|(name, p)| probe(name, p));
    checks.extend(futures_util::future::join_all(probes).await);
    let all_ok = checks.iter().all(|c| c.status != "failed");
    for failed in checks.iter().filter(|c| c.error.is_some()) {
        tracing::warn!(check = %failed.name, status = failed.status, error = ?failed.error, "readiness check failed");
    }
    let dependencies = checks.iter().map(|c| (c.name.clone(), c.error.is_none())).collect();
    let body = Readiness {
        status: if all_ok { "ready" } else { "not_ready" },
        ready: all_ok,
        service: state.service.clone(),
        checks,
        dependencies,
        timestamp: Utc::now(),
    };
    if all_ok {
        Json(body).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, [(header::RETRY_AFTER, "5")], Json(body)).into_response()
    }
}

/// The bus answers: `ok`. It does not, but every outbox can be read and its oldest event is
/// within `events.outage_ready_secs`: `degraded` (events wait, nothing is lost). Otherwise
/// `failed`.
async fn events_check(state: &OpsState) -> Check {
    let mut check = check("events".to_owned(), state.bus.ping()).await;
    if check.error.is_none() {
        return check;
    }
    let started = Instant::now();
    let now = Utc::now();
    let lags = futures_util::future::join_all(
        state.dbs.iter().map(|db| tokio::time::timeout(CHECK_TIMEOUT, crate::events::lag(db, now))),
    )
    .await;
    check.latency_ms += started.elapsed().as_secs_f64() * 1000.0;
    let (mut pending, mut oldest) = (0u64, 0f64);
    for lag in lags {
        let Ok(Ok(lag)) = lag else { return check };
        pending += lag.pending;
        oldest = oldest.max(lag.oldest_age_seconds);
    }
    let oldest_secs = oldest.floor() as u64;
    check.detail = Some(serde_json::json!({
        "bus": "unreachable",
        "pendingEvents": pending,
        "oldestPendingSecs": oldest_secs,
    }));
    let limit = state.outage_ready_secs;
    if limit > 0 && oldest_secs >= limit {
        let cause = check.error.take().unwrap_or_default();
        check.error = Some(format!(
            "{cause}; the oldest waiting event is {oldest_secs}s old (events.outage_ready_secs = {limit})"
        ));
        return check;
    }
    check.status = "degraded";
    check
}

/// `/health/ready` under DreamScape's `/api` prefix.
#[utoipa::path(
    get,
    path = "/api/health/ready",
    tag = "System",
    responses((status = 200, body = Readiness), (status = 503, description = "A dependency is down", body = Readiness))
)]
async fn api_ready(state: State<Arc<OpsState>>) -> Response {
    ready(state).await
}

/// Prometheus metrics: requests, latency, database pools, outbox lag.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "System",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain"))
)]
async fn metrics(State(state): State<Arc<OpsState>>) -> Response {
    let mut out = String::with_capacity(4096);
    state.metrics.render(&mut out);
    out.push_str("# HELP sojourn_db_pool_connections Open database connections by state.\n");
    out.push_str("# TYPE sojourn_db_pool_connections gauge\n");
    for db in &state.dbs {
        for s in db.pool_stats() {
            let labels = format!("db=\"{}\",role=\"{}\"", escape(db.name()), s.role);
            let _ = writeln!(out, "sojourn_db_pool_connections{{{labels},state=\"idle\"}} {}", s.idle);
            let _ = writeln!(
                out,
                "sojourn_db_pool_connections{{{labels},state=\"in_use\"}} {}",
                s.size.saturating_sub(s.idle)
            );
        }
    }
    out.push_str("# HELP sojourn_db_group_commits_total Commits shared by grouped write transactions (SQLite).\n");
    out.push_str("# TYPE sojourn_db_group_commits_total counter\n");
    let mut members = String::new();
    for db in &state.dbs {
        if let Some(g) = db.group_stats() {
            let _ = writeln!(out, "sojourn_db_group_commits_total{{db=\"{}\"}} {}", escape(db.name()), g.commits);
            let _ = writeln!(members, "sojourn_db_group_members_total{{db=\"{}\"}} {}", escape(db.name()), g.members);
        }
    }
    out.push_str("# HELP sojourn_db_group_members_total Grouped write transactions carried by those commits.\n");
    out.push_str("# TYPE sojourn_db_group_members_total counter\n");
    out.push_str(&members);
    out.push_str("# HELP sojourn_outbox_pending Events committed but not yet published.\n");
    out.push_str("# TYPE sojourn_outbox_pending gauge\n");
    let mut ages = String::new();
    let now = Utc::now();
    for db in &state.dbs {
        if let Ok(Ok(l)) = tokio::time::timeout(CHECK_TIMEOUT, lag(db, now)).await {
            let _ = writeln!(out, "sojourn_outbox_pending{{db=\"{}\"}} {}", escape(db.name()), l.pending);
            let _ = writeln!(
                ages,
                "sojourn_outbox_oldest_pending_age_seconds{{db=\"{}\"}} {}",
                escape(db.name()),
                l.oldest_age_seconds
            );
        }
    }
    out.push_str("# HELP sojourn_outbox_oldest_pending_age_seconds Age of the oldest unpublished event.\n");
    out.push_str("# TYPE sojourn_outbox_oldest_pending_age_seconds gauge\n");
    out.push_str(&ages);
    if let Some(relay) = state.relay.upgrade() {
        relay.render_metrics(&mut out);
    }
    state.bus.render_metrics(&mut out);
    if let Some(redis) = &state.redis {
        redis.render_metrics(&mut out);
    }
    if let Some(realtime) = &state.realtime {
        realtime.render_metrics(&mut out);
    }
    state.context_metrics.render(&mut out);
    out.push_str("# HELP sojourn_uptime_seconds Seconds since the process started.\n");
    out.push_str("# TYPE sojourn_uptime_seconds gauge\n");
    let _ = writeln!(out, "sojourn_uptime_seconds {}", state.started.elapsed().as_secs_f64());
    out.push_str("# HELP sojourn_build_info The running version (value is always 1).\n");
    out.push_str("# TYPE sojourn_build_info gauge\n");
    let _ = writeln!(out, "sojourn_build_info{{version=\"{}\"}} 1", state.version);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}
