//! `identity.avatar`: the job that makes an upload the user's avatar, off the request path (the
//! platform job queue: leased, retried with backoff, kept across restarts). It decodes the
//! private upload, crops and re-encodes it (`platform::images::normalise_avatar`: 512×512 JPEG,
//! metadata dropped), stores it under the key the upload announced, points the profile at it
//! and deletes the previous avatar we stored and the upload.
//!
//! Uploads may overtake each other: the keys carry the upload's id, a time-ordered UUID, and a
//! job whose upload is older than the avatar in place discards its image instead of going
//! back in time. Runs may repeat (at least once): the key is fixed before the job is queued,
//! and an avatar already in place is left as it is. An erased account gets nothing.

use std::sync::{Arc, Weak};

use async_trait::async_trait;
use platform::images;
use platform::jobs::{Job, JobError, JobHandler};
use uuid::Uuid;

use super::Accounts;
use crate::domain::user::Status;
use crate::store;

/// The job kind (kept in queued rows: never rename it).
pub const AVATAR_JOB: &str = "identity.avatar";

/// Where an upload waits for its job: a key `/media` never serves (its type is not an image).
pub fn original_key(user: Uuid, upload: Uuid) -> String {
    format!("incoming/avatars/{}/{}", user.simple(), upload.simple())
}

/// Where the avatar made from `upload` goes (served as immutable: its image never changes).
pub fn avatar_key(user: Uuid, upload: Uuid) -> String {
    format!("avatars/{}/{}.jpg", user.simple(), upload.simple())
}

/// The upload an avatar key was made from; `None` for keys of another shape (avatars stored
/// before the job queue were named by their content, and count as older than any upload).
fn upload_of(key: &str) -> Option<Uuid> {
    key.rsplit('/').next()?.strip_suffix(".jpg")?.parse().ok()
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::retry(e.to_string())
}

fn ids(job: &Job) -> Result<(Uuid, Uuid), JobError> {
    let id = |key: &str| job.payload.get(key).and_then(|v| v.as_str()).and_then(|s| s.parse::<Uuid>().ok());
    match (id("userId"), id("uploadId")) {
        (Some(user), Some(upload)) => Ok((user, upload)),
        _ => Err(JobError::fail("bad payload")),
    }
}

impl Accounts {
    /// The upload behind the avatar `user` has now, if it is one of ours made by this job.
    async fn current_upload(&self, user: Uuid) -> Result<Option<Uuid>, platform::db::DbError> {
        let profile = store::profiles::find(&self.db, user).await?.unwrap_or_default();
        Ok(self.own_avatar_key(profile.avatar_url.as_deref()).as_deref().and_then(upload_of))
    }

    /// One run of `identity.avatar`.
    async fn make_avatar(&self, user: Uuid, upload: Uuid) -> Result<(), JobError> {
        let (original, key) = (original_key(user, upload), avatar_key(user, upload));
        let account = store::users::find(&self.db, user).await.map_err(retry)?;
        if account.is_none_or(|u| u.status == Status::Deleted) {
            self.delete_avatar_file(&original).await;
            self.delete_avatar_file(&key).await;
            return Ok(());
        }
        let Some(file) = self.media.get(&original).await.map_err(retry)? else {
            // Done by an earlier run (or overtaken by a newer upload): nothing left to do.
            if self.current_upload(user).await.map_err(retry)?.is_some_and(|current| current >= upload) {
                return Ok(());
            }
            return Err(JobError::fail("the uploaded image is missing"));
        };
        let encoded = tokio::task::spawn_blocking(move || images::normalise_avatar(&file.bytes))
            .await
            .map_err(|_| JobError::retry("avatar rendering panicked"))?
            .map_err(|e| JobError::fail(e.to_string()))?;
        self.media.put(&key, encoded.bytes, encoded.content_type).await.map_err(retry)?;

        let now = self.now();
        let mut tx = self.db.begin().await.map_err(retry)?;
        store::profiles::lock_user(&mut tx, user).await.map_err(retry)?;
        let mut profile = store::profiles::find_tx(&mut tx, user).await.map_err(retry)?.unwrap_or_default();
        let previous = self.own_avatar_key(profile.avatar_url.as_deref());
        if let Some(current) = previous.as_deref().and_then(upload_of).filter(|current| *current >= upload) {
            tx.rollback().await.map_err(retry)?;
            if current > upload {
                // A newer upload is in place: this one is nobody's.
                self.delete_avatar_file(&key).await;
            }
            self.delete_avatar_file(&original).await;
            return Ok(());
        }
        profile.avatar_url = Some(self.media.url_for(&key));
        profile.touch(now);
        store::profiles::save(&mut tx, user, &profile, now).await.map_err(retry)?;
        tx.commit().await.map_err(retry)?;
        self.forget_account(user).await;
        if let Some(previous) = previous {
            self.delete_avatar_file(&previous).await;
        }
        self.delete_avatar_file(&original).await;
        Ok(())
    }

    /// The job gave up: its upload, and its image if the profile does not show it, go.
    async fn avatar_failed(&self, user: Uuid, upload: Uuid) {
        self.delete_avatar_file(&original_key(user, upload)).await;
        if !matches!(self.current_upload(user).await, Ok(Some(current)) if current == upload) {
            self.delete_avatar_file(&avatar_key(user, upload)).await;
        }
    }
}

/// Runs `identity.avatar` jobs. It holds the service weakly: the service holds the queue, which
/// holds its handlers, and a strong cycle would keep the context's database pool open for good.
pub struct AvatarJob(pub Weak<Accounts>);

impl AvatarJob {
    pub fn new(accounts: &Arc<Accounts>) -> Self {
        Self(Arc::downgrade(accounts))
    }
}

#[async_trait]
impl JobHandler for AvatarJob {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let (user, upload) = ids(job)?;
        let accounts = self.0.upgrade().ok_or_else(|| JobError::retry("identity is shutting down"))?;
        accounts.make_avatar(user, upload).await
    }

    async fn failed(&self, job: &Job, reason: &str) {
        let (Ok((user, upload)), Some(accounts)) = (ids(job), self.0.upgrade()) else { return };
        tracing::warn!(%user, reason, "avatar not made");
        accounts.avatar_failed(user, upload).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_upload_and_older_keys_name_none() {
        let (user, upload) = (kernel::new_id(), kernel::new_id());
        assert_eq!(upload_of(&avatar_key(user, upload)), Some(upload));
        assert_eq!(upload_of(&format!("avatars/{}/0123456789abcdef0123.jpg", user.simple())), None);
        assert!(original_key(user, upload).starts_with("incoming/"));
    }
}
