//! Limits of the media context: how large panoramas and videos may be, how much a listing may
//! store, how long a chunked upload may stay unfinished, and where `ffmpeg` is (video poster
//! frames; without it a video is still served, and its owner may upload a poster image).

use serde::{Deserialize, Serialize};

use super::{ConfigError, Limit};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MediaConfig {
    /// Bytes of panoramas and videos (and unfinished uploads) one listing may hold, in MiB.
    pub listing_quota_mb: u64,
    /// Largest upload sent in one request, in MiB; larger files use a chunked upload.
    pub max_request_upload_mb: u64,
    /// Largest video, in MiB.
    pub max_video_mb: u64,
    /// Largest panorama file, in MiB.
    pub max_panorama_mb: u64,
    /// Most pixels a panorama may have (it is decoded whole to make its previews).
    pub panorama_max_pixels: u64,
    /// Hours a chunked upload may stay unfinished before it is discarded.
    pub upload_expiry_hours: u64,
    /// The chunk size clients are told to use, in MiB.
    pub chunk_mb: u64,
    /// The `ffmpeg` program (a path, or a name looked up on `PATH`); empty disables poster frames.
    pub ffmpeg: String,
    /// How long a VR session PIN stays valid, in seconds.
    pub vr_pin_ttl_secs: u64,
    /// PIN lookups and joins per client address (guessing a 6-digit PIN must stay slow).
    pub vr_lookups_per_ip: Limit,
    /// PIN creations per client address.
    pub vr_creations_per_ip: Limit,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            listing_quota_mb: 2048,
            max_request_upload_mb: 100,
            max_video_mb: 4096,
            max_panorama_mb: 60,
            panorama_max_pixels: 40_000_000,
            upload_expiry_hours: 24,
            chunk_mb: 8,
            ffmpeg: "ffmpeg".into(),
            vr_pin_ttl_secs: 600,
            vr_lookups_per_ip: Limit::new(20, 60),
            vr_creations_per_ip: Limit::new(30, 60),
        }
    }
}

const MIB: u64 = 1024 * 1024;

impl MediaConfig {
    pub fn listing_quota_bytes(&self) -> u64 {
        self.listing_quota_mb.saturating_mul(MIB)
    }

    pub fn max_request_upload_bytes(&self) -> u64 {
        self.max_request_upload_mb.saturating_mul(MIB)
    }

    pub fn max_video_bytes(&self) -> u64 {
        self.max_video_mb.saturating_mul(MIB)
    }

    pub fn max_panorama_bytes(&self) -> u64 {
        self.max_panorama_mb.saturating_mul(MIB)
    }

    pub fn chunk_bytes(&self) -> u64 {
        self.chunk_mb.saturating_mul(MIB)
    }
}

pub(super) fn validate(media: &MediaConfig) -> Result<(), ConfigError> {
    let mb = [
        ("media.listing_quota_mb", media.listing_quota_mb, 1, 1024 * 1024),
        ("media.max_request_upload_mb", media.max_request_upload_mb, 1, 4096),
        ("media.max_video_mb", media.max_video_mb, 1, 64 * 1024),
        ("media.max_panorama_mb", media.max_panorama_mb, 1, 1024),
        ("media.chunk_mb", media.chunk_mb, 1, 256),
        ("media.upload_expiry_hours", media.upload_expiry_hours, 1, 24 * 30),
        ("media.vr_pin_ttl_secs", media.vr_pin_ttl_secs, 60, 24 * 3600),
    ];
    for (key, value, min, max) in mb {
        if !(min..=max).contains(&value) {
            return Err(ConfigError::key(key, format!("must be between {min} and {max}")));
        }
    }
    if !(1_000_000..=200_000_000).contains(&media.panorama_max_pixels) {
        return Err(ConfigError::key("media.panorama_max_pixels", "must be between 1000000 and 200000000"));
    }
    for (key, limit) in
        [("media.vr_lookups_per_ip", media.vr_lookups_per_ip), ("media.vr_creations_per_ip", media.vr_creations_per_ip)]
    {
        if limit.count == 0 || limit.window_secs == 0 {
            return Err(ConfigError::key(key, "count and window_secs must be at least 1"));
        }
    }
    if media.ffmpeg.contains('\0') {
        return Err(ConfigError::key("media.ffmpeg", "must be a program name or path"));
    }
    Ok(())
}
