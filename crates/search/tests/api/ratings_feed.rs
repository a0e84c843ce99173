//! A reindex reads reviews' ratings feed when a reviews context can be reached (here a stand-in
//! registered as the feed's owner), and does without it otherwise: with no reviews context, or
//! one that does not answer, the listings are rebuilt with the ratings search already had.

use std::sync::Arc;

use async_trait::async_trait;
use kernel::ApiError;
use platform::contracts::{FeedKind, FeedPage, FeedSource};
use serde_json::{Value, json};

use super::support::*;

/// Reviews' feed as a stand-in: one page of `items`, or down.
struct Reviews(Option<Vec<Value>>);

#[async_trait]
impl FeedSource for Reviews {
    async fn page(&self, _feed: FeedKind, after: Option<&str>, _limit: usize) -> Result<FeedPage, ApiError> {
        let Some(items) = &self.0 else { return Err(ApiError::unavailable("The reviews service is down", Some(5))) };
        Ok(FeedPage { items: if after.is_none() { items.clone() } else { Vec::new() }, next: None })
    }
}

async fn rebuilt_ok(app: &App, admin: &str) {
    let status = reindex(app, admin).await;
    assert_eq!(status["lastRebuild"]["ok"], true, "{status}");
    assert_eq!(status["documents"], 4, "{status}");
}

#[tokio::test]
async fn a_reindex_takes_ratings_from_reviews_feed_and_does_without_it() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    let admin = administrator(&app, "admin@example.com").await;
    inject(
        &app,
        "review.summary_changed",
        &c.lyon,
        json!({"listingId": c.lyon, "version": 1, "rating": 4.8,
        "reviewCount": 12}),
    )
    .await;
    eventually(&app, "ratingMin=4", |d| has(d, &c.lyon)).await;

    // No reviews context in this process, none configured: no ratings feed, no error.
    assert!(app.platform.contracts.feed(FeedKind::Ratings).is_none());
    rebuilt_ok(&app, &admin).await;
    assert_eq!(ids(&app, "ratingMin=4").await, vec![c.lyon.clone()]);

    // Reviews unreachable (after its retries): rebuilt with the ratings known here.
    app.platform.contracts.provide_feed(FeedKind::Ratings, Arc::new(Reviews(None)));
    rebuilt_ok(&app, &admin).await;
    assert_eq!(ids(&app, "ratingMin=4").await, vec![c.lyon.clone()]);

    // Reviews up: its feed is applied like its events — newer versions only, a null clears.
    let items = vec![
        json!({"listingId": c.paris, "version": 3, "reviewCount": 4, "shown": true, "rating": 4.6}),
        json!({"listingId": c.lyon, "version": 2, "reviewCount": 2, "shown": false, "rating": null}),
        json!({"listingId": c.nantes, "version": 1, "reviewCount": 3, "shown": true, "rating": 4.1}),
    ];
    app.platform.contracts.provide_feed(FeedKind::Ratings, Arc::new(Reviews(Some(items))));
    rebuilt_ok(&app, &admin).await;
    let mut rated = ids(&app, "ratingMin=4").await;
    rated.sort();
    let mut expected = vec![c.paris.clone(), c.nantes.clone()];
    expected.sort();
    assert_eq!(rated, expected);
    let (_, body) = search_raw(&app, "city=Lyon").await;
    let lyon = &body["data"]["listings"][0];
    assert_eq!((&lyon["rating"], &lyon["reviewCount"]), (&Value::Null, &json!(2)), "{body}");
}
