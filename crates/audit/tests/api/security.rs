//! Security events and administrators' actions: who did what to whom, and who may read it.

use reqwest::Method;
use serde_json::json;
use testkit::accounts::{self, admin, register};
use testkit::expect_error;

use crate::support::{entries, fail_login, of, spawn};

#[tokio::test]
async fn sign_ins_and_failed_sign_ins_are_recorded_with_their_actor_and_no_address() {
    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    let ann = accounts::login(&app, &ann).await;
    fail_login(&app, "ann@example.com").await;
    fail_login(&app, "nobody@example.com").await;

    let signed_in = of(&app, &boss, "user.logged_in", &ann.id).await;
    assert_eq!(signed_in.len(), 1, "{signed_in:?}");
    let e = &signed_in[0];
    assert_eq!((e["category"].as_str(), e["actorId"].as_str()), (Some("security"), Some(ann.id.as_str())));
    assert_eq!((e["subjectType"].as_str(), e["ip"].as_str()), (Some("user"), Some("127.0.0.1")));
    // The administrator's own sign-in is theirs.
    assert_eq!(of(&app, &boss, "user.logged_in", &boss.id).await[0]["actorId"], boss.id.as_str());

    let failed = of(&app, &boss, "user.login_failed", &ann.id).await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["detail"]["reason"], "bad_password");
    assert_eq!(failed[0]["actorId"], json!(null), "anyone may have tried");
    let unknown = entries(&app, &boss, "action=user.login_failed").await;
    let unknown: Vec<_> = unknown.iter().filter(|e| e["detail"]["reason"] == "unknown_account").collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!((unknown[0]["subjectId"].clone(), unknown[0]["detail"]["userId"].clone()), (json!(null), json!(null)));
    let everything = serde_json::to_string(&entries(&app, &boss, "").await).unwrap();
    for address in ["ann@example.com", "nobody@example.com", "boss@example.com"] {
        assert!(!everything.contains(address), "{address} in the log: {everything}");
    }
}

#[tokio::test]
async fn an_administrators_changes_are_recorded_with_the_administrator_as_actor() {
    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    let path = format!("/api/v1/admin/users/{}/role", ann.id);
    accounts::data(accounts::call(&app, Method::PUT, &boss, &path, Some(&json!({"role": "host"}))).await).await;
    let edit = json!({"firstName": "Anna", "isVerified": true});
    let path = format!("/api/v1/admin/users/{}", ann.id);
    accounts::data(accounts::call(&app, Method::PUT, &boss, &path, Some(&edit)).await).await;
    let r = accounts::call(&app, Method::DELETE, &boss, &path, None).await;
    assert!(r.status().is_success(), "{}", r.status());

    let role = of(&app, &boss, "user.role_changed", &ann.id).await;
    assert_eq!(role.len(), 1, "{role:?}");
    assert_eq!((role[0]["category"].as_str(), role[0]["actorId"].as_str()), (Some("admin"), Some(boss.id.as_str())));
    assert_eq!((role[0]["detail"]["from"].as_str(), role[0]["detail"]["to"].as_str()), (Some("user"), Some("host")));
    let edited = of(&app, &boss, "user.edit", &ann.id).await;
    assert_eq!(edited.len(), 1, "{edited:?}");
    assert_eq!(edited[0]["actorId"], boss.id.as_str());
    assert_eq!(edited[0]["detail"]["fields"], json!(["firstName", "isVerified"]));
    assert!(!edited[0].to_string().contains("Anna"), "names stay out: {}", edited[0]);
    // The erasure: the account's own `user.deleted`, and who did it. The entries stay.
    assert_eq!(of(&app, &boss, "user.delete", &ann.id).await[0]["actorId"], boss.id.as_str());
    assert_eq!(of(&app, &boss, "user.deleted", &ann.id).await.len(), 1);
    let by_boss = entries(&app, &boss, &format!("actorId={}&category=admin", boss.id)).await;
    let actions: Vec<&str> = by_boss.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["user.delete", "user.edit", "user.role_changed"], "newest first");
}

#[tokio::test]
async fn only_administrators_read_the_log() {
    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    for path in ["/api/v1/admin/audit", "/api/v1/admin/audit/verify"] {
        expect_error(app.get(path).await, 401, "unauthorized").await;
        expect_error(accounts::get(&app, &ann, path).await, 403, "forbidden").await;
    }
}
