//! What may be written when, by whom, and what bad input gets: 400 for values out of range,
//! 403 for a reservation one was not part of, 404 for one that does not exist, 409 for a
//! second review, a reservation not completed or a window that closed. Responses and
//! withdrawals.

use chrono::Duration;
use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn bad_reviews_are_refused_with_the_right_answer() {
    let app = spawn().await;
    let s = completed_stay(&app).await;
    let stranger = register(&app, "stranger@example.com").await;
    let r = &s.reservation;

    let (status, body) = write(&app, &stranger, &stay_review(r, 5, "I was never there")).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("not_a_party")), "{body}");
    let unknown = uuid::Uuid::now_v7().to_string();
    let (status, body) = write(&app, &s.guest, &stay_review(&unknown, 5, "Where?")).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("reservation_not_found")), "{body}");
    let (status, body) = write(&app, &s.guest, &json!({"reservationId": "nope", "rating": 5, "comment": "x"})).await;
    assert_eq!((status, body["details"][0]["field"].as_str()), (400, Some("reservationId")), "{body}");

    let bad = json!({"reservationId": r, "rating": 6, "comment": "", "categories": {"cleanliness": 0, "food": 4, "value": 2.5}});
    let (status, body) = write(&app, &s.guest, &bad).await;
    assert_eq!(status, 400, "{body}");
    let mut fields: Vec<&str> =
        body["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["categories.cleanliness", "categories.food", "categories.value", "comment", "rating"]);
    let (status, _) = write(&app, &s.guest, &json!({"reservationId": r, "rating": "five", "comment": "x"})).await;
    assert_eq!(status, 400);
    let (status, _) =
        write(&app, &s.guest, &json!({"reservationId": r, "rating": 4, "comment": "x".repeat(5001)})).await;
    assert_eq!(status, 400);
    let (status, body) = write(&app, &s.host, &stay_review(r, 5, "Host using guest categories")).await;
    assert_eq!((status, body["details"][0]["field"].as_str()), (400, Some("categories.accuracy")), "{body}");

    written(&app, &s.guest, &stay_review(r, 4, "Nice")).await;
    let (status, body) = write(&app, &s.guest, &stay_review(r, 5, "Again")).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("already_reviewed")), "{body}");
}

#[tokio::test]
async fn a_reservation_is_reviewed_only_once_completed_and_within_fourteen_days() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner).await;
    let reservation = confirmed(&app, &guest, &listing, "2027-02-01", "2027-02-04").await;
    let (status, body) = write(&app, &guest, &stay_review(&reservation, 5, "Too early")).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("not_completed")), "{body}");

    app.clock.set("2027-02-04T12:00:00Z".parse().unwrap());
    let owner = login(&app, &owner).await;
    complete(&app, &owner, &reservation).await;
    let mut guest = login(&app, &guest).await;
    let pending = data(get(&app, &guest, "/api/v1/reviews/pending").await).await["pending"].clone();
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!((pending[0]["role"].as_str(), pending[0]["categories"].as_array().unwrap().len()), (Some("guest"), 6));
    later(&app, Duration::days(14), &mut [&mut guest]).await;
    let (status, body) = write(&app, &guest, &stay_review(&reservation, 5, "Too late")).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("review_window_closed")), "{body}");
    assert_eq!(data(get(&app, &guest, "/api/v1/reviews/pending").await).await["pending"], json!([]));
}

#[tokio::test]
async fn the_reviewed_side_responds_once_to_a_published_review() {
    let app = spawn().await;
    let s = completed_stay(&app).await;
    let review = written(&app, &s.guest, &stay_review(&s.reservation, 3, "Noisy street.")).await;
    let path = format!("/api/v1/reviews/{}/response", text(&review, "id"));
    let answer = json!({"response": "We have since fitted double glazing."});

    // Not readable by the host yet: as if it did not exist.
    testkit::expect_error(post(&app, &s.host, &path, &answer).await, 404, "review_not_found").await;
    written(&app, &s.host, &guest_review(&s.reservation, 5)).await;
    testkit::expect_error(post(&app, &s.guest, &path, &answer).await, 403, "not_reviewed_party").await;
    testkit::expect_error(post(&app, &s.host, &path, &json!({"response": "  "})).await, 400, "validation_failed").await;
    let done = data(post(&app, &s.host, &path, &answer).await).await["review"].clone();
    assert_eq!(done["response"]["text"], "We have since fitted double glazing.");
    testkit::expect_error(post(&app, &s.host, &path, &answer).await, 409, "already_responded").await;
    let public = data(app.get(&format!("/api/v1/reviews/{}", text(&review, "id"))).await).await["review"].clone();
    assert_eq!(public["response"]["text"], "We have since fitted double glazing.");
    assert_eq!(events(&app, "review.responded").await[0]["authorId"], s.guest.id.as_str());
}

#[tokio::test]
async fn an_unpublished_review_can_be_withdrawn_and_written_again() {
    let app = spawn().await;
    let s = completed_stay(&app).await;
    let first = written(&app, &s.guest, &stay_review(&s.reservation, 2, "Hasty")).await;
    let path = format!("/api/v1/reviews/{}", text(&first, "id"));
    testkit::expect_error(call(&app, Method::DELETE, &s.host, &path, None).await, 404, "review_not_found").await;
    data(call(&app, Method::DELETE, &s.guest, &path, None).await).await;
    testkit::expect_error(get(&app, &s.guest, &path).await, 404, "review_not_found").await;
    let second = written(&app, &s.guest, &stay_review(&s.reservation, 4, "On reflection, good")).await;
    written(&app, &s.host, &guest_review(&s.reservation, 5)).await;
    let path = format!("/api/v1/reviews/{}", text(&second, "id"));
    testkit::expect_error(call(&app, Method::DELETE, &s.guest, &path, None).await, 409, "already_published").await;
}

#[tokio::test]
async fn anonymous_malformed_and_foreign_requests_get_a_clear_4xx() {
    let app = spawn().await;
    let s = completed_stay(&app).await;
    let stranger = register(&app, "stranger@example.com").await;
    let review = written(&app, &s.guest, &stay_review(&s.reservation, 4, "Fine")).await;
    let id = text(&review, "id");
    // No token where one is needed.
    let anonymous = app.post_json("/api/v1/reviews", &stay_review(&s.reservation, 4, "x")).await;
    testkit::expect_error(anonymous, 401, "unauthorized").await;
    let pending = app.get("/api/v1/reviews/pending").await;
    assert_eq!(pending.status(), 401);
    // Malformed bodies and ids.
    let raw = app
        .client
        .post(app.url("/api/v1/reviews"))
        .bearer_auth(&s.guest.token)
        .header("content-type", "application/json")
        .body("{\"rating\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let typed = json!({"reservationId": 42, "rating": 4, "comment": "x"});
    assert_eq!(post(&app, &s.guest, "/api/v1/reviews", &typed).await.status(), 400);
    testkit::expect_error(get(&app, &s.guest, "/api/v1/reviews/not-an-id").await, 404, "review_not_found").await;
    // Someone else's: not readable while pending, not theirs to withdraw, respond or moderate.
    let path = format!("/api/v1/reviews/{id}");
    testkit::expect_error(get(&app, &stranger, &path).await, 404, "review_not_found").await;
    testkit::expect_error(call(&app, Method::DELETE, &stranger, &path, None).await, 404, "review_not_found").await;
    let moderate = json!({"action": "hide", "reason": "x"});
    testkit::expect_error(post(&app, &stranger, &format!("{path}/moderate"), &moderate).await, 403, "forbidden").await;
    let pair = format!("/api/v1/reviews/reservation/{}", s.reservation);
    testkit::expect_error(get(&app, &stranger, &pair).await, 404, "reservation_not_found").await;
    let jobs = post(&app, &stranger, "/api/v1/admin/reviews/jobs/run", &json!({})).await;
    assert_eq!(jobs.status(), 403);
}
