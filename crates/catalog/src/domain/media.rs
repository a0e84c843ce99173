//! A listing's media as catalog shows it: the media context owns panoramas, videos and
//! virtual tours, and tells what became of them in its events (`media.ready`, `media.failed`,
//! `media.deleted`, `media.tour_changed`, `media.tour_deleted`). Catalog keeps just enough to
//! show a summary with the listing — how many panoramas and videos are ready, its tour, and
//! a cover picture — so a listing page needs no second call to know whether to offer a tour.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// The two kinds of media objects a listing has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Panorama,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Panorama => "panorama",
            MediaKind::Video => "video",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "panorama" => Some(MediaKind::Panorama),
            "video" => Some(MediaKind::Video),
            _ => None,
        }
    }
}

/// What one media event changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaChange {
    /// An object is ready; `thumb_url` is its thumbnail (a video's is made from its poster
    /// frame, and is missing when it has none).
    Ready {
        object: Uuid,
        listing: Uuid,
        kind: MediaKind,
        thumb_url: Option<String>,
    },
    /// An object failed or was deleted: it is not shown, now or if its `media.ready` comes late.
    Gone {
        object: Uuid,
        listing: Uuid,
        kind: Option<MediaKind>,
    },
    TourChanged {
        tour: Uuid,
        listing: Uuid,
        version: i64,
        scenes: i64,
    },
    TourDeleted {
        tour: Uuid,
        listing: Uuid,
    },
}

impl MediaChange {
    pub fn listing(&self) -> Uuid {
        match self {
            MediaChange::Ready { listing, .. }
            | MediaChange::Gone { listing, .. }
            | MediaChange::TourChanged { listing, .. }
            | MediaChange::TourDeleted { listing, .. } => *listing,
        }
    }

    /// Reads a `media.*` event: `Ok(None)` for a kind of event the summary does not use,
    /// `Err` (with what is wrong) for one of its events with an unusable payload.
    pub fn read(event_type: &str, data: &Value) -> Result<Option<Self>, &'static str> {
        let id = |key: &str| data.get(key).and_then(Value::as_str).and_then(|s| s.parse::<Uuid>().ok());
        let kind = data.get("kind").and_then(Value::as_str).and_then(MediaKind::parse);
        let change = match event_type {
            "media.ready" => MediaChange::Ready {
                object: id("objectId").ok_or("no objectId")?,
                listing: id("listingId").ok_or("no listingId")?,
                kind: kind.ok_or("kind is neither panorama nor video")?,
                thumb_url: data.get("thumbUrl").and_then(Value::as_str).filter(|u| !u.is_empty()).map(str::to_owned),
            },
            "media.failed" | "media.deleted" => MediaChange::Gone {
                object: id("objectId").ok_or("no objectId")?,
                listing: id("listingId").ok_or("no listingId")?,
                kind,
            },
            "media.tour_changed" => MediaChange::TourChanged {
                tour: id("tourId").ok_or("no tourId")?,
                listing: id("listingId").ok_or("no listingId")?,
                version: data.get("version").and_then(Value::as_i64).filter(|v| *v > 0).ok_or("no version")?,
                scenes: data.get("scenes").and_then(Value::as_i64).filter(|n| *n >= 0).ok_or("no scene count")?,
            },
            "media.tour_deleted" => MediaChange::TourDeleted {
                tour: id("tourId").ok_or("no tourId")?,
                listing: id("listingId").ok_or("no listingId")?,
            },
            _ => return Ok(None),
        };
        Ok(Some(change))
    }
}

/// A ready object as the summary needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyObject {
    pub kind: MediaKind,
    pub thumb_url: Option<String>,
}

/// The listing's virtual tour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TourSummary {
    pub id: Uuid,
    /// How many scenes (panoramas) it has.
    pub scenes: i64,
}

/// The picture that stands for the listing's media.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Cover {
    pub kind: MediaKind,
    pub thumb_url: String,
}

/// `media` in a listing view. The default is a listing without media.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MediaSummary {
    /// Ready panoramas.
    pub panoramas: i64,
    /// Ready videos.
    pub videos: i64,
    pub tour: Option<TourSummary>,
    /// The thumbnail of the first panorama that became ready, else of the first video with a
    /// poster; null when there is neither.
    pub cover: Option<Cover>,
}

impl MediaSummary {
    /// The summary of `ready` (in the order they became ready) and the listing's tour.
    pub fn of(ready: &[ReadyObject], tour: Option<TourSummary>) -> Self {
        let count = |kind| i64::try_from(ready.iter().filter(|o| o.kind == kind).count()).unwrap_or(i64::MAX);
        let first = |kind| {
            ready
                .iter()
                .filter(|o| o.kind == kind)
                .find_map(|o| o.thumb_url.as_ref().map(|url| Cover { kind: o.kind, thumb_url: url.clone() }))
        };
        MediaSummary {
            panoramas: count(MediaKind::Panorama),
            videos: count(MediaKind::Video),
            tour,
            cover: first(MediaKind::Panorama).or_else(|| first(MediaKind::Video)),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn ready(kind: MediaKind, thumb: Option<&str>) -> ReadyObject {
        ReadyObject { kind, thumb_url: thumb.map(str::to_owned) }
    }

    #[test]
    fn the_cover_is_the_first_panorama_else_the_first_video_with_a_poster() {
        let objects = [
            ready(MediaKind::Video, None),
            ready(MediaKind::Video, Some("v2")),
            ready(MediaKind::Panorama, Some("p1")),
            ready(MediaKind::Panorama, Some("p2")),
        ];
        let summary = MediaSummary::of(&objects, None);
        assert_eq!((summary.panoramas, summary.videos), (2, 2));
        assert_eq!(summary.cover, Some(Cover { kind: MediaKind::Panorama, thumb_url: "p1".into() }));
        let videos = MediaSummary::of(&objects[..2], None);
        assert_eq!(videos.cover, Some(Cover { kind: MediaKind::Video, thumb_url: "v2".into() }));
        assert_eq!(MediaSummary::of(&objects[..1], None).cover, None);
        assert_eq!(MediaSummary::of(&[], None), MediaSummary::default());
    }

    #[test]
    fn events_are_read_and_bad_payloads_named() {
        let (o, l) = (Uuid::now_v7(), Uuid::now_v7());
        let ok = MediaChange::read(
            "media.ready",
            &json!({"objectId": o, "listingId": l, "kind": "panorama", "thumbUrl": "t", "width": 8}),
        );
        assert_eq!(
            ok,
            Ok(Some(MediaChange::Ready {
                object: o,
                listing: l,
                kind: MediaKind::Panorama,
                thumb_url: Some("t".into())
            }))
        );
        let gone = MediaChange::read("media.deleted", &json!({"objectId": o, "listingId": l, "kind": "video"}));
        assert_eq!(gone, Ok(Some(MediaChange::Gone { object: o, listing: l, kind: Some(MediaKind::Video) })));
        assert_eq!(MediaChange::read("media.uploaded", &json!({})), Ok(None));
        assert!(MediaChange::read("media.ready", &json!({"objectId": o, "listingId": l, "kind": "gif"})).is_err());
        assert!(MediaChange::read("media.tour_changed", &json!({"tourId": o, "listingId": l, "version": 0})).is_err());
        let tour =
            MediaChange::read("media.tour_changed", &json!({"tourId": o, "listingId": l, "version": 3, "scenes": 2}));
        assert_eq!(tour, Ok(Some(MediaChange::TourChanged { tour: o, listing: l, version: 3, scenes: 2 })));
    }
}
