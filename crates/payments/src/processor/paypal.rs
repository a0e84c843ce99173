//! PayPal: Orders v2 for payments (the buyer approves at PayPal, then we capture or authorise),
//! the Payments v2 API for captures of authorisations, voids and refunds, Payouts for hosts, and
//! the webhook signature check.
//!
//! Calls carry an OAuth2 access token obtained with the REST app's client credentials; it is
//! cached until a minute before it expires, and dropped and fetched again once when PayPal answers
//! 401. Every POST carries a `PayPal-Request-Id` derived from our ids, so PayPal replays the first
//! answer to a retried request instead of acting twice.
//!
//! Confirmation request ids: `confirm-<payment id>`, suffixed with `-<n>` from the payment's
//! `data.attempt` once there has been an answered attempt. Every answered confirmation returns
//! `{"attempt": n + 1}` in its [`Outcome::data`], so a retry after a lost answer replays the same
//! request, while confirming again after the buyer approved (the first try answered "not
//! approved") reaches PayPal afresh.

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::http::HeaderMap;
use platform::config::PaypalConfig;
use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Map, Value, json};
use tokio::sync::Mutex;

use super::{Created, Delivery, NewPayment, Outcome, PaymentRef, Processor, ProcessorError, Status, Transfer, decimal};

mod answers;

pub use answers::webhook_effect;
use answers::{approval_link, capture_status, issue, merge, order_outcome, refund_note, text};

/// Longest processor message passed on in an error.
const MESSAGE_CAP: usize = 300;

/// How long before its expiry a cached access token is replaced.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// Issues on capturing or authorising an order that decline the payment (the buyer may pay with
/// something else); they become `Declined` with the issue in lower case.
const DECLINES: [&str; 11] = [
    "INSTRUMENT_DECLINED",
    "PAYER_CANNOT_PAY",
    "TRANSACTION_REFUSED",
    "CARD_EXPIRED",
    "PAYER_ACCOUNT_RESTRICTED",
    "PAYER_ACCOUNT_LOCKED_OR_CLOSED",
    "COMPLIANCE_VIOLATION",
    "MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED",
    "REDIRECT_PAYER_FOR_ALTERNATE_FUNDING",
    "TRANSACTION_BLOCKED_BY_PAYEE",
    "DECLINED_DUE_TO_RELATED_TXN",
];

/// The webhook headers PayPal signs a delivery with, in the order of the verification fields.
const SIGNATURE_HEADERS: [(&str, &str); 5] = [
    ("auth_algo", "paypal-auth-algo"),
    ("cert_url", "paypal-cert-url"),
    ("transmission_id", "paypal-transmission-id"),
    ("transmission_sig", "paypal-transmission-sig"),
    ("transmission_time", "paypal-transmission-time"),
];

struct Token {
    value: String,
    renew_at: Instant,
}

/// A PayPal REST app, reached with its client credentials.
pub struct Paypal {
    http: reqwest::Client,
    base_url: String,
    client_id: String,
    client_secret: String,
    webhook_id: Option<String>,
    return_url: Option<String>,
    cancel_url: Option<String>,
    token: Mutex<Option<Token>>,
}

impl fmt::Debug for Paypal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paypal")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("webhook_id", &self.webhook_id)
            .field("return_url", &self.return_url)
            .field("cancel_url", &self.cancel_url)
            .field("client_secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// A request body.
enum Body<'a> {
    Empty,
    Json(&'a Value),
    /// Already serialised JSON.
    Raw(&'a str),
}

/// What PayPal answered: the resource (`Null` for 204), or a 4xx refusal with its error body.
/// Failures worth retrying (network, 429, 5xx) never get this far.
enum Reply {
    Ok(Value),
    Refused { status: u16, error: Value },
}

impl Paypal {
    /// A client for the REST app of `config.client_id` and `client_secret`.
    pub fn new(config: &PaypalConfig, client_secret: &str) -> Result<Self, String> {
        let client_id = config
            .client_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .ok_or("payments.paypal.client_id is required")?;
        if client_secret.trim().is_empty() {
            return Err("the PayPal client secret is empty".into());
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .build()
            .map_err(|e| format!("cannot build the PayPal HTTP client: {e}"))?;
        Ok(Self {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            webhook_id: config.webhook_id.clone().filter(|id| !id.is_empty()),
            return_url: config.return_url.clone(),
            cancel_url: config.cancel_url.clone(),
            token: Mutex::new(None),
        })
    }

    /// `message`, without the client secret and at most [`MESSAGE_CAP`] characters long.
    fn clean(&self, message: &str) -> String {
        let message = message.replace(&self.client_secret, "[redacted]");
        match message.char_indices().nth(MESSAGE_CAP) {
            Some((end, _)) => format!("{}…", &message[..end]),
            None => message,
        }
    }

    fn unavailable(&self, message: &str) -> ProcessorError {
        ProcessorError::Unavailable(self.clean(message))
    }

    /// The refusal as an error: PayPal's issue (or error name) and its description.
    fn rejected(&self, status: u16, error: &Value) -> ProcessorError {
        let code = issue(error).unwrap_or("paypal_error");
        let message = text(error, "/details/0/description")
            .or_else(|| text(error, "/message"))
            .map_or_else(|| format!("PayPal answered {status}"), str::to_owned);
        ProcessorError::Rejected { code: code.to_owned(), message: self.clean(&message) }
    }

    fn accept(&self, reply: Reply) -> Result<Value, ProcessorError> {
        match reply {
            Reply::Ok(value) => Ok(value),
            Reply::Refused { status, error } => Err(self.rejected(status, &error)),
        }
    }

    /// One exchange; the status and the body (`None` when empty), or `Unavailable` when PayPal
    /// could not be reached.
    async fn exchange(&self, request: reqwest::RequestBuilder) -> Result<(u16, Option<Value>), ProcessorError> {
        let response = request.send().await.map_err(|e| self.unavailable(&format!("PayPal unreachable: {e}")))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| self.unavailable(&format!("PayPal answer interrupted: {e}")))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok((status, None));
        }
        match serde_json::from_slice(&bytes) {
            Ok(value) => Ok((status, Some(value))),
            Err(_) if (200..300).contains(&status) => {
                Err(self.unavailable(&format!("PayPal answered {status} with an unreadable body")))
            }
            // An error page: the status alone classifies it.
            Err(_) => Ok((status, None)),
        }
    }

    async fn fetch_token(&self) -> Result<Token, ProcessorError> {
        let request = self
            .http
            .post(format!("{}/v1/oauth2/token", self.base_url))
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&[("grant_type", "client_credentials")]);
        let (status, body) = self.exchange(request).await?;
        let body = body.unwrap_or(Value::Null);
        match status {
            200..=299 => {
                let value = text(&body, "/access_token")
                    .ok_or_else(|| self.unavailable("PayPal answered a token request without access_token"))?;
                // At most a day, whatever PayPal says (PayPal's are 9 hours).
                let lifetime =
                    Duration::from_secs(body.get("expires_in").and_then(Value::as_u64).unwrap_or(0).min(86_400));
                Ok(Token { value: value.to_owned(), renew_at: Instant::now() + lifetime.saturating_sub(TOKEN_MARGIN) })
            }
            400..=499 if status != 409 && status != 429 => Err(ProcessorError::Rejected {
                code: text(&body, "/error").unwrap_or("authentication_failure").to_owned(),
                message: self
                    .clean(text(&body, "/error_description").unwrap_or("PayPal refused the client credentials")),
            }),
            _ => Err(self.unavailable(&format!("PayPal answered {status} to a token request"))),
        }
    }

    /// The cached access token, or a new one.
    async fn token(&self) -> Result<String, ProcessorError> {
        let mut cached = self.token.lock().await;
        if let Some(token) = cached.as_ref().filter(|t| Instant::now() < t.renew_at) {
            return Ok(token.value.clone());
        }
        let token = self.fetch_token().await?;
        let value = token.value.clone();
        *cached = Some(token);
        Ok(value)
    }

    /// Drops the cached token if it is still `used` (not already replaced by another call).
    async fn forget(&self, used: &str) {
        let mut cached = self.token.lock().await;
        if cached.as_ref().is_some_and(|t| t.value == used) {
            *cached = None;
        }
    }

    async fn attempt(
        &self,
        method: &Method,
        path: &str,
        body: &Body<'_>,
        request_id: Option<&str>,
        token: &str,
    ) -> Result<(u16, Option<Value>), ProcessorError> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base_url))
            .bearer_auth(token)
            .header("Prefer", "return=representation");
        if let Some(id) = request_id {
            request = request.header("PayPal-Request-Id", id);
        }
        request = match body {
            Body::Empty => request,
            Body::Json(value) => request.json(value),
            Body::Raw(json) => request.header(CONTENT_TYPE, "application/json").body((*json).to_owned()),
        };
        self.exchange(request).await
    }

    /// Calls the API, fetching a new token and trying once more if the cached one was refused.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Body<'_>,
        request_id: Option<&str>,
    ) -> Result<Reply, ProcessorError> {
        let token = self.token().await?;
        let mut answer = self.attempt(&method, path, &body, request_id, &token).await?;
        if answer.0 == 401 {
            self.forget(&token).await;
            let token = self.token().await?;
            answer = self.attempt(&method, path, &body, request_id, &token).await?;
        }
        let (status, body) = answer;
        match status {
            200..=299 => Ok(Reply::Ok(body.unwrap_or(Value::Null))),
            // 409: a request with the same PayPal-Request-Id is still being processed.
            400..=499 if status != 409 && status != 429 => {
                Ok(Reply::Refused { status, error: body.unwrap_or(Value::Null) })
            }
            _ => {
                let detail = body.as_ref().and_then(|b| text(b, "/message")).unwrap_or("");
                Err(self.unavailable(format!("PayPal answered {status} {detail}").trim_end()))
            }
        }
    }

    async fn post(&self, path: &str, body: Body<'_>, request_id: &str) -> Result<Reply, ProcessorError> {
        self.call(Method::POST, path, body, Some(request_id)).await
    }

    async fn order(&self, id: &str) -> Result<Value, ProcessorError> {
        let reply = self.call(Method::GET, &format!("/v2/checkout/orders/{id}"), Body::Empty, None).await?;
        self.accept(reply)
    }

    /// Where the buyer approves the payment: as remembered, else as PayPal tells (`None` when
    /// it cannot be asked).
    async fn approval_url(&self, payment: &PaymentRef<'_>) -> Option<String> {
        if let Some(url) = text(payment.data, "/approvalUrl") {
            return Some(url.to_owned());
        }
        self.order(payment.reference).await.ok().as_ref().and_then(approval_link)
    }

    /// Whether a webhook delivery is PayPal's, as PayPal's verification endpoint says. `false`
    /// without the signature headers, with a body that is not a JSON object, or without a
    /// configured `webhook_id`.
    pub async fn verify_webhook(&self, headers: &HeaderMap, body: &[u8]) -> Result<bool, ProcessorError> {
        let Some(webhook_id) = self.webhook_id.as_deref() else { return Ok(false) };
        let mut fields = Map::new();
        for (field, header) in SIGNATURE_HEADERS {
            let Some(value) = headers.get(header).and_then(|v| v.to_str().ok()).filter(|v| !v.is_empty()) else {
                return Ok(false);
            };
            fields.insert(field.into(), value.into());
        }
        let Ok(event) = std::str::from_utf8(body) else { return Ok(false) };
        if !serde_json::from_str::<Value>(event).is_ok_and(|v| v.is_object()) {
            return Ok(false);
        }
        fields.insert("webhook_id".into(), webhook_id.into());
        // The event goes back exactly as delivered: re-serialising it could reorder its keys.
        let head = Value::Object(fields).to_string();
        let head = head.strip_suffix('}').unwrap_or(&head);
        let request = format!("{head},\"webhook_event\":{}}}", event.trim());
        // No request id: one made of the sender's headers would let a forged body replay the
        // answer to a genuine delivery.
        let reply =
            self.call(Method::POST, "/v1/notifications/verify-webhook-signature", Body::Raw(&request), None).await?;
        Ok(text(&self.accept(reply)?, "/verification_status") == Some("SUCCESS"))
    }
}

#[async_trait]
impl Processor for Paypal {
    fn name(&self) -> &'static str {
        "paypal"
    }

    fn client_config(&self) -> Value {
        json!({ "provider": "paypal", "clientId": self.client_id, "publishableKey": null })
    }

    async fn create(&self, payment: &NewPayment<'_>) -> Result<Created, ProcessorError> {
        let mut order = json!({
            "intent": if payment.manual_capture { "AUTHORIZE" } else { "CAPTURE" },
            "purchase_units": [{
                "reference_id": payment.reservation.to_string(),
                "custom_id": payment.id,
                "description": format!("Booking {}", payment.booking_reference),
                "amount": { "currency_code": payment.currency, "value": decimal(payment.amount, payment.currency) },
            }],
        });
        if self.return_url.is_some() || self.cancel_url.is_some() {
            let mut context = Map::new();
            if let Some(url) = &self.return_url {
                context.insert("return_url".into(), url.as_str().into());
            }
            if let Some(url) = &self.cancel_url {
                context.insert("cancel_url".into(), url.as_str().into());
            }
            context.insert("user_action".into(), "PAY_NOW".into());
            order["payment_source"] = json!({ "paypal": { "experience_context": context } });
        }
        let reply = self.post("/v2/checkout/orders", Body::Json(&order), &format!("create-{}", payment.id)).await?;
        let created = self.accept(reply)?;
        let id = text(&created, "/id").ok_or_else(|| self.unavailable("PayPal answered an order without an id"))?;
        let approval_url = approval_link(&created);
        let mut data = json!({ "orderId": id });
        if let Some(url) = &approval_url {
            data["approvalUrl"] = url.as_str().into();
        }
        Ok(Created { reference: id.to_owned(), client_secret: id.to_owned(), approval_url, data })
    }

    async fn confirm(&self, payment: &PaymentRef<'_>, _method: Option<&str>) -> Result<Outcome, ProcessorError> {
        let attempt = payment.data.get("attempt").and_then(Value::as_u64).unwrap_or(0);
        let mut request_id = format!("confirm-{}", payment.id);
        if attempt > 0 {
            request_id = format!("{request_id}-{attempt}");
        }
        let action = if payment.manual_capture { "authorize" } else { "capture" };
        let path = format!("/v2/checkout/orders/{}/{action}", payment.reference);
        let outcome = match self.post(&path, Body::Json(&json!({})), &request_id).await? {
            Reply::Ok(order) => order_outcome(&order)?,
            Reply::Refused { status, error } => match issue(&error) {
                Some("ORDER_NOT_APPROVED" | "PAYER_ACTION_REQUIRED") => {
                    Outcome::of(Status::RequiresAction { url: self.approval_url(payment).await })
                }
                Some(declined) if DECLINES.contains(&declined) => {
                    Outcome::of(Status::Declined { code: declined.to_ascii_lowercase() })
                }
                Some("ORDER_ALREADY_CAPTURED" | "ORDER_ALREADY_AUTHORIZED") => {
                    order_outcome(&self.order(payment.reference).await?)?
                }
                _ => return Err(self.rejected(status, &error)),
            },
        };
        Ok(merge(outcome, json!({ "attempt": attempt + 1 })))
    }

    async fn capture(&self, payment: &PaymentRef<'_>, key: &str) -> Result<Outcome, ProcessorError> {
        let Some(authorization) = text(payment.data, "/authorizationId") else {
            return Err(ProcessorError::Rejected {
                code: "not_authorized".into(),
                message: "the payment has no PayPal authorisation to capture".into(),
            });
        };
        let path = format!("/v2/payments/authorizations/{authorization}/capture");
        match self.post(&path, Body::Json(&json!({ "final_capture": true })), key).await? {
            Reply::Ok(capture) => {
                let id =
                    text(&capture, "/id").ok_or_else(|| self.unavailable("PayPal answered a capture without an id"))?;
                Ok(Outcome { status: capture_status(&capture)?, data: json!({ "captureId": id }) })
            }
            Reply::Refused { error, .. } if issue(&error) == Some("AUTHORIZATION_ALREADY_CAPTURED") => {
                order_outcome(&self.order(payment.reference).await?)
            }
            Reply::Refused { status, error } => Err(self.rejected(status, &error)),
        }
    }

    async fn cancel(&self, payment: &PaymentRef<'_>, key: &str) -> Result<(), ProcessorError> {
        let Some(authorization) = text(payment.data, "/authorizationId") else {
            if text(payment.data, "/captureId").is_some() {
                return Err(ProcessorError::Rejected {
                    code: "already_captured".into(),
                    message: "a captured PayPal payment cannot be cancelled, only refunded".into(),
                });
            }
            // Never approved and authorised: PayPal lets the order expire.
            return Ok(());
        };
        let path = format!("/v2/payments/authorizations/{authorization}/void");
        match self.post(&path, Body::Empty, key).await? {
            Reply::Ok(_) => Ok(()),
            Reply::Refused { error, .. } if issue(&error).is_some_and(|i| i.contains("VOIDED")) => Ok(()),
            Reply::Refused { status, error } => Err(self.rejected(status, &error)),
        }
    }

    async fn refund(
        &self,
        payment: &PaymentRef<'_>,
        amount: i64,
        reason: &str,
        key: &str,
    ) -> Result<String, ProcessorError> {
        let Some(capture) = text(payment.data, "/captureId") else {
            return Err(ProcessorError::Rejected {
                code: "not_captured".into(),
                message: "the payment has no PayPal capture to refund".into(),
            });
        };
        let body = json!({
            "amount": { "value": decimal(amount, payment.currency), "currency_code": payment.currency },
            "note_to_payer": refund_note(reason),
        });
        let reply = self.post(&format!("/v2/payments/captures/{capture}/refund"), Body::Json(&body), key).await?;
        let refund = self.accept(reply)?;
        let id = text(&refund, "/id").ok_or_else(|| self.unavailable("PayPal answered a refund without an id"))?;
        match text(&refund, "/status") {
            Some(status @ ("CANCELLED" | "FAILED")) => Err(ProcessorError::Rejected {
                code: format!("refund_{}", status.to_ascii_lowercase()),
                message: format!("PayPal refund {id} {}", status.to_ascii_lowercase()),
            }),
            _ => Ok(id.to_owned()),
        }
    }

    async fn transfer(&self, transfer: &Transfer<'_>) -> Result<String, ProcessorError> {
        let body = json!({
            "sender_batch_header": { "sender_batch_id": transfer.id, "email_subject": "You have a payout" },
            "items": [{
                "recipient_type": "EMAIL",
                "receiver": transfer.destination,
                "amount": { "value": decimal(transfer.amount, transfer.currency), "currency": transfer.currency },
                "sender_item_id": transfer.id,
            }],
        });
        let reply = self.post("/v1/payments/payouts", Body::Json(&body), transfer.id).await?;
        let batch = self.accept(reply)?;
        let id = text(&batch, "/batch_header/payout_batch_id")
            .ok_or_else(|| self.unavailable("PayPal answered a payout without a batch id"))?;
        if text(&batch, "/batch_header/batch_status") == Some("DENIED") {
            return Err(ProcessorError::Rejected {
                code: "payout_denied".into(),
                message: format!("PayPal denied payout batch {id}"),
            });
        }
        Ok(id.to_owned())
    }

    async fn webhook(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, ProcessorError> {
        match self.verify_webhook(headers, body).await {
            Ok(true) => {}
            Ok(false) | Err(ProcessorError::Rejected { .. }) => return Ok(Delivery::Unverified),
            Err(e) => return Err(e),
        }
        let Ok(event) = serde_json::from_slice::<Value>(body) else { return Ok(Delivery::Unverified) };
        Ok(match webhook_effect(&event) {
            Some((event_id, reference, status, data)) => {
                Delivery::Effect { event_id, reference, outcome: Outcome { status, data } }
            }
            None => Delivery::Ignored,
        })
    }

    fn needs_payout_account(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
