//! Aggregates per listing and per user: count, average, category averages and distribution,
//! public from three reviews; lists sorted and paged.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn a_listing_shows_its_numbers_from_three_reviews() {
    let app = spawn().await;
    let (owner, listing, stays) = stays_on_one_listing(&app, 3).await;
    let path = format!("/api/v1/reviews/stats/{listing}");
    let stats = async |app: &App| data(app.get(&path).await).await["stats"].clone();
    let empty = stats(&app).await;
    assert_eq!(
        empty,
        json!({"listingId": listing, "reviewCount": 0, "shown": false, "rating": null, "categories": null, "distribution": null})
    );

    both_review(&app, &stays[0].0, &owner, &stays[0].1, 5).await;
    both_review(&app, &stays[1].0, &owner, &stays[1].1, 4).await;
    let two = stats(&app).await;
    assert_eq!(
        (two["reviewCount"].as_i64(), two["shown"].as_bool(), &two["rating"]),
        (Some(2), Some(false), &json!(null))
    );

    both_review(&app, &stays[2].0, &owner, &stays[2].1, 2).await;
    let three = stats(&app).await;
    assert_eq!((three["reviewCount"].as_i64(), three["shown"].as_bool()), (Some(3), Some(true)));
    assert_eq!(three["rating"], 3.67);
    assert_eq!(three["categories"]["cleanliness"], 3.67);
    assert_eq!(three["categories"]["checkIn"], 3.67);
    assert_eq!(three["distribution"], json!({"1": 0, "2": 1, "3": 0, "4": 1, "5": 1}));
    let last = events(&app, "review.summary_changed").await.pop().unwrap();
    assert_eq!(
        (last["listingId"].as_str(), last["rating"].as_f64(), last["version"].as_i64()),
        (Some(listing.as_str()), Some(3.67), Some(3))
    );

    // The host's own aggregate: as a host from the guests' reviews; the guests' as guests.
    let host_stats = data(app.get(&format!("/api/v1/reviews/user/{}/stats", owner.id)).await).await["stats"].clone();
    assert_eq!(
        (host_stats["asHost"]["reviewCount"].as_i64(), host_stats["asHost"]["rating"].as_f64()),
        (Some(3), Some(3.67))
    );
    assert_eq!(host_stats["asGuest"]["reviewCount"], 0);
    let guest_stats =
        data(app.get(&format!("/api/v1/reviews/user/{}/stats", stays[0].0.id)).await).await["stats"].clone();
    assert_eq!(
        (guest_stats["asGuest"]["reviewCount"].as_i64(), guest_stats["asGuest"]["shown"].as_bool()),
        (Some(1), Some(false))
    );
}

#[tokio::test]
async fn lists_sort_by_date_or_rating_and_page() {
    let app = spawn().await;
    let (owner, listing, stays) = stays_on_one_listing(&app, 4).await;
    for ((guest, reservation), rating) in stays.iter().zip([3, 5, 1, 4]) {
        both_review(&app, guest, &owner, reservation, rating).await;
        app.clock.advance(chrono::Duration::minutes(1));
    }
    let ratings = |page: &serde_json::Value| -> Vec<i64> {
        page["reviews"].as_array().unwrap().iter().map(|r| r["rating"].as_i64().unwrap()).collect()
    };
    let base = format!("/api/v1/reviews/listing/{listing}");
    assert_eq!(ratings(&data(app.get(&base).await).await), [4, 1, 5, 3], "newest first");
    assert_eq!(ratings(&data(app.get(&format!("{base}?sort=highest")).await).await), [5, 4, 3, 1]);
    let page = data(app.get(&format!("{base}?sort=lowest&limit=3")).await).await;
    assert_eq!(
        (ratings(&page), page["total"].as_u64(), page["hasMore"].as_bool()),
        (vec![1, 3, 4], Some(4), Some(true))
    );
    let rest = data(app.get(&format!("{base}?sort=lowest&limit=3&offset=3")).await).await;
    assert_eq!((ratings(&rest), rest["hasMore"].as_bool()), (vec![5], Some(false)));
    testkit::expect_error(app.get(&format!("{base}?sort=best")).await, 400, "validation_failed").await;
    testkit::expect_error(app.get(&format!("{base}?limit=0")).await, 400, "validation_failed").await;

    // About the host: the four guests' reviews; by the host: their four reviews of guests.
    let about = data(app.get(&format!("/api/v1/reviews/user/{}", owner.id)).await).await;
    assert_eq!((about["total"].as_u64(), about["summary"]["asHost"]["rating"].as_f64()), (Some(4), Some(3.25)));
    let by = data(app.get(&format!("/api/v1/reviews/user/{}?as=by", owner.id)).await).await;
    assert_eq!(by["total"], 4);
    assert!(by["reviews"].as_array().unwrap().iter().all(|r| r["authorRole"] == "host"));
    let first = &data(app.get(&base).await).await["reviews"][0];
    assert_eq!((first["author"].as_str(), first.get("privateNote")), (Some("Guest3 S."), None));
}
