//! DreamScape's `/api/v1/users/profile` and the public profile.

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{detail_fields, register, spawn};

async fn get_profile(app: &TestApp, token: &str) -> (u16, Value) {
    json(app.client.get(app.url("/api/v1/users/profile")).bearer_auth(token).send().await.unwrap()).await
}

async fn put_profile(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.client.put(app.url("/api/v1/users/profile")).bearer_auth(token).json(body).send().await.unwrap()
}

#[tokio::test]
async fn profile_has_dreamscape_fields_and_default_settings() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    let (status, body) = get_profile(&app, &s.access).await;
    assert_eq!(status, 200, "{body}");
    let p = &body["data"];
    assert_eq!(p["id"], s.user["id"]);
    assert_eq!(p["email"], "ana@example.com");
    for field in ["firstName", "lastName", "avatar", "bio", "phoneNumber", "dateOfBirth"] {
        assert!(p.get(field).is_some(), "{field} missing: {p}");
    }
    assert_eq!(p["settings"], json!({"language": "en", "currency": "EUR", "timezone": "UTC", "theme": "system"}));
    assert_eq!(p["phoneVerified"], false);
    expect_error(app.get("/api/v1/users/profile").await, 401, "unauthorized").await;
}

#[tokio::test]
async fn profile_updates_are_validated_partial_and_clearable() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    let update = json!({
        "id": "ignored", "email": "ignored@example.com", "role": "admin",
        "firstName": "Ana", "lastName": "Lima", "phoneNumber": "+33 6 12 34 56 78",
        "avatar": "https://cdn.example.com/ana.png", "bio": "Loves trains.\nAnd islands.",
        "dateOfBirth": "1990-04-12",
        "settings": {"language": "pt-BR", "currency": "brl", "timezone": "America/Sao_Paulo", "theme": "dark"}
    });
    let (status, body) = json(put_profile(&app, &s.access, &update).await).await;
    assert_eq!(status, 200, "{body}");
    let p = &body["data"];
    assert_eq!(p["firstName"], "Ana");
    assert_eq!(p["email"], "ana@example.com", "read-only fields are ignored");
    assert_eq!(p["role"], "user");
    assert_eq!(p["dateOfBirth"], "1990-04-12");
    assert_eq!(
        p["settings"],
        json!({"language": "pt-BR", "currency": "BRL", "timezone": "America/Sao_Paulo", "theme": "dark"})
    );

    // Partial: only the theme changes. Clearing: "" removes the bio.
    let (status, body) =
        json(put_profile(&app, &s.access, &json!({"bio": "", "settings": {"theme": "light"}})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["bio"], Value::Null);
    assert_eq!(body["data"]["settings"]["theme"], "light");
    assert_eq!(body["data"]["settings"]["currency"], "BRL");
    assert_eq!(body["data"]["avatar"], "https://cdn.example.com/ana.png");
    let (_, again) = get_profile(&app, &s.access).await;
    assert_eq!(again["data"], body["data"], "GET sees what PUT stored");

    // Every invalid field is reported, and nothing is stored.
    let bad = json!({
        "firstName": "<script>", "avatar": "javascript:alert(1)", "bio": "<b>x</b>", "dateOfBirth": "2020-01-01",
        "phoneNumber": "call me",
        "settings": {"language": "english", "currency": "EURO", "timezone": "Mars/Olympus", "theme": "neon"}
    });
    let body = expect_error(put_profile(&app, &s.access, &bad).await, 400, "validation_failed").await;
    let mut fields = detail_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "avatar",
            "bio",
            "dateOfBirth",
            "firstName",
            "phoneNumber",
            "settings.currency",
            "settings.language",
            "settings.theme",
            "settings.timezone"
        ]
    );
    let (_, after) = get_profile(&app, &s.access).await;
    assert_eq!(after["data"]["firstName"], "Ana");
    assert_eq!(after["data"]["settings"]["theme"], "light");
}

#[tokio::test]
async fn public_profile_shows_no_private_fields() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    let update = json!({"firstName": "Ana", "lastName": "Lima", "phoneNumber": "+33 6 12 34 56 78",
                        "dateOfBirth": "1990-04-12", "bio": "Hi"});
    assert_eq!(put_profile(&app, &s.access, &update).await.status(), 200);
    let (status, body) = json(app.get(&format!("/api/v1/users/{}/public", s.user_id())).await).await;
    assert_eq!(status, 200, "{body}");
    let p = &body["data"]["profile"];
    assert_eq!(p["displayName"], "Ana L.");
    assert_eq!(p["bio"], "Hi");
    let text = p.to_string();
    for private in ["ana@example.com", "Lima", "+33", "1990", "phoneNumber", "email\""] {
        assert!(!text.contains(private), "{private} leaked: {text}");
    }
    expect_error(app.get(&format!("/api/v1/users/{}/public", kernel::new_id())).await, 404, "not_found").await;
    expect_error(app.get("/api/v1/users/garbage/public").await, 404, "not_found").await;
}
