//! Insights: what happened on the platform, counted. It keeps facts from every context's
//! events (listings, reservations, money, users), takes tracked events from clients (page
//! and listing views, searches, clicks), rolls both up by day in each listing's time zone, and
//! serves host dashboards, administrators' KPIs and reports from them. It never asks another context: a dashboard is a read of its own tables,
//! and every rollup can be rebuilt from the facts (`sojourn insights rebuild --from DATE`).

mod calendar;
mod dreamscape;
mod events;
pub mod facts;
mod http;
mod period;
mod reports;
pub mod rollups;
mod service;
mod tracking;

use std::sync::Arc;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use calendar::AVAILABILITY_CONSUMER;
pub use dreamscape::VOYAGES_CONSUMER;
pub use events::{
    BOOKINGS_CONSUMER, LISTINGS_CONSUMER, MESSAGES_CONSUMER, PAYMENTS_CONSUMER, PAYOUTS_CONSUMER, PEOPLE_CONSUMER,
    REFUNDS_CONSUMER, REVIEWS_CONSUMER,
};
pub use service::Insights as Service;
pub use tracking::events::{CONSENT_CONSUMER, SEARCHES_CONSUMER};

/// Each part of insights owns one migration: facts (1), tracking (2), rollups (3), admin (4),
/// top lists ranked ahead and covering indexes (5), DreamScape's dashboard (6), closed nights (7).
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "facts",
        sqlite: include_str!("../migrations/sqlite/0001_facts.sql"),
        postgres: include_str!("../migrations/postgres/0001_facts.sql"),
    },
    Migration {
        version: 2,
        name: "tracking",
        sqlite: include_str!("../migrations/sqlite/0002_tracking.sql"),
        postgres: include_str!("../migrations/postgres/0002_tracking.sql"),
    },
    Migration {
        version: 3,
        name: "listing_days",
        sqlite: include_str!("../migrations/sqlite/0003_listing_days.sql"),
        postgres: include_str!("../migrations/postgres/0003_listing_days.sql"),
    },
    Migration {
        version: 4,
        name: "platform",
        sqlite: include_str!("../migrations/sqlite/0004_platform.sql"),
        postgres: include_str!("../migrations/postgres/0004_platform.sql"),
    },
    Migration {
        version: 5,
        name: "top_windows",
        sqlite: include_str!("../migrations/sqlite/0005_top_windows.sql"),
        postgres: include_str!("../migrations/postgres/0005_top_windows.sql"),
    },
    Migration {
        version: 6,
        name: "dreamscape",
        sqlite: include_str!("../migrations/sqlite/0006_dreamscape.sql"),
        postgres: include_str!("../migrations/postgres/0006_dreamscape.sql"),
    },
    Migration {
        version: 7,
        name: "blocked_nights",
        sqlite: include_str!("../migrations/sqlite/0007_blocked_nights.sql"),
        postgres: include_str!("../migrations/postgres/0007_blocked_nights.sql"),
    },
];

/// Recomputes every rollup row from `from` (a local day) on, from the facts alone, listing by
/// listing in batches; how many rows were written (`sojourn insights rebuild --from DATE`).
pub async fn rebuild(db: &platform::db::Db, from: chrono::NaiveDate) -> Result<u64, platform::db::DbError> {
    rollups::rebuild(db, from).await
}

/// Insights' routes, DreamScape's admin dashboard's included.
fn routes() -> utoipa_axum::router::OpenApiRouter<http::State> {
    http::routes().merge(dreamscape::routes())
}

/// The insights context.
#[derive(Debug, Clone, Copy)]
pub struct Insights;

#[async_trait]
impl Context for Insights {
    fn name(&self) -> &'static str {
        "insights"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let service = service::Insights {
            db: env.db.clone(),
            clock: env.clock.clone(),
            limits: env.limits.clone(),
            tracking: Arc::new(tracking::Settings::from_config(&env.config)),
        };
        env.personal_data.register("insights", Arc::new(tracking::privacy::TrackingData { db: env.db.clone() }));
        service.spawn_tracking_jobs();
        service.spawn_top_lists_job();
        let subscriptions = vec![
            Subscription::new(LISTINGS_CONSUMER, "listing.*", env.db.clone(), events::Listings),
            Subscription::new(BOOKINGS_CONSUMER, "booking.*", env.db.clone(), events::Bookings),
            Subscription::new(PAYMENTS_CONSUMER, "payment.*", env.db.clone(), events::Money),
            Subscription::new(REFUNDS_CONSUMER, "refund.*", env.db.clone(), events::Money),
            Subscription::new(PAYOUTS_CONSUMER, "payout.*", env.db.clone(), events::Money),
            Subscription::new(PEOPLE_CONSUMER, "user.*", env.db.clone(), events::People),
            Subscription::new(CONSENT_CONSUMER, "user.*", env.db.clone(), tracking::events::Consents),
            Subscription::new(SEARCHES_CONSUMER, "search.*", env.db.clone(), tracking::events::Searches),
            Subscription::new(MESSAGES_CONSUMER, "message.*", env.db.clone(), events::Messages),
            Subscription::new(REVIEWS_CONSUMER, "review.*", env.db.clone(), events::Reviews),
            Subscription::new(AVAILABILITY_CONSUMER, "availability.*", env.db.clone(), calendar::Blocked),
            Subscription::new(VOYAGES_CONSUMER, "voyage.*", env.db.clone(), dreamscape::Voyages),
        ];
        Ok(Mounted { router: routes().with_state(service), subscriptions })
    }
}
