//! Readiness checks contributed by a context (`env.readiness.register`): run by
//! `/health/ready` beside the databases and the bus, shown with their detail, and turning
//! readiness to 503 while one says not ok or does not answer in time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

use async_trait::async_trait;
use platform::db::Migration;
use platform::readiness::{ProbeResult, ReadinessProbe};
use platform::{Context, ContextEnv, Mounted, StartError};
use serde_json::{Value, json};
use testkit::{json, spawn_with};

const READY: u8 = 0;
const WARMING: u8 = 1;
const HANGING: u8 = 2;

/// A context whose only contribution is a readiness check in the state the test sets.
struct Gate(Arc<AtomicU8>);

struct GateProbe(Arc<AtomicU8>);

#[async_trait]
impl ReadinessProbe for GateProbe {
    async fn probe(&self) -> ProbeResult {
        match self.0.load(Ordering::SeqCst) {
            READY => ProbeResult::ready(Some(json!({"documents": 3, "warming": false}))),
            WARMING => ProbeResult::not_ready("still warming", Some(json!({"documents": 1, "warming": true}))),
            _ => std::future::pending().await,
        }
    }
}

#[async_trait]
impl Context for Gate {
    fn name(&self) -> &'static str {
        "gate"
    }

    fn migrations(&self) -> &'static [Migration] {
        &[]
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        utoipa::openapi::OpenApi::default()
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        env.readiness.register("gate:index", Arc::new(GateProbe(self.0.clone())));
        Ok(Mounted { router: utoipa_axum::router::OpenApiRouter::new(), subscriptions: Vec::new() })
    }
}

fn named<'a>(body: &'a Value, name: &str) -> &'a Value {
    body["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("{body}"))
}

#[tokio::test]
async fn a_context_check_shows_its_detail_and_holds_readiness_while_it_fails() {
    let state = Arc::new(AtomicU8::new(READY));
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe), Arc::new(Gate(state.clone()))], |_| {}).await;

    let (status, body) = json(app.get("/health/ready").await).await;
    assert_eq!(status, 200, "{body}");
    let check = named(&body, "gate:index");
    assert_eq!(check["status"], "ok");
    assert_eq!(check["detail"], json!({"documents": 3, "warming": false}));
    assert!(check.get("error").is_none() && check["latencyMs"].as_f64().is_some(), "{check}");
    assert_eq!(body["dependencies"]["gate:index"], true);
    // The platform's own checks carry no detail.
    assert!(named(&body, "events").get("detail").is_none(), "{body}");

    state.store(WARMING, Ordering::SeqCst);
    let response = app.get("/health/ready").await;
    assert_eq!(response.headers()["retry-after"], "5");
    let (status, body) = json(response).await;
    assert_eq!((status, &body["status"]), (503, &json!("not_ready")), "{body}");
    let check = named(&body, "gate:index");
    assert_eq!((&check["status"], &check["error"]), (&json!("failed"), &json!("still warming")));
    assert_eq!(check["detail"]["warming"], true);
    let failed: Vec<&Value> = body["checks"].as_array().unwrap().iter().filter(|c| c["status"] == "failed").collect();
    assert_eq!(failed.len(), 1, "only the context's check: {body}");

    // A check that does not answer fails at the platform's timeout, like a database would.
    state.store(HANGING, Ordering::SeqCst);
    let (status, body) = json(app.get("/health/ready").await).await;
    assert_eq!(status, 503, "{body}");
    assert!(named(&body, "gate:index")["error"].as_str().unwrap().contains("no answer"), "{body}");

    state.store(READY, Ordering::SeqCst);
    assert_eq!(app.get("/health/ready").await.status(), 200);
    assert_eq!(app.get("/health/live").await.status(), 200);
}
