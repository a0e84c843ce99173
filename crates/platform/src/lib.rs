//! The platform every Sojourn context stands on: configuration, telemetry, databases and
//! migrations, events (outbox + relay + bus), the HTTP stack with its ops endpoints and
//! OpenAPI docs, media storage and image normalisation, and the start-up / graceful-shutdown
//! sequence.
//!
//! Contexts depend on this crate and on `kernel`, never on each other.

pub mod app;
pub mod auth;
pub mod cache;
pub mod config;
pub mod context;
pub mod contracts;
pub mod db;
pub mod events;
pub mod hot;
pub mod http;
pub mod images;
pub mod jobs;
pub mod mail;
pub mod metrics;
pub mod privacy;
pub mod ratelimit;
pub mod readiness;
pub mod realtime;
pub mod redis;
pub mod schedule;
pub mod secrets;
pub mod shutdown;
pub mod storage;
pub mod telemetry;
pub mod trace;

pub use app::{App, Platform, VERSION};
pub use config::{Config, ConfigError};
pub use context::{Context, ContextEnv, Events, Mounted};

/// Why the process could not start (or keep serving).
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database of context `{0}`: {1}")]
    Database(String, db::DbError),
    #[error("context `{0}`: {1}")]
    Context(String, String),
    #[error("events: {0}")]
    Events(String),
    #[error("server: {0}")]
    Server(String),
}
