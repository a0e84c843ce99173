//! Money news through the real contexts: a card refused, a payment received and a refund tell
//! the payer (inbox and email, in their language, the amount in their format and the booking's
//! reference); a payout tells the host. Turning a type's email off keeps the inbox notice and
//! sends no mail.

use reqwest::Method;
use serde_json::json;

use crate::sends_kit::*;
use crate::support;

#[tokio::test]
async fn a_refused_card_a_payment_and_a_refund_each_tell_the_payer_by_inbox_and_mail() {
    let kit = spawn().await;
    let (_, listing) = host_with_flat(&kit, "pay-host@example.com", "15:00").await;
    let guest = support::register(&kit, "pay-guest@example.com").await;
    let (reservation, total) = reserve(&kit, &guest, &listing, "2030-05-01", "2030-05-03").await;
    // 2 nights at 100.00 and the 12 % guest fee.
    assert_eq!(total, 22400);
    let reference = reference(&reservation);

    let pi = intent(&kit, &guest, &reservation, total).await;
    assert_eq!(pay_with(&kit, &guest, &pi, "pm_card_chargeDeclined").await, 402);
    let failed = notices(&kit, &guest, "payment_failed").await;
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(
        (failed[0]["type"].as_str(), failed[0]["title"].as_str()),
        (Some("PAYMENT_FAILED"), Some("Payment failed"))
    );
    assert_eq!(
        failed[0]["message"],
        format!(
            "Your payment of 224.00 EUR for booking {reference} did not go through. Please try again or use another \
             payment method."
        )
    );
    let mail = mail_to(&kit, "pay-guest@example.com", "Payment failed").await;
    assert!(mail.text.contains("224.00 EUR") && mail.text.contains(&reference), "{mail:?}");

    assert_eq!(pay_with(&kit, &guest, &pi, "pm_card_visa").await, 200);
    let received = notices(&kit, &guest, "payment_received").await;
    assert_eq!(received.len(), 1, "{received:?}");
    let n = &received[0];
    assert_eq!((n["type"].as_str(), n["title"].as_str()), (Some("PAYMENT_RECEIVED"), Some("Payment received")));
    assert_eq!(n["message"], format!("We received your payment of 224.00 EUR for booking {reference}."));
    assert_eq!(n["metadata"]["event"], "payment.succeeded");
    assert_eq!(n["metadata"]["reservationId"], reservation.as_str());
    assert_eq!(n["metadata"]["paymentIntentId"], pi.as_str());
    let mail = mail_to(&kit, "pay-guest@example.com", "Payment received").await;
    assert!(mail.text.contains("224.00 EUR") && mail.text.contains(&reference), "{mail:?}");

    // The guest cancels four months ahead (flexible policy): everything comes back.
    let path = format!("/api/v1/reservations/{reservation}/cancel");
    let (status, cancelled) = support::send(&kit, Method::POST, &path, &guest.token, None).await;
    assert_eq!(status, 200, "{cancelled}");
    kit.drain_events().await;
    kit.drain_events().await;
    let refunds = notices(&kit, &guest, "refund_processed").await;
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(
        (refunds[0]["type"].as_str(), refunds[0]["title"].as_str()),
        (Some("REFUND_PROCESSED"), Some("Refund processed"))
    );
    assert!(
        refunds[0]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("224.00 EUR has been refunded to you for booking {reference}.")),
        "{}",
        refunds[0]
    );
    let mail = mail_to(&kit, "pay-guest@example.com", "Refund processed").await;
    assert!(mail.text.contains("224.00 EUR"), "{mail:?}");

    // Each news came once, even though payments announces a refund twice (`refund.completed`).
    for subject in ["Payment failed", "Payment received", "Refund processed"] {
        assert_eq!(mails_to(&kit, "pay-guest@example.com", subject).len(), 1, "{subject}");
    }
    // The host heard none of the guest's money news.
    let host = login(&kit, "pay-host@example.com").await;
    for kind in ["payment_failed", "payment_received", "refund_processed"] {
        assert!(notices(&kit, &host, kind).await.is_empty(), "{kind}");
    }
}

#[tokio::test]
async fn a_french_payer_reads_french_and_the_host_hears_of_the_payout() {
    let kit = spawn().await;
    let (_, listing) = host_with_flat(&kit, "payout-host@example.com", "15:00").await;
    let guest = support::register(&kit, "payout-guest@example.com").await;
    support::speaks(&kit, &guest, "fr").await;
    let (reservation, _) = paid(&kit, &guest, &listing, "2030-02-01", "2030-02-03").await;
    let reference = reference(&reservation);

    let n = &notices(&kit, &guest, "payment_received").await[0];
    assert_eq!(n["title"], "Paiement reçu");
    assert_eq!(
        n["message"],
        format!("Nous avons bien reçu votre paiement de 224,00 EUR pour la réservation {reference}.")
    );
    let mail = mail_to(&kit, "payout-guest@example.com", "Paiement reçu").await;
    assert!(mail.text.contains("224,00 EUR") && mail.text.contains(&reference), "{mail:?}");

    // A day after check-in the host's share is payable; an administrator runs the payouts.
    kit.set_clock("2030-02-02T16:00:00Z");
    let root = support::admin(&kit, "payout-root@example.com").await;
    let run = support::data(&kit, Method::POST, "/api/v1/admin/payouts/run", &root.token, None).await;
    let payout = &run["payouts"][0];
    assert_eq!(payout["status"], "paid", "{run}");
    let amount = payout["amount"].as_i64().unwrap();
    kit.drain_events().await;
    let host = login(&kit, "payout-host@example.com").await;
    let sent = notices(&kit, &host, "payout_sent").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let n = &sent[0];
    // DreamScape's clients know no payouts: a payout reads as money received.
    assert_eq!(
        (n["kind"].as_str(), n["type"].as_str(), n["title"].as_str()),
        (Some("payout_sent"), Some("PAYMENT_RECEIVED"), Some("Payout sent"))
    );
    let shown = format!("{}.{:02} EUR", amount / 100, amount % 100);
    assert_eq!(
        n["message"],
        format!("We sent you a payout of {shown} for 1 reservation. It can take a few days to reach your account.")
    );
    assert_eq!(n["metadata"]["event"], "payout.paid");
    assert_eq!(n["metadata"]["payoutId"], payout["id"]);
    let mail = mail_to(&kit, "payout-host@example.com", "Payout sent").await;
    assert!(mail.text.contains(&shown), "{mail:?}");
    // `payment_received` does not match a payout: the filter is exact.
    assert!(notices(&kit, &host, "payment_received").await.is_empty());
}

#[tokio::test]
async fn with_the_email_of_a_type_off_the_notice_stays_and_no_mail_goes() {
    let kit = spawn().await;
    let (_, listing) = host_with_flat(&kit, "quiet-host@example.com", "15:00").await;
    let guest = support::register(&kit, "quiet-guest@example.com").await;
    set_channels(&kit, &guest, json!({"payment_succeeded": {"email": false}})).await;
    paid(&kit, &guest, &listing, "2030-05-01", "2030-05-03").await;

    assert_eq!(notices(&kit, &guest, "payment_received").await.len(), 1, "the inbox still has it");
    assert!(email_deliveries(&kit, &guest, "payment_received").await.is_empty(), "no mail was queued");
    // The booking's own mail (another preference) went; the worker is past the payment's time.
    mail_to(&kit, "quiet-guest@example.com", "Your booking is confirmed").await;
    worker_caught_up(&kit, &guest, "quiet-guest@example.com", "Marker after the payment").await;
    assert!(mails_to(&kit, "quiet-guest@example.com", "Payment received").is_empty());
}
