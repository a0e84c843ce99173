//! The sandbox processor: an offline stand-in for a card network, with Stripe's test payment
//! methods, so the whole payment flow runs with nothing to install. No card number ever
//! reaches us: clients send test tokens such as `pm_card_visa`. Its answers reach the
//! service as signed webhook events, like a real processor's (see `service::Payments::confirm`).

use async_trait::async_trait;
use serde_json::{Value, json};

use super::{Created, NewPayment, Outcome, PaymentRef, Processor, ProcessorError, Status, Transfer};

/// What the sandbox answers to one confirmation attempt with a test method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Card {
    /// The card is charged (or, for manual capture, authorised).
    Approved,
    /// The card is declined with this code.
    Declined(&'static str),
    /// The bank asks the cardholder to authenticate (3-D Secure); a second confirmation, after
    /// the cardholder completed the step, approves.
    RequiresAction,
}

/// The test payment methods the sandbox knows, and what each does.
pub const METHODS: [(&str, Card); 8] = [
    ("pm_card_visa", Card::Approved),
    ("pm_card_mastercard", Card::Approved),
    ("pm_card_amex", Card::Approved),
    ("pm_card_chargeDeclined", Card::Declined("card_declined")),
    ("pm_card_chargeDeclinedInsufficientFunds", Card::Declined("insufficient_funds")),
    ("pm_card_chargeDeclinedExpiredCard", Card::Declined("expired_card")),
    ("pm_card_threeDSecure2Required", Card::RequiresAction),
    ("pm_card_authenticationRequired", Card::RequiresAction),
];

/// What confirming with `method` does; `None` for a method the sandbox does not know.
pub fn card(method: &str) -> Option<Card> {
    METHODS.iter().find(|(name, _)| *name == method).map(|(_, o)| *o)
}

/// The sandbox's own publishable key: clients that insist on one (DreamScape's checkout page)
/// get it; it opens nothing at Stripe.
pub const PUBLISHABLE_KEY: &str = "pk_sandbox_sojourn";

/// The sandbox. Payments it opens keep our id as their reference; the authentication step of
/// 3-D Secure cards is remembered in the payment's data.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sandbox;

fn token(prefix: &str) -> Result<String, ProcessorError> {
    crate::service::random_token(prefix).map_err(|_| ProcessorError::Unavailable("no randomness".into()))
}

#[async_trait]
impl Processor for Sandbox {
    fn name(&self) -> &'static str {
        "sandbox"
    }

    fn client_config(&self) -> Value {
        json!({ "provider": "sandbox", "publishableKey": PUBLISHABLE_KEY,
                "testPaymentMethods": METHODS.iter().map(|(m, _)| *m).collect::<Vec<_>>() })
    }

    async fn create(&self, payment: &NewPayment<'_>) -> Result<Created, ProcessorError> {
        Ok(Created {
            reference: payment.id.to_owned(),
            client_secret: token(&format!("{}_secret_", payment.id))?,
            approval_url: None,
            data: json!({}),
        })
    }

    async fn confirm(&self, payment: &PaymentRef<'_>, method: Option<&str>) -> Result<Outcome, ProcessorError> {
        let challenged = payment.data.get("challenged").and_then(Value::as_bool).unwrap_or(false);
        let card = match (challenged, method) {
            // The cardholder completed the authentication step.
            (true, _) => Card::Approved,
            (false, Some(m)) => card(m).ok_or_else(|| ProcessorError::Rejected {
                code: "invalid_payment_method".into(),
                message: "is not a sandbox test payment method".into(),
            })?,
            (false, None) => {
                return Err(ProcessorError::Rejected {
                    code: "payment_method_required".into(),
                    message: "a test payment method is required".into(),
                });
            }
        };
        Ok(match card {
            Card::RequiresAction => {
                Outcome { status: Status::RequiresAction { url: None }, data: json!({ "challenged": true }) }
            }
            Card::Declined(code) => Outcome::of(Status::Declined { code: code.into() }),
            Card::Approved if payment.manual_capture => Outcome::of(Status::Authorized),
            Card::Approved => Outcome::of(Status::Succeeded),
        })
    }

    async fn capture(&self, _: &PaymentRef<'_>, _: &str) -> Result<Outcome, ProcessorError> {
        Ok(Outcome::of(Status::Succeeded))
    }

    async fn cancel(&self, _: &PaymentRef<'_>, _: &str) -> Result<(), ProcessorError> {
        Ok(())
    }

    async fn refund(&self, _: &PaymentRef<'_>, _: i64, _: &str, key: &str) -> Result<String, ProcessorError> {
        Ok(format!("sbx_{key}"))
    }

    async fn transfer(&self, transfer: &Transfer<'_>) -> Result<String, ProcessorError> {
        Ok(format!("sbx_{}", transfer.id))
    }

    fn needs_payout_account(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_behave_like_stripes() {
        assert_eq!(card("pm_card_visa"), Some(Card::Approved));
        assert_eq!(card("pm_card_chargeDeclined"), Some(Card::Declined("card_declined")));
        assert_eq!(card("pm_card_threeDSecure2Required"), Some(Card::RequiresAction));
        assert_eq!(card("4242424242424242"), None, "card numbers are never accepted");
    }
}
