use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{
    PASSWORD, auth_path, detail_fields, login, post, profile, register, spawn, token_in, wait_for_mail,
};

async fn put_profile(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.client.put(app.url(&auth_path("/profile"))).bearer_auth(token).json(body).send().await.unwrap()
}

#[tokio::test]
async fn profile_returns_the_caller() {
    let app = spawn().await;
    let session = register(&app, "pia@example.com").await;
    let response = app.client.get(app.url(&auth_path("/profile"))).bearer_auth(&session.access).send().await.unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["success"], true);
    let user = &body["data"]["user"];
    assert_eq!(user["id"], session.user["id"]);
    assert_eq!(user["email"], "pia@example.com");
    assert_eq!(user["role"], "USER");
    assert_eq!(user["isHost"], false);
    assert!(!body.to_string().to_ascii_lowercase().contains("hash"), "{body}");
}

#[tokio::test]
async fn profile_needs_a_valid_bearer_token() {
    let app = spawn().await;
    let session = register(&app, "pia@example.com").await;
    assert_eq!(app.get(&auth_path("/profile")).await.status(), 401);
    for header in ["Bearer garbage", "Bearer ", "Basic dXNlcjpwYXNz", &format!("Token {}", session.access)] {
        let response = app.client.get(app.url(&auth_path("/profile"))).header("authorization", header).send().await;
        let (status, body) = json(response.unwrap()).await;
        assert_eq!(status, 401, "{header}: {body}");
        assert_eq!(body["success"], false);
    }
}

#[tokio::test]
async fn profile_updates_are_saved() {
    let app = spawn().await;
    let session = register(&app, "pia@example.com").await;
    let update =
        json!({"firstName": "Pia", "lastName": "Berg", "username": "pia.b", "phoneNumber": "+33 6 12 34 56 78"});
    let (status, body) = json(put_profile(&app, &session.access, &update).await).await;
    assert_eq!(status, 200, "{body}");
    let user = &body["data"]["user"];
    assert_eq!(user["firstName"], "Pia");
    assert_eq!(user["lastName"], "Berg");
    assert_eq!(user["username"], "pia.b");
    assert_eq!(user["phoneNumber"], "+33 6 12 34 56 78");
    assert_eq!(user["email"], "pia@example.com", "untouched fields stay");

    let fresh = profile(&app, &session.access).await;
    for key in ["firstName", "lastName", "username", "phoneNumber", "email"] {
        assert_eq!(fresh[key], user[key], "{key}");
    }
    assert!(fresh["updatedAt"].as_str() >= session.user["updatedAt"].as_str());

    // A partial update leaves the other fields alone.
    let (status, body) = json(put_profile(&app, &session.access, &json!({"lastName": "Lind"})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["firstName"], "Pia");
    assert_eq!(body["data"]["user"]["lastName"], "Lind");
}

#[tokio::test]
async fn changing_the_email_clears_verification() {
    let app = spawn().await;
    let session = register(&app, "pia@example.com").await;
    let token = token_in(&wait_for_mail(&app, "pia@example.com", 1).await);
    assert_eq!(post(&app, "/verify-email", &json!({"token": token})).await.status(), 200);
    assert_eq!(profile(&app, &session.access).await["emailVerified"], true);

    let (status, body) =
        json(put_profile(&app, &session.access, &json!({"email": " Pia.New@Example.com"})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["user"]["email"], "pia.new@example.com");
    assert_eq!(body["data"]["user"]["emailVerified"], false);
    assert_eq!(profile(&app, &session.access).await["emailVerified"], false);
    // The account now answers to the new address only.
    login(&app, "pia.new@example.com", PASSWORD).await;
    expect_error(
        post(&app, "/login", &json!({"email": "pia@example.com", "password": PASSWORD})).await,
        401,
        "invalid_credentials",
    )
    .await;
}

#[tokio::test]
async fn taken_emails_and_usernames_conflict() {
    let app = spawn().await;
    let session = register(&app, "pia@example.com").await;
    let other = register(&app, "olaf@example.com").await;
    let named = put_profile(&app, &other.access, &json!({"username": "olaf"})).await;
    assert_eq!(named.status(), 200);

    // DreamScape answers 400 here (409 at registration).
    expect_error(put_profile(&app, &session.access, &json!({"email": "OLAF@example.com"})).await, 400, "email_taken")
        .await;
    expect_error(put_profile(&app, &session.access, &json!({"username": "Olaf"})).await, 400, "username_taken").await;
    // Keeping one's own email is not a conflict.
    let same = put_profile(&app, &session.access, &json!({"email": "pia@example.com", "firstName": "Pia"})).await;
    assert_eq!(same.status(), 200);
    assert_eq!(profile(&app, &session.access).await["email"], "pia@example.com");
}

#[tokio::test]
async fn invalid_profile_fields_are_refused() {
    let app = spawn().await;
    let session = register(&app, "pia@example.com").await;
    let cases = [
        ("phoneNumber", json!("call me")),
        ("phoneNumber", json!("12345")),
        ("phoneNumber", json!("+1234567890123456789012")),
        ("firstName", json!("<img src=x>")),
        ("lastName", json!("")),
        ("username", json!("no spaces")),
        ("email", json!("nope")),
    ];
    for (field, value) in cases {
        let mut body = json!({});
        body[field] = value.clone();
        let error = expect_error(put_profile(&app, &session.access, &body).await, 400, "validation_failed").await;
        assert!(detail_fields(&error).contains(&field.to_owned()), "{field}={value}: {error}");
    }
    let (status, _) = json(put_profile(&app, &session.access, &json!({"role": "admin"})).await).await;
    assert_eq!(status, 400, "unknown fields (role) are refused");
    assert_eq!(profile(&app, &session.access).await["role"], "USER");
    let anonymous = app.client.put(app.url(&auth_path("/profile"))).json(&json!({"firstName": "X"})).send().await;
    assert_eq!(anonymous.unwrap().status(), 401);
}
