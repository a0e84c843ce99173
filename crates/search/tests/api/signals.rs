//! Booking's availability and reviews' ratings in the index (their events injected as those
//! contexts publish them), dates and ratings as filters, sorts and facets, a rating cleared by
//! reviews, the bounding box, cursors, and a rebuild after the index directory is lost.

use serde_json::{Value, json};

use super::support::*;

fn availability(listing: &str, version: i64, unavailable: &[&str]) -> Value {
    json!({"listingId": listing, "kind": "stay", "version": version, "from": "2027-01-04", "until": "2028-01-04",
           "unavailable": unavailable, "available": null, "inStock": null})
}

fn rating(listing: &str, version: i64, rating: f64, count: i64) -> Value {
    json!({"listingId": listing, "version": version, "rating": rating, "reviewCount": count})
}

#[tokio::test]
async fn a_stay_is_found_for_dates_only_when_every_night_is_free() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    inject(&app, "availability.changed", &c.paris, availability(&c.paris, 2, &["2027-01-10", "2027-01-11"])).await;
    let around = "q=apartmnt+paris&checkIn=2027-01-09&checkOut=2027-01-12&guests=2";
    let d = eventually(&app, around, |d| !has(d, &c.paris)).await;
    assert!(d["listings"].as_array().unwrap().is_empty(), "{d}");
    // The nights before and after are free; checkOut's night is not slept.
    assert_eq!(ids(&app, "q=apartment+paris&checkIn=2027-01-08&checkOut=2027-01-10").await, vec![c.paris.clone()]);
    assert_eq!(ids(&app, "q=apartment+paris&checkIn=2027-01-12").await, vec![c.paris.clone()]);
    // An older availability never undoes a newer one; a newer one frees the nights.
    inject(&app, "availability.changed", &c.paris, availability(&c.paris, 1, &[])).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(!has(&search_raw(&app, around).await.1["data"], &c.paris));
    inject(&app, "availability.changed", &c.paris, availability(&c.paris, 3, &["2027-02-01"])).await;
    eventually(&app, around, |d| has(d, &c.paris)).await;
    // A listing update keeps the availability it had.
    let both = "city=paris&checkIn=2027-02-01&checkOut=2027-02-03";
    assert_eq!(ids(&app, both).await, vec![c.montmartre.clone()]);
    // With the kind given, only that kind's rule applies: the same answer for stays, none for
    // restaurants (nothing open) or products (nothing in stock).
    assert_eq!(ids(&app, &format!("kind=stay&{both}")).await, vec![c.montmartre.clone()]);
    assert_eq!(ids(&app, &format!("kind=restaurant&{both}")).await, Vec::<String>::new());
    assert_eq!(ids(&app, &format!("kind=product&{both}")).await, Vec::<String>::new());
}

#[tokio::test]
async fn ratings_filter_sort_and_are_counted() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    inject(&app, "review.summary_changed", &c.lyon, rating(&c.lyon, 1, 4.8, 12)).await;
    inject(&app, "review.summary_changed", &c.paris, rating(&c.paris, 1, 3.9, 3)).await;
    let d = eventually(&app, "ratingMin=4", |d| d["listings"].as_array().unwrap().len() == 1).await;
    assert_eq!(d["listings"][0]["id"], c.lyon.as_str());
    assert_eq!((d["listings"][0]["rating"].as_f64(), d["listings"][0]["reviewCount"].as_i64()), (Some(4.8), Some(12)));
    let sorted = ids(&app, "sort=rating").await;
    assert_eq!(sorted[..2], [c.lyon.clone(), c.paris.clone()]);
    // The unrated come last, and no rating is not a rating of 0.
    assert_eq!(sorted.len(), 4);
    let mut rated = ids(&app, "ratingMin=0").await;
    rated.sort();
    let mut expected = vec![c.lyon.clone(), c.paris.clone()];
    expected.sort();
    assert_eq!(rated, expected);
    let (_, body) = search_raw(&app, "").await;
    let buckets: Vec<(f64, u64)> = body["data"]["facets"]["rating"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["min"].as_f64().unwrap(), b["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(buckets, vec![(4.5, 1), (4.0, 1), (3.0, 2), (2.0, 2), (1.0, 2)]);
    // Stale rating: ignored.
    inject(&app, "review.summary_changed", &c.lyon, rating(&c.lyon, 1, 1.0, 1)).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(ids(&app, "ratingMin=4").await, vec![c.lyon.clone()]);
}

fn cleared(listing: &str, version: i64, count: i64) -> Value {
    json!({"listingId": listing, "version": version, "reviewCount": count, "shown": false, "rating": null,
           "categories": null, "distribution": null})
}

#[tokio::test]
async fn a_rating_reviews_stops_showing_is_cleared_and_a_late_older_one_changes_nothing() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    inject(&app, "review.summary_changed", &c.lyon, rating(&c.lyon, 1, 4.5, 3)).await;
    eventually(&app, "ratingMin=4", |d| has(d, &c.lyon)).await;
    // A review hidden by moderation: 2 left, no average shown.
    inject(&app, "review.summary_changed", &c.lyon, cleared(&c.lyon, 3, 2)).await;
    eventually(&app, "ratingMin=4", |d| !has(d, &c.lyon)).await;
    let d = eventually(&app, "city=Lyon", |d| has(d, &c.lyon)).await;
    assert_eq!((&d["listings"][0]["rating"], &d["listings"][0]["reviewCount"]), (&Value::Null, &json!(2)), "{d}");
    // As a listing never rated: not found by any ratingMin, last when sorted by rating.
    assert!(!ids(&app, "ratingMin=0").await.contains(&c.lyon));
    assert_eq!(ids(&app, "sort=rating").await.len(), 4);
    // The summary of version 2, delivered late, does not bring a rating back.
    inject(&app, "review.summary_changed", &c.lyon, rating(&c.lyon, 2, 4.9, 3)).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert!(!ids(&app, "ratingMin=4").await.contains(&c.lyon));
    let (_, body) = search_raw(&app, "city=Lyon").await;
    assert_eq!(body["data"]["listings"][0]["rating"], Value::Null, "{body}");
    // A newer summary shows it again.
    inject(&app, "review.summary_changed", &c.lyon, rating(&c.lyon, 4, 4.2, 3)).await;
    eventually(&app, "ratingMin=4", |d| has(d, &c.lyon)).await;
}

#[tokio::test]
async fn the_price_histogram_the_bounding_box_and_cursors() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    let (_, body) = search_raw(&app, "").await;
    let price = &body["data"]["facets"]["price"];
    // 80 € and 90 € fall in 50–100 €, 120 € in 100–150 €, 200 € in 200–300 €.
    let count = |from: i64| price.as_array().unwrap().iter().find(|b| b["from"] == from).unwrap()["count"].clone();
    assert_eq!((count(5_000), count(10_000), count(20_000), count(0)), (json!(2), json!(1), json!(1), json!(0)));

    // Around Paris (south, west, north, east).
    let mut paris = ids(&app, "bbox=48.8,2.2,48.9,2.4").await;
    paris.sort();
    let mut expected = vec![c.paris.clone(), c.montmartre.clone()];
    expected.sort();
    assert_eq!(paris, expected);

    // Paging by cursor walks the whole set once.
    let mut seen = Vec::new();
    let mut query = "sort=price_asc&limit=3".to_owned();
    loop {
        let (status, body) = search_raw(&app, &query).await;
        assert_eq!(status, 200, "{body}");
        seen.extend(body["data"]["listings"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_owned()));
        match body["data"]["pagination"]["nextCursor"].as_str() {
            Some(cursor) => query = format!("sort=price_asc&limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ids(&app, "sort=price_asc").await);
    // A cursor belongs to its search.
    let (_, first) = search_raw(&app, "sort=price_asc&limit=3").await;
    let cursor = first["data"]["pagination"]["nextCursor"].as_str().unwrap().to_owned();
    let (status, body) = search_raw(&app, &format!("sort=price_desc&limit=3&cursor={cursor}")).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("validation_failed")), "{body}");
}

#[tokio::test]
async fn a_lost_index_is_rebuilt_from_the_database_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let config = testkit::quick_config(&dir);
    let first = testkit::spawn_config(config.clone(), contexts()).await;
    let token = host(&first, "rebuild@example.com").await;
    let id = publish(
        &first,
        &token,
        &stay(
            "Lake cabin",
            "A wooden cabin on the lake shore with a stove and a jetty for swimming.",
            "Annecy",
            "FR",
            (45.9, 6.13),
            json!({}),
        ),
    )
    .await;
    inject(&first, "review.summary_changed", &id, rating(&id, 1, 4.6, 5)).await;
    eventually(&first, "q=cabin&ratingMin=4.5", |d| has(d, &id)).await;
    first.shutdown().await.unwrap();

    std::fs::remove_dir_all(dir.path().join(format!("search/v{}", search::SCHEMA_VERSION))).unwrap();
    let second = testkit::spawn_config(config, contexts()).await;
    // Rebuilt with its rating, from search's own tables.
    assert_eq!(ids(&second, "q=cabin&ratingMin=4.5").await, vec![id]);
    assert!(dir.path().join(format!("search/v{}/COMPLETE", search::SCHEMA_VERSION)).is_file());
}
