//! The sandbox processor: an offline stand-in for a card network, with Stripe's test payment
//! methods, so the whole payment flow runs with nothing to install. No card number ever
//! reaches us: clients send test tokens such as `pm_card_visa`. Outcomes are delivered as
//! signed webhook events, like a real processor's (see `service::Payments::confirm`).

/// What the processor answers to one confirmation attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The card is charged (or, for manual capture, authorised).
    Approved,
    /// The card was declined; the intent goes back to `requires_payment_method`.
    Declined(&'static str),
    /// The bank asks the cardholder to authenticate (3-D Secure); a second confirmation, after
    /// the cardholder completed the step, approves.
    RequiresAction,
}

/// The test payment methods the sandbox knows, and what each does.
pub const METHODS: [(&str, Outcome); 8] = [
    ("pm_card_visa", Outcome::Approved),
    ("pm_card_mastercard", Outcome::Approved),
    ("pm_card_amex", Outcome::Approved),
    ("pm_card_chargeDeclined", Outcome::Declined("card_declined")),
    ("pm_card_chargeDeclinedInsufficientFunds", Outcome::Declined("insufficient_funds")),
    ("pm_card_chargeDeclinedExpiredCard", Outcome::Declined("expired_card")),
    ("pm_card_threeDSecure2Required", Outcome::RequiresAction),
    ("pm_card_authenticationRequired", Outcome::RequiresAction),
];

/// The outcome of confirming with `method`; `None` for a method the sandbox does not know.
pub fn outcome(method: &str) -> Option<Outcome> {
    METHODS.iter().find(|(name, _)| *name == method).map(|(_, o)| *o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cards_behave_like_stripes() {
        assert_eq!(outcome("pm_card_visa"), Some(Outcome::Approved));
        assert_eq!(outcome("pm_card_chargeDeclined"), Some(Outcome::Declined("card_declined")));
        assert_eq!(outcome("pm_card_threeDSecure2Required"), Some(Outcome::RequiresAction));
        assert_eq!(outcome("4242424242424242"), None, "card numbers are never accepted");
    }
}
