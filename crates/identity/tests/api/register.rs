use serde_json::{Value, json};
use testkit::{expect_error, json};

use crate::support::{PASSWORD, cookie_attributes, cookie_of, detail_fields, post, refresh_set_cookie, spawn};

async fn register_body(app: &testkit::TestApp, body: Value) -> reqwest::Response {
    post(app, "/register", &body).await
}

#[tokio::test]
async fn register_returns_the_user_tokens_and_a_refresh_cookie() {
    let app = spawn().await;
    let response = register_body(
        &app,
        json!({"email": "ada@example.com", "password": PASSWORD, "firstName": "Ada", "lastName": "Lovelace",
               "username": "ada_l"}),
    )
    .await;
    let set_cookie = refresh_set_cookie(&response).expect("a refreshToken cookie");
    let cookie = cookie_of(&response).unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["success"], true);
    assert!(body["message"].is_string(), "{body}");

    let user = &body["data"]["user"];
    assert!(uuid::Uuid::parse_str(user["id"].as_str().unwrap()).is_ok(), "{user}");
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["firstName"], "Ada");
    assert_eq!(user["lastName"], "Lovelace");
    assert_eq!(user["username"], "ada_l");
    assert_eq!(user["role"], "USER");
    assert_eq!(user["isHost"], false);
    assert_eq!(user["status"], "active");
    assert_eq!(user["emailVerified"], false);
    assert_eq!(user["mfaEnabled"], false);
    assert_eq!(user["onboardingCompleted"], false);
    assert!(user.as_object().unwrap().contains_key("phoneNumber"), "{user}");
    for stamp in ["createdAt", "updatedAt"] {
        let raw = user[stamp].as_str().unwrap_or_else(|| panic!("{stamp} in {user}"));
        assert!(chrono::DateTime::parse_from_rfc3339(raw).is_ok(), "{stamp}: {raw}");
    }

    let tokens = &body["data"]["tokens"];
    let access = tokens["accessToken"].as_str().unwrap();
    assert_eq!(access.split('.').count(), 3, "a JWT: {access}");
    assert_eq!(tokens["refreshToken"].as_str().unwrap(), cookie, "cookie = body refresh token");

    let attributes = cookie_attributes(&set_cookie);
    for expected in ["httponly", "samesite=lax", "path=/api/v1/auth", "max-age=604800"] {
        assert!(attributes.iter().any(|a| a == expected), "{expected} missing in {set_cookie}");
    }
    assert!(!attributes.iter().any(|a| a == "secure"), "no Secure in development: {set_cookie}");

    let text = body.to_string().to_ascii_lowercase();
    for secret in ["hash", "argon2", "password1!"] {
        assert!(!text.contains(secret), "{secret} leaked: {body}");
    }
}

#[tokio::test]
async fn email_is_trimmed_lowercased_and_unique_in_any_case() {
    let app = spawn().await;
    let (status, body) =
        json(register_body(&app, json!({"email": "  Jean@Example.COM ", "password": PASSWORD})).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["user"]["email"], "jean@example.com");

    for again in ["jean@example.com", "JEAN@EXAMPLE.COM", " Jean@example.com"] {
        expect_error(register_body(&app, json!({"email": again, "password": PASSWORD})).await, 409, "email_taken")
            .await;
    }
    let (status, body) =
        json(post(&app, "/login", &json!({"email": "JEAN@example.com ", "password": PASSWORD})).await).await;
    assert_eq!(status, 200, "login normalises the email too: {body}");
}

#[tokio::test]
async fn usernames_are_unique_case_insensitively() {
    let app = spawn().await;
    let first = register_body(&app, json!({"email": "a@example.com", "password": PASSWORD, "username": "Traveller"}));
    assert_eq!(first.await.status(), 201);
    let second = register_body(&app, json!({"email": "b@example.com", "password": PASSWORD, "username": "tRAVELLER"}));
    expect_error(second.await, 409, "username_taken").await;
    // The failed attempt created nothing: its email is still free.
    let third = register_body(&app, json!({"email": "b@example.com", "password": PASSWORD}));
    assert_eq!(third.await.status(), 201);
}

#[tokio::test]
async fn weak_passwords_list_every_failing_rule() {
    let app = spawn().await;
    let cases: [(&str, &[&str]); 5] = [
        ("password", &["uppercase", "digit", "special"]),
        ("Pa1!", &["8 characters"]),
        ("PASSWORD1!", &["lowercase"]),
        ("Password!!", &["digit"]),
        ("Password12", &["special"]),
    ];
    for (password, rules) in cases {
        let response = register_body(&app, json!({"email": "weak@example.com", "password": password})).await;
        let body = expect_error(response, 400, "validation_failed").await;
        let details = body["details"].as_array().unwrap_or_else(|| panic!("details for {password}: {body}"));
        assert_eq!(details.len(), rules.len(), "{password}: {body}");
        assert!(detail_fields(&body).iter().all(|f| f == "password"), "{body}");
        let messages: Vec<String> =
            details.iter().map(|d| d["message"].as_str().unwrap_or_default().to_ascii_lowercase()).collect();
        for rule in rules {
            assert!(messages.iter().any(|m| m.contains(rule)), "{password}: no {rule:?} in {messages:?}");
        }
    }
    // Nothing was created by the refused attempts.
    let ok = register_body(&app, json!({"email": "weak@example.com", "password": PASSWORD})).await;
    assert_eq!(ok.status(), 201);
}

#[tokio::test]
async fn invalid_emails_are_refused() {
    let app = spawn().await;
    for email in ["not-an-email", "a@", "@example.com", "", "a b@example.com"] {
        let body = expect_error(
            register_body(&app, json!({"email": email, "password": PASSWORD})).await,
            400,
            "validation_failed",
        )
        .await;
        assert!(detail_fields(&body).contains(&"email".to_owned()), "{email:?}: {body}");
    }
}

#[tokio::test]
async fn names_and_usernames_are_validated() {
    let app = spawn().await;
    let long = "x".repeat(51);
    let cases = [
        ("firstName", json!(long)),
        ("firstName", json!("<script>alert(1)</script>")),
        ("lastName", json!("Smith <b>")),
        ("username", json!("ab")),
        ("username", json!("x".repeat(31))),
        ("username", json!("bad name")),
        ("username", json!("semi;colon")),
    ];
    for (field, value) in cases {
        let mut body = json!({"email": "names@example.com", "password": PASSWORD});
        body[field] = value.clone();
        let error = expect_error(register_body(&app, body).await, 400, "validation_failed").await;
        assert!(detail_fields(&error).contains(&field.to_owned()), "{field}={value}: {error}");
    }
    let fine = json!({"email": "names@example.com", "password": PASSWORD, "firstName": "Zoë", "lastName": "O'Neil",
                      "username": "jean.d-2_x"});
    let (status, body) = json(register_body(&app, fine).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["user"]["firstName"], "Zoë");
}

#[tokio::test]
async fn unknown_fields_missing_fields_and_huge_passwords_are_400() {
    let app = spawn().await;
    let bodies = [
        json!({"email": "x@example.com", "password": PASSWORD, "role": "admin"}),
        json!({"email": "x@example.com", "password": PASSWORD, "emailVerified": true}),
        json!({"email": "x@example.com"}),
        json!({"password": PASSWORD}),
        json!({"email": "x@example.com", "password": format!("{PASSWORD}{}", "a".repeat(120))}),
    ];
    for body in bodies {
        let (status, error) = json(register_body(&app, body.clone()).await).await;
        assert_eq!(status, 400, "{body}: {error}");
        assert_eq!(error["success"], false, "{error}");
    }
    // 128 characters is still accepted.
    let max = format!("{PASSWORD}{}", "a".repeat(128 - PASSWORD.len()));
    let (status, body) = json(register_body(&app, json!({"email": "x@example.com", "password": max})).await).await;
    assert_eq!(status, 201, "{body}");
}
