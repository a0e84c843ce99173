//! `availability.changed` and the availability feed: what booking publishes of each listing,
//! read from its outbox as a reader would receive it.

use futures_util::future::join_all;
use platform::contracts::FeedKind;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::*;

/// Every `availability.changed` payload booking published for `listing`, oldest first.
async fn published(app: &App, listing: &str) -> Vec<Value> {
    let rows: Vec<(platform::db::Json<Value>,)> = platform::db::query(
        "SELECT payload FROM outbox WHERE event_type = 'availability.changed' AND aggregate_id = $1 ORDER BY seq",
    )
    .bind(listing)
    .fetch_all(app.platform.db("booking").unwrap())
    .await
    .unwrap();
    let events: Vec<Value> = rows.into_iter().map(|(platform::db::Json(e),)| e["data"].clone()).collect();
    let versions: Vec<i64> = events.iter().map(|e| e["version"].as_i64().unwrap()).collect();
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "versions strictly increase: {versions:?}");
    events
}

async fn latest(app: &App, listing: &str) -> Value {
    published(app, listing).await.pop().expect("an availability event")
}

fn list(v: &Value) -> Vec<&str> {
    v.as_array().unwrap_or_else(|| panic!("a list: {v}")).iter().map(|d| d.as_str().unwrap()).collect()
}

async fn post(app: &App, user: &User, path: &str, body: Option<&Value>) -> Value {
    data(call(app, Method::POST, Some(&user.token), path, body).await).await
}

async fn set_calendar(app: &App, owner: &User, listing: &str, body: &Value) {
    let path = format!("/api/v1/listings/{listing}/calendar");
    data(call(app, Method::PUT, Some(&owner.token), &path, Some(body)).await).await;
}

#[tokio::test]
async fn a_stays_nights_are_published_as_they_are_held_released_and_blocked() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, &stay()).await;

    // Known to booking from its first event (the draft), then again once published.
    let first = published(&app, &listing).await;
    assert_eq!(first.len(), 2, "{first:?}");
    let initial = first.last().unwrap();
    assert_eq!(
        initial,
        &json!({"listingId": listing, "kind": "stay", "version": initial["version"], "from": "2027-01-04",
                "until": "2028-01-04", "unavailable": [], "blocked": [], "available": null, "inStock": null})
    );

    // Held as soon as it is made (pending payment), still held once confirmed.
    let body = json!({"listingId": listing, "checkIn": "2027-03-10", "checkOut": "2027-03-13", "guests": 1});
    let made = data(reserve(&app, &guest, &body).await).await["reservation"].clone();
    let id = made["id"].as_str().unwrap().to_owned();
    let held = latest(&app, &listing).await;
    assert_eq!(list(&held["unavailable"]), ["2027-03-10", "2027-03-11", "2027-03-12"]);
    assert_eq!(list(&held["blocked"]), Vec::<&str>::new(), "sold, not closed by the host");
    assert!(held["version"].as_i64() > initial["version"].as_i64());
    payment_event(&app, "succeeded", &id, made["total"].as_i64().unwrap()).await;
    assert_eq!(latest(&app, &listing).await, held, "confirming changes nothing that can be booked");

    // Cancelled: the nights are free again, under a newer version.
    post(&app, &guest, &format!("/api/v1/reservations/{id}/cancel"), None).await;
    let freed = latest(&app, &listing).await;
    assert_eq!(list(&freed["unavailable"]), Vec::<&str>::new());
    assert!(freed["version"].as_i64() > held["version"].as_i64());

    // The host blocks two nights, then unblocks one; a price alone publishes nothing.
    set_calendar(
        &app,
        &owner,
        &listing,
        &json!({"ranges": [{"from": "2027-05-01", "to": "2027-05-03", "blocked": true}]}),
    )
    .await;
    let blocked = latest(&app, &listing).await;
    assert_eq!(list(&blocked["unavailable"]), ["2027-05-01", "2027-05-02"]);
    assert_eq!(list(&blocked["blocked"]), ["2027-05-01", "2027-05-02"], "closed by the host, listed apart");
    set_calendar(
        &app,
        &owner,
        &listing,
        &json!({"ranges": [{"from": "2027-05-02", "to": "2027-05-03", "blocked": false}]}),
    )
    .await;
    let unblocked = latest(&app, &listing).await;
    assert_eq!(list(&unblocked["unavailable"]), ["2027-05-01"]);
    assert_eq!(list(&unblocked["blocked"]), ["2027-05-01"]);
    set_calendar(
        &app,
        &owner,
        &listing,
        &json!({"ranges": [{"from": "2027-06-01", "to": "2027-06-03", "price": 9000}]}),
    )
    .await;
    assert_eq!(latest(&app, &listing).await, unblocked);

    // Rules: two days' notice closes today and tomorrow; a preparation day closes the nights
    // around a sold one.
    set_calendar(&app, &owner, &listing, &json!({"rules": {"advanceNoticeDays": 2, "preparationDays": 1}})).await;
    assert_eq!(list(&latest(&app, &listing).await["unavailable"]), ["2027-01-04", "2027-01-05", "2027-05-01"]);
    let body = json!({"listingId": listing, "checkIn": "2027-08-10", "checkOut": "2027-08-11", "guests": 1});
    data(reserve(&app, &guest, &body).await).await;
    assert_eq!(
        list(&latest(&app, &listing).await["unavailable"]),
        ["2027-01-04", "2027-01-05", "2027-05-01", "2027-08-09", "2027-08-10", "2027-08-11"]
    );
}

#[tokio::test]
async fn sessions_stock_and_tables_are_published_while_something_is_left() {
    let app = spawn().await;
    let guide = host(&app, "guide@example.com", "Europe/Paris").await;
    let ann = register(&app, "ann@example.com").await;
    let bob = register(&app, "bob@example.com").await;

    let walk = publish(&app, &guide, &activity()).await;
    let none = latest(&app, &walk).await;
    assert_eq!((&none["available"], &none["unavailable"], &none["inStock"]), (&json!([]), &Value::Null, &Value::Null));
    let morning = add_session(&app, &guide, &walk, "2027-02-01T09:00:00Z", 2).await;
    assert_eq!(list(&latest(&app, &walk).await["available"]), ["2027-02-01"]);
    // 23:30 UTC on 2 February is already 3 February in Paris.
    let late = add_session(&app, &guide, &walk, "2027-02-02T23:30:00Z", 1).await;
    assert_eq!(list(&latest(&app, &walk).await["available"]), ["2027-02-01", "2027-02-03"]);

    // Sold out: the date is gone; a cancellation brings it back.
    let made = data(reserve(&app, &ann, &json!({"listingId": walk, "sessionId": morning, "partySize": 2})).await).await;
    assert_eq!(list(&latest(&app, &walk).await["available"]), ["2027-02-03"]);
    let id = made["reservation"]["id"].as_str().unwrap();
    post(&app, &ann, &format!("/api/v1/reservations/{id}/cancel"), None).await;
    assert_eq!(list(&latest(&app, &walk).await["available"]), ["2027-02-01", "2027-02-03"]);
    // A session the host removes is gone too.
    let path = format!("/api/v1/listings/{walk}/sessions/{late}");
    data(call(&app, Method::DELETE, Some(&guide.token), &path, None).await).await;
    app.drain_events().await;
    assert_eq!(list(&latest(&app, &walk).await["available"]), ["2027-02-01"]);

    // A product: in stock until the last unit is held.
    let mug = publish(&app, &guide, &product(2)).await;
    assert_eq!(latest(&app, &mug).await["inStock"], true);
    let made = data(reserve(&app, &bob, &order(&mug, 2)).await).await;
    let sold_out = latest(&app, &mug).await;
    assert_eq!((&sold_out["inStock"], &sold_out["available"]), (&json!(false), &Value::Null));
    let id = made["reservation"]["id"].as_str().unwrap();
    post(&app, &bob, &format!("/api/v1/reservations/{id}/cancel"), None).await;
    assert_eq!(latest(&app, &mug).await["inStock"], true);

    // A restaurant open every day: every date of the year ahead, until a date's tables are all
    // taken in every slot.
    let bistro = publish(&app, &guide, &restaurant()).await;
    let open = latest(&app, &bistro).await;
    let dates = list(&open["available"]);
    assert_eq!((dates.len(), dates[0], dates[364]), (365, "2027-01-04", "2028-01-03"));
}

#[tokio::test]
async fn a_restaurant_date_closes_when_its_last_table_goes() {
    // 19:00 in Paris on a Monday: the 19:00 slot has begun, only the 20:30 one is left today.
    let app = spawn_at("2027-01-04T18:00:00Z").await;
    let chef = host(&app, "chef@example.com", "Europe/Paris").await;
    let bistro = publish(&app, &chef, &restaurant()).await;
    assert_eq!(list(&latest(&app, &bistro).await["available"])[0], "2027-01-04");
    // Its three tables (two for 2, one for 4) in the 20:30 slot (19:30 UTC), one party each.
    for i in 0..3 {
        let diner = register(&app, &format!("diner{i}@example.com")).await;
        let party = if i == 2 { 4 } else { 2 };
        let body = json!({"listingId": bistro, "slotStart": "2027-01-04T19:30:00Z", "partySize": party});
        data(reserve(&app, &diner, &body).await).await;
    }
    let dates = list(&latest(&app, &bistro).await["available"]).iter().map(|d| d.to_string()).collect::<Vec<_>>();
    assert_eq!((dates.len(), dates[0].as_str()), (364, "2027-01-05"), "today is full");
}

#[tokio::test]
async fn the_feed_pages_through_every_listing_with_the_latest_payloads() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let mut ids = Vec::new();
    for body in [stay(), activity(), product(1), restaurant(), stay()] {
        ids.push(publish(&app, &owner, &body).await);
    }
    add_session(&app, &owner, &ids[1], "2027-02-01T09:00:00Z", 5).await;
    let body = json!({"listingId": ids[0], "checkIn": "2027-03-10", "checkOut": "2027-03-12", "guests": 1});
    data(reserve(&app, &guest, &body).await).await;
    // A draft is known to booking too: the reader decides what to show.
    let draft = data(call(&app, Method::POST, Some(&owner.token), "/api/v1/listings", Some(&transport())).await).await;
    app.drain_events().await;
    ids.push(draft["listing"]["id"].as_str().unwrap().to_owned());

    let feed = app.platform.contracts.local_feed(FeedKind::Availability).expect("booking provides the feed");
    let (mut items, mut after, mut pages) = (Vec::new(), None::<String>, 0);
    loop {
        let page = feed.page(FeedKind::Availability, after.as_deref(), 2).await.unwrap();
        assert!(page.items.len() <= 2);
        pages += 1;
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!((pages, items.len()), (3, 6));
    let seen: Vec<String> = items.iter().map(|i| i["listingId"].as_str().unwrap().to_owned()).collect();
    let mut sorted = ids.clone();
    sorted.sort_by_key(|id| id.parse::<uuid::Uuid>().unwrap());
    assert_eq!(seen, sorted, "every listing once, by id");
    for item in &items {
        let id = item["listingId"].as_str().unwrap();
        assert_eq!(item, &latest(&app, id).await, "the feed serves what the last event said");
    }
    let booked = items.iter().find(|i| i["listingId"] == ids[0].as_str()).unwrap();
    assert_eq!(list(&booked["unavailable"]), ["2027-03-10", "2027-03-11"]);
    let bad = feed.page(FeedKind::Availability, Some("not-a-cursor"), 2).await.unwrap_err();
    assert_eq!((bad.status, bad.code.as_ref()), (400, "validation_failed"));
}

#[tokio::test]
async fn racing_sales_and_cancellations_end_on_an_event_holding_exactly_the_nights_sold() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let listing = publish(&app, &owner, &stay()).await;
    let mut guests = Vec::new();
    for i in 0..30 {
        guests.push(register(&app, &format!("guest{i}@example.com")).await);
    }
    let stay_of = |i: usize| {
        // Two-night stays over March's first four weeks: many overlap, some fit.
        let day = 1 + (i * 3) % 26;
        json!({"listingId": listing, "checkIn": format!("2027-03-{day:02}"), "checkOut": format!("2027-03-{:02}", day + 2),
               "guests": 1})
    };
    // Five stays first (on their own days), cancelled while the others race for the rest.
    let mut early = Vec::new();
    for (i, guest) in guests.iter().enumerate().take(5) {
        let body = json!({"listingId": listing, "checkIn": format!("2027-04-{:02}", 1 + i * 3),
                          "checkOut": format!("2027-04-{:02}", 3 + i * 3), "guests": 1});
        early.push(data(reserve(&app, guest, &body).await).await["reservation"]["id"].as_str().unwrap().to_owned());
    }
    let cancels = early.iter().zip(&guests).map(|(id, g)| {
        let app = &app;
        async move {
            let r = call(app, Method::POST, Some(&g.token), &format!("/api/v1/reservations/{id}/cancel"), None).await;
            assert_eq!(r.status(), 200);
        }
    });
    let sales = guests.iter().enumerate().skip(5).map(|(i, g)| {
        let (app, body) = (&app, stay_of(i));
        async move {
            let (status, made) = testkit::json(reserve(app, g, &body).await).await;
            match status {
                201 => Some(made["data"]["reservation"].clone()),
                409 => None,
                other => panic!("unexpected {other}: {made}"),
            }
        }
    });
    let ((), sold) = tokio::join!(
        async {
            join_all(cancels).await;
        },
        join_all(sales)
    );
    let mut nights: Vec<String> = Vec::new();
    for r in sold.iter().flatten() {
        let (from, to) = (r["checkIn"].as_str().unwrap(), r["checkOut"].as_str().unwrap());
        let (from, to): (chrono::NaiveDate, chrono::NaiveDate) = (from.parse().unwrap(), to.parse().unwrap());
        nights.extend(from.iter_days().take_while(|d| *d < to).map(|d| d.to_string()));
    }
    nights.sort();
    assert!(nights.len() >= 6, "some sales won: {nights:?}");
    app.drain_events().await;
    let last = latest(&app, &listing).await;
    assert_eq!(list(&last["unavailable"]), nights.iter().map(String::as_str).collect::<Vec<_>>());
    // One event per change: the five sales and cancellations, each sale that won, and the two
    // listing events.
    let won = sold.iter().flatten().count();
    assert_eq!(published(&app, &listing).await.len(), 2 + 5 + 5 + won);
}
