//! Search through HTTP, with identity (accounts) and catalog (listings and their events)
//! running beside it: full text with typos, stems and prefixes, filters, distance, sorts,
//! facets, freshness after publish/update/unpublish, and 400s for bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(dead_code)] // support helpers serve several modules

mod discover;
mod freshness;
mod history;
mod journey;
mod popular;
mod query;
mod ratings_feed;
mod signals;
mod support;
mod validation;
