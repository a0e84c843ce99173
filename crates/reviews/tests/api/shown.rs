//! Where ratings are shown besides reviews' own endpoints, from its real events: catalog's
//! listing view and search (filter and hit), from three reviews, and no longer once a hidden
//! review takes the listing below three.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::*;

/// Searches until `ok` holds of the answer (the index commits in the background).
async fn search_until(app: &App, query: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (status, body) = testkit::json(app.get(&format!("/api/v1/search/listings?{query}")).await).await;
        if status == 200 && ok(&body["data"]) {
            return body["data"].clone();
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{query}: {status} {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn finds(d: &Value, id: &str) -> bool {
    d["listings"].as_array().is_some_and(|l| l.iter().any(|h| h["id"] == id))
}

#[tokio::test]
async fn catalog_and_search_show_the_rating_from_three_reviews() {
    let app = spawn_with_search().await;
    let (owner, listing, stays) = stays_on_one_listing(&app, 3).await;
    let mut ids = Vec::new();
    for ((guest, reservation), rating) in stays.iter().zip([5, 4, 4]) {
        ids.push(text(&both_review(&app, guest, &owner, reservation, rating).await, "id"));
        if ids.len() == 2 {
            let view = data(app.get(&format!("/api/v1/listings/{listing}")).await).await["listing"].clone();
            assert_eq!((&view["rating"], &view["reviewCount"]), (&Value::Null, &json!(2)), "{view}");
        }
    }
    let view = data(app.get(&format!("/api/v1/listings/{listing}")).await).await["listing"].clone();
    assert_eq!((view["rating"].as_f64(), view["reviewCount"].as_i64()), (Some(4.33), Some(3)), "{view}");
    assert_eq!(view["ratingCategories"]["checkIn"], 4.33);
    assert_eq!(view["ratingDistribution"]["4"], 2);
    let hit = search_until(&app, "ratingMin=4.3", |d| finds(d, &listing)).await;
    assert_eq!(hit["listings"][0]["rating"], 4.33);

    let root = admin(&app, "root@example.com").await;
    let hide = json!({"action": "hide", "reason": "Not about the stay"});
    data(post(&app, &root, &format!("/api/v1/reviews/{}/moderate", ids[0]), &hide).await).await;
    app.drain_events().await;
    let view = data(app.get(&format!("/api/v1/listings/{listing}")).await).await["listing"].clone();
    assert_eq!((&view["rating"], &view["reviewCount"]), (&Value::Null, &json!(2)), "{view}");
    search_until(&app, "ratingMin=1", |d| !finds(d, &listing)).await;
}
