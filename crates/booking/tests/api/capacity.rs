//! Capacity kinds through HTTP: restaurant tables per slot, activity sessions, transport trips
//! and product stock — what is left, what a reservation takes, and what gives it back.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::*;

async fn get(app: &App, token: Option<&str>, path: &str) -> Value {
    data(call(app, Method::GET, token, path, None).await).await
}

async fn post(app: &App, user: &User, path: &str, body: Option<&Value>) -> reqwest::Response {
    call(app, Method::POST, Some(&user.token), path, body).await
}

async fn quote(app: &App, user: &User, body: &Value) -> reqwest::Response {
    post(app, user, "/api/v1/reservations/quote", Some(body)).await
}

async fn reservation(app: &App, user: &User, id: &str) -> Value {
    get(app, Some(&user.token), &format!("/api/v1/reservations/{id}")).await["reservation"].clone()
}

async fn availability(app: &App, listing: &str, query: &str) -> Value {
    get(app, None, &format!("/api/v1/listings/{listing}/availability{query}")).await["availability"].clone()
}

/// Tables left in each slot of 2027-01-05 for a party of `party`.
async fn tables_left(app: &App, listing: &str, party: i64) -> Vec<i64> {
    let a = availability(app, listing, &format!("?date=2027-01-05&partySize={party}")).await;
    a["slots"].as_array().unwrap().iter().map(|s| s["tablesLeft"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn restaurant_slots_sell_the_smallest_table_that_fits() {
    let app = spawn().await;
    let chef = host(&app, "chef@example.com", "Europe/Paris").await;
    let bistro = publish(&app, &chef, &restaurant()).await;
    let mut diners = Vec::new();
    for i in 0..5 {
        diners.push(register(&app, &format!("diner{i}@example.com")).await);
    }

    // 2027-01-05 is a Tuesday and Paris is UTC+1 in January. Lunch (12:00–14:00) holds one
    // 90-minute slot (13:30 would end at 15:00), dinner (19:00–23:00) two (22:00 would end at
    // 23:30). Every slot has 2 tables of 2 and 1 of 4: 3 tables seat a party of 2, 1 a party of 3.
    let all = get(&app, None, &format!("/api/v1/listings/{bistro}/availability?date=2027-01-05&partySize=2")).await;
    assert_eq!((all["kind"].as_str(), all["timezone"].as_str()), (Some("restaurant"), Some("Europe/Paris")));
    assert_eq!(
        (all["availability"]["date"].as_str(), all["availability"]["partySize"].as_i64()),
        (Some("2027-01-05"), Some(2))
    );
    let slots: Vec<(&str, &str, i64, bool)> = all["availability"]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().unwrap();
            (text("local"), text("slotStart"), s["tablesLeft"].as_i64().unwrap(), s["available"].as_bool().unwrap())
        })
        .collect();
    assert_eq!(
        slots,
        [
            ("12:00", "2027-01-05T11:00:00Z", 3, true),
            ("19:00", "2027-01-05T18:00:00Z", 3, true),
            ("20:30", "2027-01-05T19:30:00Z", 3, true)
        ]
    );
    assert_eq!(tables_left(&app, &bistro, 3).await, [1, 1, 1]);

    // Three parties of 2 at 19:00: both tables of 2 go first, then the table of 4.
    let dinner = json!({"listingId": bistro, "slotStart": "2027-01-05T18:00:00Z", "partySize": 2});
    let mut booked = Vec::new();
    for (i, expected) in [(0, [2, 1]), (1, [1, 1]), (2, [0, 0])] {
        let r = data(reserve(&app, &diners[i], &dinner).await).await["reservation"].clone();
        let dinner_left = [tables_left(&app, &bistro, 2).await[1], tables_left(&app, &bistro, 3).await[1]];
        assert_eq!(dinner_left, expected, "after party {i}");
        booked.push(r);
    }
    // A table costs nothing, so an instant-book table is confirmed at once, without payment.
    let first = &booked[0];
    assert_eq!(
        (first["status"].as_str(), first["total"].as_i64(), first["paid"].as_i64()),
        (Some("confirmed"), Some(0), Some(0))
    );
    assert_eq!((first["slotStart"].as_str(), first["partySize"].as_i64()), (Some("2027-01-05T18:00:00Z"), Some(2)));
    assert_eq!(first["endsAt"], "2027-01-05T19:30:00Z", "18:00 + 90 minutes");
    assert_eq!(first["holdExpiresAt"], Value::Null);
    assert_eq!(first["quote"]["lines"], json!([{"unit": "person", "unitPrice": 0, "quantity": 2, "amount": 0}]));
    expect_error(reserve(&app, &diners[3], &dinner).await, 409, "sold_out").await;
    expect_error(quote(&app, &diners[3], &dinner).await, 409, "sold_out").await;

    // A party of 3 needs the table of 4; at 20:30 that leaves the two tables of 2.
    let late = json!({"listingId": bistro, "slotStart": "2027-01-05T19:30:00Z", "partySize": 3});
    let r = data(reserve(&app, &diners[3], &late).await).await["reservation"].clone();
    assert_eq!((r["status"].as_str(), r["partySize"].as_i64()), (Some("confirmed"), Some(3)));
    assert_eq!(tables_left(&app, &bistro, 2).await, [3, 0, 2]);
    assert_eq!(tables_left(&app, &bistro, 3).await, [1, 0, 0]);
    expect_error(reserve(&app, &diners[4], &late).await, 409, "sold_out").await;

    // Instants that are not upcoming slot starts, and parties no table seats.
    let at = |slot: &str, party: i64| json!({"listingId": bistro, "slotStart": slot, "partySize": party});
    for slot in [
        "2027-01-05T11:15:00Z", // 12:15, inside a slot
        "2027-01-05T12:30:00Z", // 13:30, would end after closing
        "2027-01-05T15:00:00Z", // 16:00, closed
        "2027-01-05T12:00:00Z", // 13:00
        "2027-01-03T11:00:00Z", // a slot, but two days ago
    ] {
        expect_error(reserve(&app, &diners[4], &at(slot, 2)).await, 422, "invalid_slot").await;
    }
    let offset = data(quote(&app, &diners[4], &at("2027-01-05T12:00:00+01:00", 2)).await).await;
    assert_eq!(offset["startsAt"], "2027-01-05T11:00:00Z", "any offset naming the slot's instant");
    expect_error(reserve(&app, &diners[4], &at("2027-01-05T11:00:00Z", 5)).await, 422, "party_too_large").await;
    let e =
        expect_error(reserve(&app, &diners[4], &at("2027-01-05T12:00:00", 2)).await, 400, "validation_failed").await;
    assert_eq!(cap_fields(&e), ["slotStart"]);
    let e =
        expect_error(reserve(&app, &diners[4], &at("2027-01-05T11:00:00Z", 21)).await, 400, "validation_failed").await;
    assert_eq!(cap_fields(&e), ["partySize"]);

    // Cancelling gives the table back: the 19:00 slot seats a party of 2 again.
    let cancelled = data(
        post(&app, &diners[0], &format!("/api/v1/reservations/{}/cancel", first["id"].as_str().unwrap()), None).await,
    )
    .await;
    assert_eq!(
        (cancelled["reservation"]["status"].as_str(), cancelled["reservation"]["cancelledBy"].as_str()),
        (Some("cancelled"), Some("guest"))
    );
    assert_eq!(cancelled["reservation"]["refund"]["amount"], 0, "nothing was paid");
    assert_eq!(tables_left(&app, &bistro, 2).await, [3, 1, 2]);
    assert_eq!(tables_left(&app, &bistro, 3).await, [1, 0, 0], "the freed table seats 2");
    let r = data(reserve(&app, &diners[4], &dinner).await).await["reservation"].clone();
    assert_eq!(r["status"], "confirmed");

    // Request to book: a free table still waits for the host.
    let mut body = restaurant();
    body["instantBook"] = json!(false);
    let asking = publish(&app, &chef, &body).await;
    let lunch = json!({"listingId": asking, "slotStart": "2027-01-05T11:00:00Z", "partySize": 2});
    let r = data(reserve(&app, &diners[0], &lunch).await).await["reservation"].clone();
    assert_eq!((r["status"].as_str(), r["total"].as_i64()), (Some("awaiting_host"), Some(0)));
    assert_eq!(r["respondBy"], "2027-01-05T09:00:00Z", "24 hours to answer");
    assert_eq!(tables_left(&app, &asking, 2).await, [2, 3, 3], "a request holds its table");
}

#[tokio::test]
async fn activity_sessions_sell_places_and_a_removed_session_refunds_its_guests() {
    let app = spawn().await;
    let guide = host(&app, "guide@example.com", "Europe/Paris").await;
    let walk = publish(&app, &guide, &activity()).await;
    let session = add_session(&app, &guide, &walk, "2027-01-10T09:00:00Z", 4).await;
    let ann = register(&app, "ann@example.com").await;
    let bob = register(&app, "bob@example.com").await;
    let cat = register(&app, "cat@example.com").await;
    let party = |n: i64| json!({"listingId": walk, "sessionId": session, "partySize": n});

    // 3 × 25.00 = 75.00; guest fee 12 % = 9.00; no tax; host fee 3 % = 2.25.
    let q = data(quote(&app, &ann, &party(3)).await).await;
    assert_eq!(q["quote"]["lines"], json!([{"unit": "person", "unitPrice": 2500, "quantity": 3, "amount": 7500}]));
    let figures: Vec<i64> = ["subtotal", "base", "guestServiceFee", "taxes", "guestTotal", "hostFee", "hostPayout"]
        .iter()
        .map(|k| q["quote"][k].as_i64().unwrap())
        .collect();
    assert_eq!(figures, [7500, 7500, 900, 0, 8400, 225, 7275]);
    assert_eq!(
        (q["startsAt"].as_str(), q["endsAt"].as_str()),
        (Some("2027-01-10T09:00:00Z"), Some("2027-01-10T11:00:00Z"))
    );

    let a = data(reserve(&app, &ann, &party(3)).await).await["reservation"].clone();
    assert_eq!((a["status"].as_str(), a["total"].as_i64()), (Some("pending_payment"), Some(8400)));
    assert_eq!((a["sessionId"].as_str(), a["partySize"].as_i64()), (Some(session.as_str()), Some(3)));
    assert_eq!(a["holdExpiresAt"], "2027-01-04T09:15:00Z");
    let s = &availability(&app, &walk, "").await["sessions"][0];
    assert_eq!(
        (s["sessionId"].as_str(), s["capacity"].as_i64(), s["remaining"].as_i64()),
        (Some(session.as_str()), Some(4), Some(1))
    );
    assert_eq!((s["price"].as_i64(), s["available"].as_bool()), (Some(2500), Some(true)));
    assert_eq!(availability(&app, &walk, "?partySize=2").await["sessions"][0]["available"], false);
    let e = expect_error(reserve(&app, &bob, &party(2)).await, 409, "sold_out").await;
    assert_eq!(e["message"], "Only 1 place is left");
    expect_error(quote(&app, &bob, &party(2)).await, 409, "sold_out").await;
    let unknown = json!({"listingId": walk, "sessionId": "01900000-0000-7000-8000-000000000000", "partySize": 1});
    expect_error(reserve(&app, &bob, &unknown).await, 404, "not_found").await;
    let b = data(reserve(&app, &bob, &party(1)).await).await["reservation"].clone();
    assert_eq!(availability(&app, &walk, "").await["sessions"][0]["remaining"], 0);

    // Ann pays; then the guide removes the session: both reservations are cancelled by the
    // host, Ann gets all she paid back, Bob (who paid nothing) nothing.
    let a_id = a["id"].as_str().unwrap();
    payment_event(&app, "succeeded", a_id, 8400).await;
    assert_eq!(reservation(&app, &ann, a_id).await["status"], "confirmed");
    let removed =
        call(&app, Method::DELETE, Some(&guide.token), &format!("/api/v1/listings/{walk}/sessions/{session}"), None)
            .await;
    assert_eq!(removed.status(), 200);
    app.drain_events().await;
    let a = reservation(&app, &ann, a_id).await;
    assert_eq!((a["status"].as_str(), a["cancelledBy"].as_str()), (Some("cancelled"), Some("host")));
    assert_eq!((a["refund"]["amount"].as_i64(), a["refund"]["rule"].as_str()), (Some(8400), Some("full_refund")));
    assert_eq!(a["refund"]["hostPayout"], 0);
    let b = reservation(&app, &bob, b["id"].as_str().unwrap()).await;
    assert_eq!((b["status"].as_str(), b["cancelledBy"].as_str()), (Some("cancelled"), Some("host")));
    assert_eq!(b["refund"]["amount"], 0);
    assert_eq!(availability(&app, &walk, "").await["sessions"], json!([]));
    expect_error(reserve(&app, &cat, &party(1)).await, 404, "not_found").await;

    // A session that has started is no longer sold, nor shown as available.
    let soon = add_session(&app, &guide, &walk, "2027-01-04T12:00:00Z", 4).await;
    let body = json!({"listingId": walk, "sessionId": soon, "partySize": 1});
    data(quote(&app, &cat, &body).await).await;
    app.clock.advance(chrono::Duration::hours(3));
    let cat = login(&app, "cat@example.com").await;
    expect_error(reserve(&app, &cat, &body).await, 409, "departure_passed").await;
    let sessions = availability(&app, &walk, "").await["sessions"].clone();
    assert!(sessions.as_array().unwrap().iter().all(|s| s["available"] == false), "{sessions}");
}

#[tokio::test]
async fn transport_seats_come_back_when_an_unpaid_hold_expires() {
    let app = spawn().await;
    let driver = host(&app, "driver@example.com", "Europe/Paris").await;
    let shuttle = publish(&app, &driver, &transport()).await;
    let trip = add_trip(&app, &driver, &shuttle, "2027-02-01T08:00:00Z", "2027-02-01T12:00:00Z", 4).await;
    let rider = register(&app, "rider@example.com").await;
    let other = register(&app, "other@example.com").await;
    let seats = |n: i64| json!({"listingId": shuttle, "tripId": trip, "seats": n});

    // 3 × 15.00 = 45.00; guest fee 12 % = 5.40; host fee 3 % = 1.35.
    let q = data(quote(&app, &rider, &seats(3)).await).await;
    assert_eq!(q["quote"]["lines"], json!([{"unit": "seat", "unitPrice": 1500, "quantity": 3, "amount": 4500}]));
    assert_eq!((q["quote"]["guestServiceFee"].as_i64(), q["quote"]["guestTotal"].as_i64()), (Some(540), Some(5040)));
    assert_eq!(q["quote"]["hostPayout"], 4365);
    let r = data(reserve(&app, &rider, &seats(3)).await).await["reservation"].clone();
    assert_eq!((r["status"].as_str(), r["total"].as_i64()), (Some("pending_payment"), Some(5040)));
    assert_eq!((r["tripId"].as_str(), r["seats"].as_i64()), (Some(trip.as_str()), Some(3)));
    assert_eq!(
        (r["startsAt"].as_str(), r["endsAt"].as_str()),
        (Some("2027-02-01T08:00:00Z"), Some("2027-02-01T12:00:00Z"))
    );
    let t = availability(&app, &shuttle, "").await["trips"][0].clone();
    assert_eq!(
        (t["tripId"].as_str(), t["remaining"].as_i64(), t["capacity"].as_i64()),
        (Some(trip.as_str()), Some(1), Some(4))
    );
    assert_eq!(
        (t["origin"].as_str(), t["destination"].as_str(), t["price"].as_i64()),
        (Some("Paris"), Some("Lyon"), Some(1500))
    );
    let e = expect_error(reserve(&app, &other, &seats(2)).await, 409, "sold_out").await;
    assert_eq!(e["message"], "Only 1 seat is left");
    let e = expect_error(reserve(&app, &other, &seats(0)).await, 400, "validation_failed").await;
    assert_eq!(cap_fields(&e), ["seats"]);

    // The hold lasts 15 minutes: still held after 14, released by the scheduler after 16.
    app.clock.advance(chrono::Duration::minutes(14));
    let ops = admin(&app, "ops@example.com").await;
    assert_eq!(run_jobs(&app, &ops).await["expiredHolds"], 0);
    app.clock.advance(chrono::Duration::minutes(2));
    assert_eq!(run_jobs(&app, &ops).await["expiredHolds"], 1);
    let r = reservation(&app, &ops, r["id"].as_str().unwrap()).await;
    assert_eq!((r["status"].as_str(), r["holdExpiresAt"].as_str()), (Some("expired"), None));
    assert_eq!(availability(&app, &shuttle, "").await["trips"][0]["remaining"], 4);
    let other = login(&app, "other@example.com").await;
    let r = data(reserve(&app, &other, &seats(2)).await).await["reservation"].clone();
    assert_eq!(r["seats"], 2);
    assert_eq!(availability(&app, &shuttle, "").await["trips"][0]["remaining"], 2);
}

#[tokio::test]
async fn products_sell_from_stock_that_the_catalog_can_raise() {
    let app = spawn().await;
    let shop = host(&app, "shop@example.com", "Europe/Paris").await;
    let mug = publish(&app, &shop, &product(3)).await;
    let ann = register(&app, "ann@example.com").await;
    let bob = register(&app, "bob@example.com").await;
    let units = |n: i64| order(&mug, n);
    let stock =
        |a: Value| (a["stock"]["capacity"].as_i64(), a["stock"]["sold"].as_i64(), a["stock"]["remaining"].as_i64());
    assert_eq!(stock(availability(&app, &mug, "").await), (Some(3), Some(0), Some(3)));

    // 2 × 40.00 = 80.00; guest fee 12 % = 9.60; shipping by post 5.00.
    let a = data(reserve(&app, &ann, &units(2)).await).await["reservation"].clone();
    let lines = json!([{"unit": "unit", "unitPrice": 4000, "quantity": 2, "amount": 8000},
                       {"unit": "shipping", "unitPrice": 500, "quantity": 1, "amount": 500}]);
    assert_eq!(a["quote"]["lines"], lines);
    assert_eq!(
        (a["status"].as_str(), a["total"].as_i64(), a["quantity"].as_i64()),
        (Some("pending_payment"), Some(9460), Some(2))
    );
    expect_error(reserve(&app, &bob, &units(2)).await, 409, "sold_out").await;

    // The host restocks through the catalog; what is sold stays sold.
    let restock = json!({"product": {"stockQuantity": 10}});
    data(call(&app, Method::PUT, Some(&shop.token), &format!("/api/v1/listings/{mug}"), Some(&restock)).await).await;
    app.drain_events().await;
    assert_eq!(stock(availability(&app, &mug, "").await), (Some(10), Some(2), Some(8)));
    let b = data(reserve(&app, &bob, &units(2)).await).await["reservation"].clone();
    assert_eq!(stock(availability(&app, &mug, "").await), (Some(10), Some(4), Some(6)));

    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    payment_event(&app, "succeeded", a_id, 9460).await;
    payment_event(&app, "succeeded", b_id, 9460).await;
    let a = reservation(&app, &ann, a_id).await;
    assert_eq!((a["status"].as_str(), a["paid"].as_i64()), (Some("confirmed"), Some(9460)));

    // Delivered: goods that ship are completed by their delivery (not `complete`), and can
    // no longer be cancelled.
    expect_error(post(&app, &ann, &format!("/api/v1/reservations/{a_id}/complete"), None).await, 403, "forbidden")
        .await;
    expect_error(post(&app, &shop, &format!("/api/v1/reservations/{a_id}/complete"), None).await, 409, "use_deliver")
        .await;
    let parcel = json!({"carrier": "La Poste", "trackingNumber": "6A12345678901"});
    data(post(&app, &shop, &format!("/api/v1/reservations/{a_id}/ship"), Some(&parcel)).await).await;
    let done = data(post(&app, &shop, &format!("/api/v1/reservations/{a_id}/deliver"), None).await).await;
    assert_eq!(done["reservation"]["status"], "completed");
    expect_error(post(&app, &ann, &format!("/api/v1/reservations/{a_id}/cancel"), None).await, 409, "invalid_state")
        .await;

    // Goods not yet delivered come back in full, whatever the policy.
    let body = json!({"reason": "Changed my mind"});
    let b =
        data(post(&app, &bob, &format!("/api/v1/reservations/{b_id}/cancel"), Some(&body)).await).await["reservation"]
            .clone();
    assert_eq!((b["status"].as_str(), b["cancelledBy"].as_str()), (Some("cancelled"), Some("guest")));
    assert_eq!((b["refund"]["amount"].as_i64(), b["refund"]["rule"].as_str()), (Some(9460), Some("full_refund")));
    assert_eq!(stock(availability(&app, &mug, "").await), (Some(10), Some(2), Some(8)));
}

#[tokio::test]
async fn fields_of_another_kind_are_refused_by_name() {
    let app = spawn().await;
    let owner = host(&app, "owner@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let mug = publish(&app, &owner, &product(5)).await;
    let flat = publish(&app, &owner, &stay()).await;
    let bistro = publish(&app, &owner, &restaurant()).await;
    let walk = publish(&app, &owner, &activity()).await;
    let session = add_session(&app, &owner, &walk, "2027-01-10T09:00:00Z", 4).await;
    let shuttle = publish(&app, &owner, &transport()).await;
    let trip = add_trip(&app, &owner, &shuttle, "2027-02-01T08:00:00Z", "2027-02-01T12:00:00Z", 4).await;

    let cases = [
        (json!({"listingId": mug, "quantity": 1, "checkIn": "2027-02-01"}), vec!["checkIn"]),
        (json!({"listingId": mug, "partySize": 2, "seats": 1}), vec!["partySize", "seats"]),
        (
            json!({"listingId": flat, "checkIn": "2027-02-01", "checkOut": "2027-02-03", "quantity": 1}),
            vec!["quantity"],
        ),
        (
            json!({"listingId": bistro, "slotStart": "2027-01-05T11:00:00Z", "partySize": 2, "sessionId": session}),
            vec!["sessionId"],
        ),
        (json!({"listingId": walk, "sessionId": session, "tripId": trip}), vec!["tripId"]),
        (json!({"listingId": shuttle, "tripId": trip, "guests": 2}), vec!["guests"]),
    ];
    for (body, fields) in cases {
        let e = expect_error(reserve(&app, &guest, &body).await, 400, "validation_failed").await;
        assert_eq!(cap_fields(&e), fields, "{body}");
        let e = expect_error(quote(&app, &guest, &body).await, 400, "validation_failed").await;
        assert_eq!(cap_fields(&e), fields, "{body}");
    }
    // Nothing was taken by the refused requests.
    assert_eq!(availability(&app, &mug, "").await["stock"]["sold"], 0);
    let mine = get(&app, Some(&guest.token), "/api/v1/reservations").await;
    assert_eq!(mine["reservations"], json!([]));
}

#[tokio::test]
async fn schedule_availability_takes_local_days_as_well_as_instants() {
    let app = spawn().await;
    let driver = host(&app, "driver@example.com", "Europe/Paris").await;
    let shuttle = publish(&app, &driver, &transport()).await;
    // Paris is UTC+1 in February: 00:30 there on the 1st is still the 31st in UTC.
    let first = add_trip(&app, &driver, &shuttle, "2027-01-31T23:30:00Z", "2027-02-01T03:00:00Z", 4).await;
    let last = add_trip(&app, &driver, &shuttle, "2027-02-01T22:30:00Z", "2027-02-02T02:00:00Z", 4).await;
    let next_day = add_trip(&app, &driver, &shuttle, "2027-02-01T23:30:00Z", "2027-02-02T03:00:00Z", 4).await;
    let trips = |a: Value| -> Vec<String> {
        a["trips"].as_array().unwrap().iter().map(|t| t["tripId"].as_str().unwrap().to_owned()).collect()
    };

    // A day is the listing's local day, `to` included whole.
    let feb_1 = availability(&app, &shuttle, "?from=2027-02-01&to=2027-02-01").await;
    assert_eq!(trips(feb_1), [first.clone(), last.clone()]);
    assert_eq!(trips(availability(&app, &shuttle, "?from=2027-02-02").await), std::slice::from_ref(&next_day));
    assert_eq!(trips(availability(&app, &shuttle, "?to=2027-01-31").await), Vec::<String>::new());
    // Instants are taken as they are (`to` exclusive), and mix with days.
    let utc_day = availability(&app, &shuttle, "?from=2027-02-01T00:00:00Z&to=2027-02-01T23:30:00Z").await;
    assert_eq!(trips(utc_day), std::slice::from_ref(&last));
    let mixed = availability(&app, &shuttle, "?from=2027-02-01T23:00:00%2B01:00&to=2027-02-02").await;
    assert_eq!(trips(mixed), [last, next_day]);

    for (query, fields) in
        [("?from=1%20February&to=2027-02-30", vec!["from", "to"]), ("?from=2027-02-02&to=2027-02-01", vec!["to"])]
    {
        let path = format!("/api/v1/listings/{shuttle}/availability{query}");
        let e = expect_error(call(&app, Method::GET, None, &path, None).await, 400, "validation_failed").await;
        assert_eq!(cap_fields(&e), fields, "{query}");
    }
}

#[tokio::test]
async fn a_shop_purchase_is_confirmed_once_paid_without_waiting_for_the_seller() {
    let app = spawn().await;
    let shop = host(&app, "shop@example.com", "Europe/Paris").await;
    // The seller does not say: a product is instant purchase.
    let mut mug = product(5);
    mug.as_object_mut().unwrap().remove("instantBook");
    let mug = publish(&app, &shop, &mug).await;
    let ann = register(&app, "ann@example.com").await;
    let r = data(reserve(&app, &ann, &order(&mug, 1)).await).await["reservation"].clone();
    assert_eq!((r["status"].as_str(), r["instantBook"].as_bool()), (Some("pending_payment"), Some(true)));
    let id = r["id"].as_str().unwrap();
    payment_event(&app, "succeeded", id, r["total"].as_i64().unwrap()).await;
    assert_eq!(reservation(&app, &ann, id).await["status"], "confirmed");
}
