//! Messaging: conversations between guests and hosts (an enquiry about a listing before
//! booking, and one conversation per reservation, its id derived from the reservation's) and
//! between users and the administrators (support). Messages with attachments, system messages
//! from booking's events, read receipts and unread counts, archive and mute, search, soft
//! delete, blocks, reports to moderators, and the marketplace rule that hides contact details
//! until a booking is confirmed. Everything it pushes to sockets goes through `realtime`.
//!
//! It knows listings and reservations only from catalog's and booking's events (its own read
//! models), never by asking those contexts.

pub mod domain;
mod events;
mod http;
mod privacy;
pub mod realtime;
mod service;
mod store;
mod view;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;
use utoipa_axum::router::OpenApiRouter;

pub use events::{ERASURE_CONSUMER, LISTINGS_CONSUMER};
pub use service::bookings::BOOKINGS_CONSUMER;

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "messaging",
    sqlite: include_str!("../migrations/sqlite/0001_messaging.sql"),
    postgres: include_str!("../migrations/postgres/0001_messaging.sql"),
}];

/// How often the check-in sweep runs.
const JOBS_EVERY: Duration = Duration::from_secs(60);

/// The messaging context.
#[derive(Debug, Clone, Copy)]
pub struct Messaging;

#[async_trait]
impl Context for Messaging {
    fn name(&self) -> &'static str {
        "messaging"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    /// The socket endpoints this context serves (not in OpenAPI).
    fn undocumented_routes(&self) -> Vec<String> {
        realtime::SOCKET_ROUTES.iter().map(|r| (*r).to_owned()).collect()
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let rt = realtime::hub(env);
        let service = service::Messaging {
            db: env.db.clone(),
            clock: env.clock.clone(),
            media: env.media.clone(),
            limits: env.limits.clone(),
            events: env.events.clone(),
            publisher: realtime::Publisher::new(rt.clone()),
        };
        realtime::register(&rt, &service);
        env.personal_data.register("messaging", Arc::new(privacy::MessagingData { db: env.db.clone() }));
        let subscriptions = vec![
            Subscription::new(LISTINGS_CONSUMER, "listing.*", env.db.clone(), events::ListingsReadModel),
            Subscription::new(
                BOOKINGS_CONSUMER,
                "booking.*",
                env.db.clone(),
                service::BookingsHandler { service: service.clone() },
            ),
            Subscription::new(ERASURE_CONSUMER, "user.deleted", env.db.clone(), events::ErasureOnDelete),
        ];
        service.spawn_scheduler(JOBS_EVERY);
        let router = http::routes().with_state(service).merge(OpenApiRouter::from(rt.router()));
        Ok(Mounted { router, subscriptions })
    }
}
