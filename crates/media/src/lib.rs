//! Media: what a listing shows beyond its photos — 360° panoramas, videos streamed with
//! seeking, and virtual tours built from the panoramas (scenes joined by hotspots) — plus the
//! VR sessions DreamScape's web client opens by PIN.
//!
//! A context of its own rather than part of catalog: its objects are large, arrive in chunks,
//! are processed off the request path by the platform's job queue and are served by range
//! from object storage; none of that belongs in the listing's write path. It knows listings
//! (owner, visibility) only from catalog's `listing.*` events, and tells catalog what a
//! listing has through its own `media.*` events.

pub mod domain;
mod events;
pub mod files;
mod http;
mod service;
mod store;
mod vr;

use std::sync::Arc;

use async_trait::async_trait;
use platform::db::Migration;
use platform::events::Subscription;
use platform::{Context, ContextEnv, Mounted, StartError};
use utoipa::openapi::OpenApi;

pub use events::{ERASURE_CONSUMER, LISTINGS_CONSUMER};

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "media",
        sqlite: include_str!("../migrations/sqlite/0001_media.sql"),
        postgres: include_str!("../migrations/postgres/0001_media.sql"),
    },
    Migration {
        version: 2,
        name: "vr",
        sqlite: include_str!("../migrations/sqlite/0002_vr.sql"),
        postgres: include_str!("../migrations/postgres/0002_vr.sql"),
    },
];

/// The media context.
#[derive(Debug, Clone, Copy)]
pub struct Media;

#[async_trait]
impl Context for Media {
    fn name(&self) -> &'static str {
        "media"
    }

    fn migrations(&self) -> &'static [Migration] {
        MIGRATIONS
    }

    fn openapi(&self) -> OpenApi {
        let mut doc = http::routes().split_for_parts().1;
        doc.merge(vr::routes().split_for_parts().1);
        doc
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let ffmpeg = service::find_ffmpeg(&env.config.media.ffmpeg).await;
        if ffmpeg.is_none() && !env.config.media.ffmpeg.is_empty() {
            tracing::warn!(ffmpeg = %env.config.media.ffmpeg, "ffmpeg not found: videos get no poster frame (owners may upload one)");
        }
        let service = service::MediaService::new(env, ffmpeg);
        service.spawn_sweeper(&env.background);
        let shared = Arc::new(service.clone());
        service::process::register(&shared);
        let vr = vr::Vr::start(env, service.clone());
        let subscriptions = vec![
            Subscription::new(
                LISTINGS_CONSUMER,
                "listing.*",
                env.db.clone(),
                events::ListingsReadModel { service: shared.clone() },
            ),
            Subscription::new(
                ERASURE_CONSUMER,
                "user.deleted",
                env.db.clone(),
                events::ErasureOnDelete { service: shared },
            ),
            Subscription::new(vr::ERASURE_CONSUMER, "user.deleted", env.db.clone(), vr::Erasure { vr: vr.clone() }),
        ];
        let router = http::routes().with_state(service).merge(vr::routes().with_state(vr));
        Ok(Mounted { router, subscriptions })
    }
}
