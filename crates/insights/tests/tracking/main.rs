//! Event tracking through HTTP: batches, consent, robots, dedupe, limits, GDPR, and the views
//! and searches it counts.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod batches;
mod consent;
mod counts;
mod support;
