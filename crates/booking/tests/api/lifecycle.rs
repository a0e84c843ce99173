//! The reservation state machine through HTTP: holds, payments (from `payment.*` events),
//! requests to book, declines, expiry, cancellations refunded by policy, completion, and the
//! guest's and host's lists.

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::*;

/// Access tokens live 15 minutes on the test clock: every user is signed in again after it moves.
async fn fresh<const N: usize>(app: &App, emails: [&str; N]) -> [User; N] {
    let mut users = Vec::new();
    for email in emails {
        users.push(login(app, email).await);
    }
    users.try_into().unwrap_or_else(|_| unreachable!())
}

fn policy(name: &str, instant_book: bool) -> Value {
    let mut body = stay();
    body["cancellationPolicy"] = json!(name);
    body["instantBook"] = json!(instant_book);
    body
}

/// The reservation of `guest` for `listing` from `check_in` to `check_out`, just created.
async fn book(app: &App, guest: &User, listing: &str, check_in: &str, check_out: &str) -> Value {
    let body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out, "guests": 1});
    let response = reserve(app, guest, &body).await;
    assert_eq!(response.status(), 201);
    data(response).await["reservation"].clone()
}

fn id(r: &Value) -> String {
    r["id"].as_str().unwrap().to_owned()
}

async fn get(app: &App, who: &User, r: &str) -> reqwest::Response {
    call(app, Method::GET, Some(&who.token), &format!("/api/v1/reservations/{r}"), None).await
}

async fn read(app: &App, who: &User, r: &str) -> Value {
    data(get(app, who, r).await).await["reservation"].clone()
}

/// `POST /api/v1/reservations/{r}/{action}` (accept, decline, cancel, complete).
async fn act(app: &App, who: &User, r: &str, action: &str, body: Option<Value>) -> reqwest::Response {
    call(app, Method::POST, Some(&who.token), &format!("/api/v1/reservations/{r}/{action}"), body.as_ref()).await
}

async fn done(app: &App, who: &User, r: &str, action: &str, body: Option<Value>) -> Value {
    data(act(app, who, r, action, body).await).await["reservation"].clone()
}

async fn preview(app: &App, who: &User, r: &str) -> Value {
    let path = format!("/api/v1/reservations/{r}/cancellation");
    data(call(app, Method::GET, Some(&who.token), &path, None).await).await["refund"].clone()
}

/// `[amount, accommodation, cleaningFee, guestServiceFee, taxes, hostPayout]` and the rule.
fn refund(r: &Value) -> ([i64; 6], String) {
    let parts = ["amount", "accommodation", "cleaningFee", "guestServiceFee", "taxes", "hostPayout"]
        .map(|k| r[k].as_i64().unwrap_or_else(|| panic!("{k} in {r}")));
    (parts, r["rule"].as_str().unwrap().to_owned())
}

fn status(r: &Value) -> &str {
    r["status"].as_str().unwrap()
}

/// `(refundAmount, reason)` of the `booking.refund_due` booking announced for `reservation`.
async fn refund_due(app: &App, reservation: &str) -> (Option<i64>, Option<String>) {
    let rows: Vec<(platform::db::Json<Value>,)> =
        platform::db::query("SELECT payload FROM outbox WHERE event_type = 'booking.refund_due'")
            .fetch_all(app.platform.db("booking").unwrap())
            .await
            .unwrap();
    let due = rows
        .into_iter()
        .map(|(platform::db::Json(v),)| v)
        .find(|v| v["data"]["reservation"]["id"] == reservation)
        .unwrap_or_else(|| panic!("no booking.refund_due for {reservation}"));
    (due["data"]["refundAmount"].as_i64(), due["data"]["reason"].as_str().map(str::to_owned))
}

/// `[authorised, paid, refunded]`.
fn money(r: &Value) -> [i64; 3] {
    ["authorised", "paid", "refunded"].map(|k| r[k].as_i64().unwrap_or_else(|| panic!("{k} in {r}")))
}

#[tokio::test]
async fn instant_book_holds_then_confirms_on_payment_and_unpaid_holds_expire() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let (guest, other) = (register(&app, "guest@example.com").await, register(&app, "other@example.com").await);
    let listing = publish(&app, &owner, &stay()).await;

    // 3 nights × 10000 + 3000 cleaning = 33000, guest fee 12 % = 3960: 36960 to pay.
    let r = book(&app, &guest, &listing, "2027-02-01", "2027-02-04").await;
    let rid = id(&r);
    assert_eq!((status(&r), r["total"].as_i64(), r["paid"].as_i64()), ("pending_payment", Some(36_960), Some(0)));
    assert_eq!((r["holdExpiresAt"].as_str(), &r["respondBy"]), (Some("2027-01-04T09:15:00Z"), &Value::Null));
    // A failed attempt leaves the hold running.
    payment_event(&app, "failed", &rid, 36_960).await;
    assert_eq!(status(&read(&app, &guest, &rid).await), "pending_payment");
    payment_event(&app, "succeeded", &rid, 36_960).await;
    let confirmed = read(&app, &guest, &rid).await;
    assert_eq!((status(&confirmed), confirmed["paid"].as_i64()), ("confirmed", Some(36_960)));
    assert_eq!(confirmed["holdExpiresAt"], Value::Null);
    assert_eq!(confirmed["paymentId"], format!("pi_{}", &rid[..8]));
    // The host sees the same reservation.
    assert_eq!(read(&app, &owner, &rid).await, confirmed);
    // A duplicate notification changes nothing.
    payment_event(&app, "succeeded", &rid, 36_960).await;
    assert_eq!(read(&app, &guest, &rid).await, confirmed);
    // Refunds add up, never beyond what was paid: 5000, then 5000 + 40000 capped at 36960.
    payment_event(&app, "refunded", &rid, 5_000).await;
    let partly = read(&app, &guest, &rid).await;
    assert_eq!((status(&partly), partly["refunded"].as_i64()), ("confirmed", Some(5_000)));
    payment_event(&app, "refunded", &rid, 40_000).await;
    assert_eq!(read(&app, &guest, &rid).await["refunded"], 36_960);

    // An unpaid hold: 2 nights, 20000 + 3000 = 23000 + 2760 fee = 25760. Its nights are taken.
    let admin = admin(&app, "admin@example.com").await;
    let hold = id(&book(&app, &guest, &listing, "2027-02-10", "2027-02-12").await);
    let same = json!({"listingId": listing, "checkIn": "2027-02-10", "checkOut": "2027-02-12"});
    expect_error(reserve(&app, &other, &same).await, 409, "dates_unavailable").await;
    let jobs = "/api/v1/admin/booking/jobs/run";
    expect_error(call(&app, Method::POST, Some(&guest.token), jobs, None).await, 403, "forbidden").await;
    app.clock.advance(Duration::minutes(14));
    assert_eq!(
        run_jobs(&app, &admin).await,
        json!({"expiredHolds": 0, "expiredRequests": 0, "completed": 0, "keysForgotten": 0, "cartItemsExpired": 0, "supplierOffersBooked": 0, "supplierOffersCancelled": 0})
    );
    app.clock.advance(Duration::minutes(2));
    let [admin, guest, other] = fresh(&app, ["admin@example.com", "guest@example.com", "other@example.com"]).await;
    assert_eq!(
        run_jobs(&app, &admin).await,
        json!({"expiredHolds": 1, "expiredRequests": 0, "completed": 0, "keysForgotten": 0, "cartItemsExpired": 0, "supplierOffersBooked": 0, "supplierOffersCancelled": 0})
    );
    let expired = read(&app, &guest, &hold).await;
    assert_eq!((status(&expired), &expired["holdExpiresAt"]), ("expired", &Value::Null));
    assert_eq!(refund(&expired["refund"]).0[0], 0, "nothing was paid, nothing goes back");
    assert_eq!(read(&app, &guest, &rid).await["status"], "confirmed", "the paid one is untouched");
    // The nights are on sale again.
    assert_eq!(status(&book(&app, &other, &listing, "2027-02-10", "2027-02-12").await), "pending_payment");
    // Money arriving after the hold ran out is recorded, to be returned; the state stays.
    payment_event(&app, "succeeded", &hold, 25_760).await;
    let late = read(&app, &guest, &hold).await;
    assert_eq!((status(&late), late["paid"].as_i64()), ("expired", Some(25_760)));
    assert_eq!(
        run_jobs(&app, &admin).await,
        json!({"expiredHolds": 0, "expiredRequests": 0, "completed": 0, "keysForgotten": 0, "cartItemsExpired": 0, "supplierOffersBooked": 0, "supplierOffersCancelled": 0})
    );
}

#[tokio::test]
async fn requests_to_book_wait_for_the_host_who_accepts_declines_or_lets_them_expire() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let (second, third) = (register(&app, "second@example.com").await, register(&app, "third@example.com").await);
    let stranger = register(&app, "stranger@example.com").await;
    let admin = admin(&app, "admin@example.com").await;
    let listing = publish(&app, &owner, &policy("flexible", false)).await;

    // Authorised (held on the card, not taken) first, then it waits 24 hours for the host.
    // 3 nights: 36960.
    let r1 = book(&app, &guest, &listing, "2027-02-01", "2027-02-04").await;
    let rid = id(&r1);
    assert_eq!((status(&r1), r1["instantBook"].as_bool()), ("pending_payment", Some(false)));
    payment_event(&app, "authorized", &rid, 36_960).await;
    let waiting = read(&app, &guest, &rid).await;
    assert_eq!(
        (status(&waiting), money(&waiting)),
        ("awaiting_host", [36_960, 0, 0]),
        "authorised, nothing captured: {waiting}"
    );
    assert_eq!(
        (waiting["respondBy"].as_str(), &waiting["holdExpiresAt"]),
        (Some("2027-01-05T09:00:00Z"), &Value::Null)
    );
    // Only the host answers; strangers do not even see it; administrators do.
    expect_error(act(&app, &guest, &rid, "accept", None).await, 403, "forbidden").await;
    expect_error(act(&app, &guest, &rid, "decline", None).await, 403, "forbidden").await;
    expect_error(get(&app, &stranger, &rid).await, 404, "not_found").await;
    for action in ["accept", "cancel"] {
        expect_error(act(&app, &stranger, &rid, action, None).await, 404, "not_found").await;
    }
    let cancellation = format!("/api/v1/reservations/{rid}/cancellation");
    expect_error(call(&app, Method::GET, Some(&stranger.token), &cancellation, None).await, 404, "not_found").await;
    assert_eq!(read(&app, &admin, &rid).await, waiting);
    let accepted = done(&app, &owner, &rid, "accept", None).await;
    assert_eq!((status(&accepted), &accepted["respondBy"]), ("confirmed", &Value::Null));
    assert_eq!(money(&accepted), [36_960, 0, 0], "payments captures on booking.confirmed, not yet heard");
    expect_error(act(&app, &owner, &rid, "accept", None).await, 409, "invalid_state").await;
    // Payments captured the authorisation: paid now, nothing held.
    payment_event(&app, "succeeded", &rid, 36_960).await;
    let captured = read(&app, &guest, &rid).await;
    assert_eq!((status(&captured), money(&captured)), ("confirmed", [0, 36_960, 0]));

    // Declined: the authorisation is released (nothing was taken, so nothing is refunded) and
    // the nights are free again.
    // 2 nights: 20000 + 3000 = 23000 + 2760 fee = 25760.
    let r2 = id(&book(&app, &second, &listing, "2027-02-10", "2027-02-12").await);
    payment_event(&app, "authorized", &r2, 25_760).await;
    let long = json!({"reason": "x".repeat(501)});
    expect_error(act(&app, &owner, &r2, "decline", Some(long)).await, 400, "validation_failed").await;
    assert_eq!(status(&read(&app, &second, &r2).await), "awaiting_host");
    let declined = done(&app, &owner, &r2, "decline", Some(json!({"reason": "Closed for works"}))).await;
    assert_eq!((status(&declined), declined["cancelledBy"].as_str()), ("declined", Some("host")));
    assert_eq!(declined["cancelReason"], "Closed for works");
    assert_eq!(refund(&declined["refund"]), ([0; 6], "authorisation_released".to_owned()));
    assert_eq!(money(&declined), [25_760, 0, 0], "held until payments releases it");
    assert_eq!(read(&app, &second, &r2).await, declined);
    payment_event(&app, "canceled", &r2, 25_760).await;
    let released = read(&app, &second, &r2).await;
    assert_eq!((status(&released), money(&released)), ("declined", [0, 0, 0]));
    expect_error(act(&app, &owner, &r2, "decline", None).await, 409, "invalid_state").await;
    let unpaid = id(&book(&app, &third, &listing, "2027-02-10", "2027-02-12").await);

    // Unanswered: after 24 hours the request expires, its authorisation released.
    let r3 = id(&book(&app, &guest, &listing, "2027-03-01", "2027-03-03").await);
    payment_event(&app, "authorized", &r3, 25_760).await;
    assert_eq!(status(&read(&app, &guest, &r3).await), "awaiting_host");
    app.clock.advance(Duration::hours(25));
    let [admin, guest, third] = fresh(&app, ["admin@example.com", "guest@example.com", "third@example.com"]).await;
    // The third guest's unpaid hold ran out too.
    assert_eq!(
        run_jobs(&app, &admin).await,
        json!({"expiredHolds": 1, "expiredRequests": 1, "completed": 0, "keysForgotten": 0, "cartItemsExpired": 0, "supplierOffersBooked": 0, "supplierOffersCancelled": 0})
    );
    let expired = read(&app, &guest, &r3).await;
    assert_eq!(status(&expired), "expired");
    assert_eq!(refund(&expired["refund"]), ([0; 6], "authorisation_released".to_owned()));
    assert_eq!(money(&expired), [25_760, 0, 0], "held until payments releases it");
    // Should it be captured instead (payments only captures accepted requests), the money is
    // recorded as taken and asked back in full.
    payment_event(&app, "succeeded", &r3, 25_760).await;
    assert_eq!(money(&read(&app, &guest, &r3).await), [0, 25_760, 0]);
    assert_eq!(refund_due(&app, &r3).await, (Some(25_760), Some("captured_after_release".to_owned())));
    assert_eq!(status(&read(&app, &third, &unpaid).await), "expired");
    // Authorised after its hold ran out: recorded as held, and payments is asked to release
    // it (`booking.refund_due` with nothing to refund).
    payment_event(&app, "authorized", &unpaid, 25_760).await;
    let late = read(&app, &third, &unpaid).await;
    assert_eq!((status(&late), money(&late)), ("expired", [25_760, 0, 0]));
    assert_eq!(refund_due(&app, &unpaid).await, (Some(0), Some("authorised_after_expiry".to_owned())));
    payment_event(&app, "canceled", &unpaid, 25_760).await;
    assert_eq!(money(&read(&app, &third, &unpaid).await), [0, 0, 0]);
    assert_eq!(status(&read(&app, &guest, &rid).await), "confirmed");
}

#[tokio::test]
async fn cancellations_refund_what_the_policy_says_and_the_preview_announces() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    let flexible = publish(&app, &owner, &policy("flexible", true)).await;
    let moderate = publish(&app, &owner, &policy("moderate", true)).await;
    for (listing, rules) in
        [(&flexible, json!({"taxBps": 1000})), (&moderate, json!({"taxBps": 1000, "weekendPrice": 15_000}))]
    {
        let path = format!("/api/v1/listings/{listing}/calendar");
        data(call(&app, Method::PUT, Some(&owner.token), &path, Some(&json!({"rules": rules}))).await).await;
    }

    // Flexible, 4 weeks ahead: everything back. 3 weeknights: base 33000, fee 3960,
    // taxes 10 % = 3300, total 40260.
    let f = book(&app, &guest, &flexible, "2027-02-01", "2027-02-04").await;
    let fid = id(&f);
    assert_eq!(f["total"], 40_260);
    payment_event(&app, "succeeded", &fid, 40_260).await;
    let announced = preview(&app, &guest, &fid).await;
    assert_eq!(refund(&announced), ([40_260, 30_000, 3_000, 3_960, 3_300, 0], "flexible_full".to_owned()));
    let cancelled = done(&app, &guest, &fid, "cancel", Some(json!({"reason": "Change of plans"}))).await;
    assert_eq!((status(&cancelled), cancelled["cancelledBy"].as_str()), ("cancelled", Some("guest")));
    assert_eq!(cancelled["refund"], announced);
    expect_error(act(&app, &guest, &fid, "cancel", None).await, 409, "invalid_state").await;
    let path = format!("/api/v1/listings/{flexible}/calendar?from=2027-02-01&to=2027-02-02");
    let day = data(call(&app, Method::GET, None, &path, None).await).await["days"][0].clone();
    assert_eq!(day["available"], true, "the nights went back on sale: {day}");

    // Moderate, Friday 5 to Monday 8 February: Fri and Sat at 15000, Sun at 10000 = 40000;
    // base 43000; fee 12 % = 5160; taxes 4300; total 52460; host fee 1290.
    let m = book(&app, &guest, &moderate, "2027-02-05", "2027-02-08").await;
    let mid = id(&m);
    assert_eq!(m["total"], 52_460);
    // One Wednesday night: 10000 + 3000 = 13000; fee 1560; taxes 1300; total 15860; host fee 390.
    let one = id(&book(&app, &guest, &moderate, "2027-02-03", "2027-02-04").await);
    payment_event(&app, "succeeded", &mid, 52_460).await;
    payment_event(&app, "succeeded", &one, 15_860).await;

    // Three days before the 15:00 check-in (14:00 UTC): less than 5 days, so the guest keeps
    // paying the first night, valued pro rata at 40000 × 15000 / 40000 = 15000, and gets half
    // of the other 25000 back = 12500, plus the 3000 cleaning fee: refunded base 15500.
    // Fee 5160 × 15500 / 43000 = 1860; taxes 4300 × 15500 / 43000 = 1550;
    // amount 12500 + 3000 + 1860 + 1550 = 18910. The host keeps 43000 − 15500 = 27500 less
    // 1290 × 27500 / 43000 = 825: 26675.
    app.clock.set("2027-02-02T14:00:00Z".parse().unwrap());
    let [guest, owner] = fresh(&app, ["guest@example.com", "host@example.com"]).await;
    let announced = preview(&app, &guest, &mid).await;
    assert_eq!(refund(&announced), ([18_910, 12_500, 3_000, 1_860, 1_550, 26_675], "moderate_late".to_owned()));
    // The host would give everything back.
    let by_host = preview(&app, &owner, &mid).await;
    assert_eq!(refund(&by_host), ([52_460, 40_000, 3_000, 5_160, 4_300, 0], "full_refund".to_owned()));
    let cancelled = done(&app, &guest, &mid, "cancel", None).await;
    assert_eq!(cancelled["refund"], announced);
    expect_error(act(&app, &guest, &mid, "cancel", None).await, 409, "invalid_state").await;

    // The one-night stay a day ahead: the guest would keep paying that night and get only the
    // cleaning fee back: 3000, fee 1560 × 3000 / 13000 = 360, taxes 1300 × 3000 / 13000 = 300,
    // amount 3660, the host keeping 10000 − 390 × 10000 / 13000 = 9700.
    let guest_view = preview(&app, &guest, &one).await;
    assert_eq!(refund(&guest_view), ([3_660, 0, 3_000, 360, 300, 9_700], "moderate_late".to_owned()));
    // But the host cancels: a full refund whatever the policy.
    let cancelled = done(&app, &owner, &one, "cancel", Some(json!({"reason": "Boiler broke"}))).await;
    assert_eq!((status(&cancelled), cancelled["cancelledBy"].as_str()), ("cancelled", Some("host")));
    assert_eq!(refund(&cancelled["refund"]), ([15_860, 10_000, 3_000, 1_560, 1_300, 0], "full_refund".to_owned()));
    expect_error(act(&app, &owner, &one, "cancel", None).await, 409, "invalid_state").await;
}

#[tokio::test]
async fn stays_complete_once_their_check_out_has_passed() {
    let app = spawn().await;
    let owner = host(&app, "host@example.com", "Europe/Paris").await;
    let guest = register(&app, "guest@example.com").await;
    admin(&app, "admin@example.com").await;
    let listing = publish(&app, &owner, &stay()).await;
    let rid = id(&book(&app, &guest, &listing, "2027-02-01", "2027-02-04").await);
    payment_event(&app, "succeeded", &rid, 36_960).await;

    // Mid-stay (Wednesday noon): not over. Flexible, two nights begun and the third kept:
    // nothing of the accommodation back, nor the cleaning fee; the host keeps 33000 − 990.
    app.clock.set("2027-02-03T12:00:00Z".parse().unwrap());
    let [owner, guest, admin] = fresh(&app, ["host@example.com", "guest@example.com", "admin@example.com"]).await;
    assert_eq!(refund(&preview(&app, &guest, &rid).await), ([0, 0, 0, 0, 0, 32_010], "flexible_late".to_owned()));
    expect_error(act(&app, &owner, &rid, "complete", None).await, 409, "not_finished").await;
    assert_eq!(run_jobs(&app, &admin).await["completed"], 0);

    // Check-out is 11:00 in Paris, 10:00 UTC.
    app.clock.set("2027-02-04T10:00:00Z".parse().unwrap());
    let [owner, guest, admin] = fresh(&app, ["host@example.com", "guest@example.com", "admin@example.com"]).await;
    expect_error(act(&app, &guest, &rid, "cancel", None).await, 409, "invalid_state").await;
    assert_eq!(
        run_jobs(&app, &admin).await,
        json!({"expiredHolds": 0, "expiredRequests": 0, "completed": 1, "keysForgotten": 0, "cartItemsExpired": 0, "supplierOffersBooked": 0, "supplierOffersCancelled": 0})
    );
    let completed = read(&app, &guest, &rid).await;
    assert_eq!(
        (status(&completed), completed["paid"].as_i64(), &completed["refund"]),
        ("completed", Some(36_960), &Value::Null)
    );
    expect_error(act(&app, &guest, &rid, "cancel", None).await, 409, "invalid_state").await;
    expect_error(act(&app, &owner, &rid, "cancel", None).await, 409, "invalid_state").await;
    expect_error(act(&app, &owner, &rid, "complete", None).await, 409, "invalid_state").await;
    assert_eq!(run_jobs(&app, &admin).await["completed"], 0);
}

/// The ids of a list and its `pagination.total`.
async fn list(app: &App, who: &User, path: &str) -> (Vec<String>, i64) {
    let page = data(call(app, Method::GET, Some(&who.token), path, None).await).await;
    let ids = page["reservations"].as_array().unwrap().iter().map(id).collect();
    (ids, page["pagination"]["total"].as_i64().unwrap())
}

#[tokio::test]
async fn guests_and_hosts_list_their_own_reservations_newest_first() {
    let app = spawn().await;
    let (owner, other_host) =
        (host(&app, "host@example.com", "Europe/Paris").await, host(&app, "host2@example.com", "Europe/Paris").await);
    let (guest, second) = (register(&app, "guest@example.com").await, register(&app, "second@example.com").await);
    let a = publish(&app, &owner, &stay()).await;
    let b = publish(&app, &other_host, &stay()).await;

    // One minute apart, so that "newest first" is unambiguous.
    let mut made = Vec::new();
    for (who, listing, check_in, check_out) in [
        (&guest, &a, "2027-02-01", "2027-02-03"),
        (&guest, &a, "2027-02-10", "2027-02-12"),
        (&second, &a, "2027-02-20", "2027-02-22"),
        (&guest, &b, "2027-02-01", "2027-02-03"),
        (&guest, &a, "2027-03-01", "2027-03-03"),
    ] {
        made.push(id(&book(&app, who, listing, check_in, check_out).await));
        app.clock.advance(Duration::minutes(1));
    }
    let [a1, a2, a3, b1, a4] = made.try_into().unwrap_or_else(|_| unreachable!());
    payment_event(&app, "succeeded", &a1, 25_760).await;
    done(&app, &guest, &a4, "cancel", None).await;
    let ids = |v: &[&String]| v.iter().map(|s| (*s).clone()).collect::<Vec<String>>();

    let mine = "/api/v1/reservations";
    assert_eq!(list(&app, &guest, mine).await, (ids(&[&a4, &b1, &a2, &a1]), 4));
    assert_eq!(list(&app, &guest, &format!("{mine}?status=pending_payment")).await, (ids(&[&b1, &a2]), 2));
    assert_eq!(list(&app, &guest, &format!("{mine}?status=confirmed")).await, (ids(&[&a1]), 1));
    assert_eq!(list(&app, &guest, &format!("{mine}?listingId={b}")).await, (ids(&[&b1]), 1));
    let first = data(call(&app, Method::GET, Some(&guest.token), &format!("{mine}?limit=2"), None).await).await;
    assert_eq!(first["pagination"], json!({"total": 4, "limit": 2, "offset": 0}));
    assert_eq!(list(&app, &guest, &format!("{mine}?limit=2&offset=2")).await, (ids(&[&a2, &a1]), 4));
    assert_eq!(list(&app, &guest, &format!("{mine}?limit=2&offset=4")).await, (vec![], 4));
    assert_eq!(list(&app, &second, mine).await, (ids(&[&a3]), 1));
    assert_eq!(list(&app, &owner, mine).await, (vec![], 0), "hosting is not travelling");

    let hosting = "/api/v1/reservations/hosting";
    assert_eq!(list(&app, &owner, hosting).await, (ids(&[&a4, &a3, &a2, &a1]), 4));
    assert_eq!(list(&app, &owner, &format!("{hosting}?status=cancelled")).await, (ids(&[&a4]), 1));
    assert_eq!(list(&app, &other_host, hosting).await, (ids(&[&b1]), 1));
    assert_eq!(list(&app, &guest, hosting).await, (vec![], 0));

    for path in [format!("{mine}?status=paid"), format!("{hosting}?status=CONFIRMED")] {
        let error =
            expect_error(call(&app, Method::GET, Some(&guest.token), &path, None).await, 400, "validation_failed")
                .await;
        assert_eq!(error["details"][0]["field"], "status", "{error}");
    }
    let error = expect_error(
        call(&app, Method::GET, Some(&guest.token), &format!("{mine}?limit=0&status=x"), None).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(error["details"].as_array().map(Vec::len), Some(2), "{error}");
    expect_error(call(&app, Method::GET, None, mine, None).await, 401, "unauthorized").await;
}

#[tokio::test]
async fn nights_begun_are_counted_on_the_listings_clock_across_a_dst_change() {
    // Paris moves to summer time in the night of 2027-03-27 to 28. Check-in is 15:00 local:
    // 14:00Z on the 27th, but 13:00Z on the 28th.
    let app = spawn_at("2027-03-01T09:00:00Z").await;
    let owner = host(&app, "dst-host@example.com", "Europe/Paris").await;
    let listing = publish(&app, &owner, &stay()).await; // flexible, 100.00 a night, cleaning 30.00
    let guest = register(&app, "dst-guest@example.com").await;
    let body = json!({"listingId": listing, "checkIn": "2027-03-27", "checkOut": "2027-03-30"});
    let made = data(reserve(&app, &guest, &body).await).await;
    let id = made["reservation"]["id"].as_str().unwrap().to_owned();
    let total = made["reservation"]["total"].as_i64().unwrap();
    payment_event(&app, "succeeded", &id, total).await;

    // 12:30Z on the 28th is 14:30 in Paris: only the first night has begun; flexible keeps it
    // and one more, so the third night comes back. Accommodation 3 × 10000 = 30000, no
    // discount: one night is 10000.
    app.clock.set("2027-03-28T12:30:00Z".parse().unwrap());
    let guest = login(&app, "dst-guest@example.com").await;
    let path = format!("/api/v1/reservations/{id}/cancellation");
    let preview = data(call(&app, Method::GET, Some(&guest.token), &path, None).await).await;
    assert_eq!(preview["refund"]["accommodation"], 10000, "{preview}");

    // 13:30Z is 15:30 in Paris: the second night has begun there, although only 23.5 hours
    // have passed since check-in. All three nights are kept, so nothing of the accommodation
    // and (the stay having begun) no cleaning fee comes back; the service fee follows the
    // refunded base (0).
    app.clock.set("2027-03-28T13:30:00Z".parse().unwrap());
    let guest = login(&app, "dst-guest@example.com").await;
    let preview = data(call(&app, Method::GET, Some(&guest.token), &path, None).await).await;
    assert_eq!(preview["refund"]["rule"], "flexible_late", "{preview}");
    assert_eq!(preview["refund"]["accommodation"], 0, "{preview}");
    assert_eq!(preview["refund"]["amount"], 0, "{preview}");
}
