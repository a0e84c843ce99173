//! Booking events reach the other party's inbox (the notifications context).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

async fn titles(app: &App, user: &User) -> Vec<String> {
    let inbox = data(
        call(app, Method::GET, Some(&user.token), "/api/v1/users/notifications?type=booking_confirmation", None).await,
    )
    .await;
    inbox["notifications"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn hosts_hear_of_requests_and_guests_of_the_answer() {
    let app = spawn().await;
    let owner = host(&app, "notice-host@example.com", "Europe/Paris").await;
    let mut body = stay();
    body["instantBook"] = json!(false);
    let listing = publish(&app, &owner, &body).await;
    let guest = register(&app, "notice-guest@example.com").await;
    let ask = json!({"listingId": listing, "checkIn": "2027-03-10", "checkOut": "2027-03-12"});
    let made = data(reserve(&app, &guest, &ask).await).await;
    let id = made["reservation"]["id"].as_str().unwrap().to_owned();
    let total = made["reservation"]["total"].as_i64().unwrap();
    payment_event(&app, "authorized", &id, total).await;
    app.drain_events().await;
    assert_eq!(titles(&app, &owner).await, ["New booking request"]);
    assert!(titles(&app, &guest).await.is_empty(), "the guest is not told what they just did");

    let decline = json!({"reason": "Closed for works"});
    data(
        call(&app, Method::POST, Some(&owner.token), &format!("/api/v1/reservations/{id}/decline"), Some(&decline))
            .await,
    )
    .await;
    app.drain_events().await;
    let inbox = data(call(&app, Method::GET, Some(&guest.token), "/api/v1/users/notifications", None).await).await;
    let notice: &Value = inbox["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["type"] == "booking_confirmation")
        .expect("a notice for the guest");
    assert_eq!(notice["title"], "Your booking request was declined");
    // The card was only authorised: it is released, nothing was taken to refund.
    assert!(!notice["body"].as_str().unwrap().contains("refunded"), "{notice}");
    assert_eq!(notice["data"]["reservationId"], id.as_str());
    assert_eq!(titles(&app, &owner).await, ["New booking request"], "the host is not told of their own decline");

    // A guest who turned booking notices off in the inbox gets none.
    let off = json!({"booking_confirmation": {"in_app": false}});
    data(call(&app, Method::PUT, Some(&guest.token), "/api/v1/users/notification-preferences", Some(&off)).await).await;
    let again = json!({"listingId": listing, "checkIn": "2027-04-10", "checkOut": "2027-04-12"});
    let made = data(reserve(&app, &guest, &again).await).await;
    let second = made["reservation"]["id"].as_str().unwrap().to_owned();
    payment_event(&app, "authorized", &second, total).await;
    data(call(&app, Method::POST, Some(&owner.token), &format!("/api/v1/reservations/{second}/accept"), None).await)
        .await;
    app.drain_events().await;
    assert_eq!(titles(&app, &guest).await, ["Your booking request was declined"]);
    // Events carry the quote's totals, not its lines.
    let (platform::db::Json(event),): (platform::db::Json<Value>,) =
        platform::db::query("SELECT payload FROM outbox WHERE event_type = 'booking.confirmed'")
            .fetch_one(app.platform.db("booking").unwrap())
            .await
            .unwrap();
    let carried = &event["data"]["reservation"];
    assert_eq!(carried["amounts"]["guestTotal"].as_i64(), Some(total), "{event}");
    assert!(carried.get("quote").is_none(), "{event}");
    assert_eq!(titles(&app, &owner).await, ["New confirmed booking", "New booking request", "New booking request"]);
}
