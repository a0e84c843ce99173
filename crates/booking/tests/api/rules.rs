//! A listing's rules through `PUT /api/v1/listings/{id}/calendar`: how they are stored and
//! checked, which kinds take which, and what they do to the calendar and to quotes.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::*;

async fn get(app: &App, path: &str) -> Value {
    data(call(app, Method::GET, None, path, None).await).await
}

async fn put(app: &App, owner: &User, listing: &str, body: &Value) -> reqwest::Response {
    call(app, Method::PUT, Some(&owner.token), &format!("/api/v1/listings/{listing}/calendar"), Some(body)).await
}

async fn quote(app: &App, body: &Value) -> reqwest::Response {
    call(app, Method::POST, None, "/api/v1/reservations/quote", Some(body)).await
}

fn season(name: &str, from: &str, to: &str, price: i64) -> Value {
    json!({"name": name, "from": from, "to": to, "nightlyPrice": price})
}

fn stay_body(listing: &str, check_in: &str, check_out: &str) -> Value {
    json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out, "guests": 1})
}

/// `(date, reason, price)` of each day of a calendar.
fn days(cal: &Value) -> Vec<(String, Option<String>, i64)> {
    cal["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_owned(),
                d["reason"].as_str().map(str::to_owned),
                d["price"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn expected(rows: &[(&str, Option<&str>, i64)]) -> Vec<(String, Option<String>, i64)> {
    rows.iter().map(|(d, r, p)| ((*d).to_owned(), r.map(str::to_owned), *p)).collect()
}

#[tokio::test]
async fn rules_round_trip_and_every_rule_is_checked() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let flat = publish(&app, &owner, &stay()).await;
    let path = format!("/api/v1/listings/{flat}/calendar");
    let defaults = json!({"advanceNoticeDays": 0, "preparationDays": 0, "maxNights": null, "weekendPrice": null,
                          "taxBps": 0, "seasons": []});
    assert_eq!(get(&app, &path).await["rules"], defaults);

    let winter = season("Winter", "12-20", "01-05", 20000);
    let mut rules = json!({"advanceNoticeDays": 2, "preparationDays": 1, "maxNights": 5, "weekendPrice": 15000,
                           "taxBps": 1000, "seasons": [winter]});
    let answer = data(put(&app, &owner, &flat, &json!({"rules": rules})).await).await;
    assert_eq!((answer["updated"].as_i64(), &answer["rules"]), (Some(0), &rules));
    assert_eq!(get(&app, &path).await["rules"], rules);

    // Absent fields are kept; null clears the optional ones; seasons are replaced whole.
    let answer =
        data(put(&app, &owner, &flat, &json!({"rules": {"weekendPrice": null, "maxNights": null}})).await).await;
    rules["weekendPrice"] = Value::Null;
    rules["maxNights"] = Value::Null;
    assert_eq!(answer["rules"], rules);
    let spring = season("Spring", "04-01", "04-30", 12000);
    let answer = data(put(&app, &owner, &flat, &json!({"rules": {"seasons": [spring], "taxBps": 0}})).await).await;
    rules["seasons"] = json!([spring]);
    rules["taxBps"] = json!(0);
    assert_eq!(answer["rules"], rules);
    assert_eq!(get(&app, &path).await["rules"], rules);

    // Every problem is named by its path.
    let thirteen: Vec<Value> = (1..=13).map(|i| season(&format!("S{i}"), "01-01", "01-02", 100)).collect();
    let refused = [
        (json!({"advanceNoticeDays": 366}), vec!["rules.advanceNoticeDays"]),
        (json!({"advanceNoticeDays": -1}), vec!["rules.advanceNoticeDays"]),
        (json!({"preparationDays": 31}), vec!["rules.preparationDays"]),
        (json!({"taxBps": 3001}), vec!["rules.taxBps"]),
        (json!({"maxNights": 0}), vec!["rules.maxNights"]),
        (json!({"maxNights": 1096}), vec!["rules.maxNights"]),
        (json!({"weekendPrice": 0}), vec!["rules.weekendPrice"]),
        (json!({"seasons": [season("Leap", "02-30", "03-10", 100)]}), vec!["rules.seasons[0].from"]),
        (json!({"seasons": [winter, season("Odd", "06-01", "13-01", 100)]}), vec!["rules.seasons[1].to"]),
        (json!({"seasons": [season("Short", "2-01", "02-10", 100)]}), vec!["rules.seasons[0].from"]),
        (json!({"seasons": [season("Free", "01-01", "01-31", 0)]}), vec!["rules.seasons[0].nightlyPrice"]),
        (json!({"seasons": [season(" ", "01-01", "01-31", 100)]}), vec!["rules.seasons[0].name"]),
        (json!({"seasons": thirteen}), vec!["rules.seasons"]),
        (json!({"preparationDays": 31, "taxBps": -1}), vec!["rules.preparationDays", "rules.taxBps"]),
    ];
    for (body, fields) in refused {
        let e = expect_error(put(&app, &owner, &flat, &json!({"rules": body})).await, 400, "validation_failed").await;
        assert_eq!(cap_fields(&e), fields, "{body}");
    }
    for body in [
        json!({}),
        json!({"rules": {"surprise": 1}}),
        json!({"rules": {"seasons": [{"name": "W", "from": "01-01", "to": "01-02"}]}}),
        json!({"rules": {"taxBps": "ten"}}),
    ] {
        expect_error(put(&app, &owner, &flat, &body).await, 400, "validation_failed").await;
    }
    // A refused change changes nothing, even when part of it was valid.
    let mixed = json!({"rules": {"advanceNoticeDays": 10, "taxBps": 3001}});
    expect_error(put(&app, &owner, &flat, &mixed).await, 400, "validation_failed").await;
    assert_eq!(get(&app, &path).await["rules"], rules);
    // Only the owner changes them.
    let stranger = register(&app, "stranger@example.com").await;
    let body = json!({"rules": {"taxBps": 100}});
    expect_error(put(&app, &stranger, &flat, &body).await, 404, "not_found").await;
}

#[tokio::test]
async fn other_kinds_take_only_the_tax_rule() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let walk = publish(&app, &owner, &activity()).await;
    let session = add_session(&app, &owner, &walk, "2027-01-10T09:00:00Z", 10).await;
    let mug = publish(&app, &owner, &product(5)).await;

    let ranges = json!({"ranges": [{"from": "2027-02-01", "to": "2027-02-02", "blocked": true}]});
    expect_error(put(&app, &owner, &walk, &ranges).await, 409, "not_a_stay").await;
    let path = format!("/api/v1/listings/{walk}/calendar");
    expect_error(call(&app, Method::GET, None, &path, None).await, 409, "not_a_stay").await;
    let stay_only = json!({"rules": {"advanceNoticeDays": 1, "preparationDays": 1, "maxNights": 3,
                                     "weekendPrice": 100, "seasons": [], "taxBps": 500}});
    let e = expect_error(put(&app, &owner, &walk, &stay_only).await, 400, "validation_failed").await;
    let fields =
        ["rules.advanceNoticeDays", "rules.preparationDays", "rules.maxNights", "rules.weekendPrice", "rules.seasons"];
    assert_eq!(cap_fields(&e), fields);

    let answer = data(put(&app, &owner, &walk, &json!({"rules": {"taxBps": 1000}})).await).await;
    assert_eq!(answer["rules"]["taxBps"], 1000);
    // 2 × 25.00 = 50.00; guest fee 12 % = 6.00; taxes 10 % = 5.00; total 61.00;
    // host fee 3 % = 1.50, payout 48.50; platform 61.00 − 5.00 − 48.50 = 7.50.
    let q = data(quote(&app, &json!({"listingId": walk, "sessionId": session, "partySize": 2})).await).await["quote"]
        .clone();
    let figures: Vec<i64> =
        ["base", "guestServiceFee", "taxes", "guestTotal", "hostFee", "hostPayout", "platformRevenue"]
            .iter()
            .map(|k| q[k].as_i64().unwrap())
            .collect();
    assert_eq!(figures, [5000, 600, 500, 6100, 150, 4850, 750]);
    assert_eq!(q["rates"]["taxBps"], 1000);

    // A product: 2 × 40.00 = 80.00; fee 12 % = 9.60; taxes 20 % = 16.00; shipping 5.00 (no
    // tax on it); total 110.60.
    data(put(&app, &owner, &mug, &json!({"rules": {"taxBps": 2000}})).await).await;
    let guest = register(&app, "guest@example.com").await;
    let r = data(reserve(&app, &guest, &order(&mug, 2)).await).await["reservation"].clone();
    assert_eq!((r["quote"]["taxes"].as_i64(), r["total"].as_i64()), (Some(1600), Some(11060)));
}

#[tokio::test]
async fn rules_shape_the_calendar_and_quotes_in_the_listings_time_zone() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let flat = publish(&app, &owner, &stay()).await;
    let rules = json!({"rules": {"advanceNoticeDays": 2, "preparationDays": 1, "weekendPrice": 15000, "taxBps": 1000,
                                 "maxNights": 5, "seasons": [season("Carnival", "01-21", "01-22", 25000)]}});
    data(put(&app, &owner, &flat, &rules).await).await;
    // Two weekday nights at 100.00 + cleaning 30.00 = 230.00; fee 27.60; taxes 23.00 → 280.60.
    let r =
        data(reserve(&app, &guest, &stay_body(&flat, "2027-01-12", "2027-01-14")).await).await["reservation"].clone();
    assert_eq!((r["quote"]["taxes"].as_i64(), r["total"].as_i64()), (Some(2300), Some(28060)));

    // Monday 2027-01-04, 10:00 in Paris: today and tomorrow are within the notice; the nights
    // sold are booked, one night on each side kept for turnover; Fridays and Saturdays at the
    // weekend price unless the season covers them.
    let path = format!("/api/v1/listings/{flat}/calendar?from=2027-01-03&to=2027-01-25");
    let cal = get(&app, &path).await;
    let (notice, prep, booked) = (Some("advance_notice"), Some("preparation"), Some("booked"));
    assert_eq!(
        days(&cal),
        expected(&[
            ("2027-01-03", Some("past"), 10000),
            ("2027-01-04", notice, 10000),
            ("2027-01-05", notice, 10000),
            ("2027-01-06", None, 10000),
            ("2027-01-07", None, 10000),
            ("2027-01-08", None, 15000),
            ("2027-01-09", None, 15000),
            ("2027-01-10", None, 10000),
            ("2027-01-11", prep, 10000),
            ("2027-01-12", booked, 10000),
            ("2027-01-13", booked, 10000),
            ("2027-01-14", prep, 10000),
            ("2027-01-15", None, 15000),
            ("2027-01-16", None, 15000),
            ("2027-01-17", None, 10000),
            ("2027-01-18", None, 10000),
            ("2027-01-19", None, 10000),
            ("2027-01-20", None, 10000),
            ("2027-01-21", None, 25000),
            ("2027-01-22", None, 25000),
            ("2027-01-23", None, 15000),
            ("2027-01-24", None, 10000),
        ])
    );
    assert!(cal["days"].as_array().unwrap().iter().all(|d| d["available"] == d["reason"].is_null()));

    // Quotes price the same nights: Wed 100.00 + Thu and Fri 250.00 (season) + Sat 150.00 =
    // 750.00, + cleaning 30.00 = 780.00; fee 12 % = 93.60; taxes 10 % = 78.00; total 951.60.
    let q = data(quote(&app, &stay_body(&flat, "2027-01-20", "2027-01-24")).await).await["quote"].clone();
    let nights: Vec<i64> = q["lines"].as_array().unwrap().iter().map(|l| l["amount"].as_i64().unwrap()).collect();
    assert_eq!(nights, [10000, 25000, 25000, 15000]);
    assert_eq!(
        (q["base"].as_i64(), q["taxes"].as_i64(), q["guestTotal"].as_i64()),
        (Some(78000), Some(7800), Some(95160))
    );
    // And refuse what the calendar shows closed.
    for (check_in, check_out) in
        [("2027-01-05", "2027-01-07"), ("2027-01-14", "2027-01-16"), ("2027-01-09", "2027-01-12")]
    {
        expect_error(quote(&app, &stay_body(&flat, check_in, check_out)).await, 409, "dates_unavailable").await;
    }
    data(quote(&app, &stay_body(&flat, "2027-01-09", "2027-01-11")).await).await;
    expect_error(quote(&app, &stay_body(&flat, "2027-02-01", "2027-02-07")).await, 422, "stay_too_long").await;

    // 11:00 UTC is midnight in Auckland (UTC+13): already the 5th there, still the 4th in Paris.
    app.clock.advance(chrono::Duration::hours(2));
    let kiwi = host(&app, "kiwi@example.com", "Pacific/Auckland").await;
    let bach = publish(&app, &kiwi, &stay()).await;
    let rules = json!({"rules": {"advanceNoticeDays": 1, "weekendPrice": 18000,
                                 "seasons": [season("Holidays", "12-20", "01-06", 20000)]}});
    data(put(&app, &kiwi, &bach, &rules).await).await;
    let cal = get(&app, &format!("/api/v1/listings/{bach}/calendar?from=2027-01-04&to=2027-01-11")).await;
    assert_eq!(cal["timezone"], "Pacific/Auckland");
    assert_eq!(
        days(&cal),
        expected(&[
            ("2027-01-04", Some("past"), 20000),
            ("2027-01-05", notice, 20000),
            ("2027-01-06", None, 20000),
            ("2027-01-07", None, 10000),
            ("2027-01-08", None, 18000),
            ("2027-01-09", None, 18000),
            ("2027-01-10", None, 10000),
        ])
    );
    let today = get(&app, &format!("/api/v1/listings/{bach}/calendar")).await;
    assert_eq!(today["days"][0]["date"], "2027-01-05");
    let paris = get(&app, &format!("/api/v1/listings/{flat}/calendar?from=2027-01-04&to=2027-01-05")).await;
    assert_eq!(paris["days"][0]["reason"], "advance_notice", "still today in Paris");
    let guest = login(&app, "guest@example.com").await;
    let refused = reserve(&app, &guest, &stay_body(&bach, "2027-01-05", "2027-01-07")).await;
    expect_error(refused, 409, "dates_unavailable").await;
    let r =
        data(reserve(&app, &guest, &stay_body(&bach, "2027-01-06", "2027-01-08")).await).await["reservation"].clone();
    // Wed (season) 200.00 + Thu 100.00 + cleaning 30.00 = 330.00 + 12 % = 369.60.
    assert_eq!(r["total"], 36960);
    assert_eq!(r["startsAt"], "2027-01-06T02:00:00Z", "15:00 in Auckland");
}
