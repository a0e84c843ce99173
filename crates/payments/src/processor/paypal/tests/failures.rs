//! What fails and how: retryable failures, refusals, bad credentials, an unreachable PayPal,
//! and what a client may see of the configuration.

use super::*;

#[tokio::test]
async fn failures_are_retryable_and_refusals_are_not() {
    let server = fake(|r| match r.header("paypal-request-id") {
        Some("po_500") => (500, json!({ "name": "INTERNAL_SERVER_ERROR", "message": "An internal error occurred" })),
        Some("po_503") => (503, json!("<html>Service Unavailable</html>")),
        Some("po_429") => (429, json!({ "name": "RATE_LIMIT_REACHED" })),
        Some("po_garbled") => (200, json!("not json")),
        Some("po_named") => (400, json!({ "name": "VALIDATION_ERROR", "message": format!("bad {SECRET}") })),
        _ => refusal(400, "RECEIVER_UNREGISTERED"),
    })
    .await;
    let paypal = paypal(&server);
    let transfer = |id| Transfer { id, destination: "nobody@example.com", amount: 1, currency: "EUR" };
    for id in ["po_500", "po_503", "po_429", "po_garbled"] {
        let err = paypal.transfer(&transfer(id)).await.unwrap_err();
        assert!(matches!(err, ProcessorError::Unavailable(_)) && err.retryable(), "{id}: {err:?}");
    }
    let err = paypal.transfer(&transfer("po_400")).await.unwrap_err();
    assert_eq!(
        err,
        ProcessorError::Rejected {
            code: "RECEIVER_UNREGISTERED".into(),
            message: "RECEIVER_UNREGISTERED happened.".into()
        }
    );
    assert!(!err.retryable());
    let err = paypal.transfer(&transfer("po_named")).await.unwrap_err();
    assert_eq!(err, ProcessorError::Rejected { code: "VALIDATION_ERROR".into(), message: "bad [redacted]".into() });
}

#[tokio::test]
async fn refused_credentials_and_an_unreachable_paypal() {
    let bad = Router::new().fallback(|| async {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client", "error_description": "Client Authentication failed" })),
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bad_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bad).await.unwrap() });
    let err = Paypal::new(&config(&bad_url), SECRET).unwrap().create(&new_payment(1, "EUR", false)).await.unwrap_err();
    assert_eq!(
        err,
        ProcessorError::Rejected { code: "invalid_client".into(), message: "Client Authentication failed".into() }
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = Paypal::new(&config(&gone), SECRET).unwrap().create(&new_payment(1, "EUR", false)).await.unwrap_err();
    assert!(err.retryable(), "{err:?}");
    assert!(!err.to_string().contains(SECRET));
}

#[test]
fn construction_and_what_clients_see() {
    let paypal = Paypal::new(&config("https://api-m.sandbox.paypal.com"), SECRET).unwrap();
    let debug = format!("{paypal:?}");
    assert!(!debug.contains(SECRET) && debug.contains("[redacted]"), "{debug}");
    assert_eq!(
        paypal.client_config(),
        json!({ "provider": "paypal", "clientId": "AppClientId", "publishableKey": null })
    );
    assert_eq!(paypal.name(), "paypal");
    assert!(paypal.needs_payout_account());
    assert!(Paypal::new(&PaypalConfig::default(), SECRET).is_err(), "no client id");
    assert!(Paypal::new(&config("https://x"), "").is_err(), "no secret");
}
