//! The probe context: the smallest context that uses every platform mechanism — its own
//! database and migrations, a transactional outbox write, an event subscription with dedupe,
//! the JSON extractor and the error envelope. Tests only; never mounted by `sojourn serve`.

mod http;
mod realtime;
mod store;

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::db::{Migration, Tx};
use platform::events::{EventHandler, HandlerError, Subscription};
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use store::Probe as ProbeRecord;

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "probes",
    sqlite: include_str!("../../migrations/sqlite/0001_probes.sql"),
    postgres: include_str!("../../migrations/postgres/0001_probes.sql"),
}];

/// The probe context.
#[derive(Debug, Clone, Copy)]
pub struct Probe;

#[async_trait]
impl Context for Probe {
    fn name(&self) -> &'static str {
        "probe"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let router = http::routes().with_state(http::State {
            db: env.db.clone(),
            events: env.events.clone(),
            clock: env.clock.clone(),
        });
        let recorder = Subscription::new("probe.recorder", "probe.*", env.db.clone(), Recorder);
        // The realtime channel, with two client events for its tests: `probe:echo` answers
        // what it got, `probe:join` joins the conversation room it names.
        env.realtime.on("probe:echo", std::sync::Arc::new(realtime::Echo));
        env.realtime.on("probe:join", std::sync::Arc::new(realtime::Join));
        let router = router.merge(utoipa_axum::router::OpenApiRouter::from(env.realtime.router()));
        Ok(Mounted { router, subscriptions: vec![recorder] })
    }
}

/// Records every `probe.*` event it receives; fails on events whose data asks it to.
struct Recorder;

#[async_trait]
impl EventHandler for Recorder {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if event.data.get("failHandler").and_then(serde_json::Value::as_bool) == Some(true) {
            return Err("asked to fail".into());
        }
        store::record_received(tx, event).await?;
        Ok(())
    }
}
