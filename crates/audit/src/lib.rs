//! The audit log: every security event (sign-ins and their failures, sign-outs, password,
//! two-factor, role and status changes, erasures), every money event (captures, failed
//! payments, refunds, payouts) and every administrator's action, in one append-only log that
//! administrators query. Entries form a SHA-256 hash chain, so an edited or deleted entry is
//! detected by `sojourn audit verify` (or `GET /api/v1/admin/audit/verify`).
//!
//! A context of its own, not a part of analytics: its readers are administrators only, it
//! keeps entries for years (`[audit] retention_days`), it is append-only, and in a split
//! deployment it is one service with one chain. It learns everything from events; entries
//! carry ids, never names or addresses (see docs/audit.md).

mod chain;
mod domain;
mod events;
mod http;
mod retention;
mod service;
mod store;
mod verify;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use domain::FAMILIES;
pub use events::{append, consumer};
pub use retention::prune;
pub use verify::{Position, Problem, ProblemKind, Verification, verify, verify_known};

const MIGRATIONS: &[Migration] = &[Migration {
    version: 1,
    name: "audit",
    sqlite: include_str!("../migrations/sqlite/0001_audit.sql"),
    postgres: include_str!("../migrations/postgres/0001_audit.sql"),
}];

/// The audit context.
#[derive(Debug, Clone, Copy)]
pub struct Audit;

#[async_trait]
impl Context for Audit {
    fn name(&self) -> &'static str {
        "audit"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        http::routes().split_for_parts().1
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let subscriptions = FAMILIES
            .iter()
            .map(|family| {
                let recorder = events::Recorder { clock: env.clock.clone() };
                Subscription::new(consumer(family), *family, env.db.clone(), recorder)
            })
            .collect();
        if let Some(keep) = env.config.audit.retention() {
            let (db, clock) = (env.db.clone(), env.clock.clone());
            platform::schedule::every(env.db.clone(), retention::EVERY, "audit retention", move || {
                let (db, clock) = (db.clone(), clock.clone());
                async move { prune(&db, keep, clock.now()).await.map(|_| ()).map_err(Into::into) }
            });
        }
        let service = service::Audit { db: env.db.clone() };
        Ok(Mounted { router: http::routes().with_state(service), subscriptions })
    }
}
