//! Avatar upload: the image is checked and re-encoded (square 512×512 JPEG, metadata such as
//! GPS position stripped) off the async workers, stored under a content-addressed key, and
//! the profile points at it. The previous avatar we stored is deleted.

use aws_lc_rs::digest;
use kernel::ApiError;
use platform::images::{self, ImageError};
use uuid::Uuid;

use super::Accounts;
use crate::domain::profile::{self, DataUrlError};
use crate::store::{self, profiles::Profile};

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
    /// 2 MB. Answers the profile after the upload.
    pub async fn upload_profile_avatar(&self, user: Uuid, upload: Vec<u8>) -> Result<Profile, ApiError> {
        self.existing_profile(user).await?;
        if upload.len() > PROFILE_AVATAR_MAX {
            return Err(ApiError::new(413, "payload_too_large", "The image is larger than 2 MB"));
        }
        self.set_avatar(user, upload).await
    }

    fn own_avatar_key(&self, url: Option<&str>) -> Option<String> {
        let base = self.media.url_for("");
        url?.strip_prefix(&base).filter(|k| k.starts_with("avatars/")).map(str::to_owned)
    }

    pub async fn set_avatar(&self, user: Uuid, upload: Vec<u8>) -> Result<Profile, ApiError> {
        let encoded = tokio::task::spawn_blocking(move || images::normalise_avatar(&upload))
            .await
            .map_err(|_| ApiError::internal())?
            .map_err(|e| image_error(&e))?;
        let hash = digest::digest(&digest::SHA256, &encoded.bytes);
        let tag: String = hash.as_ref().iter().take(10).map(|b| format!("{b:02x}")).collect();
        let key = format!("avatars/{}/{tag}.jpg", user.simple());
        self.media.put(&key, encoded.bytes, encoded.content_type).await.map_err(|e| {
            tracing::error!(error = %e, "avatar not stored");
            ApiError::unavailable("The image could not be stored; try again", Some(30))
        })?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut profile = store::profiles::find_tx(&mut tx, user).await?.unwrap_or_default();
        let previous = self.own_avatar_key(profile.avatar_url.as_deref());
        profile.avatar_url = Some(self.media.url_for(&key));
        profile.touch(now);
        store::profiles::save(&mut tx, user, &profile, now).await?;
        tx.commit().await?;
        if let Some(old) = previous.filter(|old| *old != key)
            && let Err(e) = self.media.delete(&old).await
        {
            tracing::warn!(error = %e, "previous avatar not deleted");
        }
        Ok(profile)
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
        self.delete_stored_avatar(previous.map(|k| self.media.url_for(&k)).as_deref()).await;
        Ok(profile)
    }
}
