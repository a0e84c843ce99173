//! The audit log through HTTP, with identity, catalog, booking and payments: what each
//! security and money event and administrator's action leaves in the log, who may read it,
//! and the hash chain (redelivery, tampering, retention, concurrent appends).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod chain;
mod money;
mod query;
mod security;
mod support;
