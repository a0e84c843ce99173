//! DreamScape bookings by reference whatever order booking's and payments' events arrive in,
//! some twice: a checkout whose payment was never opened (`DRAFT`), one whose payment is heard
//! of before it (`PENDING_PAYMENT`), one heard of before its reservation and paid
//! (`CONFIRMED`, then `CANCELLED`), one whose reservation lapsed before the money came
//! (`FAILED`). Only identity and insights run: the events are written to an outbox as booking
//! and payments write theirs.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use testkit::TestApp;
use testkit::accounts::{admin, register};
use uuid::Uuid;

use super::answer;

async fn deliver(app: &TestApp, event: &kernel::EventEnvelope) {
    let db = app.platform.db("identity").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

async fn publish(app: &TestApp, kind: &str, aggregate: &str, at: DateTime<Utc>, data: Value) -> kernel::EventEnvelope {
    let event = kernel::EventEnvelope::new(kind, aggregate, at, data);
    deliver(app, &event).await;
    event
}

/// The `booking.*` event of a stay in `city` reaching `state` (`booking.created` while it
/// waits for payment), as booking's event view carries it.
async fn reservation(
    app: &TestApp,
    id: Uuid,
    state: &str,
    total: i64,
    city: &str,
    created: DateTime<Utc>,
    at: DateTime<Utc>,
) {
    let r = json!({"id": id, "listingId": Uuid::now_v7(), "guestId": Uuid::now_v7(), "kind": "stay", "status": state,
        "currency": "EUR", "total": total, "startsAt": "2030-05-01T13:00:00Z", "endsAt": "2030-05-03T09:00:00Z",
        "createdAt": created, "updatedAt": at, "destination": city, "amounts": {"guestTotal": total}});
    let kind = if state == "pending_payment" { "created" } else { state };
    publish(app, &format!("booking.{kind}"), &id.to_string(), at, json!({"reservation": r})).await;
}

async fn checkout(app: &TestApp, trip: Uuid, reference: &str, total: i64, parts: &[Uuid], at: DateTime<Utc>) {
    let data = json!({"bookingReference": reference, "userId": Uuid::now_v7(), "total": total, "currency": "EUR",
                      "reservationIds": parts, "types": ["stay"]});
    publish(app, "voyage.created", &trip.to_string(), at, data).await;
}

async fn voyage(
    app: &TestApp,
    kind: &str,
    trip: Uuid,
    reference: &str,
    at: DateTime<Utc>,
    extra: Value,
) -> kernel::EventEnvelope {
    let mut data = json!({"bookingReference": reference, "currency": "EUR"});
    if let (Some(map), Value::Object(more)) = (data.as_object_mut(), extra) {
        map.extend(more);
    }
    publish(app, &format!("voyage.{kind}"), &trip.to_string(), at, data).await
}

async fn payment(
    app: &TestApp,
    kind: &str,
    intent: &str,
    reference: &str,
    amount: i64,
    at: DateTime<Utc>,
) -> kernel::EventEnvelope {
    let data = json!({"paymentIntentId": intent, "amount": amount, "currency": "EUR", "bookingReference": reference,
                      "status": "succeeded", "paymentMethod": "card", "createdAt": at});
    publish(app, &format!("payment.{kind}"), reference, at, data).await
}

#[tokio::test]
async fn bookings_by_reference_whatever_the_order_of_the_news() {
    let dir = tempfile::tempdir().unwrap();
    let config = testkit::quick_config(&dir);
    let t: DateTime<Utc> = "2030-01-10T12:00:00Z".parse().unwrap();
    let clock = Arc::new(kernel::ManualClock::new(t - Duration::hours(3)));
    let contexts: Vec<Arc<dyn platform::Context>> = vec![Arc::new(identity::Identity), Arc::new(insights::Insights)];
    let app = testkit::spawn_config_with_clock(config, contexts, clock.clone()).await;
    let app = &app;
    let boss = admin(app, "boss@example.com").await;
    register(app, "guest@example.com").await;

    // Never paid: DRAFT. Paid before its checkout is heard of: PENDING_PAYMENT.
    checkout(app, Uuid::now_v7(), "DS-DRAFT001", 9_900, &[], t - Duration::hours(2)).await;
    payment(app, "created", "pi_early", "DS-EARLY001", 7_000, t - Duration::hours(2)).await;
    checkout(app, Uuid::now_v7(), "DS-EARLY001", 7_000, &[], t - Duration::hours(2)).await;
    // Heard of before its reservation, then paid (twice over: a redelivery and a repeat).
    let (paid_trip, r3) = (Uuid::now_v7(), Uuid::now_v7());
    let t4 = t - Duration::hours(1);
    checkout(app, paid_trip, "DS-PAID0001", 45_000, &[r3], t4).await;
    reservation(app, r3, "pending_payment", 45_000, "Paris", t4, t4).await;
    payment(app, "created", "pi_paid", "DS-PAID0001", 45_000, t4).await;
    let captured = payment(app, "succeeded", "pi_paid", "DS-PAID0001", 45_000, t4 + Duration::minutes(5)).await;
    reservation(app, r3, "confirmed", 45_000, "Paris", t4, t4 + Duration::minutes(5)).await;
    voyage(app, "booked", paid_trip, "DS-PAID0001", t4 + Duration::minutes(5), json!({})).await;
    app.platform.bus.publish(&captured).await.unwrap();
    app.drain_events().await;
    payment(app, "succeeded", "pi_paid", "DS-PAID0001", 45_000, t4 + Duration::minutes(5)).await;
    // Its reservation lapsed before the money came: FAILED, and the refund of the late money.
    let (late_trip, r4) = (Uuid::now_v7(), Uuid::now_v7());
    let t6 = t - Duration::minutes(30);
    checkout(app, late_trip, "DS-LATE0001", 12_000, &[r4], t6).await;
    reservation(app, r4, "pending_payment", 12_000, "Rome", t6, t6).await;
    payment(app, "created", "pi_late", "DS-LATE0001", 12_000, t6).await;
    reservation(app, r4, "expired", 12_000, "Rome", t6, t6 + Duration::minutes(20)).await;
    voyage(
        app,
        "refund_due",
        late_trip,
        "DS-LATE0001",
        t6 + Duration::minutes(21),
        json!({"reason": "paid_after_expiry"}),
    )
    .await;

    clock.set(t);
    let boss = testkit::accounts::login(app, &boss).await;
    let stats = answer(app, &boss, "/api/v1/admin/dashboard/stats?period=24h").await;
    assert_eq!(stats["bookings"]["total"], 4, "reservations of bookings by reference count through them: {stats}");
    assert_eq!(
        stats["bookings"]["byStatus"],
        json!({"DRAFT": 1, "PENDING_PAYMENT": 1, "PENDING": 0, "CONFIRMED": 1, "CANCELLED": 0, "COMPLETED": 0, "FAILED": 1})
    );
    assert_eq!(stats["revenue"]["total"], 450.0, "one capture, however often heard of: {stats}");
    assert_eq!(stats["avgBookingValue"], json!({"amount": 450.0, "currency": "EUR"}));
    let places = answer(app, &boss, "/api/v1/admin/dashboard/bookings-by-destination").await;
    assert_eq!(places, json!([{"destination": "Paris", "count": 1}]), "the failed Rome booking left out");

    // A partial refund, heard of twice, then the booking cancelled.
    let refund = json!({"refundId": "re_1", "paymentIntentId": "pi_paid", "amount": 5_000, "currency": "EUR",
                        "reservationId": r3, "bookingReference": "DS-PAID0001", "reason": "requested_by_customer"});
    publish(app, "refund.completed", &r3.to_string(), t, refund.clone()).await;
    publish(app, "refund.completed", &r3.to_string(), t, refund).await;
    voyage(app, "cancelled", paid_trip, "DS-PAID0001", t, json!({})).await;
    clock.set(t + Duration::minutes(1));
    let stats = answer(app, &boss, "/api/v1/admin/dashboard/stats?period=24h").await;
    assert_eq!(stats["revenue"]["total"], 400.0, "{stats}");
    assert_eq!(stats["bookings"]["byStatus"]["CANCELLED"], 1, "{stats}");
    assert_eq!(stats["bookings"]["byStatus"]["CONFIRMED"], 0, "{stats}");
    let chart = answer(app, &boss, "/api/v1/admin/dashboard/revenue-chart?period=24h").await;
    assert_eq!(chart, json!([{"date": "2030-01-10", "revenue": 400.0}]));
    assert_eq!(answer(app, &boss, "/api/v1/admin/dashboard/bookings-by-destination").await, json!([]));
}
