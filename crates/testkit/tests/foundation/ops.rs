use serde_json::{Value, json};
use testkit::{json, spawn_app};

#[tokio::test]
async fn root_names_the_service_and_version() {
    let app = spawn_app().await;
    let (status, body) = json(app.get("/").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["name"], "sojourn");
    assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn health_has_the_dreamscape_shape() {
    let app = spawn_app().await;
    let (status, body) = json(app.get("/health").await).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "healthy");
    assert_eq!(body["service"], "sojourn");
    assert!(body["uptime"].as_f64().unwrap() >= 0.0);
    assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok());
    assert_eq!(body["contexts"], json!(["probe"]));
    let (status, live) = json(app.get("/health/live").await).await;
    assert_eq!((status, live["status"].as_str()), (200, Some("alive")));
}

#[tokio::test]
async fn ready_checks_every_database_and_turns_503_when_one_is_gone() {
    let app = spawn_app().await;
    let (status, body) = json(app.get("/health/ready").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    let names: Vec<&str> = body["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"database:probe"), "{names:?}");

    let db = app.platform.db("probe").unwrap();
    assert!(!db.is_closed());
    db.close().await;
    assert!(db.is_closed(), "background loops stop on this");

    let response = app.get("/health/ready").await;
    assert_eq!(response.headers()["retry-after"], "5");
    let (status, body) = json(response).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready");
    let failed: Vec<&Value> = body["checks"].as_array().unwrap().iter().filter(|c| c["status"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{body}");
    assert_eq!(failed[0]["name"], "database:probe");
    assert!(failed[0]["error"].as_str().is_some_and(|e| !e.is_empty()));
    // Liveness is unaffected: the process is fine, a dependency is not.
    assert_eq!(app.get("/health/live").await.status(), 200);
}

fn metric(text: &str, prefix: &str) -> Option<f64> {
    text.lines().find(|l| l.starts_with(prefix)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = spawn_app().await;
    for _ in 0..3 {
        app.get(&format!("/api/v1/probes/{}", kernel::new_id())).await;
    }
    app.get("/nowhere").await;
    let response = app.get("/metrics").await;
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = response.text().await.unwrap();
    let by_template = r#"sojourn_http_requests_total{method="GET",route="/api/v1/probes/{id}",status="404"}"#;
    assert_eq!(metric(&text, by_template), Some(3.0), "{text}");
    assert_eq!(metric(&text, r#"sojourn_http_requests_total{method="GET",route="unmatched",status="404"}"#), Some(1.0));
    assert_eq!(
        metric(
            &text,
            r#"sojourn_http_request_duration_seconds_count{method="GET",route="/api/v1/probes/{id}",status="404"}"#
        ),
        Some(3.0)
    );
    assert!(text.contains(r#"sojourn_db_pool_connections{db="probe""#), "{text}");
    assert_eq!(metric(&text, r#"sojourn_outbox_pending{db="probe"}"#), Some(0.0));
}

#[tokio::test]
async fn metrics_report_outbox_lag() {
    let app = spawn_app().await;
    app.post_json("/api/v1/probes", &json!({"name": "lagging"})).await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(metric(&text, r#"sojourn_outbox_pending{db="probe"}"#), Some(1.0), "{text}");
    app.drain_events().await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(metric(&text, r#"sojourn_outbox_pending{db="probe"}"#), Some(0.0), "{text}");
}

#[tokio::test]
async fn openapi_document_is_3_1_and_lists_every_route() {
    let app = spawn_app().await;
    let (status, doc) = json(app.get("/api-docs/openapi.json").await).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{}", doc["openapi"]);
    for path in ["/", "/health", "/health/live", "/health/ready", "/metrics", "/api/v1/probes", "/api/v1/probes/{id}"] {
        assert!(doc["paths"].get(path).is_some(), "missing {path}");
    }
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
}

#[tokio::test]
async fn docs_page_works_offline() {
    let app = spawn_app().await;
    let response = app.get("/docs").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = response.text().await.unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "external URL in {html}");
    // Every asset the page loads is served by us.
    for asset in html.split('"').filter(|s| s.starts_with("/docs/")) {
        assert_eq!(app.get(asset).await.status(), 200, "{asset}");
    }
    let init = app.get("/docs/ui/swagger-initializer.js").await.text().await.unwrap();
    assert!(init.contains("/api-docs/openapi.json"));
}

#[tokio::test]
async fn timed_out_and_panicked_requests_count_under_their_route() {
    let app =
        testkit::spawn_with(vec![std::sync::Arc::new(testkit::probe::Probe)], |c| c.server.request_timeout_secs = 1)
            .await;
    assert_eq!(app.get("/api/v1/probes/slow?ms=2000").await.status(), 408);
    assert_eq!(app.get("/api/v1/probes/panic").await.status(), 500);
    let text = app.get("/metrics").await.text().await.unwrap();
    let slow = r#"sojourn_http_requests_total{method="GET",route="/api/v1/probes/slow",status="408"}"#;
    assert_eq!(metric(&text, slow), Some(1.0), "{text}");
    let panic = r#"sojourn_http_requests_total{method="GET",route="/api/v1/probes/panic",status="500"}"#;
    assert_eq!(metric(&text, panic), Some(1.0), "{text}");
}

#[tokio::test]
async fn contexts_read_time_from_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let start: chrono::DateTime<chrono::Utc> = "2030-01-01T08:00:00Z".parse().unwrap();
    let clock = std::sync::Arc::new(kernel::ManualClock::new(start));
    let app = testkit::spawn_config_with_clock(
        testkit::test_config(&dir),
        vec![std::sync::Arc::new(testkit::probe::Probe)],
        clock.clone(),
    )
    .await;
    let (_, body) = json(app.post_json("/api/v1/probes", &json!({"name": "early"})).await).await;
    assert_eq!(body["data"]["probe"]["createdAt"], "2030-01-01T08:00:00Z");
    clock.advance(chrono::Duration::hours(25));
    let (_, body) = json(app.post_json("/api/v1/probes", &json!({"name": "later"})).await).await;
    assert_eq!(body["data"]["probe"]["createdAt"], "2030-01-02T09:00:00Z");
}
