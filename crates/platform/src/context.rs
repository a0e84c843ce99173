//! What a bounded context gives the platform, and what the platform gives it back.

use std::sync::Arc;

use kernel::Clock;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::Auth;
use crate::config::Config;
use crate::db::{Db, Migration};
use crate::events::{Relay, Subscription};
use crate::mail::Mailer;
use crate::privacy::PersonalDataRegistry;
use crate::ratelimit::RateLimiter;
use crate::secrets::Secrets;
use crate::storage::Media;

/// Everything a context needs at start-up: its own database and the shared services.
#[derive(Clone)]
pub struct ContextEnv {
    pub name: &'static str,
    pub db: Db,
    pub config: Arc<Config>,
    pub secrets: Arc<Secrets>,
    pub clock: Arc<dyn Clock>,
    pub events: Events,
    /// Access-token issuing and verification, shared by every context of the process.
    pub auth: Arc<Auth>,
    /// Rate limits, shared by every context of the process.
    pub limits: Arc<RateLimiter>,
    pub mailer: Arc<dyn Mailer>,
    /// Contexts holding personal data register here (GDPR export and erasure).
    pub personal_data: Arc<PersonalDataRegistry>,
    /// User media (avatars, photos): the object store and the public URLs of its objects.
    pub media: Media,
    /// The synchronous questions between contexts (see [`crate::contracts`]).
    pub contracts: Arc<crate::contracts::Contracts>,
    /// The shared hot-read cache (Redis); a no-op without Redis.
    pub cache: crate::cache::Cache,
    /// Pushes to clients' sockets (rooms per user and per conversation), across processes.
    pub realtime: crate::realtime::Realtime,
    /// Checks of the context's own state that `/health/ready` runs (see [`crate::readiness`]).
    pub readiness: Arc<crate::readiness::Readiness>,
    /// Counters the context keeps for `/metrics`.
    pub metrics: Arc<crate::metrics::ContextMetrics>,
    /// Long-running work (see [`crate::shutdown::Background`]).
    pub background: Arc<crate::shutdown::Background>,
    /// The context's durable job queue: register handlers at mount, enqueue with the data
    /// (see [`crate::jobs`]). Its worker starts after mount when a handler is registered.
    pub jobs: crate::jobs::Jobs,
}

/// Handle on the event machinery for a context. It holds the relay weakly: event handlers
/// often keep a context's service (which keeps this handle), and the relay keeps the handlers —
/// a strong reference would be a cycle that never frees the databases.
#[derive(Clone)]
pub struct Events {
    pub(crate) relay: std::sync::Weak<Relay>,
    /// The context's outbox in the relay.
    pub(crate) source: Option<usize>,
    /// How long a request waits for its events to reach this process's consumers; `None`
    /// when it does not wait (see [`crate::events::settle`]).
    pub(crate) settle: Option<std::time::Duration>,
}

impl Events {
    /// Tells the relay that events were just committed, so they go out without waiting for
    /// the next poll; within a request, the answer waits until this process's consumers have
    /// handled them (read your writes).
    pub fn committed(&self) {
        let Some(relay) = self.relay.upgrade() else { return };
        let waited_on = match (self.source, self.settle) {
            (Some(source), Some(timeout)) => crate::events::settle::record(&relay, source, timeout),
            _ => false,
        };
        if !waited_on {
            relay.wake();
        }
    }
}

/// What a context contributes once started.
pub struct Mounted {
    /// Its routes, with their OpenAPI descriptions, state already applied.
    pub router: OpenApiRouter,
    /// Its event consumers.
    pub subscriptions: Vec<Subscription>,
}

/// A bounded context: one crate, one database, one router.
#[async_trait::async_trait]
pub trait Context: Send + Sync + 'static {
    /// Short lowercase name: database file / schema name and `--only` value.
    fn name(&self) -> &'static str;

    /// Its schema, oldest first.
    fn migrations(&self) -> &'static [Migration];

    /// Secrets it needs (generated in development, required in production).
    fn secrets(&self) -> &'static [&'static str] {
        &[]
    }

    /// The OpenAPI description of its routes, without starting anything.
    fn openapi(&self) -> OpenApi;

    /// Route templates it serves beyond those in [`Context::openapi`] (aliases of documented
    /// routes under other prefixes), so that a gateway in front of it routes them too.
    fn undocumented_routes(&self) -> Vec<String> {
        Vec::new()
    }

    /// Builds its routes and consumers on its database (and loads what it keeps in memory).
    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, crate::StartError>;
}
