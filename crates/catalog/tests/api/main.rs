//! The catalog through HTTP: providers, the listing life cycle, validation, ownership,
//! optimistic concurrency, events. SQLite always; PostgreSQL when `SOJOURN_TEST_POSTGRES_URL`
//! is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod batch;
mod blocks;
mod cache;
mod feed;
mod geocoding;
mod hot;
mod listings;
mod media;
mod photo_jobs;
mod photos;
mod privacy;
mod providers;
mod ratings;
mod restaurants;
mod sessions;
mod support;
mod trips;
