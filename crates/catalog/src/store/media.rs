//! `listing_media` and `listing_tours`: the media context's objects and tours per listing, as
//! its events told them. Rows of failed, deleted objects and deleted tours stay as tombstones
//! (`gone`, `deleted`), so an event that arrives late or twice cannot bring them back; a tour's
//! version only grows.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Tx, query, query_dynamic};
use uuid::Uuid;

use crate::domain::media::{MediaChange, MediaKind, MediaSummary, ReadyObject, TourSummary};

/// Applies one change, as of `at` (the event's time).
pub async fn apply(tx: &mut Tx, change: &MediaChange, at: DateTime<Utc>) -> Result<(), DbError> {
    let q = match change {
        MediaChange::Ready { object, listing, kind, thumb_url } => query(
            "INSERT INTO listing_media (object_id, listing_id, kind, thumb_url, ready_at, gone) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (object_id) DO UPDATE SET kind = excluded.kind, \
             thumb_url = excluded.thumb_url WHERE NOT listing_media.gone",
        )
        .bind(*object)
        .bind(*listing)
        .bind(kind.as_str())
        .bind(thumb_url.clone())
        .bind(at)
        .bind(false),
        MediaChange::Gone { object, listing, kind } => query(
            "INSERT INTO listing_media (object_id, listing_id, kind, thumb_url, ready_at, gone) \
             VALUES ($1, $2, $3, NULL, $4, $5) ON CONFLICT (object_id) DO UPDATE SET gone = excluded.gone",
        )
        .bind(*object)
        .bind(*listing)
        .bind(kind.map_or("unknown", MediaKind::as_str))
        .bind(at)
        .bind(true),
        MediaChange::TourChanged { tour, listing, version, scenes } => query(
            "INSERT INTO listing_tours (tour_id, listing_id, version, scenes, changed_at, deleted) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tour_id) DO UPDATE SET version = excluded.version, \
             scenes = excluded.scenes, changed_at = excluded.changed_at \
             WHERE NOT listing_tours.deleted AND listing_tours.version < excluded.version",
        )
        .bind(*tour)
        .bind(*listing)
        .bind(*version)
        .bind(*scenes)
        .bind(at)
        .bind(false),
        MediaChange::TourDeleted { tour, listing } => query(
            "INSERT INTO listing_tours (tour_id, listing_id, version, scenes, changed_at, deleted) \
             VALUES ($1, $2, 0, 0, $3, $4) ON CONFLICT (tour_id) DO UPDATE SET deleted = excluded.deleted",
        )
        .bind(*tour)
        .bind(*listing)
        .bind(at)
        .bind(true),
    };
    q.execute(tx).await?;
    Ok(())
}

fn marks(n: usize) -> String {
    (1..=n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The media summaries of those of `listings` that have media (chunks of 500 binds).
pub async fn summaries(db: &Db, listings: &[Uuid]) -> Result<HashMap<Uuid, MediaSummary>, DbError> {
    let mut ready: HashMap<Uuid, Vec<ReadyObject>> = HashMap::new();
    let mut tours: HashMap<Uuid, TourSummary> = HashMap::new();
    for chunk in listings.chunks(500) {
        let mut q = query_dynamic(format!(
            "SELECT listing_id, kind, thumb_url FROM listing_media WHERE NOT gone AND listing_id IN ({}) \
             ORDER BY ready_at, object_id",
            marks(chunk.len())
        ));
        for id in chunk {
            q = q.bind(*id);
        }
        let rows: Vec<(Uuid, String, Option<String>)> = q.fetch_all(db).await?;
        for (listing, kind, thumb_url) in rows {
            if let Some(kind) = MediaKind::parse(&kind) {
                ready.entry(listing).or_default().push(ReadyObject { kind, thumb_url });
            }
        }
        let mut q = query_dynamic(format!(
            "SELECT listing_id, tour_id, scenes FROM listing_tours WHERE NOT deleted AND listing_id IN ({}) \
             ORDER BY changed_at DESC, tour_id DESC",
            marks(chunk.len())
        ));
        for id in chunk {
            q = q.bind(*id);
        }
        let rows: Vec<(Uuid, Uuid, i64)> = q.fetch_all(db).await?;
        for (listing, id, scenes) in rows {
            // Newest first: a tour replaced by a new one whose deletion event is still on its way
            // does not hide the new one.
            tours.entry(listing).or_insert(TourSummary { id, scenes });
        }
    }
    let with_media: Vec<Uuid> = ready.keys().chain(tours.keys()).copied().collect();
    Ok(with_media
        .into_iter()
        .map(|listing| {
            let objects = ready.get(&listing).map_or(&[][..], Vec::as_slice);
            (listing, MediaSummary::of(objects, tours.get(&listing).cloned()))
        })
        .collect())
}
