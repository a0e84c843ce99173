//! What each side hears, through notifications' inbox fed by this context's real events: the
//! other side wrote (write yours to read it), a review was published, a response, a
//! moderator's decision, and reminders.

use chrono::Duration;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn each_side_hears_of_reviews_through_the_inbox() {
    let app = spawn().await;
    let mut s = completed_stay(&app).await;
    let mut root = admin(&app, "root@example.com").await;

    later(&app, Duration::days(1), &mut [&mut root, &mut s.guest, &mut s.host]).await;
    run_jobs(&app, &root).await;
    assert_eq!(notices(&app, &s.guest).await, ["Time to write your review"]);

    let review = written(&app, &s.guest, &stay_review(&s.reservation, 5, "Perfect")).await;
    assert_eq!(notices(&app, &s.host).await, ["Time to write your review", "Your guest reviewed you"]);
    written(&app, &s.host, &guest_review(&s.reservation, 4)).await;
    assert_eq!(notices(&app, &s.guest).await, ["Time to write your review", "You have a new review"]);
    assert_eq!(notices(&app, &s.host).await.last().map(String::as_str), Some("You have a new review"));

    let id = text(&review, "id");
    data(post(&app, &s.host, &format!("/api/v1/reviews/{id}/response"), &json!({"response": "Thank you!"})).await)
        .await;
    app.drain_events().await;
    assert_eq!(notices(&app, &s.guest).await.last().map(String::as_str), Some("Your review got a reply"));
    let hide = json!({"action": "hide", "reason": "Mentions a phone number"});
    data(post(&app, &root, &format!("/api/v1/reviews/{id}/moderate"), &hide).await).await;
    app.drain_events().await;
    assert_eq!(notices(&app, &s.guest).await.last().map(String::as_str), Some("Your review was hidden"));
}
