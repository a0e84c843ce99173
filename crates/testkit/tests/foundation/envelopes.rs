use serde_json::json;
use testkit::{expect_error, json, spawn_app, spawn_with};

#[tokio::test]
async fn unknown_route_is_a_404_envelope() {
    let app = spawn_app().await;
    let body = expect_error(app.get("/api/v1/definitely-not-here").await, 404, "not_found").await;
    assert!(body["message"].as_str().unwrap().contains("/api/v1/definitely-not-here"));
}

#[tokio::test]
async fn wrong_method_is_a_405_envelope_with_allow() {
    let app = spawn_app().await;
    let response = app.client.delete(app.url("/health")).send().await.unwrap();
    let allow = response.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
    expect_error(response, 405, "method_not_allowed").await;
    assert!(allow.unwrap_or_default().contains("GET"));
}

#[tokio::test]
async fn malformed_json_is_a_400_envelope() {
    let app = spawn_app().await;
    for raw in ["{\"name\": ", "not json", "{\"name\": \"a\",}", ""] {
        let body = expect_error(app.post_raw("/api/v1/probes", raw).await, 400, "invalid_json").await;
        assert!(body["message"].as_str().unwrap().contains("not valid JSON"), "{raw}: {body}");
    }
}

#[tokio::test]
async fn wrong_shapes_name_the_field() {
    let app = spawn_app().await;
    let body = expect_error(app.post_json("/api/v1/probes", &json!({})).await, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "name", "{body}");
    let body = expect_error(app.post_json("/api/v1/probes", &json!({"name": 5})).await, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "name", "{body}");
    let body = expect_error(
        app.post_json("/api/v1/probes", &json!({"name": "a", "extra": 1})).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(body["details"][0]["field"], "extra", "{body}");
    let body =
        expect_error(app.post_json("/api/v1/probes", &json!("just a string")).await, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "body", "{body}");
}

#[tokio::test]
async fn handler_validation_errors_list_fields() {
    let app = spawn_app().await;
    let body =
        expect_error(app.post_json("/api/v1/probes", &json!({"name": "   "})).await, 400, "validation_failed").await;
    assert_eq!(body["details"], json!([{"field": "name", "message": "must be 1 to 100 characters"}]));
}

#[tokio::test]
async fn json_without_content_type_is_415() {
    let app = spawn_app().await;
    let response = app.client.post(app.url("/api/v1/probes")).body("{\"name\":\"x\"}").send().await.unwrap();
    expect_error(response, 415, "unsupported_media_type").await;
    let response = app
        .client
        .post(app.url("/api/v1/probes"))
        .header("content-type", "text/plain")
        .body("{\"name\":\"x\"}")
        .send()
        .await
        .unwrap();
    expect_error(response, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn oversized_bodies_are_413_and_store_nothing() {
    let app = spawn_with(vec![std::sync::Arc::new(testkit::probe::Probe)], |c| c.server.body_limit_bytes = 2048).await;
    let big = json!({ "name": "x".repeat(10_000) });
    expect_error(app.post_json("/api/v1/probes", &big).await, 413, "payload_too_large").await;
    // Without Content-Length (chunked), the limit still holds.
    let raw = chunked_post(app.addr, "/api/v1/probes", &[b"{\"name\": \"", &[b'y'; 8_000], b"\"}"]).await;
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    assert!(raw.contains("\"code\":\"payload_too_large\""), "{raw}");
    let (_, body) = json(app.get("/api/v1/probes/received").await).await;
    assert_eq!(body["data"]["probes"], 0);
}

/// Sends a chunked JSON POST over a raw connection and returns the raw response.
async fn chunked_post(addr: std::net::SocketAddr, path: &str, chunks: &[&[u8]]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in chunks {
        // The server may answer 413 and close before everything is sent.
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn created_resources_use_the_success_envelope() {
    let app = spawn_app().await;
    let (status, body) = json(app.post_json("/api/v1/probes", &json!({"name": "alpha"})).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["data"]["probe"]["name"], "alpha");
    let id = body["data"]["probe"]["id"].as_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);
    let (status, fetched) = json(app.get(&format!("/api/v1/probes/{id}")).await).await;
    assert_eq!(status, 200);
    assert_eq!(fetched["data"]["probe"], body["data"]["probe"]);
}

#[tokio::test]
async fn unique_violations_are_409() {
    let app = spawn_app().await;
    assert_eq!(app.post_json("/api/v1/probes", &json!({"name": "twin"})).await.status(), 201);
    let body = expect_error(app.post_json("/api/v1/probes", &json!({"name": "twin"})).await, 409, "conflict").await;
    assert_eq!(body["message"], "A probe with this name already exists");
}

#[tokio::test]
async fn unknown_or_malformed_ids_are_404() {
    let app = spawn_app().await;
    expect_error(app.get(&format!("/api/v1/probes/{}", kernel::new_id())).await, 404, "not_found").await;
    expect_error(app.get("/api/v1/probes/not-a-uuid").await, 404, "not_found").await;
}

#[tokio::test]
async fn bad_query_strings_are_400() {
    let app = spawn_app().await;
    expect_error(app.get("/api/v1/probes/slow?ms=soon").await, 400, "bad_request").await;
    expect_error(app.get("/api/v1/probes/slow").await, 400, "bad_request").await;
}

#[tokio::test]
async fn panics_become_500_envelopes_without_details_and_the_server_survives() {
    let app = spawn_app().await;
    let body = expect_error(app.get("/api/v1/probes/panic").await, 500, "internal_error").await;
    assert!(!body.to_string().contains("probe asked to panic"), "{body}");
    assert_eq!(app.get("/health").await.status(), 200);
}
