//! Identity: accounts, credentials, sessions and tokens. Implements DreamScape's auth
//! contract (`/api/v1/auth`) and hardens it: Argon2id, EdDSA access tokens with a JWKS,
//! rotating refresh tokens with reuse detection, instant revocation, two-factor, account
//! recovery, throttling.

pub mod domain;
mod events;
mod http;
pub mod service;
mod store;

use std::sync::Arc;

use async_trait::async_trait;
use platform::db::Migration;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use domain::password::HashCost;
pub use service::bootstrap::{CreateUserError, create_user};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts",
        sqlite: include_str!("../migrations/sqlite/0001_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0001_accounts.sql"),
    },
    Migration {
        version: 2,
        name: "profiles",
        sqlite: include_str!("../migrations/sqlite/0002_profiles.sql"),
        postgres: include_str!("../migrations/postgres/0002_profiles.sql"),
    },
    Migration {
        version: 3,
        name: "traveller",
        sqlite: include_str!("../migrations/sqlite/0003_traveller.sql"),
        postgres: include_str!("../migrations/postgres/0003_traveller.sql"),
    },
    Migration {
        version: 4,
        name: "privacy",
        sqlite: include_str!("../migrations/sqlite/0004_privacy.sql"),
        postgres: include_str!("../migrations/postgres/0004_privacy.sql"),
    },
    Migration {
        version: 5,
        name: "activity",
        sqlite: include_str!("../migrations/sqlite/0005_activity.sql"),
        postgres: include_str!("../migrations/postgres/0005_activity.sql"),
    },
    Migration {
        version: 6,
        name: "dreamscape_profile",
        sqlite: include_str!("../migrations/sqlite/0006_dreamscape_profile.sql"),
        postgres: include_str!("../migrations/postgres/0006_dreamscape_profile.sql"),
    },
    Migration {
        version: 7,
        name: "admin",
        sqlite: include_str!("../migrations/sqlite/0007_admin.sql"),
        postgres: include_str!("../migrations/postgres/0007_admin.sql"),
    },
    Migration {
        version: 8,
        name: "phone_verification",
        sqlite: include_str!("../migrations/sqlite/0008_phone_verification.sql"),
        postgres: include_str!("../migrations/postgres/0008_phone_verification.sql"),
    },
];

/// The identity context.
#[derive(Debug, Clone, Copy)]
pub struct Identity;

#[async_trait]
impl Context for Identity {
    fn name(&self) -> &'static str {
        "identity"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn secrets(&self) -> &'static [&'static str] {
        &[domain::sealed::KEY_SECRET]
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        if !env.auth.can_issue() {
            return Err(StartError::Context(
                "identity".into(),
                "issues access tokens, so it needs `secrets.jwt_signing_key`; `auth.jwks_url` is for processes without identity".into(),
            ));
        }
        let accounts = service::Accounts::new(env).map_err(|e| StartError::Context("identity".into(), e))?;
        accounts
            .restore_revocations()
            .await
            .map_err(|e| StartError::Context("identity".into(), format!("loading revocations: {}", e.message)))?;
        service::janitor::spawn(env.db.clone(), env.clock.clone(), std::time::Duration::from_secs(3600));
        let cache = accounts.hot.clone();
        let accounts = Arc::new(accounts);
        env.jobs.register(service::avatar_job::AVATAR_JOB, Arc::new(service::avatar_job::AvatarJob::new(&accounts)));
        let router = http::routes().with_state(accounts);
        let roles = platform::events::Subscription::new(
            events::ROLES_CONSUMER,
            "provider.created",
            env.db.clone(),
            events::RoleSync { clock: env.clock.clone(), cache: cache.clone() },
        );
        let back_office = |consumer: &str, pattern: &str| {
            platform::events::Subscription::new(consumer, pattern, env.db.clone(), events::BackOffice)
        };
        let subscriptions = vec![
            roles,
            back_office(events::BOOKINGS_CONSUMER, "booking.*"),
            back_office(events::VOYAGES_CONSUMER, "voyage.*"),
            back_office(events::PAYMENTS_CONSUMER, "payment.*"),
            platform::events::Subscription::new(
                service::search_history::SEARCH_HISTORY_CONSUMER,
                "search.performed",
                env.db.clone(),
                service::search_history::SearchHistory,
            ),
            platform::events::Subscription::new(
                service::cached::CACHE_CONSUMER,
                "user.*",
                env.db.clone(),
                platform::hot::ForgetOnEvent { cache, group_of: service::cached::changed_group },
            ),
        ];
        Ok(Mounted { router, subscriptions })
    }
}
