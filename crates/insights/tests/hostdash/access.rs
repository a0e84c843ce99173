//! Who sees what: a host only their own listings (another's is `404`, their numbers never
//! appear), a guest an empty dashboard, administrators anyone's with `hostId`; bad requests
//! are `400 validation_failed`.

use serde_json::json;
use testkit::expect_error;

use crate::support::{admin, contexts, data, get, host, publish, register};

#[tokio::test]
async fn hosts_see_only_their_own_listings_and_bad_asks_are_refused() {
    let app = testkit::spawn_clocked("2026-02-10T10:00:00Z", contexts()).await;
    let owner = host(&app, "host@example.com").await;
    let listing = publish(&app, &owner, "Canal flat", "Europe/Paris", "EUR").await;
    let other = host(&app, "other@example.com").await;
    let theirs = publish(&app, &other, "Other flat", "Europe/Paris", "EUR").await;
    let guest = register(&app, "guest@example.com").await;
    let base = "/api/v1/analytics/host/dashboard?from=2026-02-01&to=2026-02-28";

    let mine = data(get(&app, &owner, base).await).await;
    let ids: Vec<_> = mine["listings"].as_array().unwrap().iter().map(|l| l["listingId"].clone()).collect();
    assert_eq!(ids, vec![json!(listing)], "only the caller's listings");
    // Published on 10 February: 19 nights of February.
    assert_eq!(mine["total"]["current"]["nightsAvailable"], 19);
    assert_eq!(mine["total"]["current"]["occupancyRate"], json!(0.0));
    assert_eq!(mine["total"]["current"]["revenue"][0]["adr"], serde_json::Value::Null, "no night booked: no ADR");

    expect_error(get(&app, &owner, &format!("{base}&listingId={theirs}")).await, 404, "not_found").await;
    expect_error(get(&app, &owner, &format!("{base}&listingId={}", kernel::new_id())).await, 404, "not_found").await;
    for path in ["/reports/dashboard.csv", "/reports/dashboard.json"] {
        let url = base.replace("/dashboard?", &format!("{path}?"));
        expect_error(get(&app, &owner, &format!("{url}&listingId={theirs}")).await, 404, "not_found").await;
    }
    let owner_id = mine["hostId"].as_str().unwrap();
    expect_error(get(&app, &guest, &format!("{base}&hostId={owner_id}")).await, 403, "forbidden").await;
    expect_error(
        get(&app, &other, &format!("/api/v1/analytics/host/statements/2026-02?hostId={owner_id}")).await,
        403,
        "forbidden",
    )
    .await;
    let own = data(get(&app, &guest, "/api/v1/analytics/host/statements/2026-02").await).await;
    assert_eq!(own["currencies"], json!([]));

    // A guest has no listings: an empty dashboard, not someone else's numbers.
    let empty = data(get(&app, &guest, base).await).await;
    assert_eq!(
        (empty["listings"].clone(), empty["total"]["current"]["nightsAvailable"].clone()),
        (json!([]), json!(0))
    );

    // Administrators read any host's.
    let root = admin(&app, "root@example.com").await;
    let read = data(get(&app, &root, &format!("{base}&hostId={owner_id}")).await).await;
    assert_eq!(read, mine);

    let anonymous = app.get(base).await;
    assert_eq!(anonymous.status(), 401);

    for bad in [
        "from=2026-03-01&to=2026-02-01",
        "from=2024-01-01&to=2026-02-01",
        "from=2026-02-30&to=2026-03-01",
        "from=2026-02-01&to=2026-02-10&interval=year",
        "from=2026-02-01&to=2026-02-10&currency=EURO",
        "from=2026-02-01&to=2026-02-10&listingId=nope",
        "from=2026-02-01&to=2026-02-10&hostId=nope",
    ] {
        let path = format!("/api/v1/analytics/host/dashboard?{bad}");
        expect_error(get(&app, &owner, &path).await, 400, "validation_failed").await;
    }
    for bad in ["2026-13", "2026-1", "March", "2026-03-01"] {
        let path = format!("/api/v1/analytics/host/statements/{bad}");
        expect_error(get(&app, &owner, &path).await, 400, "validation_failed").await;
    }
    // Payments' ledger of an account is for administrators only, the host's own included.
    let ledger = format!("/api/v1/payment/ledger/account?account=host:{owner_id}&from=2026-02-01&to=2026-02-28");
    expect_error(get(&app, &owner, &ledger).await, 403, "forbidden").await;
    expect_error(app.get(&ledger).await, 401, "unauthorized").await;
    let root = admin(&app, "ledger@example.com").await;
    for bad in [
        "account=&from=2026-02-01".to_owned(),
        format!("account={}", "x".repeat(101)),
        "account=host:x&from=yesterday".to_owned(),
        "account=host:x&from=2026-03-01&to=2026-02-01".to_owned(),
    ] {
        let path = format!("/api/v1/payment/ledger/account?{bad}");
        expect_error(get(&app, &root, &path).await, 400, "validation_failed").await;
    }
    let unnamed = get(&app, &root, "/api/v1/payment/ledger/account?from=2026-02-01").await;
    expect_error(unnamed, 400, "bad_request").await;
}
