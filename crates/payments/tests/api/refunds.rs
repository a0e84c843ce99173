//! Refunds: from booking's cancellations, and by administrators — never beyond the capture.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

use crate::intents::{call, data, listing, register, reservation, spawn, spawn_with_clock};

/// A reservation paid with `pm_card_visa`; returns (reservation, payment intent, total).
pub async fn paid(app: &TestApp, guest: &str, listing: &str, check_in: &str, check_out: &str) -> (String, String, i64) {
    let (booked, total) = reservation(app, guest, listing, check_in, check_out).await;
    let ask = json!({"amount": total, "currency": "eur", "bookingReference": booked});
    let intent = data(call(app, Method::POST, guest, "/api/v1/payment/intent", Some(&ask)).await).await;
    let id = intent["paymentIntentId"].as_str().unwrap().to_owned();
    let confirm = json!({"paymentMethod": "pm_card_visa"});
    data(call(app, Method::POST, guest, &format!("/api/v1/payment/{id}/confirm"), Some(&confirm)).await).await;
    app.drain_events().await;
    (booked, id, total)
}

pub async fn admin(app: &TestApp, email: &str) -> String {
    let token = register(app, email).await;
    let me = data(call(app, Method::GET, &token, "/api/v1/auth/profile", None).await).await;
    let id: uuid::Uuid = me["user"]["id"].as_str().unwrap().parse().unwrap();
    platform::db::query("UPDATE users SET role = 'admin' WHERE id = $1")
        .bind(id)
        .execute(app.platform.db("identity").unwrap())
        .await
        .unwrap();
    let login = json!({"email": email, "password": "Password1!"});
    data(app.post_json("/api/v1/auth/login", &login).await).await["tokens"]["accessToken"].as_str().unwrap().to_owned()
}

async fn intent(app: &TestApp, token: &str, id: &str) -> Value {
    data(call(app, Method::GET, token, &format!("/api/v1/payment/{id}"), None).await).await
}

#[tokio::test]
async fn a_cancellation_refunds_what_the_policy_gives_back() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (booked, payment, total) = paid(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;

    // Moderate policy, four months before check-in: everything comes back.
    let cancelled =
        data(call(&app, Method::POST, &guest, &format!("/api/v1/reservations/{booked}/cancel"), None).await).await;
    assert_eq!(cancelled["reservation"]["refund"]["amount"].as_i64(), Some(total));
    app.drain_events().await;
    assert_eq!(intent(&app, &guest, &payment).await["amountRefunded"].as_i64(), Some(total));
    let r = data(call(&app, Method::GET, &guest, &format!("/api/v1/reservations/{booked}"), None).await).await;
    assert_eq!(r["reservation"]["refunded"].as_i64(), Some(total), "booking heard of the refund");
    // The ledger: capture then full refund leave every account at zero, each journal balanced.
    let ops = admin(&app, "ops@example.com").await;
    let balances = data(call(&app, Method::GET, &ops, "/api/v1/payment/ledger/balances", None).await).await;
    for b in balances["balances"].as_array().unwrap() {
        assert_eq!(b["balance"], 0, "{balances}");
    }
    assert_balanced(&app).await;
    // Nothing is left to pay the host for a reservation refunded in full.
    let mine = data(call(&app, Method::GET, &host, "/api/v1/payouts", None).await).await;
    assert_eq!(mine["pending"], json!([]), "{mine}");
}

/// The ledger's balances, as an administrator reads them.
pub async fn balances(app: &TestApp, admin: &str) -> Value {
    data(call(app, Method::GET, admin, "/api/v1/payment/ledger/balances", None).await).await
}

/// One account's balance, if it has entries.
pub fn balance_of(balances: &Value, account: &str) -> Option<i64> {
    balances["balances"].as_array()?.iter().find(|b| b["account"] == account).and_then(|b| b["balance"].as_i64())
}

/// Every journal of the ledger sums to zero.
pub async fn assert_balanced(app: &TestApp) {
    let (journals, unbalanced): (i64, i64) = platform::db::query(
        "SELECT CAST((SELECT COUNT(*) FROM ledger_journals) AS BIGINT), CAST((SELECT COUNT(*) FROM \
         (SELECT journal_id FROM ledger_entries GROUP BY journal_id HAVING SUM(amount) <> 0) AS u) AS BIGINT)",
    )
    .fetch_one(app.platform.db("payments").unwrap())
    .await
    .unwrap();
    assert!(journals > 0);
    assert_eq!(unbalanced, 0, "every journal sums to zero");
}

#[tokio::test]
async fn the_ledger_splits_a_capture_between_host_taxes_and_platform() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let ops = admin(&app, "ops@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (booked, _, total) = paid(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    let r = data(call(&app, Method::GET, &guest, &format!("/api/v1/reservations/{booked}"), None).await).await;
    let host_id = r["reservation"]["hostId"].as_str().unwrap().to_owned();
    // 2 × 10000 = 20000 base; the host is owed 20000 − 3 % = 19400; the platform keeps
    // 12 % of 20000 (2400) + 600 = 3000; the guest paid 22400.
    assert_eq!(total, 22400);
    let balances = balances(&app, &ops).await;
    let of = |account: &str| balance_of(&balances, account);
    assert_eq!(of("processor"), Some(22400));
    assert_eq!(of(&format!("host:{host_id}")), Some(-19400));
    assert_eq!(of("platform_revenue"), Some(-3000));
    expect_error(call(&app, Method::GET, &guest, "/api/v1/payment/ledger/balances", None).await, 403, "forbidden")
        .await;
    assert_balanced(&app).await;
}

#[tokio::test]
async fn administrators_refund_in_parts_up_to_the_capture() {
    let (app, _dir) = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let ops = admin(&app, "ops@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (_, payment, total) = paid(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;

    let part = json!({"paymentIntentId": payment, "amount": 1000, "reason": "duplicate"});
    expect_error(call(&app, Method::POST, &guest, "/api/v1/payment/refund", Some(&part)).await, 403, "forbidden").await;
    let first = data(call(&app, Method::POST, &ops, "/api/v1/payment/refund", Some(&part)).await).await;
    assert_eq!((first["amount"].as_i64(), first["status"].as_str()), (Some(1000), Some("succeeded")));
    let too_much = json!({"paymentIntentId": payment, "amount": total});
    expect_error(
        call(&app, Method::POST, &ops, "/api/v1/payment/refund", Some(&too_much)).await,
        409,
        "refund_exceeds_captured",
    )
    .await;
    // Without an amount: the rest.
    let rest = data(
        call(&app, Method::POST, &ops, "/api/v1/payment/refund", Some(&json!({"paymentIntentId": payment}))).await,
    )
    .await;
    assert_eq!(rest["amount"].as_i64(), Some(total - 1000));
    assert_eq!(intent(&app, &ops, &payment).await["amountRefunded"].as_i64(), Some(total));
    expect_error(
        call(
            &app,
            Method::POST,
            &ops,
            "/api/v1/payment/refund",
            Some(&json!({"paymentIntentId": payment, "amount": 1})),
        )
        .await,
        409,
        "refund_exceeds_captured",
    )
    .await;
    let bad = json!({"paymentIntentId": payment, "reason": "because"});
    expect_error(call(&app, Method::POST, &ops, "/api/v1/payment/refund", Some(&bad)).await, 400, "validation_failed")
        .await;
    let unknown = json!({"paymentIntentId": "pi_unknown"});
    expect_error(call(&app, Method::POST, &ops, "/api/v1/payment/refund", Some(&unknown)).await, 404, "not_found")
        .await;
}

pub async fn login(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "Password1!"});
    data(app.post_json("/api/v1/auth/login", &body).await).await["tokens"]["accessToken"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn hosts_are_paid_out_once_a_day_after_check_in() {
    let (app, _dir, clock) = spawn_with_clock().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let ops = admin(&app, "ops@example.com").await;
    let listing = listing(&app, &host, true).await;
    let (booked, _, _) = paid(&app, &guest, &listing, "2030-05-01", "2030-05-03").await;
    let r = data(call(&app, Method::GET, &guest, &format!("/api/v1/reservations/{booked}"), None).await).await;
    let host_id = r["reservation"]["hostId"].as_str().unwrap().to_owned();

    // Before check-in (2030-05-01 15:00 Paris = 13:00Z) + 24 h nothing is due.
    let run = data(call(&app, Method::POST, &ops, "/api/v1/admin/payouts/run", None).await).await;
    assert_eq!(run["payouts"], json!([]));
    let mine = data(call(&app, Method::GET, &host, "/api/v1/payouts", None).await).await;
    assert_eq!(mine["pending"][0]["amount"], 19400, "{mine}");
    assert_eq!(mine["pending"][0]["nextAvailableAt"], "2030-05-02T13:00:00Z");
    expect_error(call(&app, Method::POST, &host, "/api/v1/admin/payouts/run", None).await, 403, "forbidden").await;

    clock.set("2030-05-02T13:00:00Z".parse().unwrap());
    let ops = login(&app, "ops@example.com").await;
    let run = data(call(&app, Method::POST, &ops, "/api/v1/admin/payouts/run", None).await).await;
    assert_eq!(run["payouts"][0]["amount"], 19400, "{run}");
    assert_eq!(run["payouts"][0]["hostId"], host_id.as_str());
    let again = data(call(&app, Method::POST, &ops, "/api/v1/admin/payouts/run", None).await).await;
    assert_eq!(again["payouts"], json!([]), "never paid twice");
    let host = login(&app, "host@example.com").await;
    let mine = data(call(&app, Method::GET, &host, "/api/v1/payouts", None).await).await;
    assert_eq!(
        (mine["payouts"][0]["amount"].as_i64(), mine["pending"].as_array().map(Vec::len)),
        (Some(19400), Some(0))
    );

    // The ledger: the host is owed nothing more; the processor keeps the platform's 3 000.
    let balances = balances(&app, &ops).await;
    let of = |account: &str| balance_of(&balances, account);
    assert_eq!(of(&format!("host:{host_id}")), Some(0));
    assert_eq!((of("processor"), of("platform_revenue")), (Some(3000), Some(-3000)));
    assert_balanced(&app).await;

    // The report, from the ledger: 22 400 captured, 3 000 of fees, 19 400 paid out.
    let stats =
        data(call(&app, Method::GET, &ops, "/api/v1/payment/stats?from=2030-01-01&to=2030-06-01", None).await).await;
    assert_eq!(
        stats["currencies"],
        json!([{"currency": "EUR", "payments": 1, "gross": 22400, "refunds": 0, "fees": 3000, "net": 22400, "payouts": 19400}])
    );
    let csv =
        call(&app, Method::GET, &ops, "/api/v1/payment/reports/financial.csv?from=2030-01-01&to=2030-06-01", None)
            .await;
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "period_start,period_end,currency,payments,gross,fees,refunds,net,payouts");
    assert!(rows[1].ends_with(",EUR,1,22400,3000,0,22400,19400"), "{text}");
    expect_error(call(&app, Method::GET, &host, "/api/v1/payment/stats", None).await, 403, "forbidden").await;

    // The audit log: who moved what, from which request; the platform's own moves have no actor.
    let log = data(call(&app, Method::GET, &ops, "/api/v1/payment/audit", None).await).await;
    let entries = log["entries"].as_array().unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e["action"].as_str().unwrap()).collect();
    // The guest asked (created, confirm); the sandbox's answer came back as a webhook
    // (succeeded) and the payout run paid the host: those two are the platform's.
    assert_eq!(actions, ["payout", "payment.succeeded", "payment.confirm", "payment.created"], "{log}");
    assert!(entries[1]["actorId"].is_null() && entries[2]["actorId"] == entries[3]["actorId"], "{log}");
    let created = &entries[3];
    assert_eq!(created["amount"], 22400);
    assert!(
        created["actorId"].is_string() && created["requestId"].as_str().is_some_and(|r| !r.is_empty()),
        "{created}"
    );
    assert!(entries[0]["actorId"].is_null(), "payouts are the platform's: {log}");
    expect_error(call(&app, Method::GET, &host, "/api/v1/payment/audit", None).await, 403, "forbidden").await;
    expect_error(
        call(&app, Method::GET, &ops, "/api/v1/payment/stats?from=later", None).await,
        400,
        "validation_failed",
    )
    .await;
}
