//! Accounts in integration tests that run identity: registering, signing in, administrators,
//! and calls as a user. Shared by the suites of contexts whose rules depend on who asks.

use reqwest::Method;
use serde_json::{Value, json};

use crate::TestApp;

/// The password every test account gets.
pub const PASSWORD: &str = "Password1!";

#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub email: String,
    pub token: String,
}

pub async fn call(app: &TestApp, method: Method, user: &User, path: &str, body: Option<&Value>) -> reqwest::Response {
    app.call(method, Some(&user.token), path, body).await
}

pub async fn get(app: &TestApp, user: &User, path: &str) -> reqwest::Response {
    call(app, Method::GET, user, path, None).await
}

pub async fn post(app: &TestApp, user: &User, path: &str, body: &Value) -> reqwest::Response {
    call(app, Method::POST, user, path, Some(body)).await
}

/// The `data` of a 2xx answer (panics with the answer otherwise).
pub async fn data(r: reqwest::Response) -> Value {
    let (status, body) = crate::json(r).await;
    assert!((200..300).contains(&status), "{status}: {body}");
    body["data"].clone()
}

async fn sign_up(app: &TestApp, body: Value) -> User {
    let d = data(app.post_json("/api/v1/auth/register", &body).await).await;
    app.drain_events().await;
    User {
        id: d["user"]["id"].as_str().expect("user id").to_owned(),
        email: body["email"].as_str().unwrap_or_default().to_owned(),
        token: d["tokens"]["accessToken"].as_str().expect("access token").to_owned(),
    }
}

/// A new account, signed in; its `user.created` event handled.
pub async fn register(app: &TestApp, email: &str) -> User {
    sign_up(app, json!({"email": email, "password": PASSWORD})).await
}

/// A new account with a name, signed in; its `user.created` event handled.
pub async fn register_named(app: &TestApp, email: &str, first: &str, last: &str) -> User {
    sign_up(app, json!({"email": email, "password": PASSWORD, "firstName": first, "lastName": last})).await
}

/// Signed in again (access tokens live 15 minutes on a test clock).
pub async fn login(app: &TestApp, user: &User) -> User {
    let d = data(app.post_json("/api/v1/auth/login", &json!({"email": user.email, "password": PASSWORD})).await).await;
    User { token: d["tokens"]["accessToken"].as_str().expect("access token").to_owned(), ..user.clone() }
}

/// A new account made administrator (through the identity database), signed in again.
pub async fn admin(app: &TestApp, email: &str) -> User {
    let user = register(app, email).await;
    platform::db::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(user.id.parse::<uuid::Uuid>().expect("user id"))
        .execute(app.platform.db("identity").expect("identity runs"))
        .await
        .expect("role set");
    login(app, &user).await
}
