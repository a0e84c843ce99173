//! The processors that move the money, behind one trait; a deployment uses one
//! (`payments.provider`). Everything else in payments — states, webhooks, refunds, ledger,
//! payouts — is the same whichever it is.
//!
//! Calls to a remote processor are never made inside a database transaction: the service
//! records what it is about to do, calls, then applies the answer. Answers come back as
//! [`Outcome`]s, which the service applies exactly as the processor's own webhooks (one path,
//! safe in any order and any number of times). Every mutating call carries an idempotency key
//! derived from our own ids, so a retried call never charges, refunds or transfers twice.

pub mod paypal;
pub mod sandbox;
pub mod stripe;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use uuid::Uuid;

/// A payment to open at the processor.
#[derive(Debug, Clone)]
pub struct NewPayment<'a> {
    /// Our id (`pi_…`); also the idempotency key of the creation.
    pub id: &'a str,
    /// Minor units of `currency`.
    pub amount: i64,
    /// ISO 4217, upper case.
    pub currency: &'a str,
    /// Authorise now, capture later (request to book); otherwise capture at once.
    pub manual_capture: bool,
    pub reservation: Uuid,
    /// The booking reference clients know the payment by.
    pub booking_reference: &'a str,
}

/// What the processor opened.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// The processor's id of the payment (Stripe's `pi_…`, PayPal's order id); our webhooks
    /// find the payment by it.
    pub reference: String,
    /// What the client completes the payment with: Stripe's `client_secret`, PayPal's order id.
    pub client_secret: String,
    /// Where the payer approves the payment, when the processor has such a page (PayPal).
    pub approval_url: Option<String>,
    /// Anything the processor needs remembered for later calls.
    pub data: Value,
}

/// A payment already opened at the processor.
#[derive(Debug, Clone, Copy)]
pub struct PaymentRef<'a> {
    pub id: &'a str,
    pub reference: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub manual_capture: bool,
    /// What [`Created::data`] and later [`Outcome::data`] stored (merged).
    pub data: &'a Value,
}

/// Where a payment stands after a call, in Stripe's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Captured.
    Succeeded,
    /// Authorised, waiting for capture (`requires_capture`).
    Authorized,
    /// The payer must act (3-D Secure, PayPal approval), at `url` when known.
    RequiresAction {
        url: Option<String>,
    },
    /// The processor is still working on it; a webhook will tell.
    Processing,
    /// Declined, with the processor's code; the payment may be retried with another method.
    Declined {
        code: String,
    },
    Canceled,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status: Status,
    /// To merge into the stored processor data (e.g. PayPal's authorisation and capture ids).
    pub data: Value,
}

impl Outcome {
    pub fn of(status: Status) -> Self {
        Self { status, data: Value::Null }
    }
}

/// A transfer of a host's payout to their account at the processor.
#[derive(Debug, Clone, Copy)]
pub struct Transfer<'a> {
    /// Our payout id (`po_…`); also the idempotency key.
    pub id: &'a str,
    /// The host's account: Stripe Connect `acct_…`, a PayPal e-mail address.
    pub destination: &'a str,
    pub amount: i64,
    pub currency: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcessorError {
    /// The processor refused the request for good (bad parameters, a payment in the wrong
    /// state, an expired authorisation): retrying the same call cannot help.
    #[error("{code}: {message}")]
    Rejected { code: String, message: String },
    /// Unreachable, timed out, rate limited or failing (5xx): the same call, with the same
    /// idempotency key, may be retried.
    #[error("processor unavailable: {0}")]
    Unavailable(String),
    /// This processor cannot do that (e.g. transfers without a payout account kind).
    #[error("not supported by this processor: {0}")]
    Unsupported(&'static str),
}

impl ProcessorError {
    pub fn retryable(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// A webhook delivery in a processor's own format, once read.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The processor did not vouch for it: refused, nothing changes.
    Unverified,
    /// Genuine, but about nothing we act on.
    Ignored,
    /// Genuine: the payment the processor knows by `reference` stands at `outcome`.
    Effect { event_id: String, reference: String, outcome: Outcome },
}

/// A payment processor. Implementations translate; they keep no state of their own.
#[async_trait]
pub trait Processor: Send + Sync + 'static {
    /// `sandbox`, `stripe` or `paypal`: stored with each payment.
    fn name(&self) -> &'static str;

    /// What clients need to pay (`GET /api/v1/payment/config`): no secrets.
    fn client_config(&self) -> Value;

    /// Opens a payment.
    async fn create(&self, payment: &NewPayment<'_>) -> Result<Created, ProcessorError>;

    /// Confirms a payment on the payer's behalf: with a payment method (`pm_card_visa`) for
    /// card processors, after the payer's approval for PayPal.
    async fn confirm(&self, payment: &PaymentRef<'_>, method: Option<&str>) -> Result<Outcome, ProcessorError>;

    /// Captures an authorised payment in full; `key` makes retries safe.
    async fn capture(&self, payment: &PaymentRef<'_>, key: &str) -> Result<Outcome, ProcessorError>;

    /// Cancels a payment not captured (releases an authorisation).
    async fn cancel(&self, payment: &PaymentRef<'_>, key: &str) -> Result<(), ProcessorError>;

    /// Refunds `amount` of a captured payment; returns the processor's refund id. `key` is our
    /// refund id.
    async fn refund(
        &self,
        payment: &PaymentRef<'_>,
        amount: i64,
        reason: &str,
        key: &str,
    ) -> Result<String, ProcessorError>;

    /// Pays a host; returns the processor's transfer id.
    async fn transfer(&self, transfer: &Transfer<'_>) -> Result<String, ProcessorError>;

    /// Whether hosts must register a payout account before they can be paid (Stripe Connect,
    /// PayPal); the sandbox pays without one.
    fn needs_payout_account(&self) -> bool;

    /// Verifies and reads a delivery to `/api/v1/payment/webhook/<name>`. Processors whose
    /// webhooks come in Stripe's format, to `/api/v1/payment/webhook`, have none.
    async fn webhook(&self, _headers: &axum::http::HeaderMap, _body: &[u8]) -> Result<Delivery, ProcessorError> {
        Err(ProcessorError::Unsupported("webhooks of its own"))
    }
}

/// A processor shared by the whole context.
pub type SharedProcessor = Arc<dyn Processor>;

/// Secret names of the remote processors.
pub const STRIPE_SECRET_KEY: &str = "stripe_secret_key";
pub const PAYPAL_CLIENT_SECRET: &str = "paypal_client_secret";

/// The processor `payments.provider` names, with its secret.
pub fn from_config(
    config: &platform::config::PaymentsConfig,
    secrets: &platform::secrets::Secrets,
) -> Result<SharedProcessor, String> {
    use platform::config::PaymentProvider;
    let secret = |name: &str| {
        secrets
            .get(name)
            .map(|s| s.expose().to_owned())
            .ok_or_else(|| format!("secret `{name}` is required with payments.provider = {:?}", config.provider))
    };
    Ok(match config.provider {
        PaymentProvider::Sandbox => Arc::new(sandbox::Sandbox),
        PaymentProvider::Stripe => Arc::new(stripe::Stripe::new(&config.stripe, &secret(STRIPE_SECRET_KEY)?)?),
        PaymentProvider::Paypal => Arc::new(paypal::Paypal::new(&config.paypal, &secret(PAYPAL_CLIENT_SECRET)?)?),
    })
}

/// Minor units as a decimal string in the currency's exponent: 12345 EUR → `123.45`,
/// 500 JPY → `500`.
pub fn decimal(amount: i64, currency: &str) -> String {
    let digits = kernel::Currency::parse(currency).map_or(2, |c| c.minor_digits());
    if digits == 0 {
        return amount.to_string();
    }
    let scale = 10_i64.pow(u32::from(digits));
    let sign = if amount < 0 { "-" } else { "" };
    let abs = amount.unsigned_abs();
    let scale = scale.unsigned_abs();
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = usize::from(digits))
}

/// A decimal string back to minor units (`"123.45"` EUR → 12345); `None` when malformed or
/// more precise than the currency.
pub fn minor_units(value: &str, currency: &str) -> Option<i64> {
    let digits = usize::from(kernel::Currency::parse(currency).map_or(2, |c| c.minor_digits()));
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > digits {
        return None;
    }
    let padded = format!("{frac:0<digits$}");
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if padded.is_empty() { 0 } else { padded.parse().ok()? };
    whole.checked_mul(10_i64.pow(u32::try_from(digits).ok()?))?.checked_add(frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_processor_is_built_with_its_secret() {
        use platform::config::{PaymentProvider, PaymentsConfig};
        use platform::secrets::{Secret, Secrets};
        let none = Secrets::for_tests(std::collections::BTreeMap::new());
        let sandbox = from_config(&PaymentsConfig::default(), &none).map(|p| p.name());
        assert_eq!(sandbox.as_deref().ok(), Some("sandbox"));
        let stripe = PaymentsConfig { provider: PaymentProvider::Stripe, ..PaymentsConfig::default() };
        let missing = from_config(&stripe, &none).err().unwrap_or_default();
        assert!(missing.contains(STRIPE_SECRET_KEY), "{missing}");
        let with_key = Secrets::for_tests(
            [(STRIPE_SECRET_KEY.to_owned(), Secret::new("sk_test_0123456789abcdef0123456789"))].into(),
        );
        assert_eq!(from_config(&stripe, &with_key).map(|p| p.name()).ok(), Some("stripe"));
        let mut paypal = PaymentsConfig { provider: PaymentProvider::Paypal, ..PaymentsConfig::default() };
        paypal.paypal.client_id = Some("client".into());
        let missing = from_config(&paypal, &none).err().unwrap_or_default();
        assert!(missing.contains(PAYPAL_CLIENT_SECRET), "{missing}");
    }

    #[test]
    fn decimals_follow_the_currency_exponent() {
        assert_eq!(decimal(12345, "EUR"), "123.45");
        assert_eq!(decimal(5, "EUR"), "0.05");
        assert_eq!(decimal(500, "JPY"), "500");
        assert_eq!(decimal(1234, "KWD"), "1.234");
        assert_eq!(minor_units("123.45", "EUR"), Some(12345));
        assert_eq!(minor_units("123.4", "EUR"), Some(12340));
        assert_eq!(minor_units("123", "EUR"), Some(12300));
        assert_eq!(minor_units("500", "JPY"), Some(500));
        assert_eq!(minor_units("1.001", "EUR"), None);
        assert_eq!(minor_units("-1", "EUR"), None);
        assert_eq!(minor_units("", "EUR"), None);
    }
}
