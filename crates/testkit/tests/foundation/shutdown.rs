use std::time::{Duration, Instant};

use testkit::{json, spawn_app};

#[tokio::test]
async fn in_flight_requests_finish_during_graceful_shutdown() {
    let mut app = spawn_app().await;
    let client = app.client.clone();
    let url = app.url("/api/v1/probes/slow?ms=700");
    let in_flight = tokio::spawn(async move { client.get(url).send().await });
    tokio::time::sleep(Duration::from_millis(150)).await;

    let started = Instant::now();
    app.begin_shutdown();
    let addr = app.addr;
    let result = app.join().await;
    assert!(result.is_ok(), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(5));

    let response = in_flight.await.unwrap().expect("the in-flight request completes");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["sleptMs"], 700);

    // Once stopped, nothing listens.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn shutdown_flushes_committed_events() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = testkit::test_config(&dir);
    // Leave the event in the outbox after the request, for the shutdown to flush.
    config.events.read_your_writes = false;
    let app = testkit::spawn_config(config.clone(), vec![std::sync::Arc::new(testkit::probe::Probe)]).await;
    let (_, body) = json(app.post_json("/api/v1/probes", &serde_json::json!({"name": "last"})).await).await;
    let event_id = body["data"]["eventId"].as_str().unwrap().to_owned();
    let db = app.platform.db("probe").unwrap().clone();
    assert_eq!(platform::events::lag(&db, chrono::Utc::now()).await.unwrap().pending, 1);
    app.shutdown().await.unwrap();

    // Restart on the same data: the event went out before the databases closed.
    let app = testkit::spawn_config(config, vec![std::sync::Arc::new(testkit::probe::Probe)]).await;
    let db = app.platform.db("probe").unwrap().clone();
    assert_eq!(platform::events::lag(&db, chrono::Utc::now()).await.unwrap().pending, 0);
    let (_, body) = json(app.get("/api/v1/probes/received").await).await;
    assert_eq!(body["data"]["events"][0]["eventId"], event_id.as_str());
}
