//! Coupons through HTTP: providers' and the platform's, their checks, how they change a quote
//! and who pays for them, and how their uses are counted and given back.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::expect_error;

use crate::support::*;

async fn create(app: &App, user: &User, body: &Value) -> reqwest::Response {
    call(app, Method::POST, Some(&user.token), "/api/v1/coupons", Some(body)).await
}

async fn coupon(app: &App, user: &User, body: &Value) -> Value {
    let (status, out) = testkit::json(create(app, user, body).await).await;
    assert_eq!(status, 201, "{out}");
    out["data"]["coupon"].clone()
}

async fn quote(app: &App, user: Option<&User>, body: &Value) -> reqwest::Response {
    call(app, Method::POST, user.map(|u| u.token.as_str()), "/api/v1/reservations/quote", Some(body)).await
}

fn nights(listing: &str, check_in: &str, check_out: &str, code: Option<&str>) -> Value {
    let mut body = json!({"listingId": listing, "checkIn": check_in, "checkOut": check_out, "guests": 1});
    if let Some(code) = code {
        body["couponCode"] = json!(code);
    }
    body
}

/// `[base, guestServiceFee, guestTotal, hostFee, hostPayout, platformRevenue]` of a quote.
fn figures(q: &Value) -> Vec<i64> {
    ["base", "guestServiceFee", "guestTotal", "hostFee", "hostPayout", "platformRevenue"]
        .iter()
        .map(|k| q[k].as_i64().unwrap())
        .collect()
}

async fn uses(app: &App, owner: &User, id: &str) -> i64 {
    let path = format!("/api/v1/coupons/{id}");
    data(call(app, Method::GET, Some(&owner.token), &path, None).await).await["coupon"]["uses"].as_i64().unwrap()
}

#[tokio::test]
async fn providers_and_administrators_create_checked_coupons() {
    let app = spawn().await;
    let alice = host(&app, "alice@example.com", "Europe/Paris").await;
    let bruno = host(&app, "bruno@example.com", "Europe/Paris").await;
    let flat = publish(&app, &alice, &stay()).await;
    let other_flat = publish(&app, &bruno, &stay()).await;
    let guest = register(&app, "guest@example.com").await;
    let ops = admin(&app, "ops@example.com").await;

    let c = coupon(&app, &alice, &json!({"code": "summer10", "percentOff": 10})).await;
    assert_eq!(
        (c["code"].as_str(), c["scope"].as_str(), c["ownerId"].as_str()),
        (Some("SUMMER10"), Some("provider"), Some(alice.id.as_str()))
    );
    assert_eq!((c["percentOff"].as_i64(), c["amountOff"].as_i64(), c["currency"].as_str()), (Some(10), None, None));
    assert_eq!((c["uses"].as_i64(), c["active"].as_bool(), c["listingIds"].clone()), (Some(0), Some(true), json!([])));
    let summer = c["id"].as_str().unwrap().to_owned();
    let dup = json!({"code": "Summer10", "amountOff": 500, "currency": "EUR"});
    expect_error(create(&app, &bruno, &dup).await, 409, "coupon_code_taken").await;

    let fixed = json!({"code": "TENOFF", "amountOff": 1000, "currency": "eur", "listingIds": [flat],
                       "validFrom": "2027-01-04T00:00:00Z", "validUntil": "2027-02-01T00:00:00Z",
                       "minNights": 2, "maxUses": 50, "maxUsesPerUser": 2});
    let c = coupon(&app, &alice, &fixed).await;
    assert_eq!(
        (c["amountOff"].as_i64(), c["percentOff"].as_i64(), c["currency"].as_str()),
        (Some(1000), None, Some("EUR"))
    );
    assert_eq!(c["listingIds"], json!([flat]));
    assert_eq!(
        (c["validFrom"].as_str(), c["validUntil"].as_str()),
        (Some("2027-01-04T00:00:00Z"), Some("2027-02-01T00:00:00Z"))
    );
    assert_eq!(
        (c["minNights"].as_i64(), c["maxUses"].as_i64(), c["maxUsesPerUser"].as_i64()),
        (Some(2), Some(50), Some(2))
    );

    for (body, field) in [
        (json!({"code": "BOTH", "percentOff": 10, "amountOff": 500}), "percentOff"),
        (json!({"code": "NONE"}), "percentOff"),
        (json!({"code": "ZERO", "percentOff": 0}), "percentOff"),
        (json!({"code": "MORE", "percentOff": 101}), "percentOff"),
        (json!({"code": "BARE", "amountOff": 500}), "currency"),
        (json!({"code": "MIXED", "percentOff": 10, "currency": "EUR"}), "currency"),
        (
            json!({"code": "BACK", "percentOff": 10, "validFrom": "2027-03-01T00:00:00Z", "validUntil": "2027-02-01T00:00:00Z"}),
            "validUntil",
        ),
        (json!({"code": "GONE", "percentOff": 10, "validUntil": "2027-01-01T00:00:00Z"}), "validUntil"),
        (json!({"code": "WHEN", "percentOff": 10, "validFrom": "tomorrow"}), "validFrom"),
        (json!({"code": "IDS", "percentOff": 10, "listingIds": ["nope"]}), "listingIds[0]"),
        (json!({"code": "USES", "percentOff": 10, "maxUses": 0}), "maxUses"),
        (json!({"code": "X!", "percentOff": 10}), "code"),
    ] {
        let e = expect_error(create(&app, &alice, &body).await, 400, "validation_failed").await;
        assert_eq!(cap_fields(&e), [field], "{body}");
    }
    expect_error(create(&app, &guest, &json!({"code": "MINE", "percentOff": 5})).await, 403, "not_a_provider").await;
    let theirs = json!({"code": "THEIRS", "percentOff": 5, "listingIds": [other_flat]});
    expect_error(create(&app, &alice, &theirs).await, 404, "not_found").await;

    // An administrator without listingIds makes a platform coupon.
    let c = coupon(&app, &ops, &json!({"code": "WELCOME", "percentOff": 5})).await;
    assert_eq!((c["scope"].as_str(), c["ownerId"].clone()), (Some("platform"), Value::Null));

    // Each provider sees their own; the platform's are for administrators.
    let list = |user: &User, query: &str| {
        let path = format!("/api/v1/coupons{query}");
        let token = user.token.clone();
        let app = &app;
        async move { call(app, Method::GET, Some(&token), &path, None).await }
    };
    let codes = |d: &Value| {
        let mut v: Vec<String> =
            d["coupons"].as_array().unwrap().iter().map(|c| c["code"].as_str().unwrap().to_owned()).collect();
        v.sort();
        v
    };
    assert_eq!(codes(&data(list(&alice, "").await).await), ["SUMMER10", "TENOFF"]);
    assert_eq!(codes(&data(list(&bruno, "?scope=mine").await).await), Vec::<String>::new());
    assert_eq!(codes(&data(list(&ops, "?scope=platform").await).await), ["WELCOME"]);
    expect_error(list(&alice, "?scope=platform").await, 403, "forbidden").await;
    expect_error(list(&alice, "?scope=all").await, 400, "validation_failed").await;
    let path = format!("/api/v1/coupons/{summer}");
    let own = data(call(&app, Method::GET, Some(&alice.token), &path, None).await).await;
    assert_eq!(own["coupon"]["code"], "SUMMER10");
    expect_error(call(&app, Method::GET, Some(&bruno.token), &path, None).await, 404, "not_found").await;
    expect_error(call(&app, Method::DELETE, Some(&bruno.token), &path, None).await, 404, "not_found").await;
    let seen = data(call(&app, Method::GET, Some(&ops.token), &path, None).await).await;
    assert_eq!(seen["coupon"]["code"], "SUMMER10", "administrators see every coupon");
}

#[tokio::test]
async fn coupons_lower_quotes_and_whoever_made_them_pays() {
    let app = spawn().await;
    let alice = host(&app, "alice@example.com", "Europe/Paris").await;
    let bruno = host(&app, "bruno@example.com", "Europe/Paris").await;
    let ops = admin(&app, "ops@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let flat = publish(&app, &alice, &stay()).await;
    let loft = publish(&app, &alice, &stay()).await;
    let bruno_flat = publish(&app, &bruno, &stay()).await;
    coupon(&app, &alice, &json!({"code": "SUMMER10", "percentOff": 10})).await;
    let ten =
        coupon(&app, &alice, &json!({"code": "TENOFF", "amountOff": 1000, "currency": "EUR", "listingIds": [flat]}))
            .await;
    coupon(&app, &alice, &json!({"code": "LONGSTAY", "percentOff": 20, "minNights": 3})).await;
    coupon(&app, &alice, &json!({"code": "DOLLARS", "amountOff": 1000, "currency": "USD"})).await;
    coupon(&app, &alice, &json!({"code": "SHORT", "percentOff": 10, "validUntil": "2027-01-05T00:00:00Z"})).await;
    coupon(&app, &alice, &json!({"code": "LATER", "percentOff": 10, "validFrom": "2027-03-01T00:00:00Z"})).await;
    coupon(&app, &ops, &json!({"code": "WELCOME", "percentOff": 5})).await;
    let q = |listing: &str, code: Option<&str>| nights(listing, "2027-02-01", "2027-02-03", code);

    // Two nights at 100.00 + cleaning 30.00 = 230.00; guest fee 12 % = 27.60;
    // host fee 3 % = 6.90, payout 223.10; platform 257.60 − 223.10 = 34.50.
    let plain = data(quote(&app, Some(&guest), &q(&flat, None)).await).await["quote"].clone();
    assert_eq!(figures(&plain), [23000, 2760, 25760, 690, 22310, 3450]);
    assert_eq!(plain["coupon"], Value::Null);

    // 10 % of the nights (200.00) = 20.00, paid by the host: base 210.00, fee 25.20, total
    // 235.20; host fee 6.30, payout 203.70; platform 235.20 − 203.70 = 31.50. Codes are read
    // in any case.
    let host_paid = data(quote(&app, Some(&guest), &q(&flat, Some("summer10"))).await).await["quote"].clone();
    assert_eq!(host_paid["coupon"], json!({"code": "SUMMER10", "amount": 2000, "fundedBy": "host"}));
    assert_eq!(figures(&host_paid), [21000, 2520, 23520, 630, 20370, 3150]);
    // A fixed 10.00: base 220.00, fee 26.40, total 246.40; host fee 6.60, payout 213.40.
    let fixed = data(quote(&app, None, &q(&flat, Some("TENOFF"))).await).await["quote"].clone();
    assert_eq!(fixed["coupon"]["amount"], 1000);
    assert_eq!(figures(&fixed), [22000, 2640, 24640, 660, 21340, 3300]);

    // The platform's 5 % (10.00) lowers what the guest pays, not what the host is paid: the
    // host's basis stays 230.00, fee 6.90, payout 223.10; platform 246.40 − 223.10 = 23.30.
    let platform_paid = data(quote(&app, Some(&guest), &q(&flat, Some("WELCOME"))).await).await["quote"].clone();
    assert_eq!(platform_paid["coupon"], json!({"code": "WELCOME", "amount": 1000, "fundedBy": "platform"}));
    assert_eq!(figures(&platform_paid), [22000, 2640, 24640, 690, 22310, 2330]);
    let other = data(quote(&app, Some(&guest), &q(&bruno_flat, Some("WELCOME"))).await).await["quote"].clone();
    assert_eq!(other["coupon"]["fundedBy"], "platform", "valid on every host's listing");

    // Where a coupon does not apply.
    let refused = [
        (q(&bruno_flat, Some("SUMMER10")), 422, "coupon_not_applicable"), // another host's listing
        (q(&loft, Some("TENOFF")), 422, "coupon_not_applicable"),         // not among its listings
        (q(&flat, Some("LONGSTAY")), 422, "coupon_not_applicable"),       // 2 nights < 3
        (q(&flat, Some("DOLLARS")), 422, "coupon_not_applicable"),        // another currency
        (q(&flat, Some("LATER")), 422, "coupon_expired"),                 // not yet valid
        (q(&flat, Some("NOPE123")), 422, "coupon_invalid"),
        (q(&flat, Some("no way!")), 400, "validation_failed"),
    ];
    for (body, status, code) in refused {
        expect_error(quote(&app, Some(&guest), &body).await, status, code).await;
        expect_error(reserve(&app, &guest, &body).await, status, code).await;
    }
    // Three nights: 20 % of 300.00 = 60.00.
    let long =
        data(quote(&app, Some(&guest), &nights(&flat, "2027-02-01", "2027-02-04", Some("LONGSTAY"))).await).await;
    assert_eq!(
        (long["quote"]["subtotal"].as_i64(), long["quote"]["coupon"]["amount"].as_i64()),
        (Some(30000), Some(6000))
    );

    // Deactivated by its owner: unknown to quotes from then on.
    let path = format!("/api/v1/coupons/{}", ten["id"].as_str().unwrap());
    let off = data(call(&app, Method::DELETE, Some(&alice.token), &path, None).await).await;
    assert_eq!(off["coupon"]["active"], false);
    expect_error(quote(&app, Some(&guest), &q(&flat, Some("TENOFF"))).await, 422, "coupon_invalid").await;

    // SHORT is valid until 2027-01-05T00:00Z (exclusive): 15 hours from now.
    data(quote(&app, Some(&guest), &q(&flat, Some("SHORT"))).await).await;
    app.clock.advance(chrono::Duration::hours(15));
    let guest = login(&app, "guest@example.com").await;
    expect_error(quote(&app, Some(&guest), &q(&flat, Some("SHORT"))).await, 422, "coupon_expired").await;
    expect_error(reserve(&app, &guest, &q(&flat, Some("SHORT"))).await, 422, "coupon_expired").await;
}

#[tokio::test]
async fn coupon_uses_are_counted_per_guest_and_come_back_with_expired_holds() {
    let app = spawn().await;
    let alice = host(&app, "alice@example.com", "Europe/Paris").await;
    let flat = publish(&app, &alice, &stay()).await;
    let ann = register(&app, "ann@example.com").await;
    let bob = register(&app, "bob@example.com").await;
    let once = coupon(&app, &alice, &json!({"code": "ONCE", "percentOff": 10, "maxUsesPerUser": 1})).await;
    let once = once["id"].as_str().unwrap().to_owned();
    let single =
        coupon(&app, &alice, &json!({"code": "SINGLE", "amountOff": 500, "currency": "EUR", "maxUses": 1})).await;
    let single = single["id"].as_str().unwrap().to_owned();

    // 10 % of 200.00 = 20.00 off: base 210.00 + 12 % = 235.20.
    let r = data(reserve(&app, &ann, &nights(&flat, "2027-02-01", "2027-02-03", Some("ONCE"))).await).await;
    let first = r["reservation"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        (r["reservation"]["total"].as_i64(), r["reservation"]["quote"]["coupon"]["amount"].as_i64()),
        (Some(23520), Some(2000))
    );
    assert_eq!(uses(&app, &alice, &once).await, 1);

    // Ann has used hers; Bob has not, and an anonymous quote cannot tell.
    let again = nights(&flat, "2027-02-10", "2027-02-12", Some("ONCE"));
    expect_error(quote(&app, Some(&ann), &again).await, 409, "coupon_exhausted").await;
    expect_error(reserve(&app, &ann, &again).await, 409, "coupon_exhausted").await;
    data(quote(&app, None, &again).await).await;
    data(reserve(&app, &ann, &nights(&flat, "2027-02-10", "2027-02-12", None)).await).await;
    data(reserve(&app, &bob, &nights(&flat, "2027-02-20", "2027-02-22", Some("ONCE"))).await).await;
    assert_eq!(uses(&app, &alice, &once).await, 2);

    // One use in all: Bob's takes it, Ann's is refused.
    data(reserve(&app, &bob, &nights(&flat, "2027-03-01", "2027-03-03", Some("SINGLE"))).await).await;
    let late = nights(&flat, "2027-03-10", "2027-03-12", Some("SINGLE"));
    expect_error(reserve(&app, &ann, &late).await, 409, "coupon_exhausted").await;
    assert_eq!(uses(&app, &alice, &single).await, 1);

    // Ann pays for her first stay; every other hold runs out after 15 minutes and gives its
    // coupon use back.
    payment_event(&app, "succeeded", &first, 23520).await;
    app.clock.advance(chrono::Duration::minutes(16));
    let ops = admin(&app, "ops@example.com").await;
    assert_eq!(run_jobs(&app, &ops).await["expiredHolds"], 3, "Ann's second, Bob's two");
    let alice = login(&app, "alice@example.com").await;
    assert_eq!((uses(&app, &alice, &once).await, uses(&app, &alice, &single).await), (1, 0));
    let ann = login(&app, "ann@example.com").await;
    expect_error(reserve(&app, &ann, &again).await, 409, "coupon_exhausted").await;
    data(reserve(&app, &ann, &late).await).await;
    assert_eq!(uses(&app, &alice, &single).await, 1);

    // Cancelling a paid reservation gives its use back too.
    let path = format!("/api/v1/reservations/{first}/cancel");
    data(call(&app, Method::POST, Some(&ann.token), &path, None).await).await;
    assert_eq!(uses(&app, &alice, &once).await, 0);
    data(reserve(&app, &ann, &again).await).await;
    assert_eq!(uses(&app, &alice, &once).await, 1);
}
