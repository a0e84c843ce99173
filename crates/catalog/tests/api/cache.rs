//! The listing detail in the hot cache with Redis sharing its forgets (`redis.url`; needs
//! `SOJOURN_TEST_REDIS_URL`, required when `CI=true`): the second read is a hit, a change is
//! visible at once, an unpublished listing is not served from the cache, drafts are never
//! cached, an erased host's listings leave the cache with the account, and a new rating is
//! shown at once. Without Redis, `hot.rs` covers the same.

use std::sync::Arc;

use reqwest::Method;
use serde_json::json;

use testkit::TestApp;

use crate::support::{call, create_listing, data, host, loft, review_event};

fn metric(text: &str, name: &str) -> u64 {
    text.lines().find_map(|l| l.strip_prefix(name)?.trim().parse().ok()).unwrap_or(0)
}

/// Identity and catalog sharing a fresh key prefix on the test Redis; `None` (skip) without one.
async fn spawn_cached() -> Option<TestApp> {
    let url = testkit::service_url("SOJOURN_TEST_REDIS_URL")?;
    let app = testkit::spawn_with(vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog)], |c| {
        c.auth.password_hash.memory_kib = 1024;
        c.auth.password_hash.iterations = 1;
        c.rate_limit.enabled = false;
        c.redis.url = Some(url.clone());
        c.redis.key_prefix = format!("test{}:", &kernel::new_id().simple().to_string()[20..]);
    })
    .await;
    Some(app)
}

#[tokio::test]
async fn listing_details_are_cached_and_forgotten_on_change() {
    let Some(app) = spawn_cached().await else { return };
    let counters = || async {
        let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
        (
            metric(&text, "sojourn_hot_cache_hits_total{context=\"catalog\"}"),
            metric(&text, "sojourn_hot_cache_misses_total{context=\"catalog\"}"),
        )
    };
    let h = host(&app, "host@example.com").await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    // A draft: its owner reads it, nobody else, and it is never cached.
    data(call(&app, Method::GET, Some(&h.token), &path, None).await).await;
    assert_eq!(call(&app, Method::GET, None, &path, None).await.status(), 404);
    data(call(&app, Method::POST, Some(&h.token), &format!("{path}/publish"), None).await).await;

    // The cache serves once subscribed to the other instances' forgets (in the background).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let before = counters().await;
        call(&app, Method::GET, None, &path, None).await;
        call(&app, Method::GET, None, &path, None).await;
        if counters().await.0 > before.0 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the hot cache never came online with Redis");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // A change (forgotten here and announced), then a miss and a hit.
    data(call(&app, Method::PUT, Some(&h.token), &path, Some(&json!({"title": "Loft, by the canal"}))).await).await;
    let before = counters().await;
    let first = call(&app, Method::GET, None, &path, None).await;
    let etag = first.headers()["etag"].clone();
    let first = data(first).await;
    let second = call(&app, Method::GET, None, &path, None).await;
    assert_eq!(second.headers()["etag"], etag, "the cached answer keeps its ETag");
    assert_eq!(data(second).await, first, "same body from the cache");
    let after = counters().await;
    assert_eq!((after.0 - before.0, after.1 - before.1), (1, 1), "one miss, then one hit");

    // Edited: the next read shows the change.
    let put = app.client.put(app.url(&path)).bearer_auth(&h.token).json(&json!({"title": "Loft, canal side"}));
    assert_eq!(put.send().await.unwrap().status(), 200);
    let seen = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!(seen["listing"]["title"], "Loft, canal side");

    // Unpublished: gone for the public at once, cache or not.
    data(call(&app, Method::POST, Some(&h.token), &format!("{path}/unpublish"), None).await).await;
    assert_eq!(call(&app, Method::GET, None, &path, None).await.status(), 404);
}

#[tokio::test]
async fn an_erased_hosts_listings_leave_the_cache() {
    let Some(app) = spawn_cached().await else { return };
    let h = host(&app, "erased-host@example.com").await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    data(call(&app, Method::POST, Some(&h.token), &format!("{path}/publish"), None).await).await;
    for _ in 0..2 {
        assert_eq!(call(&app, Method::GET, None, &path, None).await.status(), 200, "read and cached");
    }

    assert_eq!(call(&app, Method::DELETE, Some(&h.token), "/api/v1/users/profile", None).await.status(), 200);
    // Erasure runs on the `user.deleted` event: the detail goes offline with it, cache or not.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while call(&app, Method::GET, None, &path, None).await.status() != 404 {
        assert!(std::time::Instant::now() < deadline, "an erased host's listing is still served");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_rating_change_forgets_the_cached_detail() {
    let Some(app) = spawn_cached().await else { return };
    let h = host(&app, "rated-host@example.com").await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    data(call(&app, Method::POST, Some(&h.token), &format!("{path}/publish"), None).await).await;
    for _ in 0..2 {
        let seen = data(call(&app, Method::GET, None, &path, None).await).await;
        assert_eq!(seen["listing"]["reviewCount"], 0, "read and cached");
    }
    let summary = json!({"listingId": id, "version": 1, "reviewCount": 3, "shown": true, "rating": 4.33,
                         "categories": {"cleanliness": 4.0}, "distribution": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}});
    review_event(&app, "review.summary_changed", &id, summary).await;
    let seen = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!((&seen["listing"]["rating"], &seen["listing"]["reviewCount"]), (&json!(4.33), &json!(3)));
}
