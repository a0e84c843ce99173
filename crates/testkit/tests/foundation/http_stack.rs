use std::sync::Arc;

use testkit::{expect_error, spawn_app, spawn_with};

#[tokio::test]
async fn request_ids_are_echoed_generated_or_replaced() {
    let app = spawn_app().await;
    let response = app.client.get(app.url("/health")).header("x-request-id", "client-abc-123").send().await.unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-abc-123");

    let generated = app.get("/health").await.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&generated).unwrap().get_version_num(), 7);

    let response = app.client.get(app.url("/health")).header("x-request-id", "bad id\twith tabs").send().await.unwrap();
    let replaced = response.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(replaced, "bad id\twith tabs");
    assert!(uuid::Uuid::parse_str(replaced).is_ok());
}

#[tokio::test]
async fn security_headers_are_set_everywhere() {
    let app = spawn_app().await;
    for path in ["/health", "/api/v1/nowhere"] {
        let response = app.get(path).await;
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h["content-security-policy"].to_str().unwrap().contains("default-src 'none'"), "{path}");
        assert!(h.get("strict-transport-security").is_none(), "no HSTS without TLS termination");
    }
    let tls = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| c.server.hsts = true).await;
    let response = tls.get("/health").await;
    assert!(response.headers()["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
}

#[tokio::test]
async fn cors_allows_configured_origins_with_credentials_only() {
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| {
        c.cors.allowed_origins = vec!["https://app.example".into()];
    })
    .await;
    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/probes"))
        .header("origin", "https://app.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,authorization")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "https://app.example");
    assert_eq!(h["access-control-allow-credentials"], "true");
    assert!(h["access-control-allow-methods"].to_str().unwrap().contains("POST"));
    let allowed = h["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    // What browsers send cross-origin: resumable uploads' offset, tracking's visitor and consent.
    for name in ["authorization", "idempotency-key", "if-match", "upload-offset", "x-visitor-id", "x-analytics-consent"]
    {
        assert!(allowed.contains(name), "{name} not in {allowed}");
    }

    // An allowed origin's scripts may read the headers our answers carry for them.
    let simple = app.client.get(app.url("/health")).header("origin", "https://app.example").send().await.unwrap();
    let exposed = simple.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    for name in ["etag", "location", "retry-after", "x-request-id", "idempotent-replayed", "upload-offset"] {
        assert!(exposed.contains(name), "{name} not in {exposed}");
    }

    let foreign = app.client.get(app.url("/health")).header("origin", "https://evil.example").send().await.unwrap();
    assert!(foreign.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn slow_requests_time_out_with_408() {
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| c.server.request_timeout_secs = 1).await;
    let started = std::time::Instant::now();
    expect_error(app.get("/api/v1/probes/slow?ms=3000").await, 408, "request_timeout").await;
    assert!(started.elapsed() < std::time::Duration::from_millis(2500));
}

#[tokio::test]
async fn responses_are_compressed_when_asked() {
    let app = spawn_app().await;
    let response =
        app.client.get(app.url("/api-docs/openapi.json")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-encoding"], "gzip");
}
