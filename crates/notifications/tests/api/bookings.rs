//! Booking notices as notifications writes them from `booking.*` events: in the reader's
//! language (learnt from identity's profile events, and used for security notices too), and
//! readable even from older events that carry no listing title or time zone.

use serde_json::{Value, json};

use crate::support::*;

/// A `booking.<kind>` event for a reservation of `guest` with `host`, as booking publishes it.
pub fn booking_event(
    kind: &str,
    guest: &User,
    host: &User,
    reservation: Value,
    refund: Option<i64>,
) -> kernel::EventEnvelope {
    let mut r = reservation;
    r["id"] = json!(kernel::new_id());
    r["guestId"] = json!(guest.id);
    r["hostId"] = json!(host.id);
    let data = json!({"reservation": r, "refundAmount": refund});
    kernel::EventEnvelope::new(format!("booking.{kind}"), kernel::new_id(), chrono::Utc::now(), data)
}

fn table() -> Value {
    json!({"kind": "restaurant", "listingTitle": "Le Petit Bistro", "timezone": "Europe/Paris",
           "startsAt": "2027-07-03T18:00:00Z", "currency": "EUR", "cancelledBy": "host"})
}

#[tokio::test]
async fn notices_follow_the_language_of_the_readers_profile() {
    let app = spawn().await;
    let guest = register(&app, "lang-guest@example.com").await;
    let host = register(&app, "lang-host@example.com").await;
    speaks(&app, &guest, "fr").await;
    publish(&app, &user_event("user.mfa_enabled", &guest, json!({}))).await;
    let n = &items(&app, &guest, "?type=account_security").await[0];
    assert_eq!(n["title"], "Authentification à deux facteurs activée", "security notices too");

    // Summer: Paris is UTC+2, so 18:00 UTC is 20:00 there.
    publish(&app, &booking_event("cancelled", &guest, &host, table(), Some(4500))).await;
    let n = &items(&app, &guest, "?type=booking_cancelled").await[0];
    assert_eq!(n["title"], "Votre réservation a été annulée");
    assert_eq!(
        n["message"],
        "Votre réservation pour «\u{a0}Le Petit Bistro\u{a0}» le samedi 3 juillet 2027 à 20:00 (Europe/Paris) \
         a été annulée par l'hôte. 45,00 EUR vous seront remboursés."
    );

    // Back to the default (an empty setting clears it): English again.
    speaks(&app, &guest, "").await;
    publish(&app, &booking_event("cancelled", &guest, &host, table(), None)).await;
    let n = &items(&app, &guest, "?type=booking_cancelled").await[0];
    assert_eq!(
        n["message"],
        "Your reservation for “Le Petit Bistro” on Sat 3 Jul 2027, 20:00 (Europe/Paris) was cancelled by the host."
    );

    // The language is personal data: erasure forgets it with the rest.
    let db = app.platform.db("notifications").expect("notifications db");
    speaks(&app, &host, "fr-CA").await;
    let count = || async {
        let (n,): (i64,) =
            platform::db::query("SELECT COUNT(*) FROM notification_readers").fetch_one(db).await.unwrap();
        n
    };
    assert_eq!(count().await, 2);
    publish(&app, &user_event("user.deleted", &host, json!({}))).await;
    assert_eq!(count().await, 1);
}

#[tokio::test]
async fn an_older_event_without_title_or_zone_still_reads_sensibly() {
    let app = spawn().await;
    let guest = register(&app, "old-guest@example.com").await;
    let host = register(&app, "old-host@example.com").await;
    let old = json!({"kind": "restaurant", "startsAt": "2027-01-05T18:00:00Z"});
    publish(&app, &booking_event("confirmed", &guest, &host, old, None)).await;
    let n = &items(&app, &guest, "?type=booking_confirmed").await[0];
    assert_eq!(n["message"], "Your reservation on Tue 5 Jan 2027, 18:00 (UTC) is confirmed.");
    let n = &items(&app, &host, "?type=booking_confirmed").await[0];
    assert_eq!(n["title"], "New confirmed booking");
    assert_eq!(n["message"], "A reservation of your listing on Tue 5 Jan 2027, 18:00 (UTC) is confirmed.");

    // A product's event has no date at all.
    let product = json!({"kind": "product"});
    publish(&app, &booking_event("confirmed", &guest, &host, product, None)).await;
    let n = &items(&app, &host, "?type=booking_confirmed").await[0];
    assert_eq!(n["message"], "An order of your listing is confirmed.");
}
