//! GDPR: a user's reviews are in their export; erasure removes the author's name and private
//! notes but keeps the reviews and their ratings.

use reqwest::Method;

use crate::support::*;

#[tokio::test]
async fn erasure_anonymises_the_author_and_keeps_the_rating() {
    let app = spawn().await;
    let s = completed_stay(&app).await;
    let review = both_review(&app, &s.guest, &s.host, &s.reservation, 4).await;
    let id = text(&review, "id");

    let filed =
        data(post(&app, &s.guest, "/api/v1/users/gdpr/request", &serde_json::json!({"type": "DATA_EXPORT"})).await)
            .await;
    let request = filed["request"]["id"].as_str().unwrap().to_owned();
    let archive: serde_json::Value =
        get(&app, &s.guest, &format!("/api/v1/users/gdpr/requests/{request}/download")).await.json().await.unwrap();
    let part = &archive["contexts"]["reviews"];
    assert_eq!(part["written"][0]["id"], id.as_str(), "{archive}");
    assert_eq!(part["written"][0]["privateNote"], "Thanks for everything");
    assert_eq!(part["about"][0]["authorRole"], "host");

    assert_eq!(call(&app, Method::DELETE, &s.guest, "/api/v1/users/profile", None).await.status(), 200);
    app.drain_events().await;
    let public = data(app.get(&format!("/api/v1/reviews/{id}")).await).await["review"].clone();
    assert_eq!((public["author"].as_str(), &public["authorId"]), (Some("Former user"), &serde_json::Value::Null));
    assert_eq!((public["rating"].as_i64(), public["comment"].as_str()), (Some(4), Some("Rated 4")));
    let host_reads = data(get(&app, &s.host, &format!("/api/v1/reviews/{id}")).await).await["review"].clone();
    assert_eq!(host_reads["privateNote"], serde_json::Value::Null);
    let stats = data(app.get(&format!("/api/v1/reviews/stats/{}", s.listing)).await).await["stats"].clone();
    assert_eq!(stats["reviewCount"], 1, "the rating stays in the aggregate");
}
