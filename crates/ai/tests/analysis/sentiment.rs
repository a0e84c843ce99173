//! A listing's review sentiment, kept from reviews' `review.published` and
//! `review.moderated` as reviews publishes them (the reviews context runs; its events are
//! injected with the payload docs/reviews.md documents).

use reqwest::Method;
use serde_json::json;

use super::*;

fn published(review: &str, listing: &str, role: &str, rating: i64, comment: &str) -> Value {
    json!({"reviewId": review, "reservationId": kernel::new_id(), "listingId": listing, "listingTitle": "Flat",
        "authorId": kernel::new_id(), "subjectId": kernel::new_id(), "authorRole": role, "rating": rating,
        "comment": comment, "publishedAt": "2027-03-20T10:00:00Z"})
}

#[tokio::test]
async fn a_listings_reviews_are_scored_and_hidden_ones_leave() {
    let app = spawn(None).await;
    let listing = kernel::new_id().to_string();
    let path = format!("/api/v1/ai/listings/{listing}/sentiment");

    // No review yet: nothing to say.
    let empty = bare(app.get(&path).await).await;
    assert_eq!((empty["reviews"].as_i64(), empty["score"].is_null(), empty["label"].is_null()), (Some(0), true, true));

    let (r1, r2, r3) = (kernel::new_id().to_string(), kernel::new_id().to_string(), kernel::new_id().to_string());
    inject(
        &app,
        "review.published",
        published(&r1, &listing, "guest", 5, "Spotless flat, very clean and a lovely host."),
    )
    .await;
    inject(
        &app,
        "review.published",
        published(&r2, &listing, "guest", 4, "L'appartement était très propre et le quartier calme."),
    )
    .await;
    inject(
        &app,
        "review.published",
        published(&r3, &listing, "guest", 1, "Dirty bathroom, noisy street, the bed was not comfortable."),
    )
    .await;
    // A host's review of the guest is not about the listing.
    inject(
        &app,
        "review.published",
        published(&kernel::new_id().to_string(), &listing, "host", 1, "Rude and dirty guest."),
    )
    .await;
    // A redelivered event changes nothing.
    inject(
        &app,
        "review.published",
        published(&r1, &listing, "guest", 5, "Spotless flat, very clean and a lovely host."),
    )
    .await;

    let s = bare(app.get(&path).await).await;
    assert_eq!(s["reviews"], 3, "{s}");
    assert_eq!(s["counts"], json!({"positive": 2, "neutral": 0, "negative": 1}));
    assert_eq!(s["label"], "positive");
    let score = s["score"].as_f64().unwrap();
    assert!(score > 0.0 && score < 1.0, "{s}");
    let phrases: Vec<&str> = s["words"].as_array().unwrap().iter().map(|w| w["phrase"].as_str().unwrap()).collect();
    assert!(phrases.contains(&"very clean") && phrases.contains(&"not comfortable"), "{phrases:?}");
    assert!(!phrases.contains(&"rude"), "the host's review stays out: {phrases:?}");
    let not_comfortable = s["words"].as_array().unwrap().iter().find(|w| w["phrase"] == "not comfortable").unwrap();
    assert!(not_comfortable["contribution"].as_f64().unwrap() < 0.0);

    // Moderation hides the negative review: the listing reads all positive; restored, it is back.
    let moderated = |action: &str| {
        json!({"reviewId": r3, "listingId": listing, "listingTitle": "Flat",
        "authorId": kernel::new_id(), "action": action, "reason": "spam"})
    };
    inject(&app, "review.moderated", moderated("hidden")).await;
    let s = bare(app.get(&path).await).await;
    assert_eq!((s["reviews"].as_i64(), s["counts"]["negative"].as_i64()), (Some(2), Some(0)), "{s}");
    assert!(s["score"].as_f64().unwrap() > score);
    inject(&app, "review.moderated", moderated("restored")).await;
    assert_eq!(bare(app.get(&path).await).await["reviews"], 3);

    // Public: no token needed; a malformed id is 404.
    testkit::expect_error(app.get("/api/v1/ai/listings/not-an-id/sentiment").await, 404, "not_found").await;
}

#[tokio::test]
async fn a_real_review_is_scored_once_published() {
    let app = spawn(None).await;
    let owner = host(&app, "host@reviewed.test").await;
    let listing = flat(&app, &owner, "Lille").await;
    let guest = register(&app, "guest@reviewed.test").await;
    let stay = paid(&app, &guest, &listing, "2027-03-02", "2027-03-04", 2).await;
    app.clock.set("2027-03-04T12:00:00Z".parse().unwrap());
    let (owner, guest) = (testkit::accounts::login(&app, &owner).await, testkit::accounts::login(&app, &guest).await);
    let (status, body) =
        testkit::json(call(&app, Method::POST, &owner, &format!("/api/v1/reservations/{stay}/complete"), None).await)
            .await;
    assert_eq!(status, 200, "{body}");
    settle(&app).await;

    let review = json!({"reservationId": stay, "rating": 2, "comment": "The flat was dirty and the bed really uncomfortable.",
        "categories": {"cleanliness": 1, "accuracy": 2, "checkIn": 3, "communication": 3, "location": 4, "value": 2}});
    let (status, body) = testkit::json(post(&app, &guest, "/api/v1/reviews", &review).await).await;
    assert_eq!(status, 201, "{body}");
    settle(&app).await;
    let path = format!("/api/v1/ai/listings/{listing}/sentiment");
    assert_eq!(bare(app.get(&path).await).await["reviews"], 0, "double-blind: not published yet");

    let back = json!({"reservationId": stay, "rating": 5, "comment": "A considerate guest.",
        "categories": {"cleanliness": 5, "communication": 5, "respect": 5}});
    let (status, body) = testkit::json(post(&app, &owner, "/api/v1/reviews", &back).await).await;
    assert_eq!(status, 201, "{body}");
    settle(&app).await;
    let s = bare(app.get(&path).await).await;
    assert_eq!((s["reviews"].as_i64(), s["label"].as_str()), (Some(1), Some("negative")), "{s}");
    let phrases: Vec<&str> = s["words"].as_array().unwrap().iter().map(|w| w["phrase"].as_str().unwrap()).collect();
    assert!(phrases.contains(&"dirty") && phrases.contains(&"really uncomfortable"), "{phrases:?}");
}
