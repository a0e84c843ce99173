//! Travel: DreamScape's voyage service — flights, hotels, activities, transfers, airports and
//! airlines — and the travel supplier booking's cart prices and books offers with.
//!
//! Every supplier speaks Amadeus Self-Service ([`provider`]): the Amadeus adapter over HTTP,
//! or the offline supplier (the default) from bundled reference data ([`reference`]), so every
//! flow works with no account and the same code serves both. The voyage routes keep
//! DreamScape's paths and shapes (`/api/v1/flights/search`, …, also under `/api/...`).

pub mod amadeus;
pub mod offline;
pub mod provider;
pub mod reference;

use async_trait::async_trait;
use platform::db::Migration;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "travel",
        sqlite: include_str!("../migrations/sqlite/0001_travel.sql"),
        postgres: include_str!("../migrations/postgres/0001_travel.sql"),
    },
    Migration {
        version: 2,
        name: "offline",
        sqlite: include_str!("../migrations/sqlite/0002_offline.sql"),
        postgres: include_str!("../migrations/postgres/0002_offline.sql"),
    },
];

/// The travel context.
#[derive(Debug, Clone, Copy)]
pub struct Travel;

#[async_trait]
impl Context for Travel {
    fn name(&self) -> &'static str {
        "travel"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        OpenApi::default()
    }

    async fn mount(&self, _env: &ContextEnv) -> Result<Mounted, StartError> {
        Ok(Mounted { router: utoipa_axum::router::OpenApiRouter::new(), subscriptions: Vec::new() })
    }
}
