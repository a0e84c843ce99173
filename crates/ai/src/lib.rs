//! AI: what the platform can suggest and explain from its own data, and what it can do with a
//! language model when one is configured.
//!
//! - [`recommend`]: destination and listing recommendations (item-based collaborative
//!   filtering over bookings, favourites, views and tracked interactions, blended with content
//!   similarity for cold start), trending and popular lists, user vectors and segments —
//!   DreamScape's `/api/v1/recommendations` and `/api/v1/ai` routes.
//! - [`contextual`]: weather and seasons (a configurable Open-Meteo-shaped provider, bundled
//!   climate normals without it) and the flight, activity and accommodation recommendations
//!   that search the travel supplier; DreamScape's `/api/v1/context` and `/admin` routes.
//! - [`assistant`]: trip-planning chat and itinerary drafts through an OpenAI-compatible API,
//!   with tool calls into our own search and travel supply, streamed, with per-user limits.
//! - [`analysis`]: review sentiment, trip purpose, and text, image and audio tools —
//!   offline where it can be computed, through the model otherwise.
//!
//! Nothing is downloaded at run time; without a model the model-backed parts answer `503`
//! with the reason and everything else still works.

pub mod analysis;
pub mod assistant;
pub mod contextual;
pub mod llm;
pub mod profile;
pub mod recommend;

use std::sync::LazyLock;

use async_trait::async_trait;
use platform::db::Migration;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

/// Each part owns one migration: recommend (1), contextual (2), assistant (3), analysis (4).
static MIGRATIONS: LazyLock<Vec<Migration>> = LazyLock::new(|| {
    [recommend::MIGRATIONS, contextual::MIGRATIONS, assistant::MIGRATIONS, analysis::MIGRATIONS].concat()
});

/// The ai context.
#[derive(Debug, Clone, Copy)]
pub struct Ai;

#[async_trait]
impl Context for Ai {
    fn name(&self) -> &'static str {
        "ai"
    }

    fn migrations(&self) -> &'static [Migration] {
        &MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        let mut doc = recommend::openapi();
        doc.merge(contextual::openapi());
        doc.merge(assistant::openapi());
        doc.merge(analysis::openapi());
        doc
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let mut router = OpenApiRouter::new();
        let mut subscriptions = Vec::new();
        for part in [
            recommend::mount(env).await?,
            contextual::mount(env).await?,
            assistant::mount(env).await?,
            analysis::mount(env).await?,
        ] {
            router = router.merge(part.router);
            subscriptions.extend(part.subscriptions);
        }
        Ok(Mounted { router, subscriptions })
    }
}
