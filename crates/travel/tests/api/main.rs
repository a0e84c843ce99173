//! The travel context's tests, in one binary: the whole trip (offline, and through the Amadeus
//! adapter against a fake Amadeus), the adapter's resilience, and the offline supplier against
//! real databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod amadeus;
mod journey;
mod offline_air;
mod offline_ground;
