//! Booking events reach the other party's inbox (the notifications context): a type per
//! event, the listing named by its title, times on the listing's clock, in the reader's
//! language.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

/// The reader's booking notices, newest first (the welcome notice left out).
async fn notices(app: &App, user: &User) -> Vec<Value> {
    let inbox = data(call(app, Method::GET, Some(&user.token), "/api/v1/users/notifications", None).await).await;
    inbox["notifications"].as_array().unwrap().iter().filter(|n| n["kind"] != "welcome").cloned().collect()
}

async fn titles(app: &App, user: &User) -> Vec<String> {
    notices(app, user).await.iter().map(|n| n["title"].as_str().unwrap().to_owned()).collect()
}

fn text<'a>(notice: &'a Value, key: &str) -> &'a str {
    notice[key].as_str().unwrap()
}

/// A notice's text has every piece in place: no blank where a value was missing, no raw instant.
fn reads_cleanly(notice: &Value) {
    for key in ["title", "message"] {
        let t = text(notice, key);
        assert!(!t.contains("  ") && !t.contains(" .") && !t.contains("“”"), "{notice}");
        assert!(!t.contains(":00Z") && !t.contains("T1") && !t.contains("T0"), "a raw instant: {notice}");
    }
}

/// Sets the user's profile language through identity.
async fn speaks(app: &App, user: &User, language: &str) {
    let body = json!({"settings": {"language": language}});
    data(call(app, Method::PUT, Some(&user.token), "/api/v1/users/profile", Some(&body)).await).await;
}

#[tokio::test]
async fn a_paris_table_is_told_on_the_paris_clock_in_each_readers_language() {
    let app = spawn().await;
    let chef = host(&app, "notice-chef@example.com", "Europe/Paris").await;
    speaks(&app, &chef, "fr-FR").await;
    let mut body = restaurant();
    body["title"] = json!("Le Petit Bistro");
    let bistro = publish(&app, &chef, &body).await;
    let diner = register(&app, "notice-diner@example.com").await;

    // 2027-01-05 18:00 UTC is 19:00 in Paris (UTC+1 in winter). A table costs nothing: it is
    // confirmed at once.
    let dinner = json!({"listingId": bistro, "slotStart": "2027-01-05T18:00:00Z", "partySize": 2});
    let made = data(reserve(&app, &diner, &dinner).await).await;
    let id = made["reservation"]["id"].as_str().unwrap().to_owned();
    app.drain_events().await;

    let guest_side = notices(&app, &diner).await;
    assert_eq!(guest_side.len(), 1, "{guest_side:?}");
    let n = &guest_side[0];
    assert_eq!((text(n, "kind"), text(n, "title")), ("booking_confirmed", "Your booking is confirmed"));
    assert_eq!(
        text(n, "message"),
        "Your reservation for “Le Petit Bistro” on Tue 5 Jan 2027, 19:00 (Europe/Paris) is confirmed."
    );
    assert_eq!(n["metadata"]["reservationId"], id.as_str());
    reads_cleanly(n);

    let host_side = notices(&app, &chef).await;
    assert_eq!(host_side.len(), 1, "{host_side:?}");
    let n = &host_side[0];
    assert_eq!((text(n, "kind"), text(n, "title")), ("booking_confirmed", "Nouvelle réservation confirmée"));
    assert_eq!(
        text(n, "message"),
        "Une réservation de votre annonce «\u{a0}Le Petit Bistro\u{a0}» le mardi 5 janvier 2027 à 19:00 \
         (Europe/Paris) est confirmée."
    );
    reads_cleanly(n);

    // The guest cancels: the host hears it, with a type of its own.
    let path = format!("/api/v1/reservations/{id}/cancel");
    data(call(&app, Method::POST, Some(&diner.token), &path, None).await).await;
    app.drain_events().await;
    let n = &notices(&app, &chef).await[0];
    assert_eq!((text(n, "kind"), text(n, "title")), ("booking_cancelled", "Un voyageur a annulé"));
    assert!(
        text(n, "message").contains("mardi 5 janvier 2027 à 19:00 (Europe/Paris) a été annulée par le voyageur"),
        "{n}"
    );
    assert_eq!(n["metadata"]["cancelledBy"], "guest");
    let only = "/api/v1/users/notifications?type=booking_cancelled";
    let filtered = data(call(&app, Method::GET, Some(&chef.token), only, None).await).await;
    assert_eq!(filtered["pagination"]["total"], 1, "{filtered}");
}

#[tokio::test]
async fn a_product_purchase_names_the_product_and_leaves_no_blank() {
    let app = spawn().await;
    let shop = host(&app, "notice-shop@example.com", "Europe/Paris").await;
    let mug = publish(&app, &shop, &product(5)).await;
    let buyer = register(&app, "notice-buyer@example.com").await;
    let made = data(reserve(&app, &buyer, &order(&mug, 1)).await).await;
    let id = made["reservation"]["id"].as_str().unwrap().to_owned();
    let total = made["reservation"]["total"].as_i64().unwrap();
    payment_event(&app, "succeeded", &id, total).await;
    app.drain_events().await;

    let n = &notices(&app, &shop).await[0];
    assert_eq!((text(n, "kind"), text(n, "title")), ("booking_confirmed", "New confirmed order"));
    assert_eq!(text(n, "message"), "An order of your listing “Travel mug” is confirmed.");
    reads_cleanly(n);
    let n = &notices(&app, &buyer).await[0];
    assert_eq!(text(n, "message"), "Your order of “Travel mug” is confirmed.");
    reads_cleanly(n);
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
    let asked = notices(&app, &owner).await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    let n = &asked[0];
    assert_eq!((text(n, "kind"), text(n, "title")), ("booking_requested", "New booking request"));
    // The answer is due 24 hours after the payment was authorised, on the listing's clock.
    let respond_by: chrono::DateTime<chrono::Utc> = {
        let r =
            data(call(&app, Method::GET, Some(&guest.token), &format!("/api/v1/reservations/{id}"), None).await).await;
        r["reservation"]["respondBy"].as_str().unwrap().parse().unwrap()
    };
    let paris = respond_by.with_timezone(&chrono_tz::Europe::Paris).format("%a %-d %b %Y, %H:%M");
    assert_eq!(
        text(n, "message"),
        format!(
            "A guest asked to book your listing “Canal flat” for 10–12 March 2027. Please answer before \
             {paris} (Europe/Paris)."
        )
    );
    reads_cleanly(n);
    assert!(titles(&app, &guest).await.is_empty(), "the guest is not told what they just did");

    let decline = json!({"reason": "Closed for works"});
    data(
        call(&app, Method::POST, Some(&owner.token), &format!("/api/v1/reservations/{id}/decline"), Some(&decline))
            .await,
    )
    .await;
    app.drain_events().await;
    let declined = notices(&app, &guest).await;
    assert_eq!(declined.len(), 1, "{declined:?}");
    let notice = &declined[0];
    assert_eq!(
        (text(notice, "kind"), text(notice, "title")),
        ("booking_declined", "Your booking request was declined")
    );
    // 2 nights × 100.00 + 30.00 cleaning = 230.00 base; 12 % guest fee = 27.60: 257.60 held on
    // the card, only authorised, so released rather than refunded.
    assert_eq!(
        text(notice, "message"),
        "The host could not accept your request for “Canal flat” for 10–12 March 2027. The 257.60 EUR held on your \
         card is released; nothing was charged."
    );
    assert_eq!(notice["metadata"]["reservationId"], id.as_str());
    reads_cleanly(notice);
    assert_eq!(titles(&app, &owner).await, ["New booking request"], "the host is not told of their own decline");

    // A guest who turned booking updates off in the inbox gets none (cancellations have a
    // preference of their own).
    let off = json!({"booking_confirmation": {"in_app": false}});
    data(
        call(&app, Method::PUT, Some(&guest.token), "/api/v1/users/notification-preferences/channels", Some(&off))
            .await,
    )
    .await;
    let again = json!({"listingId": listing, "checkIn": "2027-04-10", "checkOut": "2027-04-12"});
    let made = data(reserve(&app, &guest, &again).await).await;
    let second = made["reservation"]["id"].as_str().unwrap().to_owned();
    payment_event(&app, "authorized", &second, total).await;
    data(call(&app, Method::POST, Some(&owner.token), &format!("/api/v1/reservations/{second}/accept"), None).await)
        .await;
    app.drain_events().await;
    assert_eq!(titles(&app, &guest).await, ["Your booking request was declined"]);
    // Events carry the quote's totals, not its lines, and the listing's title.
    let (platform::db::Json(event),): (platform::db::Json<Value>,) =
        platform::db::query("SELECT payload FROM outbox WHERE event_type = 'booking.confirmed'")
            .fetch_one(app.platform.db("booking").unwrap())
            .await
            .unwrap();
    let carried = &event["data"]["reservation"];
    assert_eq!(carried["amounts"]["guestTotal"].as_i64(), Some(total), "{event}");
    assert!(carried.get("quote").is_none(), "{event}");
    assert_eq!(
        (carried["listingTitle"].as_str(), carried["timezone"].as_str()),
        (Some("Canal flat"), Some("Europe/Paris"))
    );
    assert_eq!(titles(&app, &owner).await, ["New confirmed booking", "New booking request", "New booking request"]);
    let types: Vec<String> = notices(&app, &owner).await.iter().map(|n| text(n, "kind").to_owned()).collect();
    assert_eq!(types, ["booking_confirmed", "booking_requested", "booking_requested"]);
}
