//! "Similar to this listing": place, kind, price and what travellers who liked it also liked.

use reqwest::Method;
use serde_json::json;
use testkit::accounts::{data, post, register};

use super::*;

fn listing_ids(answer: &serde_json::Value) -> Vec<String> {
    answer["similar"].as_array().unwrap().iter().map(|s| s["listingId"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn similar_listings_share_place_kind_and_price_and_learn_from_travellers() {
    let kit = spawn().await;
    let app = &*kit;
    let host = register(app, "host@example.com").await;
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Lisbon"});
    data(post(app, &host, "/api/v1/providers", &provider).await).await;
    let lisbon = flat(app, &host, "Lisbon", "PT", 10000).await;
    let twin = flat(app, &host, "Lisbon", "PT", 11000).await;
    let pricey = flat(app, &host, "Lisbon", "PT", 90000).await;
    let oslo = flat(app, &host, "Oslo", "NO", 10000).await;

    // Anyone may ask, without a token: the Lisbon twin at a close price first, then the
    // expensive Lisbon flat, then the flat elsewhere; never the listing itself.
    let path = format!("/api/v1/recommendations/listings/{lisbon}/similar?limit=10");
    let (status, first) = ask(app, None, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(listing_ids(&first), [twin.clone(), pricey.clone(), oslo.clone()], "{first}");
    let top = &first["similar"][0];
    assert!(top["reasons"].as_array().unwrap().iter().any(|r| r == "Also in Lisbon"), "{top}");
    assert!(top["reasons"].as_array().unwrap().iter().any(|r| r == "A similar price"), "{top}");
    assert!(top["similarityScore"].as_f64().unwrap() > first["similar"][1]["similarityScore"].as_f64().unwrap());

    // Two travellers who booked the Lisbon flat also booked the Oslo one: it climbs, and says why.
    for (email, day) in [("a@example.com", "10"), ("b@example.com", "20")] {
        let guest = register(app, email).await;
        book(app, &guest, &lisbon, &format!("2030-06-{day}"), &format!("2030-06-{}", 2 + day.parse::<u32>().unwrap()))
            .await;
        book(app, &guest, &oslo, &format!("2030-07-{day}"), &format!("2030-07-{}", 2 + day.parse::<u32>().unwrap()))
            .await;
    }
    let (_, after) = ask(app, None, Method::GET, &path, None).await;
    assert_eq!(listing_ids(&after), [twin, oslo.clone(), pricey], "{after}");
    let climbed = &after["similar"][1];
    assert!(
        climbed["reasons"].as_array().unwrap().iter().any(|r| r.as_str().unwrap().contains("also liked")),
        "{climbed}"
    );

    // A limit, an unknown listing, a bad id and a bad limit.
    let (_, one) =
        ask(app, None, Method::GET, &format!("/api/v1/recommendations/listings/{lisbon}/similar?limit=1"), None).await;
    assert_eq!(one["count"], 1);
    let unknown = format!("/api/v1/recommendations/listings/{}/similar", uuid::Uuid::now_v7());
    assert_eq!(ask(app, None, Method::GET, &unknown, None).await.0, 404);
    assert_eq!(ask(app, None, Method::GET, "/api/v1/recommendations/listings/nope/similar", None).await.0, 400);
    let bad = format!("/api/v1/recommendations/listings/{lisbon}/similar?limit=0");
    assert_eq!(ask(app, None, Method::GET, &bad, None).await.0, 400);
}
