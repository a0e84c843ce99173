//! Stripe: PaymentIntents for payments, Refunds, and Connect transfers for host payouts.
//!
//! Requests are form-encoded, authenticated with the account's secret key and pinned to the
//! configured `Stripe-Version`, so the answers keep the shape read here. Every POST carries an
//! `Idempotency-Key` derived from our own ids: Stripe replays the first answer to a retried
//! request instead of acting twice.
//!
//! Confirmation keys: `confirm-<payment id>-<method or "none">`, suffixed with `-<n>` from the
//! payment's `data.attempt` once there has been an answered attempt. Every answered confirmation
//! returns `{"attempt": n + 1}` in its [`Outcome::data`], so a retry after a lost answer (the
//! data unchanged) replays the same request, while a new attempt after an answer — another card
//! after a decline, a second confirmation after 3-D Secure — reaches Stripe afresh instead of
//! getting the earlier answer replayed for 24 hours.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use platform::config::StripeConfig;
use reqwest::Method;
use serde_json::{Value, json};

use super::{Created, NewPayment, Outcome, PaymentRef, Processor, ProcessorError, Status, Transfer};

/// Longest processor message passed on in an error.
const MESSAGE_CAP: usize = 300;

/// A Stripe account, reached with its secret key.
pub struct Stripe {
    http: reqwest::Client,
    base_url: String,
    secret_key: String,
    api_version: String,
    publishable_key: Option<String>,
}

impl fmt::Debug for Stripe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stripe")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("publishable_key", &self.publishable_key)
            .field("secret_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// A form body: Stripe's nested parameters are flat keys such as `metadata[payout_id]`.
type Form = Vec<(String, String)>;

fn form<const N: usize>(pairs: [(&str, String); N]) -> Form {
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// What Stripe answered: the object asked for, or a 4xx refusal with its `error` object.
/// Failures worth retrying (network, 429, 5xx) never get this far.
enum Reply {
    Ok(Value),
    Refused { status: u16, error: Value },
}

fn text<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl Stripe {
    /// A client for the account of `secret_key` (`sk_live_…`, `sk_test_…`, or a restricted key).
    pub fn new(config: &StripeConfig, secret_key: &str) -> Result<Self, String> {
        if secret_key.trim().is_empty() {
            return Err("the Stripe secret key is empty".into());
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .build()
            .map_err(|e| format!("cannot build the Stripe HTTP client: {e}"))?;
        Ok(Self {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            secret_key: secret_key.to_owned(),
            api_version: config.api_version.clone(),
            publishable_key: config.publishable_key.clone(),
        })
    }

    /// `message`, without the secret key and at most [`MESSAGE_CAP`] characters long.
    fn clean(&self, message: &str) -> String {
        let message = message.replace(&self.secret_key, "[redacted]");
        match message.char_indices().nth(MESSAGE_CAP) {
            Some((end, _)) => format!("{}…", &message[..end]),
            None => message,
        }
    }

    fn unavailable(&self, message: &str) -> ProcessorError {
        ProcessorError::Unavailable(self.clean(message))
    }

    /// The refusal as an error: Stripe's code (or type) and message.
    fn rejected(&self, status: u16, error: &Value) -> ProcessorError {
        let code = text(error, "/code").or_else(|| text(error, "/type")).unwrap_or("stripe_error");
        let message = text(error, "/message").map_or_else(|| format!("Stripe answered {status}"), str::to_owned);
        ProcessorError::Rejected { code: code.to_owned(), message: self.clean(&message) }
    }

    fn accept(&self, reply: Reply) -> Result<Value, ProcessorError> {
        match reply {
            Reply::Ok(value) => Ok(value),
            Reply::Refused { status, error } => Err(self.rejected(status, &error)),
        }
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Form>,
        key: Option<&str>,
    ) -> Result<Reply, ProcessorError> {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.secret_key)
            .header("Stripe-Version", &self.api_version);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        if let Some(body) = body {
            request = request.form(body);
        }
        let response = request.send().await.map_err(|e| self.unavailable(&format!("Stripe unreachable: {e}")))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(|e| self.unavailable(&format!("Stripe answer interrupted: {e}")))?;
        let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
        match status {
            200..=299 => match parsed {
                Some(value) if value.is_object() => Ok(Reply::Ok(value)),
                _ => Err(self.unavailable(&format!("Stripe answered {status} with an unreadable body"))),
            },
            // 409: a request with the same idempotency key is still being processed.
            400..=499 if status != 409 && status != 429 => {
                let error = parsed.and_then(|mut v| v.get_mut("error").map(Value::take)).unwrap_or(Value::Null);
                Ok(Reply::Refused { status, error })
            }
            _ => {
                let detail = parsed.as_ref().and_then(|v| text(v, "/error/message")).unwrap_or("");
                Err(self.unavailable(format!("Stripe answered {status} {detail}").trim_end()))
            }
        }
    }

    async fn post(&self, path: &str, body: &Form, key: &str) -> Result<Reply, ProcessorError> {
        self.send(Method::POST, path, Some(body), Some(key)).await
    }

    async fn intent(&self, reference: &str) -> Result<Value, ProcessorError> {
        let reply = self.send(Method::GET, &format!("/v1/payment_intents/{reference}"), None, None).await?;
        self.accept(reply)
    }
}

/// The status of a PaymentIntent (the object, or the one in a refusal), in our terms.
fn intent_status(intent: &Value) -> Result<Status, ProcessorError> {
    let status = text(intent, "/status");
    Ok(match status {
        Some("succeeded") => Status::Succeeded,
        Some("requires_capture") => Status::Authorized,
        Some("requires_action" | "requires_confirmation") => {
            Status::RequiresAction { url: text(intent, "/next_action/redirect_to_url/url").map(str::to_owned) }
        }
        Some("processing") => Status::Processing,
        Some("requires_payment_method") => Status::Declined {
            code: text(intent, "/last_payment_error/decline_code")
                .or_else(|| text(intent, "/last_payment_error/code"))
                .unwrap_or("payment_failed")
                .to_owned(),
        },
        Some("canceled") => Status::Canceled,
        _ => return Err(ProcessorError::Unavailable(format!("unexpected PaymentIntent status {status:?}"))),
    })
}

/// The intent's status carried by an "unexpected state" refusal (e.g. capturing what is already
/// captured), when Stripe included the intent.
fn unexpected_state(error: &Value) -> Option<&str> {
    (text(error, "/code") == Some("payment_intent_unexpected_state"))
        .then(|| text(error, "/payment_intent/status"))
        .flatten()
}

fn refund_reason(reason: &str) -> &'static str {
    match reason {
        "duplicate" => "duplicate",
        "fraudulent" => "fraudulent",
        _ => "requested_by_customer",
    }
}

fn id_of(object: &Value, what: &str) -> Result<String, ProcessorError> {
    text(object, "/id")
        .map(str::to_owned)
        .ok_or_else(|| ProcessorError::Unavailable(format!("Stripe answered a {what} without an id")))
}

#[async_trait]
impl Processor for Stripe {
    fn name(&self) -> &'static str {
        "stripe"
    }

    fn client_config(&self) -> Value {
        json!({ "provider": "stripe", "publishableKey": self.publishable_key })
    }

    async fn create(&self, payment: &NewPayment<'_>) -> Result<Created, ProcessorError> {
        let body = form([
            ("amount", payment.amount.to_string()),
            ("currency", payment.currency.to_ascii_lowercase()),
            ("capture_method", (if payment.manual_capture { "manual" } else { "automatic" }).to_owned()),
            ("payment_method_types[]", "card".to_owned()),
            ("metadata[payment_id]", payment.id.to_owned()),
            ("metadata[reservation_id]", payment.reservation.to_string()),
            ("metadata[booking_reference]", payment.booking_reference.to_owned()),
            ("description", format!("Booking {}", payment.booking_reference)),
        ]);
        let reply = self.post("/v1/payment_intents", &body, &format!("create-{}", payment.id)).await?;
        let intent = self.accept(reply)?;
        let client_secret = text(&intent, "/client_secret").ok_or_else(|| {
            ProcessorError::Unavailable("Stripe answered a PaymentIntent without client_secret".into())
        })?;
        Ok(Created {
            reference: id_of(&intent, "PaymentIntent")?,
            client_secret: client_secret.to_owned(),
            approval_url: None,
            data: json!({}),
        })
    }

    async fn confirm(&self, payment: &PaymentRef<'_>, method: Option<&str>) -> Result<Outcome, ProcessorError> {
        // Stripe's ids (`pm_…`); anything else could not even travel in the key's header.
        if let Some(m) = method
            && (m.is_empty() || m.len() > 100 || !m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        {
            return Err(ProcessorError::Rejected {
                code: "invalid_payment_method".into(),
                message: "is not a Stripe payment method id".into(),
            });
        }
        let attempt = payment.data.get("attempt").and_then(Value::as_u64).unwrap_or(0);
        let mut key = format!("confirm-{}-{}", payment.id, method.unwrap_or("none"));
        if attempt > 0 {
            key = format!("{key}-{attempt}");
        }
        let body = method.map_or_else(Vec::new, |m| form([("payment_method", m.to_owned())]));
        let path = format!("/v1/payment_intents/{}/confirm", payment.reference);
        let status = match self.post(&path, &body, &key).await? {
            Reply::Ok(intent) => intent_status(&intent)?,
            // A declined card: an answer about the payment, not a failed request.
            Reply::Refused { error, .. } if text(&error, "/type") == Some("card_error") => Status::Declined {
                code: text(&error, "/decline_code")
                    .or_else(|| text(&error, "/code"))
                    .unwrap_or("card_declined")
                    .to_owned(),
            },
            // Already confirmed (or canceled): where it stands.
            Reply::Refused { error, .. } if unexpected_state(&error).is_some() => {
                intent_status(error.get("payment_intent").unwrap_or(&Value::Null))?
            }
            Reply::Refused { status, error } => return Err(self.rejected(status, &error)),
        };
        Ok(Outcome { status, data: json!({ "attempt": attempt + 1 }) })
    }

    async fn capture(&self, payment: &PaymentRef<'_>, key: &str) -> Result<Outcome, ProcessorError> {
        let path = format!("/v1/payment_intents/{}/capture", payment.reference);
        match self.post(&path, &Vec::new(), key).await? {
            Reply::Ok(intent) => Ok(Outcome::of(intent_status(&intent)?)),
            Reply::Refused { error, .. } if unexpected_state(&error) == Some("succeeded") => {
                Ok(Outcome::of(Status::Succeeded))
            }
            Reply::Refused { status, error } => Err(self.rejected(status, &error)),
        }
    }

    async fn cancel(&self, payment: &PaymentRef<'_>, key: &str) -> Result<(), ProcessorError> {
        let path = format!("/v1/payment_intents/{}/cancel", payment.reference);
        match self.post(&path, &Vec::new(), key).await? {
            Reply::Ok(_) => Ok(()),
            Reply::Refused { status, error } => {
                let canceled = match unexpected_state(&error) {
                    Some(state) => state == "canceled",
                    None if text(&error, "/code") == Some("payment_intent_unexpected_state") => {
                        text(&self.intent(payment.reference).await?, "/status") == Some("canceled")
                    }
                    None => false,
                };
                if canceled { Ok(()) } else { Err(self.rejected(status, &error)) }
            }
        }
    }

    async fn refund(
        &self,
        payment: &PaymentRef<'_>,
        amount: i64,
        reason: &str,
        key: &str,
    ) -> Result<String, ProcessorError> {
        let body = form([
            ("payment_intent", payment.reference.to_owned()),
            ("amount", amount.to_string()),
            ("reason", refund_reason(reason).to_owned()),
            ("metadata[refund_id]", key.to_owned()),
        ]);
        let reply = self.post("/v1/refunds", &body, key).await?;
        let refund = self.accept(reply)?;
        let id = id_of(&refund, "refund")?;
        match text(&refund, "/status") {
            Some(status @ ("failed" | "canceled")) => Err(ProcessorError::Rejected {
                code: text(&refund, "/failure_reason").map_or_else(|| format!("refund_{status}"), str::to_owned),
                message: format!("Stripe refund {id} {status}"),
            }),
            _ => Ok(id),
        }
    }

    async fn transfer(&self, transfer: &Transfer<'_>) -> Result<String, ProcessorError> {
        let body = form([
            ("amount", transfer.amount.to_string()),
            ("currency", transfer.currency.to_ascii_lowercase()),
            ("destination", transfer.destination.to_owned()),
            ("transfer_group", transfer.id.to_owned()),
            ("metadata[payout_id]", transfer.id.to_owned()),
        ]);
        let reply = self.post("/v1/transfers", &body, transfer.id).await?;
        id_of(&self.accept(reply)?, "transfer")
    }

    fn needs_payout_account(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests;
