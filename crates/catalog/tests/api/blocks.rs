//! The kind blocks as a client meets them: a malformed block is a 400 whose `details` name the
//! exact field (`restaurant.openingHours[0].periods[0].open`), together with the listing's other
//! problems; the OpenAPI document describes each block's fields; a product is instant-book
//! unless its seller says otherwise.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::{call, create_listing, host, spawn};

/// The `details` of a 400 `validation_failed`, as `field → message`.
async fn details(response: reqwest::Response) -> Vec<(String, String)> {
    let err = expect_error(response, 400, "validation_failed").await;
    err["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["field"].as_str().unwrap().to_owned(), d["message"].as_str().unwrap().to_owned()))
        .collect()
}

fn fields(found: &[(String, String)]) -> Vec<&str> {
    found.iter().map(|(f, _)| f.as_str()).collect()
}

#[tokio::test]
async fn malformed_kind_blocks_name_the_field_path() {
    let app = spawn().await;
    let h = host(&app, "chef@example.com").await;
    let create = |body: Value| {
        let (app, token) = (&app, h.token.clone());
        async move { call(app, Method::POST, Some(&token), "/api/v1/listings", Some(&body)).await }
    };

    // The shapes a newcomer guesses for opening hours, each named down to the faulty member.
    let cases = [
        (json!({"mon": [{"open": "12:00", "close": "14:00"}]}), "restaurant.openingHours", "a sequence"),
        (json!([{"day": "mon", "periods": ["12:00-14:00"]}]), "restaurant.openingHours[0].periods[0]", "open"),
        (
            json!([{"day": "mon", "periods": [{"open": 1200, "close": "14:00"}]}]),
            "restaurant.openingHours[0].periods[0].open",
            "invalid type",
        ),
        (
            json!([{"day": "mon", "periods": [{"open": "12:00"}]}]),
            "restaurant.openingHours[0].periods[0].close",
            "missing field",
        ),
        (
            json!([{"day": "mon", "periods": [{"from": "12:00", "close": "14:00"}]}]),
            "restaurant.openingHours[0].periods[0].from",
            "unknown field",
        ),
        (json!([{"day": "mon", "hours": []}]), "restaurant.openingHours[0].hours", "unknown field"),
    ];
    for (hours, field, says) in cases {
        let body = json!({"kind": "restaurant", "title": "Bistro", "restaurant": {"openingHours": hours}});
        let found = details(create(body).await).await;
        assert_eq!(fields(&found), [field], "{found:?}");
        assert!(found[0].1.contains(says), "{field}: {found:?}");
        assert!(!found[0].1.contains("struct"), "no Rust type names in messages: {found:?}");
    }

    // A value that parses but breaks a rule is named the same way.
    let body = json!({"kind": "restaurant", "title": "Bistro",
                      "restaurant": {"openingHours": [{"day": "mon", "periods": [{"open": "25:00", "close": "14:00"}]}]}});
    assert_eq!(fields(&details(create(body).await).await), ["restaurant.openingHours[0].periods[0].open"]);

    // A shape error in a block is reported with the listing's other problems, on every kind.
    let body = json!({"kind": "stay", "title": "x", "stay": {"maxGuests": "four"}});
    let found = details(create(body).await).await;
    assert_eq!(fields(&found), ["title", "stay.maxGuests"], "{found:?}");
    let blocks = [
        (json!({"kind": "transport", "title": "Coach", "transport": {"vehicle": {"type": "coach", "seats": "50"}}})),
        (json!({"kind": "transport", "title": "Coach", "transport": {"routes": [{"origin": "Paris"}]}})),
        (json!({"kind": "activity", "title": "Tour", "activity": {"languages": "fr"}})),
        (json!({"kind": "product", "title": "Chair", "product": {"shippingOptions": [{"name": "Post", "price": 1.5, "estimatedDays": 2}]}})),
        (json!({"kind": "stay", "title": "Loft", "stay": "a nice flat"})),
        (json!({"kind": "restaurant", "title": "Bistro", "restaurant": {"menu": {"sections": []}}})),
    ];
    let expected = [
        "transport.vehicle.seats",
        "transport.routes[0].destination",
        "activity.languages",
        "product.shippingOptions[0].price",
        "stay",
        "restaurant.menu",
    ];
    for (body, field) in blocks.into_iter().zip(expected) {
        assert_eq!(fields(&details(create(body).await).await), [field]);
    }

    // In a batch, the item comes first; on an update, the same paths.
    let batch = json!({"listings": [{"kind": "product", "title": "Chair"},
                                    {"kind": "restaurant", "title": "Bistro", "restaurant": {"tables": [{"seats": 2}]}}]});
    let found = details(call(&app, Method::POST, Some(&h.token), "/api/v1/listings/batch", Some(&batch)).await).await;
    assert_eq!(fields(&found), ["listings[1].restaurant.tables[0].count"], "{found:?}");
    let draft = create_listing(&app, &h.token, &json!({"kind": "restaurant", "title": "Bistro"})).await;
    let path = format!("/api/v1/listings/{}", draft["id"].as_str().unwrap());
    let change = json!({"restaurant": {"slotMinutes": "90"}});
    let found = details(call(&app, Method::PUT, Some(&h.token), &path, Some(&change)).await).await;
    assert_eq!(fields(&found), ["restaurant.slotMinutes"], "{found:?}");
}

/// `$ref`s are followed within the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    let mut schema = schema;
    // `Option<T>` of a component is `oneOf: [null, $ref]`.
    if let Some(variants) = schema.get("oneOf").and_then(Value::as_array) {
        schema = variants.iter().find(|v| v.get("$ref").is_some()).unwrap_or(schema);
    }
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_kind_block() {
    let app = spawn().await;
    let (status, doc) = testkit::json(app.get("/api-docs/openapi.json").await).await;
    assert_eq!(status, 200);
    let input = &doc["components"]["schemas"]["ListingInput"];
    let expected = [
        ("stay", vec!["propertyType", "maxGuests", "nightlyPrice", "checkInTime"]),
        ("restaurant", vec!["cuisine", "openingHours", "tables", "slotMinutes"]),
        ("transport", vec!["vehicle", "routes", "pricePerSeat"]),
        ("activity", vec!["durationMinutes", "pricePerPerson", "maxParticipants", "languages"]),
        ("product", vec!["sku", "stockQuantity", "price", "condition", "shippingOptions"]),
    ];
    for (kind, names) in expected {
        let block = resolve(&doc, &input["properties"][kind]);
        let properties = block["properties"].as_object().unwrap_or_else(|| panic!("{kind}: {block}"));
        for name in names {
            assert!(properties.contains_key(name), "{kind}.{name} missing: {block}");
        }
        assert!(block.get("example").is_some(), "{kind} has an example: {block}");
        assert_eq!(block["additionalProperties"], false, "{kind}: unknown fields are refused");
    }
    // Down to a period of the opening hours.
    let restaurant = resolve(&doc, &input["properties"]["restaurant"]);
    assert!(restaurant["properties"].get("menu").is_none(), "the menu has its own resource");
    let days = &restaurant["properties"]["openingHours"];
    let day = resolve(&doc, &days["items"]);
    let period = resolve(&doc, &day["properties"]["periods"]["items"]);
    let mut members: Vec<&String> = period["properties"].as_object().unwrap().keys().collect();
    members.sort();
    assert_eq!(members, ["close", "open"], "{period}");
}

#[tokio::test]
async fn products_are_instant_purchase_unless_the_seller_says_otherwise() {
    let app = spawn().await;
    let h = host(&app, "shop@example.com").await;
    let chair = create_listing(&app, &h.token, &json!({"kind": "product", "title": "Chair"})).await;
    assert_eq!(chair["instantBook"], true);
    let asked =
        create_listing(&app, &h.token, &json!({"kind": "product", "title": "Lamp", "instantBook": false})).await;
    assert_eq!(asked["instantBook"], false);
    for kind in ["stay", "restaurant", "transport", "activity"] {
        let other = create_listing(&app, &h.token, &json!({"kind": kind, "title": "Something"})).await;
        assert_eq!(other["instantBook"], false, "{kind}");
    }
}
