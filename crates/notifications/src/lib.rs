//! Notifications: the in-app inbox (`/api/v1/users/notifications`) and per-type, per-channel
//! preferences (`/api/v1/users/notification-preferences`, DreamScape's 7-key view, and
//! `…/channels`, the whole grid). The inbox is filled from other contexts' events (identity's
//! `user.*`, booking's `booking.*` and `order.*` and reviews' `review.*`) and by other services
//! through the internal route.
//! Identity's profile events also tell it each reader's language, so notices are written in it.

pub mod domain;
mod events;
mod http;
mod privacy;
mod push;
mod service;
pub mod sms;
mod store;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use events::{INBOX_CONSUMER, ORDERS_CONSUMER, REVIEWS_CONSUMER};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "inbox",
        sqlite: include_str!("../migrations/sqlite/0001_inbox.sql"),
        postgres: include_str!("../migrations/postgres/0001_inbox.sql"),
    },
    Migration {
        version: 2,
        name: "readers",
        sqlite: include_str!("../migrations/sqlite/0002_readers.sql"),
        postgres: include_str!("../migrations/postgres/0002_readers.sql"),
    },
    Migration {
        version: 3,
        name: "cancellation_preferences",
        sqlite: include_str!("../migrations/sqlite/0003_cancellation_preferences.sql"),
        postgres: include_str!("../migrations/postgres/0003_cancellation_preferences.sql"),
    },
];

/// The notifications context.
#[derive(Debug, Clone, Copy)]
pub struct Notifications;

#[async_trait]
impl Context for Notifications {
    fn name(&self) -> &'static str {
        "notifications"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        // Optional here: without it only administrators can use the internal route.
        let internal_key =
            env.secrets.get(platform::contracts::http::INTERNAL_API_KEY).cloned().map(std::sync::Arc::new);
        let push = std::sync::Arc::new(push::Pusher::new(env.realtime.clone()));
        let state = http::State { db: env.db.clone(), clock: env.clock.clone(), internal_key, push: push.clone() };
        env.personal_data
            .register("notifications", std::sync::Arc::new(privacy::NotificationsData { db: env.db.clone() }));
        let inbox = Subscription::new(
            INBOX_CONSUMER,
            "user.*",
            env.db.clone(),
            events::InboxFiller { clock: env.clock.clone(), push: push.clone() },
        );
        let bookings = Subscription::new(
            events::BOOKINGS_CONSUMER,
            "booking.*",
            env.db.clone(),
            events::InboxFiller { clock: env.clock.clone(), push: push.clone() },
        );
        let reviews = Subscription::new(
            events::REVIEWS_CONSUMER,
            "review.*",
            env.db.clone(),
            events::InboxFiller { clock: env.clock.clone(), push: push.clone() },
        );
        // Its own consumer: booking announces menu orders as `order.*`, apart from bookings.
        let orders = Subscription::new(
            ORDERS_CONSUMER,
            "order.*",
            env.db.clone(),
            events::InboxFiller { clock: env.clock.clone(), push: push.clone() },
        );
        Ok(Mounted { router: http::routes().with_state(state), subscriptions: vec![inbox, bookings, reviews, orders] })
    }
}
