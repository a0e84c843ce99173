//! Sending: text rules, `Idempotency-Key` (ten concurrent retries make one message; the same
//! key with another body is refused), soft delete, search.

use reqwest::Method;
use serde_json::json;
use testkit::expect_error;

use crate::support::*;

#[tokio::test]
async fn the_same_key_ten_times_at_once_makes_one_message() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let (_, c) = enquire(&app, &guest, &listing, "Hello").await;
    let cid = text(&c, "id");
    let path = format!("/api/v1/conversations/{cid}/messages");

    let attempts = (0..10).map(|_| {
        app.client
            .post(app.url(&path))
            .bearer_auth(&guest.token)
            .header("idempotency-key", "send-42")
            .json(&json!({"body": "Arriving at 18:00"}))
            .send()
    });
    let answers = futures_join_all(attempts).await;
    let mut ids = Vec::new();
    for r in answers {
        let r = r.unwrap();
        assert_eq!(r.status(), 201);
        ids.push(text(&data(r).await["message"], "id"));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one message for one key: {ids:?}");
    assert_eq!(messages(&app, &owner, &cid).await.len(), 2);

    // The same key with another body: 422; another key: a new message.
    let other = app
        .client
        .post(app.url(&path))
        .bearer_auth(&guest.token)
        .header("idempotency-key", "send-42")
        .json(&json!({"body": "Arriving at 20:00"}))
        .send()
        .await
        .unwrap();
    expect_error(other, 422, "idempotency_key_reused").await;
    let replay = app
        .client
        .post(app.url(&path))
        .bearer_auth(&guest.token)
        .header("idempotency-key", "send-42")
        .json(&json!({"body": "Arriving at 18:00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(text(&data(replay).await["message"], "id"), ids[0]);
    assert_eq!(messages(&app, &owner, &cid).await.len(), 2);
}

/// Runs the requests concurrently (no futures crate in this suite's dependencies).
async fn futures_join_all<F, T>(futures: impl Iterator<Item = F>) -> Vec<T>
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

#[tokio::test]
async fn text_rules_soft_delete_and_search() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let other_guest = register(&app, "other@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let (_, c) = enquire(&app, &guest, &listing, "Is the KITCHEN equipped?").await;
    let cid = text(&c, "id");
    let (_, theirs) = enquire(&app, &other_guest, &listing, "Kitchen question from someone else").await;

    for bad in ["", "   ", "bell\u{7}", &"x".repeat(5001)] {
        let (status, body) = send(&app, &guest, &cid, bad).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("validation_failed")), "{bad:?}");
    }
    assert_eq!(
        sent(&app, &guest, &cid, &"é".repeat(5000)).await["body"].as_str().map(|b| b.chars().count()),
        Some(5000)
    );
    assert_eq!(sent(&app, &guest, &cid, "  line one\n\tline two  ").await["body"], "line one\n\tline two");
    let reply = sent(&app, &owner, &cid, "Yes: oven, kettle and a 100% cotton_towel set").await;

    // Case-insensitive, wildcards literal, only the caller's conversations, newest first.
    let found = data(get(&app, &guest, "/api/v1/messages/search?q=kitchen").await).await;
    let bodies: Vec<String> = found["messages"].as_array().unwrap().iter().map(|m| text(m, "body")).collect();
    assert_eq!(bodies, ["Is the KITCHEN equipped?"]);
    let host_found = data(get(&app, &owner, "/api/v1/messages/search?q=KITCHEN").await).await;
    assert_eq!(host_found["messages"].as_array().unwrap().len(), 2, "the host is in both: {host_found}");
    assert_eq!(
        data(get(&app, &guest, "/api/v1/messages/search?q=100%25").await).await["messages"].as_array().unwrap().len(),
        1
    );
    assert_eq!(
        data(get(&app, &guest, "/api/v1/messages/search?q=_").await).await["messages"].as_array().unwrap().len(),
        1
    );
    assert_eq!(data(get(&app, &guest, "/api/v1/messages/search?q=n%25k").await).await["messages"], json!([]));

    // Soft delete: own messages only; the text is gone for everyone and from search.
    let path = format!("/api/v1/conversations/{cid}/messages/{}", text(&reply, "id"));
    expect_error(call(&app, Method::DELETE, &guest, &path, None).await, 404, "message_not_found").await;
    let foreign = format!(
        "/api/v1/conversations/{cid}/messages/{}",
        text(&messages(&app, &other_guest, &text(&theirs, "id")).await[0], "id")
    );
    expect_error(call(&app, Method::DELETE, &guest, &foreign, None).await, 404, "message_not_found").await;
    let deleted = data(call(&app, Method::DELETE, &owner, &path, None).await).await["message"].clone();
    assert_eq!(deleted["body"], serde_json::Value::Null);
    let seen = messages(&app, &guest, &cid).await;
    assert_eq!((&seen[0]["id"], &seen[0]["body"]), (&reply["id"], &serde_json::Value::Null));
    assert!(seen[0]["deletedAt"].is_string());
    assert_eq!(data(get(&app, &guest, "/api/v1/messages/search?q=oven").await).await["messages"], json!([]));
    // Deleted messages are not unread.
    assert_eq!(data(get(&app, &guest, "/api/v1/conversations/unread-count").await).await["unreadCount"], 0);
}
