//! Travel: DreamScape's voyage service — flights, hotels, activities, transfers, airports and
//! airlines — and the travel supplier booking's cart prices and books offers with.
//!
//! Every supplier speaks Amadeus Self-Service ([`provider`]): the Amadeus adapter over HTTP,
//! or the offline supplier (the default) from bundled reference data ([`reference`]), so every
//! flow works with no account and the same code serves both. The voyage routes keep
//! DreamScape's paths and shapes (`/api/v1/flights/search`, …, also under `/api/...`).

pub mod amadeus;
mod http;
pub mod offline;
mod privacy;
pub mod provider;
pub mod reference;
pub mod service;
mod store;

use std::sync::Arc;

use async_trait::async_trait;
use platform::config::TravelSupplier;
use platform::contracts::http::INTERNAL_API_KEY;
use platform::db::Migration;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

use crate::provider::Provider;

/// The secret holding the Amadeus app's client secret.
pub const AMADEUS_SECRET: &str = "amadeus_client_secret";

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
        http::routes().split_for_parts().1
    }

    fn undocumented_routes(&self) -> Vec<String> {
        http::alias_templates()
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let config = &env.config.travel;
        let provider: Arc<dyn Provider> = match config.supplier {
            TravelSupplier::Offline => Arc::new(offline::Offline::new(
                env.db.clone(),
                config.offline_seed,
                env.clock.clone(),
                config.currency.clone(),
            )),
            TravelSupplier::Amadeus => {
                let secret = env.secrets.get(AMADEUS_SECRET).ok_or_else(|| {
                    StartError::Context(
                        "travel".into(),
                        format!("the amadeus supplier needs the {AMADEUS_SECRET} secret"),
                    )
                })?;
                let adapter = amadeus::Amadeus::new(&config.amadeus, secret.clone())
                    .map_err(|e| StartError::Context("travel".into(), e))?;
                Arc::new(adapter)
            }
        };
        let service = service::Travel {
            db: env.db.clone(),
            clock: env.clock.clone(),
            provider,
            currency: config.currency.clone(),
            searches: platform::events::DailyCounter::start(
                env.db.clone(),
                env.events.clone(),
                env.clock.clone(),
                "search.counted",
                "searches",
                "travel",
            ),
        };
        env.contracts.provide_supplier(Arc::new(service.clone()));
        env.personal_data.register("travel", Arc::new(privacy::TravelData { db: env.db.clone() }));
        let internal = http::internal::routes(service.clone(), env.secrets.get(INTERNAL_API_KEY));
        let router = http::routes().with_state(service).merge(utoipa_axum::router::OpenApiRouter::from(internal));
        Ok(Mounted { router, subscriptions: Vec::new() })
    }
}
