//! Itineraries through HTTP: a traveller's own plans and their ordered items — validation,
//! partial updates, drag-and-drop reordering kept dense, limits, privacy, and the voyage
//! prefixes they answer under.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::*;

const BASE: &str = "/api/v1/itineraries";

async fn create(app: &App, user: &User, body: &Value) -> reqwest::Response {
    call(app, Method::POST, Some(&user.token), BASE, Some(body)).await
}

/// A new itinerary of `user` named `name`; returns its id.
async fn itinerary(app: &App, user: &User, name: &str) -> String {
    let (status, out) = testkit::json(create(app, user, &json!({"name": name})).await).await;
    assert_eq!(status, 201, "{out}");
    out["data"]["itinerary"]["id"].as_str().unwrap().to_owned()
}

async fn get(app: &App, user: &User, id: &str) -> Value {
    data(call(app, Method::GET, Some(&user.token), &format!("{BASE}/{id}"), None).await).await["itinerary"].clone()
}

async fn add(app: &App, user: &User, id: &str, body: &Value) -> reqwest::Response {
    call(app, Method::POST, Some(&user.token), &format!("{BASE}/{id}/items"), Some(body)).await
}

/// Adds a note titled `title` (at `order` when given); returns `{item, itinerary}`.
async fn note(app: &App, user: &User, id: &str, title: &str, order: Option<i64>) -> Value {
    let mut body = json!({"type": "note", "title": title});
    if let Some(order) = order {
        body["order"] = json!(order);
    }
    let (status, out) = testkit::json(add(app, user, id, &body).await).await;
    assert_eq!(status, 201, "{out}");
    out["data"].clone()
}

async fn put_item(app: &App, user: &User, id: &str, item: &str, body: &Value) -> reqwest::Response {
    call(app, Method::PUT, Some(&user.token), &format!("{BASE}/{id}/items/{item}"), Some(body)).await
}

/// Moves `item` to `order`; returns the itinerary as answered.
async fn move_to(app: &App, user: &User, id: &str, item: &str, order: i64) -> Value {
    data(put_item(app, user, id, item, &json!({"order": order})).await).await["itinerary"].clone()
}

fn titles(itinerary: &Value) -> Vec<String> {
    itinerary["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect()
}

/// Asserts the items' orders are exactly 0..n-1, in the order served; returns the titles.
fn dense(itinerary: &Value) -> Vec<String> {
    let orders: Vec<i64> =
        itinerary["items"].as_array().unwrap().iter().map(|t| t["order"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = (0..i64::try_from(orders.len()).unwrap()).collect();
    assert_eq!(orders, expected, "{itinerary}");
    assert_eq!(itinerary["itemCount"].as_i64(), Some(i64::try_from(orders.len()).unwrap()));
    titles(itinerary)
}

/// The id of the item titled `title`.
fn item_id(itinerary: &Value, title: &str) -> String {
    let items = itinerary["items"].as_array().unwrap();
    items.iter().find(|t| t["title"] == title).unwrap()["id"].as_str().unwrap().to_owned()
}

/// An itinerary of `user` holding notes `titles`, in that order.
async fn with_notes(app: &App, user: &User, titles: &[&str]) -> (String, Value) {
    let id = itinerary(app, user, "Trip").await;
    let mut last = Value::Null;
    for t in titles {
        last = note(app, user, &id, t, None).await["itinerary"].clone();
    }
    (id, last)
}

#[tokio::test]
async fn itineraries_are_created_read_updated_and_deleted() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;

    let body = json!({"name": "  Lisbon in spring ", "description": "Tiles and tram 28.\nAnd pastéis.",
                      "destination": "Lisbon, Portugal", "startDate": "2027-05-01", "endDate": "2027-05-08", "isPublic": true});
    let (status, out) = testkit::json(create(&app, &ana, &body).await).await;
    assert_eq!(status, 201, "{out}");
    let created = &out["data"]["itinerary"];
    assert_eq!(
        (created["name"].as_str(), created["destination"].as_str(), created["description"].as_str()),
        (Some("Lisbon in spring"), Some("Lisbon, Portugal"), Some("Tiles and tram 28.\nAnd pastéis."))
    );
    assert_eq!(
        (created["startDate"].as_str(), created["endDate"].as_str(), created["isPublic"].as_bool()),
        (Some("2027-05-01"), Some("2027-05-08"), Some(true))
    );
    assert_eq!((created["items"].clone(), created["itemCount"].as_i64()), (json!([]), Some(0)));
    assert_eq!(
        (created["createdAt"].as_str(), created["updatedAt"].as_str()),
        (Some("2027-01-04T09:00:00Z"), Some("2027-01-04T09:00:00Z"))
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(&get(&app, &ana, &id).await, created);

    // Only the name is needed; the rest defaults.
    let (status, out) = testkit::json(create(&app, &ana, &json!({"name": "Someday"})).await).await;
    assert_eq!(status, 201, "{out}");
    let bare = &out["data"]["itinerary"];
    assert_eq!(
        (bare["isPublic"].as_bool(), bare["startDate"].clone(), bare["description"].clone()),
        (Some(false), Value::Null, Value::Null)
    );

    // Every bad field is listed at once.
    let bad = json!({"name": "", "description": "x".repeat(2001), "destination": 7, "startDate": "2027-02-30",
                     "endDate": "05/08/2027", "isPublic": "yes"});
    let e = expect_error(create(&app, &ana, &bad).await, 400, "validation_failed").await;
    assert_eq!(cap_fields(&e), ["name", "description", "destination", "startDate", "endDate", "isPublic"]);
    for (body, field) in [
        (json!({}), "name"),
        (json!({"name": "x".repeat(201)}), "name"),
        (json!({"name": "Back", "startDate": "2027-05-08", "endDate": "2027-05-01"}), "endDate"),
        (json!({"name": "Long", "startDate": "2027-01-01", "endDate": "2028-01-03"}), "endDate"),
        (json!({"name": "Odd", "colour": "red"}), "colour"),
    ] {
        let e = expect_error(create(&app, &ana, &body).await, 400, "validation_failed").await;
        assert_eq!(cap_fields(&e), [field], "{body}");
    }
    let year = json!({"name": "A year", "startDate": "2027-01-01", "endDate": "2028-01-02"});
    assert_eq!(create(&app, &ana, &year).await.status(), 201);
    let raw = app
        .client
        .post(app.url(BASE))
        .bearer_auth(&ana.token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    expect_error(raw, 400, "invalid_json").await;

    // A partial update changes only what is sent; null and "" clear optional fields.
    app.clock.advance(chrono::Duration::minutes(1));
    let path = format!("{BASE}/{id}");
    let change = json!({"name": "Lisbon and Porto", "description": null, "endDate": "2027-05-12", "destination": ""});
    let updated =
        data(call(&app, Method::PUT, Some(&ana.token), &path, Some(&change)).await).await["itinerary"].clone();
    assert_eq!(
        (updated["name"].as_str(), updated["description"].clone(), updated["destination"].clone()),
        (Some("Lisbon and Porto"), Value::Null, Value::Null)
    );
    assert_eq!(
        (updated["startDate"].as_str(), updated["endDate"].as_str(), updated["isPublic"].as_bool()),
        (Some("2027-05-01"), Some("2027-05-12"), Some(true))
    );
    assert_eq!(
        (updated["createdAt"].as_str(), updated["updatedAt"].as_str()),
        (Some("2027-01-04T09:00:00Z"), Some("2027-01-04T09:01:00Z"))
    );
    assert_eq!(get(&app, &ana, &id).await, updated);
    // A start after the kept end is blamed on the start; a refused update changes nothing.
    let e = expect_error(
        call(&app, Method::PUT, Some(&ana.token), &path, Some(&json!({"name": "New", "startDate": "2027-06-01"})))
            .await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(cap_fields(&e), ["startDate"]);
    for body in [json!({"name": null}), json!({"items": []}), json!({"isPublic": 1})] {
        let e =
            expect_error(call(&app, Method::PUT, Some(&ana.token), &path, Some(&body)).await, 400, "validation_failed")
                .await;
        assert_eq!(cap_fields(&e).len(), 1, "{body}: {e}");
    }
    assert_eq!(get(&app, &ana, &id).await, updated);

    // Ids that are not UUIDs, and unknown ones, are 404.
    for bad_id in ["nope", "123", "00000000-0000-0000-0000-000000000000"] {
        let r = call(&app, Method::GET, Some(&ana.token), &format!("{BASE}/{bad_id}"), None).await;
        expect_error(r, 404, "not_found").await;
    }
    let r = call(&app, Method::PUT, Some(&ana.token), &format!("{BASE}/nope/items/nope"), Some(&json!({}))).await;
    expect_error(r, 404, "not_found").await;

    let gone = data(call(&app, Method::DELETE, Some(&ana.token), &path, None).await).await;
    assert_eq!(gone, json!({}));
    expect_error(call(&app, Method::GET, Some(&ana.token), &path, None).await, 404, "not_found").await;
    expect_error(call(&app, Method::DELETE, Some(&ana.token), &path, None).await, 404, "not_found").await;
}

#[tokio::test]
async fn the_list_is_the_callers_newest_first_paged_with_item_counts() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let bea = register(&app, "bea@example.com").await;
    let mut ids = Vec::new();
    for name in ["First", "Second", "Third"] {
        ids.push(itinerary(&app, &ana, name).await);
        app.clock.advance(chrono::Duration::minutes(1));
    }
    itinerary(&app, &bea, "Bea's").await;
    note(&app, &ana, &ids[1], "a", None).await;
    note(&app, &ana, &ids[1], "b", None).await;

    let list = |query: &str| {
        let path = format!("{BASE}{query}");
        let (app, token) = (&app, ana.token.clone());
        async move { call(app, Method::GET, Some(&token), &path, None).await }
    };
    let page = data(list("").await).await;
    let names: Vec<&str> =
        page["itineraries"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Third", "Second", "First"]);
    let counts: Vec<i64> =
        page["itineraries"].as_array().unwrap().iter().map(|i| i["itemCount"].as_i64().unwrap()).collect();
    assert_eq!(counts, [0, 2, 0]);
    assert!(page["itineraries"].as_array().unwrap().iter().all(|i| i.get("items").is_none()), "{page}");
    assert_eq!(page["pagination"], json!({"total": 3, "limit": 20, "offset": 0}));

    let second = data(list("?limit=2&offset=1").await).await;
    let names: Vec<&str> =
        second["itineraries"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Second", "First"]);
    assert_eq!(second["pagination"], json!({"total": 3, "limit": 2, "offset": 1}));
    let e = expect_error(list("?limit=0&offset=-1").await, 400, "validation_failed").await;
    assert_eq!(cap_fields(&e), ["limit", "offset"]);

    let theirs = data(call(&app, Method::GET, Some(&bea.token), BASE, None).await).await;
    assert_eq!(theirs["pagination"]["total"].as_i64(), Some(1));
    assert_eq!(theirs["itineraries"][0]["name"].as_str(), Some("Bea's"));
}

#[tokio::test]
async fn items_append_insert_at_an_order_and_clamp() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let id = itinerary(&app, &ana, "Trip").await;

    let first = note(&app, &ana, &id, "A", None).await;
    assert_eq!((first["item"]["order"].as_i64(), first["item"]["itineraryId"].as_str()), (Some(0), Some(id.as_str())));
    note(&app, &ana, &id, "B", None).await;
    let out = note(&app, &ana, &id, "C", None).await;
    assert_eq!(dense(&out["itinerary"]), ["A", "B", "C"]);

    // Inserting at an order pushes the others down.
    let out = note(&app, &ana, &id, "X", Some(1)).await;
    assert_eq!(out["item"]["order"].as_i64(), Some(1));
    assert_eq!(dense(&out["itinerary"]), ["A", "X", "B", "C"]);
    let out = note(&app, &ana, &id, "Front", Some(-5)).await;
    assert_eq!(out["item"]["order"].as_i64(), Some(0));
    assert_eq!(dense(&out["itinerary"]), ["Front", "A", "X", "B", "C"]);
    let out = note(&app, &ana, &id, "End", Some(99)).await;
    assert_eq!(out["item"]["order"].as_i64(), Some(5));
    assert_eq!(dense(&out["itinerary"]), ["Front", "A", "X", "B", "C", "End"]);
    assert_eq!(dense(&get(&app, &ana, &id).await), ["Front", "A", "X", "B", "C", "End"]);

    // A full item, as served.
    let body = json!({"type": "flight", "title": "TP 433 Paris → Lisbon", "description": "Window seat",
                      "location": "CDG Terminal 1", "startsAt": "2027-05-01T10:05:00+02:00", "endsAt": "2027-05-01T11:45:00+01:00",
                      "timezone": "Europe/Lisbon", "bookingReference": "DS-A7B3X2K1",
                      "reservationId": "0190f3f2-7d2a-7c3e-8f00-000000000001", "data": {"seat": "12A", "bags": 1}});
    let (status, out) = testkit::json(add(&app, &ana, &id, &body).await).await;
    assert_eq!(status, 201, "{out}");
    let item = &out["data"]["item"];
    assert_eq!(
        (item["type"].as_str(), item["startsAt"].as_str(), item["endsAt"].as_str()),
        (Some("flight"), Some("2027-05-01T08:05:00Z"), Some("2027-05-01T10:45:00Z"))
    );
    assert_eq!(
        (item["timezone"].as_str(), item["bookingReference"].as_str(), item["data"].clone(), item["order"].as_i64()),
        (Some("Europe/Lisbon"), Some("DS-A7B3X2K1"), json!({"seat": "12A", "bags": 1}), Some(6))
    );
    assert_eq!(item["reservationId"].as_str(), Some("0190f3f2-7d2a-7c3e-8f00-000000000001"));
    assert_eq!(out["data"]["itinerary"]["items"][6], *item);

    // Every bad field at once; nothing is added.
    let bad = json!({"type": "spaceship", "title": "", "location": "x".repeat(301), "startsAt": "2027-05-01",
                     "endsAt": "later", "timezone": "Europe/Atlantis", "bookingReference": "x".repeat(33),
                     "reservationId": "DS-A7B3X2K1", "data": ["not", "an", "object"], "order": "first"});
    let e = expect_error(add(&app, &ana, &id, &bad).await, 400, "validation_failed").await;
    let expected = "type title location startsAt endsAt timezone bookingReference reservationId data order";
    assert_eq!(cap_fields(&e), expected.split(' ').collect::<Vec<_>>());
    for (body, field) in [
        (json!({"title": "No type"}), "type"),
        (json!({"type": "note"}), "title"),
        (
            json!({"type": "hotel", "title": "Back", "startsAt": "2027-05-02T12:00:00Z", "endsAt": "2027-05-02T11:59:00Z"}),
            "endsAt",
        ),
        (json!({"type": "note", "title": "Big", "data": {"text": "x".repeat(8200)}}), "data"),
        (json!({"type": "note", "title": "Odd", "colour": "red"}), "colour"),
    ] {
        let e = expect_error(add(&app, &ana, &id, &body).await, 400, "validation_failed").await;
        assert_eq!(cap_fields(&e), [field], "{body}");
    }
    assert_eq!(get(&app, &ana, &id).await["itemCount"].as_i64(), Some(7));
}

#[tokio::test]
async fn drag_and_drop_moves_an_item_and_keeps_orders_dense() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let (id, start) = with_notes(&app, &ana, &["A", "B", "C", "D", "E"]).await;
    assert_eq!(dense(&start), ["A", "B", "C", "D", "E"]);

    // First to last, last to first.
    let moved = move_to(&app, &ana, &id, &item_id(&start, "A"), 4).await;
    assert_eq!(dense(&moved), ["B", "C", "D", "E", "A"]);
    let moved = move_to(&app, &ana, &id, &item_id(&start, "A"), 0).await;
    assert_eq!(dense(&moved), ["A", "B", "C", "D", "E"]);
    let moved = move_to(&app, &ana, &id, &item_id(&start, "E"), 0).await;
    assert_eq!(dense(&moved), ["E", "A", "B", "C", "D"]);
    // Within the middle, both ways.
    let moved = move_to(&app, &ana, &id, &item_id(&start, "A"), 3).await;
    assert_eq!(dense(&moved), ["E", "B", "C", "A", "D"]);
    let moved = move_to(&app, &ana, &id, &item_id(&start, "D"), 1).await;
    assert_eq!(dense(&moved), ["E", "D", "B", "C", "A"]);
    // Out of range clamps to either end; the same place changes nothing.
    let moved = move_to(&app, &ana, &id, &item_id(&start, "E"), 99).await;
    assert_eq!(dense(&moved), ["D", "B", "C", "A", "E"]);
    let moved = move_to(&app, &ana, &id, &item_id(&start, "C"), -3).await;
    assert_eq!(dense(&moved), ["C", "D", "B", "A", "E"]);
    let out = data(put_item(&app, &ana, &id, &item_id(&start, "B"), &json!({"order": 2})).await).await;
    assert_eq!(dense(&out["itinerary"]), ["C", "D", "B", "A", "E"]);
    assert_eq!((out["item"]["title"].as_str(), out["item"]["order"].as_i64()), (Some("B"), Some(2)));
    // A move with other changes does both.
    let out = data(put_item(&app, &ana, &id, &item_id(&start, "A"), &json!({"order": 0, "title": "A2"})).await).await;
    assert_eq!((out["item"]["title"].as_str(), out["item"]["order"].as_i64()), (Some("A2"), Some(0)));
    assert_eq!(dense(&get(&app, &ana, &id).await), ["A2", "C", "D", "B", "E"]);

    // A bad order moves nothing.
    let r = put_item(&app, &ana, &id, &item_id(&start, "E"), &json!({"order": 1.5})).await;
    assert_eq!(cap_fields(&expect_error(r, 400, "validation_failed").await), ["order"]);
    assert_eq!(dense(&get(&app, &ana, &id).await), ["A2", "C", "D", "B", "E"]);
}

#[tokio::test]
async fn removing_items_renumbers_the_rest() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let (id, start) = with_notes(&app, &ana, &["A", "B", "C", "D"]).await;
    let remove = |title: &str| {
        let path = format!("{BASE}/{id}/items/{}", item_id(&start, title));
        let (app, token) = (&app, ana.token.clone());
        async move { call(app, Method::DELETE, Some(&token), &path, None).await }
    };
    let out = data(remove("B").await).await;
    assert_eq!(dense(&out["itinerary"]), ["A", "C", "D"]);
    let out = data(remove("A").await).await;
    assert_eq!(dense(&out["itinerary"]), ["C", "D"]);
    let out = data(remove("D").await).await;
    assert_eq!(dense(&out["itinerary"]), ["C"]);
    expect_error(remove("D").await, 404, "not_found").await;
    // Appending after removals lands right after the last.
    let out = note(&app, &ana, &id, "E", None).await;
    assert_eq!(out["item"]["order"].as_i64(), Some(1));
    assert_eq!(dense(&out["itinerary"]), ["C", "E"]);
}

#[tokio::test]
async fn items_update_partially_and_null_clears() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let id = itinerary(&app, &ana, "Trip").await;
    let body = json!({"type": "hotel", "title": "Hotel", "description": "Late check-in", "location": "Alfama",
                      "startsAt": "2027-05-01T15:00:00Z", "endsAt": "2027-05-03T11:00:00Z", "timezone": "Europe/Lisbon",
                      "bookingReference": "DS-B8C4Y3L2", "reservationId": "0190f3f2-7d2a-7c3e-8f00-000000000002",
                      "data": {"room": 12}});
    let (status, out) = testkit::json(add(&app, &ana, &id, &body).await).await;
    assert_eq!(status, 201, "{out}");
    let original = out["data"]["item"].clone();
    let item = original["id"].as_str().unwrap().to_owned();

    app.clock.advance(chrono::Duration::minutes(1));
    let out = data(put_item(&app, &ana, &id, &item, &json!({"title": "Hotel Alfama", "type": "stay"})).await).await;
    let changed = &out["item"];
    let mut expected = original.clone();
    expected["title"] = json!("Hotel Alfama");
    expected["type"] = json!("stay");
    expected["updatedAt"] = json!("2027-01-04T09:01:00Z");
    assert_eq!(*changed, expected);
    assert_eq!(out["itinerary"]["updatedAt"].as_str(), Some("2027-01-04T09:01:00Z"));

    let clear = json!({"description": null, "location": null, "endsAt": null, "timezone": null, "bookingReference": null,
                       "reservationId": null, "data": null});
    let cleared = data(put_item(&app, &ana, &id, &item, &clear).await).await["item"].clone();
    for field in ["description", "location", "endsAt", "timezone", "bookingReference", "reservationId", "data"] {
        assert_eq!(cleared[field], Value::Null, "{field}: {cleared}");
    }
    assert_eq!(
        (cleared["title"].as_str(), cleared["startsAt"].as_str(), cleared["type"].as_str()),
        (Some("Hotel Alfama"), Some("2027-05-01T15:00:00Z"), Some("stay"))
    );

    // Required fields cannot be cleared; times are checked against the kept ones.
    let e = expect_error(
        put_item(&app, &ana, &id, &item, &json!({"type": null, "title": null})).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(cap_fields(&e), ["type", "title"]);
    let back = json!({"endsAt": "2027-05-01T14:00:00Z"});
    let e = expect_error(put_item(&app, &ana, &id, &item, &back).await, 400, "validation_failed").await;
    assert_eq!(cap_fields(&e), ["endsAt"]);
    let e = expect_error(put_item(&app, &ana, &id, &item, &json!({"id": item})).await, 400, "validation_failed").await;
    assert_eq!(cap_fields(&e), ["id"]);
    assert_eq!(get(&app, &ana, &id).await["items"][0], cleared);

    // An item of another itinerary is not reachable through this one.
    let other = itinerary(&app, &ana, "Other").await;
    let r = put_item(&app, &ana, &other, &item, &json!({"title": "Moved?"})).await;
    expect_error(r, 404, "not_found").await;
}

#[tokio::test]
async fn other_travellers_get_404_everywhere_and_anonymous_callers_401() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let eve = register(&app, "eve@example.com").await;
    let (id, start) = with_notes(&app, &ana, &["A", "B"]).await;
    let item = item_id(&start, "A");
    let one = format!("{BASE}/{id}");
    let items = format!("{BASE}/{id}/items");
    let the_item = format!("{BASE}/{id}/items/{item}");
    let note = json!({"type": "note", "title": "Mine now"});
    let routes = [
        (Method::GET, one.clone(), None),
        (Method::PUT, one.clone(), Some(json!({"name": "Eve's"}))),
        (Method::DELETE, one.clone(), None),
        (Method::POST, items.clone(), Some(note.clone())),
        (Method::PUT, the_item.clone(), Some(json!({"title": "Eve's", "order": 1}))),
        (Method::DELETE, the_item.clone(), None),
    ];
    for (method, path, body) in &routes {
        let r = call(&app, method.clone(), Some(&eve.token), path, body.as_ref()).await;
        expect_error(r, 404, "not_found").await;
    }
    for (method, path, body) in routes.iter().chain(
        [(Method::GET, BASE.to_owned(), None), (Method::POST, BASE.to_owned(), Some(json!({"name": "Anon"})))].iter(),
    ) {
        expect_error(call(&app, method.clone(), None, path, body.as_ref()).await, 401, "unauthorized").await;
    }
    // Nothing changed, and Eve's list does not show it.
    let kept = get(&app, &ana, &id).await;
    assert_eq!((kept["name"].as_str(), dense(&kept)), (Some("Trip"), vec!["A".to_owned(), "B".to_owned()]));
    let list = data(call(&app, Method::GET, Some(&eve.token), BASE, None).await).await;
    assert_eq!(list["pagination"]["total"].as_i64(), Some(0));
}

#[tokio::test]
async fn the_routes_answer_under_every_voyage_prefix() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let mut ids = Vec::new();
    for prefix in ["/api/v1", "/api", "/api/v1/voyage"] {
        let base = format!("{prefix}/itineraries");
        let body = json!({"name": format!("Made under {prefix}")});
        let (status, out) = testkit::json(call(&app, Method::POST, Some(&ana.token), &base, Some(&body)).await).await;
        assert_eq!(status, 201, "{prefix}: {out}");
        let id = out["data"]["itinerary"]["id"].as_str().unwrap().to_owned();
        let item = json!({"type": "note", "title": prefix});
        let path = format!("{base}/{id}/items");
        let added = data(call(&app, Method::POST, Some(&ana.token), &path, Some(&item)).await).await;
        let item_id = added["item"]["id"].as_str().unwrap();
        let path = format!("{base}/{id}/items/{item_id}");
        data(call(&app, Method::PUT, Some(&ana.token), &path, Some(&json!({"order": 0}))).await).await;
        ids.push(id);
    }
    // Whatever the prefix, it is the same resource.
    for prefix in ["/api/v1", "/api", "/api/v1/voyage"] {
        let list = data(call(&app, Method::GET, Some(&ana.token), &format!("{prefix}/itineraries"), None).await).await;
        assert_eq!(list["pagination"]["total"].as_i64(), Some(3), "{prefix}");
        for (id, made_under) in ids.iter().zip(["/api/v1", "/api", "/api/v1/voyage"]) {
            let path = format!("{prefix}/itineraries/{id}");
            let one = data(call(&app, Method::GET, Some(&ana.token), &path, None).await).await;
            assert_eq!(titles(&one["itinerary"]), [made_under], "{path}");
        }
    }
    let path = format!("/api/v1/voyage/itineraries/{}", ids[0]);
    data(call(&app, Method::DELETE, Some(&ana.token), &path, None).await).await;
    expect_error(
        call(&app, Method::GET, Some(&ana.token), &format!("/api/itineraries/{}", ids[0]), None).await,
        404,
        "not_found",
    )
    .await;

    // Documented once, under /api/v1.
    let (_, doc) = testkit::json(app.get("/api-docs/openapi.json").await).await;
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/itineraries",
        "/api/v1/itineraries/{id}",
        "/api/v1/itineraries/{id}/items",
        "/api/v1/itineraries/{id}/items/{itemId}",
    ] {
        assert!(paths.contains_key(path), "{path} missing");
    }
    assert!(paths.keys().all(|p| !p.starts_with("/api/itineraries") && !p.starts_with("/api/v1/voyage/")));
}

#[tokio::test]
async fn a_traveller_keeps_at_most_100_itineraries_even_when_racing() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let bea = register(&app, "bea@example.com").await;
    for n in 0..97 {
        itinerary(&app, &ana, &format!("Trip {n}")).await;
    }
    // Six at once for the last three places.
    let body = json!({"name": "Race"});
    let racers = (0..6).map(|_| create(&app, &ana, &body));
    let statuses: Vec<u16> = futures_util::future::join_all(racers).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 3, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 3, "{statuses:?}");
    expect_error(create(&app, &ana, &json!({"name": "One more"})).await, 409, "limit_reached").await;
    let list = data(call(&app, Method::GET, Some(&ana.token), BASE, None).await).await;
    assert_eq!(list["pagination"]["total"].as_i64(), Some(100));

    // The limit is per traveller, and deleting one frees a place.
    itinerary(&app, &bea, "Bea's").await;
    let oldest = data(call(&app, Method::GET, Some(&ana.token), &format!("{BASE}?offset=99"), None).await).await;
    let oldest = oldest["itineraries"][0]["id"].as_str().unwrap().to_owned();
    data(call(&app, Method::DELETE, Some(&ana.token), &format!("{BASE}/{oldest}"), None).await).await;
    itinerary(&app, &ana, "Room again").await;
}

#[tokio::test]
async fn an_itinerary_holds_at_most_200_items_and_concurrent_adds_stay_dense() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let id = itinerary(&app, &ana, "Grand tour").await;
    // Racing additions each get their own place.
    let bodies: Vec<Value> = (0..10).map(|n| json!({"type": "note", "title": format!("race {n}")})).collect();
    let adds = bodies.iter().map(|body| add(&app, &ana, &id, body));
    let statuses: Vec<u16> = futures_util::future::join_all(adds).await.iter().map(|r| r.status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let mut raced = dense(&get(&app, &ana, &id).await);
    raced.sort();
    assert_eq!(raced, (0..10).map(|n| format!("race {n}")).collect::<Vec<_>>());

    for n in 10..199 {
        note(&app, &ana, &id, &format!("stop {n}"), None).await;
    }
    // Racing for the last place: one wins.
    let bodies: Vec<Value> =
        (0..3).map(|n| json!({"type": "note", "title": format!("last {n}"), "order": 0})).collect();
    let adds = bodies.iter().map(|body| add(&app, &ana, &id, body));
    let statuses: Vec<u16> = futures_util::future::join_all(adds).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    let full = get(&app, &ana, &id).await;
    assert_eq!(dense(&full).len(), 200);
    expect_error(add(&app, &ana, &id, &json!({"type": "note", "title": "Too many"})).await, 409, "limit_reached").await;

    // Removing one frees a place.
    let first = full["items"][0]["id"].as_str().unwrap();
    data(call(&app, Method::DELETE, Some(&ana.token), &format!("{BASE}/{id}/items/{first}"), None).await).await;
    let out = note(&app, &ana, &id, "Again", None).await;
    assert_eq!(out["item"]["order"].as_i64(), Some(199));
}

#[tokio::test]
async fn deleting_an_itinerary_deletes_its_items() {
    let app = spawn().await;
    let ana = register(&app, "ana@example.com").await;
    let (gone, _) = with_notes(&app, &ana, &["A", "B", "C"]).await;
    let (kept, _) = with_notes(&app, &ana, &["D"]).await;
    let db = app.platform.db("booking").unwrap();
    let count = |id: &str| {
        let id: uuid::Uuid = id.parse().unwrap();
        async move {
            let (n,): (i64,) =
                platform::db::query("SELECT CAST(COUNT(*) AS BIGINT) FROM itinerary_items WHERE itinerary_id = $1")
                    .bind(id)
                    .fetch_one(db)
                    .await
                    .unwrap();
            n
        }
    };
    assert_eq!((count(&gone).await, count(&kept).await), (3, 1));
    data(call(&app, Method::DELETE, Some(&ana.token), &format!("{BASE}/{gone}"), None).await).await;
    assert_eq!((count(&gone).await, count(&kept).await), (0, 1));
    let r = call(
        &app,
        Method::POST,
        Some(&ana.token),
        &format!("{BASE}/{gone}/items"),
        Some(&json!({"type": "note", "title": "x"})),
    )
    .await;
    expect_error(r, 404, "not_found").await;
    assert_eq!(dense(&get(&app, &ana, &kept).await), ["D"]);
}

#[tokio::test]
async fn an_itinerary_exports_its_dated_items_as_a_calendar_in_their_time_zones() {
    let app = spawn().await;
    let traveller = register(&app, "traveller@example.com").await;
    let stranger = register(&app, "stranger@example.com").await;
    let id = itinerary(&app, &traveller, "Barcelona, May").await;
    let flight = json!({"type": "flight", "title": "CDG → BCN", "startsAt": "2030-05-01T07:00:00Z",
                        "endsAt": "2030-05-01T09:05:00Z", "timezone": "Europe/Paris", "bookingReference": "DS-A7B3X2K1"});
    assert_eq!(add(&app, &traveller, &id, &flight).await.status(), 201);
    let museum = json!({"type": "activity", "title": "Museu Picasso, Sala 3; guided", "startsAt": "2030-05-02T08:00:00Z",
                        "timezone": "Europe/Madrid", "location": "Carrer de Montcada, 15"});
    assert_eq!(add(&app, &traveller, &id, &museum).await.status(), 201);
    note(&app, &traveller, &id, "Buy a T-casual card", None).await;

    let r = call(&app, Method::GET, Some(&traveller.token), &format!("{BASE}/{id}/ics"), None).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("Barcelona__May.ics"));
    let ics = r.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.contains("X-WR-CALNAME:Barcelona\\, May"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2, "the undated note is left out: {ics}");
    assert!(ics.contains("DTSTART;TZID=Europe/Paris:20300501T090000"), "07:00Z is 09:00 in Paris in May: {ics}");
    assert!(ics.contains("DTSTART;TZID=Europe/Madrid:20300502T100000"), "{ics}");
    assert!(ics.contains("SUMMARY:Museu Picasso\\, Sala 3\\; guided"), "text is escaped: {ics}");
    assert!(ics.contains("Booking DS-A7B3X2K1"), "{ics}");
    assert!(ics.lines().all(|l| l.len() <= 75));
    let other = call(&app, Method::GET, Some(&stranger.token), &format!("{BASE}/{id}/ics"), None).await;
    expect_error(other, 404, "not_found").await;
}
