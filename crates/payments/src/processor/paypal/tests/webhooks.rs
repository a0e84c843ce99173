//! Webhook deliveries: PayPal verifies the signature on the event as delivered, and events map
//! to payment states.

use super::*;

fn signed(transmission: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("paypal-auth-algo", "SHA256withRSA"),
        ("paypal-cert-url", "https://api.paypal.com/v1/notifications/certs/CERT-1"),
        ("paypal-transmission-id", transmission),
        ("paypal-transmission-sig", "c2lnbmF0dXJl"),
        ("paypal-transmission-time", "2026-01-01T10:00:00Z"),
    ] {
        headers.insert(name, HeaderValue::from_str(value).unwrap());
    }
    headers
}

#[tokio::test]
async fn webhooks_are_verified_by_paypal_with_the_event_as_delivered() {
    let server = fake(|r| {
        let status = if r.json()["transmission_id"] == "T-good" { "SUCCESS" } else { "FAILURE" };
        (200, json!({ "verification_status": status }))
    })
    .await;
    let paypal = paypal(&server);
    // Keys deliberately out of alphabetical order: the event must be passed on untouched.
    let event = r#"{"id":"WH-1","event_type":"PAYMENT.CAPTURE.COMPLETED","resource":{"zeta":1,"alpha":"é"}}"#;
    assert!(paypal.verify_webhook(&signed("T-good"), event.as_bytes()).await.unwrap());
    assert!(!paypal.verify_webhook(&signed("T-forged"), event.as_bytes()).await.unwrap());
    let calls = server.calls();
    assert_eq!(calls.len(), 2);
    assert!(calls[0].is("POST", "/v1/notifications/verify-webhook-signature"));
    assert_eq!(calls[0].header("authorization"), Some("Bearer A21-1"));
    assert_eq!(calls[0].header("content-type"), Some("application/json"));
    assert_eq!(calls[0].header("paypal-request-id"), None, "a request id from the sender's headers could replay");
    assert!(calls[0].body.ends_with(&format!(",\"webhook_event\":{event}}}")), "{}", calls[0].body);
    assert_eq!(
        calls[0].json(),
        json!({
            "auth_algo": "SHA256withRSA",
            "cert_url": "https://api.paypal.com/v1/notifications/certs/CERT-1",
            "transmission_id": "T-good",
            "transmission_sig": "c2lnbmF0dXJl",
            "transmission_time": "2026-01-01T10:00:00Z",
            "webhook_id": "WH-ID-1",
            "webhook_event": serde_json::from_str::<Value>(event).unwrap(),
        })
    );

    // Unsigned, unreadable, or with no webhook to verify against: not PayPal's, unasked.
    let mut unsigned = signed("T-good");
    unsigned.remove("paypal-transmission-sig");
    assert!(!paypal.verify_webhook(&unsigned, event.as_bytes()).await.unwrap());
    assert!(!paypal.verify_webhook(&signed("T-good"), b"not json").await.unwrap());
    let no_webhook = Paypal::new(&PaypalConfig { webhook_id: None, ..config(&server.url) }, SECRET).unwrap();
    assert!(!no_webhook.verify_webhook(&signed("T-good"), event.as_bytes()).await.unwrap());
    assert_eq!(server.calls().len(), 2);
}

fn event(kind: &str, resource_id: &str) -> Value {
    json!({ "id": "WH-EVT-1", "event_type": kind, "resource": { "id": resource_id, "status": "X",
        "supplementary_data": { "related_ids": { "order_id": "ORDER-1" } } } })
}

#[test]
fn webhook_events_map_to_payment_states() {
    let effect = |kind, id| webhook_effect(&event(kind, id));
    let expect = |status, data| Some(("WH-EVT-1".to_owned(), "ORDER-1".to_owned(), status, data));
    assert_eq!(
        effect("PAYMENT.CAPTURE.COMPLETED", "CAP-1"),
        expect(Status::Succeeded, json!({ "captureId": "CAP-1" }))
    );
    assert_eq!(effect("PAYMENT.CAPTURE.PENDING", "CAP-1"), expect(Status::Processing, json!({ "captureId": "CAP-1" })));
    for kind in ["PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.DECLINED"] {
        assert_eq!(
            effect(kind, "CAP-1"),
            expect(Status::Declined { code: "capture_denied".into() }, json!({ "captureId": "CAP-1" }))
        );
    }
    assert_eq!(
        effect("PAYMENT.AUTHORIZATION.CREATED", "AUTH-1"),
        expect(Status::Authorized, json!({ "authorizationId": "AUTH-1" }))
    );
    assert_eq!(
        effect("PAYMENT.AUTHORIZATION.VOIDED", "AUTH-1"),
        expect(Status::Canceled, json!({ "authorizationId": "AUTH-1" }))
    );
    assert_eq!(effect("CHECKOUT.ORDER.APPROVED", "ORDER-1"), None);
    assert_eq!(effect("PAYMENT.CAPTURE.REFUNDED", "CAP-1"), None);
    let mut orphan = event("PAYMENT.CAPTURE.COMPLETED", "CAP-1");
    orphan["resource"]["supplementary_data"] = json!({});
    assert_eq!(webhook_effect(&orphan), None, "no order to apply it to");
}
