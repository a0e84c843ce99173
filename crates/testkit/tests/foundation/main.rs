//! The foundation, tested through HTTP on a real server: envelopes and error paths, ops
//! endpoints, media serving, events through the outbox, migrations, graceful shutdown. Runs on
//! SQLite, and on PostgreSQL too when `SOJOURN_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod connections;
mod databases;
mod envelopes;
mod events;
mod forwarded;
mod groups;
mod http_stack;
mod media;
mod migrations;
mod nats;
mod nats_outage;
mod ops;
mod readiness;
mod realtime;
mod shutdown;
