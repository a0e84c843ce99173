//! Media's use cases. Handlers call these; SQL stays in `store`, rules in `domain`.

use std::sync::Arc;

use kernel::{ApiError, Clock};
use platform::ContextEnv;
use platform::auth::Actor;
use platform::contracts::{Contracts, Need, RecordKind};
use platform::db::{Db, Tx};
use uuid::Uuid;

use crate::store::{self, listings::Listing};

pub mod objects;
pub mod process;
pub mod tours;
pub mod uploads;
pub mod view;

/// The media service: cheap to clone.
#[derive(Clone)]
pub struct MediaService {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub storage: platform::storage::Media,
    pub events: platform::Events,
    pub contracts: Arc<Contracts>,
    pub limits: Arc<platform::ratelimit::RateLimiter>,
    pub config: Arc<platform::Config>,
    pub jobs: platform::jobs::Jobs,
    /// The `ffmpeg` program for video poster frames, when it runs here.
    pub ffmpeg: Option<std::path::PathBuf>,
}

pub fn listing_not_found() -> ApiError {
    ApiError::not_found("Listing not found")
}

impl MediaService {
    pub fn new(env: &ContextEnv, ffmpeg: Option<std::path::PathBuf>) -> Self {
        Self {
            db: env.db.clone(),
            clock: env.clock.clone(),
            storage: env.media.clone(),
            events: env.events.clone(),
            contracts: env.contracts.clone(),
            limits: env.limits.clone(),
            config: env.config.clone(),
            jobs: env.jobs.clone(),
            ffmpeg,
        }
    }

    /// The listing `actor` may change (its owner, or an administrator); 404 otherwise. A
    /// listing not heard of yet is asked of catalog (`425 not_yet_replicated` if it exists).
    pub async fn owned_listing(&self, listing: Uuid, actor: Actor) -> Result<Listing, ApiError> {
        match store::listings::find(&self.db, listing).await? {
            Some(l) if !l.is_deleted() && (l.owner_id == actor.user_id || actor.admin) => Ok(l),
            Some(_) => Err(listing_not_found()),
            None => Err(self.not_heard_of(listing, Some(actor.user_id), Need::Owned).await),
        }
    }

    /// The listing `viewer` may see (published, or theirs, or any for an administrator).
    pub async fn visible_listing(&self, listing: Uuid, viewer: Option<Actor>) -> Result<Listing, ApiError> {
        match store::listings::find(&self.db, listing).await? {
            Some(l) if !l.is_deleted() && Self::may_see(&l, viewer) => Ok(l),
            Some(_) => Err(listing_not_found()),
            None => Err(self.not_heard_of(listing, viewer.map(|v| v.user_id), Need::Visible).await),
        }
    }

    /// Whether `viewer` sees everything of `listing` (its owner, an administrator).
    pub fn is_editor(listing: &Listing, viewer: Option<Actor>) -> bool {
        viewer.is_some_and(|v| v.admin || v.user_id == listing.owner_id)
    }

    fn may_see(listing: &Listing, viewer: Option<Actor>) -> bool {
        listing.is_public() || Self::is_editor(listing, viewer)
    }

    async fn not_heard_of(&self, listing: Uuid, caller: Option<Uuid>, need: Need) -> ApiError {
        self.contracts.not_heard_of(RecordKind::Listing, listing, caller, need, listing_not_found()).await
    }

    /// Removes everything a deleted user owned here, inside the event's transaction; the stored
    /// files go by a job queued in the same transaction.
    pub async fn erase_owner(&self, tx: &mut Tx, owner: Uuid) -> Result<(), platform::db::DbError> {
        store::tours::delete_of_owner(tx, owner).await?;
        for upload in store::uploads::of_owner(&mut *tx, owner).await? {
            store::uploads::delete(tx, upload).await?;
        }
        let objects = store::objects::of_owner(&mut *tx, owner).await?;
        self.remove_objects(tx, objects).await
    }

    /// Removes a deleted listing's media, inside the event's transaction.
    pub async fn remove_listing(&self, tx: &mut Tx, listing: Uuid) -> Result<(), platform::db::DbError> {
        store::tours::delete(tx, listing).await?;
        let objects = store::objects::of_listing(&mut *tx, listing).await?;
        self.remove_objects(tx, objects).await
    }

    async fn remove_objects(
        &self,
        tx: &mut Tx,
        objects: Vec<store::objects::MediaObject>,
    ) -> Result<(), platform::db::DbError> {
        let mut keys = Vec::new();
        for o in objects {
            store::objects::delete(tx, o.id).await?;
            keys.push(o.object_key);
            keys.extend(o.variants.into_values().map(|v| v.key));
        }
        if !keys.is_empty() {
            let spec = platform::jobs::JobSpec::new(process::PURGE_JOB, serde_json::json!({ "keys": keys }));
            self.jobs.enqueue(tx, spec).await?;
        }
        Ok(())
    }
}

/// The `ffmpeg` program named by `media.ffmpeg`, if it runs here.
pub async fn find_ffmpeg(name: &str) -> Option<std::path::PathBuf> {
    if name.trim().is_empty() {
        return None;
    }
    let path = std::path::PathBuf::from(name.trim());
    crate::files::ffmpeg_available(&path).await.then_some(path)
}

/// How often abandoned chunked uploads are looked for.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

impl MediaService {
    /// Discards expired chunked uploads now and then, until the platform stops.
    pub fn spawn_sweeper(&self, background: &platform::shutdown::Background) {
        let service = self.clone();
        background.spawn(move |stop| async move {
            let stopped = stop.wait();
            tokio::pin!(stopped);
            loop {
                tokio::select! {
                    () = &mut stopped => break,
                    () = tokio::time::sleep(SWEEP_EVERY) => {}
                }
                if service.db.is_closed() {
                    break;
                }
                if let Err(e) = service.sweep_uploads().await {
                    tracing::warn!(error = %e.message, "expired uploads not swept");
                }
            }
        });
    }
}
