//! The recommender: DreamScape's destination recommendations (`/api/v1/recommendations`, §5.1)
//! and its onboarding integration (`/api/v1/ai`, §5.4), from our own data. Implicit feedback
//! (bookings, favourites, tracked views and clicks, typed-recommendation interactions) feeds an
//! item-based collaborative filter over the bundled destinations, blended with content
//! similarity to the onboarding profile for cold start, time-decayed trending and popularity
//! per segment. The model is rebuilt by a job and users' lists are recomputed when something
//! about them changes, so reads are reads. See docs/ai/recommend.md.

pub mod catalog;
mod coldstart;
pub mod engine;
pub mod events;
pub mod features;
pub mod feedback;
mod http;
pub mod listings;
mod model;
mod privacy;
pub mod service;
pub mod similar_listings;
pub mod store;
mod views;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use platform::events::Subscription;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Migration};
use platform::{ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;
use uuid::Uuid;

pub(crate) const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "recommend",
    sqlite: include_str!("../../migrations/sqlite/0001_recommend.sql"),
    postgres: include_str!("../../migrations/postgres/0001_recommend.sql"),
}];

/// Records one implicit-feedback signal of `user` on an item: `item_kind` `destination`
/// (`item_id` a destination code), `listing` (a listing id), or another kind (`activity`,
/// `flight`, `hotel`: kept, and counted for a destination when `item_id` names one). `action`
/// is one of [`feedback::weight`]'s (view, click, book, like, save, wishlist, compare, dislike,
/// reject, …). When it counts for a destination, the user's list is recomputed at once (the
/// model itself at the next rebuild). Whether it was recorded (unknown actions are not).
pub async fn record_interaction(
    db: &Db,
    user: Uuid,
    item_kind: &str,
    item_id: &str,
    action: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let Some(weight) = feedback::weight(action) else { return Ok(false) };
    let mut tx = db.begin().await?;
    let destination = feedback::destination_of(&mut tx, item_kind, item_id).await?;
    let signal = feedback::Signal {
        user,
        item_kind: item_kind.to_owned(),
        item_id: item_id.to_owned(),
        destination,
        action: feedback::canonical(action).to_owned(),
        weight,
        source: format!("interaction:{item_kind}"),
        at,
    };
    feedback::insert(&mut tx, &signal).await?;
    if signal.destination.is_some() {
        service::compute_user(&mut tx, user, at, "general", "behaviour").await?;
    }
    tx.commit().await?;
    Ok(true)
}

pub(crate) fn openapi() -> OpenApi {
    http::routes().split_for_parts().1
}

pub(crate) async fn mount(env: &ContextEnv) -> Result<Mounted, StartError> {
    let config = &env.config.ai.recommend;
    let service = service::Recommender {
        db: env.db.clone(),
        clock: env.clock.clone(),
        half_life_days: f64::from(config.trending_half_life_days),
        interval_secs: config.rebuild_interval_secs,
        dirty: Arc::new(AtomicBool::new(false)),
    };
    env.personal_data.register("ai.recommend", Arc::new(privacy::RecommendData { db: env.db.clone() }));
    service.spawn_job(std::time::Duration::from_secs(config.rebuild_interval_secs));
    let subscriptions = vec![
        Subscription::new(events::USERS_CONSUMER, "user.*", env.db.clone(), events::Users(service.clone())),
        Subscription::new(events::BOOKINGS_CONSUMER, "booking.*", env.db.clone(), events::Bookings(service.clone())),
        Subscription::new(events::LISTINGS_CONSUMER, "listing.*", env.db.clone(), events::Listings(service.clone())),
    ];
    Ok(Mounted { router: http::routes().with_state(service), subscriptions })
}
