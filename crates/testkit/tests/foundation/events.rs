use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use kernel::EventEnvelope;
use serde_json::json;
use testkit::{json, spawn_app, spawn_with};

async fn received_ids(app: &testkit::TestApp) -> Vec<String> {
    let (_, body) = json(app.get("/api/v1/probes/received").await).await;
    body["data"]["events"].as_array().unwrap().iter().map(|e| e["eventId"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_outbox_delivers_exactly_the_committed_events() {
    let app = spawn_app().await;
    let mut committed = BTreeSet::new();
    for name in ["one", "two", "three"] {
        let (status, body) = json(app.post_json("/api/v1/probes", &json!({"name": name})).await).await;
        assert_eq!(status, 201);
        committed.insert(body["data"]["eventId"].as_str().unwrap().to_owned());
    }
    // Written, then rolled back: neither the row nor its event may survive.
    let (status, _) =
        json(app.post_json("/api/v1/probes", &json!({"name": "ghost", "failAfterWrite": true})).await).await;
    assert_eq!(status, 422);
    // Refused by a constraint after nothing was written.
    assert_eq!(app.post_json("/api/v1/probes", &json!({"name": "one"})).await.status(), 409);

    assert!(received_ids(&app).await.is_empty(), "nothing is delivered before the relay runs");
    let stats = app.drain_events().await;
    assert_eq!((stats.published, stats.failed), (3, 0));

    let delivered: BTreeSet<String> = received_ids(&app).await.into_iter().collect();
    assert_eq!(delivered, committed);
    let (_, body) = json(app.get("/api/v1/probes/received").await).await;
    assert_eq!(body["data"]["probes"], 3);

    // Draining again publishes nothing new.
    assert_eq!(app.drain_events().await.published, 0);
    assert_eq!(received_ids(&app).await.len(), 3);
}

#[tokio::test]
async fn redelivered_events_are_handled_once() {
    let app = spawn_app().await;
    let event = EventEnvelope::new("probe.created", kernel::new_id(), chrono::Utc::now(), json!({"name": "dup"}));
    for _ in 0..3 {
        app.platform.bus.publish(&event).await.unwrap();
    }
    assert_eq!(received_ids(&app).await, vec![event.id.to_string()]);
}

#[tokio::test]
async fn concurrent_redelivery_is_handled_once() {
    let app = spawn_app().await;
    let event = EventEnvelope::new("probe.created", kernel::new_id(), chrono::Utc::now(), json!({"name": "race"}));
    let bus = app.platform.bus.clone();
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let bus = bus.clone();
            let event = event.clone();
            tokio::spawn(async move { bus.publish(&event).await })
        })
        .collect();
    for t in tasks {
        // A racing duplicate may fail on the dedupe key; it must never double-apply.
        let _ = t.await.unwrap();
    }
    assert_eq!(received_ids(&app).await, vec![event.id.to_string()]);
}

/// The probe app with the platform default: a request waits for its events' consumers.
async fn reading_its_writes() -> testkit::TestApp {
    spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| assert!(c.events.read_your_writes)).await
}

#[tokio::test]
async fn a_request_is_answered_once_its_events_are_handled() {
    let app = reading_its_writes().await;
    let mut committed = Vec::new();
    for name in ["one", "two"] {
        let (status, body) = json(app.post_json("/api/v1/probes", &json!({"name": name})).await).await;
        assert_eq!(status, 201);
        committed.push(body["data"]["eventId"].as_str().unwrap().to_owned());
        // Handled before the answer came: no relay ran (the harness has none), nothing drained.
        assert_eq!(received_ids(&app).await, committed);
    }
    assert_eq!(app.drain_events().await.published, 0, "nothing was left for the relay");
    // A rolled-back write has nothing to wait for, and nothing is delivered.
    let (status, _) =
        json(app.post_json("/api/v1/probes", &json!({"name": "ghost", "failAfterWrite": true})).await).await;
    assert_eq!(status, 422);
    assert_eq!(received_ids(&app).await, committed);
}

#[tokio::test]
async fn a_failing_handler_does_not_hold_its_request_or_the_next() {
    let app = reading_its_writes().await;
    let started = std::time::Instant::now();
    let (status, _) = json(app.post_json("/api/v1/probes", &json!({"name": "bad", "failHandler": true})).await).await;
    assert_eq!(status, 201);
    let (_, good) = json(app.post_json("/api/v1/probes", &json!({"name": "good"})).await).await;
    // Answered after the pass that tried (and failed) the event, not after the 2 s limit.
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
    assert_eq!(received_ids(&app).await, vec![good["data"]["eventId"].as_str().unwrap().to_owned()]);
    let lag = platform::events::lag(app.platform.db("probe").unwrap(), chrono::Utc::now()).await.unwrap();
    assert_eq!(lag.pending, 1, "the failed event waits for its retry");
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(metrics.contains("sojourn_events_settle_timeouts_total 0"), "{metrics}");
    assert!(metrics.contains("sojourn_events_settle_seconds_count 2"), "{metrics}");
}

#[tokio::test]
async fn concurrent_requests_share_passes_and_all_see_their_events() {
    let app = reading_its_writes().await;
    let posts = (0..40).map(|n| {
        let app = &app;
        async move {
            let (status, body) = json(app.post_json("/api/v1/probes", &json!({"name": format!("c{n}")})).await).await;
            assert_eq!(status, 201);
            let id = body["data"]["eventId"].as_str().unwrap().to_owned();
            assert!(received_ids(app).await.contains(&id), "event {n} handled before its answer");
        }
    });
    futures_util::future::join_all(posts).await;
    assert_eq!(received_ids(&app).await.len(), 40);
}

#[tokio::test]
async fn a_failing_handler_keeps_its_event_pending_without_blocking_others() {
    let app = spawn_app().await;
    let (_, bad) = json(app.post_json("/api/v1/probes", &json!({"name": "bad", "failHandler": true})).await).await;
    let (_, good) = json(app.post_json("/api/v1/probes", &json!({"name": "good"})).await).await;
    let stats = app.drain_events().await;
    assert_eq!((stats.published, stats.failed), (1, 1));
    assert_eq!(received_ids(&app).await, vec![good["data"]["eventId"].as_str().unwrap().to_owned()]);
    let lag = platform::events::lag(app.platform.db("probe").unwrap(), chrono::Utc::now()).await.unwrap();
    assert_eq!(lag.pending, 1, "the failed event {} stays in the outbox for retry", bad["data"]["eventId"]);
}

#[tokio::test]
async fn one_failing_event_in_a_batch_holds_back_none_of_the_others() {
    let app = spawn_app().await;
    let mut good = Vec::new();
    for n in 0..11 {
        let body = json!({"name": format!("p{n}"), "failHandler": n == 5});
        let (_, made) = json(app.post_json("/api/v1/probes", &body).await).await;
        if n != 5 {
            good.push(made["data"]["eventId"].as_str().unwrap().to_owned());
        }
    }
    // All eleven go out in one relay batch: the consumer's transaction for the batch fails on
    // the sixth, and the events are then delivered one by one.
    let stats = app.drain_events().await;
    assert_eq!((stats.published, stats.failed), (10, 1));
    assert_eq!(received_ids(&app).await, good, "each good event once, in order");
    let lag = platform::events::lag(app.platform.db("probe").unwrap(), chrono::Utc::now()).await.unwrap();
    assert_eq!(lag.pending, 1);
}

#[tokio::test]
async fn a_batch_repeating_an_event_applies_it_once() {
    let app = spawn_app().await;
    let event = EventEnvelope::new("probe.created", kernel::new_id(), chrono::Utc::now(), json!({"name": "twice"}));
    let other = EventEnvelope::new("probe.created", kernel::new_id(), chrono::Utc::now(), json!({"name": "once"}));
    let batch = [event.clone(), other.clone(), event.clone()];
    let results = app.platform.bus.publish_batch(&batch).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(received_ids(&app).await, vec![event.id.to_string(), other.id.to_string()]);
    // And again, as a relay retrying the whole batch would.
    assert!(app.platform.bus.publish_batch(&batch).await.iter().all(Result::is_ok));
    assert_eq!(received_ids(&app).await.len(), 2);
}

#[tokio::test]
async fn the_background_relay_delivers_without_being_asked() {
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| c.events.relay_enabled = true).await;
    let (_, body) = json(app.post_json("/api/v1/probes", &json!({"name": "auto"})).await).await;
    let id = body["data"]["eventId"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if received_ids(&app).await.contains(&id) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "event not delivered within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn pruning_removes_published_events_and_old_dedupe_records_only() {
    let app = spawn_app().await;
    app.post_json("/api/v1/probes", &json!({"name": "published"})).await;
    app.drain_events().await;
    app.post_json("/api/v1/probes", &json!({"name": "pending"})).await;
    let db = app.platform.db("probe").unwrap();
    let count = |sql: &'static str| async move {
        let (n,): (i64,) = platform::db::query(sql).fetch_one(db).await.unwrap();
        n
    };
    assert_eq!(count("SELECT COUNT(*) FROM outbox").await, 2);
    assert_eq!(count("SELECT COUNT(*) FROM processed_events").await, 1);
    app.platform.relay.prune(chrono::Duration::zero()).await;
    assert_eq!(count("SELECT COUNT(*) FROM outbox").await, 1, "the unpublished event is kept");
    assert_eq!(count("SELECT COUNT(*) FROM processed_events").await, 0);
    assert_eq!(app.drain_events().await.published, 1);
}
