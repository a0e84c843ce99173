//! GDPR as DreamScape's web client uses it (U20–U28): privacy policy and acceptance, consent
//! with history, export (a bodiless POST) and download, deletion requests, and the request
//! list; ownership; the deletion request completed by an administrator; and the OpenAPI
//! document agreeing with the bodies these routes require.

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{PASSWORD, admin, login_response, register, spawn};

async fn call(app: &TestApp, method: reqwest::Method, token: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    json(app.call(method, Some(token), &format!("/api/v1/users/gdpr{path}"), body).await).await
}

#[tokio::test]
async fn privacy_policy_and_acceptance_as_the_client_uses_them() {
    let app = spawn().await;
    let (status, policy) = json(app.get("/api/v1/users/gdpr/privacy-policy").await).await;
    assert_eq!((status, policy["success"].as_bool()), (200, Some(true)), "anonymous: {policy}");
    let p = &policy["data"];
    for field in ["id", "version", "title", "content", "effectiveAt", "createdAt"] {
        assert!(p[field].is_string(), "{field}: {p}");
    }
    let id = p["id"].as_str().unwrap().to_owned();
    let (status, versions) = json(app.get("/api/v1/users/gdpr/privacy-policy/versions").await).await;
    assert_eq!((status, versions["data"][0]["id"].as_str()), (200, Some(id.as_str())));

    let s = register(&app, "pat@example.com").await;
    let (status, accepted) =
        call(&app, reqwest::Method::POST, &s.access, "/privacy-policy/accept", Some(&json!({"policyId": id}))).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(
        (accepted["success"].as_bool(), accepted["message"].as_str()),
        (Some(true), Some("Policy accepted successfully"))
    );
    let a = &accepted["data"];
    assert_eq!((a["policyId"].as_str(), a["policyVersion"].as_str()), (Some(id.as_str()), p["version"].as_str()));
    assert_eq!(a["userId"], s.user["id"]);
    assert!(a["acceptedAt"].is_string() && a["id"].is_string() && a["ipAddress"].is_string());
    let (status, again) =
        call(&app, reqwest::Method::POST, &s.access, "/privacy-policy/accept", Some(&json!({"policyId": id}))).await;
    assert_eq!((status, again["data"]["id"].clone()), (200, a["id"].clone()), "idempotent");
    let (_, mine) = call(&app, reqwest::Method::GET, &s.access, "/privacy-policy", None).await;
    assert_eq!(mine["data"]["accepted"], true);

    for (body, status, message) in [
        (Some(json!({})), 400, "Policy ID is required"),
        (None, 400, "Policy ID is required"),
        (Some(json!({"policyId": 42})), 400, "Policy ID must be a string"),
        (Some(json!({"policyId": kernel::new_id()})), 404, "Policy not found"),
        (Some(json!({"policyId": "1.0.0"})), 404, "Policy not found"),
    ] {
        let (got, err) = call(&app, reqwest::Method::POST, &s.access, "/privacy-policy/accept", body.as_ref()).await;
        assert_eq!((got, err["error"].as_str()), (status, Some(message)), "{body:?}");
    }
}

#[tokio::test]
async fn consent_as_the_settings_page_uses_it() {
    let app = spawn().await;
    let s = register(&app, "con@example.com").await;
    let (status, consent) = call(&app, reqwest::Method::GET, &s.access, "/consent", None).await;
    assert_eq!(status, 200);
    let c = &consent["data"];
    assert_eq!(c["userId"], s.user["id"]);
    assert!(c["id"].is_string());
    assert_eq!((c["analytics"].as_bool(), c["marketing"].as_bool()), (Some(false), Some(false)), "opt-in");
    assert_eq!((c["functional"].as_bool(), c["preferences"].as_bool()), (Some(true), Some(false)));
    assert_eq!(c["lastUpdatedAt"], Value::Null);

    // The settings toggles and the cookie banner send one key at a time.
    let (status, updated) =
        call(&app, reqwest::Method::PUT, &s.access, "/consent", Some(&json!({"analytics": true}))).await;
    assert_eq!((status, updated["message"].as_str()), (200, Some("Consent updated successfully")), "{updated}");
    assert_eq!(
        (updated["data"]["analytics"].as_bool(), updated["data"]["marketing"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(updated["data"]["lastUpdatedAt"].is_string());
    let (_, updated) =
        call(&app, reqwest::Method::PUT, &s.access, "/consent", Some(&json!({"marketing": true, "functional": false})))
            .await;
    assert_eq!(updated["data"]["functional"], true, "functional is not updatable here");
    for bad in [json!({}), json!({"functional": false}), json!({"analytics": "yes"})] {
        let (status, err) = call(&app, reqwest::Method::PUT, &s.access, "/consent", Some(&bad)).await;
        assert_eq!(status, 400, "{bad}: {err}");
    }

    let (_, history) = call(&app, reqwest::Method::GET, &s.access, "/consent/history", None).await;
    let h = history["data"].as_array().unwrap();
    assert_eq!(h.len(), 2, "{history}");
    assert_eq!((h[0]["analytics"].as_bool(), h[0]["marketing"].as_bool()), (Some(true), Some(true)), "newest first");
    assert_eq!((h[1]["analytics"].as_bool(), h[1]["marketing"].as_bool()), (Some(true), Some(false)));
    for field in ["id", "changedAt", "consentId", "userId"] {
        assert!(h[0][field].is_string(), "{field}");
    }
    assert!(h[0]["preferences"].is_boolean() && h[0].get("changeReason").is_some());

    // Our POST keeps working on the same record.
    let (status, ours) =
        call(&app, reqwest::Method::POST, &s.access, "/consent", Some(&json!({"preferences": true}))).await;
    assert_eq!((status, ours["data"]["preferences"].as_bool()), (200, Some(true)));
}

#[tokio::test]
async fn data_rights_as_the_settings_page_uses_them() {
    let app = spawn().await;
    let s = register(&app, "dee@example.com").await;
    let fav = json!({"entityType": "DESTINATION", "entityId": "reykjavik"});
    assert_eq!(
        crate::favorites::send(&app, reqwest::Method::POST, &s.access, "/favorites", Some(&fav)).await.status(),
        201
    );

    // U25: no body, no Content-Type.
    let response =
        app.client.post(app.url("/api/v1/users/gdpr/data-export")).bearer_auth(&s.access).send().await.unwrap();
    let (status, export) = json(response).await;
    assert_eq!(status, 201, "{export}");
    assert_eq!(
        (export["success"].as_bool(), export["message"].as_str()),
        (Some(true), Some("Data export request created"))
    );
    assert_eq!(
        (export["data"]["requestType"].as_str(), export["data"]["status"].as_str()),
        (Some("DATA_EXPORT"), Some("COMPLETED"))
    );
    let export_id = export["data"]["id"].as_str().unwrap().to_owned();

    // U26.
    let (status, deletion) =
        call(&app, reqwest::Method::POST, &s.access, "/data-deletion", Some(&json!({"reason": "Moving on"}))).await;
    assert_eq!(status, 201, "{deletion}");
    assert_eq!(deletion["message"], "Data deletion request created");
    let d = &deletion["data"];
    assert_eq!(
        (d["requestType"].as_str(), d["status"].as_str(), d["reason"].as_str()),
        (Some("DATA_DELETION"), Some("PENDING"), Some("Moving on"))
    );
    let deletion_id = d["id"].as_str().unwrap().to_owned();
    let response =
        app.client.post(app.url("/api/v1/users/gdpr/data-deletion")).bearer_auth(&s.access).send().await.unwrap();
    assert_eq!(response.status(), 201, "the reason is optional, and so is the body");
    for bad in [json!({"reason": 5}), json!([null]), json!({"reason": "r".repeat(1001)})] {
        let (status, _) = call(&app, reqwest::Method::POST, &s.access, "/data-deletion", Some(&bad)).await;
        assert_eq!(status, 400, "{bad}");
    }

    // U27.
    let (status, list) = call(&app, reqwest::Method::GET, &s.access, "/requests", None).await;
    assert_eq!(status, 200);
    let list = list["data"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    let export_row = list.iter().find(|r| r["id"] == export_id.as_str()).unwrap();
    assert_eq!(export_row["status"], "COMPLETED");
    assert!(export_row["requestedAt"].is_string() && export_row["completedAt"].is_string());
    assert_eq!(export_row["exportData"]["favorites"][0]["entityId"], "reykjavik");
    let (_, one) = call(&app, reqwest::Method::GET, &s.access, &format!("/requests/{deletion_id}"), None).await;
    assert_eq!(one["data"]["status"], "PENDING");

    // U28.
    let response = app
        .client
        .get(app.url(&format!("/api/v1/users/gdpr/data-export/{export_id}/download")))
        .bearer_auth(&s.access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"dreamscape-data-export.json\"");
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc.get("success"), None, "the document itself");
    assert_eq!(doc["user"]["email"], "dee@example.com");
    for key in
        ["profile", "settings", "favorites", "history", "consent", "searches", "policyAcceptances", "priceAlerts"]
    {
        assert!(doc.get(key).is_some(), "{key} missing");
    }
    let (status, err) =
        call(&app, reqwest::Method::GET, &s.access, &format!("/data-export/{deletion_id}/download"), None).await;
    assert_eq!((status, err["error"].as_str()), (400, Some("Export is not completed yet")));
    let (status, _) =
        call(&app, reqwest::Method::GET, &s.access, &format!("/data-export/{}/download", kernel::new_id()), None).await;
    assert_eq!(status, 404);

    let other = register(&app, "eve@example.com").await;
    for path in [
        format!("/requests/{export_id}"),
        format!("/data-export/{export_id}/download"),
        format!("/requests/{export_id}/download"),
    ] {
        let (status, err) = call(&app, reqwest::Method::GET, &other.access, &path, None).await;
        assert_eq!((status, err["error"].as_str()), (403, Some("Access denied")), "{path}");
    }
    let (_, theirs) = call(&app, reqwest::Method::GET, &other.access, "/requests", None).await;
    assert_eq!(theirs["data"], json!([]));
}

#[tokio::test]
async fn an_administrator_completes_a_deletion_request() {
    let app = spawn().await;
    let s = register(&app, "leaving@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    let (_, filed) = call(&app, reqwest::Method::POST, &s.access, "/data-deletion", Some(&json!({}))).await;
    let id = filed["data"]["id"].as_str().unwrap().to_owned();
    let queue = app
        .client
        .get(app.url("/api/v1/admin/gdpr/requests?status=PENDING"))
        .bearer_auth(&boss.access)
        .send()
        .await
        .unwrap();
    let (_, queue) = json(queue).await;
    assert_eq!(queue["data"]["requests"][0]["id"], id.as_str());
    assert_eq!(queue["data"]["requests"][0].get("exportData"), None, "administrators never see archives");

    let done = json!({"status": "COMPLETED", "note": "Done as asked"});
    let response = app
        .client
        .patch(app.url(&format!("/api/v1/admin/gdpr/requests/{id}")))
        .bearer_auth(&boss.access)
        .json(&done)
        .send()
        .await
        .unwrap();
    let (status, handled) = json(response).await;
    assert_eq!(status, 200, "{handled}");
    assert_eq!(handled["data"]["request"]["status"], "COMPLETED");
    expect_error(login_response(&app, "leaving@example.com", PASSWORD).await, 401, "invalid_credentials").await;
    let db = app.platform.db("identity").unwrap();
    let (deleted,): (i64,) =
        platform::db::query("SELECT COUNT(*) FROM users WHERE status = 'deleted'").fetch_one(db).await.unwrap();
    assert_eq!(deleted, 1);
}

#[tokio::test]
async fn the_document_says_which_bodies_are_required() {
    let app = spawn().await;
    let (_, doc) = json(app.get("/api-docs/openapi.json").await).await;
    let body = |path: &str, method: &str| doc["paths"][path][method]["requestBody"].clone();
    let accept = body("/api/v1/users/gdpr/privacy-policy/accept", "post");
    assert_eq!(accept["required"], true, "policyId is required, so is the body: {accept}");
    assert_ne!(body("/api/v1/users/profile", "delete")["required"], true);
    assert_ne!(body("/api/v1/users/gdpr/data-deletion", "post")["required"], true);
    assert!(doc["paths"]["/api/v1/users/gdpr/data-export"]["post"].get("requestBody").is_none(), "no body at all");
    for (path, method) in [
        ("/api/v1/users/history/stats", "get"),
        ("/api/v1/users/favorites/check-batch", "post"),
        ("/api/v1/users/favorites/check/{entityType}/{entityId}", "get"),
        ("/api/v1/users/favorites/{id}", "put"),
        ("/api/v1/users/gdpr/consent", "put"),
        ("/api/v1/users/gdpr/privacy-policy/versions", "get"),
        ("/api/v1/users/gdpr/data-export/{id}/download", "get"),
        ("/api/search-history/recent", "get"),
        ("/api/v1/search-history/recent", "get"),
        ("/api/price-alerts", "post"),
        ("/api/v1/price-alerts/{id}", "patch"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} is documented");
    }
}
