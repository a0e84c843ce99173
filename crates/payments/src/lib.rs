//! Payments: payment intents with Stripe's states, made by one processor per deployment
//! (an offline sandbox by default, Stripe or PayPal), signed webhooks in, refunds, a
//! double-entry ledger, host payouts (Stripe Connect, PayPal Payouts), financial reports, an
//! audit log, `Idempotency-Key` on its POSTs, and coupled to reservations by events only —
//! `payment.*` out, `booking.*` in.

mod accounts;
mod admin;
mod audit;
mod cancel;
mod dreamscape;
mod events;
mod groups;
mod http;
mod idempotency;
mod internal;
pub mod ledger;
mod ops;
pub mod payouts;
pub mod processor;
mod refunds;
pub mod reports;
pub mod service;
pub mod signature;
mod store;
mod webhook;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "intents",
        sqlite: include_str!("../migrations/sqlite/0001_intents.sql"),
        postgres: include_str!("../migrations/postgres/0001_intents.sql"),
    },
    Migration {
        version: 2,
        name: "idempotency_webhooks",
        sqlite: include_str!("../migrations/sqlite/0002_idempotency.sql"),
        postgres: include_str!("../migrations/postgres/0002_idempotency.sql"),
    },
    Migration {
        version: 3,
        name: "refunds",
        sqlite: include_str!("../migrations/sqlite/0003_refunds.sql"),
        postgres: include_str!("../migrations/postgres/0003_refunds.sql"),
    },
    Migration {
        version: 4,
        name: "ledger",
        sqlite: include_str!("../migrations/sqlite/0004_ledger.sql"),
        postgres: include_str!("../migrations/postgres/0004_ledger.sql"),
    },
    Migration {
        version: 5,
        name: "payouts",
        sqlite: include_str!("../migrations/sqlite/0005_payouts.sql"),
        postgres: include_str!("../migrations/postgres/0005_payouts.sql"),
    },
    Migration {
        version: 6,
        name: "audit",
        sqlite: include_str!("../migrations/sqlite/0006_audit.sql"),
        postgres: include_str!("../migrations/postgres/0006_audit.sql"),
    },
    Migration {
        version: 7,
        name: "processors",
        sqlite: include_str!("../migrations/sqlite/0007_processors.sql"),
        postgres: include_str!("../migrations/postgres/0007_processors.sql"),
    },
    Migration {
        version: 8,
        name: "groups",
        sqlite: include_str!("../migrations/sqlite/0008_groups.sql"),
        postgres: include_str!("../migrations/postgres/0008_groups.sql"),
    },
    Migration {
        version: 9,
        name: "dreamscape",
        sqlite: include_str!("../migrations/sqlite/0009_dreamscape.sql"),
        postgres: include_str!("../migrations/postgres/0009_dreamscape.sql"),
    },
];

/// The payments context.
#[derive(Debug, Clone, Copy)]
pub struct Payments;

#[async_trait]
impl Context for Payments {
    fn name(&self) -> &'static str {
        "payments"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn secrets(&self) -> &'static [&'static str] {
        &[webhook::SECRET, platform::contracts::http::INTERNAL_API_KEY]
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let secret = env.secrets.get(webhook::SECRET).map(|s| s.expose().to_owned()).ok_or_else(|| {
            StartError::Context("payments".into(), format!("secret `{}` is missing", webhook::SECRET))
        })?;
        let engine = service::Payments {
            db: env.db.clone(),
            clock: env.clock.clone(),
            events: env.events.clone(),
            webhook_secret: std::sync::Arc::from(secret),
            processor: processor::from_config(&env.config.payments, &env.secrets)
                .map_err(|e| StartError::Context("payments".into(), e))?,
            ops_lock: std::sync::Arc::default(),
            contracts: std::sync::Arc::downgrade(&env.contracts),
        };
        let bookings = Subscription::new(
            events::BOOKINGS_CONSUMER,
            "booking.*",
            env.db.clone(),
            events::BookingsFollower { engine: engine.clone() },
        );
        // Menu orders are reservations too, announced as `order.*` (booking's `orders`).
        let orders = Subscription::new(
            events::ORDERS_CONSUMER,
            "order.*",
            env.db.clone(),
            events::BookingsFollower { engine: engine.clone() },
        );
        let voyage = Subscription::new(
            events::VOYAGE_CONSUMER,
            "voyage.*",
            env.db.clone(),
            events::VoyageFollower { engine: engine.clone() },
        );
        env.contracts.provide_payments(std::sync::Arc::new(engine.clone()));
        engine.spawn_background(std::time::Duration::from_secs(3600), std::time::Duration::from_secs(30));
        let key = env
            .secrets
            .get(platform::contracts::http::INTERNAL_API_KEY)
            .cloned()
            .ok_or_else(|| StartError::Context("payments".into(), "secret `internal_api_key` is missing".into()))?;
        let router = http::routes()
            .with_state(engine.clone())
            .merge(utoipa_axum::router::OpenApiRouter::from(internal::routes(key).with_state(engine)));
        Ok(Mounted { router, subscriptions: vec![bookings, orders, voyage] })
    }
}
