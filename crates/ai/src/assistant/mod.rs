//! The travel assistant: trip-planning conversations and itinerary drafts through an
//! OpenAI-compatible model ([`crate::llm`]), with tool calls into the travel supplier's
//! searches so what it proposes is real and bookable: a drafted itinerary holds only offers
//! its searches returned, priced again by the supplier, each item in the exact body the cart's
//! `POST /api/v1/cart/items` takes. Answers can stream (SSE). Each user has a daily token and
//! cost budget (`ai.model.daily_*`), counted from the model's reported usage. Without a model
//! every route answers `503 assistant_not_configured`.

mod budget;
mod draft;
mod http;
mod privacy;
mod service;
mod store;
mod tools;
mod turn;

use std::sync::Arc;

use platform::db::Migration;
use platform::events::Subscription;
use platform::{ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

use crate::llm::Model;
pub(crate) use budget::{Budget, estimate};
pub use privacy::USERS_CONSUMER;
pub use service::{MAX_MESSAGE_CHARS, MAX_TURNS};
pub use turn::MAX_ROUNDS;

pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 3,
    name: "assistant",
    sqlite: include_str!("../../migrations/sqlite/0003_assistant.sql"),
    postgres: include_str!("../../migrations/postgres/0003_assistant.sql"),
}];

pub(crate) fn openapi() -> OpenApi {
    http::routes().split_for_parts().1
}

pub(crate) async fn mount(env: &ContextEnv) -> Result<Mounted, StartError> {
    let model = Model::from_env(env);
    if model.is_none() {
        tracing::info!("no language model configured (ai.model): the assistant answers 503");
    }
    let state = service::Assistant {
        db: env.db.clone(),
        clock: env.clock.clone(),
        contracts: env.contracts.clone(),
        limits: env.limits.clone(),
        model,
        config: env.config.ai.model.clone(),
        busy: Arc::default(),
    };
    env.personal_data.register("ai.assistant", Arc::new(privacy::AssistantData { db: env.db.clone() }));
    let subscriptions = vec![Subscription::new(USERS_CONSUMER, "user.*", env.db.clone(), privacy::DeletedUsers)];
    Ok(Mounted { router: http::routes().with_state(state), subscriptions })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_is_documented_with_its_own_operation_id() {
        let doc = super::openapi();
        let mut ids = Vec::new();
        for (path, item) in &doc.paths.paths {
            for op in [&item.get, &item.post, &item.delete].into_iter().flatten() {
                let id = op.operation_id.clone().unwrap_or_default();
                assert!(id.starts_with("ai_assistant_"), "{path}: {id}");
                assert_eq!(op.tags.as_deref(), Some(&["AI assistant".to_owned()][..]), "{path}");
                ids.push(id);
            }
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 7, "{ids:?}");
    }
}
