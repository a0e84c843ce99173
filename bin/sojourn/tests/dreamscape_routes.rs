//! DreamScape's route list (tests/dreamscape/routes.txt: every auth, user, admin and payment
//! route of its services, its voyage routes, and every call its web client makes to them) against the whole
//! product: each one, sent with an administrator's token, reaches a handler — never the 404
//! fallback, never 405, never a 5xx — so a rename can never silently break DreamScape's
//! client. Without a token, each one that is not public by design answers 401. DreamScape's
//! unauthenticated test utilities do not exist here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

const ROUTES: &str = include_str!("dreamscape/routes.txt");

/// Routes anyone may call: signing in and out, public documents, the processor's webhook,
/// health, and the one call the web client makes with `Bearer null` (it answers `[]`).
const PUBLIC: &[&str] = &[
    "POST /api/v1/auth/register",
    "POST /api/v1/auth/login",
    "POST /api/v1/auth/refresh",
    "POST /api/v1/auth/logout",
    "GET /api/v1/users/gdpr/privacy-policy",
    "GET /api/v1/users/gdpr/privacy-policy/versions",
    "GET /api/v1/payment/config",
    "POST /api/v1/payment/webhook",
    "GET /api/search-history/recent?limit=1",
];

struct Route {
    method: Method,
    path: String,
    /// Public by design (marked `public` in the list: the voyage searches).
    public: bool,
}

impl Route {
    fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn is_public(&self) -> bool {
        self.public
            || PUBLIC.contains(&self.key().as_str())
            || self.path.starts_with("/health")
            || self.path.starts_with("/api/health")
    }

    /// Signing out ends the session the walk runs on: those go last.
    fn ends_session(&self) -> bool {
        self.path.ends_with("/logout") || self.path.ends_with("/logout-all")
    }
}

fn routes() -> Vec<Route> {
    let mut routes: Vec<Route> = ROUTES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            let method = words.next().unwrap().parse().unwrap();
            let path = words.next().unwrap().to_owned();
            Route { method, path, public: words.any(|w| w == "public") }
        })
        .collect();
    routes.sort_by_key(Route::ends_session);
    routes
}

async fn spawn() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let config = testkit::quick_config(&dir);
    let mut app = testkit::spawn_config(config, sojourn::contexts::all()).await;
    app.data_dir = Some(dir);
    app
}

/// Registers an account, makes it an administrator, signs in again: (token, user id).
async fn admin(app: &TestApp) -> (String, String) {
    let body = json!({"email": "root@example.com", "password": "Password1!"});
    let (status, registered) = testkit::json(app.post_json("/api/v1/auth/register", &body).await).await;
    assert_eq!(status, 201, "{registered}");
    let db = app.platform.db("identity").unwrap();
    platform::db::query("UPDATE users SET role = 'admin' WHERE email = $1")
        .bind("root@example.com")
        .execute(db)
        .await
        .unwrap();
    let (status, login) = testkit::json(app.post_json("/api/v1/auth/login", &body).await).await;
    assert_eq!(status, 200, "{login}");
    let token = login["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    (token, login["data"]["user"]["id"].as_str().unwrap().to_owned())
}

async fn send(app: &TestApp, route: &Route, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = app.client.request(route.method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if [Method::POST, Method::PUT, Method::PATCH].contains(&route.method) {
        request = request.json(&json!({}));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let is_json = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"));
    if is_json {
        testkit::json(response).await
    } else {
        // A file (the CSV exports): the status is what matters.
        let _ = response.bytes().await;
        (status, Value::Null)
    }
}

fn is_fallback(status: u16, body: &Value) -> bool {
    status == 404 && body["message"].as_str().is_some_and(|m| m.starts_with("No route for"))
}

#[tokio::test]
async fn every_dreamscape_route_reaches_a_handler() {
    let app = spawn().await;
    let (token, me) = admin(&app).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let mut failures = Vec::new();
    for route in routes() {
        let path = route.path.replace("{userId}", &me).replace("{id}", &unknown);
        let (status, body) = send(&app, &route, &path, Some(&token)).await;
        if is_fallback(status, &body) || status == 405 || status >= 500 {
            failures.push(format!("{} {path} → {status} {body}", route.method));
        }
    }
    assert!(failures.is_empty(), "{} routes do not resolve:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn every_private_dreamscape_route_needs_a_token() {
    let app = spawn().await;
    let (_, me) = admin(&app).await;
    let mut failures = Vec::new();
    for route in routes().into_iter().filter(|r| !r.is_public()) {
        let path = route.path.replace("{userId}", &me).replace("{id}", &uuid::Uuid::now_v7().to_string());
        let (status, body) = send(&app, &route, &path, None).await;
        if status != 401 {
            failures.push(format!("{} {path} → {status} {body}", route.method));
        }
    }
    assert!(failures.is_empty(), "{} routes answer without a token:\n{}", failures.len(), failures.join("\n"));
}

#[tokio::test]
async fn dreamscape_test_utilities_do_not_exist() {
    let app = spawn().await;
    let (token, _) = admin(&app).await;
    for path in ["/api/v1/auth/test/reset", "/api/v1/auth/test/cleanup"] {
        for auth in [None, Some(token.as_str())] {
            let route = Route { method: Method::POST, path: path.to_owned(), public: false };
            let (status, body) = send(&app, &route, path, auth).await;
            assert!(is_fallback(status, &body), "{path}: {status} {body}");
        }
    }
    // The administrator still exists: nothing was reset.
    let (status, body) = testkit::json(
        app.post_json("/api/v1/auth/login", &json!({"email": "root@example.com", "password": "Password1!"})).await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// The document says a body is optional exactly where a bodiless request is accepted: a body an
/// empty object satisfies may be left out (it reads as `{}`), one with required fields may not.
#[tokio::test]
async fn optional_bodies_are_documented_as_optional() {
    let app = spawn().await;
    let (token, _) = admin(&app).await;
    let (_, doc) = testkit::json(app.get("/api-docs/openapi.json").await).await;
    let required = |path: &str, method: &str| doc["paths"][path][method]["requestBody"]["required"].as_bool();
    assert_eq!(required("/api/v1/auth/profile", "put"), Some(false));
    assert_eq!(required("/api/v1/users/gdpr/consent", "put"), Some(false));
    assert_eq!(required("/api/v1/auth/register", "post"), Some(true));
    assert_eq!(required("/api/v1/users/gdpr/privacy-policy/accept", "post"), Some(true));
    // And the server agrees: nothing sent, no Content-Type.
    let bodiless = |method: Method, path: &str| app.client.request(method, app.url(path)).bearer_auth(&token).send();
    let response = bodiless(Method::PUT, "/api/v1/auth/profile").await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let response = bodiless(Method::POST, "/api/v1/auth/register").await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
}

/// G1 and the panorama app's lookup on the whole product: the destination page's PIN
/// (no token, `expiresAt` in epoch milliseconds) resolves once, then answers 409.
#[tokio::test]
async fn the_destination_pages_vr_pin_resolves_once() {
    let app = spawn().await;
    let (status, made) =
        testkit::json(app.post_json("/api/v1/vr/sessions", &json!({ "destination": "Paris" })).await).await;
    assert_eq!(status, 201, "{made}");
    let pin = made["data"]["pin"].as_str().unwrap();
    assert!(made["data"]["expiresAt"].is_i64(), "{made}");
    let (status, body) = testkit::json(app.get(&format!("/api/v1/vr/sessions/{pin}")).await).await;
    assert_eq!((status, body), (200, json!({ "success": true, "data": { "destination": "paris", "autoVR": true } })));
    let (status, body) = testkit::json(app.get(&format!("/api/v1/vr/sessions/{pin}")).await).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("PIN has already been used")), "{body}");
}
