//! `GET /api/v1/recommendations/listings/{listingId}/similar`: public, like the listing itself.

use std::collections::HashMap;

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody};
use platform::http::{Path, Query};
use serde_json::json;
use uuid::Uuid;

use super::public::LimitOnly;
use super::{State, bare, number};
use crate::recommend::{listings, similar_listings};

/// How many neighbours of each kind (same place, same kind) are ranked.
const CANDIDATES: i64 = 500;

/// Published listings like this one — same destination or city, same kind, shared amenities
/// and type, a close nightly price, and what travellers who liked it also liked — best first,
/// each with its `similarityScore` (0–1) and the `reasons` that decided. `404` for a listing
/// that is not published.
#[utoipa::path(get, path = "/api/v1/recommendations/listings/{listingId}/similar", operation_id = "ai_rec_similar_listings",
    tag = "AI", params(("listingId" = Uuid, Path, description = "A published listing"), LimitOnly),
    responses((status = 200, description = "`{listingId, count, similar: [{listingId, title, kind, city, country, destinationId, price, currency, tags, similarityScore, reasons}]}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn similar_listings(
    AxumState(s): AxumState<State>,
    Path(id): Path<Uuid>,
    Query(p): Query<LimitOnly>,
) -> Result<Response, ApiError> {
    let limit = number(p.limit.as_deref(), "limit", 5, 1, 50)?;
    let of = listings::get(&s.db, id).await?.ok_or_else(|| ApiError::not_found("No published listing has this id"))?;
    let candidates = listings::neighbourhood(&s.db, &of, CANDIDATES).await?;
    let co: HashMap<String, i64> = listings::co_liked(&s.db, id, CANDIDATES).await?.into_iter().collect();
    let similar: Vec<_> = similar_listings::rank(&of, candidates, &co, limit)
        .into_iter()
        .map(|x| {
            let l = x.listing;
            json!({"listingId": l.id, "title": l.title, "kind": l.kind, "city": l.city, "country": l.country,
                   "destinationId": l.destination, "price": l.nightly_price, "currency": l.currency, "tags": l.tags,
                   "similarityScore": x.score, "reasons": x.reasons})
        })
        .collect();
    Ok(bare(json!({"listingId": id, "count": similar.len(), "similar": similar})))
}
