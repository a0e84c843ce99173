//! Analysis: review sentiment, trip purpose, and MyReprise's text, image and audio tools.
//!
//! Offline where it can be computed — sentiment from a lexicon shipped in the crate, trip
//! purpose from a logistic model with written weights, keywords (RAKE), topics, and what a
//! photo's pixels say (colours, perceptual hash, blur, brightness) — so these answer without
//! any model. Summaries, translations, captions and tags, free-label classification and
//! transcription go through the configured OpenAI-compatible model ([`crate::llm`]) and answer
//! `503` with the reason without one. Success bodies are bare JSON, as DreamScape's `/api/v1/ai`
//! routes are; errors use the platform's envelope.

mod events;
mod http;
mod keywords;
mod lexicon;
mod model;
mod picture;
mod privacy;
mod purpose;
mod store;

use std::sync::Arc;

use kernel::Clock;
use platform::db::{Db, Migration};
use platform::events::Subscription;
use platform::ratelimit::RateLimiter;
use platform::{ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use events::{BOOKINGS_CONSUMER, LISTINGS_CONSUMER, PEOPLE_CONSUMER, REVIEWS_CONSUMER};

pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 4,
    name: "analysis",
    sqlite: include_str!("../../migrations/sqlite/0004_analysis.sql"),
    postgres: include_str!("../../migrations/postgres/0004_analysis.sql"),
}];

/// What the handlers share.
#[derive(Clone)]
pub(crate) struct State {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub limits: Arc<RateLimiter>,
    /// The configured model, if any.
    pub model: Option<crate::llm::Model>,
    /// Each user's daily model budget, shared with the assistant.
    pub budget: crate::assistant::Budget,
}

pub(crate) fn openapi() -> OpenApi {
    http::routes().split_for_parts().1
}

pub(crate) async fn mount(env: &ContextEnv) -> Result<Mounted, StartError> {
    let state = State {
        db: env.db.clone(),
        clock: env.clock.clone(),
        limits: env.limits.clone(),
        model: crate::llm::Model::from_env(env),
        budget: crate::assistant::Budget {
            db: env.db.clone(),
            clock: env.clock.clone(),
            config: env.config.ai.model.clone(),
        },
    };
    env.personal_data.register("ai.analysis", Arc::new(privacy::AnalysisData { db: env.db.clone() }));
    let subscriptions = vec![
        Subscription::new(REVIEWS_CONSUMER, "review.*", env.db.clone(), events::Reviews),
        Subscription::new(BOOKINGS_CONSUMER, "booking.*", env.db.clone(), events::Bookings),
        Subscription::new(LISTINGS_CONSUMER, "listing.*", env.db.clone(), events::Listings),
        Subscription::new(PEOPLE_CONSUMER, "user.*", env.db.clone(), events::People),
    ];
    Ok(Mounted { router: http::routes().with_state(state), subscriptions })
}
