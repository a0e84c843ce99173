//! Bad input is a 400 `validation_failed` naming the field, never a 5xx; the query is never
//! parsed as query syntax.

use super::support::*;

async fn rejected(app: &App, query: &str, field: &str) {
    let (status, body) = search_raw(app, query).await;
    assert_eq!(status, 400, "{query}: {body}");
    assert_eq!(body["code"], "validation_failed", "{query}: {body}");
    let fields: Vec<&str> = body["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&field), "{query}: {field} not in {body}");
}

#[tokio::test]
async fn bad_parameters_are_named() {
    let app = spawn().await;
    rejected(&app, "sort=cheapest", "sort").await;
    rejected(&app, "sort=distance", "sort").await;
    rejected(&app, "near=48.8", "near").await;
    rejected(&app, "near=abc,2", "near").await;
    rejected(&app, "near=95,2", "near").await;
    rejected(&app, "near=48.8,2.3&radiusKm=0", "radiusKm").await;
    rejected(&app, "near=48.8,2.3&radiusKm=501", "radiusKm").await;
    rejected(&app, "near=48.8,2.3&radiusKm=-3", "radiusKm").await;
    rejected(&app, "limit=0", "limit").await;
    rejected(&app, "limit=101", "limit").await;
    rejected(&app, "offset=-1", "offset").await;
    rejected(&app, "offset=1001", "offset").await;
    rejected(&app, &format!("q={}", "a".repeat(201)), "q").await;
    rejected(&app, "priceMin=500&priceMax=100", "priceMin").await;
    rejected(&app, "priceMin=cheap", "priceMin").await;
    rejected(&app, "guests=two", "guests").await;
    rejected(&app, "instantBook=yes", "instantBook").await;
    rejected(&app, "kind=castle", "kind").await;
}

#[tokio::test]
async fn query_syntax_is_just_words() {
    let app = spawn().await;
    let c = catalogue(&app).await;
    for q in ["title:(apartment", "\"unclosed", "paris AND OR NOT", "*", "~2^3", "[a TO", "%2B%2B%2B", "pari%2A"] {
        let (status, body) = search_raw(&app, &format!("q={q}")).await;
        assert_eq!(status, 200, "{q}: {body}");
    }
    // Punctuation is ignored: the words still match.
    assert_eq!(ids(&app, "q=(apartment)%20%22paris%22").await, vec![c.paris.clone()]);
    // 200 characters exactly are accepted.
    let (status, _) = search_raw(&app, &format!("q={}", "a".repeat(200))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn bad_dates_ratings_boxes_and_cursors_are_named() {
    let app = spawn().await; // the clock says 2027-01-04
    rejected(&app, "checkIn=2027-13-01", "checkIn").await;
    rejected(&app, "checkIn=2026-12-01", "checkIn").await;
    rejected(&app, "checkIn=2028-06-01", "checkIn").await;
    rejected(&app, "checkIn=2027-02-01&checkOut=2027-02-01", "checkOut").await;
    rejected(&app, "checkIn=2027-02-01&checkOut=2027-01-20", "checkOut").await;
    rejected(&app, "checkIn=2027-02-01&checkOut=2027-06-01", "checkOut").await;
    rejected(&app, "checkOut=2027-02-01", "checkIn").await;
    rejected(&app, "ratingMin=6", "ratingMin").await;
    rejected(&app, "ratingMin=abc", "ratingMin").await;
    rejected(&app, "bbox=1,2,3", "bbox").await;
    rejected(&app, "bbox=50,2,40,3", "bbox").await;
    rejected(&app, "bbox=10,200,20,3", "bbox").await;
    rejected(&app, "cursor=zzz", "cursor").await;
    rejected(&app, "cursor=3-0000000000000000", "cursor").await;
    rejected(&app, "cursor=3-0000000000000000&offset=3", "cursor").await;
    let (status, _) = search_raw(&app, "sort=rating&checkIn=2027-01-03&checkOut=2027-01-05&bbox=40,170,50,-170").await;
    assert_eq!(status, 200);
}
