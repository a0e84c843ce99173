//! Booking: the resource core. Today it keeps a read model of the catalog's listings (from
//! `listing.*` events) and answers the nightly calendar of stays; inventory, quotes and
//! reservations build on it (issue 6).

pub mod calendar;
mod events;
mod http;
mod store;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use events::LISTINGS_CONSUMER;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "listings",
        sqlite: include_str!("../migrations/sqlite/0001_listings.sql"),
        postgres: include_str!("../migrations/postgres/0001_listings.sql"),
    },
    Migration {
        version: 2,
        name: "calendar",
        sqlite: include_str!("../migrations/sqlite/0002_calendar.sql"),
        postgres: include_str!("../migrations/postgres/0002_calendar.sql"),
    },
];

/// The booking context.
#[derive(Debug, Clone, Copy)]
pub struct Booking;

#[async_trait]
impl Context for Booking {
    fn name(&self) -> &'static str {
        "booking"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let state = http::State { db: env.db.clone(), clock: env.clock.clone() };
        let listings = Subscription::new(
            LISTINGS_CONSUMER,
            "listing.*",
            env.db.clone(),
            events::ListingsReadModel { clock: env.clock.clone() },
        );
        Ok(Mounted { router: http::routes().with_state(state), subscriptions: vec![listings] })
    }
}
