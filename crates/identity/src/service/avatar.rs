//! Avatar upload. The request only checks the image from its bytes (format, the header's
//! dimensions, a proper end), keeps it under a private key and queues the `identity.avatar`
//! job ([`super::avatar_job`]), which crops and re-encodes it (square 512×512 JPEG, metadata
//! such as the GPS position stripped) off the request path and then points the profile at it,
//! deleting the previous avatar we stored.
//!
//! DreamScape's web client uses the upload's answer at once as an `<img src>`, so the upload
//! waits for the job, up to [`AVATAR_WAIT`]: usually it answers the avatar in place, as before.
//! When the job has not finished by then, it answers the URL the avatar will have — decided
//! before the job is queued — which serves the image once the job is done.

use std::time::Duration;

use kernel::ApiError;
use platform::images::ImageError;
use platform::jobs::{JobSpec, JobState};
use serde_json::json;
use uuid::Uuid;

use super::Accounts;
use super::avatar_job::{AVATAR_JOB, avatar_key, original_key};

use crate::domain::profile::{self, DataUrlError};
use crate::store::{self, profiles::Profile};

/// How long an upload waits for its avatar to be made.
pub const AVATAR_WAIT: Duration = Duration::from_secs(5);
/// How an upload waiting for its job is stored: never served by `/media`.
const PRIVATE_TYPE: &str = "application/octet-stream";

fn image_error(e: &ImageError) -> ApiError {
    let code = match e {
        ImageError::UnsupportedFormat => "unsupported_media_type",
        ImageError::TooLarge | ImageError::TooManyPixels => "payload_too_large",
        ImageError::Corrupt => "invalid_image",
    };
    ApiError::new(e.status(), code, e.to_string())
}

/// Largest avatar taken by DreamScape's `POST /users/profile/{userId}/avatar` (its limit).
pub const PROFILE_AVATAR_MAX: usize = 2 * 1024 * 1024;

/// The image of an upload: a file's bytes, or the image of a `data:` URL sent as text.
pub fn upload_bytes(raw: Vec<u8>) -> Result<Vec<u8>, ApiError> {
    if !raw.starts_with(b"data:") {
        return Ok(raw);
    }
    let text = std::str::from_utf8(&raw).map_err(|_| ApiError::bad_request("The data URL is not valid text"))?;
    profile::data_url(text).map_err(|e| match e {
        DataUrlError::NotAnImage => ApiError::new(
            415,
            "unsupported_media_type",
            "The data URL must be a base64 JPEG, PNG or WebP image (data:image/jpeg;base64,...)",
        ),
        DataUrlError::Malformed => ApiError::new(400, "invalid_image", "The data URL is not valid base64"),
    })
}

impl Accounts {
    /// DreamScape's avatar upload for the profile of `user`: 404 without a profile, at most
    /// 2 MB.
    pub async fn upload_profile_avatar(&self, user: Uuid, upload: Vec<u8>) -> Result<Option<String>, ApiError> {
        self.existing_profile(user).await?;
        if upload.len() > PROFILE_AVATAR_MAX {
            return Err(ApiError::new(413, "payload_too_large", "The image is larger than 2 MB"));
        }
        self.set_avatar(user, upload).await
    }

    /// The key of an avatar URL of ours (under `avatars/`), if it is one.
    pub(super) fn own_avatar_key(&self, url: Option<&str>) -> Option<String> {
        let base = self.media.url_for("");
        url?.strip_prefix(&base).filter(|k| k.starts_with("avatars/")).map(str::to_owned)
    }

    /// Checks an upload, queues the job that makes it the avatar of `user`, and waits for it
    /// up to [`AVATAR_WAIT`]: the profile's avatar URL once the job is done, else the URL the
    /// new avatar will have. An image the job cannot decode is a `400 invalid_image`.
    pub async fn set_avatar(&self, user: Uuid, upload: Vec<u8>) -> Result<Option<String>, ApiError> {
        platform::images::inspect(&upload).map_err(|e| image_error(&e))?;
        let id = kernel::new_id();
        let original = original_key(user, id);
        self.media.put(&original, upload, PRIVATE_TYPE).await.map_err(|e| {
            tracing::error!(error = %e, "avatar upload not stored");
            ApiError::unavailable("The image could not be stored; try again", Some(30))
        })?;
        let queued = async {
            let mut tx = self.db.begin().await?;
            let job =
                self.jobs.enqueue(&mut tx, JobSpec::new(AVATAR_JOB, json!({"userId": user, "uploadId": id}))).await?;
            tx.commit().await?;
            Ok::<_, platform::db::DbError>(job)
        }
        .await;
        let job = match queued {
            Ok(job) => job,
            Err(e) => {
                self.delete_avatar_file(&original).await;
                return Err(e.into());
            }
        };
        self.jobs.committed();
        match self.jobs.wait(job, AVATAR_WAIT).await? {
            Some(JobState::Done) => {
                let profile = store::profiles::find(&self.db, user).await?.unwrap_or_default();
                Ok(profile.avatar_url)
            }
            Some(JobState::Failed { reason }) => Err(ApiError::new(400, "invalid_image", reason)),
            _ => Ok(Some(self.media.url_for(&avatar_key(user, id)))),
        }
    }

    pub(super) async fn delete_avatar_file(&self, key: &str) {
        if let Err(e) = self.media.delete(key).await {
            tracing::warn!(error = %e, key, "avatar file not deleted");
        }
    }

    /// Deletes the stored image behind `url` if it is one of ours.
    pub(super) async fn delete_stored_avatar(&self, url: Option<&str>) {
        if let Some(key) = self.own_avatar_key(url)
            && let Err(e) = self.media.delete(&key).await
        {
            tracing::warn!(error = %e, "avatar not deleted");
        }
    }

    pub async fn remove_avatar(&self, user: Uuid) -> Result<Profile, ApiError> {
        let mut tx = self.db.begin().await?;
        let mut profile = store::profiles::find_tx(&mut tx, user).await?.unwrap_or_default();
        let previous = self.own_avatar_key(profile.avatar_url.as_deref());
        profile.avatar_url = None;
        store::profiles::save(&mut tx, user, &profile, self.now()).await?;
        tx.commit().await?;
        self.forget_account(user).await;
        self.delete_stored_avatar(previous.map(|k| self.media.url_for(&k)).as_deref()).await;
        Ok(profile)
    }
}
