//! The Amadeus adapter against the fake Amadeus (`travel::amadeus::fake`), whose backend here
//! is a small supplier answering fixed Amadeus-shaped JSON: tokens, requests as sent, the
//! cache, retries, the circuit breaker and how Amadeus's errors reach our callers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)] // support helpers serve several modules

mod errors;
mod requests;
mod resilience;
mod support;
mod tokens;
