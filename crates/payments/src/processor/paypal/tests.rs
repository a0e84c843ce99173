//! The client against a local fake of the API that records each request.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::*;

const SECRET: &str = "shh-paypal-secret";
/// `AppClientId:shh-paypal-secret` in base 64.
const BASIC: &str = "Basic QXBwQ2xpZW50SWQ6c2hoLXBheXBhbC1zZWNyZXQ=";
const TOKEN_PATH: &str = "/v1/oauth2/token";

/// One request the fake PayPal received.
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

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    fn is(&self, method: &str, path: &str) -> bool {
        self.method.as_str() == method && self.path == path
    }
}

type Answer = Arc<dyn Fn(&Seen) -> (u16, Value) + Send + Sync>;
type Log = Arc<Mutex<Vec<Seen>>>;

#[derive(Clone)]
struct Fake {
    log: Log,
    answer: Answer,
    tokens: Arc<AtomicUsize>,
    lifetime: u64,
}

async fn record(State(fake): State<Fake>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let seen = Seen { method, path: uri.path().to_owned(), headers, body: String::from_utf8_lossy(&body).into() };
    let (status, value) = if seen.path == TOKEN_PATH {
        // Access tokens A21-1, A21-2, … in turn.
        let n = fake.tokens.fetch_add(1, Ordering::SeqCst) + 1;
        (
            200,
            json!({ "scope": "https://uri.paypal.com/services/payments", "access_token": format!("A21-{n}"),
                      "token_type": "Bearer", "app_id": "APP-1", "expires_in": fake.lifetime }),
        )
    } else {
        (fake.answer)(&seen)
    };
    fake.log.lock().unwrap().push(seen);
    let status = StatusCode::from_u16(status).unwrap();
    match value {
        Value::Null => status.into_response(),
        Value::String(raw) => (status, raw).into_response(),
        value => (status, axum::Json(value)).into_response(),
    }
}

struct Server {
    url: String,
    log: Log,
}

impl Server {
    fn requests(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    /// The requests to the API (not for tokens).
    fn calls(&self) -> Vec<Seen> {
        self.requests().into_iter().filter(|r| r.path != TOKEN_PATH).collect()
    }

    fn token_requests(&self) -> usize {
        self.requests().iter().filter(|r| r.path == TOKEN_PATH).count()
    }
}

/// A fake PayPal issuing tokens valid for `lifetime` seconds and answering API calls with
/// `answer`.
async fn fake_for(lifetime: u64, answer: impl Fn(&Seen) -> (u16, Value) + Send + Sync + 'static) -> Server {
    let log = Log::default();
    let state = Fake { log: log.clone(), answer: Arc::new(answer), tokens: Arc::default(), lifetime };
    let app = Router::new().fallback(record).with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Server { url, log }
}

async fn fake(answer: impl Fn(&Seen) -> (u16, Value) + Send + Sync + 'static) -> Server {
    fake_for(32_400, answer).await
}

fn config(base_url: &str) -> PaypalConfig {
    PaypalConfig {
        base_url: base_url.into(),
        client_id: Some("AppClientId".into()),
        webhook_id: Some("WH-ID-1".into()),
        return_url: Some("https://sojourn.example/pay/return".into()),
        cancel_url: Some("https://sojourn.example/pay/cancel".into()),
        timeout_secs: 5,
    }
}

fn paypal(server: &Server) -> Paypal {
    Paypal::new(&config(&server.url), SECRET).unwrap()
}

fn new_payment(amount: i64, currency: &'static str, manual_capture: bool) -> NewPayment<'static> {
    NewPayment {
        id: "pi_ours",
        amount,
        currency,
        manual_capture,
        reservation: Uuid::nil(),
        booking_reference: "SJ-ABC123",
    }
}

fn payment(data: &Value, manual_capture: bool) -> PaymentRef<'_> {
    PaymentRef { id: "pi_ours", reference: "ORDER-1", amount: 12345, currency: "EUR", manual_capture, data }
}

fn created_order() -> Value {
    json!({ "id": "ORDER-1", "status": "PAYER_ACTION_REQUIRED", "links": [
        { "href": "https://api.paypal.com/v2/checkout/orders/ORDER-1", "rel": "self", "method": "GET" },
        { "href": "https://www.paypal.com/checkoutnow?token=ORDER-1", "rel": "payer-action", "method": "GET" },
    ] })
}

fn order_with(kind: &str, id: &str, status: &str) -> Value {
    json!({ "id": "ORDER-1", "status": "COMPLETED", "purchase_units": [{ "reference_id": "r",
        "payments": { kind: [{ "id": id, "status": status }] } }] })
}

fn refusal(status: u16, issue: &str) -> (u16, Value) {
    let name = if status == 422 { "UNPROCESSABLE_ENTITY" } else { "INVALID_REQUEST" };
    (
        status,
        json!({ "name": name, "message": "The requested action could not be performed.",
        "details": [{ "issue": issue, "description": format!("{issue} happened.") }] }),
    )
}

#[tokio::test]
async fn the_token_is_fetched_once_with_basic_auth_and_reused() {
    let server = fake(|r| {
        if r.path.ends_with("/capture") {
            (201, order_with("captures", "CAP-1", "COMPLETED"))
        } else {
            (201, created_order())
        }
    })
    .await;
    let paypal = paypal(&server);
    paypal.create(&new_payment(12345, "EUR", false)).await.unwrap();
    paypal.confirm(&payment(&json!({}), false), None).await.unwrap();
    paypal.create(&new_payment(100, "EUR", false)).await.unwrap();
    assert_eq!(server.token_requests(), 1);
    let token = &server.requests()[0];
    assert_eq!(token.method, Method::POST);
    assert_eq!(token.header("authorization"), Some(BASIC));
    assert_eq!(token.body, "grant_type=client_credentials");
    assert_eq!(token.header("content-type"), Some("application/x-www-form-urlencoded"));
    let calls = server.calls();
    assert_eq!(calls.len(), 3);
    assert!(calls.iter().all(|r| r.header("authorization") == Some("Bearer A21-1")));
}

#[tokio::test]
async fn a_refused_token_is_replaced_and_the_call_retried_once() {
    let server = fake(|r| match r.header("authorization") {
        Some("Bearer A21-1") => (401, json!({ "error": "invalid_token", "error_description": "Token expired" })),
        _ => (201, created_order()),
    })
    .await;
    let paypal = paypal(&server);
    assert_eq!(paypal.create(&new_payment(12345, "EUR", false)).await.unwrap().reference, "ORDER-1");
    assert_eq!(server.token_requests(), 2);
    let calls = server.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].header("authorization"), Some("Bearer A21-2"));
    assert_eq!(calls[0].header("paypal-request-id"), calls[1].header("paypal-request-id"));
    assert_eq!(calls[0].body, calls[1].body);
    // The new token is kept.
    paypal.create(&new_payment(12345, "EUR", false)).await.unwrap();
    assert_eq!(server.token_requests(), 2);
    assert_eq!(server.calls()[2].header("authorization"), Some("Bearer A21-2"));
}

#[tokio::test]
async fn credentials_refused_twice_are_a_refusal_not_a_loop() {
    let server = fake(|_| (401, json!({ "name": "AUTHENTICATION_FAILURE", "message": "Authentication failed" }))).await;
    let err = paypal(&server).create(&new_payment(1, "EUR", false)).await.unwrap_err();
    assert!(matches!(&err, ProcessorError::Rejected { code, .. } if code == "AUTHENTICATION_FAILURE"), "{err:?}");
    assert_eq!((server.token_requests(), server.calls().len()), (2, 2));
}

#[tokio::test]
async fn a_token_about_to_expire_is_not_reused() {
    let server = fake_for(59, |_| (201, created_order())).await;
    let paypal = paypal(&server);
    paypal.create(&new_payment(1, "EUR", false)).await.unwrap();
    paypal.create(&new_payment(1, "EUR", false)).await.unwrap();
    assert_eq!(server.token_requests(), 2);
}

#[tokio::test]
async fn create_opens_an_order_and_returns_the_approval_link() {
    let server = fake(|_| (201, created_order())).await;
    let paypal = paypal(&server);
    let created = paypal.create(&new_payment(12345, "EUR", false)).await.unwrap();
    let approve = "https://www.paypal.com/checkoutnow?token=ORDER-1";
    assert_eq!(
        created,
        Created {
            reference: "ORDER-1".into(),
            client_secret: "ORDER-1".into(),
            approval_url: Some(approve.into()),
            data: json!({ "orderId": "ORDER-1", "approvalUrl": approve }),
        }
    );
    let call = &server.calls()[0];
    assert!(call.is("POST", "/v2/checkout/orders"));
    assert_eq!(call.header("paypal-request-id"), Some("create-pi_ours"));
    assert_eq!(call.header("content-type"), Some("application/json"));
    assert_eq!(call.header("prefer"), Some("return=representation"));
    assert_eq!(
        call.json(),
        json!({
            "intent": "CAPTURE",
            "purchase_units": [{
                "reference_id": "00000000-0000-0000-0000-000000000000",
                "custom_id": "pi_ours",
                "description": "Booking SJ-ABC123",
                "amount": { "currency_code": "EUR", "value": "123.45" },
            }],
            "payment_source": { "paypal": { "experience_context": {
                "return_url": "https://sojourn.example/pay/return",
                "cancel_url": "https://sojourn.example/pay/cancel",
                "user_action": "PAY_NOW",
            } } },
        })
    );
}

#[tokio::test]
async fn create_without_return_urls_authorises_yen_in_whole_units() {
    let server = fake(|_| {
        (
            201,
            json!({ "id": "ORDER-2", "status": "CREATED", "links": [
            { "href": "https://www.paypal.com/checkoutnow?token=ORDER-2", "rel": "approve", "method": "GET" } ] }),
        )
    })
    .await;
    let paypal =
        Paypal::new(&PaypalConfig { return_url: None, cancel_url: None, ..config(&server.url) }, SECRET).unwrap();
    let created = paypal.create(&new_payment(500, "JPY", true)).await.unwrap();
    assert_eq!(created.approval_url.as_deref(), Some("https://www.paypal.com/checkoutnow?token=ORDER-2"));
    let body = server.calls()[0].json();
    assert_eq!(body["intent"], "AUTHORIZE");
    assert_eq!(body["purchase_units"][0]["amount"], json!({ "currency_code": "JPY", "value": "500" }));
    assert!(body.get("payment_source").is_none(), "{body}");
}

#[tokio::test]
async fn confirm_captures_or_authorises_the_approved_order() {
    let server = fake(|r| match r.path.as_str() {
        "/v2/checkout/orders/ORDER-1/capture" => (201, order_with("captures", "CAP-1", "COMPLETED")),
        "/v2/checkout/orders/ORDER-1/authorize" => (201, order_with("authorizations", "AUTH-1", "CREATED")),
        "/v2/checkout/orders/ORDER-P/capture" => (201, order_with("captures", "CAP-P", "PENDING")),
        _ => (201, order_with("captures", "CAP-D", "DECLINED")),
    })
    .await;
    let paypal = paypal(&server);
    let data = json!({ "orderId": "ORDER-1" });
    let captured = paypal.confirm(&payment(&data, false), None).await.unwrap();
    assert_eq!(captured, Outcome { status: Status::Succeeded, data: json!({ "captureId": "CAP-1", "attempt": 1 }) });
    let authorized = paypal.confirm(&payment(&data, true), None).await.unwrap();
    assert_eq!(
        authorized,
        Outcome { status: Status::Authorized, data: json!({ "authorizationId": "AUTH-1", "attempt": 1 }) }
    );
    let pending = paypal.confirm(&PaymentRef { reference: "ORDER-P", ..payment(&data, false) }, None).await.unwrap();
    assert_eq!(pending.status, Status::Processing);
    let declined = paypal.confirm(&PaymentRef { reference: "ORDER-D", ..payment(&data, false) }, None).await.unwrap();
    assert_eq!(declined.status, Status::Declined { code: "capture_declined".into() });

    let calls = server.calls();
    assert!(calls[0].is("POST", "/v2/checkout/orders/ORDER-1/capture"));
    assert!(calls[1].is("POST", "/v2/checkout/orders/ORDER-1/authorize"));
    for call in &calls {
        assert_eq!(call.json(), json!({}));
        assert_eq!(call.header("paypal-request-id"), Some("confirm-pi_ours"));
    }
}

#[tokio::test]
async fn confirm_before_approval_sends_the_buyer_to_paypal() {
    let server = fake(|r| match (r.method.as_str(), r.path.as_str()) {
        ("GET", "/v2/checkout/orders/ORDER-1") => (200, created_order()),
        _ => refusal(422, "ORDER_NOT_APPROVED"),
    })
    .await;
    let paypal = paypal(&server);
    let remembered = json!({ "orderId": "ORDER-1", "approvalUrl": "https://www.paypal.com/remembered" });
    let outcome = paypal.confirm(&payment(&remembered, false), None).await.unwrap();
    assert_eq!(
        outcome,
        Outcome {
            status: Status::RequiresAction { url: Some("https://www.paypal.com/remembered".into()) },
            data: json!({ "attempt": 1 }),
        }
    );
    assert_eq!(server.calls().len(), 1);
    // Asked again (a second attempt), without a remembered link: PayPal tells.
    let data = json!({ "attempt": 1 });
    let outcome = paypal.confirm(&payment(&data, false), None).await.unwrap();
    assert_eq!(
        outcome.status,
        Status::RequiresAction { url: Some("https://www.paypal.com/checkoutnow?token=ORDER-1".into()) }
    );
    assert_eq!(outcome.data, json!({ "attempt": 2 }));
    let calls = server.calls();
    assert_eq!(calls[1].header("paypal-request-id"), Some("confirm-pi_ours-1"));
    assert!(calls[2].is("GET", "/v2/checkout/orders/ORDER-1"));
    assert_eq!(calls[2].header("paypal-request-id"), None);
}

#[tokio::test]
async fn confirm_maps_declines_and_orders_already_done() {
    let server = fake(|r| match (r.method.as_str(), r.path.as_str()) {
        ("POST", "/v2/checkout/orders/ORDER-1/capture") => refusal(422, "INSTRUMENT_DECLINED"),
        ("POST", "/v2/checkout/orders/ORDER-2/capture") => refusal(422, "ORDER_ALREADY_CAPTURED"),
        ("GET", "/v2/checkout/orders/ORDER-2") => (200, order_with("captures", "CAP-2", "COMPLETED")),
        _ => refusal(422, "AMOUNT_MISMATCH"),
    })
    .await;
    let paypal = paypal(&server);
    let data = json!({});
    let declined = paypal.confirm(&payment(&data, false), None).await.unwrap();
    assert_eq!(declined.status, Status::Declined { code: "instrument_declined".into() });
    let done = paypal.confirm(&PaymentRef { reference: "ORDER-2", ..payment(&data, false) }, None).await.unwrap();
    assert_eq!(done, Outcome { status: Status::Succeeded, data: json!({ "captureId": "CAP-2", "attempt": 1 }) });
    let err = paypal.confirm(&PaymentRef { reference: "ORDER-3", ..payment(&data, false) }, None).await.unwrap_err();
    assert_eq!(
        err,
        ProcessorError::Rejected { code: "AMOUNT_MISMATCH".into(), message: "AMOUNT_MISMATCH happened.".into() }
    );
}

#[tokio::test]
async fn capture_captures_the_stored_authorisation() {
    let server = fake(|_| (201, json!({ "id": "CAP-9", "status": "COMPLETED" }))).await;
    let paypal = paypal(&server);
    let data = json!({ "orderId": "ORDER-1", "authorizationId": "AUTH-1" });
    let outcome = paypal.capture(&payment(&data, true), "capture-key-1").await.unwrap();
    assert_eq!(outcome, Outcome { status: Status::Succeeded, data: json!({ "captureId": "CAP-9" }) });
    let call = &server.calls()[0];
    assert!(call.is("POST", "/v2/payments/authorizations/AUTH-1/capture"));
    assert_eq!(call.json(), json!({ "final_capture": true }));
    assert_eq!(call.header("paypal-request-id"), Some("capture-key-1"));

    let err = paypal.capture(&payment(&json!({}), true), "capture-key-2").await.unwrap_err();
    assert!(matches!(&err, ProcessorError::Rejected { code, .. } if code == "not_authorized"), "{err:?}");
    assert_eq!(server.calls().len(), 1);
}

#[tokio::test]
async fn cancel_voids_the_stored_authorisation() {
    let server = fake(|r| match r.path.as_str() {
        "/v2/payments/authorizations/AUTH-1/void" => (204, Value::Null),
        "/v2/payments/authorizations/AUTH-V/void" => refusal(422, "AUTHORIZATION_ALREADY_VOIDED"),
        _ => refusal(422, "AUTHORIZATION_ALREADY_CAPTURED"),
    })
    .await;
    let paypal = paypal(&server);
    let with = |id: &str| json!({ "authorizationId": id });
    paypal.cancel(&payment(&with("AUTH-1"), true), "cancel-1").await.unwrap();
    paypal.cancel(&payment(&with("AUTH-V"), true), "cancel-2").await.unwrap();
    let err = paypal.cancel(&payment(&with("AUTH-C"), true), "cancel-3").await.unwrap_err();
    assert!(matches!(&err, ProcessorError::Rejected { code, .. } if code == "AUTHORIZATION_ALREADY_CAPTURED"));
    let calls = server.calls();
    assert!(calls[0].is("POST", "/v2/payments/authorizations/AUTH-1/void"));
    assert_eq!(calls[0].header("paypal-request-id"), Some("cancel-1"));
    assert_eq!(calls[1].header("paypal-request-id"), Some("cancel-2"));
    // Never authorised: nothing to release.
    paypal.cancel(&payment(&json!({ "orderId": "ORDER-1" }), false), "cancel-4").await.unwrap();
    let err = paypal.cancel(&payment(&json!({ "captureId": "CAP-1" }), false), "cancel-5").await.unwrap_err();
    assert!(matches!(&err, ProcessorError::Rejected { code, .. } if code == "already_captured"));
    assert_eq!(server.calls().len(), 3);
}

#[tokio::test]
async fn refund_refunds_the_stored_capture() {
    let server = fake(|r| match r.header("paypal-request-id") {
        Some("ref_bad") => (201, json!({ "id": "REF-2", "status": "CANCELLED" })),
        _ => (201, json!({ "id": "REF-1", "status": "COMPLETED" })),
    })
    .await;
    let paypal = paypal(&server);
    let data = json!({ "captureId": "CAP-1" });
    assert_eq!(paypal.refund(&payment(&data, false), 5000, "customer_request", "ref_1").await.unwrap(), "REF-1");
    let call = &server.calls()[0];
    assert!(call.is("POST", "/v2/payments/captures/CAP-1/refund"));
    assert_eq!(call.header("paypal-request-id"), Some("ref_1"));
    assert_eq!(
        call.json(),
        json!({ "amount": { "value": "50.00", "currency_code": "EUR" },
                "note_to_payer": "Refund of your booking payment" })
    );
    let err = paypal.refund(&payment(&data, false), 1, "duplicate", "ref_bad").await.unwrap_err();
    assert!(matches!(&err, ProcessorError::Rejected { code, .. } if code == "refund_cancelled"), "{err:?}");
    let err = paypal.refund(&payment(&json!({}), false), 1, "duplicate", "ref_3").await.unwrap_err();
    assert!(matches!(&err, ProcessorError::Rejected { code, .. } if code == "not_captured"), "{err:?}");
    assert_eq!(server.calls().len(), 2);
}

#[tokio::test]
async fn transfer_sends_a_payout_to_the_hosts_email() {
    let server = fake(|_| {
        (
            201,
            json!({ "batch_header": { "payout_batch_id": "BATCH-1", "batch_status": "PENDING",
            "sender_batch_header": { "sender_batch_id": "po_1" } } }),
        )
    })
    .await;
    let paypal = paypal(&server);
    let transfer = Transfer { id: "po_1", destination: "host@example.com", amount: 9050, currency: "EUR" };
    assert_eq!(paypal.transfer(&transfer).await.unwrap(), "BATCH-1");
    let call = &server.calls()[0];
    assert!(call.is("POST", "/v1/payments/payouts"));
    assert_eq!(call.header("paypal-request-id"), Some("po_1"));
    assert_eq!(
        call.json(),
        json!({
            "sender_batch_header": { "sender_batch_id": "po_1", "email_subject": "You have a payout" },
            "items": [{ "recipient_type": "EMAIL", "receiver": "host@example.com",
                        "amount": { "value": "90.50", "currency": "EUR" }, "sender_item_id": "po_1" }],
        })
    );
}

mod failures;
mod webhooks;
