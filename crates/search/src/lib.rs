//! Search: listing search over an embedded Tantivy index (`GET /api/v1/search/listings`),
//! kept fresh from catalog's `listing.*`, booking's `availability.changed` and reviews'
//! `review.summary_changed` events. The index is this context's own copy of what those contexts
//! publish — it never reads their tables — stored under `<data_dir>/search/v<SCHEMA_VERSION>/`;
//! its database keeps the payloads it was built from, so it can be rebuilt (see [`rebuild`]).
//! See docs/search.md.

pub mod discover;
pub mod domain;
mod events;
mod health;
mod http;
pub mod index;
mod indexing;
pub mod rebuild;
mod store;

use std::sync::Arc;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use events::{AVAILABILITY_CONSUMER, AVAILABILITY_EVENT, LISTINGS_CONSUMER, RATING_EVENT, RATINGS_CONSUMER};
pub use index::SCHEMA_VERSION;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "indexed_listings",
        sqlite: include_str!("../migrations/sqlite/0001_indexed_listings.sql"),
        postgres: include_str!("../migrations/postgres/0001_indexed_listings.sql"),
    },
    Migration {
        version: 2,
        name: "rebuildable",
        sqlite: include_str!("../migrations/sqlite/0002_rebuildable.sql"),
        postgres: include_str!("../migrations/postgres/0002_rebuildable.sql"),
    },
    // Popular destinations (`discover::popular`).
    Migration {
        version: 3,
        name: "destination_counts",
        sqlite: include_str!("../migrations/sqlite/0003_destination_counts.sql"),
        postgres: include_str!("../migrations/postgres/0003_destination_counts.sql"),
    },
    // A rating reviews stopped showing is cleared, not kept (`domain::signals::Rating`).
    Migration {
        version: 4,
        name: "rating_cleared",
        sqlite: include_str!("../migrations/sqlite/0004_rating_cleared.sql"),
        postgres: include_str!("../migrations/postgres/0004_rating_cleared.sql"),
    },
];

/// A file in `<data_dir>/search/` asking the next start to reindex from the feeds
/// (`sojourn search reindex` writes it; removed once that reindex succeeded).
pub const REINDEX_REQUEST: &str = "REINDEX";
/// The last rebuild's report (JSON), in `<data_dir>/search/`, for operators and the CLI.
pub const LAST_REBUILD: &str = "last-rebuild.json";

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
        let failed = |e: String| StartError::Context("search".into(), format!("index at {}: {e}", dir.display()));
        let opened = index::open(&dir).map_err(|e| failed(e.to_string()))?;
        let indexing = Arc::new(indexing::Indexing { clock: env.clock.clone(), writer: opened.writer });
        let rebuilds = rebuild::Rebuilds::new(indexing.clone(), env.db.clone(), env.contracts.clone());
        let mut confirmed = opened.confirmed;
        let db = env.db.clone();
        tokio::spawn(async move {
            while let Some(done) = confirmed.recv().await {
                if let Err(e) = store::committed(&db, &done).await {
                    // Harmless: those changes are replayed (idempotently) at the next start,
                    // which is all there is to say when the database was closed for shutdown.
                    if db.is_closed() {
                        break;
                    }
                    tracing::warn!(error = %e, "search: forgetting committed changes failed");
                }
            }
        });
        let request = dir.join(REINDEX_REQUEST);
        let force_feeds = request.exists();
        let starting = rebuilds.clone();
        let complete = opened.complete;
        let report = dir.join(LAST_REBUILD);
        tokio::spawn(async move {
            starting.start(complete, force_feeds).await;
            if let Some(last) = starting.last() {
                if force_feeds && last.ok {
                    let _ = std::fs::remove_file(&request);
                }
                if let Ok(json) = serde_json::to_vec_pretty(&last) {
                    let _ = std::fs::write(&report, json);
                }
            }
        });
        // Replicas each keep an index, so each needs every event: its own consumers.
        let instance = env.config.contexts.get("search").and_then(|c| c.instance.clone());
        let named = |consumer: &str| match &instance {
            Some(i) => format!("{consumer}.{i}"),
            None => consumer.to_owned(),
        };
        let indexer = || events::Indexer(indexing.clone());
        let subscriptions = vec![
            Subscription::new(named(LISTINGS_CONSUMER), "listing.*", env.db.clone(), indexer()),
            Subscription::new(named(AVAILABILITY_CONSUMER), "availability.*", env.db.clone(), indexer()),
            Subscription::new(named(RATINGS_CONSUMER), "review.*", env.db.clone(), indexer()),
        ];
        // --- discovery: suggestions, popular destinations, search history ---
        let index = opened.index;
        let places = discover::places::Places::new(index.clone());
        let counter = discover::BookingCounter { index: index.clone(), places: places.clone() };
        let mut subscriptions = subscriptions;
        subscriptions.push(Subscription::new(
            named(discover::BOOKINGS_CONSUMER),
            "booking.confirmed",
            env.db.clone(),
            counter,
        ));
        let discover = discover::Discover {
            places,
            popular: discover::popular::Popular::start(env.db.clone(), env.clock.clone()),
            searches: platform::events::DailyCounter::start(
                env.db.clone(),
                env.events.clone(),
                env.clock.clone(),
                discover::SEARCH_COUNTED,
                "searches",
                "listings",
            ),
            history: Arc::new(discover::history::SearchLog::new(env.db.clone(), env.events.clone(), env.clock.clone())),
            suggestions: Arc::default(),
        };
        let state = http::State { index, rebuilds, clock: env.clock.clone(), discover };
        env.readiness.register("search:index", std::sync::Arc::new(health::IndexProbe(state.clone())));
        Ok(Mounted { router: http::routes().with_state(state), subscriptions })
    }
}
