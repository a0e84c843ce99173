//! DreamScape's `/api/v1/users/profile` (the settings object, bare, as its web client reads and
//! writes it: U1, U2) and the public profile.

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
async fn profile_is_dreamscapes_bare_settings_object_with_its_defaults() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    let (status, body) = get_profile(&app, &s.access).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("success").is_none() && body.get("data").is_none(), "no envelope: {body}");
    assert_eq!(body["profile"]["name"], "");
    assert_eq!(body["profile"]["email"], "ana@example.com");
    assert_eq!(body["profile"]["photo"], Value::Null);
    let p = &body["preferences"];
    assert_eq!((&p["language"], &p["currency"], &p["timezone"]), (&json!("English"), &json!("USD"), &json!("UTC")));
    assert_eq!(
        body["notifications"],
        json!({"dealAlerts": true, "tripReminders": true, "priceAlerts": true, "newsletter": false})
    );
    assert_eq!(body["privacy"], json!({"profileVisibility": "public", "dataSharing": false, "marketing": true}));
    assert_eq!(
        body["travel"],
        json!({"preferredDestinations": [], "accommodationType": [], "activities": [], "dietary": []})
    );
    // Our richer fields stay available as extra keys.
    let card = &body["profile"];
    assert_eq!(card["id"], s.user["id"]);
    assert_eq!(card["role"], "USER");
    for field in ["firstName", "lastName", "username", "phoneNumber", "avatar", "bio", "dateOfBirth", "emailVerified"] {
        assert!(card.get(field).is_some(), "{field} missing: {card}");
    }
    assert_eq!((&p["languageCode"], &p["theme"]), (&json!("en"), &json!("system")));
    expect_error(app.get("/api/v1/users/profile").await, 401, "unauthorized").await;
}

#[tokio::test]
async fn the_settings_page_sends_back_what_it_read() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    let (_, mut page) = get_profile(&app, &s.access).await;
    // What the settings page edits, then saves whole (U2).
    page["profile"]["name"] = json!("Ana Lima");
    page["preferences"]["language"] = json!("French");
    page["preferences"]["currency"] = json!("EUR");
    page["notifications"]["newsletter"] = json!(true);
    page["privacy"]["profileVisibility"] = json!("private");
    page["travel"]["dietary"] = json!(["vegan", "Vegan", "halal"]);
    let (status, saved) = json(put_profile(&app, &s.access, &page).await).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["message"], "Profile updated successfully");
    for section in ["profile", "preferences", "notifications", "privacy", "travel"] {
        assert!(saved[section].is_object(), "{section} in {saved}");
    }
    assert_eq!(saved["profile"]["name"], "Ana Lima");
    assert_eq!((&saved["profile"]["firstName"], &saved["profile"]["lastName"]), (&json!("Ana"), &json!("Lima")));
    assert_eq!(saved["preferences"]["language"], "French");
    assert_eq!(saved["preferences"]["languageCode"], "fr");
    assert_eq!(saved["preferences"]["currency"], "EUR");
    assert_eq!(saved["notifications"]["newsletter"], true);
    assert_eq!(saved["privacy"]["profileVisibility"], "private");
    assert_eq!(saved["travel"]["dietary"], json!(["vegan", "halal"]));

    let (_, again) = get_profile(&app, &s.access).await;
    let mut expected = saved.clone();
    expected.as_object_mut().unwrap().remove("message");
    assert_eq!(again["preferences"], expected["preferences"], "GET sees what PUT stored");
    assert_eq!(again["travel"], expected["travel"]);

    // Saving the page unchanged changes nothing (every echoed value equals the stored one).
    let (status, same) = json(put_profile(&app, &s.access, &again).await).await;
    assert_eq!(status, 200, "{same}");
    assert_eq!(same["profile"]["name"], "Ana Lima");
    assert_eq!(same["preferences"], again["preferences"]);
    // Each section is optional; an empty body is fine.
    assert_eq!(put_profile(&app, &s.access, &json!({})).await.status(), 200);
    let (status, body) =
        json(put_profile(&app, &s.access, &json!({"notifications": {"dealAlerts": false}})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["notifications"]["dealAlerts"], false);
    assert_eq!(body["notifications"]["newsletter"], true, "other toggles kept");
}

#[tokio::test]
async fn the_dashboard_variant_is_accepted_and_read_back() {
    let app = spawn().await;
    let s = register(&app, "dash@example.com").await;
    let (_, mut page) = get_profile(&app, &s.access).await;
    page["preferences"] = json!({
        "preferredCurrency": "GBP", "preferredLanguage": "fr", "travelClass": "BUSINESS", "seatPreference": "window",
        "mealPreference": ["vegetarian"], "budgetRange": {"min": 500, "max": 2000}, "destinations": ["Lisbon"],
        "travelStyle": "relaxed", "notifications": {"email": true, "sms": false, "push": true}
    });
    let (status, saved) = json(put_profile(&app, &s.access, &page).await).await;
    assert_eq!(status, 200, "{saved}");
    let (_, body) = get_profile(&app, &s.access).await;
    let p = &body["preferences"];
    assert_eq!((&p["currency"], &p["preferredCurrency"]), (&json!("GBP"), &json!("GBP")));
    assert_eq!((&p["language"], &p["preferredLanguage"]), (&json!("French"), &json!("fr")));
    assert_eq!(p["travelClass"], "BUSINESS");
    assert_eq!(p["budgetRange"], json!({"min": 500.0, "max": 2000.0}));
    assert_eq!(p["mealPreference"], json!(["vegetarian"]));
    assert_eq!(p["notifications"], json!({"email": true, "sms": false, "push": true}));

    // A label sent empty forgets it.
    let (status, body) =
        json(put_profile(&app, &s.access, &json!({"preferences": {"seatPreference": ""}})).await).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["preferences"].get("seatPreference").is_none(), "{body}");
    let bad = json!({"preferences": {"budgetRange": {"min": 900, "max": 100}, "travelClass": "<b>"}});
    let err = expect_error(put_profile(&app, &s.access, &bad).await, 400, "validation_failed").await;
    let mut fields = detail_fields(&err);
    fields.sort();
    assert_eq!(fields, ["preferences.budgetRange", "preferences.travelClass"]);
}

#[tokio::test]
async fn our_richer_fields_are_validated_partial_and_clearable() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    let update = json!({
        "profile": {"id": "ignored", "role": "ADMIN", "firstName": "Ana", "lastName": "Lima",
                    "phoneNumber": "+33 6 12 34 56 78", "avatar": "https://cdn.example.com/ana.png",
                    "bio": "Loves trains.\nAnd islands.", "dateOfBirth": "1990-04-12", "userCategory": "business"},
        "preferences": {"language": "pt-BR", "currency": "brl", "timezone": "America/Sao_Paulo", "theme": "dark"}
    });
    let (status, body) = json(put_profile(&app, &s.access, &update).await).await;
    assert_eq!(status, 200, "{body}");
    let p = &body["profile"];
    assert_eq!(p["name"], "Ana Lima");
    assert_eq!(p["role"], "USER", "read-only fields are ignored");
    assert_eq!(p["photo"], "https://cdn.example.com/ana.png");
    assert_eq!(p["dateOfBirth"], "1990-04-12");
    assert_eq!(p["userCategory"], "BUSINESS");
    let prefs = &body["preferences"];
    assert_eq!((&prefs["language"], &prefs["currency"]), (&json!("pt-BR"), &json!("BRL")));
    assert_eq!((&prefs["timezone"], &prefs["theme"]), (&json!("America/Sao_Paulo"), &json!("dark")));

    // "" clears our optional fields; `photo: null` (what a client without an avatar echoes)
    // changes nothing.
    let (status, body) =
        json(put_profile(&app, &s.access, &json!({"profile": {"bio": "", "photo": null}})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["bio"], Value::Null);
    assert_eq!(body["profile"]["photo"], "https://cdn.example.com/ana.png");

    // Every invalid field is reported, and nothing is stored.
    let bad = json!({
        "profile": {"firstName": "<script>", "photo": "javascript:alert(1)", "bio": "<b>x</b>",
                    "dateOfBirth": "2020-01-01", "phoneNumber": "call me", "email": "nope"},
        "preferences": {"language": "Klingon", "currency": "EURO", "timezone": "Mars/Olympus", "theme": "neon"},
        "privacy": {"profileVisibility": "friends"},
        "travel": {"dietary": [""]}
    });
    let body = expect_error(put_profile(&app, &s.access, &bad).await, 400, "validation_failed").await;
    let mut fields = detail_fields(&body);
    fields.sort();
    assert_eq!(
        fields,
        [
            "preferences.currency",
            "preferences.language",
            "preferences.theme",
            "preferences.timezone",
            "privacy.profileVisibility",
            "profile.bio",
            "profile.dateOfBirth",
            "profile.email",
            "profile.firstName",
            "profile.phoneNumber",
            "profile.photo",
            "travel.dietary"
        ]
    );
    let (_, after) = get_profile(&app, &s.access).await;
    assert_eq!(after["profile"]["firstName"], "Ana");
    assert_eq!(after["preferences"]["theme"], "dark");
    // A wrong type names its field too; too long a list is refused.
    let body = expect_error(
        put_profile(&app, &s.access, &json!({"notifications": {"dealAlerts": "yes"}})).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(detail_fields(&body), ["notifications.dealAlerts"], "{body}");
    let many = json!({"travel": {"activities": vec!["x"; 51]}});
    expect_error(put_profile(&app, &s.access, &many).await, 400, "validation_failed").await;
    // Our earlier flat shape is still accepted.
    let flat = json!({"firstName": "Anna", "settings": {"theme": "light"}});
    let (status, body) = json(put_profile(&app, &s.access, &flat).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((&body["profile"]["firstName"], &body["preferences"]["theme"]), (&json!("Anna"), &json!("light")));
}

#[tokio::test]
async fn the_name_edits_the_username_when_there_is_one_and_emails_are_unique() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    register(&app, "olaf@example.com").await;
    let named = json!({"profile": {"username": "ana_l"}});
    assert_eq!(put_profile(&app, &s.access, &named).await.status(), 200);
    let (_, page) = get_profile(&app, &s.access).await;
    assert_eq!(page["profile"]["name"], "ana_l");
    let (status, body) = json(put_profile(&app, &s.access, &json!({"profile": {"name": "ana.lima"}})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["username"], "ana.lima");
    expect_error(
        put_profile(&app, &s.access, &json!({"profile": {"email": "OLAF@example.com"}})).await,
        409,
        "email_taken",
    )
    .await;
    let (status, body) =
        json(put_profile(&app, &s.access, &json!({"profile": {"email": "ana.new@example.com"}})).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["email"], "ana.new@example.com");
    assert_eq!(body["profile"]["emailVerified"], false, "a new address is verified again");
}

#[tokio::test]
async fn the_access_cookie_alone_authenticates_profile_calls() {
    let app = spawn().await;
    let s = register(&app, "cookie@example.com").await;
    let cookie = format!("accessToken={}", s.access);
    let response = app.client.get(app.url("/api/v1/users/profile")).header("cookie", &cookie).send().await.unwrap();
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["profile"]["email"], "cookie@example.com");
    // The dashboard's `Authorization: Bearer null` falls back to the cookie.
    let response = app
        .client
        .get(app.url("/api/v1/users/profile"))
        .header("authorization", "Bearer null")
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn public_profile_shows_no_private_fields() {
    let app = spawn().await;
    let s = register(&app, "ana@example.com").await;
    let update = json!({"profile": {"firstName": "Ana", "lastName": "Lima", "phoneNumber": "+33 6 12 34 56 78",
                        "dateOfBirth": "1990-04-12", "bio": "Hi"}});
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
    // A private profile shows no bio either.
    let private = json!({"privacy": {"profileVisibility": "private"}});
    assert_eq!(put_profile(&app, &s.access, &private).await.status(), 200);
    let (_, body) = json(app.get(&format!("/api/v1/users/{}/public", s.user_id())).await).await;
    assert_eq!(body["data"]["profile"]["bio"], Value::Null);
    expect_error(app.get(&format!("/api/v1/users/{}/public", kernel::new_id())).await, 404, "not_found").await;
    expect_error(app.get("/api/v1/users/garbage/public").await, 404, "not_found").await;
}
