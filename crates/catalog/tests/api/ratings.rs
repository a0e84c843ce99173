//! Reviews' ratings on listings: `review.summary_changed` (injected into catalog's outbox as the
//! reviews context would publish it) shows in every listing view; an older summary, a
//! redelivered one and other `review.*` events change nothing; a summary without an average
//! clears it and keeps the count; and a rating never makes catalog publish a listing event.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::support::{call, create_listing, data, host, loft, review_event, spawn};

fn shown(listing: &str, version: i64, rating: f64, count: i64) -> Value {
    json!({"listingId": listing, "version": version, "reviewCount": count, "shown": true, "rating": rating,
           "categories": {"cleanliness": 4.67, "accuracy": 5.0},
           "distribution": {"1": 0, "2": 0, "3": 1, "4": 2, "5": count - 3}})
}

fn hidden(listing: &str, version: i64, count: i64) -> Value {
    json!({"listingId": listing, "version": version, "reviewCount": count, "shown": false, "rating": null,
           "categories": null, "distribution": null})
}

/// The four rating fields of a listing view.
fn rating_of(listing: &Value) -> Value {
    json!({"rating": listing["rating"], "reviewCount": listing["reviewCount"],
           "ratingCategories": listing["ratingCategories"], "ratingDistribution": listing["ratingDistribution"]})
}

async fn listing_events(app: &TestApp) -> Vec<String> {
    let db = app.platform.db("catalog").unwrap();
    let rows: Vec<(String,)> =
        platform::db::query("SELECT event_type FROM outbox WHERE event_type LIKE 'listing.%' ORDER BY seq")
            .fetch_all(db)
            .await
            .unwrap();
    rows.into_iter().map(|(t,)| t).collect()
}

#[tokio::test]
async fn every_listing_view_shows_the_newest_rating_and_nothing_else_moves() {
    let app = spawn().await;
    let h = host(&app, "host@example.com").await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    let published = data(call(&app, Method::POST, Some(&h.token), &format!("{path}/publish"), None).await).await;
    // Never heard of: no rating, no reviews.
    let none = json!({"rating": null, "reviewCount": 0, "ratingCategories": null, "ratingDistribution": null});
    assert_eq!(rating_of(&published["listing"]), none);
    let events_before = listing_events(&app).await;

    let first = review_event(&app, "review.summary_changed", &id, shown(&id, 2, 4.7, 10)).await;
    let expected = json!({"rating": 4.7, "reviewCount": 10, "ratingCategories": {"cleanliness": 4.67, "accuracy": 5.0},
                          "ratingDistribution": {"1": 0, "2": 0, "3": 1, "4": 2, "5": 7}});
    let detail = call(&app, Method::GET, None, &path, None).await;
    let etag = detail.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with("\"2."), "a rating is no new version of the listing: {etag}");
    assert_eq!(rating_of(&data(detail).await["listing"]), expected);
    let public = data(call(&app, Method::GET, None, "/api/v1/listings", None).await).await;
    assert_eq!(rating_of(&public["listings"][0]), expected);
    let mine = data(call(&app, Method::GET, Some(&h.token), "/api/v1/listings/mine", None).await).await;
    assert_eq!(rating_of(&mine["listings"][0]), expected);
    let edit = json!({"title": "Loft on the canal"});
    let updated = data(call(&app, Method::PUT, Some(&h.token), &path, Some(&edit)).await).await;
    assert_eq!(rating_of(&updated["listing"]), expected);

    // An older summary delivered late, and another kind of review event: nothing changes.
    review_event(&app, "review.summary_changed", &id, shown(&id, 1, 2.0, 4)).await;
    review_event(&app, "review.created", &id, json!({"listingId": id, "rating": 1, "version": 9})).await;
    let seen = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!(rating_of(&seen["listing"]), expected);

    // A review hidden by moderation: 2 left, no average shown.
    review_event(&app, "review.summary_changed", &id, hidden(&id, 3, 2)).await;
    let cleared = json!({"rating": null, "reviewCount": 2, "ratingCategories": null, "ratingDistribution": null});
    let seen = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!(rating_of(&seen["listing"]), cleared);

    // The first summary redelivered, even past its dedupe record: still skipped as older.
    let db = app.platform.db("catalog").unwrap();
    platform::db::query("DELETE FROM processed_events WHERE consumer = 'catalog.ratings'").execute(db).await.unwrap();
    platform::db::query("UPDATE outbox SET published_at = NULL WHERE event_id = $1")
        .bind(first)
        .execute(db)
        .await
        .unwrap();
    app.drain_events().await;
    let seen = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!(rating_of(&seen["listing"]), cleared);
    let unpublished = data(call(&app, Method::POST, Some(&h.token), &format!("{path}/unpublish"), None).await).await;
    assert_eq!(rating_of(&unpublished["listing"]), cleared);

    // Catalog published only what its owner did: the update and the unpublish, no rating.
    let mut expected_events = events_before;
    expected_events.extend(["listing.updated".to_owned(), "listing.unpublished".to_owned()]);
    assert_eq!(listing_events(&app).await, expected_events);
}

#[tokio::test]
async fn a_malformed_summary_is_skipped_and_ratings_stay_per_listing() {
    let app = spawn().await;
    let h = host(&app, "host@example.com").await;
    let body = json!({"listings": [loft(), loft()], "publish": true});
    let made = data(call(&app, Method::POST, Some(&h.token), "/api/v1/listings/batch", Some(&body)).await).await;
    let ids: Vec<String> =
        made["listings"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().into()).collect();
    assert_eq!(made["listings"][1]["reviewCount"], 0);
    review_event(&app, "review.summary_changed", &ids[0], shown(&ids[0], 1, 4.2, 5)).await;
    // Out of range, or without a version: not applied.
    review_event(&app, "review.summary_changed", &ids[1], shown(&ids[1], 1, 6.0, 5)).await;
    review_event(&app, "review.summary_changed", &ids[1], json!({"listingId": ids[1], "rating": 3.0})).await;
    let list = data(call(&app, Method::GET, None, "/api/v1/listings?limit=10", None).await).await;
    let by_id = |id: &str| list["listings"].as_array().unwrap().iter().find(|l| l["id"] == id).cloned().unwrap();
    assert_eq!((&by_id(&ids[0])["rating"], &by_id(&ids[0])["reviewCount"]), (&json!(4.2), &json!(5)));
    assert_eq!((&by_id(&ids[1])["rating"], &by_id(&ids[1])["reviewCount"]), (&Value::Null, &json!(0)));
}

#[tokio::test]
async fn the_openapi_document_describes_the_rating_fields() {
    let app = spawn().await;
    let (status, doc) = testkit::json(app.get("/api-docs/openapi.json").await).await;
    assert_eq!(status, 200);
    let schema = &doc["components"]["schemas"]["ListingRating"];
    let mut names: Vec<&String> =
        schema["properties"].as_object().unwrap_or_else(|| panic!("{schema}")).keys().collect();
    names.sort();
    assert_eq!(names, ["rating", "ratingCategories", "ratingDistribution", "reviewCount"]);
    let detail = &doc["paths"]["/api/v1/listings/{id}"]["get"]["responses"]["200"]["description"];
    assert!(detail.as_str().unwrap().contains("ListingRating"), "{detail}");
}
