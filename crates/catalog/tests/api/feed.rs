//! The listings feed through the internal endpoint (`/internal/v1/feeds/listings`), as a
//! search process elsewhere reads it to build its index: every published listing once, in
//! id order, each exactly as `GET /api/v1/listings/{id}` shows it (less its photos, which
//! the events do not carry either); and through the HTTP client another process gets.

use std::sync::Arc;

use platform::contracts::FeedKind;
use platform::secrets::Secret;
use reqwest::Method;
use serde_json::Value;
use testkit::{TestApp, expect_error};

use crate::support::{User, call, create_listing, data, host, loft};

const KEY: &str = "feeds-test-internal-key-0123456789abcdef";

async fn spawn() -> TestApp {
    testkit::spawn_with(vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog)], |c| {
        c.auth.password_hash.memory_kib = 1024;
        c.auth.password_hash.iterations = 1;
        c.rate_limit.enabled = false;
        c.secrets.insert("internal_api_key".into(), Secret::new(KEY));
    })
    .await
}

async fn feed(app: &TestApp, query: &str) -> reqwest::Response {
    app.client.get(app.url(&format!("/internal/v1/feeds/listings{query}"))).bearer_auth(KEY).send().await.unwrap()
}

async fn listing(app: &TestApp, h: &User, title: &str, publish: bool) -> String {
    let mut body = loft();
    body["title"] = title.into();
    let id = create_listing(app, &h.token, &body).await["id"].as_str().unwrap().to_owned();
    if publish {
        data(call(app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    }
    id
}

/// Seven listings, five of them published (one published then withdrawn, one a draft); the
/// published ids in the feed's order.
async fn listings(app: &TestApp) -> Vec<String> {
    let h = host(app, "host@example.com").await;
    let mut published = Vec::new();
    for n in 0..5 {
        published.push(listing(app, &h, &format!("Loft number {n}"), true).await);
    }
    listing(app, &h, "A draft loft", false).await;
    let withdrawn = listing(app, &h, "A withdrawn loft", true).await;
    data(call(app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{withdrawn}/unpublish"), None).await).await;
    published.sort_by_key(|id| uuid::Uuid::parse_str(id).unwrap());
    published
}

#[tokio::test]
async fn the_feed_pages_through_every_published_listing_as_its_public_view() {
    let app = spawn().await;
    let published = listings(&app).await;

    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut after = String::new();
    loop {
        let page = data(feed(&app, &format!("?limit=2&after={after}")).await).await;
        let items = page["items"].as_array().unwrap().clone();
        pages.push(items.len());
        seen.extend(items);
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, [2, 2, 1], "the last page says so (`next: null`)");
    let ids: Vec<&str> = seen.iter().map(|item| item["id"].as_str().unwrap()).collect();
    assert_eq!(ids, published.iter().map(String::as_str).collect::<Vec<_>>());
    for item in &seen {
        let id = item["id"].as_str().unwrap();
        let mut view = data(call(&app, Method::GET, None, &format!("/api/v1/listings/{id}"), None).await).await;
        // The events' view: without the photos, without the rating (reviews publishes it) and
        // without the media summary (media's).
        let listing = view["listing"].as_object_mut().unwrap();
        for shown_only in ["photos", "rating", "reviewCount", "ratingCategories", "ratingDistribution", "media"] {
            assert!(listing.remove(shown_only).is_some() && item.get(shown_only).is_none(), "{shown_only}");
        }
        assert_eq!(item, &view["listing"], "{id}");
    }

    // A page that ends exactly at the last listing is the last page; the default page takes all.
    let whole = data(feed(&app, "?limit=5").await).await;
    assert_eq!((whole["items"].as_array().unwrap().len(), &whole["next"]), (5, &Value::Null));
    assert_eq!(data(feed(&app, "").await).await["items"], whole["items"]);
    let past = data(feed(&app, &format!("?after={}", published[4])).await).await;
    assert_eq!((past["items"].as_array().unwrap().len(), &past["next"]), (0, &Value::Null));
}

#[tokio::test]
async fn the_feed_endpoint_is_for_our_services_and_checks_what_it_is_given() {
    let app = spawn().await;
    let url = app.url("/internal/v1/feeds/listings");
    expect_error(app.client.get(&url).send().await.unwrap(), 401, "unauthorized").await;
    let wrong = app.client.get(&url).bearer_auth("feeds-test-internal-key-0123456789abcdeX").send().await.unwrap();
    expect_error(wrong, 401, "unauthorized").await;
    for other in ["availability", "ratings", "nothing"] {
        let url = app.url(&format!("/internal/v1/feeds/{other}"));
        expect_error(app.client.get(&url).bearer_auth(KEY).send().await.unwrap(), 404, "not_found").await;
    }
    for bad in ["?limit=0", "?limit=1001", "?limit=many", "?after=not-an-id"] {
        let body = expect_error(feed(&app, bad).await, 400, "validation_failed").await;
        assert!(body.to_string().contains(if bad.contains("after") { "after" } else { "limit" }), "{bad}: {body}");
    }
    assert_eq!(feed(&app, "?limit=1000").await.status(), 200);
}

#[tokio::test]
async fn another_process_reads_the_feed_through_its_client_of_catalog() {
    let catalog = spawn().await;
    let published = listings(&catalog).await;
    let reader = testkit::spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| {
        c.secrets.insert("internal_api_key".into(), Secret::new(KEY));
        c.services.catalog_url = Some(catalog.base.clone());
    })
    .await;

    let source = reader.platform.contracts.feed(FeedKind::Listings).expect("a client of catalog's feed");
    assert!(reader.platform.contracts.local_feed(FeedKind::Listings).is_none());
    let first = source.page(FeedKind::Listings, None, 3).await.unwrap();
    let next = first.next.clone().expect("more after three");
    let rest = source.page(FeedKind::Listings, Some(&next), 3).await.unwrap();
    assert!(rest.next.is_none());
    let ids: Vec<String> =
        first.items.iter().chain(&rest.items).map(|item| item["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, published);
    // The owner's errors come back as such.
    let bad = source.page(FeedKind::Listings, Some("nope"), 3).await.unwrap_err();
    assert_eq!((bad.status, &*bad.code), (400, "validation_failed"));
    // The reader's process owns no feed: it serves none to others.
    let url = reader.url("/internal/v1/feeds/listings");
    expect_error(reader.client.get(&url).bearer_auth(KEY).send().await.unwrap(), 404, "not_found").await;

    // Catalog gone: the reader is told the owner cannot be reached, not that there is nothing.
    catalog.shutdown().await.unwrap();
    assert_eq!(source.page(FeedKind::Listings, None, 3).await.unwrap_err().status, 503);
}
