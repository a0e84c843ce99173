//! VR sessions opened by PIN.
//!
//! DreamScape's: its destination page asks `POST /api/v1/vr/sessions { destination }` for a
//! 6-digit PIN valid 10 minutes, and its panorama app resolves the PIN once with
//! `GET /api/v1/vr/sessions/{pin}`. DreamScape's gateway kept them in a map per process; here
//! they are rows of the media database, so every process of a split deployment sees the same
//! session, and the single use is one conditional UPDATE, so of concurrent lookups exactly one
//! wins.
//!
//! Ours: a guided tour session shows one of our tours live. Its leader's scene, view and
//! pointer are mirrored to the viewers who joined with its PIN, over the realtime channel
//! (room `vrsession:<id>`), and stored so a late joiner starts where the leader is. Both kinds
//! share one PIN space.

mod http;
mod live;
mod rules;
mod service;
mod socket;
mod store;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kernel::EventEnvelope;
use platform::ContextEnv;
use platform::db::Tx;
use platform::events::{EventHandler, HandlerError};
use platform::realtime::{Realtime, Room};

use crate::service::MediaService;

pub use http::routes;

/// Consumer of `user.deleted` that ends the sessions a deleted user leads.
pub const ERASURE_CONSUMER: &str = "media.vr_erasure";

/// How often expired PINs and tour sessions are swept.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// How often moves not yet persisted are written.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// The VR sessions' state: media's service, the realtime hub and the sessions in motion here.
#[derive(Clone)]
pub struct Vr {
    pub media: MediaService,
    pub realtime: Realtime,
    live: Arc<live::Live>,
}

impl Vr {
    /// Builds it, registers its socket events and starts its sweeps.
    pub fn start(env: &ContextEnv, media: MediaService) -> Self {
        let vr = Vr { media, realtime: env.realtime.clone(), live: Arc::default() };
        socket::register(&vr.realtime, &vr);
        let sweeper = vr.clone();
        platform::schedule::every(env.db.clone(), SWEEP_EVERY, "vr session sweep", move || {
            let vr = sweeper.clone();
            async move { vr.sweep().await }
        });
        let flusher = vr.clone();
        platform::schedule::every(env.db.clone(), FLUSH_EVERY, "vr session flush", move || {
            let vr = flusher.clone();
            async move { vr.flush_live().await }
        });
        vr
    }
}

/// A deleted user's sessions end (their viewers hear `vr:ended`), they leave the others, and
/// the PINs they made forget them.
pub struct Erasure {
    pub vr: Vr,
}

#[async_trait]
impl EventHandler for Erasure {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        let Ok(user) = event.aggregate_id.parse() else { return Ok(()) };
        for id in store::erase_user(tx, user).await? {
            self.vr.live.forget(id).await;
            self.vr.realtime.publish(
                Room::Session(id),
                "vr:ended",
                serde_json::json!({ "sessionId": id, "reason": "ended" }),
            );
        }
        Ok(())
    }
}
