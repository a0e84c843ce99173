//! Owner-only: a user never sees, marks or deletes another user's notifications, and a
//! notification of someone else answers exactly like one that does not exist.

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn another_users_notifications_are_invisible_and_untouchable() {
    let app = spawn().await;
    let alice = register(&app, "alice@example.com").await;
    let bob = register(&app, "bob@example.com").await;
    add_security_notices(&app, &alice, 1).await;

    let alices = items(&app, &alice, "").await;
    assert_eq!(alices.len(), 2);
    let target = alices[0]["id"].as_str().unwrap().to_owned();

    let bobs = items(&app, &bob, "?status=all").await;
    assert_eq!(bobs.len(), 1, "Bob sees only his own welcome");
    assert!(bobs.iter().all(|n| n["id"] != target.as_str()));
    assert_eq!(inbox(&app, &bob, "").await["pagination"]["total"], 1);

    let read = call(&app, Method::PATCH, &format!("{INBOX}/{target}/read"), &bob.token, None).await;
    testkit::expect_error(read, 404, "not_found").await;
    let delete = call(&app, Method::DELETE, &format!("{INBOX}/{target}"), &bob.token, None).await;
    testkit::expect_error(delete, 404, "not_found").await;

    // Bob's bulk operations stay within his inbox.
    let d = data(&app, Method::POST, &format!("{INBOX}/read-all"), &bob.token, None).await;
    assert_eq!(d["updated"], 1);
    assert_eq!(unread(&app, &alice).await, 2, "Alice's notices are still unread");
    data(&app, Method::PATCH, &format!("{INBOX}/{target}/read"), &alice.token, None).await;
    let d = data(&app, Method::DELETE, INBOX, &bob.token, None).await;
    assert_eq!(d["deleted"], 1);
    assert_eq!(items(&app, &alice, "").await.len(), 2, "Alice's read notice survives Bob's cleanup");
    assert_eq!(items(&app, &bob, "").await.len(), 0);
}

#[tokio::test]
async fn preferences_are_per_user() {
    let app = spawn().await;
    let alice = register(&app, "alice@example.com").await;
    let bob = register(&app, "bob@example.com").await;
    let body = json!({"promotions": {"email": true}});
    data(&app, Method::PUT, CHANNELS, &alice.token, Some(&body)).await;
    let bobs = data(&app, Method::GET, CHANNELS, &bob.token, None).await;
    assert_eq!(bobs["promotions"]["email"], false);
    assert_eq!(data(&app, Method::GET, PREFS, &bob.token, None).await["promo_offer"]["email"], false);
    let alices = data(&app, Method::GET, CHANNELS, &alice.token, None).await;
    assert_eq!(alices["promotions"]["email"], true);
    assert_eq!(data(&app, Method::GET, PREFS, &alice.token, None).await["promo_offer"]["email"], true);
}

#[tokio::test]
async fn every_route_needs_a_token() {
    let app = spawn().await;
    let id = kernel::new_id();
    let routes = [
        (Method::GET, INBOX.to_owned()),
        (Method::DELETE, INBOX.to_owned()),
        (Method::GET, format!("{INBOX}/unread-count")),
        (Method::POST, format!("{INBOX}/read-all")),
        (Method::PATCH, format!("{INBOX}/mark-all-read")),
        (Method::POST, format!("{INBOX}/internal")),
        (Method::PATCH, format!("{INBOX}/{id}/read")),
        (Method::DELETE, format!("{INBOX}/{id}")),
        (Method::GET, PREFS.to_owned()),
        (Method::PUT, PREFS.to_owned()),
        (Method::GET, CHANNELS.to_owned()),
        (Method::PUT, CHANNELS.to_owned()),
    ];
    for (method, path) in routes {
        let response = app.client.request(method.clone(), app.url(&path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 401, "{method} {path}");
        let response = call(&app, method.clone(), &path, "not.a.token", None).await;
        assert_eq!(response.status().as_u16(), 401, "{method} {path} with a bad token");
    }
}
