//! Payments through HTTP, with identity, catalog and booking: a reservation paid on the
//! sandbox moves on; amounts, owners and cards are checked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin_payments;
mod dreamscape;
mod fake_paypal;
mod fakes;
mod intents;
mod money;
mod payouts;
mod paypal;
mod refunds;
mod stripe;
mod webhooks;
