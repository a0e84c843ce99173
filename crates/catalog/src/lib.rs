//! Catalog: providers and their listings of every kind — stays, restaurants, transport,
//! activities and products — on one model. Listings are drafts until complete, then
//! published; every change is an event for booking, search and insights. Listings are shown
//! with their reviews' rating and a summary of their media (panoramas, videos, tour), read from
//! the reviews and media contexts' events. Photo uploads are processed by a job.

pub mod domain;
mod feed;
pub mod geocode;
mod http;
mod privacy;
mod records;
pub mod service;
mod store;
mod view;

use std::sync::Arc;

use async_trait::async_trait;
use platform::db::Migration;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "catalog",
        sqlite: include_str!("../migrations/sqlite/0001_catalog.sql"),
        postgres: include_str!("../migrations/postgres/0001_catalog.sql"),
    },
    Migration {
        version: 2,
        name: "photos",
        sqlite: include_str!("../migrations/sqlite/0002_photos.sql"),
        postgres: include_str!("../migrations/postgres/0002_photos.sql"),
    },
    Migration {
        version: 3,
        name: "sessions",
        sqlite: include_str!("../migrations/sqlite/0003_sessions.sql"),
        postgres: include_str!("../migrations/postgres/0003_sessions.sql"),
    },
    Migration {
        version: 4,
        name: "trips",
        sqlite: include_str!("../migrations/sqlite/0004_trips.sql"),
        postgres: include_str!("../migrations/postgres/0004_trips.sql"),
    },
    Migration {
        version: 5,
        name: "search_indexes",
        sqlite: include_str!("../migrations/sqlite/0005_search_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0005_search_indexes.sql"),
    },
    Migration {
        version: 6,
        name: "feed_index",
        sqlite: include_str!("../migrations/sqlite/0006_feed_index.sql"),
        postgres: include_str!("../migrations/postgres/0006_feed_index.sql"),
    },
    // Reviews' ratings shown on listings (`service::ratings`).
    Migration {
        version: 7,
        name: "listing_ratings",
        sqlite: include_str!("../migrations/sqlite/0007_listing_ratings.sql"),
        postgres: include_str!("../migrations/postgres/0007_listing_ratings.sql"),
    },
    // Photo processing states (`service::photo_job`), and media's objects and tours per
    // listing (`service::media`).
    Migration {
        version: 8,
        name: "media",
        sqlite: include_str!("../migrations/sqlite/0008_media.sql"),
        postgres: include_str!("../migrations/postgres/0008_media.sql"),
    },
];

/// The catalog context.
#[derive(Debug, Clone, Copy)]
pub struct Catalog;

#[async_trait]
impl Context for Catalog {
    fn name(&self) -> &'static str {
        "catalog"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let geo = &env.config.geocoding;
        let geocoder: Option<Arc<dyn geocode::Geocoder>> = match &geo.url {
            Some(url) => Some(Arc::new(
                geocode::Nominatim::new(url, geo.user_agent.as_deref())
                    .map_err(|e| StartError::Context("catalog".into(), e))?,
            )),
            None => None,
        };
        let hot = platform::hot::HotCache::new(
            "catalog",
            env.config.server.hot_cache_bytes,
            env.cache.redis().cloned(),
            env.config.nats.url.is_some(),
        );
        env.metrics.register(Arc::new(hot.clone()));
        env.personal_data.register(
            "catalog",
            Arc::new(privacy::CatalogData { db: env.db.clone(), clock: env.clock.clone(), cache: hot.clone() }),
        );
        env.contracts.provide_records(
            platform::contracts::RecordKind::Listing,
            Arc::new(records::Listings { db: env.db.clone() }),
        );
        env.contracts
            .provide_feed(platform::contracts::FeedKind::Listings, Arc::new(feed::ListingsFeed { db: env.db.clone() }));
        let state = Arc::new(service::Catalog {
            db: env.db.clone(),
            clock: env.clock.clone(),
            events: env.events.clone(),
            media: env.media.clone(),
            jobs: env.jobs.clone(),
            geocoder,
            hot: hot.clone(),
        });
        env.jobs.register(service::photo_job::PHOTO_JOB, Arc::new(service::photo_job::PhotoJob::new(&state)));
        let erasure = platform::events::Subscription::new(
            "catalog.erasure",
            "user.deleted",
            env.db.clone(),
            privacy::ErasureOnDelete { db: env.db.clone(), clock: env.clock.clone(), cache: hot.clone() },
        );
        let ratings = platform::events::Subscription::new(
            service::ratings::RATINGS_CONSUMER,
            "review.*",
            env.db.clone(),
            service::ratings::RatingsConsumer { clock: env.clock.clone(), cache: hot.clone() },
        );
        let media = platform::events::Subscription::new(
            service::media::MEDIA_CONSUMER,
            service::media::MEDIA_EVENTS,
            env.db.clone(),
            service::media::MediaConsumer { cache: hot.clone() },
        );
        let mut subscriptions = vec![erasure, ratings, media];
        if hot.enabled() {
            subscriptions.push(platform::events::Subscription::new(
                "catalog.cache",
                "listing.*",
                env.db.clone(),
                platform::hot::ForgetOnEvent { cache: hot.clone(), group_of: service::cached::changed_group },
            ));
            subscriptions.push(platform::events::Subscription::new(
                "catalog.cache.providers",
                "provider.*",
                env.db.clone(),
                platform::hot::ForgetOnEvent { cache: hot.clone(), group_of: service::cached::changed_group },
            ));
        }
        Ok(Mounted { router: http::routes().with_state(state), subscriptions })
    }
}
