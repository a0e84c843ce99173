//! Participants only: anyone else — other users guessing ids, administrators on guest ↔ host
//! conversations — gets 404 `conversation_not_found` on every conversation route. Bad ids and
//! bad cursors are 4xx, never 5xx.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::*;

#[tokio::test]
async fn outsiders_get_404_on_every_conversation_route() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let outsider = register(&app, "outsider@example.com").await;
    let admin = admin(&app, "admin@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let (_, c) = enquire(&app, &guest, &listing, "Hello").await;
    let cid = text(&c, "id");
    let mid = text(&messages(&app, &guest, &cid).await[0], "id");
    let file = send_files(&app, &guest, &cid, Some("plan"), &[("files", "plan.pdf", "application/pdf", PDF)]).await;
    let aid = text(&data(file).await["message"]["attachments"][0], "id");

    let base = format!("/api/v1/conversations/{cid}");
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, base.clone(), None),
        (Method::PATCH, base.clone(), Some(json!({"archived": true}))),
        (Method::GET, format!("{base}/messages"), None),
        (Method::POST, format!("{base}/messages"), Some(json!({"body": "let me in"}))),
        (Method::POST, format!("{base}/read"), Some(json!({}))),
        (Method::DELETE, format!("{base}/messages/{mid}"), None),
        (Method::POST, format!("{base}/messages/{mid}/report"), Some(json!({"reason": "spam"}))),
        (Method::GET, format!("{base}/attachments/{aid}"), None),
    ];
    for who in [&outsider, &admin] {
        for (method, path, body) in &routes {
            let r = call(&app, method.clone(), who, path, body.as_ref()).await;
            let err = expect_error(r, 404, "conversation_not_found").await;
            assert_eq!(err["success"], false, "{method} {path}");
        }
    }
    // Nothing leaked into the outsider's lists, counts or searches.
    assert_eq!(data(get(&app, &outsider, "/api/v1/conversations").await).await["conversations"], json!([]));
    assert_eq!(data(get(&app, &outsider, "/api/v1/conversations/unread-count").await).await["unreadCount"], 0);
    assert_eq!(data(get(&app, &outsider, "/api/v1/messages/search?q=hello").await).await["messages"], json!([]));
    // The outsider's attempts wrote nothing.
    assert_eq!(messages(&app, &guest, &cid).await.len(), 2);
    // An unknown id answers exactly like a foreign one.
    let unknown = format!("/api/v1/conversations/{}", kernel::new_id());
    expect_error(get(&app, &guest, &unknown).await, 404, "conversation_not_found").await;
    // Without a token: 401.
    let anonymous = app.call(Method::GET, None, &base, None).await;
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn bad_ids_and_cursors_are_client_errors() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, true).await;
    let (_, c) = enquire(&app, &guest, &listing, "Hello").await;
    let cid = text(&c, "id");

    expect_error(get(&app, &guest, "/api/v1/conversations/not-an-id").await, 404, "conversation_not_found").await;
    expect_error(get(&app, &guest, "/api/v1/conversations/not-an-id/messages").await, 404, "conversation_not_found")
        .await;
    let path = format!("/api/v1/conversations/{cid}/messages/not-an-id");
    expect_error(call(&app, Method::DELETE, &guest, &path, None).await, 404, "message_not_found").await;
    let path = format!("/api/v1/conversations/{cid}/messages/{}", kernel::new_id());
    expect_error(call(&app, Method::DELETE, &guest, &path, None).await, 404, "message_not_found").await;
    let read = format!("/api/v1/conversations/{cid}/read");
    expect_error(post(&app, &guest, &read, &json!({"messageId": kernel::new_id()})).await, 404, "message_not_found")
        .await;
    expect_error(
        get(&app, &guest, &format!("/api/v1/conversations/{cid}/attachments/zzz")).await,
        404,
        "attachment_not_found",
    )
    .await;

    for cursor in ["garbage", "bm90LWpzb24", "WzEsMl0", "%%%"] {
        for path in [
            format!("/api/v1/conversations/{cid}/messages?cursor={cursor}"),
            format!("/api/v1/conversations?cursor={cursor}"),
            format!("/api/v1/messages/search?q=hi&cursor={cursor}"),
        ] {
            let r = get(&app, &guest, &path).await;
            assert_eq!(r.status(), 400, "{path}");
        }
    }
    for limit in ["0", "101", "-1", "ten"] {
        expect_error(
            get(&app, &guest, &format!("/api/v1/conversations/{cid}/messages?limit={limit}")).await,
            400,
            "validation_failed",
        )
        .await;
    }
    expect_error(get(&app, &guest, "/api/v1/messages/search").await, 400, "validation_failed").await;
    // Message pages by cursor: newest first, 1 at a time, to the end.
    sent(&app, &guest, &cid, "second").await;
    sent(&app, &guest, &cid, "third").await;
    let mut cursor: Option<String> = None;
    let mut bodies = Vec::new();
    loop {
        let q = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let d = data(get(&app, &guest, &format!("/api/v1/conversations/{cid}/messages?limit=1{q}")).await).await;
        bodies.extend(d["messages"].as_array().unwrap().iter().map(|m| text(m, "body")));
        match d["pagination"]["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(bodies, ["third", "second", "Hello"]);
}

#[tokio::test]
async fn every_route_needs_a_token_and_admin_routes_an_administrator() {
    let app = spawn().await;
    let user = register(&app, "someone@example.com").await;
    let (c, m, u) = (kernel::new_id(), kernel::new_id(), kernel::new_id());
    let routes = [
        (Method::GET, "/api/v1/conversations".to_owned()),
        (Method::POST, "/api/v1/conversations".to_owned()),
        (Method::GET, "/api/v1/conversations/unread-count".to_owned()),
        (Method::GET, format!("/api/v1/conversations/{c}")),
        (Method::PATCH, format!("/api/v1/conversations/{c}")),
        (Method::GET, format!("/api/v1/conversations/{c}/messages")),
        (Method::POST, format!("/api/v1/conversations/{c}/messages")),
        (Method::DELETE, format!("/api/v1/conversations/{c}/messages/{m}")),
        (Method::POST, format!("/api/v1/conversations/{c}/messages/{m}/report")),
        (Method::POST, format!("/api/v1/conversations/{c}/read")),
        (Method::GET, format!("/api/v1/conversations/{c}/attachments/{m}")),
        (Method::GET, "/api/v1/messages/search?q=x".to_owned()),
        (Method::GET, "/api/v1/blocks".to_owned()),
        (Method::POST, "/api/v1/blocks".to_owned()),
        (Method::DELETE, format!("/api/v1/blocks/{u}")),
        (Method::GET, "/api/v1/admin/conversations".to_owned()),
        (Method::GET, "/api/v1/admin/message-reports".to_owned()),
        (Method::POST, format!("/api/v1/admin/message-reports/{m}/resolve")),
        (Method::POST, "/api/v1/admin/messaging/jobs/run".to_owned()),
    ];
    for (method, path) in &routes {
        let body = (*method != Method::GET && *method != Method::DELETE).then(|| json!({}));
        let anonymous = app.call(method.clone(), None, path, body.as_ref()).await;
        expect_error(anonymous, 401, "unauthorized").await;
        if path.starts_with("/api/v1/admin/") {
            let plain = app.call(method.clone(), Some(&user.token), path, body.as_ref()).await;
            expect_error(plain, 403, "forbidden").await;
        }
    }
}
