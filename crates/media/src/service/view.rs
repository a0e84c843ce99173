//! How objects look to clients.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::domain::object::{Kind, Status};
use crate::store::objects::MediaObject;

/// A derived file (`preview`, `thumb`, `poster`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VariantView {
    pub url: String,
    pub content_type: String,
    pub width: u32,
    pub height: u32,
}

/// A panorama or video as clients see it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub kind: Kind,
    /// `processing` right after the upload, then `ready` (or `failed`, with `failure`).
    pub status: Status,
    pub title: Option<String>,
    pub content_type: String,
    pub size_bytes: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub duration_ms: Option<i64>,
    /// The file itself (streamable with `Range`), once ready.
    pub url: Option<String>,
    /// Panoramas: `preview` (2048×1024) and `thumb` (512×256); videos: `poster` and `thumb`.
    pub variants: BTreeMap<String, VariantView>,
    /// Why processing failed (owner and administrators only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The view of `o`; `editor` (owner, administrator) also sees why processing failed.
pub fn object_view(storage: &platform::storage::Media, o: &MediaObject, editor: bool) -> ObjectView {
    let ready = o.status == Status::Ready;
    let variants = o
        .variants
        .iter()
        .map(|(name, v)| {
            let view = VariantView {
                url: storage.url_for(&v.key),
                content_type: v.content_type.clone(),
                width: v.width,
                height: v.height,
            };
            (name.clone(), view)
        })
        .collect();
    ObjectView {
        id: o.id,
        listing_id: o.listing_id,
        kind: o.kind,
        status: o.status,
        title: o.title.clone(),
        content_type: o.content_type.clone(),
        size_bytes: o.size_bytes,
        width: o.width,
        height: o.height,
        duration_ms: o.duration_ms,
        url: ready.then(|| storage.url_for(&o.object_key)),
        variants,
        failure: if editor { o.failure.clone() } else { None },
        created_at: o.created_at,
        updated_at: o.updated_at,
    }
}
