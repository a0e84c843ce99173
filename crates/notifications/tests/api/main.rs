//! The notifications context through HTTP, with identity alongside as the source of `user.*`
//! events. Runs on SQLite, and on PostgreSQL too when `SOJOURN_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bookings;
mod delivery;
mod dreamscape;
mod events;
mod fake_push;
mod fake_twilio;
mod inbox;
mod isolation;
mod journey;
mod orders;
mod preferences;
mod reviews;
mod sends_kit;
mod sends_messages;
mod sends_payments;
mod sends_reminders;
mod smtp;
mod support;
