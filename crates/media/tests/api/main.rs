//! The media context through HTTP: panorama and video uploads (single request and chunked),
//! processing off the request path, range streaming from /media, quotas, bad files, tours.
//! SQLite always; PostgreSQL when `SOJOURN_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod journey;
mod objects;
mod support;
mod tours;
mod uploads;
