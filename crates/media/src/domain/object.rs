//! A media object: a panorama or a video of a listing, its processing state and the derived
//! files (variants) made from it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A 360° equirectangular image (2:1), JPEG, PNG or WebP.
    Panorama,
    /// An MP4 or WebM video.
    Video,
}

impl Kind {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Panorama => "panorama",
            Self::Video => "video",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "panorama" => Some(Self::Panorama),
            "video" => Some(Self::Video),
            _ => None,
        }
    }
}

/// Where an object stands. Its quota is counted in every state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Stored; variants (previews, poster) being made off the request path.
    Processing,
    /// Everything made; shown to the public with a published listing.
    Ready,
    /// Processing found the file unusable (`failure` says why); only the owner sees it.
    Failed,
}

impl Status {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "processing" => Some(Self::Processing),
            "ready" => Some(Self::Ready),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A file derived from an object (a panorama's preview, a video's poster).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredVariant {
    pub key: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
}

/// Derived files by name: `preview` and `thumb` for panoramas; `poster` and `thumb` for videos.
pub type Variants = BTreeMap<String, StoredVariant>;

/// Longest title, in characters.
pub const MAX_TITLE: usize = 120;

/// A title as sent → as stored: trimmed, control characters refused, at most [`MAX_TITLE`]
/// characters; empty means none.
pub fn title(raw: Option<&str>) -> Result<Option<String>, &'static str> {
    let Some(t) = raw.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(None) };
    if t.chars().count() > MAX_TITLE {
        return Err("must be at most 120 characters");
    }
    if t.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(Some(t.to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn titles_are_trimmed_and_bounded() {
        assert_eq!(title(Some("  Salon  ")).unwrap().as_deref(), Some("Salon"));
        assert_eq!(title(Some("   ")).unwrap(), None);
        assert_eq!(title(None).unwrap(), None);
        assert!(title(Some(&"x".repeat(121))).is_err());
        assert!(title(Some("a\u{0}b")).is_err());
    }

    #[test]
    fn kinds_and_statuses_round_trip() {
        for k in [Kind::Panorama, Kind::Video] {
            assert_eq!(Kind::parse(k.as_str()), Some(k));
        }
        assert_eq!(Kind::parse("PANORAMA"), Some(Kind::Panorama));
        assert_eq!(Kind::parse("photo"), None);
        for s in [Status::Processing, Status::Ready, Status::Failed] {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
    }
}
