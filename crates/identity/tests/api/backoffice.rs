//! DreamScape's admin user screens (WEB-CLIENT rows M5–M12), replayed as its client sends
//! them: the list with its filters and sorts, the CSV export, one user and their activity,
//! edits, suspension and reactivation (no body), deletion; and a 403 for anyone but an
//! administrator on every admin route.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{PASSWORD, Session, admin, login_response, profile_status, register, spawn, spawn_clocked};

pub async fn call(app: &TestApp, method: Method, token: &str, path: &str, body: Option<&Value>) -> reqwest::Response {
    app.call(method, Some(token), path, body).await
}

/// `body.data` of a 200.
pub async fn data(response: reqwest::Response) -> Value {
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true, "{body}");
    body["data"].clone()
}

pub async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    data(call(app, Method::GET, token, path, None).await).await
}

/// Records a search in the user's history, as the web client does.
pub async fn record_search(app: &TestApp, token: &str) {
    let body = json!({"actionType": "SEARCHED", "entityType": "search", "entityId": "search-1", "metadata": {"query": "Paris"}});
    let response = call(app, Method::POST, token, "/api/v1/users/history", Some(&body)).await;
    assert!(response.status().is_success(), "{}", response.text().await.unwrap());
}

async fn add_favorite(app: &TestApp, token: &str) {
    let body = json!({"entityType": "HOTEL", "entityId": "HT-1"});
    let response = call(app, Method::POST, token, "/api/v1/users/favorites", Some(&body)).await;
    assert!(response.status().is_success(), "{}", response.text().await.unwrap());
}

fn emails(list: &Value) -> Vec<String> {
    list["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap().to_owned()).collect()
}

fn user_path(user: &Session, suffix: &str) -> String {
    format!("/api/v1/admin/users/{}{suffix}", user.user_id())
}

#[tokio::test]
async fn the_list_detail_and_activity_read_dreamscape_shapes() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    let alice = register(&app, "alice@example.com").await;
    let hugo = register(&app, "hugo@example.com").await;
    record_search(&app, &alice.access).await;
    add_favorite(&app, &alice.access).await;
    let promote = json!({"role": "host"});
    data(call(&app, Method::PUT, &boss.access, &user_path(&hugo, "/role"), Some(&promote)).await).await;

    // M5: what the users screen asks first.
    let list = get(&app, &boss.access, "/api/v1/admin/users?page=1&limit=50").await;
    assert_eq!(list["pagination"], json!({"page": 1, "limit": 50, "total": 3, "totalPages": 1, "offset": 0}));
    let a = list["users"].as_array().unwrap().iter().find(|u| u["email"] == "alice@example.com").unwrap().clone();
    for (field, value) in [
        ("role", json!("USER")),
        ("isVerified", json!(false)),
        ("userCategory", json!("LEISURE")),
        ("onboardingCompleted", json!(false)),
        ("isSuspended", json!(false)),
        ("suspendedAt", Value::Null),
        ("suspendedReason", Value::Null),
        ("_count", json!({"searches": 1, "favorites": 1, "notifications": null})),
        ("bookingsCount", json!(0)),
        ("revenueGenerated", json!(0.0)),
        ("id", json!(alice.user_id())),
    ] {
        assert_eq!(a[field], value, "{field}: {a}");
    }
    for field in ["username", "firstName", "lastName"] {
        assert!(a.get(field).is_some(), "{field}: {a}");
    }
    for field in ["createdAt", "updatedAt", "lastLoginAt"] {
        assert!(a[field].is_string(), "{field}: {a}");
    }

    // Roles in DreamScape's spelling: a host is a USER (with isHost); MODERATOR is nobody.
    let roles = |q: &str| format!("/api/v1/admin/users?role={q}");
    let users = get(&app, &boss.access, &roles("USER")).await;
    assert_eq!(users["pagination"]["total"], 2);
    assert!(users["users"].as_array().unwrap().iter().any(|u| u["isHost"] == true && u["role"] == "USER"));
    assert_eq!(emails(&get(&app, &boss.access, &roles("ADMIN")).await), ["boss@example.com"]);
    assert_eq!(get(&app, &boss.access, &roles("MODERATOR")).await["pagination"]["total"], 0);
    assert_eq!(get(&app, &boss.access, &roles("user")).await["pagination"]["total"], 1, "ours: users without hosts");

    // Sorting from an allow-list; anything else is a 400, not DreamScape's 500.
    let sorted = get(&app, &boss.access, "/api/v1/admin/users?sortBy=email&sortOrder=asc").await;
    assert_eq!(emails(&sorted), ["alice@example.com", "boss@example.com", "hugo@example.com"]);
    let by_login = get(&app, &boss.access, "/api/v1/admin/users?sortBy=lastLoginAt&sortOrder=desc").await;
    assert_eq!(by_login["users"].as_array().unwrap().len(), 3);
    let bad = call(
        &app,
        Method::GET,
        &boss.access,
        "/api/v1/admin/users?sortBy=passwordHash&sortOrder=sideways&page=0",
        None,
    )
    .await;
    let body = expect_error(bad, 400, "validation_failed").await;
    let mut fields: Vec<&str> =
        body["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["page", "sortBy", "sortOrder"], "{body}");
    let page_two = get(&app, &boss.access, "/api/v1/admin/users?page=2&limit=2&sortBy=email&sortOrder=asc").await;
    assert_eq!(emails(&page_two), ["hugo@example.com"]);
    assert_eq!(page_two["pagination"]["totalPages"], 2);
    assert_eq!(emails(&get(&app, &boss.access, "/api/v1/admin/users?search=ALI").await), ["alice@example.com"]);

    // M7: one user.
    let one = get(&app, &boss.access, &user_path(&alice, "")).await;
    // Adding a favourite is history too.
    assert_eq!(one["_count"], json!({"searches": 1, "favorites": 1, "history": 2, "notifications": null}), "{one}");
    for field in ["phoneNumber", "dateOfBirth", "nationality", "onboardingCompletedAt"] {
        assert!(one.get(field).is_some_and(Value::is_null), "{field}: {one}");
    }
    // What the traveller gives in their profile shows in the detail.
    let given = json!({"nationality": "French"});
    let put = call(&app, Method::PUT, &alice.access, "/api/v1/auth/profile", Some(&given)).await;
    assert_eq!(put.status().as_u16(), 200);
    assert_eq!(get(&app, &boss.access, &user_path(&alice, "")).await["nationality"], "French");
    assert_eq!((one["bookingsCount"].clone(), one["revenueGenerated"].clone()), (json!(0), json!(0.0)));
    expect_error(call(&app, Method::GET, &boss.access, "/api/v1/admin/users/not-an-id", None).await, 404, "not_found")
        .await;
    let unknown = format!("/api/v1/admin/users/{}", kernel::new_id());
    expect_error(call(&app, Method::GET, &boss.access, &unknown, None).await, 404, "not_found").await;

    // M12: the activity, as the detail screen pages it.
    let activity = get(&app, &boss.access, &user_path(&alice, "/activity?page=1&limit=20")).await;
    let items = activity["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{activity}");
    let search = items.iter().find(|i| i["label"] == "Search").unwrap();
    assert!(search["id"].as_str().unwrap().starts_with("history-"));
    assert_eq!(search["type"], "history");
    assert!(search["detail"].is_string() && search["createdAt"].is_string());
    assert!(items.iter().any(|i| i["label"] == "Added to favourites" && i["detail"] == "hotel HT-1"), "{activity}");
    assert_eq!(
        (activity["pagination"]["page"].clone(), activity["pagination"]["totalPages"].clone()),
        (json!(1), json!(1))
    );
    let bad = call(&app, Method::GET, &boss.access, &user_path(&alice, "/activity?limit=101"), None).await;
    expect_error(bad, 400, "validation_failed").await;
}

#[tokio::test]
async fn created_between_dates() {
    let clocked = spawn_clocked().await;
    let app = &clocked.app;
    admin(app, "boss@example.com").await;
    let start = kernel::Clock::now(clocked.clock.as_ref());
    let day = |offset: i64| (start + chrono::Duration::days(offset)).format("%Y-%m-%d").to_string();
    clocked.advance(chrono::Duration::days(3));
    register(app, "late@example.com").await;
    let boss = crate::support::login(app, "boss@example.com", PASSWORD).await;
    let path = format!("/api/v1/admin/users?startDate={}&endDate={}", day(2), day(4));
    assert_eq!(emails(&get(app, &boss.access, &path).await), ["late@example.com"]);
    let path = format!("/api/v1/admin/users?endDate={}", day(0));
    assert_eq!(emails(&get(app, &boss.access, &path).await), ["boss@example.com"], "the end day is included");
    let bad = call(app, Method::GET, &boss.access, "/api/v1/admin/users?startDate=yesterday", None).await;
    expect_error(bad, 400, "validation_failed").await;
}

#[tokio::test]
async fn admins_edit_suspend_reactivate_and_delete() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    let max = register(&app, "max@example.com").await;
    let path = user_path(&max, "");

    // M8: the edit form.
    let edit = json!({"firstName": "Max", "lastName": "Weber", "email": "max.weber@example.com", "role": "ADMIN",
                      "isVerified": true, "userCategory": "BUSINESS"});
    let edited = data(call(&app, Method::PUT, &boss.access, &path, Some(&edit)).await).await;
    for (field, value) in
        [("firstName", "Max"), ("email", "max.weber@example.com"), ("role", "ADMIN"), ("userCategory", "BUSINESS")]
    {
        assert_eq!(edited[field], value, "{edited}");
    }
    assert_eq!((edited["isVerified"].clone(), edited["isSuspended"].clone()), (json!(true), json!(false)));
    assert!(edited["updatedAt"].is_string() && edited["username"].is_null());
    let back = data(call(&app, Method::PUT, &boss.access, &path, Some(&json!({"role": "USER"}))).await).await;
    assert_eq!(back["role"], "USER");
    let moderator = call(&app, Method::PUT, &boss.access, &path, Some(&json!({"role": "MODERATOR"}))).await;
    let body = expect_error(moderator, 400, "validation_failed").await;
    assert!(body["details"][0]["message"].as_str().unwrap().contains("MODERATOR does not exist"), "{body}");
    let bad = json!({"role": "KING", "userCategory": "CASUAL", "email": "nope", "firstName": "<b>"});
    let body =
        expect_error(call(&app, Method::PUT, &boss.access, &path, Some(&bad)).await, 400, "validation_failed").await;
    assert_eq!(body["details"].as_array().unwrap().len(), 4, "every bad field at once: {body}");
    let taken = json!({"email": "boss@example.com"});
    expect_error(call(&app, Method::PUT, &boss.access, &path, Some(&taken)).await, 409, "email_taken").await;
    let own = user_path(&boss, "");
    expect_error(
        call(&app, Method::PUT, &boss.access, &own, Some(&json!({"role": "USER"}))).await,
        400,
        "validation_failed",
    )
    .await;
    let same = json!({"role": "ADMIN", "firstName": "Boss"});
    assert_eq!(data(call(&app, Method::PUT, &boss.access, &own, Some(&same)).await).await["firstName"], "Boss");

    // M10: suspension, which signs the user out at once.
    let max = crate::support::login(&app, "max.weber@example.com", PASSWORD).await;
    let suspend = user_path(&max, "/suspend");
    let done = data(call(&app, Method::PUT, &boss.access, &suspend, Some(&json!({"reason": "spam"}))).await).await;
    assert_eq!((done["isSuspended"].clone(), done["suspendedReason"].clone()), (json!(true), json!("spam")));
    assert!(done["suspendedAt"].is_string(), "{done}");
    assert_eq!(profile_status(&app, &max.access).await, 401);
    expect_error(login_response(&app, "max.weber@example.com", PASSWORD).await, 401, "account_suspended").await;
    expect_error(call(&app, Method::PUT, &boss.access, &suspend, Some(&json!({}))).await, 409, "already_suspended")
        .await;
    let own_suspend = user_path(&boss, "/suspend");
    expect_error(call(&app, Method::PUT, &boss.access, &own_suspend, Some(&json!({}))).await, 400, "bad_request").await;
    let listed = get(&app, &boss.access, "/api/v1/admin/users?status=suspended").await;
    assert_eq!(emails(&listed), ["max.weber@example.com"]);

    // M11: reactivation, sent without a body.
    let reactivate = user_path(&max, "/reactivate");
    let done = data(call(&app, Method::PUT, &boss.access, &reactivate, None).await).await;
    assert_eq!((done["isSuspended"].clone(), done["suspendedAt"].clone()), (json!(false), Value::Null));
    expect_error(call(&app, Method::PUT, &boss.access, &reactivate, None).await, 409, "not_suspended").await;
    // A ban (ours) reads as a suspension and is lifted the same way.
    let ban = json!({"status": "banned", "reason": "fraud"});
    data(call(&app, Method::PATCH, &boss.access, &user_path(&max, "/status"), Some(&ban)).await).await;
    assert_eq!(get(&app, &boss.access, &path).await["isSuspended"], true);
    assert_eq!(data(call(&app, Method::PUT, &boss.access, &reactivate, None).await).await["status"], "active");
    // Our POST suspension on the same path keeps its own shape.
    let ours =
        call(&app, Method::POST, &boss.access, &suspend, Some(&json!({"reason": "check", "duration": "1d"}))).await;
    assert_eq!(data(ours).await["user"]["status"], "suspended");
    data(call(&app, Method::PUT, &boss.access, &reactivate, None).await).await;

    // M9: deletion erases the account through the usual erasure.
    expect_error(call(&app, Method::DELETE, &boss.access, &own, None).await, 400, "bad_request").await;
    let deleted = data(call(&app, Method::DELETE, &boss.access, &path, None).await).await;
    assert_eq!(deleted, json!({"id": max.user_id()}));
    expect_error(login_response(&app, "max.weber@example.com", PASSWORD).await, 401, "invalid_credentials").await;
    assert_eq!(emails(&get(&app, &boss.access, "/api/v1/admin/users").await), ["boss@example.com"]);
    assert_eq!(get(&app, &boss.access, "/api/v1/admin/users?status=deleted").await["pagination"]["total"], 1);
    expect_error(call(&app, Method::DELETE, &boss.access, &path, None).await, 404, "not_found").await;
    let db = app.platform.db("identity").unwrap();
    let (events,): (i64,) = platform::db::query("SELECT COUNT(*) FROM outbox WHERE event_type = 'user.deleted'")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(events, 1, "other contexts hear of it");
}

#[tokio::test]
async fn the_export_is_csv_with_the_filters() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    let tricky = register(&app, "=cmd@example.com").await;
    let names = json!({"firstName": "Doe, \"J\"", "lastName": "-2+3"});
    data(call(&app, Method::PUT, &boss.access, &user_path(&tricky, ""), Some(&names)).await).await;
    let plain = register(&app, "plain@example.com").await;

    let response = call(&app, Method::GET, &boss.access, "/api/v1/admin/users/export", None).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(response.headers()["content-disposition"], "attachment; filename=\"users-export.csv\"");
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,email,firstName,lastName,role,isVerified,isSuspended,createdAt,lastLoginAt,bookingsCount,revenueGenerated"
    );
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[1].starts_with(&format!("{},plain@example.com,,,USER,false,false,", plain.user_id())),
        "newest first: {csv}"
    );
    let row = format!("{},'=cmd@example.com,\"Doe, \"\"J\"\"\",'-2+3,USER,false,false,", tricky.user_id());
    assert!(lines[2].starts_with(&row), "quoted and defused: {}", lines[2]);
    assert!(lines[2].ends_with(",0,0"), "{}", lines[2]);

    // The filters and the selection the client sends (ids comma-joined).
    let admins = call(&app, Method::GET, &boss.access, "/api/v1/admin/users/export?role=ADMIN", None).await;
    let admins = admins.text().await.unwrap();
    assert_eq!(admins.lines().count(), 2);
    assert!(admins.contains("boss@example.com"));
    let ids = format!("/api/v1/admin/users/export?ids={},{}", plain.user_id(), boss.user_id());
    let selected = call(&app, Method::GET, &boss.access, &ids, None).await.text().await.unwrap();
    assert_eq!(selected.lines().count(), 3);
    assert!(!selected.contains("cmd@example.com"));
    let bad = call(&app, Method::GET, &boss.access, "/api/v1/admin/users/export?ids=1,2", None).await;
    expect_error(bad, 400, "validation_failed").await;
}

#[tokio::test]
async fn every_admin_route_is_for_administrators_only() {
    let app = spawn().await;
    let user = register(&app, "user@example.com").await;
    let id = user.user_id();
    let routes = [
        (Method::GET, "/api/v1/admin/dashboard/recent-transactions?limit=10".to_owned()),
        (Method::GET, "/api/v1/admin/users".to_owned()),
        (Method::GET, "/api/v1/admin/users/export".to_owned()),
        (Method::GET, format!("/api/v1/admin/users/{id}")),
        (Method::PUT, format!("/api/v1/admin/users/{id}")),
        (Method::DELETE, format!("/api/v1/admin/users/{id}")),
        (Method::PUT, format!("/api/v1/admin/users/{id}/suspend")),
        (Method::PUT, format!("/api/v1/admin/users/{id}/reactivate")),
        (Method::GET, format!("/api/v1/admin/users/{id}/activity")),
    ];
    for (method, path) in &routes {
        let body = (*method == Method::PUT).then(|| json!({}));
        let response = call(&app, method.clone(), &user.access, path, body.as_ref()).await;
        expect_error(response, 403, "forbidden").await;
        let anonymous = app.client.request(method.clone(), app.url(path)).send().await.unwrap();
        expect_error(anonymous, 401, "unauthorized").await;
    }
    assert_eq!(profile_status(&app, &user.access).await, 200, "nothing happened to the account");
}
