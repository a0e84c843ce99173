//! Double-blind: a review stays hidden from the other side (and everyone else) until both
//! sides wrote or the window closed; then both are published at the same instant, exactly once
//! even when the two sides submit at the same moment.

use chrono::Duration;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn each_side_reads_the_other_only_once_both_have_written() {
    let app = spawn().await;
    let s = completed_stay(&app).await;
    let path = |id: &str| format!("/api/v1/reviews/{id}");

    let mine = written(&app, &s.guest, &stay_review(&s.reservation, 5, "Spotless and bright.")).await;
    assert_eq!((mine["status"].as_str(), mine["authorRole"].as_str()), (Some("pending"), Some("guest")));
    assert_eq!(mine["privateNote"], "Thanks for everything");
    assert_eq!(mine["author"], "Gina G.");
    let id = text(&mine, "id");

    // Hidden from the host and from the public; the author reads it.
    testkit::expect_error(get(&app, &s.host, &path(&id)).await, 404, "review_not_found").await;
    testkit::expect_error(app.get(&path(&id)).await, 404, "review_not_found").await;
    assert_eq!(data(get(&app, &s.guest, &path(&id)).await).await["review"]["comment"], "Spotless and bright.");
    let listed = data(app.get(&format!("/api/v1/reviews/listing/{}", s.listing)).await).await;
    assert_eq!(listed["total"], 0);
    let pair = data(get(&app, &s.host, &format!("/api/v1/reviews/reservation/{}", s.reservation)).await).await;
    assert_eq!((pair["otherSideReviewed"].as_bool(), pair["canReview"].as_bool()), (Some(true), Some(true)));
    assert_eq!(pair["reviews"], json!([]), "the guest's review is not shown to the host yet");
    let created = events(&app, "review.created").await;
    assert_eq!((created.len(), created[0]["subjectHasReviewed"].as_bool()), (1, Some(false)));
    assert!(events(&app, "review.published").await.is_empty());

    // The host writes: both are published at the same instant.
    let theirs = written(&app, &s.host, &guest_review(&s.reservation, 4)).await;
    assert_eq!(theirs["status"], "published");
    let guest_side = data(get(&app, &s.guest, &path(&text(&theirs, "id"))).await).await["review"].clone();
    let host_side = data(get(&app, &s.host, &path(&id)).await).await["review"].clone();
    assert_eq!(guest_side["publishedAt"], host_side["publishedAt"]);
    assert_eq!(host_side["status"], "published");
    assert_eq!(host_side["privateNote"], "Thanks for everything", "the reviewed side reads the private note");
    let public = data(app.get(&path(&id)).await).await["review"].clone();
    assert!(public.get("privateNote").is_none(), "{public}");
    assert_eq!(public["rating"], 5);
    assert_eq!(events(&app, "review.published").await.len(), 2);

    let pair = data(get(&app, &s.guest, &format!("/api/v1/reviews/reservation/{}", s.reservation)).await).await;
    assert_eq!((pair["published"].as_bool(), pair["canReview"].as_bool()), (Some(true), Some(false)));
    assert_eq!(pair["reviews"][0]["rating"], 4);
    let listed = data(app.get(&format!("/api/v1/reviews/listing/{}", s.listing)).await).await;
    assert_eq!(listed["total"], 1, "the listing lists its guests' reviews only");
    assert_eq!(listed["summary"]["reviewCount"], 1);
}

#[tokio::test]
async fn a_lone_review_is_published_when_the_window_closes_and_the_other_side_can_no_longer_write() {
    let app = spawn().await;
    let mut s = completed_stay(&app).await;
    let mut root = admin(&app, "root@example.com").await;
    let review = written(&app, &s.guest, &stay_review(&s.reservation, 4, "Good stay.")).await;
    let id = text(&review, "id");

    later(&app, Duration::days(13), &mut [&mut s.host, &mut root]).await;
    assert_eq!(run_jobs(&app, &root).await["windowsClosed"], 0);
    testkit::expect_error(get(&app, &s.host, &format!("/api/v1/reviews/{id}")).await, 404, "review_not_found").await;

    later(&app, Duration::days(1) + Duration::minutes(1), &mut [&mut s.host, &mut root]).await;
    assert_eq!(run_jobs(&app, &root).await["windowsClosed"], 1);
    assert_eq!(run_jobs(&app, &root).await["windowsClosed"], 0, "published once");
    let seen = data(get(&app, &s.host, &format!("/api/v1/reviews/{id}")).await).await["review"].clone();
    assert_eq!(seen["status"], "published");
    let (status, body) = write(&app, &s.host, &guest_review(&s.reservation, 5)).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("review_window_closed")), "{body}");
    assert_eq!(events(&app, "review.published").await.len(), 1);
}

/// Many reservations, each reviewed by both sides at the same moment: every reservation ends
/// with both reviews published at one instant, published once (one summary change each).
#[tokio::test]
async fn simultaneous_submissions_publish_exactly_once() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com").await;
    let listing = publish(&app, &owner).await;
    const N: usize = 8;
    let mut pairs = Vec::new();
    for i in 0..N {
        let guest = register(&app, &format!("guest{i}@example.com")).await;
        let day = 1 + 3 * i;
        let (check_in, check_out) = (format!("2027-03-{day:02}"), format!("2027-03-{:02}", day + 2));
        let reservation = confirmed(&app, &guest, &listing, &check_in, &check_out).await;
        pairs.push((guest, reservation));
    }
    app.clock.set("2027-04-01T12:00:00Z".parse().unwrap());
    let owner = login(&app, &owner).await;
    let mut fresh = Vec::new();
    for (guest, reservation) in &pairs {
        complete(&app, &owner, reservation).await;
        fresh.push((login(&app, guest).await, reservation.clone()));
    }

    let mut tasks = Vec::new();
    for (guest, reservation) in &fresh {
        for (who, body) in
            [(guest.clone(), stay_review(reservation, 5, "Great")), (owner.clone(), guest_review(reservation, 5))]
        {
            let (client, url, token) = (app.client.clone(), app.url("/api/v1/reviews"), who.token.clone());
            tasks.push(tokio::spawn(async move {
                client.post(url).bearer_auth(token).json(&body).send().await.unwrap().status().as_u16()
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    app.drain_events().await;

    for (guest, reservation) in &fresh {
        let pair = data(get(&app, guest, &format!("/api/v1/reviews/reservation/{reservation}")).await).await;
        let mine: &Value = &pair["mine"];
        assert_eq!(
            (mine["status"].as_str(), pair["reviews"][0]["status"].as_str()),
            (Some("published"), Some("published"))
        );
        assert_eq!(mine["publishedAt"], pair["reviews"][0]["publishedAt"], "{pair}");
    }
    assert_eq!(events(&app, "review.published").await.len(), 2 * N, "each review published once");
    let changes = events(&app, "review.summary_changed").await;
    assert_eq!(changes.len(), N, "one summary change per publication");
    let versions: Vec<i64> = changes.iter().map(|c| c["version"].as_i64().unwrap()).collect();
    assert_eq!(versions, (1..=N as i64).collect::<Vec<_>>());
    assert_eq!(changes[N - 1]["reviewCount"], N as i64, "the last version counts every review");
    assert_eq!(changes[N - 1]["rating"], 5.0);
}

/// The same review sent many times at once: one is written, the rest are told it exists.
#[tokio::test]
async fn a_review_sent_many_times_at_once_is_written_once() {
    let app = spawn().await;
    let s = completed_stay(&app).await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (client, url, token) = (app.client.clone(), app.url("/api/v1/reviews"), s.guest.token.clone());
        let body = stay_review(&s.reservation, 3, "Fine");
        tasks.push(tokio::spawn(async move {
            let r = client.post(url).bearer_auth(token).json(&body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        if status == 409 {
            assert_eq!(body["code"], "already_reviewed");
        }
        statuses.push(status);
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
}
