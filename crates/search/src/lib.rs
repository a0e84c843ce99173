//! Search: listing search over an embedded Tantivy index (`GET /api/v1/search/listings`),
//! kept fresh from catalog's `listing.*` events. The index is this context's own copy of what
//! catalog publishes — it never reads catalog's tables — stored under
//! `<data_dir>/search/v<SCHEMA_VERSION>/`; its database only records which listing versions
//! were applied (and the platform's processed-events dedupe). See docs/search.md.

pub mod discover;
pub mod domain;
mod events;
mod http;
pub mod index;
mod store;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use events::LISTINGS_CONSUMER;
pub use index::SCHEMA_VERSION;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "indexed_listings",
        sqlite: include_str!("../migrations/sqlite/0001_indexed_listings.sql"),
        postgres: include_str!("../migrations/postgres/0001_indexed_listings.sql"),
    },
    // Popular destinations (`discover::popular`).
    Migration {
        version: 3,
        name: "destination_counts",
        sqlite: include_str!("../migrations/sqlite/0003_destination_counts.sql"),
        postgres: include_str!("../migrations/postgres/0003_destination_counts.sql"),
    },
];

/// The search context.
#[derive(Debug, Clone, Copy)]
pub struct Search;

#[async_trait]
impl Context for Search {
    fn name(&self) -> &'static str {
        "search"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let dir = env.config.data_dir.join("search");
        let (index, writer) = index::open(&dir)
            .map_err(|e| StartError::Context("search".into(), format!("index at {}: {e}", dir.display())))?;
        let indexer = events::ListingIndexer { clock: env.clock.clone(), writer };
        let listings = Subscription::new(LISTINGS_CONSUMER, "listing.*", env.db.clone(), indexer);
        // --- discovery: suggestions, popular destinations, search history ---
        let places = discover::places::Places::new(index.clone());
        let counter = discover::BookingCounter { index: index.clone(), places: places.clone() };
        let bookings = Subscription::new(discover::BOOKINGS_CONSUMER, "booking.confirmed", env.db.clone(), counter);
        let discover = discover::Discover {
            places,
            popular: discover::popular::Popular::start(env.db.clone(), env.clock.clone()),
            history: std::sync::Arc::new(discover::history::SearchLog::new(
                env.db.clone(),
                env.events.clone(),
                env.clock.clone(),
            )),
            suggestions: std::sync::Arc::default(),
        };
        let state = http::State { index, discover };
        Ok(Mounted { router: http::routes().with_state(state), subscriptions: vec![listings, bookings] })
    }
}
