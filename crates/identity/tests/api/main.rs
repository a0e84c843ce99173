//! The identity context through HTTP: accounts, credentials, sessions, tokens, MFA, mail links,
//! phone verification, rate limits and events. Runs on SQLite, and on PostgreSQL too when
//! `SOJOURN_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod admin;
mod alerts;
mod avatar;
mod backoffice;
mod contract;
mod dashboard;
mod delivery_events;
mod dreamscape_auth;
mod email;
mod events;
mod favorites;
mod gdpr;
mod history;
mod limits;
mod login;
mod logout;
mod mfa;
mod onboarding;
mod password;
mod phone;
mod privacy;
mod profile;
mod profile_cache;
mod profile_row;
mod questionnaire;
mod races;
mod refresh;
mod register;
mod search_history;
mod sessions;
mod shared_redis;
mod split;
mod status;
mod support;
mod tokens;
mod users;
