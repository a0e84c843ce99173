//! DreamScape's notification routes as its web client calls them (WEB-CLIENT.md U4, U5,
//! U29–U32: trailing slash, bodiless PATCHes without `Content-Type`), its 7-key preferences
//! over Sojourn's grid, and the internal route other services notify through.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

/// Every field of DreamScape's notification entity.
const ENTITY: [&str; 10] =
    ["id", "userId", "type", "title", "message", "read", "readAt", "metadata", "createdAt", "updatedAt"];

const DS_KEYS: [&str; 7] = [
    "booking_confirmed",
    "booking_cancelled",
    "payment_succeeded",
    "payment_failed",
    "refund_processed",
    "promo_offer",
    "platform_update",
];

const INVALID: &str = "Invalid notification preferences. Expected keys: booking_confirmed, booking_cancelled, \
     payment_succeeded, payment_failed, refund_processed, promo_offer, platform_update, each with { inApp: boolean, \
     email: boolean }.";

const INTERNAL: &str = "/api/v1/users/notifications/internal";

/// `POST …/internal` with `bearer` (a token or the internal key).
async fn notify(app: &testkit::TestApp, bearer: &str, body: &Value) -> (u16, Value) {
    send(app, Method::POST, INTERNAL, bearer, Some(body)).await
}

/// U29 as the header panel sends it: trailing slash, `filter`, `page=1`, `limit=20`.
async fn panel(app: &testkit::TestApp, user: &User, filter: &str) -> Value {
    let path = format!("{INBOX}/?filter={filter}&page=1&limit=20");
    data(app, Method::GET, &path, &user.token, None).await
}

#[tokio::test]
async fn the_header_panel_lists_counts_and_marks_read() {
    let app = spawn().await;
    let user = register(&app, "panel@example.com").await;
    let other = register(&app, "other-panel@example.com").await;
    add_security_notices(&app, &user, 2).await;

    // U30: the badge.
    assert_eq!(unread(&app, &user).await, 3);
    // U29: the panel, with every field of DreamScape's entity.
    let page = panel(&app, &user, "all").await;
    assert_eq!(page["pagination"]["total"], 3);
    assert_eq!((page["pagination"]["page"].clone(), page["pagination"]["limit"].clone()), (json!(1), json!(20)));
    assert_eq!(page["pagination"]["hasMore"], false);
    let list = page["notifications"].as_array().unwrap().clone();
    for n in &list {
        for key in ENTITY {
            assert!(n.get(key).is_some(), "{key} missing: {n}");
        }
    }
    assert_eq!(list[0]["type"], "ACCOUNT_SECURITY");
    assert_eq!(list[0]["kind"], "account_security");
    assert_eq!(list[2]["type"], "SYSTEM", "the welcome");
    assert_eq!(panel(&app, &user, "unread").await["pagination"]["total"], 3);
    assert_eq!(panel(&app, &user, "read").await["pagination"]["total"], 0);
    assert_eq!(panel(&app, &user, "nonsense").await["pagination"]["total"], 3, "any other filter is all");
    let first = data(&app, Method::GET, &format!("{INBOX}?page=1&limit=2"), &user.token, None).await;
    assert_eq!(
        (first["notifications"].as_array().unwrap().len(), first["pagination"]["hasMore"].clone()),
        (2, json!(true))
    );
    let second = data(&app, Method::GET, &format!("{INBOX}?page=2&limit=2"), &user.token, None).await;
    assert_eq!(second["notifications"][0]["id"], list[2]["id"]);
    assert_eq!(
        (second["pagination"]["page"].clone(), second["pagination"]["hasMore"].clone()),
        (json!(2), json!(false))
    );

    // U31: no body, no Content-Type.
    let id = list[0]["id"].as_str().unwrap();
    let (status, body) = bodiless(&app, Method::PATCH, &format!("{INBOX}/{id}/read"), &user.token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["data"]["id"].as_str(), body["data"]["read"].clone()), (Some(id), json!(true)));
    assert!(body["data"]["readAt"].is_string(), "{body}");
    assert_eq!(unread(&app, &user).await, 2);
    let read = panel(&app, &user, "read").await;
    assert_eq!(read["notifications"][0]["id"], id);

    // Someone else's notification is not found, exactly like none.
    let (status, body) = bodiless(&app, Method::PATCH, &format!("{INBOX}/{id}/read"), &other.token).await;
    assert_eq!((status, body["message"].as_str()), (404, Some("Notification not found")), "{body}");

    // U32: no body, no Content-Type; only the caller's.
    let (status, body) = bodiless(&app, Method::PATCH, &format!("{INBOX}/mark-all-read"), &user.token).await;
    assert_eq!((status, body["data"]["updated"].clone()), (200, json!(2)), "{body}");
    assert_eq!(unread(&app, &user).await, 0);
    assert_eq!(unread(&app, &other).await, 1);
    let (_, body) = bodiless(&app, Method::PATCH, &format!("{INBOX}/mark-all-read/"), &user.token).await;
    assert_eq!(body["data"]["updated"], 0);
}

#[tokio::test]
async fn the_settings_page_reads_and_saves_the_seven_preferences() {
    let app = spawn().await;
    let user = register(&app, "settings@example.com").await;

    // U4: DreamScape's defaults, exactly 7 keys.
    let prefs = data(&app, Method::GET, PREFS, &user.token, None).await;
    assert_eq!(prefs.as_object().unwrap().len(), 7, "{prefs}");
    for key in DS_KEYS {
        let email = key != "promo_offer" && key != "platform_update";
        assert_eq!(prefs[key], json!({"inApp": true, "email": email}), "{key}");
    }

    // U5: the whole object back with two changes; extra keys are dropped.
    let mut body = prefs.clone();
    body["booking_cancelled"]["inApp"] = json!(false);
    body["promo_offer"]["email"] = json!(true);
    body["sms_everything"] = json!(true);
    body["payment_failed"]["push"] = json!("ignored");
    let saved = data(&app, Method::PUT, PREFS, &user.token, Some(&body)).await;
    let mut expected = prefs.clone();
    expected["booking_cancelled"]["inApp"] = json!(false);
    expected["promo_offer"]["email"] = json!(true);
    assert_eq!(saved, expected);
    assert_eq!(data(&app, Method::GET, PREFS, &user.token, None).await, expected);
    // Only the two changes are stored: the rest keeps following the defaults.
    let db = app.platform.db("notifications").unwrap();
    let (rows,): (i64,) =
        platform::db::query("SELECT COUNT(*) FROM notification_preferences").fetch_one(db).await.unwrap();
    assert_eq!(rows, 2);

    // The same settings through Sojourn's grid, both ways.
    let grid = data(&app, Method::GET, CHANNELS, &user.token, None).await;
    assert_eq!(grid["booking_cancelled"]["in_app"], false);
    assert_eq!(grid["promotions"]["email"], true);
    let change = json!({"payment_failed": {"email": false}, "booking_confirmation": {"in_app": false}});
    data(&app, Method::PUT, CHANNELS, &user.token, Some(&change)).await;
    let prefs = data(&app, Method::GET, PREFS, &user.token, None).await;
    assert_eq!(prefs["payment_failed"], json!({"inApp": true, "email": false}));
    assert_eq!(prefs["booking_confirmed"], json!({"inApp": false, "email": true}));

    // Anything short of the full object is refused with DreamScape's message; nothing changes.
    let mut missing = prefs.clone();
    missing.as_object_mut().unwrap().remove("platform_update");
    let mut not_bool = prefs.clone();
    not_bool["promo_offer"]["inApp"] = json!("yes");
    for (body, field) in [
        (missing, "platform_update"),
        (not_bool, "promo_offer.inApp"),
        (json!([]), "body"),
        (json!({"booking_confirmed": true}), "booking_confirmed"),
    ] {
        let (status, error) = send(&app, Method::PUT, PREFS, &user.token, Some(&body)).await;
        assert_eq!((status, error["message"].as_str()), (400, Some(INVALID)), "{body}: {error}");
        assert!(detail_fields(&error).contains(&field.to_owned()), "{field}: {error}");
    }
    let (status, error) = bodiless(&app, Method::PUT, PREFS, &user.token).await;
    assert_eq!((status, error["message"].as_str()), (400, Some(INVALID)), "{error}");
    assert_eq!(data(&app, Method::GET, PREFS, &user.token, None).await, prefs);
}

#[tokio::test]
async fn the_internal_route_takes_the_internal_key_or_an_administrator() {
    let app = spawn().await;
    let user = register(&app, "recipient@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    let body = json!({"userId": user.id, "title": "Paid", "message": "We received 120.00 EUR.",
                      "type": "PAYMENT_RECEIVED", "metadata": {"amount": 12000}});

    let (status, made) = notify(&app, INTERNAL_KEY, &body).await;
    assert_eq!(status, 201, "{made}");
    let n = &made["data"];
    for key in ENTITY {
        assert!(n.get(key).is_some(), "{key} missing: {n}");
    }
    assert_eq!((n["type"].as_str(), n["kind"].as_str()), (Some("PAYMENT_RECEIVED"), Some("payment_received")));
    assert_eq!((n["userId"].as_str(), n["read"].clone()), (Some(user.id.as_str()), json!(false)));
    assert_eq!(n["metadata"], json!({"amount": 12000}));
    let listed = items(&app, &user, "?type=payment_received").await;
    assert_eq!(listed[0]["id"], n["id"]);

    // An administrator may; the type defaults to SYSTEM and metadata to null.
    let plain = json!({"userId": user.id, "title": "Hello", "message": "From the team."});
    let (status, made) = notify(&app, &boss.token, &plain).await;
    assert_eq!((status, made["data"]["type"].as_str()), (201, Some("SYSTEM")), "{made}");
    assert_eq!(made["data"]["metadata"], Value::Null);

    // Nobody else: no token, a user's token, a wrong key.
    let anonymous = app.client.post(app.url(INTERNAL)).json(&plain).send().await.unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);
    let (status, _) = notify(&app, &user.token, &plain).await;
    assert_eq!(status, 403);
    let (status, _) = notify(&app, &format!("{INTERNAL_KEY}x"), &plain).await;
    assert_eq!(status, 401);
    assert_eq!(unread(&app, &user).await, 3, "the welcome and the two above");
}

#[tokio::test]
async fn the_internal_route_refuses_bad_requests_with_400() {
    let app = spawn().await;
    let user = register(&app, "bad-requests@example.com").await;
    let ok = json!({"userId": user.id, "title": "t", "message": "m"});
    let with = |key: &str, value: Value| {
        let mut body = ok.clone();
        body[key] = value;
        body
    };
    let missing = "Missing required fields: userId, title, message";
    for (body, field) in [
        (json!({"title": "t", "message": "m"}), "userId"),
        (with("title", json!("")), "title"),
        (with("message", json!("  ")), "message"),
        (with("userId", json!(null)), "userId"),
    ] {
        let (status, error) = notify(&app, INTERNAL_KEY, &body).await;
        assert_eq!((status, error["message"].as_str()), (400, Some(missing)), "{body}: {error}");
        assert_eq!(detail_fields(&error), vec![field.to_owned()], "{error}");
    }
    for (body, field) in [
        (with("type", json!("BIRTHDAY")), "type"),
        (with("type", json!("")), "type"),
        (with("type", json!("system")), "type"),
        (with("userId", json!("not-a-user")), "userId"),
        (with("title", json!("t".repeat(201))), "title"),
        (with("message", json!("m".repeat(2001))), "message"),
        (with("metadata", json!(["a"])), "metadata"),
        (with("metadata", json!({"blob": "x".repeat(9000)})), "metadata"),
        (with("title", json!(5)), "title"),
    ] {
        let (status, error) = notify(&app, INTERNAL_KEY, &body).await;
        assert_eq!((status, error["code"].as_str()), (400, Some("validation_failed")), "{body}: {error}");
        assert_eq!(detail_fields(&error), vec![field.to_owned()], "{error}");
    }
    assert_eq!(items(&app, &user, "").await.len(), 1, "only the welcome");
    // At the limits exactly (characters, not bytes), it goes through.
    let mut body = with("title", json!("é".repeat(200)));
    body["message"] = json!("m".repeat(2000));
    let (status, made) = notify(&app, INTERNAL_KEY, &body).await;
    assert_eq!(status, 201, "{made}");
}

#[tokio::test]
async fn preferences_from_either_view_decide_what_reaches_the_inbox() {
    let app = spawn().await;
    let user = register(&app, "gate@example.com").await;
    let cancelled = json!({"userId": user.id, "title": "Cancelled", "message": "Your trip was cancelled.",
                           "type": "BOOKING_CANCELLED"});
    let (_, made) = notify(&app, INTERNAL_KEY, &cancelled).await;
    assert_eq!(made["data"]["type"], "BOOKING_CANCELLED");

    // DreamScape's view turns cancellations off in the inbox: nothing is stored, `data` is null.
    let mut prefs = data(&app, Method::GET, PREFS, &user.token, None).await;
    prefs["booking_cancelled"]["inApp"] = json!(false);
    data(&app, Method::PUT, PREFS, &user.token, Some(&prefs)).await;
    let (status, made) = notify(&app, INTERNAL_KEY, &cancelled).await;
    assert_eq!((status, made["data"].clone()), (201, Value::Null), "{made}");
    assert_eq!(items(&app, &user, "?type=booking_cancelled").await.len(), 1);
    // Booking's own events follow the same choice; confirmations still come.
    let host = register(&app, "gate-host@example.com").await;
    publish(&app, &crate::bookings::booking_event("cancelled", &user, &host, json!({}), None)).await;
    publish(&app, &crate::bookings::booking_event("confirmed", &user, &host, json!({}), None)).await;
    assert_eq!(items(&app, &user, "?type=booking_cancelled").await.len(), 1);
    assert_eq!(items(&app, &user, "?type=booking_confirmed").await.len(), 1);

    // Sojourn's grid turns platform news off; security notices always come.
    data(&app, Method::PUT, CHANNELS, &user.token, Some(&json!({"platform_update": {"in_app": false}}))).await;
    let news = json!({"userId": user.id, "title": "New", "message": "A new feature.", "type": "PLATFORM_UPDATE"});
    assert_eq!(notify(&app, INTERNAL_KEY, &news).await.1["data"], Value::Null);
    assert_eq!(data(&app, Method::GET, PREFS, &user.token, None).await["platform_update"]["inApp"], false);
    let security =
        json!({"userId": user.id, "title": "New sign-in", "message": "From Paris.", "type": "ACCOUNT_SECURITY"});
    assert_eq!(notify(&app, INTERNAL_KEY, &security).await.1["data"]["type"], "ACCOUNT_SECURITY");
}

#[tokio::test]
async fn the_document_states_what_the_routes_accept() {
    let app = spawn().await;
    let (status, doc) = testkit::json(app.get("/api-docs/openapi.json").await).await;
    assert_eq!(status, 200);
    let resolve = |schema: &Value| -> Value {
        match schema["$ref"].as_str() {
            Some(r) => doc.pointer(&r.replace("#/", "/")).cloned().unwrap_or(Value::Null),
            None => schema.clone(),
        }
    };
    let params = doc["paths"][INBOX]["get"]["parameters"].as_array().unwrap().clone();
    let param = |name: &str| resolve(&params.iter().find(|p| p["name"] == name).unwrap()["schema"]);
    assert_eq!(param("status")["enum"], json!(["unread", "read", "all"]));
    let types = param("type")["enum"].as_array().unwrap().clone();
    assert_eq!(types.len(), 19);
    assert!(types.contains(&json!("payout_sent")), "{types:?}");
    assert!(!types.contains(&json!("")), "an empty type is refused, so not documented");
    // DreamScape's lenient parameters document no bounds they would not enforce.
    assert!(param("filter").get("enum").is_none());
    for name in ["page", "limit"] {
        let p = param(name);
        assert!(p.get("minimum").is_none() && p.get("maximum").is_none(), "{name}: {p}");
    }
    // Bodiless routes declare no body.
    for (path, method) in [("/mark-all-read", "patch"), ("/{id}/read", "patch"), ("/read-all", "post")] {
        let op = &doc["paths"][format!("{INBOX}{path}")][method];
        assert!(op.is_object() && op.get("requestBody").is_none(), "{path}: {op}");
    }
    // The grid's PUT works without a body (nothing changes), so its body is optional.
    let grid = &doc["paths"][CHANNELS]["put"]["requestBody"];
    assert!(grid.is_object() && grid["required"] != true, "{grid}");
    assert_eq!(doc["paths"][PREFS]["put"]["requestBody"]["required"], true);
    let body = |path: &str, method: &str| {
        resolve(&doc["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"])
    };
    let new = body(INTERNAL, "post");
    assert_eq!(new["required"], json!(["userId", "title", "message"]), "{new}");
    assert_eq!(
        (new["properties"]["title"]["maxLength"].clone(), new["properties"]["message"]["maxLength"].clone()),
        (json!(200), json!(2000))
    );
    let prefs = body(PREFS, "put");
    assert_eq!(prefs["required"].as_array().unwrap().len(), 7, "{prefs}");
    let channels = resolve(&prefs["properties"]["promo_offer"]);
    assert_eq!(channels["required"], json!(["inApp", "email"]), "{channels}");
}
