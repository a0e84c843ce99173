//! Trip reminders through the real contexts: a confirmed stay plans one 24 hours before its
//! check-in on the listing's clock (Paris, across the change to summer time), sent once by the
//! sweep as a `trip_reminder` notice and mail in the guest's language; a cancelled booking, or
//! one whose reminder time has passed, gets none.

use chrono::{DateTime, Utc};
use reqwest::Method;
use uuid::Uuid;

use crate::sends_kit::*;
use crate::support;

/// The planned reminders: (reservation, due, sent).
async fn planned(kit: &Kit) -> Vec<(Uuid, DateTime<Utc>, Option<DateTime<Utc>>)> {
    platform::db::query("SELECT reservation_id, due_at, sent_at FROM notification_reminders ORDER BY due_at")
        .fetch_all(kit.notifications_db())
        .await
        .unwrap()
}

fn id(s: &str) -> Uuid {
    s.parse().unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_paris_stay_is_reminded_24_hours_before_check_in_across_the_change_to_summer_time() {
    let kit = spawn().await;
    let (_, listing) = host_with_flat(&kit, "trip-host@example.com", "16:00").await;
    let guest = support::register(&kit, "trip-guest@example.com").await;
    support::speaks(&kit, &guest, "fr").await;
    // Paris moves to summer time on Sunday 31 March 2030 at 02:00. Check-in that day at 16:00
    // (CEST) is 14:00 UTC; 24 hours earlier is 14:00 UTC on the 30th — 15:00 on the Paris
    // clock of that (winter) day, not 16:00.
    let (summer, _) = paid(&kit, &guest, &listing, "2030-03-31", "2030-04-02").await;
    // A stay the day before, whose reminder falls due first: when it is sent, a sweep has run.
    let (before, _) = paid(&kit, &guest, &listing, "2030-03-30", "2030-03-31").await;
    assert_eq!(
        planned(&kit).await,
        [(id(&before), at("2030-03-29T15:00:00Z"), None), (id(&summer), at("2030-03-30T14:00:00Z"), None)]
    );

    kit.set_clock("2030-03-30T13:59:59Z");
    let guest = login(&kit, "trip-guest@example.com").await;
    let first = wait_notices(&kit, &guest, "trip_reminder", 1).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0]["metadata"]["reservationId"], before.as_str());

    kit.set_clock("2030-03-30T14:00:00Z");
    let both = wait_notices(&kit, &guest, "trip_reminder", 2).await;
    let n = &both[0];
    assert_eq!(n["metadata"]["reservationId"], summer.as_str());
    assert_eq!((n["type"].as_str(), n["title"].as_str()), (Some("TRIP_REMINDER"), Some("Votre voyage, c'est demain")));
    assert_eq!(
        n["message"],
        "Votre séjour à «\u{a0}Canal flat\u{a0}» commence demain (du 31 mars au 2 avril 2030). Arrivée à partir de \
         16:00 (Europe/Paris)."
    );
    assert_eq!(planned(&kit).await[1].2, Some(at("2030-03-30T14:00:00Z")), "marked sent");

    let mails = || mails_to(&kit, "trip-guest@example.com", "Votre voyage, c'est demain");
    mail_to(&kit, "trip-guest@example.com", "Votre voyage, c'est demain").await;
    worker_caught_up(&kit, &guest, "trip-guest@example.com", "Marker after the reminders").await;
    assert_eq!(mails().len(), 2, "one mail per reminder");
    assert!(
        mails().iter().any(|m| m.text.contains("16:00 (Europe/Paris)") && m.text.contains("31 mars")),
        "{:?}",
        mails()
    );
}

#[tokio::test]
async fn a_cancelled_booking_or_one_too_close_to_remind_gets_no_reminder() {
    let kit = spawn().await;
    let (_, listing) = host_with_flat(&kit, "cancel-host@example.com", "15:00").await;
    let guest = support::register(&kit, "cancel-guest@example.com").await;
    let (cancelled, _) = paid(&kit, &guest, &listing, "2030-02-10", "2030-02-12").await;
    let (kept, _) = paid(&kit, &guest, &listing, "2030-02-20", "2030-02-22").await;
    assert_eq!(planned(&kit).await.len(), 2);

    let path = format!("/api/v1/reservations/{cancelled}/cancel");
    let (status, body) = support::send(&kit, Method::POST, &path, &guest.token, None).await;
    assert_eq!(status, 200, "{body}");
    kit.drain_events().await;
    assert_eq!(planned(&kit).await, [(id(&kept), at("2030-02-19T14:00:00Z"), None)], "the cancelled one is dropped");

    // Booked at 16:00 UTC for a check-in tomorrow at 15:00 (14:00 UTC): less than 24 hours
    // ahead, so no reminder is planned.
    kit.set_clock("2030-01-02T16:00:00Z");
    let guest = login(&kit, "cancel-guest@example.com").await;
    let (close, _) = paid(&kit, &guest, &listing, "2030-01-03", "2030-01-04").await;
    let plans = planned(&kit).await;
    assert!(plans.iter().all(|(r, _, _)| *r != id(&close)), "{plans:?}");

    // Past every one of those times: only the kept booking is reminded, once.
    kit.set_clock("2030-02-20T00:00:00Z");
    let guest = login(&kit, "cancel-guest@example.com").await;
    let reminded = wait_notices(&kit, &guest, "trip_reminder", 1).await;
    assert_eq!(reminded.len(), 1, "{reminded:?}");
    let n = &reminded[0];
    assert_eq!(n["metadata"]["reservationId"], kept.as_str());
    assert_eq!(n["title"], "Your trip is tomorrow");
    assert_eq!(
        n["message"],
        "Your stay at “Canal flat” starts tomorrow (20–22 February 2030). Check-in from 15:00 (Europe/Paris)."
    );
    let mail = mail_to(&kit, "cancel-guest@example.com", "Your trip is tomorrow").await;
    assert!(mail.text.contains("20–22 February 2030"), "{mail:?}");
    worker_caught_up(&kit, &guest, "cancel-guest@example.com", "Marker after the reminder").await;
    assert_eq!(mails_to(&kit, "cancel-guest@example.com", "Your trip is tomorrow").len(), 1);
}
