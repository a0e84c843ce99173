//! Context for travel suggestions: weather and seasons, and the flight, activity and
//! accommodation recommendations built on the travel supplier's searches.
//!
//! - `/api/v1/context/*` (DreamScape §5.3): current weather and forecasts through a
//!   [`weather::WeatherProvider`] (Open-Meteo's shape, `ai.weather.url`), seasons and travel
//!   seasons from bundled climate normals ([`climate`]), and re-scoring of any recommendation
//!   list by that context ([`rescore`]). Without a provider, weather answers `404` as DreamScape
//!   does without its key, and everything else runs on the normals.
//! - `/api/v1/recommendations/{flights,activities,accommodations}` (§5.2): the supplier's
//!   offers ranked against the caller's onboarding profile ([`crate::profile`]) and the query,
//!   with the reasons; an A/B split ([`settings`]) chooses per user between rule-based scoring
//!   and the same blended with what travellers did with the offered items (learned from the
//!   interaction routes).
//! - `/admin/*` (§5.5): the split, the learned scorer's circuit breaker, its state.
//!
//! Nothing here is personal data: interactions are handed to the recommender
//! (`crate::recommend::record_interaction`, which keeps and erases them) and counted here per
//! item only.

mod admin;
mod climate;
mod context_http;
#[cfg(feature = "fake")]
pub mod fake;
mod rescore;
mod settings;
mod store;
mod typed;
mod weather;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use kernel::Clock;
use platform::contracts::Contracts;
use platform::db::{Db, Migration};
use platform::{ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use weather::{WeatherProvider, wmo};

pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 2,
    name: "contextual",
    sqlite: include_str!("../../migrations/sqlite/0002_contextual.sql"),
    postgres: include_str!("../../migrations/postgres/0002_contextual.sql"),
}];

/// What the handlers share.
pub struct Service {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub weather: weather::Weather,
    pub contracts: Arc<Contracts>,
    pub started: DateTime<Utc>,
}

pub type State = Arc<Service>;

fn routes() -> OpenApiRouter<State> {
    OpenApiRouter::new()
        .routes(routes!(context_http::weather))
        .routes(routes!(context_http::forecast))
        .routes(routes!(context_http::seasonal))
        .routes(routes!(context_http::recommendations))
        .routes(routes!(context_http::health))
        .routes(routes!(context_http::clear_cache))
        .merge(typed::routes())
        .merge(admin::routes())
}

pub(crate) fn openapi() -> OpenApi {
    routes().split_for_parts().1
}

pub(crate) async fn mount(env: &ContextEnv) -> Result<Mounted, StartError> {
    let config = &env.config.ai.weather;
    let provider: Option<Arc<dyn WeatherProvider>> = match &config.url {
        Some(url) => Some(Arc::new(
            weather::OpenMeteo::new(url, config.timeout_secs).map_err(|e| StartError::Context("ai".into(), e))?,
        )),
        None => None,
    };
    let service = Arc::new(Service {
        db: env.db.clone(),
        clock: env.clock.clone(),
        weather: weather::Weather::new(provider, config.cache_secs, env.clock.clone()),
        contracts: env.contracts.clone(),
        started: env.clock.now(),
    });
    Ok(Mounted { router: routes().with_state(service), subscriptions: Vec::new() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_operation_is_documented_with_its_own_id() {
        let doc = super::openapi();
        let mut ids = Vec::new();
        for (path, item) in &doc.paths.paths {
            let ops = [&item.get, &item.post, &item.patch, &item.delete, &item.put];
            for op in ops.into_iter().flatten() {
                let id = op.operation_id.clone().unwrap_or_default();
                assert!(id.starts_with("ai_ctx_"), "{path}: {id}");
                assert!(op.tags.as_ref().is_some_and(|t| !t.is_empty()), "{path}");
                ids.push(id);
            }
        }
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!((count, ids.len()), (22, 22));
    }
}
