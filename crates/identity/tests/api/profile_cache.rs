//! `GET /auth/profile` is answered from the hot cache: an `ETag` and `304` for a client that
//! holds the current one, each account's answer its own, and every change visible to the very
//! next read — even with reads racing the write.

use serde_json::json;
use testkit::{TestApp, json};

use crate::support::{PASSWORD, admin, auth_path, get_bearer, login, profile, register, spawn};

async fn get_with_etag(app: &TestApp, token: &str, etag: &str) -> reqwest::Response {
    let request = app.client.get(app.url(&auth_path("/profile"))).bearer_auth(token);
    request.header("if-none-match", etag).send().await.unwrap()
}

fn etag_of(response: &reqwest::Response) -> String {
    response.headers().get("etag").expect("an ETag").to_str().unwrap().to_owned()
}

async fn put_profile(app: &TestApp, token: &str, body: &serde_json::Value) {
    let request = app.client.put(app.url(&auth_path("/profile"))).bearer_auth(token).json(body);
    let (status, body) = json(request.send().await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn profile_answers_carry_an_etag_and_revalidate() {
    let app = spawn().await;
    let pia = register(&app, "pia@example.com").await;
    let ola = register(&app, "ola@example.com").await;

    let first = get_bearer(&app, "/profile", &pia.access).await;
    let etag = etag_of(&first);
    assert_eq!(first.headers()["cache-control"], "private, no-cache", "her own data: never in a shared cache");
    let (status, body) = json(first).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Profile retrieved successfully");
    assert_eq!(body["data"]["user"]["email"], "pia@example.com");

    let again = get_bearer(&app, "/profile", &pia.access).await;
    assert_eq!(etag_of(&again), etag, "the same answer, the same ETag");
    assert_eq!(json(again).await.1, body);

    let revalidated = get_with_etag(&app, &pia.access, &etag).await;
    assert_eq!(revalidated.status(), 304);
    assert_eq!(etag_of(&revalidated), etag);
    assert!(revalidated.bytes().await.unwrap().is_empty(), "no body with a 304");

    // Another account never gets Pia's answer, nor a 304 for her ETag.
    let other = get_with_etag(&app, &ola.access, &etag).await;
    assert_ne!(etag_of(&other), etag);
    let (status, body) = json(other).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["email"], "ola@example.com");
}

#[tokio::test]
async fn every_change_shows_in_the_next_profile_read() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    let pia = register(&app, "pia@example.com").await;
    let id = pia.user_id();
    let before = get_bearer(&app, "/profile", &pia.access).await;
    let old_etag = etag_of(&before);
    assert_eq!(json(before).await.1["data"]["user"]["firstName"], serde_json::Value::Null);

    // Her own change.
    put_profile(&app, &pia.access, &json!({"firstName": "Pia", "nationality": "SE"})).await;
    let after = get_with_etag(&app, &pia.access, &old_etag).await;
    assert_eq!(after.status(), 200, "the old ETag is stale");
    assert_ne!(etag_of(&after), old_etag);
    let user = json(after).await.1["data"]["user"].clone();
    assert_eq!(user["firstName"], "Pia");
    assert_eq!(user["nationality"], "SE");
    // verify-token shows the same account (from the same cache entry group) beside its claims.
    let verified = app.client.post(app.url(&auth_path("/verify-token"))).bearer_auth(&pia.access).send().await;
    let (status, verified) = json(verified.unwrap()).await;
    assert_eq!(status, 200, "{verified}");
    assert_eq!((&verified["success"], &verified["message"]), (&json!(true), &json!("Token is valid")));
    assert_eq!(verified["data"]["valid"], true);
    assert_eq!(verified["data"]["user"], user);
    assert_eq!(verified["data"]["claims"]["sub"], id.as_str());

    // An administrator's changes: the role, then the verification flag.
    let role = app
        .client
        .put(app.url(&format!("/api/v1/admin/users/{id}/role")))
        .bearer_auth(&boss.access)
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(role.status(), 200);
    assert_eq!(profile(&app, &pia.access).await["role"], "ADMIN");

    assert_eq!(profile(&app, &pia.access).await["isVerified"], false);
    let edit = app
        .client
        .put(app.url(&format!("/api/v1/admin/users/{id}")))
        .bearer_auth(&boss.access)
        .json(&json!({"isVerified": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), 200, "{}", edit.text().await.unwrap());
    assert_eq!(profile(&app, &pia.access).await["isVerified"], true);

    // A second session of hers reads the same, current answer.
    let second = login(&app, "pia@example.com", PASSWORD).await;
    assert_eq!(profile(&app, &second.access).await["firstName"], "Pia");
}

/// Reads race each write; once a write has answered, no read may show what it replaced (a
/// read that loaded the old row just before the commit must not put it back in the cache).
#[tokio::test]
async fn reads_racing_writes_never_bring_back_an_old_answer() {
    let app = spawn().await;
    let pia = register(&app, "pia@example.com").await;
    for round in 0..15 {
        let readers: Vec<_> = (0..6)
            .map(|_| {
                let (client, url, token) = (app.client.clone(), app.url(&auth_path("/profile")), pia.access.clone());
                tokio::spawn(async move {
                    for _ in 0..5 {
                        let r = client.get(&url).bearer_auth(&token).send().await.unwrap();
                        assert_eq!(r.status(), 200);
                    }
                })
            })
            .collect();
        let name = format!("Round{round}");
        put_profile(&app, &pia.access, &json!({"firstName": name})).await;
        for _ in 0..3 {
            assert_eq!(profile(&app, &pia.access).await["firstName"], name, "round {round}");
        }
        let verified = app.client.post(app.url(&auth_path("/verify-token"))).bearer_auth(&pia.access).send().await;
        assert_eq!(json(verified.unwrap()).await.1["data"]["user"]["firstName"], name, "round {round}, verify-token");
        for reader in readers {
            reader.await.unwrap();
        }
        assert_eq!(profile(&app, &pia.access).await["firstName"], name, "round {round}, after the readers");
    }
}
