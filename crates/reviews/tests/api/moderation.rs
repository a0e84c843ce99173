//! Flags and the moderation queue: anyone who can read a review may flag it; administrators
//! hide and restore with a reason (the author is told), and a hidden review leaves the
//! listing's aggregate.

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn hidden_reviews_leave_the_aggregate_and_come_back_when_restored() {
    let app = spawn().await;
    let (owner, listing, stays) = stays_on_one_listing(&app, 3).await;
    let mut ids = Vec::new();
    for ((guest, reservation), rating) in stays.iter().zip([5, 5, 2]) {
        ids.push(text(&both_review(&app, guest, &owner, reservation, rating).await, "id"));
    }
    let root = admin(&app, "root@example.com").await;
    let reader = register(&app, "reader@example.com").await;
    let flag_path = format!("/api/v1/reviews/{}/flag", ids[2]);

    // Flags: a reason from the list, once per reader, never one's own.
    testkit::expect_error(
        post(&app, &reader, &flag_path, &json!({"reason": "boring"})).await,
        400,
        "validation_failed",
    )
    .await;
    let flag = data(post(&app, &reader, &flag_path, &json!({"reason": "fake", "details": "Never stayed"})).await).await;
    assert_eq!(flag["flag"]["reason"], "fake");
    testkit::expect_error(post(&app, &reader, &flag_path, &json!({"reason": "spam"})).await, 409, "already_flagged")
        .await;
    testkit::expect_error(
        post(&app, &stays[2].0, &flag_path, &json!({"reason": "spam"})).await,
        422,
        "cannot_flag_own",
    )
    .await;
    data(post(&app, &owner, &flag_path, &json!({"reason": "offensive"})).await).await;

    // The queue is for administrators.
    testkit::expect_error(get(&app, &reader, "/api/v1/reviews/moderation/queue").await, 403, "forbidden").await;
    let queue = data(get(&app, &root, "/api/v1/reviews/moderation/queue").await).await;
    assert_eq!((queue["total"].as_u64(), queue["reviews"][0]["id"].as_str()), (Some(1), Some(ids[2].as_str())));
    assert_eq!(queue["reviews"][0]["openFlags"], 2);

    // Hiding: the review leaves the aggregate (below three: numbers no longer public).
    let moderate = format!("/api/v1/reviews/{}/moderate", ids[2]);
    testkit::expect_error(
        post(&app, &owner, &moderate, &json!({"action": "hide", "reason": "x"})).await,
        403,
        "forbidden",
    )
    .await;
    testkit::expect_error(post(&app, &root, &moderate, &json!({"action": "hide"})).await, 400, "validation_failed")
        .await;
    let hidden =
        data(post(&app, &root, &moderate, &json!({"action": "hide", "reason": "Not a real stay"})).await).await;
    app.drain_events().await;
    assert_eq!(
        (hidden["review"]["status"].as_str(), hidden["review"]["hiddenReason"].as_str()),
        (Some("hidden"), Some("Not a real stay"))
    );
    assert_eq!(hidden["review"]["moderation"][0]["action"], "hide");
    testkit::expect_error(
        post(&app, &root, &moderate, &json!({"action": "hide", "reason": "again"})).await,
        409,
        "already_hidden",
    )
    .await;
    let stats = data(app.get(&format!("/api/v1/reviews/stats/{listing}")).await).await["stats"].clone();
    assert_eq!((stats["reviewCount"].as_i64(), stats["rating"].is_null()), (Some(2), true));
    testkit::expect_error(app.get(&format!("/api/v1/reviews/{}", ids[2])).await, 404, "review_not_found").await;
    let own = data(get(&app, &stays[2].0, &format!("/api/v1/reviews/{}", ids[2])).await).await["review"].clone();
    assert_eq!((own["status"].as_str(), own["hiddenReason"].as_str()), (Some("hidden"), Some("Not a real stay")));
    let told = events(&app, "review.moderated").await;
    assert_eq!(
        (told[0]["authorId"].as_str(), told[0]["action"].as_str()),
        (Some(stays[2].0.id.as_str()), Some("hidden"))
    );
    assert_eq!(data(get(&app, &root, "/api/v1/reviews/moderation/queue").await).await["total"], 0, "flags resolved");
    assert_eq!(data(get(&app, &root, "/api/v1/reviews/moderation/queue?status=hidden").await).await["total"], 1);

    // Restoring brings it back.
    data(post(&app, &root, &moderate, &json!({"action": "restore", "reason": "Stay verified"})).await).await;
    app.drain_events().await;
    let stats = data(app.get(&format!("/api/v1/reviews/stats/{listing}")).await).await["stats"].clone();
    assert_eq!((stats["reviewCount"].as_i64(), stats["rating"].as_f64()), (Some(3), Some(4.0)));
    let versions: Vec<i64> =
        events(&app, "review.summary_changed").await.iter().map(|e| e["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
    testkit::expect_error(
        post(&app, &root, &moderate, &json!({"action": "restore", "reason": "x"})).await,
        409,
        "not_hidden",
    )
    .await;
}
