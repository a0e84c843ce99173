//! Stays through HTTP: quotes itemised night by night in the listing's own dates, the host's
//! rules enforced alike on quotes and reservations, and idempotent reservation requests.

use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::*;

fn ask(listing: &str, check_in: &str, check_out: &str) -> Value {
    json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out, "guests": 2})
}

async fn quote(app: &App, who: Option<&User>, body: &Value) -> reqwest::Response {
    call(app, Method::POST, who.map(|u| u.token.as_str()), "/api/v1/reservations/quote", Some(body)).await
}

/// The `quote` of a successful quote request, asked anonymously.
async fn quoted(app: &App, body: &Value) -> Value {
    data(quote(app, None, body).await).await["quote"].clone()
}

async fn set_calendar(app: &App, owner: &User, listing: &str, body: Value) {
    let path = format!("/api/v1/listings/{listing}/calendar");
    data(call(app, Method::PUT, Some(&owner.token), &path, Some(&body)).await).await;
}

async fn calendar(app: &App, listing: &str, from: &str, to: &str) -> Vec<Value> {
    let path = format!("/api/v1/listings/{listing}/calendar?from={from}&to={to}");
    data(call(app, Method::GET, None, &path, None).await).await["days"].as_array().unwrap().clone()
}

/// `(date, amount)` of each night line.
fn nights(q: &Value) -> Vec<(String, i64)> {
    q["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            assert_eq!((l["unit"].as_str(), l["quantity"].as_i64()), (Some("night"), Some(1)), "{l}");
            assert_eq!(l["unitPrice"], l["amount"], "{l}");
            (l["date"].as_str().unwrap().to_owned(), l["amount"].as_i64().unwrap())
        })
        .collect()
}

/// `[subtotal, cleaningFee, base, guestServiceFee, taxes, guestTotal, hostFee, hostPayout, platformRevenue]`.
fn totals(q: &Value) -> [i64; 9] {
    [
        "subtotal",
        "cleaningFee",
        "base",
        "guestServiceFee",
        "taxes",
        "guestTotal",
        "hostFee",
        "hostPayout",
        "platformRevenue",
    ]
    .map(|k| q[k].as_i64().unwrap_or_else(|| panic!("{k} in {q}")))
}

fn balanced(q: &Value) {
    let [.., taxes, guest_total, _, host_payout, platform] = totals(q);
    assert_eq!(guest_total, host_payout + platform + taxes, "{q}");
}

#[tokio::test]
async fn quotes_itemise_nights_fees_taxes_and_length_discounts_and_reservations_keep_them() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, &stay()).await;
    set_calendar(&app, &owner, &listing, json!({"rules": {"taxBps": 1000}})).await;
    let patch = json!({"stay": {"weeklyDiscountPercent": 10, "monthlyDiscountPercent": 20}});
    data(call(&app, Method::PUT, Some(&owner.token), &format!("/api/v1/listings/{listing}"), Some(&patch)).await).await;
    app.drain_events().await;

    // Three weeknights (Mon 1 – Thu 4 February): 3 × 10000 = 30000, no length discount;
    // base 30000 + 3000 cleaning = 33000; guest fee 12 % = 3960; taxes 10 % = 3300;
    // guest total 33000 + 3960 + 3300 = 40260; host fee 3 % = 990, payout 32010;
    // platform 3960 + 990 = 4950.
    let short = data(quote(&app, None, &ask(&listing, "2027-02-01", "2027-02-04")).await).await;
    let q = &short["quote"];
    let dates = ["2027-02-01", "2027-02-02", "2027-02-03"];
    assert_eq!(nights(q), dates.map(|d| (d.to_owned(), 10_000)));
    assert_eq!((q["nights"].as_i64(), q["currency"].as_str()), (Some(3), Some("EUR")));
    assert!(q.get("lengthDiscount").is_none(), "{q}");
    assert_eq!(totals(q), [30_000, 3_000, 33_000, 3_960, 3_300, 40_260, 990, 32_010, 4_950]);
    assert_eq!(q["rates"], json!({"guestFeeBps": 1200, "hostFeeBps": 300, "taxBps": 1000}));
    balanced(q);
    // Check-in at 15:00 and check-out at 11:00 Paris time (UTC+1 in winter).
    assert_eq!(
        (short["startsAt"].as_str(), short["endsAt"].as_str()),
        (Some("2027-02-01T14:00:00Z"), Some("2027-02-04T10:00:00Z"))
    );

    // Seven nights: 70000, weekly 10 % = 7000; base 63000 + 3000 = 66000; fee 7920; taxes 6600;
    // total 80520; host fee 1980, payout 64020; platform 7920 + 1980 = 9900.
    let week_ask = ask(&listing, "2027-02-01", "2027-02-08");
    let week = quoted(&app, &week_ask).await;
    assert_eq!(nights(&week).len(), 7);
    assert_eq!(week["lengthDiscount"], json!({"kind": "weekly", "percent": 10, "amount": 7_000}));
    assert_eq!(totals(&week), [70_000, 3_000, 66_000, 7_920, 6_600, 80_520, 1_980, 64_020, 9_900]);
    balanced(&week);

    // 28 nights (all of February): 280000, monthly 20 % = 56000; base 224000 + 3000 = 227000;
    // fee 27240; taxes 22700; total 276940; host fee 6810, payout 220190; platform 34050.
    let month = quoted(&app, &ask(&listing, "2027-02-01", "2027-03-01")).await;
    assert_eq!((month["nights"].as_i64(), nights(&month)[27].0.as_str()), (Some(28), "2027-02-28"));
    assert_eq!(month["lengthDiscount"], json!({"kind": "monthly", "percent": 20, "amount": 56_000}));
    assert_eq!(totals(&month), [280_000, 3_000, 227_000, 27_240, 22_700, 276_940, 6_810, 220_190, 34_050]);
    balanced(&month);

    // Reserving what was quoted freezes the very same quote; the guest owes its total.
    let made = data(reserve(&app, &guest, &week_ask).await).await["reservation"].clone();
    assert_eq!(made["quote"], week);
    assert_eq!((made["total"].as_i64(), made["status"].as_str()), (Some(80_520), Some("pending_payment")));
    assert_eq!(
        (made["checkIn"].as_str(), made["checkOut"].as_str(), made["guests"].as_i64()),
        (Some("2027-02-01"), Some("2027-02-08"), Some(2))
    );
}

#[tokio::test]
async fn weekend_seasonal_and_night_prices_follow_the_listings_own_dates() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let listing = publish(&app, &owner, &stay()).await;
    let winter = json!({"name": "Winter", "from": "12-20", "to": "01-05", "nightlyPrice": 20_000});
    set_calendar(&app, &owner, &listing, json!({"rules": {"weekendPrice": 15_000, "seasons": [winter]}})).await;
    let overrides = json!({"ranges": [{"from": "2027-03-28", "to": "2027-03-29", "price": 9_000},
                                      {"from": "2028-01-02", "to": "2028-01-03", "price": 12_000}]});
    set_calendar(&app, &owner, &listing, overrides).await;

    // Friday 26 March to Friday 2 April, over the switch to summer time (Sunday 28) and the end
    // of the month: Fri and Sat at the weekend price, Sunday overridden, then weekdays.
    let spring = data(quote(&app, None, &ask(&listing, "2027-03-26", "2027-04-02")).await).await;
    let expected = [
        ("2027-03-26", 15_000),
        ("2027-03-27", 15_000),
        ("2027-03-28", 9_000),
        ("2027-03-29", 10_000),
        ("2027-03-30", 10_000),
        ("2027-03-31", 10_000),
        ("2027-04-01", 10_000),
    ]
    .map(|(d, p)| (d.to_owned(), p));
    assert_eq!(nights(&spring["quote"]), expected);
    // 2 × 15000 + 9000 + 4 × 10000 = 79000; no weekly discount is set; base 82000, fee 9840.
    let [subtotal, _, base, fee, taxes, total, ..] = totals(&spring["quote"]);
    assert_eq!((subtotal, base, fee, taxes, total), (79_000, 82_000, 9_840, 0, 91_840));
    assert!(spring["quote"].get("lengthDiscount").is_none());
    // Arrival 15:00 CET (UTC+1), departure 11:00 CEST (UTC+2).
    assert_eq!(
        (spring["startsAt"].as_str(), spring["endsAt"].as_str()),
        (Some("2027-03-26T14:00:00Z"), Some("2027-04-02T09:00:00Z"))
    );
    // The calendar shows the same prices, night by night.
    let days = calendar(&app, &listing, "2027-03-26", "2027-04-02").await;
    let shown: Vec<(String, i64)> =
        days.iter().map(|d| (d["date"].as_str().unwrap().to_owned(), d["price"].as_i64().unwrap())).collect();
    assert_eq!(shown, expected);

    // New Year's Eve (a Friday) to Saturday 8 January 2028: the winter season wraps over the new
    // year and beats the weekend price; the override beats the season; after 5 January the
    // weekday and weekend prices are back.
    let winter = quoted(&app, &ask(&listing, "2027-12-31", "2028-01-08")).await;
    let expected = [
        ("2027-12-31", 20_000),
        ("2028-01-01", 20_000),
        ("2028-01-02", 12_000),
        ("2028-01-03", 20_000),
        ("2028-01-04", 20_000),
        ("2028-01-05", 20_000),
        ("2028-01-06", 10_000),
        ("2028-01-07", 15_000),
    ]
    .map(|(d, p)| (d.to_owned(), p));
    assert_eq!(nights(&winter), expected);
    // 5 × 20000 + 12000 + 10000 + 15000 = 137000; base 140000; fee 16800; total 156800;
    // host fee 4200, payout 135800; platform 16800 + 4200 = 21000.
    assert_eq!(totals(&winter), [137_000, 3_000, 140_000, 16_800, 0, 156_800, 4_200, 135_800, 21_000]);
    // The season starts on 20 December: the Sunday before is a plain night.
    let edge: Vec<Value> =
        calendar(&app, &listing, "2027-12-19", "2027-12-21").await.iter().map(|d| d["price"].clone()).collect();
    assert_eq!(edge, [json!(10_000), json!(20_000)]);
}

/// Both the quote and the reservation of `body` fail with `status` and `code`.
async fn refused(app: &App, guest: &User, body: Value, status: u16, code: &str) {
    expect_error(quote(app, None, &body).await, status, code).await;
    expect_error(reserve(app, guest, &body).await, status, code).await;
}

#[tokio::test]
async fn the_hosts_rules_refuse_the_same_requests_on_quote_and_reservation() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let (first, second) = (register(&app, "first@example.com").await, register(&app, "second@example.com").await);
    let listing = publish(&app, &owner, &stay()).await;
    let rules = json!({"advanceNoticeDays": 3, "preparationDays": 2, "maxNights": 10});
    set_calendar(&app, &owner, &listing, json!({"rules": rules})).await;
    let ranges = json!({"ranges": [{"from": "2027-03-05", "to": "2027-03-06", "minNights": 3},
                                   {"from": "2027-03-20", "to": "2027-03-21", "blocked": true}]});
    set_calendar(&app, &owner, &listing, ranges).await;

    // Today is Monday 4 January in Paris: three days' notice means the 7th at the earliest.
    refused(&app, &second, ask(&listing, "2027-01-06", "2027-01-08"), 409, "dates_unavailable").await;
    quoted(&app, &ask(&listing, "2027-01-07", "2027-01-09")).await;
    refused(&app, &second, ask(&listing, "2027-01-03", "2027-01-08"), 409, "dates_unavailable").await;
    // At most 10 nights.
    refused(&app, &second, ask(&listing, "2027-04-01", "2027-04-12"), 422, "stay_too_long").await;
    quoted(&app, &ask(&listing, "2027-04-01", "2027-04-11")).await;
    // Three nights from 5 March; the minimum of the check-in night is the one that counts.
    refused(&app, &second, ask(&listing, "2027-03-05", "2027-03-07"), 422, "stay_too_short").await;
    quoted(&app, &ask(&listing, "2027-03-04", "2027-03-06")).await;
    refused(
        &app,
        &second,
        json!({"listingId": listing, "checkIn": "2027-03-10", "checkOut": "2027-03-12", "guests": 3}),
        422,
        "too_many_guests",
    )
    .await;
    refused(&app, &second, ask(&listing, "2027-03-19", "2027-03-22"), 409, "dates_unavailable").await;

    // Two preparation nights around each stay.
    data(reserve(&app, &first, &ask(&listing, "2027-02-10", "2027-02-13")).await).await;
    refused(&app, &second, ask(&listing, "2027-02-13", "2027-02-15"), 409, "dates_unavailable").await;
    refused(&app, &second, ask(&listing, "2027-02-06", "2027-02-09"), 409, "dates_unavailable").await;
    quoted(&app, &ask(&listing, "2027-02-05", "2027-02-08")).await;
    assert_eq!(reserve(&app, &second, &ask(&listing, "2027-02-15", "2027-02-17")).await.status(), 201);
    let reasons: Vec<Value> =
        calendar(&app, &listing, "2027-02-08", "2027-02-19").await.iter().map(|d| d["reason"].clone()).collect();
    let expect = [
        "preparation",
        "preparation",
        "booked",
        "booked",
        "booked",
        "preparation",
        "preparation",
        "booked",
        "booked",
        "preparation",
        "preparation",
    ];
    assert_eq!(reasons, expect.map(|r| json!(r)));
    let notice: Vec<Value> =
        calendar(&app, &listing, "2027-01-03", "2027-01-08").await.iter().map(|d| d["reason"].clone()).collect();
    assert_eq!(
        notice,
        [json!("past"), json!("advance_notice"), json!("advance_notice"), json!("advance_notice"), Value::Null]
    );

    // "Past" is judged in Paris: at 23:30 UTC on the 4th it is already the 5th there.
    set_calendar(&app, &owner, &listing, json!({"rules": {"advanceNoticeDays": 0}})).await;
    app.clock.set("2027-01-04T23:30:00Z".parse().unwrap());
    let second = login(&app, "second@example.com").await;
    refused(&app, &second, ask(&listing, "2027-01-04", "2027-01-06"), 409, "dates_unavailable").await;
    quoted(&app, &ask(&listing, "2027-01-05", "2027-01-06")).await;
}

/// The `field`s of a validation error's details.
fn fields(body: &Value) -> Vec<String> {
    body["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn malformed_misdirected_and_forbidden_requests_are_refused() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, &stay()).await;

    expect_error(reserve(&app, &owner, &ask(&listing, "2027-02-01", "2027-02-03")).await, 422, "own_listing").await;
    let body = ask(&listing, "2027-02-01", "2027-02-03");
    let unauthenticated = call(&app, Method::POST, None, "/api/v1/reservations", Some(&body)).await;
    expect_error(unauthenticated, 401, "unauthorized").await;

    let cases = [
        (
            json!({"listingId": listing, "checkIn": "2027-02-30", "checkOut": "soon", "guests": 0}),
            vec!["checkIn", "checkOut", "guests"],
        ),
        (json!({"listingId": listing, "checkIn": "2027-02-05", "checkOut": "2027-02-05"}), vec!["checkOut"]),
        (json!({"listingId": listing, "guests": 1}), vec!["checkIn", "checkOut"]),
        (
            json!({"listingId": listing, "checkIn": "2027-02-01", "checkOut": "2027-02-03", "guests": 51}),
            vec!["guests"],
        ),
        // Fields of other kinds of listing.
        (
            json!({"listingId": listing, "checkIn": "2027-02-01", "checkOut": "2027-02-03", "seats": 2, "quantity": 1}),
            vec!["seats", "quantity"],
        ),
        (
            json!({"listingId": listing, "sessionId": listing, "partySize": 2}),
            vec!["partySize", "sessionId", "checkIn", "checkOut"],
        ),
        (json!({"listingId": "somewhere", "checkIn": "2027-02-01", "checkOut": "2027-02-03"}), vec!["listingId"]),
        // Not a field of any request.
        (json!({"listingId": listing, "checkIn": "2027-02-01", "checkOut": "2027-02-03", "nights": 2}), vec!["nights"]),
        (
            json!({"listingId": listing, "checkIn": "2027-02-01", "checkOut": "2027-02-03", "guests": "two"}),
            vec!["guests"],
        ),
    ];
    for (body, expected) in cases {
        let mut expected: Vec<String> = expected.into_iter().map(str::to_owned).collect();
        expected.sort();
        for response in [quote(&app, None, &body).await, reserve(&app, &guest, &body).await] {
            let mut got = fields(&expect_error(response, 400, "validation_failed").await);
            got.sort();
            assert_eq!(got, expected, "{body}");
        }
    }

    // Unknown listings, and drafts for anyone but their owner, do not exist.
    let unknown = ask(&kernel::new_id().to_string(), "2027-02-01", "2027-02-03");
    expect_error(quote(&app, None, &unknown).await, 404, "not_found").await;
    expect_error(reserve(&app, &guest, &unknown).await, 404, "not_found").await;
    let created = data(call(&app, Method::POST, Some(&owner.token), "/api/v1/listings", Some(&stay())).await).await;
    let draft = created["listing"]["id"].as_str().unwrap().to_owned();
    app.drain_events().await;
    let body = ask(&draft, "2027-02-01", "2027-02-03");
    expect_error(quote(&app, None, &body).await, 404, "not_found").await;
    expect_error(quote(&app, Some(&guest), &body).await, 404, "not_found").await;
    expect_error(reserve(&app, &guest, &body).await, 404, "not_found").await;
    // Nothing was reserved by any of it.
    let mine = data(call(&app, Method::GET, Some(&guest.token), "/api/v1/reservations", None).await).await;
    assert_eq!(mine["pagination"]["total"], 0, "{mine}");
}

async fn reserve_with_key(app: &App, guest: &User, key: &str, body: &Value) -> reqwest::Response {
    let request = app.client.post(app.url("/api/v1/reservations")).bearer_auth(&guest.token);
    request.header("Idempotency-Key", key).json(body).send().await.unwrap()
}

#[tokio::test]
async fn an_idempotency_key_answers_the_same_reservation_once_and_only_for_the_same_request() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = publish(&app, &owner, &stay()).await;
    let body = ask(&listing, "2027-02-01", "2027-02-04");

    let first = reserve_with_key(&app, &guest, "trip-1", &body).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let made = data(first).await["reservation"].clone();
    let again = reserve_with_key(&app, &guest, "trip-1", &body).await;
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    assert_eq!(data(again).await["reservation"], made);

    let other = ask(&listing, "2027-02-01", "2027-02-05");
    expect_error(reserve_with_key(&app, &guest, "trip-1", &other).await, 422, "idempotency_key_reused").await;
    // Keys belong to their guest: another guest's "trip-1" is a request of its own (and the
    // nights are taken).
    let stranger = register(&app, "stranger@example.com").await;
    expect_error(reserve_with_key(&app, &stranger, "trip-1", &body).await, 409, "dates_unavailable").await;

    // Ten identical requests at once, one key: a single reservation, the same for all.
    let body = ask(&listing, "2027-03-01", "2027-03-03");
    let attempts = (0..10).map(|_| async {
        let r = reserve_with_key(&app, &guest, "trip-2", &body).await;
        let (status, body) = testkit::json(r).await;
        assert_eq!(status, 201, "{body}");
        body["data"]["reservation"]["id"].as_str().unwrap().to_owned()
    });
    let ids = join_all(attempts).await;
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    let hosting = data(call(&app, Method::GET, Some(&owner.token), "/api/v1/reservations/hosting", None).await).await;
    assert_eq!(hosting["pagination"]["total"], 2, "{hosting}");

    // Keys are remembered for 24 hours: after that the scheduler forgets them and the same
    // key may name a new request.
    app.clock.advance(chrono::Duration::hours(25));
    let admin = admin(&app, "ops@example.com").await;
    assert_eq!(run_jobs(&app, &admin).await["keysForgotten"], 2);
    let guest = login(&app, "guest@example.com").await;
    let fresh = reserve_with_key(&app, &guest, "trip-1", &other).await;
    assert_eq!(fresh.status(), 201);
    assert!(fresh.headers().get("idempotent-replayed").is_none());
}
