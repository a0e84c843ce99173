//! The index follows catalog: published listings appear, updates re-index, unpublished and
//! deleted ones disappear — each within a second of its event.

use reqwest::Method;
use serde_json::json;

use super::support::*;

#[tokio::test]
async fn publish_update_unpublish_and_delete_reach_the_index_within_a_second() {
    let app = spawn().await;
    let token = host(&app, "fresh@example.com").await;
    let body = stay("Harbour loft", "Sea views from the top floor.", "Marseille", "FR", (43.296, 5.37), json!({}));
    // A draft is not searchable.
    let draft = data(app.call(Method::POST, Some(&token), "/api/v1/listings", Some(&body)).await).await;
    let draft_id = draft["listing"]["id"].as_str().unwrap().to_owned();
    app.drain_events().await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(ids(&app, "q=harbour").await, Vec::<String>::new());

    let id = publish(&app, &token, &body).await;
    eventually(&app, "q=harbour", |d| has(d, &id) && !has(d, &draft_id)).await;

    let update = json!({"title": "Seaside studio", "stay": {"nightlyPrice": 15000}});
    data(app.call(Method::PUT, Some(&token), &format!("/api/v1/listings/{id}"), Some(&update)).await).await;
    app.drain_events().await;
    let d = eventually(&app, "q=seaside", |d| has(d, &id)).await;
    assert_eq!(d["listings"][0]["price"], 15000);
    assert_eq!(ids(&app, "q=harbour").await, Vec::<String>::new(), "the old title is gone");
    assert_eq!(ids(&app, "city=marseille").await, vec![id.clone()], "one document per listing");

    data(app.call(Method::POST, Some(&token), &format!("/api/v1/listings/{id}/unpublish"), None).await).await;
    app.drain_events().await;
    eventually(&app, "city=marseille", |d| !has(d, &id)).await;

    data(app.call(Method::POST, Some(&token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    app.drain_events().await;
    eventually(&app, "city=marseille", |d| has(d, &id)).await;

    let r = app.call(Method::DELETE, Some(&token), &format!("/api/v1/listings/{id}"), None).await;
    assert!(r.status().is_success(), "{}", r.status());
    app.drain_events().await;
    let d = eventually(&app, "city=marseille", |d| !has(d, &id)).await;
    assert_eq!(d["pagination"]["total"], 0);
}

#[tokio::test]
async fn an_older_event_never_undoes_a_newer_one() {
    let app = spawn().await;
    let token = host(&app, "order@example.com").await;
    let body = stay("Canal barge", "A barge on the canal.", "Strasbourg", "FR", (48.58, 7.75), json!({}));
    let id = publish(&app, &token, &body).await;
    eventually(&app, "q=barge", |d| has(d, &id)).await;
    // catalog's `listing.created` payload (version 1, a draft) delivered again, late.
    let stale = json!({"id": id, "version": 1, "status": "draft", "kind": "stay", "title": "Canal barge"});
    let event =
        kernel::EventEnvelope::new("listing.updated", id.parse::<uuid::Uuid>().unwrap(), chrono::Utc::now(), stale);
    let db = app.platform.db("catalog").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(ids(&app, "q=barge").await, vec![id]);
}

#[tokio::test]
async fn the_index_outlives_a_restart_on_the_same_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let config = testkit::quick_config(&dir);
    let first = testkit::spawn_config(config.clone(), contexts()).await;
    let token = host(&first, "restart@example.com").await;
    let body = stay(
        "Mountain chalet",
        "A wooden chalet at the foot of the slopes.",
        "Chamonix",
        "FR",
        (45.92, 6.87),
        json!({}),
    );
    let id = publish(&first, &token, &body).await;
    eventually(&first, "q=chalet", |d| has(d, &id)).await;
    first.shutdown().await.unwrap();

    // The second app opens the same index (the first released its lock) and finds the listing.
    let second = testkit::spawn_config(config, contexts()).await;
    assert_eq!(ids(&second, "q=chalet").await, vec![id]);
    assert!(dir.path().join(format!("search/v{}", search::SCHEMA_VERSION)).is_dir());
}
