//! Reviews through HTTP, with identity (accounts, names), catalog (listings) and booking
//! (reservations taken to completion) running beside it: the double-blind rules and their
//! races, what may be written when, aggregates and their threshold, moderation, reminders,
//! lists and GDPR.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)] // support helpers serve several modules

mod aggregates;
mod double_blind;
mod moderation;
mod notices;
mod privacy;
mod reminders;
mod rules;
mod shown;
mod support;
