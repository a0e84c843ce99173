//! DreamScape's auth routes as its web client calls them (A1–A3) and as ROUTES.md describes
//! them: DreamScape's role spelling, token lifetimes, statuses and messages; the HttpOnly
//! access cookie; no test utilities.

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{PASSWORD, admin, auth_path, cookie_attributes, login, login_response, post, register, spawn};

/// The `Set-Cookie` header that sets `accessToken`, if any.
fn access_set_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.trim_start().starts_with("accessToken="))
        .map(str::to_owned)
}

fn cookie_value(header: &str) -> String {
    header.split(';').next().and_then(|p| p.trim().strip_prefix("accessToken=")).unwrap_or_default().to_owned()
}

async fn with_cookie(app: &TestApp, method: reqwest::Method, path: &str, token: &str) -> reqwest::Response {
    let request = app.client.request(method, app.url(path)).header("cookie", format!("accessToken={token}"));
    request.send().await.unwrap()
}

#[tokio::test]
async fn the_web_clients_sign_up_sign_in_and_boot_check() {
    let app = spawn().await;
    // A1: the single name field split at the first space; `lastName` may be "".
    let signup = json!({"email": "Solo@Example.com", "password": PASSWORD, "firstName": "Solo", "lastName": ""});
    let response = post(&app, "/register", &signup).await;
    let cookie = access_set_cookie(&response).expect("an accessToken cookie");
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["success"], true);
    assert_eq!(body["message"], "Account created successfully");
    let user = &body["data"]["user"];
    for field in ["id", "email", "role", "isVerified", "onboardingCompleted", "createdAt", "updatedAt"] {
        assert!(!user[field].is_null(), "{field} in {user}");
    }
    for field in ["username", "lastName", "onboardingCompletedAt"] {
        assert!(user.get(field).is_some(), "{field} in {user}");
    }
    assert_eq!((&user["firstName"], &user["lastName"]), (&json!("Solo"), &Value::Null));
    assert_eq!(
        (&user["role"], &user["isVerified"], &user["isSuspended"]),
        (&json!("USER"), &json!(false), &json!(false))
    );
    let tokens = &body["data"]["tokens"];
    assert_eq!((&tokens["accessTokenExpiresIn"], &tokens["refreshTokenExpiresIn"]), (&json!("15m"), &json!("7d")));
    assert_eq!(cookie_value(&cookie), tokens["accessToken"].as_str().unwrap());
    let attributes = cookie_attributes(&cookie);
    for expected in ["httponly", "samesite=strict", "path=/", "max-age=900"] {
        assert!(attributes.iter().any(|a| a == expected), "{expected} missing in {cookie}");
    }
    expect_error(post(&app, "/register", &signup).await, 409, "email_taken").await;

    // A2, then A3 with the stored token and the body `{}`.
    let response = login_response(&app, "solo@example.com", PASSWORD).await;
    assert!(access_set_cookie(&response).is_some());
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Login successful");
    let access = body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let verify = app.client.post(app.url(&auth_path("/verify-token"))).bearer_auth(&access).json(&json!({})).send();
    let (status, body) = json(verify.await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((&body["success"], &body["message"]), (&json!(true), &json!("Token is valid")));
    assert_eq!(body["data"]["user"]["email"], "solo@example.com");

    let remembered = json!({"email": "solo@example.com", "password": PASSWORD, "rememberMe": true});
    let (_, body) = json(post(&app, "/login", &remembered).await).await;
    assert_eq!(body["data"]["tokens"]["refreshTokenExpiresIn"], "30d");
    expect_error(login_response(&app, "solo@example.com", "Wrong-pass1").await, 401, "invalid_credentials").await;
}

#[tokio::test]
async fn administrators_read_admin_and_hosts_keep_their_flag() {
    let app = spawn().await;
    let boss = admin(&app, "boss@example.com").await;
    assert_eq!(boss.user["role"], "ADMIN", "the web client opens its admin screens on ADMIN");
    let db = app.platform.db("identity").unwrap();
    register(&app, "host@example.com").await;
    platform::db::query("UPDATE users SET role = 'host' WHERE email = 'host@example.com'").execute(db).await.unwrap();
    let host = login(&app, "host@example.com", PASSWORD).await;
    assert_eq!((&host.user["role"], &host.user["isHost"]), (&json!("USER"), &json!(true)));
}

#[tokio::test]
async fn the_access_cookie_is_set_renewed_and_cleared() {
    let app = spawn().await;
    let s = register(&app, "jar@example.com").await;
    let profile = "/api/v1/users/profile";
    assert_eq!(with_cookie(&app, reqwest::Method::GET, profile, &s.access).await.status(), 200);
    assert_eq!(with_cookie(&app, reqwest::Method::GET, &auth_path("/profile"), &s.access).await.status(), 200);

    // Refresh renews it.
    let response = app
        .client
        .post(app.url(&auth_path("/refresh")))
        .header("cookie", format!("refreshToken={}", s.refresh))
        .send()
        .await
        .unwrap();
    let renewed = cookie_value(&access_set_cookie(&response).expect("renewed on refresh"));
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Tokens refreshed successfully");
    assert_eq!(renewed, body["data"]["tokens"]["accessToken"].as_str().unwrap());

    // Logout with only the cookie ends the session and clears both cookies.
    let response = with_cookie(&app, reqwest::Method::POST, &auth_path("/logout"), &renewed).await;
    let cleared = access_set_cookie(&response).expect("cleared on logout");
    assert!(cookie_attributes(&cleared).contains(&"max-age=0".to_owned()), "{cleared}");
    assert_eq!(cookie_value(&cleared), "");
    let (status, body) = json(response).await;
    assert_eq!((status, &body["message"]), (200, &json!("Logged out successfully")));
    expect_error(with_cookie(&app, reqwest::Method::GET, profile, &renewed).await, 401, "token_revoked").await;

    // Logout-all and change-password clear them too.
    let t = login(&app, "jar@example.com", PASSWORD).await;
    let response = app.client.post(app.url(&auth_path("/logout-all"))).bearer_auth(&t.access).send().await.unwrap();
    assert!(access_set_cookie(&response).is_some_and(|c| c.contains("Max-Age=0")));
    let t = login(&app, "jar@example.com", PASSWORD).await;
    let change = json!({"currentPassword": PASSWORD, "newPassword": "N3w-Passw0rd!"});
    let response =
        app.client.post(app.url(&auth_path("/change-password"))).bearer_auth(&t.access).json(&change).send().await;
    let response = response.unwrap();
    assert!(access_set_cookie(&response).is_some_and(|c| c.contains("Max-Age=0")));
    let (status, body) = json(response).await;
    assert_eq!((status, &body["message"]), (200, &json!("Password changed successfully")));
}

#[tokio::test]
async fn dreamscapes_test_utilities_do_not_exist_and_delete_nothing() {
    let app = spawn().await;
    register(&app, "test.user@example.com").await;
    for path in ["/test/reset", "/test/cleanup"] {
        let response = app.client.post(app.url(&auth_path(path))).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let response = app.client.post(app.url(&auth_path(path))).json(&json!({})).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
    login(&app, "test.user@example.com", PASSWORD).await;
}

#[tokio::test]
async fn the_auth_profile_takes_dreamscapes_extra_fields() {
    let app = spawn().await;
    let s = register(&app, "pro@example.com").await;
    let (status, body) =
        json(app.client.get(app.url(&auth_path("/profile"))).bearer_auth(&s.access).send().await.unwrap()).await;
    assert_eq!((status, &body["message"]), (200, &json!("Profile retrieved successfully")));
    let update = json!({"firstName": "Pro", "dateOfBirth": "1985-03-04T00:00:00.000Z", "nationality": "French",
                        "userCategory": "business"});
    let response = app.client.put(app.url(&auth_path("/profile"))).bearer_auth(&s.access).json(&update).send();
    let (status, body) = json(response.await.unwrap()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["message"], "Profile updated successfully");
    let user = &body["data"]["user"];
    assert_eq!((&user["dateOfBirth"], &user["nationality"]), (&json!("1985-03-04"), &json!("French")));
    assert_eq!(user["userCategory"], "BUSINESS");
    let bad = json!({"userCategory": "ROYAL"});
    let response = app.client.put(app.url(&auth_path("/profile"))).bearer_auth(&s.access).json(&bad).send();
    expect_error(response.await.unwrap(), 400, "validation_failed").await;
}

#[tokio::test]
async fn the_routes_are_documented_and_optional_bodies_say_so() {
    let app = spawn().await;
    let (status, doc) = json(app.get("/api-docs/openapi.json").await).await;
    assert_eq!(status, 200);
    let operations = [
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/login"),
        ("get", "/api/v1/auth/profile"),
        ("put", "/api/v1/auth/profile"),
        ("post", "/api/v1/auth/change-password"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/verify-token"),
        ("post", "/api/v1/auth/logout"),
        ("post", "/api/v1/auth/logout-all"),
        ("get", "/api/v1/users/profile"),
        ("put", "/api/v1/users/profile"),
        ("delete", "/api/v1/users/profile"),
        ("post", "/api/v1/users/profile/avatar"),
        ("post", "/api/v1/users/profile/{userId}"),
        ("delete", "/api/v1/users/profile/{userId}"),
        ("post", "/api/v1/users/profile/{userId}/avatar"),
        ("get", "/api/v1/users/onboarding"),
        ("post", "/api/v1/users/onboarding"),
        ("delete", "/api/v1/users/onboarding"),
        ("put", "/api/v1/users/onboarding/step"),
        ("get", "/api/v1/users/onboarding/progress"),
        ("post", "/api/v1/users/onboarding/complete"),
        ("get", "/api/v1/ai/users/{userId}/preferences"),
        ("post", "/api/v1/ai/users/preferences/batch"),
        ("get", "/api/v1/ai/health"),
    ];
    for (method, path) in operations {
        assert!(doc["paths"][path][method].is_object(), "{method} {path} missing from our OpenAPI");
    }
    for (method, path) in
        [("delete", "/api/v1/users/profile"), ("post", "/api/v1/auth/refresh"), ("post", "/api/v1/auth/logout")]
    {
        let body = &doc["paths"][path][method]["requestBody"];
        assert!(body.is_object(), "{method} {path} documents its body");
        assert_ne!(body["required"], true, "{method} {path}: the body is optional");
    }
    for (method, path) in [("post", "/api/v1/users/onboarding/complete"), ("post", "/api/v1/auth/verify-token")] {
        assert!(doc["paths"][path][method]["requestBody"].is_null(), "{method} {path} takes no body");
    }
}
