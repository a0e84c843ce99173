//! Review notices as notifications writes them from the reviews context's `review.*` events:
//! each event tells the one person it concerns (and nobody else), in their language, under
//! the `reviews` type and preference; a redelivered event makes no second notice and a
//! broken one is skipped without holding up the ones behind it.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::support::*;

fn review_event(kind: &str, aggregate: &str, data: Value) -> kernel::EventEnvelope {
    kernel::EventEnvelope::new(format!("review.{kind}"), aggregate, chrono::Utc::now(), data)
}

/// The review notices of `user`, newest first.
async fn reviews(app: &TestApp, user: &User) -> Vec<Value> {
    items(app, user, "?type=reviews").await
}

/// A reservation between a guest and a host, and a bystander who must hear nothing.
struct Stay {
    guest: User,
    host: User,
    other: User,
    reservation: String,
    listing: String,
}

async fn stay(app: &TestApp) -> Stay {
    Stay {
        guest: register(app, "review-guest@example.com").await,
        host: register(app, "review-host@example.com").await,
        other: register(app, "review-other@example.com").await,
        reservation: kernel::new_id().to_string(),
        listing: kernel::new_id().to_string(),
    }
}

impl Stay {
    /// `review.created` by the guest about the host.
    fn created(&self, review: &str, subject_has_reviewed: bool) -> kernel::EventEnvelope {
        let data = json!({"reviewId": review, "reservationId": self.reservation, "listingId": self.listing,
                          "listingTitle": "Cosy loft", "authorId": self.guest.id, "subjectId": self.host.id,
                          "authorRole": "guest", "closesAt": "2027-03-30T10:00:00Z",
                          "subjectHasReviewed": subject_has_reviewed});
        review_event("created", review, data)
    }

    /// `review.published` of the host's review of the guest.
    fn published(&self, review: &str) -> kernel::EventEnvelope {
        let data = json!({"reviewId": review, "reservationId": self.reservation, "listingId": self.listing,
                          "listingTitle": "Cosy loft", "authorId": self.host.id, "subjectId": self.guest.id,
                          "authorRole": "host", "rating": 5, "publishedAt": "2027-03-30T10:00:00Z"});
        review_event("published", review, data)
    }

    fn reminder(&self, user: &User, role: &str, stage: &str, closes_at: &str) -> kernel::EventEnvelope {
        let data = json!({"userId": user.id, "reservationId": self.reservation, "listingId": self.listing,
                          "listingTitle": null, "role": role, "stage": stage, "closesAt": closes_at});
        review_event("reminder", &self.reservation, data)
    }

    /// How many review notices each of guest, host and bystander has.
    async fn counts(&self, app: &TestApp) -> [usize; 3] {
        [
            reviews(app, &self.guest).await.len(),
            reviews(app, &self.host).await.len(),
            reviews(app, &self.other).await.len(),
        ]
    }
}

#[tokio::test]
async fn each_review_event_tells_the_one_person_it_concerns() {
    let app = spawn().await;
    let s = stay(&app).await;
    let (guests_review, hosts_review) = (kernel::new_id().to_string(), kernel::new_id().to_string());

    // The guest reviewed first: the host is asked for theirs.
    deliver(&app, &s.created(&guests_review, false)).await;
    assert_eq!(s.counts(&app).await, [0, 1, 0]);
    let n = &reviews(&app, &s.host).await[0];
    assert_eq!(
        (&n["kind"], &n["type"], &n["title"]),
        (&json!("reviews"), &json!("SYSTEM"), &json!("Your guest reviewed you"))
    );
    assert_eq!(
        n["message"],
        "Your guest at “Cosy loft” reviewed you. Write your review of them by Tue 30 Mar 2027, 10:00 (UTC) to read theirs."
    );
    let m = &n["metadata"];
    assert_eq!(
        (&m["event"], &m["reviewId"], &m["reservationId"]),
        (&json!("review.created"), &json!(guests_review), &json!(s.reservation))
    );
    assert_eq!((&m["listingId"], &m["closesAt"]), (&json!(s.listing), &json!("2027-03-30T10:00:00Z")));

    // The host then wrote theirs: no "write yours", the publication notice follows.
    let mut answer = s.created(&hosts_review, true);
    answer.data["authorId"] = json!(s.host.id);
    answer.data["subjectId"] = json!(s.guest.id);
    answer.data["authorRole"] = json!("host");
    deliver(&app, &answer).await;
    assert_eq!(s.counts(&app).await, [0, 1, 0]);

    deliver(&app, &s.published(&hosts_review)).await;
    assert_eq!(s.counts(&app).await, [1, 1, 0]);
    let n = &reviews(&app, &s.guest).await[0];
    assert_eq!(n["title"], "You have a new review");
    assert_eq!(n["message"], "Your host at “Cosy loft” rated you 5/5. Their review is now published.");
    assert_eq!((&n["metadata"]["reviewId"], &n["metadata"]["rating"]), (&json!(hosts_review), &json!(5.0)));

    // The guest answers the host's review: the host (its author) hears of it.
    let data = json!({"reviewId": hosts_review, "listingId": s.listing, "listingTitle": "Cosy loft",
                      "authorId": s.host.id, "responderId": s.guest.id});
    deliver(&app, &review_event("responded", &hosts_review, data)).await;
    assert_eq!(s.counts(&app).await, [1, 2, 0]);
    let n = &reviews(&app, &s.host).await[0];
    assert_eq!(
        (&n["title"], &n["message"]),
        (&json!("Your review got a reply"), &json!("Your review of “Cosy loft” got a reply."))
    );

    // Moderation tells the author, with the moderator's reason when hidden.
    let moderated = |action: &str| {
        let data = json!({"reviewId": guests_review, "listingId": s.listing, "listingTitle": "Cosy loft",
                          "authorId": s.guest.id, "action": action, "reason": "Contains a phone number"});
        review_event("moderated", &guests_review, data)
    };
    deliver(&app, &moderated("hidden")).await;
    let n = &reviews(&app, &s.guest).await[0];
    assert_eq!(n["title"], "Your review was hidden");
    assert_eq!(n["message"], "Your review of “Cosy loft” was hidden by moderation. Reason: Contains a phone number.");
    assert_eq!(n["metadata"]["action"], "hidden");
    deliver(&app, &moderated("restored")).await;
    let n = &reviews(&app, &s.guest).await[0];
    assert_eq!(
        (&n["title"], &n["message"]),
        (&json!("Your review was restored"), &json!("Your review of “Cosy loft” is visible again."))
    );
    assert_eq!(s.counts(&app).await, [3, 2, 0]);

    // A summary change is catalog's and search's news, not anybody's inbox.
    let summary = json!({"listingId": s.listing, "version": 2, "reviewCount": 1, "shown": false, "rating": null});
    deliver(&app, &review_event("summary_changed", &s.listing, summary)).await;
    assert_eq!(s.counts(&app).await, [3, 2, 0]);
    assert_eq!(items(&app, &s.other, "").await.len(), 1, "the bystander has only their welcome");
}

#[tokio::test]
async fn reminders_ask_whoever_has_not_reviewed_yet() {
    let app = spawn().await;
    let s = stay(&app).await;
    deliver(&app, &s.reminder(&s.guest, "guest", "first", "2027-03-30T10:00:00Z")).await;
    assert_eq!(s.counts(&app).await, [1, 0, 0]);
    let n = &reviews(&app, &s.guest).await[0];
    assert_eq!(n["title"], "Time to write your review");
    assert_eq!(n["message"], "How did your reservation go? Write your review by Tue 30 Mar 2027, 10:00 (UTC).");
    let m = &n["metadata"];
    assert_eq!((&m["reservationId"], &m["listingId"]), (&json!(s.reservation), &json!(s.listing)));
    assert_eq!((&m["closesAt"], &m["stage"]), (&json!("2027-03-30T10:00:00Z"), &json!("first")));

    let closes = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    deliver(&app, &s.reminder(&s.host, "host", "last", &closes)).await;
    assert_eq!(s.counts(&app).await, [1, 1, 0]);
    let n = &reviews(&app, &s.host).await[0];
    assert_eq!(n["title"], "3 days left to write your review");
    let message = n["message"].as_str().unwrap();
    assert!(message.starts_with("You can write your review of your guest until "), "{message}");
}

#[tokio::test]
async fn a_french_reader_gets_french_review_notices() {
    let app = spawn().await;
    let s = stay(&app).await;
    speaks(&app, &s.host, "fr-FR").await;
    deliver(&app, &s.created(&kernel::new_id().to_string(), false)).await;
    let n = &reviews(&app, &s.host).await[0];
    assert_eq!(n["title"], "Votre voyageur vous a évalué");
    assert_eq!(
        n["message"],
        "Votre voyageur pour «\u{a0}Cosy loft\u{a0}» vous a évalué. Écrivez votre avis avant le mardi 30 mars 2027 à \
         10:00 (UTC) pour lire le sien."
    );
    deliver(&app, &s.reminder(&s.host, "host", "first", "2027-03-30T10:00:00Z")).await;
    let n = &reviews(&app, &s.host).await[0];
    assert_eq!(n["title"], "C'est le moment d'écrire votre avis");
    assert_eq!(
        n["message"],
        "Qu'avez-vous pensé de votre voyageur\u{a0}? Écrivez votre avis avant le mardi 30 mars 2027 à 10:00 (UTC)."
    );
    // The English reader of the same kind of event reads English.
    deliver(&app, &s.published(&kernel::new_id().to_string())).await;
    assert_eq!(reviews(&app, &s.guest).await[0]["title"], "You have a new review");
}

#[tokio::test]
async fn a_redelivered_review_event_makes_no_second_notice() {
    let app = spawn().await;
    let s = stay(&app).await;
    let event = s.published(&kernel::new_id().to_string());
    deliver(&app, &event).await;
    // Delivered again (at least once means sometimes twice)...
    publish(&app, &event).await;
    assert_eq!(s.counts(&app).await, [1, 0, 0]);
    // ...and again once its dedupe record is pruned: the source event id is unique in the inbox.
    assert_eq!(forget_handled(&app, notifications::REVIEWS_CONSUMER).await, 1);
    publish(&app, &event).await;
    assert_eq!(s.counts(&app).await, [1, 0, 0]);
}

#[tokio::test]
async fn a_malformed_review_event_is_skipped_and_the_next_one_delivered() {
    let app = spawn().await;
    let s = stay(&app).await;
    let review = kernel::new_id().to_string();
    let mut no_subject = s.published(&review);
    no_subject.data["subjectId"] = json!("not-an-id");
    let mut no_stage = s.reminder(&s.guest, "guest", "first", "2027-03-30T10:00:00Z");
    no_stage.data["stage"] = json!(null);
    let mut no_flag = s.created(&review, false);
    no_flag.data.as_object_mut().unwrap().remove("subjectHasReviewed");
    let broken = review_event("moderated", &review, json!(["not", "an", "object"]));
    for event in [no_subject, no_stage, no_flag, broken] {
        deliver(&app, &event).await;
    }
    assert_eq!(s.counts(&app).await, [0, 0, 0]);
    // Skipped, not failed: nothing is left to retry, and the next event goes through.
    assert_eq!(app.drain_events().await.failed, 0);
    deliver(&app, &s.published(&review)).await;
    assert_eq!(s.counts(&app).await, [1, 0, 0]);
}

#[tokio::test]
async fn review_notices_follow_the_reviews_preference() {
    let app = spawn().await;
    let s = stay(&app).await;
    let off = json!({"reviews": {"in_app": false}});
    data(&app, Method::PUT, CHANNELS, &s.guest.token, Some(&off)).await;
    deliver(&app, &s.published(&kernel::new_id().to_string())).await;
    deliver(&app, &s.reminder(&s.guest, "guest", "first", "2027-03-30T10:00:00Z")).await;
    assert_eq!(s.counts(&app).await, [0, 0, 0]);
    // Turned back on, the next notice comes in.
    let on = json!({"reviews": {"in_app": true}});
    data(&app, Method::PUT, CHANNELS, &s.guest.token, Some(&on)).await;
    deliver(&app, &s.reminder(&s.guest, "guest", "last", "2027-03-30T10:00:00Z")).await;
    assert_eq!(s.counts(&app).await, [1, 0, 0]);
}
