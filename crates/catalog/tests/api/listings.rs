use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::{call, create_listing, data, host, loft, register, spawn};

#[tokio::test]
async fn a_stay_goes_from_draft_to_published_and_public() {
    let app = spawn().await;
    let h = host(&app, "host@example.com").await;
    let response = call(&app, Method::POST, Some(&h.token), "/api/v1/listings", Some(&loft())).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let listing = data(response).await["listing"].clone();
    assert_eq!(listing["status"], "draft");
    assert_eq!(listing["stay"]["nightlyPrice"], 12000);
    assert_eq!(listing["address"]["country"], "FR");
    let id = listing["id"].as_str().unwrap().to_owned();

    // Drafts are invisible to others and absent from the public list.
    expect_error(call(&app, Method::GET, None, &format!("/api/v1/listings/{id}"), None).await, 404, "not_found").await;
    let public = data(call(&app, Method::GET, None, "/api/v1/listings", None).await).await;
    assert_eq!(public["pagination"]["total"], 0);

    let published =
        data(call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    assert_eq!(published["listing"]["status"], "published");
    let seen = data(call(&app, Method::GET, None, &format!("/api/v1/listings/{id}"), None).await).await;
    assert_eq!(seen["listing"]["title"], "Loft by the canal");
    for query in ["", "?kind=stay", "?city=paris", "?country=fr"] {
        let list = data(call(&app, Method::GET, None, &format!("/api/v1/listings{query}"), None).await).await;
        assert_eq!(list["pagination"]["total"], 1, "{query}");
    }
    for query in ["?kind=product", "?city=Lyon", "?country=DE"] {
        let list = data(call(&app, Method::GET, None, &format!("/api/v1/listings{query}"), None).await).await;
        assert_eq!(list["pagination"]["total"], 0, "{query}");
    }
    expect_error(
        call(&app, Method::GET, None, "/api/v1/listings?kind=castle&country=France", None).await,
        400,
        "validation_failed",
    )
    .await;

    // Unpublish and delete.
    let off =
        data(call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/unpublish"), None).await).await;
    assert_eq!(off["listing"]["status"], "unpublished");
    assert_eq!(data(call(&app, Method::GET, None, "/api/v1/listings", None).await).await["pagination"]["total"], 0);
    assert_eq!(call(&app, Method::DELETE, Some(&h.token), &format!("/api/v1/listings/{id}"), None).await.status(), 200);
    let mine = data(call(&app, Method::GET, Some(&h.token), "/api/v1/listings/mine", None).await).await;
    assert_eq!(mine["pagination"]["total"], 0);

    let db = app.platform.db("catalog").unwrap();
    let events: Vec<(String,)> =
        platform::db::query("SELECT event_type FROM outbox ORDER BY seq").fetch_all(db).await.unwrap();
    let types: Vec<&str> = events.iter().map(|(t,)| t.as_str()).collect();
    assert_eq!(
        types,
        ["provider.created", "listing.created", "listing.published", "listing.unpublished", "listing.deleted"]
    );
}

#[tokio::test]
async fn publishing_needs_a_complete_listing() {
    let app = spawn().await;
    let h = host(&app, "host@example.com").await;
    let draft = create_listing(&app, &h.token, &json!({"kind": "stay", "title": "Tiny cabin"})).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    assert_eq!(draft["timezone"], "Europe/Paris", "defaults come from the provider");
    let err = expect_error(
        call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await,
        422,
        "listing_incomplete",
    )
    .await;
    let fields: Vec<&str> = err["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    for f in ["description", "address.city", "location", "stay.nightlyPrice", "stay.checkInTime"] {
        assert!(fields.contains(&f), "{f} not named: {fields:?}");
    }
}

#[tokio::test]
async fn stay_validation_names_every_bad_field() {
    let app = spawn().await;
    let h = host(&app, "host@example.com").await;
    let mut bad = loft();
    bad["title"] = json!("<script>");
    bad["amenities"] = json!(["wifi", "moat"]);
    bad["cancellationPolicy"] = json!("never");
    bad["location"] = json!({"lat": 120.0, "lng": 2.0});
    bad["stay"]["maxGuests"] = json!(0);
    bad["stay"]["nightlyPrice"] = json!(-5);
    bad["stay"]["checkInTime"] = json!("3pm");
    bad["product"] = json!({"sku": "X"});
    let err = expect_error(
        call(&app, Method::POST, Some(&h.token), "/api/v1/listings", Some(&bad)).await,
        400,
        "validation_failed",
    )
    .await;
    let mut fields: Vec<&str> =
        err["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "amenities",
            "cancellationPolicy",
            "location",
            "product",
            "stay.checkInTime",
            "stay.maxGuests",
            "stay.nightlyPrice",
            "title"
        ]
    );
    for body in [json!({"kind": "castle", "title": "X Y Z"}), json!({"title": "No kind"})] {
        expect_error(
            call(&app, Method::POST, Some(&h.token), "/api/v1/listings", Some(&body)).await,
            400,
            "validation_failed",
        )
        .await;
    }
    let plain = register(&app, "guest@example.com").await;
    expect_error(
        call(&app, Method::POST, Some(&plain.token), "/api/v1/listings", Some(&loft())).await,
        403,
        "not_a_provider",
    )
    .await;
}

#[tokio::test]
async fn only_the_owner_edits_and_admins_moderate() {
    let app = spawn().await;
    let a = host(&app, "a@example.com").await;
    let b = host(&app, "b@example.com").await;
    let id = create_listing(&app, &a.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    expect_error(call(&app, Method::GET, Some(&b.token), &path, None).await, 404, "not_found").await;
    expect_error(
        call(&app, Method::PUT, Some(&b.token), &path, Some(&json!({"title": "Mine now"}))).await,
        404,
        "not_found",
    )
    .await;
    expect_error(call(&app, Method::DELETE, Some(&b.token), &path, None).await, 404, "not_found").await;
    expect_error(call(&app, Method::POST, Some(&b.token), &format!("{path}/publish"), None).await, 404, "not_found")
        .await;
    data(call(&app, Method::POST, Some(&a.token), &format!("{path}/publish"), None).await).await;
    expect_error(call(&app, Method::POST, Some(&b.token), &format!("{path}/unpublish"), None).await, 404, "not_found")
        .await;

    // An administrator may take any listing offline.
    let db = app.platform.db("identity").unwrap();
    let moderator = register(&app, "mod@example.com").await;
    platform::db::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(moderator.id.parse::<uuid::Uuid>().unwrap())
        .execute(db)
        .await
        .unwrap();
    let login = json!({"email": "mod@example.com", "password": "Password1!"});
    let (_, body) = testkit::json(app.post_json("/api/v1/auth/login", &login).await).await;
    let admin_token = body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned();
    let off = data(
        call(&app, Method::POST, Some(&admin_token), &format!("{path}/unpublish"), Some(&json!({"reason": "spam"})))
            .await,
    )
    .await;
    assert_eq!(off["listing"]["status"], "unpublished");
}

#[tokio::test]
async fn concurrent_edits_are_detected_with_if_match() {
    let app = spawn().await;
    let h = host(&app, "host@example.com").await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    let put = |etag: &'static str, body: Value| {
        app.client.put(app.url(&path)).bearer_auth(&h.token).header("if-match", etag).json(&body).send()
    };
    let first = put("\"1\"", json!({"title": "Loft, canal side"})).await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["etag"], "\"2\"");
    // A second editor still holding version 1 is stopped instead of overwriting.
    let stale = put("\"1\"", json!({"title": "Old title"})).await.unwrap();
    expect_error(stale, 412, "version_conflict").await;
    let seen = data(call(&app, Method::GET, Some(&h.token), &path, None).await).await;
    assert_eq!(seen["listing"]["title"], "Loft, canal side");
    expect_error(put("garbage", json!({"title": "X Y Z"})).await.unwrap(), 400, "bad_request").await;

    // Raced: many writers holding version 2, exactly one wins.
    let responses = futures_race(&app, &h.token, &path).await;
    assert_eq!(responses.iter().filter(|s| **s == 200).count(), 1, "{responses:?}");
    assert_eq!(responses.iter().filter(|s| **s == 412).count(), responses.len() - 1, "{responses:?}");

    // A published listing must stay complete.
    data(call(&app, Method::POST, Some(&h.token), &format!("{path}/publish"), None).await).await;
    let emptied = call(&app, Method::PUT, Some(&h.token), &path, Some(&json!({"description": ""}))).await;
    expect_error(emptied, 422, "listing_incomplete").await;
}

async fn futures_race(app: &testkit::TestApp, token: &str, path: &str) -> Vec<u16> {
    let requests = (0..10).map(|i| {
        app.client
            .put(app.url(path))
            .bearer_auth(token)
            .header("if-match", "\"2\"")
            .json(&json!({"title": format!("Racer {i}")}))
            .send()
    });
    let mut out = Vec::new();
    for r in futures_util::future::join_all(requests).await {
        out.push(r.unwrap().status().as_u16());
    }
    out
}

#[tokio::test]
async fn shipping_options_say_which_countries_they_serve() {
    let app = spawn().await;
    let h = host(&app, "shipper@example.com").await;
    let options = json!([{"name": "Express", "price": 1500, "estimatedDays": 1, "countries": ["fr", "be"]},
                         {"name": "Post", "price": 500, "estimatedDays": 4}]);
    let mug = json!({"kind": "product", "title": "Mug", "product": {"shippingOptions": options}});
    let listing = create_listing(&app, &h.token, &mug).await;
    let shown = &listing["product"]["shippingOptions"];
    assert_eq!(shown[0]["countries"], json!(["FR", "BE"]), "{listing}");
    assert!(shown[1].get("countries").is_none(), "absent: ships everywhere: {listing}");

    let bad = json!([{"name": "Express", "price": 1500, "estimatedDays": 1, "countries": ["France"]},
                     {"name": "EXPRESS", "price": 500, "estimatedDays": 4, "countries": []}]);
    let body = json!({"kind": "product", "title": "Mug", "product": {"shippingOptions": bad}});
    let err = expect_error(
        call(&app, Method::POST, Some(&h.token), "/api/v1/listings", Some(&body)).await,
        400,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = err["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    let expected = [
        "product.shippingOptions[0].countries",
        "product.shippingOptions[1].name",
        "product.shippingOptions[1].countries",
    ];
    assert_eq!(fields, expected, "{err}");
}

#[tokio::test]
async fn a_product_publishes_without_coordinates() {
    let app = spawn().await;
    let h = host(&app, "seller@example.com").await;
    let chair = json!({"kind": "product", "title": "Oak chair", "description": "Solid oak chair, lightly used, no scratches.",
        "address": {"line1": "3 rue Oberkampf", "city": "Paris", "country": "FR"},
        "product": {"sku": "CHAIR-01", "stockQuantity": 2, "price": 4500, "condition": "used",
                    "shippingOptions": [{"name": "Colissimo", "price": 990, "estimatedDays": 3}]}});
    let listing = create_listing(&app, &h.token, &chair).await;
    assert_eq!(listing["product"]["condition"], "used");
    assert!(listing.get("stay").is_none());
    let id = listing["id"].as_str().unwrap().to_owned();
    let published =
        data(call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    assert_eq!(published["listing"]["status"], "published");
    let list = data(call(&app, Method::GET, None, "/api/v1/listings?kind=product", None).await).await;
    assert_eq!(list["pagination"]["total"], 1);

    let bad = json!({"kind": "product", "title": "Bad", "product": {"sku": "a b", "price": 0, "condition": "broken"}, "stay": {"beds": 1}});
    let err = expect_error(
        call(&app, Method::POST, Some(&h.token), "/api/v1/listings", Some(&bad)).await,
        400,
        "validation_failed",
    )
    .await;
    let mut fields: Vec<&str> =
        err["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["product.condition", "product.price", "product.sku", "stay"], "{err}");
    let incomplete = create_listing(&app, &h.token, &json!({"kind": "product", "title": "Lamp"})).await;
    let id = incomplete["id"].as_str().unwrap();
    let err = expect_error(
        call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await,
        422,
        "listing_incomplete",
    )
    .await;
    let fields: Vec<&str> = err["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert!(!fields.iter().any(|f| f.starts_with("location")), "products need no coordinates: {err}");
}

#[tokio::test]
async fn a_listing_reads_with_its_photos() {
    let app = spawn().await;
    let h = host(&app, "host@example.com").await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let seen = data(call(&app, Method::GET, Some(&h.token), &format!("/api/v1/listings/{id}"), None).await).await;
    assert_eq!(seen["listing"]["photos"], json!([]), "a new listing has none");
}
