//! The monthly statement ties out to payments' ledger: its closing movement is minus the
//! month's sum of the host's ledger entries, per currency, to the cent, and each line matches
//! the ledger's entries of that kind.

use serde_json::Value;

use crate::support::{App, Scenario, data, get, int};

fn line<'a>(s: &'a Value, c: &str) -> &'a Value {
    s["currencies"].as_array().unwrap().iter().find(|l| l["currency"] == c).unwrap_or_else(|| panic!("{c} in {s}"))
}

async fn ledger(app: &App, s: &Scenario, host: &str, from: &str, to: &str) -> Value {
    let path = format!("/api/v1/payment/ledger/account?account=host:{host}&from={from}&to={to}");
    data(get(app, &s.admin, &path).await).await
}

fn kind(ledger: &Value, c: &str, k: &str) -> i64 {
    line(ledger, c)["kinds"][k]["sum"].as_i64().unwrap_or(0)
}

pub async fn check_statement(app: &App, s: &Scenario) {
    let host = s.r1["hostId"].as_str().unwrap().to_owned();
    let march = data(get(app, &s.host, "/api/v1/analytics/host/statements/2026-03").await).await;
    assert_eq!((march["timezone"].as_str(), march["from"].as_str()), (Some("UTC"), Some("2026-03-01T00:00:00Z")));
    let book = ledger(app, s, &host, "2026-03-01", "2026-04-01").await;
    for c in ["EUR", "USD"] {
        let (st, lg) = (line(&march, c), line(&book, c));
        assert_eq!(int(&st["closingMovement"]), -int(&lg["sum"]), "{c}: {st} vs {lg}");
        assert_eq!(int(&st["hostAccountChange"]), int(&lg["sum"]));
        assert_eq!(int(&st["bookings"]["earnings"]), -kind(&book, c, "capture"), "{c}");
        assert_eq!(int(&st["refunds"]["hostShare"]), kind(&book, c, "refund"), "{c}");
        assert_eq!(int(&st["payouts"]["amount"]), kind(&book, c, "payout"), "{c}");
    }
    // By hand: March's EUR capture is R1, its refund R3's, its payout the February stay's.
    let eur = line(&march, "EUR");
    let q1 = &s.r1["quote"];
    assert_eq!((int(&eur["bookings"]["count"]), int(&eur["bookings"]["guestTotal"])), (1, int(&q1["guestTotal"])));
    assert_eq!(
        (int(&eur["bookings"]["hostFees"]), int(&eur["bookings"]["earnings"])),
        (int(&q1["hostFee"]), int(&q1["hostPayout"]))
    );
    let refunded = int(&s.refund["amount"]);
    assert!(refunded > 0 && refunded < int(&s.r3["quote"]["guestTotal"]), "a partial refund: {}", s.refund);
    let share = int(&s.r3["quote"]["hostPayout"]) - int(&s.refund["hostPayout"]);
    assert_eq!(
        (int(&eur["refunds"]["count"]), int(&eur["refunds"]["guestAmount"]), int(&eur["refunds"]["hostShare"])),
        (1, refunded, share)
    );
    assert_eq!((int(&eur["payouts"]["count"]), int(&eur["payouts"]["amount"])), (1, int(&s.r2["quote"]["hostPayout"])));
    assert_eq!(int(&eur["closingMovement"]), int(&q1["hostPayout"]) - share - int(&s.r2["quote"]["hostPayout"]));
    let usd = line(&march, "USD");
    assert_eq!(int(&usd["closingMovement"]), 0, "captured and paid out in March: {usd}");
    assert_eq!(s.payouts["payouts"].as_array().unwrap().len(), 2, "{}", s.payouts);

    // February: R2's and R3's captures, nothing paid yet.
    let feb = data(get(app, &s.host, "/api/v1/analytics/host/statements/2026-02").await).await;
    let book = ledger(app, s, &host, "2026-02-01", "2026-03-01").await;
    let eur = line(&feb, "EUR");
    assert_eq!(int(&eur["bookings"]["count"]), 2);
    assert_eq!(int(&eur["closingMovement"]), -int(&line(&book, "EUR")["sum"]));
    assert_eq!(int(&eur["closingMovement"]), int(&s.r2["quote"]["hostPayout"]) + int(&s.r3["quote"]["hostPayout"]));

    // The CSV: amounts in major units, the time zone stated.
    let r = get(app, &s.host, "/api/v1/analytics/host/statements/2026-03.csv").await;
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"statement-2026-03.csv\"");
    let text = r.text().await.unwrap();
    let closing = int(&line(&march, "EUR")["closingMovement"]);
    let sign = if closing < 0 { "-" } else { "" };
    let expected =
        format!("{host},2026-03,UTC,EUR,closing_movement,{sign}{}.{:02}\r\n", closing.abs() / 100, closing.abs() % 100);
    assert!(text.starts_with("host_id,month,timezone,currency,line,value\r\n") && text.contains(&expected), "{text}");

    // An administrator reads it for the host; another host's is empty.
    let as_admin =
        data(get(app, &s.admin, &format!("/api/v1/analytics/host/statements/2026-03?hostId={host}")).await).await;
    assert_eq!(as_admin, march);
    let empty = data(get(app, &s.admin, "/api/v1/analytics/host/statements/2026-03").await).await;
    assert_eq!(empty["currencies"], serde_json::json!([]));
}
