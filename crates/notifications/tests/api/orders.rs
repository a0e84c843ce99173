//! Menu-order notices as notifications writes them from booking's `order.*` events: each
//! event tells the restaurant or the guest (and nobody else), in their language, under the
//! booking types and preferences; the kitchen's intermediate steps and shipping tell nobody; a
//! redelivered event makes no second notice and a broken one is skipped without holding up
//! the ones behind it.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::support::*;

/// Every notice of `user` but their welcome, newest first.
async fn notices(app: &TestApp, user: &User) -> Vec<Value> {
    items(app, user, "?limit=50").await.into_iter().filter(|n| n["kind"] != "welcome").collect()
}

/// A takeaway order of 3 items at a Paris restaurant: its guest, its restaurant (the host)
/// and a bystander who must hear nothing.
struct Order {
    guest: User,
    host: User,
    other: User,
    id: String,
    listing: String,
}

async fn order(app: &TestApp) -> Order {
    Order {
        guest: register(app, "order-guest@example.com").await,
        host: register(app, "order-host@example.com").await,
        other: register(app, "order-other@example.com").await,
        id: kernel::new_id().to_string(),
        listing: kernel::new_id().to_string(),
    }
}

impl Order {
    /// Booking's reservation view of the order, as its events carry it.
    fn reservation(&self, status: &str) -> Value {
        json!({"id": self.id, "listingId": self.listing, "listingTitle": "Le Petit Bistro", "kind": "restaurant",
               "guestId": self.guest.id, "hostId": self.host.id, "status": status, "quantity": 3,
               "startsAt": "2027-07-03T18:00:00Z", "timezone": "Europe/Paris", "currency": "EUR", "total": 4500,
               "respondBy": "2027-07-03T16:15:00Z", "authorised": 4500, "paid": 0,
               "cancelReason": null, "cancelledBy": null})
    }

    /// `order.<kind>`, by `actor`, with the reservation in `status` and (when `with_order`) the
    /// order's view.
    fn event(&self, kind: &str, status: &str, with_order: bool, actor: Option<&User>) -> kernel::EventEnvelope {
        let mut data = json!({"reservation": self.reservation(status)});
        if with_order {
            data["order"] = json!({"id": self.id, "mode": "takeaway", "status": "received",
                                   "pickupAt": "2027-07-03T18:00:00Z", "tableCode": null, "total": 4500,
                                   "lines": [{"name": "Soup", "quantity": 2}, {"name": "Steak", "quantity": 1}]});
        }
        let mut event = kernel::EventEnvelope::new(format!("order.{kind}"), &self.id, chrono::Utc::now(), data);
        event.actor = actor.map(|u| u.id.clone());
        event
    }

    /// The kitchen rejects it with a reason; the captured money comes back.
    fn rejected(&self) -> kernel::EventEnvelope {
        let mut event = self.event("rejected", "declined", false, Some(&self.host));
        event.data["reservation"]["cancelReason"] = json!("Out of fish");
        event.data["reservation"]["cancelledBy"] = json!("host");
        event.data["refundAmount"] = json!(4500);
        event
    }

    /// The guest takes it back before the kitchen accepted it.
    fn cancelled(&self) -> kernel::EventEnvelope {
        let mut event = self.event("cancelled", "cancelled", false, Some(&self.guest));
        event.data["reservation"]["cancelledBy"] = json!("guest");
        event
    }

    /// How many notices each of guest, restaurant and bystander has.
    async fn counts(&self, app: &TestApp) -> [usize; 3] {
        [
            notices(app, &self.guest).await.len(),
            notices(app, &self.host).await.len(),
            notices(app, &self.other).await.len(),
        ]
    }
}

#[tokio::test]
async fn each_order_event_tells_the_restaurant_or_the_guest() {
    let app = spawn().await;
    let o = order(&app).await;
    deliver(&app, &o.event("placed", "pending_payment", true, Some(&o.guest))).await;
    assert_eq!(o.counts(&app).await, [0, 0, 0], "an unpaid order is nobody's news yet");

    deliver(&app, &o.event("received", "awaiting_host", true, Some(&o.guest))).await;
    assert_eq!(o.counts(&app).await, [0, 1, 0]);
    let n = &notices(&app, &o.host).await[0];
    assert_eq!(
        (&n["kind"], &n["type"], &n["title"]),
        (&json!("booking_requested"), &json!("SYSTEM"), &json!("New order"))
    );
    assert_eq!(
        n["message"],
        "You have received a takeaway order of 3 items at “Le Petit Bistro”, to collect on Sat 3 Jul 2027, 20:00 \
         (Europe/Paris). Please accept or decline it before Sat 3 Jul 2027, 18:15 (Europe/Paris)."
    );
    let m = &n["metadata"];
    assert_eq!(
        (&m["event"], &m["orderId"], &m["reservationId"]),
        (&json!("order.received"), &json!(o.id), &json!(o.id))
    );
    assert_eq!((&m["listingId"], &m["mode"]), (&json!(o.listing), &json!("takeaway")));

    // Accepted: booking's transition carries the reservation alone.
    deliver(&app, &o.event("accepted", "confirmed", false, Some(&o.host))).await;
    assert_eq!(o.counts(&app).await, [1, 1, 0]);
    let n = &notices(&app, &o.guest).await[0];
    assert_eq!((&n["kind"], &n["type"]), (&json!("booking_confirmed"), &json!("BOOKING_CONFIRMED")));
    assert_eq!(
        (&n["title"], &n["message"]),
        (
            &json!("Your order was accepted"),
            &json!("“Le Petit Bistro” accepted your order of 3 items, for Sat 3 Jul 2027, 20:00 (Europe/Paris).")
        )
    );

    deliver(&app, &o.event("preparing", "confirmed", true, Some(&o.host))).await;
    deliver(&app, &o.event("ready", "confirmed", true, Some(&o.host))).await;
    assert_eq!(o.counts(&app).await, [2, 1, 0]);
    let n = &notices(&app, &o.guest).await[0];
    assert_eq!((&n["kind"], &n["title"]), (&json!("booking_confirmed"), &json!("Your order is ready to collect")));
    assert_eq!(n["message"], "Your takeaway order of 3 items at “Le Petit Bistro” is ready to collect.");
    assert_eq!(n["metadata"]["event"], "order.ready");

    // The steps after it, and product orders' shipping, make no notice.
    for kind in ["collected", "served", "completed", "refund_due", "shipped", "delivered", "returned", "paid"] {
        deliver(&app, &o.event(kind, "completed", true, None)).await;
    }
    assert_eq!(o.counts(&app).await, [2, 1, 0]);
    assert_eq!(items(&app, &o.other, "").await.len(), 1, "the bystander has only their welcome");
}

#[tokio::test]
async fn an_order_that_will_not_happen_says_what_becomes_of_the_money() {
    let app = spawn().await;
    let o = order(&app).await;
    deliver(&app, &o.rejected()).await;
    assert_eq!(o.counts(&app).await, [1, 0, 0]);
    let n = &notices(&app, &o.guest).await[0];
    assert_eq!((&n["kind"], &n["type"]), (&json!("booking_declined"), &json!("BOOKING_CANCELLED")));
    assert_eq!(n["title"], "Your order was declined");
    assert_eq!(
        n["message"],
        "“Le Petit Bistro” declined your order of 3 items, for Sat 3 Jul 2027, 20:00 (Europe/Paris). Reason: Out of \
         fish. 45.00 EUR will be refunded to you in full."
    );

    // Not accepted in time: only authorised, so the hold is let go of.
    deliver(&app, &o.event("expired", "expired", false, None)).await;
    let n = &notices(&app, &o.guest).await[0];
    assert_eq!((&n["kind"], &n["title"]), (&json!("booking_expired"), &json!("Your order was not accepted in time")));
    assert_eq!(
        n["message"],
        "“Le Petit Bistro” did not accept your order of 3 items in time. The 45.00 EUR held on your card is \
         released; nothing was charged."
    );

    // The guest took it back: the restaurant hears of it, the guest (who did it) does not.
    deliver(&app, &o.cancelled()).await;
    assert_eq!(o.counts(&app).await, [2, 1, 0]);
    let n = &notices(&app, &o.host).await[0];
    assert_eq!((&n["kind"], &n["title"]), (&json!("booking_cancelled"), &json!("An order was cancelled")));
    assert_eq!(
        n["message"],
        "The guest cancelled an order of 3 items at “Le Petit Bistro”, for Sat 3 Jul 2027, 20:00 (Europe/Paris)."
    );
    assert_eq!(n["metadata"]["cancelledBy"], "guest");

    // Cancelled by the restaurant itself: nobody is told what they just did.
    let mut own = o.event("cancelled", "cancelled", false, Some(&o.host));
    own.data["reservation"]["cancelledBy"] = json!("host");
    deliver(&app, &own).await;
    assert_eq!(o.counts(&app).await, [2, 1, 0]);
}

#[tokio::test]
async fn a_french_reader_gets_french_order_notices() {
    let app = spawn().await;
    let o = order(&app).await;
    speaks(&app, &o.guest, "fr-FR").await;
    deliver(&app, &o.event("accepted", "confirmed", false, Some(&o.host))).await;
    let n = &notices(&app, &o.guest).await[0];
    assert_eq!(n["title"], "Votre commande a été acceptée");
    assert_eq!(
        n["message"],
        "«\u{a0}Le Petit Bistro\u{a0}» a accepté votre commande de 3 articles, pour le samedi 3 juillet 2027 à 20:00 \
         (Europe/Paris)."
    );
    deliver(&app, &o.rejected()).await;
    let n = &notices(&app, &o.guest).await[0];
    assert_eq!(n["title"], "Votre commande a été refusée");
    assert!(
        n["message"]
            .as_str()
            .unwrap()
            .ends_with("Motif\u{a0}: Out of fish. 45,00 EUR vous seront intégralement remboursés."),
        "{}",
        n["message"]
    );
    deliver(&app, &o.event("ready", "confirmed", true, Some(&o.host))).await;
    assert_eq!(notices(&app, &o.guest).await[0]["title"], "Votre commande est prête à retirer");
    // The restaurant of the same order reads English.
    deliver(&app, &o.event("received", "awaiting_host", true, Some(&o.guest))).await;
    assert_eq!(notices(&app, &o.host).await[0]["title"], "New order");
}

#[tokio::test]
async fn a_redelivered_order_event_makes_no_second_notice() {
    let app = spawn().await;
    let o = order(&app).await;
    let event = o.event("received", "awaiting_host", true, Some(&o.guest));
    deliver(&app, &event).await;
    // Delivered again (at least once means sometimes twice)...
    publish(&app, &event).await;
    assert_eq!(o.counts(&app).await, [0, 1, 0]);
    // ...and again once its dedupe record is pruned: the source event id is unique in the inbox.
    assert_eq!(forget_handled(&app, notifications::ORDERS_CONSUMER).await, 1);
    publish(&app, &event).await;
    assert_eq!(o.counts(&app).await, [0, 1, 0]);
}

#[tokio::test]
async fn a_malformed_order_event_is_skipped_and_the_next_one_delivered() {
    let app = spawn().await;
    let o = order(&app).await;
    let mut no_host = o.event("received", "awaiting_host", true, Some(&o.guest));
    no_host.data["reservation"]["hostId"] = json!("not-an-id");
    let mut no_guest = o.rejected();
    no_guest.data["reservation"].as_object_mut().unwrap().remove("guestId");
    let mut no_reservation = o.event("ready", "confirmed", true, Some(&o.host));
    no_reservation.data.as_object_mut().unwrap().remove("reservation");
    let broken =
        kernel::EventEnvelope::new("order.accepted", &o.id, chrono::Utc::now(), json!(["not", "an", "object"]));
    for event in [no_host, no_guest, no_reservation, broken] {
        deliver(&app, &event).await;
    }
    assert_eq!(o.counts(&app).await, [0, 0, 0]);
    // Skipped, not failed: nothing is left to retry, and the next event goes through.
    assert_eq!(app.drain_events().await.failed, 0);
    deliver(&app, &o.rejected()).await;
    assert_eq!(o.counts(&app).await, [1, 0, 0]);
}

#[tokio::test]
async fn order_notices_follow_the_booking_preferences() {
    let app = spawn().await;
    let o = order(&app).await;
    let off = json!({"booking_confirmation": {"in_app": false}});
    data(&app, Method::PUT, CHANNELS, &o.guest.token, Some(&off)).await;
    let off = json!({"booking_cancelled": {"in_app": false}});
    data(&app, Method::PUT, CHANNELS, &o.host.token, Some(&off)).await;
    deliver(&app, &o.event("accepted", "confirmed", false, Some(&o.host))).await;
    deliver(&app, &o.rejected()).await;
    deliver(&app, &o.cancelled()).await;
    assert_eq!(o.counts(&app).await, [0, 0, 0]);
    // The restaurant still hears of new orders: those are booking updates, still on for it.
    deliver(&app, &o.event("received", "awaiting_host", true, Some(&o.guest))).await;
    assert_eq!(o.counts(&app).await, [0, 1, 0]);
    // Turned back on, the guest's next notice comes in.
    let on = json!({"booking_confirmation": {"in_app": true}});
    data(&app, Method::PUT, CHANNELS, &o.guest.token, Some(&on)).await;
    deliver(&app, &o.event("ready", "confirmed", true, Some(&o.host))).await;
    assert_eq!(o.counts(&app).await, [1, 1, 0]);
}
