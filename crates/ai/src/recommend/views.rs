//! DreamScape's shapes: the recommendation entity and the destination ("item") vector.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::catalog::{self, Destination};
use super::engine::Pop;
use super::store::Rec;

/// The recommendation entity; `item` embeds the item vector (`includeItemVector=true`).
pub fn rec(r: &Rec, item: Option<Value>) -> Value {
    let mut v = json!({
        "id": r.id, "userId": r.user_id, "userVectorId": r.user_id, "itemVectorId": r.destination_id,
        "destinationId": r.destination_id, "destinationName": r.destination_name,
        "destinationType": r.destination_type, "score": r.score, "confidence": r.confidence,
        "reasons": r.reasons, "contextType": r.context_type, "contextData": r.context_data, "status": r.status,
        "viewedAt": r.viewed_at, "clickedAt": r.clicked_at, "bookedAt": r.booked_at, "rejectedAt": r.rejected_at,
        "userRating": r.user_rating, "expiresAt": r.expires_at, "isActive": r.is_active,
        "createdAt": r.created_at, "updatedAt": r.updated_at,
    });
    if let (Some(map), Some(item)) = (v.as_object_mut(), item) {
        map.insert("itemVector".into(), item);
    }
    v
}

/// The item vector of a destination with the model's popularity (`popularityScore`,
/// `bookingCount`, `searchCount` = signals) as of `at` (the last rebuild).
pub fn item(d: &Destination, pop: Option<&Pop>, at: Option<DateTime<Utc>>) -> Value {
    let p = pop.cloned().unwrap_or_default();
    let mut vector = d.vector;
    vector[7] = (p.score * 10_000.0).round() / 10_000.0;
    json!({
        "id": d.code, "destinationId": d.code, "destinationType": d.kind, "name": d.name, "country": d.country,
        "coordinates": {"lat": d.lat, "lng": d.lon}, "vector": vector, "version": 1,
        "popularityScore": vector[7], "trendingScore": (p.trending * 10_000.0).round() / 10_000.0,
        "bookingCount": p.bookings, "searchCount": p.signals,
        "seasonalityData": null, "tags": d.tags, "climate": d.climate, "region": d.region,
        "priceLevel": d.price_level, "createdAt": at, "updatedAt": at, "lastSyncedAt": at,
    })
}

/// An item vector by code, if the destination exists.
pub fn item_of(code: &str, pop: Option<&Pop>, at: Option<DateTime<Utc>>) -> Option<Value> {
    catalog::get(code).map(|d| item(d, pop, at))
}
