//! Reminders: the day after completion each side that has not written is reminded, and again
//! three days before the window closes; nobody who wrote is reminded, nothing is sent twice.

use chrono::Duration;

use crate::support::*;

#[tokio::test]
async fn sides_that_have_not_written_are_reminded_twice() {
    let app = spawn().await;
    let mut s = completed_stay(&app).await;
    let mut root = admin(&app, "root@example.com").await;
    assert_eq!(run_jobs(&app, &root).await["reminders"], 0, "not the same day");

    later(&app, Duration::days(1), &mut [&mut root, &mut s.guest]).await;
    assert_eq!(run_jobs(&app, &root).await["reminders"], 2);
    assert_eq!(run_jobs(&app, &root).await["reminders"], 0, "once");
    let first = events(&app, "review.reminder").await;
    let mut to: Vec<(&str, &str)> =
        first.iter().map(|e| (e["role"].as_str().unwrap(), e["stage"].as_str().unwrap())).collect();
    to.sort_unstable();
    assert_eq!(to, [("guest", "first"), ("host", "first")]);
    assert_eq!(
        (first[0]["listingTitle"].as_str(), first[0]["timezone"].as_str()),
        (Some("Canal flat"), Some("Europe/Paris"))
    );

    written(&app, &s.guest, &stay_review(&s.reservation, 5, "Lovely")).await;
    later(&app, Duration::days(10), &mut [&mut root]).await;
    assert_eq!(run_jobs(&app, &root).await["reminders"], 1, "11 days after: only the host, who has not written");
    let last = events(&app, "review.reminder").await.pop().unwrap();
    assert_eq!((last["userId"].as_str(), last["stage"].as_str()), (Some(s.host.id.as_str()), Some("last")));
    later(&app, Duration::days(3), &mut [&mut root]).await;
    let ran = run_jobs(&app, &root).await;
    assert_eq!((ran["reminders"].as_i64(), ran["windowsClosed"].as_i64()), (Some(0), Some(1)));
}
