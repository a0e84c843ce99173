//! The cart on the booking engine alone: seats and people counted by the line's quantity and
//! priced by the engine's quote, removal and clearing. (Checkout and payment, which need the
//! payments context, are tested end to end in the binary's `voyage` tests.)

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::*;

async fn quote(app: &App, user: &User, body: &Value) -> f64 {
    let q = data(call(app, Method::POST, Some(&user.token), "/api/v1/reservations/quote", Some(body)).await).await;
    q["quote"]["guestTotal"].as_f64().unwrap() / 100.0
}

async fn add(app: &App, user: &User, body: &Value) -> reqwest::Response {
    call(app, Method::POST, Some(&user.token), "/api/v1/cart/items", Some(body)).await
}

#[tokio::test]
async fn seats_and_people_are_the_lines_quantity_priced_by_the_quote() {
    let app = spawn().await;
    let owner = host(&app, "operator@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let shuttle = publish(&app, &owner, &transport()).await;
    let trip = add_trip(&app, &owner, &shuttle, "2027-02-01T08:00:00Z", "2027-02-01T12:00:00Z", 4).await;
    let walk = publish(&app, &owner, &activity()).await;
    let session = add_session(&app, &owner, &walk, "2027-01-10T09:00:00Z", 4).await;

    let three_seats = quote(&app, &guest, &json!({"listingId": shuttle, "tripId": trip, "seats": 3})).await;
    let line = json!({"itemType": "transport", "itemData": {"listingId": shuttle, "tripId": trip},
                      "quantity": 3, "price": three_seats / 3.0});
    let added = data(add(&app, &guest, &line).await).await;
    assert_eq!(added["item"]["itemData"]["seats"], 3, "{added}");
    assert!((added["item"]["total"].as_f64().unwrap() - three_seats).abs() < 1e-9);
    // More seats than the trip has cannot be added.
    let five = json!({"itemType": "transport", "itemData": {"listingId": shuttle, "tripId": trip}, "quantity": 5, "price": 15.0});
    assert_eq!(add(&app, &guest, &five).await.status(), 409);

    let two = quote(&app, &guest, &json!({"listingId": walk, "sessionId": session, "partySize": 2})).await;
    let line = json!({"itemType": "activity", "itemData": {"listingId": walk, "sessionId": session}, "quantity": 2, "price": two / 2.0});
    let added = data(add(&app, &guest, &line).await).await;
    assert_eq!(added["item"]["itemData"]["partySize"], 2);
    let walk_line = added["item"]["id"].as_str().unwrap().to_owned();
    let cart = &added["cart"];
    assert_eq!(cart["itemCount"], 2);
    assert!((cart["totals"][0]["amount"].as_f64().unwrap() - (three_seats + two)).abs() < 1e-9, "{cart}");

    // Removing one line, then clearing the cart.
    let me = format!("/api/v1/cart/{}", guest.id);
    let left =
        data(call(&app, Method::DELETE, Some(&guest.token), &format!("{me}/items/{walk_line}"), None).await).await;
    assert_eq!(left["itemCount"], 1);
    expect_error(
        call(&app, Method::DELETE, Some(&guest.token), &format!("{me}/items/{walk_line}"), None).await,
        404,
        "not_found",
    )
    .await;
    let empty = data(call(&app, Method::DELETE, Some(&guest.token), &me, None).await).await;
    assert_eq!((empty["itemCount"].as_i64(), empty["items"].as_array().map(Vec::len)), (Some(0), Some(0)));
    assert_eq!(call(&app, Method::GET, None, &me, None).await.status(), 401);
}
