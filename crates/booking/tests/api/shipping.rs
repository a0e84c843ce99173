//! Product orders shipped to an address: the option and address checked and priced, the
//! seller's shipping and delivery, returns refunded through payments (the sandbox, with its
//! ledger), the address shown to the parties only, exported and erased.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

use crate::support::*;

/// Mugs at 40.00 from a Paris shop: `Post` (5.00, 4 days) everywhere, `Express` (15.00, next
/// day) to France and Belgium only.
pub fn mugs(stock: i64) -> Value {
    let mut body = product(stock);
    body["product"]["shippingOptions"] = json!([
        {"name": "Post", "price": 500, "estimatedDays": 4},
        {"name": "Express", "price": 1500, "estimatedDays": 1, "countries": ["FR", "BE"]}]);
    body
}

fn express(listing: &str, quantity: i64) -> Value {
    json!({"listingId": listing, "quantity": quantity, "shippingOption": "Express", "deliveryAddress": paris()})
}

async fn post(app: &TestApp, user: &User, path: &str, body: Option<&Value>) -> reqwest::Response {
    call(app, Method::POST, Some(&user.token), path, body).await
}

pub async fn step(app: &TestApp, user: &User, id: &str, action: &str, body: Option<&Value>) -> reqwest::Response {
    post(app, user, &format!("/api/v1/reservations/{id}/{action}"), body).await
}

pub async fn reservation(app: &TestApp, user: &User, id: &str) -> Value {
    data(call(app, Method::GET, Some(&user.token), &format!("/api/v1/reservations/{id}"), None).await).await
        ["reservation"]
        .clone()
}

/// The `data` of every `kind` event booking wrote about `reservation`, oldest first.
async fn events(app: &TestApp, kind: &str, reservation: &str) -> Vec<Value> {
    let rows: Vec<(platform::db::Json<Value>,)> =
        platform::db::query("SELECT payload FROM outbox WHERE event_type = $1 AND aggregate_id = $2 ORDER BY seq")
            .bind(kind)
            .bind(reservation)
            .fetch_all(app.platform.db("booking").unwrap())
            .await
            .unwrap();
    rows.into_iter().map(|(platform::db::Json(e),)| e["data"].clone()).collect()
}

/// Ledger balances by account, as an administrator reads them.
async fn balances(app: &TestApp, admin: &User) -> Vec<(String, i64)> {
    let b = data(call(app, Method::GET, Some(&admin.token), "/api/v1/payment/ledger/balances", None).await).await;
    let rows = b["balances"].as_array().unwrap().iter();
    rows.map(|r| (r["account"].as_str().unwrap().to_owned(), r["balance"].as_i64().unwrap())).collect()
}

fn balance(balances: &[(String, i64)], account: &str) -> i64 {
    balances.iter().find(|(a, _)| a == account).map_or(0, |(_, b)| *b)
}

#[tokio::test]
async fn two_mugs_by_express_are_charged_shipped_delivered_returned_and_the_ledger_balances() {
    let kit = crate::voyage_kit::spawn().await;
    let app = &kit.app;
    let shop = host(app, "shop@example.com", "Europe/Paris").await;
    let mug = publish(app, &shop, &mugs(5)).await;
    let rules = json!({"rules": {"taxBps": 2000}});
    data(call(app, Method::PUT, Some(&shop.token), &format!("/api/v1/listings/{mug}/calendar"), Some(&rules)).await)
        .await;
    let ana = register(app, "ana@example.com").await;
    let ops = admin(app, "ops@example.com").await;

    // 2 × 40.00 = 80.00; fee 12 % 9.60; taxes 20 % 16.00; express 15.00, on which nothing is
    // taken: the guest pays 120.60, the seller gets 80.00 − 3 % + 15.00 = 92.60.
    let quoted = data(call(app, Method::POST, None, "/api/v1/reservations/quote", Some(&express(&mug, 2))).await).await;
    let q = &quoted["quote"];
    assert_eq!(q["shipping"], json!({"name": "Express", "price": 1500, "estimatedDays": 1}), "{q}");
    assert_eq!(q["lines"][1], json!({"unit": "shipping", "unitPrice": 1500, "quantity": 1, "amount": 1500}));
    let figures: Vec<i64> = ["base", "guestServiceFee", "taxes", "guestTotal", "hostPayout", "platformRevenue"]
        .iter()
        .map(|k| q[k].as_i64().unwrap())
        .collect();
    assert_eq!(figures, [8000, 960, 1600, 12060, 9260, 1200]);

    let made = data(reserve(app, &ana, &express(&mug, 2)).await).await["reservation"].clone();
    let id = made["id"].as_str().unwrap().to_owned();
    assert_eq!((made["total"].as_i64(), made["quote"]["shipping"]["name"].as_str()), (Some(12060), Some("Express")));
    assert_eq!(made["deliveryAddress"]["postalCode"], "75002", "{made}");
    assert_eq!(made["shipping"], json!({"name": "Express", "price": 1500, "estimatedDays": 1}));
    assert_eq!((made["shipment"]["status"].as_str(), &made["returns"]), (Some("pending"), &json!([])));
    app.drain_events().await;

    // Paid on the sandbox: confirmed, and the capture splits as the quote says.
    let ask = json!({"amount": 12060, "currency": "eur", "bookingReference": id});
    let intent = data(post(app, &ana, "/api/v1/payment/intent", Some(&ask)).await).await;
    let intent = intent["paymentIntentId"].as_str().unwrap().to_owned();
    let card = json!({"paymentMethod": "pm_card_visa"});
    data(post(app, &ana, &format!("/api/v1/payment/{intent}/confirm"), Some(&card)).await).await;
    app.drain_events().await;
    let paid = reservation(app, &ana, &id).await;
    assert_eq!((paid["status"].as_str(), paid["paid"].as_i64()), (Some("confirmed"), Some(12060)));
    let seller = format!("host:{}", shop.id);
    let b = balances(app, &ops).await;
    let split = [("processor", 12060), (seller.as_str(), -9260), ("taxes_payable", -1600), ("platform_revenue", -1200)];
    for (account, expected) in split {
        assert_eq!(balance(&b, account), expected, "{account}: {b:?}");
    }

    // Goods earn their seller nothing payable before they are delivered.
    let next = |p: &Value| p["pending"][0]["nextAvailableAt"].as_str().unwrap_or_default().to_owned();
    let held = data(call(app, Method::GET, Some(&shop.token), "/api/v1/payouts", None).await).await;
    assert!(next(&held).as_str() > "2039", "held until delivered: {held}");

    // Shipped, then delivered: the reservation completes as any other does.
    let tracking = json!({"carrier": "Chronopost", "trackingNumber": "XY123456789FR",
                          "trackingUrl": "https://www.chronopost.fr/tracking?c=XY123456789FR"});
    let shipped = data(step(app, &shop, &id, "ship", Some(&tracking)).await).await["reservation"].clone();
    assert_eq!(
        (shipped["status"].as_str(), shipped["shipment"]["status"].as_str()),
        (Some("confirmed"), Some("shipped"))
    );
    assert_eq!(shipped["shipment"]["trackingNumber"], "XY123456789FR");
    let preview =
        call(app, Method::GET, Some(&ana.token), &format!("/api/v1/reservations/{id}/cancellation"), None).await;
    assert_eq!(preview.status(), 409, "shipped goods are returned, not cancelled");
    testkit::expect_error(step(app, &shop, &id, "complete", None).await, 409, "use_deliver").await;
    let delivered = data(step(app, &shop, &id, "deliver", None).await).await["reservation"].clone();
    assert_eq!(delivered["status"], "completed");
    assert_eq!(delivered["shipment"]["status"], "delivered");
    assert!(delivered["shipment"]["deliveredAt"].is_string(), "{delivered}");
    app.drain_events().await;
    let due = data(call(app, Method::GET, Some(&shop.token), "/api/v1/payouts", None).await).await;
    assert_eq!(next(&due), "2030-01-03T09:00:00Z", "payable a day after delivery: {due}");
    let sent = events(app, "order.shipped", &id).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0]["shipment"]["carrier"].as_str(), sent[0]["reservation"]["id"].as_str()),
        (Some("Chronopost"), Some(id.as_str()))
    );
    assert!(sent[0]["reservation"].get("deliveryAddress").is_none(), "events never carry the address");
    let arrived = events(app, "order.delivered", &id).await;
    assert_eq!(
        (arrived[0]["reservation"]["status"].as_str(), arrived[0]["confirmedBy"].as_str()),
        (Some("completed"), Some("seller"))
    );
    assert_eq!(events(app, "booking.completed", &id).await.len(), 1);

    // One mug comes back: one unit's share of goods, fee and taxes (52.80), not the shipping.
    let one = json!({"quantity": 1, "reason": "Chipped handle"});
    let path = format!("/api/v1/reservations/{id}/returns");
    let keyed = |body: &Value, key: &str| {
        let request = app.client.post(app.url(&path)).bearer_auth(&shop.token).header("Idempotency-Key", key);
        request.json(body).send()
    };
    let first = keyed(&one, "return-1").await.unwrap();
    assert_eq!(first.status(), 201);
    let first = data(first).await;
    assert_eq!((first["return"]["quantity"].as_i64(), first["return"]["refundAmount"].as_i64()), (Some(1), Some(5280)));
    let refund = &first["return"]["refund"];
    assert_eq!(
        (refund["accommodation"].as_i64(), refund["guestServiceFee"].as_i64(), refund["taxes"].as_i64()),
        (Some(4000), Some(480), Some(800))
    );
    assert_eq!((refund["hostPayout"].as_i64(), refund["rule"].as_str()), (Some(9260 - 3880), Some("product_return")));
    let again = keyed(&one, "return-1").await.unwrap();
    assert_eq!((again.status().as_u16(), again.headers().get("idempotent-replayed").is_some()), (201, true));
    assert_eq!(data(again).await["return"]["id"], first["return"]["id"]);
    expect_error(
        keyed(&json!({"quantity": 1, "reason": "Other"}), "return-1").await.unwrap(),
        422,
        "idempotency_key_reused",
    )
    .await;
    // Only one mug is left to return.
    let e = expect_error(
        step(app, &shop, &id, "returns", Some(&json!({"quantity": 2, "reason": "Both"}))).await,
        409,
        "return_exceeds_quantity",
    )
    .await;
    assert_eq!(cap_fields(&e), ["quantity"]);
    app.drain_events().await;

    let returned = events(app, "order.returned", &id).await;
    assert_eq!(returned.len(), 1, "the replay made no second return");
    assert_eq!(
        (returned[0]["quantity"].as_i64(), returned[0]["refundAmount"].as_i64(), returned[0]["reason"].as_str()),
        (Some(1), Some(5280), Some("Chipped handle"))
    );
    let due = events(app, "booking.refund_due", &id).await;
    assert_eq!((due[0]["refundAmount"].as_i64(), due[0]["reason"].as_str()), (Some(5280), Some("returned")));
    let after = reservation(app, &ana, &id).await;
    assert_eq!(
        (after["refunded"].as_i64(), after["returns"].as_array().map(Vec::len)),
        (Some(5280), Some(1)),
        "{after}"
    );
    let b = balances(app, &ops).await;
    let split = [
        ("processor", 12060 - 5280),
        (seller.as_str(), -9260 + 3880),
        ("taxes_payable", -800),
        ("platform_revenue", -600),
    ];
    for (account, expected) in split {
        assert_eq!(balance(&b, account), expected, "{account}: {b:?}");
    }

    // The second mug too: everything but the shipping has gone back, which the seller keeps.
    let last =
        data(step(app, &shop, &id, "returns", Some(&json!({"quantity": 1, "reason": "Also chipped"}))).await).await;
    assert_eq!(last["return"]["refundAmount"], 5280);
    expect_error(step(app, &shop, &id, "returns", Some(&one)).await, 409, "return_exceeds_quantity").await;
    app.drain_events().await;
    let b = balances(app, &ops).await;
    let split = [("processor", 1500), (seller.as_str(), -1500), ("taxes_payable", 0), ("platform_revenue", 0)];
    for (account, expected) in split {
        assert_eq!(balance(&b, account), expected, "{account}: {b:?}");
    }
    assert_eq!(reservation(app, &ana, &id).await["refunded"], 10560);
    crate::support::assert_ledger_balanced(app).await;
}

#[tokio::test]
async fn bad_addresses_unknown_options_and_unserved_countries_are_named() {
    let app = spawn().await;
    let shop = host(&app, "shop@example.com", "Europe/Paris").await;
    let mug = publish(&app, &shop, &mugs(5)).await;
    let flat = publish(&app, &shop, &stay()).await;
    let ana = register(&app, "ana@example.com").await;
    let fields = async |body: Value| {
        let e = expect_error(reserve(&app, &ana, &body).await, 400, "validation_failed").await;
        let quoted = call(&app, Method::POST, None, "/api/v1/reservations/quote", Some(&body)).await;
        assert_eq!(cap_fields(&expect_error(quoted, 400, "validation_failed").await), cap_fields(&e), "quotes agree");
        cap_fields(&e)
    };

    assert_eq!(fields(json!({"listingId": mug, "quantity": 1})).await, ["shippingOption", "deliveryAddress"]);
    assert_eq!(fields(json!({"listingId": mug, "shippingOption": "Post"})).await, ["deliveryAddress"]);
    assert_eq!(fields(json!({"listingId": mug, "deliveryAddress": paris()})).await, ["shippingOption"]);
    let pigeon = json!({"listingId": mug, "shippingOption": "Pigeon", "deliveryAddress": paris()});
    assert_eq!(fields(pigeon).await, ["shippingOption"]);
    let bad = json!({"name": "", "line1": "1 Main St", "city": "Paris", "postalCode": "7500", "country": "FR", "phone": "0612"});
    let expected = ["deliveryAddress.name", "deliveryAddress.postalCode", "deliveryAddress.phone"];
    assert_eq!(fields(json!({"listingId": mug, "shippingOption": "Post", "deliveryAddress": bad})).await, expected);
    let uk =
        json!({"name": "Al", "line1": "10 Downing St", "city": "London", "postalCode": "SW1A 2AA", "country": "UK"});
    assert_eq!(
        fields(json!({"listingId": mug, "shippingOption": "Post", "deliveryAddress": uk})).await,
        ["deliveryAddress.country"]
    );
    let typed = json!({"listingId": mug, "shippingOption": "Post", "deliveryAddress": {"postalCode": 75002}});
    assert_eq!(fields(typed).await, ["deliveryAddress.postalCode"]);
    let stay_too = json!({"listingId": flat, "checkIn": "2027-02-01", "checkOut": "2027-02-03",
                          "shippingOption": "Post", "deliveryAddress": paris()});
    assert_eq!(fields(stay_too).await, ["shippingOption", "deliveryAddress"]);

    // Express reaches France and Belgium only; the post goes anywhere.
    let ny = json!({"name": "Al", "line1": "350 5th Ave", "city": "New York", "postalCode": "10118", "country": "us"});
    let far = json!({"listingId": mug, "shippingOption": "express", "deliveryAddress": ny});
    let e = expect_error(reserve(&app, &ana, &far).await, 422, "country_not_served").await;
    assert_eq!(cap_fields(&e), ["deliveryAddress.country"]);
    let by_post = json!({"listingId": mug, "shippingOption": "Post", "deliveryAddress": ny});
    let r = data(reserve(&app, &ana, &by_post).await).await["reservation"].clone();
    assert_eq!((r["total"].as_i64(), r["deliveryAddress"]["country"].as_str()), (Some(4480 + 500), Some("US")));

    // Each step in its turn, by its side.
    let id = r["id"].as_str().unwrap().to_owned();
    let parcel = json!({"carrier": "USPS", "trackingNumber": "9400 1000 0000 0000 0000 00"});
    expect_error(step(&app, &shop, &id, "ship", Some(&parcel)).await, 409, "invalid_state").await;
    payment_event(&app, "succeeded", &id, 4980).await;
    let stranger = register(&app, "stranger@example.com").await;
    expect_error(step(&app, &stranger, &id, "ship", Some(&parcel)).await, 404, "not_found").await;
    expect_error(step(&app, &ana, &id, "ship", Some(&parcel)).await, 403, "forbidden").await;
    expect_error(step(&app, &shop, &id, "deliver", None).await, 409, "invalid_state").await;
    expect_error(step(&app, &ana, &id, "receipt", None).await, 409, "invalid_state").await;
    let one = json!({"quantity": 1, "reason": "Broken"});
    expect_error(step(&app, &shop, &id, "returns", Some(&one)).await, 409, "invalid_state").await;
    let sloppy = json!({"carrier": " ", "trackingNumber": "12/34", "trackingUrl": "ftp://x"});
    let e = expect_error(step(&app, &shop, &id, "ship", Some(&sloppy)).await, 400, "validation_failed").await;
    assert_eq!(cap_fields(&e), ["carrier", "trackingNumber", "trackingUrl"]);
    data(step(&app, &shop, &id, "ship", Some(&parcel)).await).await;
    expect_error(step(&app, &shop, &id, "ship", Some(&parcel)).await, 409, "invalid_state").await;
    // On its way, it is no longer cancelled by anyone: units come back as returns.
    expect_error(step(&app, &ana, &id, "cancel", None).await, 409, "invalid_state").await;
    expect_error(step(&app, &shop, &id, "cancel", None).await, 409, "invalid_state").await;
    assert_eq!(reservation(&app, &ana, &id).await["status"], "confirmed");
    expect_error(step(&app, &shop, &id, "receipt", None).await, 403, "forbidden").await;
    expect_error(step(&app, &stranger, &id, "receipt", None).await, 404, "not_found").await;
    let got = data(step(&app, &ana, &id, "receipt", None).await).await["reservation"].clone();
    assert_eq!((got["status"].as_str(), got["shipment"]["status"].as_str()), (Some("completed"), Some("delivered")));
    assert_eq!(events(&app, "order.delivered", &id).await[0]["confirmedBy"], "guest");
    expect_error(step(&app, &shop, &id, "deliver", None).await, 409, "invalid_state").await;
    let none = json!({"quantity": 0, "reason": ""});
    let e = expect_error(step(&app, &shop, &id, "returns", Some(&none)).await, 400, "validation_failed").await;
    assert_eq!(cap_fields(&e), ["quantity", "reason"]);
    expect_error(step(&app, &ana, &id, "returns", Some(&one)).await, 403, "forbidden").await;

    // A stay is no order: nothing to ship.
    let night = json!({"listingId": flat, "checkIn": "2027-02-01", "checkOut": "2027-02-02"});
    let booked = data(reserve(&app, &ana, &night).await).await["reservation"]["id"].as_str().unwrap().to_owned();
    expect_error(step(&app, &shop, &booked, "ship", Some(&parcel)).await, 409, "invalid_state").await;
}

#[tokio::test]
async fn the_address_is_for_the_parties_exported_and_erased_with_the_account() {
    let app = spawn().await;
    let shop = host(&app, "shop@example.com", "Europe/Paris").await;
    let mug = publish(&app, &shop, &mugs(5)).await;
    let ana = register(&app, "ana@example.com").await;
    let with_phone = {
        let mut a = paris();
        a["phone"] = json!("+33 6 12 34 56 78");
        a
    };
    let body = json!({"listingId": mug, "quantity": 1, "shippingOption": "Post", "deliveryAddress": with_phone});
    let id = data(reserve(&app, &ana, &body).await).await["reservation"]["id"].as_str().unwrap().to_owned();

    let stranger = register(&app, "stranger@example.com").await;
    expect_error(
        call(&app, Method::GET, Some(&stranger.token), &format!("/api/v1/reservations/{id}"), None).await,
        404,
        "not_found",
    )
    .await;
    let seen = reservation(&app, &shop, &id).await;
    assert_eq!(
        (seen["deliveryAddress"]["name"].as_str(), seen["deliveryAddress"]["phone"].as_str()),
        (Some("Ana Lima"), Some("+33612345678"))
    );
    let hosting = data(call(&app, Method::GET, Some(&shop.token), "/api/v1/reservations/hosting", None).await).await;
    assert_eq!(hosting["reservations"][0]["deliveryAddress"]["line1"], "12 Rue de la Paix");
    let mine = data(call(&app, Method::GET, Some(&ana.token), "/api/v1/reservations", None).await).await;
    assert_eq!(mine["reservations"][0]["deliveryAddress"]["city"], "Paris");
    let booked = events(&app, "booking.created", &id).await;
    assert!(booked[0]["reservation"].get("deliveryAddress").is_none(), "{booked:?}");

    let export = async |user: &User| -> Value {
        let ask = json!({"type": "DATA_EXPORT"});
        let filed = data(post(&app, user, "/api/v1/users/gdpr/request", Some(&ask)).await).await;
        let request = filed["request"]["id"].as_str().unwrap().to_owned();
        let path = format!("/api/v1/users/gdpr/requests/{request}/download");
        let archive: Value = call(&app, Method::GET, Some(&user.token), &path, None).await.json().await.unwrap();
        archive["contexts"]["booking"].clone()
    };
    let theirs = export(&ana).await;
    assert_eq!(theirs["reservations"][0]["deliveryAddress"]["postalCode"], "75002", "{theirs}");
    let sellers = export(&shop).await;
    assert_eq!(sellers["hostedReservations"][0]["id"], id.as_str(), "{sellers}");
    assert!(sellers["hostedReservations"][0].get("deliveryAddress").is_none(), "the guest's address is theirs");

    assert_eq!(call(&app, Method::DELETE, Some(&ana.token), "/api/v1/users/profile", None).await.status(), 200);
    app.drain_events().await;
    let kept = reservation(&app, &shop, &id).await;
    let address = &kept["deliveryAddress"];
    for gone in ["name", "line1", "line2", "city", "postalCode", "region", "phone"] {
        assert!(address[gone].is_null(), "{gone} erased: {address}");
    }
    assert_eq!((address["country"].as_str(), address["erased"].as_bool()), (Some("FR"), Some(true)));
    let (left,): (i64,) = platform::db::query(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM delivery_addresses WHERE name IS NOT NULL OR line1 IS NOT NULL OR phone IS NOT NULL",
    )
    .fetch_one(app.platform.db("booking").unwrap())
    .await
    .unwrap();
    assert_eq!(left, 0);
}
