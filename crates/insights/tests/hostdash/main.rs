//! Host dashboards, their downloads, the monthly statement and the rollups' rebuild, through
//! HTTP with identity, catalog, booking, payments and messaging running beside insights.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)] // support helpers serve several modules

mod access;
mod closed;
mod dashboard;
mod statement;
mod support;
