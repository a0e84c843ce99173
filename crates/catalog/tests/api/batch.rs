//! `POST /api/v1/listings/batch`: many listings in one call, all or none, with the same rules
//! and the same events as one at a time.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::{call, data, host, loft, register, spawn};

const BATCH: &str = "/api/v1/listings/batch";

fn numbered(n: usize) -> Value {
    let mut l = loft();
    l["title"] = json!(format!("Loft {n}"));
    l
}

async fn outbox_types(app: &testkit::TestApp) -> Vec<String> {
    let db = app.platform.db("catalog").unwrap();
    let rows: Vec<(String,)> =
        platform::db::query("SELECT event_type FROM outbox ORDER BY seq").fetch_all(db).await.unwrap();
    rows.into_iter().map(|(t,)| t).collect()
}

#[tokio::test]
async fn a_batch_creates_and_publishes_in_order_with_the_events_of_one_at_a_time() {
    let app = spawn().await;
    let h = host(&app, "importer@example.com").await;
    let body = json!({"listings": (0..3).map(numbered).collect::<Vec<_>>(), "publish": true});
    let response = call(&app, Method::POST, Some(&h.token), BATCH, Some(&body)).await;
    assert_eq!(response.status(), 201);
    let made = data(response).await["listings"].as_array().unwrap().clone();
    let titles: Vec<&str> = made.iter().map(|l| l["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Loft 0", "Loft 1", "Loft 2"]);
    for l in &made {
        assert_eq!(l["status"], "published");
        // Created (1), then published (2): the versions of the two-step path.
        assert_eq!(l["version"], 2);
        let id = l["id"].as_str().unwrap();
        let seen = data(call(&app, Method::GET, None, &format!("/api/v1/listings/{id}"), None).await).await;
        assert_eq!(seen["listing"]["stay"]["nightlyPrice"], 12000);
    }
    let public = data(call(&app, Method::GET, None, "/api/v1/listings", None).await).await;
    assert_eq!(public["pagination"]["total"], 3);
    // Every search filter at once, and each alone (only the filters given constrain).
    let provider = made[0]["providerId"].as_str().unwrap();
    let all = format!("?provider={provider}&kind=stay&city=PARIS&country=FR&limit=2&offset=1");
    for (query, total, page) in [
        (all.as_str(), 3, 2),
        ("?city=paris", 3, 3),
        ("?kind=stay&country=FR", 3, 3),
        ("?provider=01a20000-0000-7000-8000-000000000000", 0, 0),
        ("?city=Lyon&kind=stay", 0, 0),
    ] {
        let found = data(call(&app, Method::GET, None, &format!("/api/v1/listings{query}"), None).await).await;
        assert_eq!(found["pagination"]["total"], total, "{query}");
        assert_eq!(found["listings"].as_array().unwrap().len(), page, "{query}");
    }
    let types = outbox_types(&app).await;
    let expected: Vec<&str> = std::iter::once("provider.created")
        .chain(std::iter::repeat_n(["listing.created", "listing.published"], 3).flatten())
        .collect();
    assert_eq!(types, expected);

    // Without `publish`, drafts: invisible to the public.
    let drafts = json!({"listings": [numbered(9)]});
    let made = data(call(&app, Method::POST, Some(&h.token), BATCH, Some(&drafts)).await).await;
    assert_eq!(made["listings"][0]["status"], "draft");
    assert_eq!(made["listings"][0]["version"], 1);
    let public = data(call(&app, Method::GET, None, "/api/v1/listings", None).await).await;
    assert_eq!(public["pagination"]["total"], 3);
}

#[tokio::test]
async fn one_bad_item_refuses_the_whole_batch_and_names_it() {
    let app = spawn().await;
    let h = host(&app, "careful@example.com").await;
    let mut bad = numbered(1);
    bad["stay"]["maxGuests"] = json!(0);
    let mut incomplete = numbered(2);
    incomplete.as_object_mut().unwrap().remove("location");
    let fields = |answer: &Value| -> Vec<String> {
        answer["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap().to_owned()).collect()
    };
    // Malformed first (400), as for one listing...
    let body = json!({"listings": [numbered(0), bad, incomplete.clone()], "publish": true});
    let answer =
        expect_error(call(&app, Method::POST, Some(&h.token), BATCH, Some(&body)).await, 400, "validation_failed")
            .await;
    assert_eq!(fields(&answer), ["listings[1].stay.maxGuests"]);
    // ...then what publishing lacks (422), naming the item.
    let body = json!({"listings": [numbered(0), incomplete.clone()], "publish": true});
    let answer =
        expect_error(call(&app, Method::POST, Some(&h.token), BATCH, Some(&body)).await, 422, "listing_incomplete")
            .await;
    assert_eq!(fields(&answer), ["listings[1].location"]);
    // Nothing was written: no listing, no event.
    let mine = data(call(&app, Method::GET, Some(&h.token), "/api/v1/listings/mine", None).await).await;
    assert_eq!(mine["pagination"]["total"], 0);
    assert_eq!(outbox_types(&app).await, ["provider.created"]);
}

#[tokio::test]
async fn batches_are_bounded_and_for_providers_only() {
    let app = spawn().await;
    let h = host(&app, "bulk@example.com").await;
    let too_many = json!({"listings": (0..101).map(numbered).collect::<Vec<_>>()});
    expect_error(call(&app, Method::POST, Some(&h.token), BATCH, Some(&too_many)).await, 400, "validation_failed")
        .await;
    let none = json!({"listings": []});
    expect_error(call(&app, Method::POST, Some(&h.token), BATCH, Some(&none)).await, 400, "validation_failed").await;
    let unknown = json!({"listings": [numbered(0)], "publsh": true});
    let (status, _) = testkit::json(call(&app, Method::POST, Some(&h.token), BATCH, Some(&unknown)).await).await;
    assert_eq!(status, 400);
    let guest = register(&app, "guest@example.com").await;
    let one = json!({"listings": [numbered(0)]});
    expect_error(call(&app, Method::POST, Some(&guest.token), BATCH, Some(&one)).await, 403, "not_a_provider").await;
    expect_error(call(&app, Method::POST, None, BATCH, Some(&one)).await, 401, "unauthorized").await;
}
