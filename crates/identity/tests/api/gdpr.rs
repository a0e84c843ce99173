//! GDPR through HTTP: consents with history, privacy policy versions and acceptance, export
//! archives with every context's data, erasure everywhere, and the data-access log.

use std::sync::Arc;

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{PASSWORD, Session, admin, fast, login_response, register};

async fn spawn_all() -> TestApp {
    testkit::spawn_with(vec![Arc::new(identity::Identity), Arc::new(notifications::Notifications)], fast).await
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    token: &str,
    path: &str,
    body: Option<&Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().await.unwrap()
}

async fn ok_data(response: reqwest::Response) -> Value {
    let (status, body) = json(response).await;
    assert!(status == 200 || status == 201, "{status}: {body}");
    body["data"].clone()
}

#[tokio::test]
async fn consents_keep_their_history() {
    let app = spawn_all().await;
    let s = register(&app, "gia@example.com").await;
    let current = ok_data(send(&app, reqwest::Method::GET, &s.access, "/api/v1/users/gdpr/consent", None).await).await;
    assert_eq!(current["analytics"], false, "nothing is granted by default");
    assert_eq!(current["marketing"], false);

    let path = "/api/v1/users/gdpr/consent";
    let data = ok_data(
        send(&app, reqwest::Method::POST, &s.access, path, Some(&json!({"analytics": true, "marketing": true}))).await,
    )
    .await;
    assert_eq!(data["analytics"], true);
    let data = ok_data(
        send(&app, reqwest::Method::POST, &s.access, path, Some(&json!({"marketing": false, "analytics": true}))).await,
    )
    .await;
    assert_eq!(data["marketing"], false);
    assert_eq!(data["analytics"], true);
    let history =
        ok_data(send(&app, reqwest::Method::GET, &s.access, "/api/v1/users/gdpr/consent/history", None).await).await;
    let snapshots = history.as_array().unwrap();
    assert_eq!(snapshots.len(), 2, "one snapshot per change: {history}");
    assert_eq!((snapshots[0]["analytics"].as_bool(), snapshots[0]["marketing"].as_bool()), (Some(true), Some(false)));
    assert_eq!((snapshots[1]["analytics"].as_bool(), snapshots[1]["marketing"].as_bool()), (Some(true), Some(true)));
    let unchanged = json!({"marketing": false});
    ok_data(send(&app, reqwest::Method::POST, &s.access, path, Some(&unchanged)).await).await;
    let history =
        ok_data(send(&app, reqwest::Method::GET, &s.access, "/api/v1/users/gdpr/consent/history", None).await).await;
    assert_eq!(history.as_array().unwrap().len(), 2, "an unchanged answer is not a new change");

    let bad = send(&app, reqwest::Method::POST, &s.access, path, Some(&json!({"tracking": true}))).await;
    expect_error(bad, 400, "validation_failed").await;
    let bad = send(&app, reqwest::Method::POST, &s.access, path, Some(&json!({"analytics": "yes"}))).await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn privacy_policy_versions_and_acceptance() {
    let app = spawn_all().await;
    let s = register(&app, "gia@example.com").await;
    let (status, body) = json(app.get("/api/v1/users/gdpr/privacy-policy").await).await;
    assert_eq!(status, 200, "public: {body}");
    let first = body["data"]["id"].as_str().unwrap().to_owned();
    let data =
        ok_data(send(&app, reqwest::Method::GET, &s.access, "/api/v1/users/gdpr/privacy-policy", None).await).await;
    assert_eq!(data["accepted"], false);
    let accept = json!({"policyId": first});
    let accepted = ok_data(
        send(&app, reqwest::Method::POST, &s.access, "/api/v1/users/gdpr/privacy-policy/accept", Some(&accept)).await,
    )
    .await;
    assert_eq!(accepted["policyId"], first.as_str());

    let boss = admin(&app, "boss@example.com").await;
    let new = json!({"version": "2027-01-01", "title": "Policy", "content": "New terms."});
    let denied = send(&app, reqwest::Method::POST, &s.access, "/api/v1/admin/privacy-policies", Some(&new)).await;
    expect_error(denied, 403, "forbidden").await;
    let (status, body) =
        json(send(&app, reqwest::Method::POST, &boss.access, "/api/v1/admin/privacy-policies", Some(&new)).await).await;
    assert_eq!(status, 201, "{body}");
    let again = send(&app, reqwest::Method::POST, &boss.access, "/api/v1/admin/privacy-policies", Some(&new)).await;
    expect_error(again, 409, "version_exists").await;

    let data =
        ok_data(send(&app, reqwest::Method::GET, &s.access, "/api/v1/users/gdpr/privacy-policy", None).await).await;
    assert_eq!(data["version"], "2027-01-01");
    assert_eq!(data["accepted"], false, "a new version needs a new acceptance");
    let versions = ok_data(app.get("/api/v1/users/gdpr/privacy-policy/versions").await).await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[0]["id"], data["id"], "latest first");
}

/// Registers a user with data in identity and notifications.
async fn user_with_data(app: &TestApp) -> Session {
    let s = register(app, "erin@example.com").await;
    let profile = json!({"firstName": "Erin", "lastName": "Quist", "phoneNumber": "+33 6 11 22 33 44", "bio": "Hi"});
    assert_eq!(send(app, reqwest::Method::PUT, &s.access, "/api/v1/users/profile", Some(&profile)).await.status(), 200);
    let fav = json!({"entityType": "DESTINATION", "entityId": "oslo"});
    let day = (chrono::Utc::now().date_naive() + chrono::Duration::days(60)).to_string();
    let alert = json!({"route": "Oslo → Tromsø", "targetPrice": 99, "departureDate": day, "currency": "NOK"});
    assert_eq!(send(app, reqwest::Method::POST, &s.access, "/api/v1/price-alerts", Some(&alert)).await.status(), 201);
    let search = json!({"actionType": "SEARCHED", "entityType": "flight", "entityId": "search-1",
        "metadata": {"query": {"origin": "OSL", "destination": "Svalbard"}}});
    assert_eq!(send(app, reqwest::Method::POST, &s.access, "/api/v1/users/history", Some(&search)).await.status(), 200);
    assert_eq!(send(app, reqwest::Method::POST, &s.access, "/api/v1/users/favorites", Some(&fav)).await.status(), 201);
    app.drain_events().await;
    s
}

#[tokio::test]
async fn export_gathers_every_context_and_is_downloadable_once_logged() {
    let app = spawn_all().await;
    let s = user_with_data(&app).await;
    let request = json!({"type": "DATA_EXPORT"});
    let data =
        ok_data(send(&app, reqwest::Method::POST, &s.access, "/api/v1/users/gdpr/request", Some(&request)).await).await;
    assert_eq!(data["request"]["status"], "COMPLETED");
    assert_eq!(data["request"]["downloadable"], true);
    let id = data["request"]["id"].as_str().unwrap().to_owned();

    let response =
        send(&app, reqwest::Method::GET, &s.access, &format!("/api/v1/users/gdpr/requests/{id}/download"), None).await;
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let archive: Value = response.json().await.unwrap();
    assert_eq!(archive["user"]["email"], "erin@example.com");
    assert_eq!(archive["user"]["lastName"], "Quist");
    assert_eq!(archive["favorites"][0]["entityId"], "oslo");
    assert_eq!(archive["priceAlerts"][0]["route"], "Oslo → Tromsø");
    assert_eq!(archive["history"][0]["entityType"], "destination", "the favourite, newest");
    assert_eq!(archive["searches"][0]["destination"], "Svalbard");
    assert!(!archive["contexts"]["identity"]["sessions"].as_array().unwrap().is_empty());
    let inbox = &archive["contexts"]["notifications"]["notifications"];
    assert!(inbox.as_array().unwrap().iter().any(|n| n["type"] == "welcome"), "{inbox}");
    assert!(!archive.to_string().contains("argon2"), "no password hash in the archive");

    let requests =
        ok_data(send(&app, reqwest::Method::GET, &s.access, "/api/v1/users/gdpr/requests", None).await).await;
    assert_eq!(requests[0]["requestType"], "DATA_EXPORT");
    let log = ok_data(send(&app, reqwest::Method::GET, &s.access, "/api/v1/users/gdpr/access-log", None).await).await;
    let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"export_generated") && actions.contains(&"export_downloaded"), "{actions:?}");

    // Nobody else can read it.
    let other = register(&app, "eve@example.com").await;
    let theirs =
        send(&app, reqwest::Method::GET, &other.access, &format!("/api/v1/users/gdpr/requests/{id}/download"), None)
            .await;
    expect_error(theirs, 403, "forbidden").await;
    let bad = send(
        &app,
        reqwest::Method::POST,
        &s.access,
        "/api/v1/users/gdpr/request",
        Some(&json!({"type": "EVERYTHING"})),
    )
    .await;
    expect_error(bad, 400, "validation_failed").await;
}

/// Every text value in every table of every context database, as one string.
async fn all_stored_text(app: &TestApp) -> String {
    let mut text = String::new();
    for name in ["identity", "notifications"] {
        let db = app.platform.db(name).unwrap();
        let tables: Vec<String> = match db.dialect() {
            platform::db::Dialect::Sqlite => {
                let rows: Vec<(String,)> = platform::db::query(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(db)
                .await
                .unwrap();
                rows.into_iter().map(|(t,)| t).collect()
            }
            platform::db::Dialect::Postgres => {
                let rows: Vec<(String,)> = platform::db::query(
                    "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
                )
                .fetch_all(db)
                .await
                .unwrap();
                rows.into_iter().map(|(t,)| t).collect()
            }
        };
        for table in tables {
            let sqls: Vec<String> = match db.dialect() {
                platform::db::Dialect::Sqlite => {
                    let cols: Vec<(String,)> =
                        platform::db::query_dynamic(format!("SELECT name FROM pragma_table_info('{table}')"))
                            .fetch_all(db)
                            .await
                            .unwrap();
                    cols.into_iter()
                        .map(|(c,)| format!("SELECT group_concat(CAST(\"{c}\" AS TEXT), '|') FROM \"{table}\""))
                        .collect()
                }
                platform::db::Dialect::Postgres => vec![format!("SELECT json_agg(t)::text FROM \"{table}\" t")],
            };
            for sql in sqls {
                // Binary columns (ids, hashes) are not text: skip what does not decode.
                if let Ok((dump,)) = platform::db::query_dynamic(sql).fetch_one::<(Option<String>,)>(db).await {
                    text.push_str(&dump.unwrap_or_default());
                    text.push('\n');
                }
            }
        }
    }
    text
}

#[tokio::test]
async fn deletion_erases_personal_data_everywhere() {
    let app = spawn_all().await;
    let s = user_with_data(&app).await;
    let before = all_stored_text(&app).await;
    assert!(before.contains("erin@example.com") && before.contains("Quist"), "the dump sees the data");

    let (status, body) =
        json(send(&app, reqwest::Method::DELETE, &s.access, "/api/v1/users/profile", None).await).await;
    assert_eq!(status, 200, "a fresh session may delete without the password: {body}");
    app.drain_events().await;

    let after = all_stored_text(&app).await;
    for personal in ["erin@example.com", "Erin", "Quist", "+33 6 11 22 33 44", "oslo", "Tromsø", "Svalbard"] {
        assert!(!after.contains(personal), "{personal} is still stored somewhere");
    }
    assert_eq!(send(&app, reqwest::Method::GET, &s.access, "/api/v1/users/profile", None).await.status(), 401);
    expect_error(login_response(&app, "erin@example.com", PASSWORD).await, 401, "invalid_credentials").await;
    // The address is free again.
    register(&app, "erin@example.com").await;
}

#[tokio::test]
async fn deletion_with_an_old_session_needs_the_password() {
    let clocked = crate::support::spawn_clocked().await;
    let app = &clocked.app;
    let s = register(app, "old@example.com").await;
    clocked.advance(chrono::Duration::minutes(11));
    let refreshed = crate::support::refresh(app, &s.refresh).await;
    let body: Value = refreshed.json().await.unwrap();
    let access = body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let without = send(app, reqwest::Method::DELETE, &access, "/api/v1/users/profile", None).await;
    expect_error(without, 403, "reauthentication_required").await;
    let wrong =
        send(app, reqwest::Method::DELETE, &access, "/api/v1/users/profile", Some(&json!({"password": "Nope-1234!"})))
            .await;
    expect_error(wrong, 401, "invalid_credentials").await;
    let right =
        send(app, reqwest::Method::DELETE, &access, "/api/v1/users/profile", Some(&json!({"password": PASSWORD})))
            .await;
    assert_eq!(right.status(), 200);
}

#[tokio::test]
async fn administrators_handle_rectification_requests() {
    let app = spawn_all().await;
    let s = register(&app, "rec@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    let body = json!({"type": "DATA_RECTIFICATION", "reason": "My birth date is wrong"});
    let filed =
        ok_data(send(&app, reqwest::Method::POST, &s.access, "/api/v1/users/gdpr/request", Some(&body)).await).await;
    assert_eq!(filed["request"]["status"], "PENDING");
    let id = filed["request"]["id"].as_str().unwrap().to_owned();

    expect_error(
        send(&app, reqwest::Method::GET, &s.access, "/api/v1/admin/gdpr/requests", None).await,
        403,
        "forbidden",
    )
    .await;
    let queue = ok_data(
        send(&app, reqwest::Method::GET, &boss.access, "/api/v1/admin/gdpr/requests?status=received", None).await,
    )
    .await;
    assert_eq!(queue["pagination"]["total"], 1);
    assert_eq!(queue["requests"][0]["userId"], s.user["id"]);

    let path = format!("/api/v1/admin/gdpr/requests/{id}");
    let bad = send(&app, reqwest::Method::PATCH, &boss.access, &path, Some(&json!({"status": "lost"}))).await;
    expect_error(bad, 400, "validation_failed").await;
    let done = json!({"status": "completed", "note": "Corrected to 1990-04-12"});
    let handled = ok_data(send(&app, reqwest::Method::PATCH, &boss.access, &path, Some(&done)).await).await;
    assert_eq!(handled["request"]["status"], "COMPLETED");
    assert!(handled["request"]["completedAt"].is_string());

    let mine =
        ok_data(send(&app, reqwest::Method::GET, &s.access, &format!("/api/v1/users/gdpr/requests/{id}"), None).await)
            .await;
    assert_eq!(mine["notes"], "Corrected to 1990-04-12");
    assert_eq!(mine["reason"], "My birth date is wrong", "the user's words are kept");
    let log = ok_data(send(&app, reqwest::Method::GET, &s.access, "/api/v1/users/gdpr/access-log", None).await).await;
    assert!(
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "request_handled" && e["actorId"] == boss.user["id"])
    );
    let unknown = send(
        &app,
        reqwest::Method::PATCH,
        &boss.access,
        &format!("/api/v1/admin/gdpr/requests/{}", kernel::new_id()),
        Some(&done),
    )
    .await;
    expect_error(unknown, 404, "not_found").await;
}

#[tokio::test]
async fn deleted_accounts_stay_deleted_and_archives_expire() {
    let clocked = crate::support::spawn_clocked().await;
    let app = &clocked.app;
    admin(app, "boss@example.com").await;
    let s = register(app, "gone@example.com").await;
    let export = json!({"type": "DATA_EXPORT"});
    let filed =
        ok_data(send(app, reqwest::Method::POST, &s.access, "/api/v1/users/gdpr/request", Some(&export)).await).await;
    let id = filed["request"]["id"].as_str().unwrap().to_owned();

    // Eight days later the archive is gone (and housekeeping drops it from the database).
    clocked.advance(chrono::Duration::days(8));
    let boss = crate::support::login(app, "boss@example.com", PASSWORD).await.access;
    let user = crate::support::login(app, "gone@example.com", PASSWORD).await;
    let late =
        send(app, reqwest::Method::GET, &user.access, &format!("/api/v1/users/gdpr/requests/{id}/download"), None)
            .await;
    expect_error(late, 404, "archive_unavailable").await;
    let db = app.platform.db("identity").unwrap();
    identity::service::janitor::sweep(db, kernel::Clock::now(clocked.clock.as_ref())).await.unwrap();
    let (kept,): (i64,) =
        platform::db::query("SELECT COUNT(*) FROM gdpr_requests WHERE result IS NOT NULL").fetch_one(db).await.unwrap();
    assert_eq!(kept, 0);

    assert_eq!(send(app, reqwest::Method::DELETE, &user.access, "/api/v1/users/profile", None).await.status(), 200);
    let path = format!("/api/v1/admin/users/{}/unsuspend", s.user_id());
    expect_error(send(app, reqwest::Method::POST, &boss, &path, Some(&json!({}))).await, 409, "account_deleted").await;
    let role = format!("/api/v1/admin/users/{}/role", s.user_id());
    expect_error(
        send(app, reqwest::Method::PUT, &boss, &role, Some(&json!({"role": "admin"}))).await,
        409,
        "account_deleted",
    )
    .await;
}

#[tokio::test]
async fn a_pending_phone_verification_is_exported_without_its_code_then_erased() {
    let app = spawn_all().await;
    let s = register(&app, "pia@example.com").await;
    let ask = json!({"phoneNumber": "+47 912 34 567"});
    let response = send(&app, reqwest::Method::POST, &s.access, "/api/v1/users/profile/phone/verification", Some(&ask));
    assert_eq!(response.await.status(), 202);
    app.drain_events().await;

    let request = json!({"type": "DATA_EXPORT"});
    let data =
        ok_data(send(&app, reqwest::Method::POST, &s.access, "/api/v1/users/gdpr/request", Some(&request)).await).await;
    let id = data["request"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/users/gdpr/requests/{id}/download");
    let archive: Value = send(&app, reqwest::Method::GET, &s.access, &path, None).await.json().await.unwrap();
    let pending = &archive["contexts"]["identity"]["phoneVerification"];
    assert_eq!(pending["phoneNumber"], "+4791234567", "{archive}");
    let mut keys: Vec<&str> = pending.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["attempts", "createdAt", "expiresAt", "phoneNumber"], "never the code");

    let (status, body) =
        json(send(&app, reqwest::Method::DELETE, &s.access, "/api/v1/users/profile", None).await).await;
    assert_eq!(status, 200, "{body}");
    app.drain_events().await;
    let db = app.platform.db("identity").unwrap();
    let (n,): (i64,) = platform::db::query("SELECT COUNT(*) FROM phone_verifications").fetch_one(db).await.unwrap();
    assert_eq!(n, 0);
    assert!(!all_stored_text(&app).await.contains("4791234567"), "the number is stored somewhere still");
}
