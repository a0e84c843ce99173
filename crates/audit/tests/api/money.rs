//! Money events: a capture, a refund by an administrator (the manual adjustment and the
//! refund itself), a declined card — each with its amount.

use reqwest::Method;
use serde_json::json;
use testkit::accounts::{self, admin, register};

use crate::support::{entries, listing, of, paid, spawn};

#[tokio::test]
async fn a_capture_and_a_refund_are_money_entries_with_their_amounts() {
    let app = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let ops = admin(&app, "ops@example.com").await;
    let stay = listing(&app, &host).await;
    let (payment, total) = paid(&app, &guest, &stay).await;

    let captured = of(&app, &ops, "payment.succeeded", &payment).await;
    assert_eq!(captured.len(), 1, "{captured:?}");
    let c = &captured[0];
    assert_eq!((c["category"].as_str(), c["subjectType"].as_str()), (Some("money"), Some("payment")));
    assert_eq!((c["amount"].as_i64(), c["currency"].as_str()), (Some(total), Some("EUR")));
    assert_eq!(c["actorId"], guest.id.as_str(), "the payer paid");

    let refund = json!({"paymentIntentId": payment, "amount": 5000});
    let made =
        accounts::data(accounts::call(&app, Method::POST, &ops, "/api/v1/payment/refund", Some(&refund)).await).await;
    let refund_id = made["refundId"].as_str().unwrap();
    // The administrator's adjustment, then the refund the processor made.
    let asked = of(&app, &ops, "payment.refund", &payment).await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!((asked[0]["category"].as_str(), asked[0]["actorId"].as_str()), (Some("money"), Some(ops.id.as_str())));
    assert_eq!((asked[0]["amount"].as_i64(), asked[0]["detail"]["refundId"].as_str()), (Some(5000), Some(refund_id)));
    let done = of(&app, &ops, "refund.completed", refund_id).await;
    assert_eq!(done.len(), 1, "{done:?}");
    assert_eq!((done[0]["amount"].as_i64(), done[0]["subjectType"].as_str()), (Some(5000), Some("refund")));
    assert_eq!(done[0]["detail"]["paymentIntentId"], payment.as_str());

    let mut money: Vec<String> =
        entries(&app, &ops, "category=money").await.iter().map(|e| e["action"].as_str().unwrap().to_owned()).collect();
    assert_eq!(money.pop().as_deref(), Some("payment.succeeded"), "the oldest");
    money.sort();
    assert_eq!(money, ["payment.refund", "refund.completed"]);
}

#[tokio::test]
async fn a_declined_card_is_a_failed_payment() {
    let app = spawn().await;
    let host = register(&app, "host@example.com").await;
    let guest = register(&app, "guest@example.com").await;
    let ops = admin(&app, "ops@example.com").await;
    let stay = listing(&app, &host).await;
    let body = json!({"listingId": stay, "checkIn": "2030-05-01", "checkOut": "2030-05-03"});
    let r = accounts::data(accounts::post(&app, &guest, "/api/v1/reservations", &body).await).await;
    let ask =
        json!({"amount": r["reservation"]["total"], "currency": "eur", "bookingReference": r["reservation"]["id"]});
    let intent = accounts::data(accounts::post(&app, &guest, "/api/v1/payment/intent", &ask).await).await;
    let id = intent["paymentIntentId"].as_str().unwrap();
    let declined = json!({"paymentMethod": "pm_card_chargeDeclined"});
    let path = format!("/api/v1/payment/{id}/confirm");
    assert_eq!(accounts::call(&app, Method::POST, &guest, &path, Some(&declined)).await.status(), 402);
    let failed = of(&app, &ops, "payment.failed", id).await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(
        (failed[0]["category"].as_str(), failed[0]["amount"].as_i64()),
        (Some("money"), r["reservation"]["total"].as_i64())
    );
}
