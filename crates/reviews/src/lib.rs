//! Reviews: after a reservation is completed, its guest and its host may each review the other
//! once, within 14 days. Reviews are double-blind — hidden from the other side until both have
//! written or the window has closed, then published at the same instant — so neither side
//! writes in reaction to the other. Overall and category ratings by kind, a public comment, a
//! private note, the reviewed side's response, flags and a moderation queue, and aggregates
//! per listing and per user (public from three reviews).
//!
//! It knows reservations and names only from booking's and identity's events; catalog and
//! search learn each listing's rating from `review.summary_changed` (and the ratings feed).

pub mod domain;
mod events;
mod feed;
mod http;
mod privacy;
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

pub use events::{BOOKINGS_CONSUMER, PEOPLE_CONSUMER};

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "reviews",
    sqlite: include_str!("../migrations/sqlite/0001_reviews.sql"),
    postgres: include_str!("../migrations/postgres/0001_reviews.sql"),
}];

/// How often windows are closed and reminders sent.
const JOBS_EVERY: Duration = Duration::from_secs(60);

/// The reviews context.
#[derive(Debug, Clone, Copy)]
pub struct Reviews;

#[async_trait]
impl Context for Reviews {
    fn name(&self) -> &'static str {
        "reviews"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let service = service::Reviews {
            db: env.db.clone(),
            clock: env.clock.clone(),
            events: env.events.clone(),
            limits: env.limits.clone(),
            contracts: env.contracts.clone(),
        };
        env.personal_data.register("reviews", Arc::new(privacy::ReviewsData { db: env.db.clone() }));
        env.contracts
            .provide_feed(platform::contracts::FeedKind::Ratings, Arc::new(feed::RatingsFeed { db: env.db.clone() }));
        let subscriptions = vec![
            Subscription::new(BOOKINGS_CONSUMER, "booking.*", env.db.clone(), events::Bookings),
            Subscription::new(PEOPLE_CONSUMER, "user.*", env.db.clone(), events::People { clock: env.clock.clone() }),
        ];
        service.spawn_scheduler(JOBS_EVERY);
        Ok(Mounted { router: http::routes().with_state(service), subscriptions })
    }
}
