//! The client against a local fake of the API that records each request.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::*;

const SECRET: &str = "sk_test_51SecretKey";

/// One request the fake Stripe received.
#[derive(Debug, Clone)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn form(&self) -> Vec<(String, String)> {
        let url = reqwest::Url::parse(&format!("http://x/?{}", self.body)).unwrap();
        url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
    }

    fn field(&self, key: &str) -> Option<String> {
        self.form().into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

type Answer = Arc<dyn Fn(&Seen) -> (u16, Value) + Send + Sync>;
type Log = Arc<Mutex<Vec<Seen>>>;

#[derive(Clone)]
struct Fake {
    log: Log,
    answer: Answer,
}

async fn record(State(fake): State<Fake>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let seen = Seen { method, path: uri.path().to_owned(), headers, body: String::from_utf8_lossy(&body).into() };
    let (status, value) = (fake.answer)(&seen);
    fake.log.lock().unwrap().push(seen);
    let status = StatusCode::from_u16(status).unwrap();
    match value {
        // A bare string is sent as is: an unreadable body.
        Value::String(raw) => (status, raw).into_response(),
        value => (status, axum::Json(value)).into_response(),
    }
}

/// A fake Stripe answering with `answer`; its base URL (with a trailing slash) and its log.
async fn fake(answer: impl Fn(&Seen) -> (u16, Value) + Send + Sync + 'static) -> (String, Log) {
    let log = Log::default();
    let app = Router::new().fallback(record).with_state(Fake { log: log.clone(), answer: Arc::new(answer) });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, log)
}

fn stripe(base_url: &str) -> Stripe {
    let config = StripeConfig {
        base_url: base_url.into(),
        publishable_key: Some("pk_test_123".into()),
        timeout_secs: 5,
        ..StripeConfig::default()
    };
    Stripe::new(&config, SECRET).unwrap()
}

fn requests(log: &Log) -> Vec<Seen> {
    log.lock().unwrap().clone()
}

fn intent(status: &str) -> Value {
    json!({ "id": "pi_3Stripe", "object": "payment_intent", "status": status, "client_secret": "pi_3Stripe_secret_x" })
}

fn payment(data: &Value) -> PaymentRef<'_> {
    PaymentRef { id: "pi_ours", reference: "pi_3Stripe", amount: 12345, currency: "EUR", manual_capture: false, data }
}

fn new_payment(manual_capture: bool) -> NewPayment<'static> {
    NewPayment {
        id: "pi_ours",
        amount: 12345,
        currency: "EUR",
        manual_capture,
        reservation: Uuid::nil(),
        booking_reference: "SJ-ABC123",
    }
}

#[tokio::test]
async fn create_sends_the_form_with_auth_version_and_idempotency_key() {
    let (url, log) = fake(|_| (200, intent("requires_payment_method"))).await;
    let stripe = stripe(&url);
    let created = stripe.create(&new_payment(true)).await.unwrap();
    assert_eq!(
        created,
        Created {
            reference: "pi_3Stripe".into(),
            client_secret: "pi_3Stripe_secret_x".into(),
            approval_url: None,
            data: json!({}),
        }
    );
    let seen = requests(&log);
    assert_eq!(seen.len(), 1);
    let r = &seen[0];
    assert_eq!((&r.method, r.path.as_str()), (&Method::POST, "/v1/payment_intents"));
    assert_eq!(r.header("authorization"), Some("Bearer sk_test_51SecretKey"));
    assert_eq!(r.header("stripe-version"), Some("2024-06-20"));
    assert_eq!(r.header("idempotency-key"), Some("create-pi_ours"));
    assert_eq!(r.header("content-type"), Some("application/x-www-form-urlencoded"));
    let expected: Vec<(String, String)> = [
        ("amount", "12345"),
        ("currency", "eur"),
        ("capture_method", "manual"),
        ("payment_method_types[]", "card"),
        ("metadata[payment_id]", "pi_ours"),
        ("metadata[reservation_id]", "00000000-0000-0000-0000-000000000000"),
        ("metadata[booking_reference]", "SJ-ABC123"),
        ("description", "Booking SJ-ABC123"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    assert_eq!(r.form(), expected);
}

#[tokio::test]
async fn a_repeated_call_sends_the_same_idempotency_key() {
    let (url, log) = fake(|_| (200, intent("requires_payment_method"))).await;
    let stripe = stripe(&url);
    stripe.create(&new_payment(false)).await.unwrap();
    stripe.create(&new_payment(false)).await.unwrap();
    let data = json!({});
    stripe.capture(&payment(&data), "cap_1").await.unwrap();
    stripe.capture(&payment(&data), "cap_1").await.unwrap();
    let keys: Vec<_> = requests(&log).iter().map(|r| r.header("idempotency-key").unwrap().to_owned()).collect();
    assert_eq!(keys, ["create-pi_ours", "create-pi_ours", "cap_1", "cap_1"]);
    assert_eq!(requests(&log)[0].field("capture_method").as_deref(), Some("automatic"));
}

#[tokio::test]
async fn confirm_maps_the_intent_status() {
    let (url, log) = fake(|r| match r.field("payment_method").as_deref() {
        Some("pm_card_visa") => (200, intent("succeeded")),
        Some("pm_card_manual") => (200, intent("requires_capture")),
        Some("pm_card_threeDSecure2Required") => {
            let mut i = intent("requires_action");
            i["next_action"] = json!({ "type": "redirect_to_url",
                "redirect_to_url": { "url": "https://hooks.stripe.com/3ds", "return_url": "https://x" } });
            (200, i)
        }
        Some("pm_card_sdk") => {
            let mut i = intent("requires_action");
            i["next_action"] = json!({ "type": "use_stripe_sdk", "use_stripe_sdk": {} });
            (200, i)
        }
        Some("pm_card_slow") => (200, intent("processing")),
        Some("pm_card_failed") => {
            let mut i = intent("requires_payment_method");
            i["last_payment_error"] = json!({ "code": "card_declined", "decline_code": "lost_card" });
            (200, i)
        }
        Some("pm_card_chargeDeclinedInsufficientFunds") => (
            402,
            json!({ "error": { "type": "card_error", "code": "card_declined",
                "decline_code": "insufficient_funds", "message": "Your card has insufficient funds." } }),
        ),
        Some("pm_card_chargeDeclinedExpiredCard") => {
            (402, json!({ "error": { "type": "card_error", "code": "expired_card", "message": "Expired." } }))
        }
        _ => (200, intent("canceled")),
    })
    .await;
    let stripe = stripe(&url);
    let data = json!({});
    let confirm = |m| {
        let stripe = &stripe;
        let data = &data;
        async move { stripe.confirm(&payment(data), m).await.unwrap().status }
    };
    assert_eq!(confirm(Some("pm_card_visa")).await, Status::Succeeded);
    assert_eq!(confirm(Some("pm_card_manual")).await, Status::Authorized);
    assert_eq!(
        confirm(Some("pm_card_threeDSecure2Required")).await,
        Status::RequiresAction { url: Some("https://hooks.stripe.com/3ds".into()) }
    );
    assert_eq!(confirm(Some("pm_card_sdk")).await, Status::RequiresAction { url: None });
    assert_eq!(confirm(Some("pm_card_slow")).await, Status::Processing);
    assert_eq!(confirm(Some("pm_card_failed")).await, Status::Declined { code: "lost_card".into() });
    assert_eq!(
        confirm(Some("pm_card_chargeDeclinedInsufficientFunds")).await,
        Status::Declined { code: "insufficient_funds".into() }
    );
    assert_eq!(
        confirm(Some("pm_card_chargeDeclinedExpiredCard")).await,
        Status::Declined { code: "expired_card".into() }
    );
    assert_eq!(confirm(None).await, Status::Canceled);

    let seen = requests(&log);
    assert!(seen.iter().all(|r| r.method == Method::POST && r.path == "/v1/payment_intents/pi_3Stripe/confirm"));
    assert_eq!(seen[0].header("idempotency-key"), Some("confirm-pi_ours-pm_card_visa"));
    assert_eq!(seen[0].form(), [("payment_method".to_owned(), "pm_card_visa".to_owned())]);
    assert_eq!(seen[8].header("idempotency-key"), Some("confirm-pi_ours-none"));
    assert_eq!(seen[8].body, "");
}

#[tokio::test]
async fn each_answered_confirmation_is_a_new_attempt() {
    let (url, log) = fake(|_| (200, intent("requires_action"))).await;
    let stripe = stripe(&url);
    let first = stripe.confirm(&payment(&json!({})), Some("pm_card_visa")).await.unwrap();
    assert_eq!(first.data, json!({ "attempt": 1 }));
    let second = stripe.confirm(&payment(&json!({ "attempt": 1, "other": true })), None).await.unwrap();
    assert_eq!(second.data, json!({ "attempt": 2 }));
    let keys: Vec<_> = requests(&log).iter().map(|r| r.header("idempotency-key").unwrap().to_owned()).collect();
    assert_eq!(keys, ["confirm-pi_ours-pm_card_visa", "confirm-pi_ours-none-1"]);
}

#[tokio::test]
async fn confirm_refuses_what_is_not_a_payment_method_id() {
    let (url, log) = fake(|_| (200, intent("succeeded"))).await;
    let stripe = stripe(&url);
    for method in ["", "pm_card\nvisa", "4242 4242 4242 4242", &"x".repeat(101)] {
        let err = stripe.confirm(&payment(&json!({})), Some(method)).await.unwrap_err();
        assert!(matches!(&err, ProcessorError::Rejected { code, .. } if code == "invalid_payment_method"), "{err:?}");
    }
    assert!(requests(&log).is_empty());
}

#[tokio::test]
async fn confirming_a_confirmed_intent_reports_where_it_stands() {
    let (url, _) = fake(|_| {
        (
            400,
            json!({ "error": { "type": "invalid_request_error", "code": "payment_intent_unexpected_state",
                "message": "This PaymentIntent's status is succeeded.", "payment_intent": intent("succeeded") } }),
        )
    })
    .await;
    let outcome = stripe(&url).confirm(&payment(&json!({})), Some("pm_card_visa")).await.unwrap();
    assert_eq!(outcome.status, Status::Succeeded);
}

#[tokio::test]
async fn capture_and_cancel_post_to_the_intent_with_the_key() {
    let (url, log) = fake(|r| match r.path.rsplit('/').next() {
        Some("capture") => (200, intent("succeeded")),
        _ => (200, intent("canceled")),
    })
    .await;
    let stripe = stripe(&url);
    let data = json!({});
    let outcome = stripe.capture(&payment(&data), "capture-pi_ours").await.unwrap();
    assert_eq!(outcome, Outcome::of(Status::Succeeded));
    stripe.cancel(&payment(&data), "cancel-pi_ours").await.unwrap();
    let seen = requests(&log);
    assert_eq!(seen[0].path, "/v1/payment_intents/pi_3Stripe/capture");
    assert_eq!(seen[0].header("idempotency-key"), Some("capture-pi_ours"));
    assert_eq!(seen[1].method, Method::POST);
    assert_eq!(seen[1].path, "/v1/payment_intents/pi_3Stripe/cancel");
    assert_eq!(seen[1].header("idempotency-key"), Some("cancel-pi_ours"));
    assert!(seen.iter().all(|r| r.header("authorization") == Some("Bearer sk_test_51SecretKey")));
}

fn unexpected(status: Option<&str>) -> Value {
    let mut error = json!({ "type": "invalid_request_error", "code": "payment_intent_unexpected_state",
        "message": "You cannot cancel this PaymentIntent because it has a status of canceled." });
    if let Some(status) = status {
        error["payment_intent"] = intent(status);
    }
    json!({ "error": error })
}

#[tokio::test]
async fn cancelling_a_canceled_intent_is_fine_and_a_captured_one_is_not() {
    let (url, log) = fake(|r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v1/payment_intents/pi_canceled/cancel") => (400, unexpected(Some("canceled"))),
        ("POST", "/v1/payment_intents/pi_bare/cancel") => (400, unexpected(None)),
        ("GET", "/v1/payment_intents/pi_bare") => (200, intent("canceled")),
        ("POST", "/v1/payment_intents/pi_captured/capture") => (400, unexpected(Some("succeeded"))),
        _ => (400, unexpected(Some("succeeded"))),
    })
    .await;
    let stripe = stripe(&url);
    let data = json!({});
    let with = |reference| PaymentRef { reference, ..payment(&data) };
    stripe.cancel(&with("pi_canceled"), "k1").await.unwrap();
    stripe.cancel(&with("pi_bare"), "k2").await.unwrap();
    assert_eq!(requests(&log)[2].path, "/v1/payment_intents/pi_bare");
    let err = stripe.cancel(&with("pi_captured"), "k3").await.unwrap_err();
    assert!(
        matches!(&err, ProcessorError::Rejected { code, .. } if code == "payment_intent_unexpected_state"),
        "{err:?}"
    );
    // Capturing what is already captured is what was asked.
    assert_eq!(stripe.capture(&with("pi_captured"), "k4").await.unwrap().status, Status::Succeeded);
}

#[tokio::test]
async fn refunds_carry_the_intent_amount_reason_and_our_id() {
    let (url, log) = fake(|r| match r.field("metadata[refund_id]").as_deref() {
        Some("ref_bad") => {
            (200, json!({ "id": "re_2", "status": "failed", "failure_reason": "expired_or_canceled_card" }))
        }
        Some("ref_gone") => (200, json!({ "id": "re_3", "status": "canceled" })),
        _ => (200, json!({ "id": "re_1", "object": "refund", "status": "succeeded" })),
    })
    .await;
    let stripe = stripe(&url);
    let data = json!({});
    let id = stripe.refund(&payment(&data), 5000, "customer_request", "ref_ours").await.unwrap();
    assert_eq!(id, "re_1");
    stripe.refund(&payment(&data), 1, "duplicate", "ref_dup").await.unwrap();
    stripe.refund(&payment(&data), 1, "fraudulent", "ref_fraud").await.unwrap();
    let seen = requests(&log);
    assert_eq!((&seen[0].method, seen[0].path.as_str()), (&Method::POST, "/v1/refunds"));
    assert_eq!(seen[0].header("idempotency-key"), Some("ref_ours"));
    assert_eq!(
        seen[0].form(),
        [
            ("payment_intent".to_owned(), "pi_3Stripe".to_owned()),
            ("amount".to_owned(), "5000".to_owned()),
            ("reason".to_owned(), "requested_by_customer".to_owned()),
            ("metadata[refund_id]".to_owned(), "ref_ours".to_owned()),
        ]
    );
    assert_eq!(seen[1].field("reason").as_deref(), Some("duplicate"));
    assert_eq!(seen[2].field("reason").as_deref(), Some("fraudulent"));

    let failed = stripe.refund(&payment(&data), 1, "customer_request", "ref_bad").await.unwrap_err();
    assert!(
        matches!(&failed, ProcessorError::Rejected { code, .. } if code == "expired_or_canceled_card"),
        "{failed:?}"
    );
    let canceled = stripe.refund(&payment(&data), 1, "customer_request", "ref_gone").await.unwrap_err();
    assert!(matches!(&canceled, ProcessorError::Rejected { code, .. } if code == "refund_canceled"), "{canceled:?}");
}

#[tokio::test]
async fn transfers_go_to_the_connected_account() {
    let (url, log) = fake(|_| (200, json!({ "id": "tr_1", "object": "transfer" }))).await;
    let stripe = stripe(&url);
    let transfer = Transfer { id: "po_1", destination: "acct_host", amount: 9000, currency: "EUR" };
    assert_eq!(stripe.transfer(&transfer).await.unwrap(), "tr_1");
    let seen = requests(&log);
    assert_eq!((&seen[0].method, seen[0].path.as_str()), (&Method::POST, "/v1/transfers"));
    assert_eq!(seen[0].header("idempotency-key"), Some("po_1"));
    assert_eq!(
        seen[0].form(),
        [
            ("amount".to_owned(), "9000".to_owned()),
            ("currency".to_owned(), "eur".to_owned()),
            ("destination".to_owned(), "acct_host".to_owned()),
            ("transfer_group".to_owned(), "po_1".to_owned()),
            ("metadata[payout_id]".to_owned(), "po_1".to_owned()),
        ]
    );
}

#[tokio::test]
async fn failures_are_retryable_and_refusals_are_not() {
    let (url, _) = fake(|r| match r.header("idempotency-key") {
        Some("po_500") => (500, json!({ "error": { "type": "api_error", "message": "Something went wrong" } })),
        Some("po_429") => (429, json!({ "error": { "type": "invalid_request_error", "code": "rate_limit" } })),
        Some("po_409") => (409, json!({ "error": { "type": "idempotency_error" } })),
        Some("po_garbled") => (200, json!("<html>not json</html>")),
        Some("po_long") => (
            400,
            json!({ "error": { "type": "invalid_request_error",
                "message": format!("Invalid API Key provided: {SECRET} {}", "x".repeat(1000)) } }),
        ),
        _ => (
            400,
            json!({ "error": { "type": "invalid_request_error", "code": "resource_missing",
                "message": "No such destination: 'acct_nope'" } }),
        ),
    })
    .await;
    let stripe = stripe(&url);
    let transfer = |id| Transfer { id, destination: "acct_nope", amount: 1, currency: "EUR" };
    for id in ["po_500", "po_429", "po_409", "po_garbled"] {
        let err = stripe.transfer(&transfer(id)).await.unwrap_err();
        assert!(matches!(err, ProcessorError::Unavailable(_)) && err.retryable(), "{id}: {err:?}");
    }
    let err = stripe.transfer(&transfer("po_400")).await.unwrap_err();
    assert_eq!(
        err,
        ProcessorError::Rejected {
            code: "resource_missing".into(),
            message: "No such destination: 'acct_nope'".into()
        }
    );
    assert!(!err.retryable());
    let ProcessorError::Rejected { code, message } = stripe.transfer(&transfer("po_long")).await.unwrap_err() else {
        panic!("not a refusal")
    };
    assert_eq!(code, "invalid_request_error");
    assert!(!message.contains(SECRET) && message.contains("[redacted]"), "{message}");
    assert!(message.chars().count() <= MESSAGE_CAP + 1, "{}", message.len());
}

#[tokio::test]
async fn an_unreachable_stripe_is_unavailable() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = stripe(&url).create(&new_payment(false)).await.unwrap_err();
    assert!(err.retryable(), "{err:?}");
    assert!(!err.to_string().contains(SECRET));
}

#[test]
fn the_secret_stays_out_of_debug_and_client_config() {
    let stripe = stripe("https://api.stripe.com");
    let debug = format!("{stripe:?}");
    assert!(!debug.contains(SECRET) && debug.contains("[redacted]"), "{debug}");
    assert_eq!(stripe.client_config(), json!({ "provider": "stripe", "publishableKey": "pk_test_123" }));
    assert_eq!(stripe.name(), "stripe");
    assert!(stripe.needs_payout_account());
    assert!(Stripe::new(&StripeConfig::default(), " ").is_err());
}
