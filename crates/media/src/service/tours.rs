//! Virtual tours: one per listing, edited as a whole by its owner under `If-Match`, read by
//! whoever may see the listing. Every scene must show a ready panorama of the same listing.

use kernel::{ApiError, EventEnvelope, FieldError};
use platform::auth::Actor;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::MediaService;
use super::view::{ObjectView, object_view};
use crate::domain::object::{Kind, Status};
use crate::domain::tour::{self, Hotspot, TourDoc, View};
use crate::store::{self, tours::Tour};

/// A scene as viewers get it: the document's scene plus its panorama's files.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SceneView {
    pub id: String,
    pub title: Option<String>,
    pub panorama_id: Uuid,
    /// The panorama (URLs of the original, `preview` and `thumb`); null if it was removed.
    pub panorama: Option<ObjectView>,
    pub initial_view: View,
    pub hotspots: Vec<Hotspot>,
}

/// A tour as clients read it; `version` is also its ETag.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TourView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub version: i64,
    pub title: Option<String>,
    pub initial_scene_id: Option<String>,
    pub scenes: Vec<SceneView>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn tour_not_found() -> ApiError {
    ApiError::not_found("This listing has no tour")
}

fn stale() -> ApiError {
    ApiError::new(412, "version_conflict", "The tour changed since you read it; reload and retry")
}

impl MediaService {
    async fn tour_view(&self, tour: &Tour) -> Result<TourView, ApiError> {
        let objects = store::objects::of_listing(&self.db, tour.listing_id).await?;
        let start = tour.document.start().map(|s| s.id.clone());
        let scenes = tour
            .document
            .scenes
            .iter()
            .map(|s| SceneView {
                id: s.id.clone(),
                title: s.title.clone(),
                panorama_id: s.panorama_id,
                panorama: objects.iter().find(|o| o.id == s.panorama_id).map(|o| object_view(&self.storage, o, false)),
                initial_view: s.initial_view,
                hotspots: s.hotspots.clone(),
            })
            .collect();
        Ok(TourView {
            id: tour.id,
            listing_id: tour.listing_id,
            version: tour.version,
            title: tour.document.title.clone(),
            initial_scene_id: start,
            scenes,
            created_at: tour.created_at,
            updated_at: tour.updated_at,
        })
    }

    /// The tour of a listing `viewer` may see.
    pub async fn tour(&self, listing: Uuid, viewer: Option<Actor>) -> Result<TourView, ApiError> {
        self.visible_listing(listing, viewer).await?;
        let tour = store::tours::of_listing(&self.db, listing).await?.ok_or_else(tour_not_found)?;
        self.tour_view(&tour).await
    }

    /// Every scene's panorama must be a ready panorama of `listing`.
    async fn check_panoramas(&self, listing: Uuid, doc: &TourDoc) -> Result<(), ApiError> {
        let objects = store::objects::of_listing(&self.db, listing).await?;
        let mut errors = Vec::new();
        for (i, scene) in doc.scenes.iter().enumerate() {
            let field = format!("scenes[{i}].panoramaId");
            match objects.iter().find(|o| o.id == scene.panorama_id) {
                Some(o) if o.kind != Kind::Panorama => {
                    errors.push(FieldError::new(field, "is a video, not a panorama"))
                }
                Some(o) if o.status != Status::Ready => {
                    errors.push(FieldError::new(field, format!("is {} — wait until it is ready", o.status.as_str())));
                }
                Some(_) => {}
                None => errors.push(FieldError::new(field, "is not a panorama of this listing")),
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(ApiError::validation(errors)) }
    }

    /// Creates or replaces the tour of `listing` (owner or administrator). An existing tour is
    /// only replaced with `if_match` equal to its version (`428` without it, `412` when stale).
    /// Answers the tour and whether it was created.
    pub async fn put_tour(
        &self,
        listing: Uuid,
        actor: Actor,
        mut doc: TourDoc,
        if_match: Option<i64>,
    ) -> Result<(TourView, bool), ApiError> {
        let l = self.owned_listing(listing, actor).await?;
        let errors = tour::validate(&mut doc);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        self.check_panoramas(listing, &doc).await?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let existing = store::tours::of_listing(&mut tx, listing).await?;
        let (tour, created) = match existing {
            None => {
                if if_match.is_some() {
                    return Err(stale());
                }
                let tour = Tour {
                    id: kernel::new_id(),
                    listing_id: listing,
                    owner_id: l.owner_id,
                    document: doc,
                    version: 1,
                    created_at: now,
                    updated_at: now,
                };
                store::tours::insert(&mut tx, &tour)
                    .await
                    .map_err(|e| if e.is_unique_violation("tours") { stale() } else { ApiError::from(e) })?;
                (tour, true)
            }
            Some(current) => {
                let expected = if_match.ok_or_else(|| {
                    ApiError::new(428, "precondition_required", "Send the tour's ETag in If-Match to replace it")
                })?;
                let tour = Tour { document: doc, version: expected + 1, updated_at: now, ..current };
                if !store::tours::replace(&mut tx, &tour, expected).await? {
                    return Err(stale());
                }
                (tour, false)
            }
        };
        let data = json!({"tourId": tour.id, "listingId": listing, "version": tour.version,
            "scenes": tour.document.scenes.len()});
        let event = EventEnvelope::new("media.tour_changed", listing, now, data).with_actor(actor.user_id.to_string());
        platform::events::enqueue(&mut tx, &event).await?;
        tx.commit().await?;
        self.events.committed();
        Ok((self.tour_view(&tour).await?, created))
    }

    /// Deletes the tour of `listing` (owner or administrator), guarded by `if_match` if given.
    pub async fn delete_tour(&self, listing: Uuid, actor: Actor, if_match: Option<i64>) -> Result<(), ApiError> {
        self.owned_listing(listing, actor).await?;
        let mut tx = self.db.begin().await?;
        let tour = store::tours::of_listing(&mut tx, listing).await?.ok_or_else(tour_not_found)?;
        if if_match.is_some_and(|v| v != tour.version) {
            return Err(stale());
        }
        store::tours::delete(&mut tx, listing).await?;
        let now = self.clock.now();
        let data = json!({"tourId": tour.id, "listingId": listing});
        let event = EventEnvelope::new("media.tour_deleted", listing, now, data).with_actor(actor.user_id.to_string());
        platform::events::enqueue(&mut tx, &event).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(())
    }
}
