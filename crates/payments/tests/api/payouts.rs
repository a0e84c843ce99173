//! Payouts beyond the happy path: refunds after the host was paid are recovered from their
//! next payout, payout accounts, and the operators' view of processor calls.

use reqwest::Method;
use serde_json::json;
use testkit::expect_error;

use crate::intents::{call, data, listing, register, spawn, spawn_with_clock};
use crate::refunds::{admin, assert_balanced, balance_of, balances, login, paid};

#[tokio::test]
async fn a_refund_after_the_payout_is_taken_from_the_next_one() {
    let (app, _dir, clock) = spawn_with_clock().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    register(&app, "ops@example.com").await;
    admin(&app, "root@example.com").await;
    let listing = listing(&app, &host, true).await;
    // Five nights from 1 May, and two more from 20 May.
    let (first, _, _) = paid(&app, &guest, &listing, "2030-05-01", "2030-05-06").await;
    let (_, _, _) = paid(&app, &guest, &listing, "2030-05-20", "2030-05-22").await;

    // A day after the first check-in its host share is paid out.
    clock.set("2030-05-02T13:00:00Z".parse().unwrap());
    let root = login(&app, "root@example.com").await;
    let run = data(call(&app, Method::POST, &root, "/api/v1/admin/payouts/run", None).await).await;
    let paid_out = run["payouts"][0]["amount"].as_i64().unwrap();
    assert_eq!(
        (run["payouts"].as_array().unwrap().len(), run["payouts"][0]["status"].as_str()),
        (1, Some("paid")),
        "{run}"
    );

    // The guest leaves early: the unused nights go back, and so does the host's share of them,
    // which the host was already paid.
    let guest = login(&app, "guest@example.com").await;
    let cancelled =
        data(call(&app, Method::POST, &guest, &format!("/api/v1/reservations/{first}/cancel"), None).await).await;
    let refund = &cancelled["reservation"]["refund"];
    let still_owed = refund["hostPayout"].as_i64().unwrap();
    assert!(refund["amount"].as_i64().unwrap() > 0 && still_owed < paid_out, "{cancelled}");
    app.drain_events().await;
    let recovered = paid_out - still_owed;
    let host = login(&app, "host@example.com").await;
    let mine = data(call(&app, Method::GET, &host, "/api/v1/payouts", None).await).await;
    let pending = &mine["pending"][0];
    assert_eq!(pending["recoveries"].as_i64(), Some(recovered), "{mine}");
    let second_share = pending["earned"].as_i64().unwrap();
    assert_eq!(pending["amount"].as_i64(), Some(second_share - recovered));

    // The next payout nets the recovery; the host's ledger account ends at zero.
    clock.set("2030-05-21T13:00:00Z".parse().unwrap());
    let root = login(&app, "root@example.com").await;
    let run = data(call(&app, Method::POST, &root, "/api/v1/admin/payouts/run", None).await).await;
    assert_eq!(run["payouts"][0]["amount"].as_i64(), Some(second_share - recovered), "{run}");
    let host_id = run["payouts"][0]["hostId"].as_str().unwrap().to_owned();
    let balances = balances(&app, &root).await;
    assert_eq!(balance_of(&balances, &format!("host:{host_id}")), Some(0), "{balances}");
    assert_balanced(&app).await;
    let host = login(&app, "host@example.com").await;
    let mine = data(call(&app, Method::GET, &host, "/api/v1/payouts", None).await).await;
    assert_eq!(mine["pending"], json!([]), "{mine}");
}

#[tokio::test]
async fn hosts_register_where_they_are_paid() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let account = "/api/v1/payouts/account";
    let before = data(call(&app, Method::GET, &host, account, None).await).await;
    assert_eq!(before, json!({"provider": "sandbox", "account": null, "required": false}));
    for bad in [json!({"account": ""}), json!({"account": "a\u{0}b"}), json!({"account": "x".repeat(101)})] {
        expect_error(call(&app, Method::PUT, &host, account, Some(&bad)).await, 400, "validation_failed").await;
    }
    expect_error(call(&app, Method::PUT, &host, account, Some(&json!({"account": 5}))).await, 400, "validation_failed")
        .await;
    let set = json!({"account": "sandbox-host-1"});
    data(call(&app, Method::PUT, &host, account, Some(&set)).await).await;
    let after = data(call(&app, Method::GET, &host, account, None).await).await;
    assert_eq!(after["account"], "sandbox-host-1");
    assert_eq!(app.client.get(app.url(account)).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn operators_see_every_processor_call() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let root = admin(&app, "root@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (booked, payment, _) = paid(&app, &guest, &listing, "2030-05-01", "2030-05-06").await;
    data(call(&app, Method::POST, &guest, &format!("/api/v1/reservations/{booked}/cancel"), None).await).await;
    app.drain_events().await;

    let ops = data(call(&app, Method::GET, &root, "/api/v1/admin/payments/ops", None).await).await;
    let ops = ops["ops"].as_array().unwrap().clone();
    assert_eq!(ops.len(), 1, "the cancellation's refund: {ops:?}");
    assert_eq!((ops[0]["kind"].as_str(), ops[0]["status"].as_str()), (Some("refund"), Some("done")));
    assert_eq!(ops[0]["paymentIntentId"], payment.as_str());
    let failed = data(call(&app, Method::GET, &root, "/api/v1/admin/payments/ops?status=failed", None).await).await;
    assert_eq!(failed["ops"], json!([]));
    let run = data(call(&app, Method::POST, &root, "/api/v1/admin/payments/ops/run", None).await).await;
    assert_eq!(run["attempted"], 0, "nothing left to do");
    expect_error(
        call(&app, Method::GET, &root, "/api/v1/admin/payments/ops?status=x", None).await,
        400,
        "validation_failed",
    )
    .await;
    expect_error(call(&app, Method::GET, &guest, "/api/v1/admin/payments/ops", None).await, 403, "forbidden").await;
    expect_error(call(&app, Method::POST, &guest, "/api/v1/admin/payments/ops/run", None).await, 403, "forbidden")
        .await;
}
