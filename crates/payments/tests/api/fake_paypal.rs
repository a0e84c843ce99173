//! A fake of PayPal's REST API for the calls we make: the OAuth2 client-credentials token,
//! Orders v2 (create, approve at PayPal, capture or authorise, read), Payments v2
//! (authorisation capture and void, capture refund), Payouts and the webhook signature check.
//!
//! It answers like PayPal: every API call needs the Bearer token it issued (else 401), a
//! `PayPal-Request-Id` seen before replays the first answer (errors included), orders can only
//! be captured or authorised once the buyer approved them ([`approve`]), and webhook deliveries
//! verify only with [`VALID_SIGNATURE`] for [`WEBHOOK_ID`]. Requests are recorded, and failures
//! injected, with the shared toolkit of [`crate::fakes`].

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::fakes::{self, Fake, Inner};

/// The REST app's credentials, as configured for the deployment.
pub const CLIENT_ID: &str = "AZsojourn-paypal-rest-app-client-id";
pub const CLIENT_SECRET: &str = "EKsojourn-paypal-rest-app-client-secret-0123456789";
/// The id PayPal gave our webhook.
pub const WEBHOOK_ID: &str = "8PT597110X687430LKGECATA";
/// The only `PAYPAL-TRANSMISSION-SIG` the fake verifies.
pub const VALID_SIGNATURE: &str = "valid-signature";
/// The access token the fake issues.
pub const ACCESS_TOKEN: &str = "A21AAFake-paypal-access-token-for-sojourn";

/// Key in the fake's objects: the status new captures come back with (`COMPLETED` unless set).
const CAPTURE_STATUS: &str = "~capture_status";

/// A fake of PayPal's API on a local port.
pub async fn paypal() -> Fake {
    let inner = Arc::new(Mutex::new(Inner::default()));
    fakes::start(Router::new().fallback(handler), inner).await
}

/// The buyer approves `order_id` at PayPal (what happens at the order's `payer-action` link).
pub fn approve(fake: &Fake, order_id: &str) {
    fake.with(|inner| {
        let order = inner.objects.get_mut(order_id).unwrap_or_else(|| panic!("no PayPal order {order_id}"));
        assert_eq!(order["status"], "PAYER_ACTION_REQUIRED", "only an order waiting for the buyer is approved");
        order["status"] = json!("APPROVED");
        order["payer"] = json!({"payer_id": "QYR5Z8XDVJNXQ", "email_address": "buyer@example.com",
            "name": {"given_name": "Guest", "surname": "Buyer"}});
    });
}

/// Captures made from now on come back with `status` (`PENDING`: PayPal is still reviewing
/// them, a `PAYMENT.CAPTURE.COMPLETED` webhook tells when done; `COMPLETED` again after).
pub fn capture_status(fake: &Fake, status: &str) {
    fake.with(|inner| inner.objects.insert(CAPTURE_STATUS.into(), json!(status)));
}

/// Standard base64 (with padding), for the Basic credentials.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The `Authorization` header of the REST app's credentials.
pub fn basic_credentials() -> String {
    format!("Basic {}", base64(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes()))
}

/// A PayPal amount (`"224.00"`) in cents; `None` unless it has at most two decimals.
fn cents(value: &Value) -> Option<i64> {
    let text = value.as_str()?;
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || frac.len() > 2 || !format!("{whole}{frac}").bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(whole.parse::<i64>().ok()? * 100 + format!("{frac:0<2}").parse::<i64>().ok()?)
}

fn decimal(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A PayPal error body: `name`, `message`, and one detail with its `issue`.
fn error(status: u16, name: &str, issue: &str, description: &str) -> (u16, Value) {
    (
        status,
        json!({"name": name, "message": description, "debug_id": "f00dfa11c0ffee",
            "details": [{"issue": issue, "description": description}]}),
    )
}

fn not_found(what: &str) -> (u16, Value) {
    error(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", &format!("Specified resource ID ({what}) does not exist."))
}

fn unprocessable(issue: &str, description: &str) -> (u16, Value) {
    error(422, "UNPROCESSABLE_ENTITY", issue, description)
}

fn answer(status: u16, body: Value) -> Response {
    if status == 204 { StatusCode::NO_CONTENT.into_response() } else { fakes::reply(status, body) }
}

async fn handler(State(fake): State<Fake>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = fakes::record(&fake, &method, &uri, &headers, &body) {
        return r;
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    if method == Method::POST && uri.path() == "/v1/oauth2/token" {
        return token(header("authorization").as_deref(), &String::from_utf8_lossy(&body));
    }
    if header("authorization").as_deref() != Some(format!("Bearer {ACCESS_TOKEN}").as_str()) {
        return fakes::reply(
            401,
            json!({"error": "invalid_token", "error_description": "Token signature verification failed"}),
        );
    }
    // PayPal keeps the first answer to a request id and replays it, refusals included (on the
    // Orders, Payments and Payouts APIs; signature verifications are always made afresh).
    let request_id = header("paypal-request-id")
        .filter(|_| method == Method::POST && uri.path() != "/v1/notifications/verify-webhook-signature");
    if let Some(key) = &request_id
        && let Some((status, body)) = fake.with(|inner| inner.replays.get(key).cloned())
    {
        return answer(status, body);
    }
    let request: Value =
        if body.is_empty() { Value::Null } else { serde_json::from_slice(&body).unwrap_or(Value::Null) };
    let segments: Vec<&str> = uri.path().trim_start_matches('/').split('/').collect();
    let (status, reply) = fake.with(|inner| route(inner, method.as_str(), &segments, &request));
    if let Some(key) = request_id {
        fake.with(|inner| inner.replays.insert(key, (status, reply.clone())));
    }
    answer(status, reply)
}

/// `POST /v1/oauth2/token`: client credentials in Basic auth, `grant_type=client_credentials`.
fn token(authorization: Option<&str>, form: &str) -> Response {
    if authorization != Some(basic_credentials().as_str()) {
        return fakes::reply(
            401,
            json!({"error": "invalid_client", "error_description": "Client Authentication failed"}),
        );
    }
    if form != "grant_type=client_credentials" {
        return fakes::reply(
            400,
            json!({"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}),
        );
    }
    fakes::reply(
        200,
        json!({"scope": "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund",
            "access_token": ACCESS_TOKEN, "token_type": "Bearer", "app_id": "APP-80W284485P519543T",
            "expires_in": 32400, "nonce": "2030-01-02T09:00:00Zfake"}),
    )
}

fn next_id(inner: &mut Inner, prefix: &str) -> String {
    inner.next += 1;
    format!("{prefix}{}", inner.next)
}

fn route(inner: &mut Inner, method: &str, segments: &[&str], request: &Value) -> (u16, Value) {
    match (method, segments) {
        ("POST", ["v2", "checkout", "orders"]) => create_order(inner, request),
        ("GET", ["v2", "checkout", "orders", id]) => match inner.objects.get(*id) {
            Some(order) if order.get("intent").is_some() => (200, order.clone()),
            _ => not_found(id),
        },
        ("POST", ["v2", "checkout", "orders", id, action @ ("capture" | "authorize")]) => pay_order(inner, id, action),
        ("POST", ["v2", "payments", "authorizations", id, "capture"]) => capture_authorization(inner, id, request),
        ("POST", ["v2", "payments", "authorizations", id, "void"]) => void_authorization(inner, id),
        ("POST", ["v2", "payments", "captures", id, "refund"]) => refund(inner, id, request),
        ("POST", ["v1", "payments", "payouts"]) => payout(inner, request),
        ("POST", ["v1", "notifications", "verify-webhook-signature"]) => verify(request),
        _ => not_found(&segments.join("/")),
    }
}

fn create_order(inner: &mut Inner, request: &Value) -> (u16, Value) {
    let intent = request["intent"].as_str().unwrap_or_default();
    let unit = &request["purchase_units"][0];
    if !["CAPTURE", "AUTHORIZE"].contains(&intent)
        || cents(&unit["amount"]["value"]).is_none_or(|c| c < 1)
        || unit["amount"]["currency_code"].as_str().is_none_or(|c| c.len() != 3)
    {
        return error(400, "INVALID_REQUEST", "INVALID_PARAMETER_VALUE", "The value of a field is invalid.");
    }
    let id = next_id(inner, "ORDER-");
    let order = json!({
        "id": id, "intent": intent, "status": "PAYER_ACTION_REQUIRED",
        "purchase_units": [unit],
        "payment_source": request.get("payment_source"),
        "create_time": "2030-01-02T09:00:00Z",
        "links": [
            {"href": format!("https://api.paypal.test/v2/checkout/orders/{id}"), "rel": "self", "method": "GET"},
            {"href": format!("https://paypal.test/checkoutnow?token={id}"), "rel": "payer-action", "method": "GET"},
        ],
    });
    inner.objects.insert(id, order.clone());
    (200, order)
}

/// A capture of `amount` for `order`, stored, in the status set by [`capture_status`].
fn new_capture(inner: &mut Inner, order: &str, authorization: Option<&str>, amount: &Value) -> Value {
    let id = next_id(inner, "CAP-");
    let status = inner.objects.get(CAPTURE_STATUS).and_then(Value::as_str).unwrap_or("COMPLETED").to_owned();
    let mut capture = json!({"id": id, "status": status, "amount": amount, "final_capture": true,
        "supplementary_data": {"related_ids": {"order_id": order}}, "refunded": 0});
    if status == "PENDING" {
        capture["status_details"] = json!({"reason": "PENDING_REVIEW"});
    }
    if let Some(authorization) = authorization {
        capture["supplementary_data"]["related_ids"]["authorization_id"] = json!(authorization);
    }
    inner.objects.insert(id, capture.clone());
    capture
}

/// Capturing or authorising an order the buyer approved.
fn pay_order(inner: &mut Inner, id: &str, action: &str) -> (u16, Value) {
    let Some(mut order) = inner.objects.get(id).filter(|o| o.get("intent").is_some()).cloned() else {
        return not_found(id);
    };
    let wanted = if action == "capture" { "CAPTURE" } else { "AUTHORIZE" };
    if order["intent"] != wanted {
        return unprocessable("ACTION_DOES_NOT_MATCH_INTENT", "Order was created with a different intent.");
    }
    match order["status"].as_str() {
        Some("APPROVED") => {}
        Some("COMPLETED") if action == "capture" => {
            return unprocessable("ORDER_ALREADY_CAPTURED", "Order already captured.");
        }
        Some("COMPLETED") => return unprocessable("ORDER_ALREADY_AUTHORIZED", "Order already authorized."),
        _ => {
            return unprocessable(
                "ORDER_NOT_APPROVED",
                "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url.",
            );
        }
    }
    let amount = order["purchase_units"][0]["amount"].clone();
    if action == "capture" {
        let capture = new_capture(inner, id, None, &amount);
        order["purchase_units"][0]["payments"] = json!({"captures": [capture]});
    } else {
        let auth = next_id(inner, "AUTH-");
        let authorization = json!({"id": auth, "status": "CREATED", "amount": amount,
            "expiration_time": "2030-01-31T09:00:00Z", "supplementary_data": {"related_ids": {"order_id": id}}});
        inner.objects.insert(auth, authorization.clone());
        order["purchase_units"][0]["payments"] = json!({"authorizations": [authorization]});
    }
    order["status"] = json!("COMPLETED");
    inner.objects.insert(id.to_owned(), order.clone());
    (201, order)
}

/// The authorisation `id` and the order it belongs to, if it exists.
fn authorization(inner: &Inner, id: &str) -> Option<(Value, String)> {
    let found = inner.objects.get(id).filter(|a| a.get("expiration_time").is_some())?.clone();
    let order = found["supplementary_data"]["related_ids"]["order_id"].as_str()?.to_owned();
    Some((found, order))
}

/// Updates the order's copy of the authorisation (and its captures).
fn sync_order(inner: &mut Inner, order: &str, authorization: &Value, capture: Option<&Value>) {
    if let Some(order) = inner.objects.get_mut(order) {
        order["purchase_units"][0]["payments"]["authorizations"] = json!([authorization]);
        if let Some(capture) = capture {
            order["purchase_units"][0]["payments"]["captures"] = json!([capture]);
        }
    }
}

fn capture_authorization(inner: &mut Inner, id: &str, request: &Value) -> (u16, Value) {
    let Some((mut found, order)) = authorization(inner, id) else { return not_found(id) };
    match found["status"].as_str() {
        Some("CREATED") => {}
        Some("CAPTURED") => return unprocessable("AUTHORIZATION_ALREADY_CAPTURED", "Authorization already captured."),
        _ => return unprocessable("AUTHORIZATION_VOIDED", "A voided authorization cannot be captured."),
    }
    let amount = request.get("amount").cloned().unwrap_or_else(|| found["amount"].clone());
    let capture = new_capture(inner, &order, Some(id), &amount);
    found["status"] = json!("CAPTURED");
    inner.objects.insert(id.to_owned(), found.clone());
    sync_order(inner, &order, &found, Some(&capture));
    (201, capture)
}

fn void_authorization(inner: &mut Inner, id: &str) -> (u16, Value) {
    let Some((mut found, order)) = authorization(inner, id) else { return not_found(id) };
    match found["status"].as_str() {
        Some("CREATED") => {}
        Some("VOIDED") => return unprocessable("PREVIOUSLY_VOIDED", "Authorization has been previously voided."),
        _ => return unprocessable("PREVIOUSLY_CAPTURED", "Authorization has been previously captured."),
    }
    found["status"] = json!("VOIDED");
    inner.objects.insert(id.to_owned(), found.clone());
    sync_order(inner, &order, &found, None);
    (204, Value::Null)
}

fn refund(inner: &mut Inner, id: &str, request: &Value) -> (u16, Value) {
    let Some(mut capture) = inner.objects.get(id).filter(|c| c.get("final_capture").is_some()).cloned() else {
        return not_found(id);
    };
    if !["COMPLETED", "PARTIALLY_REFUNDED"].contains(&capture["status"].as_str().unwrap_or_default()) {
        return unprocessable("CAPTURE_NOT_REFUNDABLE", "The capture is not in a refundable state.");
    }
    let captured = cents(&capture["amount"]["value"]).unwrap_or(0);
    let refunded = capture["refunded"].as_i64().unwrap_or(0);
    let amount = match request.get("amount") {
        None => captured - refunded,
        Some(a) => match (cents(&a["value"]), a["currency_code"] == capture["amount"]["currency_code"]) {
            (Some(c), true) if c > 0 => c,
            _ => return unprocessable("INVALID_CURRENCY_CODE", "The refund amount or currency is invalid."),
        },
    };
    if refunded + amount > captured {
        return unprocessable(
            "REFUND_AMOUNT_EXCEEDED",
            "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
        );
    }
    capture["refunded"] = json!(refunded + amount);
    capture["status"] = json!(if refunded + amount == captured { "REFUNDED" } else { "PARTIALLY_REFUNDED" });
    inner.objects.insert(id.to_owned(), capture.clone());
    let refund_id = next_id(inner, "REF-");
    let refund = json!({"id": refund_id, "status": "COMPLETED",
        "amount": {"value": decimal(amount), "currency_code": capture["amount"]["currency_code"]},
        "note_to_payer": request.get("note_to_payer")});
    inner.objects.insert(refund_id, refund.clone());
    (201, refund)
}

fn payout(inner: &mut Inner, request: &Value) -> (u16, Value) {
    let Some(batch) = request["sender_batch_header"]["sender_batch_id"].as_str().filter(|b| !b.is_empty()) else {
        return error(400, "VALIDATION_ERROR", "REQUIRED_FIELD_MISSING", "sender_batch_id is required.");
    };
    let items = request["items"].as_array().cloned().unwrap_or_default();
    let valid = |item: &Value| {
        item["recipient_type"] == "EMAIL"
            && item["receiver"].as_str().is_some_and(|r| r.contains('@'))
            && cents(&item["amount"]["value"]).is_some_and(|c| c > 0)
    };
    if items.is_empty() || !items.iter().all(valid) {
        return error(400, "VALIDATION_ERROR", "INVALID_PARAMETER_VALUE", "An item is invalid.");
    }
    let used = format!("~batch:{batch}");
    if inner.objects.contains_key(&used) {
        return error(
            400,
            "USER_BUSINESS_ERROR",
            "DUPLICATE_SENDER_BATCH_ID",
            "Batch with given sender_batch_id already exists",
        );
    }
    let id = next_id(inner, "BATCH-");
    let answer = json!({"batch_header": {"payout_batch_id": id, "batch_status": "PENDING",
        "sender_batch_header": request["sender_batch_header"]},
        "links": [{"href": format!("https://api.paypal.test/v1/payments/payouts/{id}"), "rel": "self", "method": "GET"}]});
    inner.objects.insert(used, json!(id));
    inner.objects.insert(id, answer.clone());
    (201, answer)
}

/// `SUCCESS` only for [`VALID_SIGNATURE`] on a delivery to [`WEBHOOK_ID`], with every field.
fn verify(request: &Value) -> (u16, Value) {
    let fields = ["auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time", "webhook_id"];
    if !fields.iter().all(|f| request[*f].as_str().is_some_and(|v| !v.is_empty()))
        || !request["webhook_event"].is_object()
    {
        return error(400, "VALIDATION_ERROR", "MISSING_REQUIRED_PARAMETER", "A required field is missing.");
    }
    let genuine = request["transmission_sig"] == VALID_SIGNATURE && request["webhook_id"] == WEBHOOK_ID;
    (200, json!({"verification_status": if genuine { "SUCCESS" } else { "FAILURE" }}))
}
