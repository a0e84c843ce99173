//! Public knowledge, no token: trending, popular (per segment), similar destinations, deals,
//! destinations by place.

use std::collections::HashMap;

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::MaybeAuthUser;
use platform::http::{Path, Query};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::{State, bare, number, own, user_param};
use crate::recommend::catalog::{self, Destination};
use crate::recommend::engine::{ALL, Pop, closeness};
use crate::recommend::features::SEGMENTS;
use crate::recommend::{listings, store, views};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitOnly {
    /// How many, 1–50.
    pub limit: Option<String>,
}

/// Popularity of everyone, or of a segment, as of the last rebuild.
async fn popularity(s: &State, segment: &str) -> Result<HashMap<String, Pop>, ApiError> {
    Ok(store::popularity(&s.db, segment).await?)
}

/// Destinations by time-decayed interest (half-life `ai.recommend.trending_half_life_days`),
/// then popularity; only those with recent signals.
#[utoipa::path(get, path = "/api/v1/recommendations/trending", operation_id = "ai_rec_trending", tag = "AI",
    params(LimitOnly), responses((status = 200, description = "`{count, destinations: [itemVector]}`", body = serde_json::Value),
        (status = 400, body = ErrorBody)))]
pub async fn trending(AxumState(s): AxumState<State>, Query(p): Query<LimitOnly>) -> Result<Response, ApiError> {
    let limit = number(p.limit.as_deref(), "limit", 10, 1, 50)?;
    let pop = popularity(&s, ALL).await?;
    let mut items: Vec<(&Destination, &Pop)> = catalog::all()
        .iter()
        .filter_map(|d| pop.get(&d.code).map(|p| (d, p)))
        .filter(|(_, p)| p.trending > 0.0)
        .collect();
    items.sort_by(|a, b| {
        b.1.trending.total_cmp(&a.1.trending).then(b.1.score.total_cmp(&a.1.score)).then(a.0.code.cmp(&b.0.code))
    });
    let list: Vec<Value> = items.into_iter().take(limit).map(|(d, p)| views::item(d, Some(p), None)).collect();
    Ok(bare(json!({"count": list.len(), "destinations": list})))
}

fn jaccard(a: &[String], b: &[String]) -> f64 {
    let common = a.iter().filter(|t| b.contains(t)).count() as f64;
    let union = (a.len() + b.len()) as f64 - common;
    if union == 0.0 { 0.0 } else { common / union }
}

/// Destinations like this one: half collaborative (travellers who liked it also liked), half
/// content (vector closeness and shared tags); content only while nobody co-liked it.
#[utoipa::path(get, path = "/api/v1/recommendations/similar/{destinationId}", operation_id = "ai_rec_similar", tag = "AI",
    params(("destinationId" = String, Path, description = "A destination code (PAR) or name"), LimitOnly),
    responses((status = 200, description = "`{destinationId, count, similar: [itemVector + similarityScore]}`", body = serde_json::Value),
        (status = 400, body = ErrorBody)))]
pub async fn similar(
    AxumState(s): AxumState<State>,
    Path(id): Path<String>,
    Query(p): Query<LimitOnly>,
) -> Result<Response, ApiError> {
    let limit = number(p.limit.as_deref(), "limit", 5, 1, 50)?;
    let Some(of) = catalog::resolve(&id) else {
        return Ok(bare(json!({"destinationId": id, "count": 0, "similar": []})));
    };
    let cf: HashMap<String, f64> =
        store::neighbours_of(&s.db, &of.code).await?.into_iter().map(|n| (n.item, n.score)).collect();
    let top_cf = cf.values().copied().fold(0.0, f64::max);
    let pop = popularity(&s, ALL).await?;
    let mut scored: Vec<(f64, &Destination, Vec<String>)> = catalog::all()
        .iter()
        .filter(|d| d.code != of.code)
        .map(|d| {
            let content = 0.6 * closeness(&of.vector, &d.vector, 7) + 0.4 * jaccard(&of.tags, &d.tags);
            let collaborative = cf.get(&d.code).map(|c| c / top_cf).unwrap_or(0.0);
            let mut reasons = Vec::new();
            if collaborative > 0.0 {
                reasons.push(format!("Travellers who liked {} also liked {}", of.name, d.name));
            }
            let shared: Vec<&str> = d.tags.iter().filter(|t| of.tags.contains(t)).map(String::as_str).take(3).collect();
            if !shared.is_empty() {
                reasons.push(format!("Also known for {}", shared.join(", ")));
            }
            let score = if top_cf > 0.0 { 0.5 * collaborative + 0.5 * content } else { content };
            (score, d, reasons)
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.code.cmp(&b.1.code)));
    let list: Vec<Value> = scored
        .into_iter()
        .take(limit)
        .map(|(score, d, reasons)| {
            let mut v = views::item(d, pop.get(&d.code), None);
            if let Some(m) = v.as_object_mut() {
                m.insert("similarityScore".into(), json!((score * 10_000.0).round() / 10_000.0));
                m.insert("reasons".into(), json!(reasons));
            }
            v
        })
        .collect();
    Ok(bare(json!({"destinationId": of.code, "count": list.len(), "similar": list})))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DealsParams {
    /// With it (the caller's own, token needed): that user's active recommendations.
    pub user_id: Option<String>,
    /// 1–50, default 5.
    pub limit: Option<String>,
}

/// Price drops: published listings whose nightly price went down (catalog's `listing.updated`;
/// the price before the drop is kept), biggest drop first — a bare array. With `userId`: that
/// user's active recommendations (DreamScape's legacy answer).
#[utoipa::path(get, path = "/api/v1/recommendations/deals", operation_id = "ai_rec_deals", tag = "AI",
    params(DealsParams), responses((status = 200, description = "A bare array of deals (or recommendations)", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn deals(
    AxumState(s): AxumState<State>,
    MaybeAuthUser(caller): MaybeAuthUser,
    Query(p): Query<DealsParams>,
) -> Result<Response, ApiError> {
    let limit = number(p.limit.as_deref(), "limit", 5, 1, 50)?;
    if p.user_id.is_some() {
        let user = user_param(p.user_id.as_deref(), "userId", "userId must not be empty")?;
        let caller = caller.ok_or_else(|| ApiError::unauthorized("A token is needed for a user's deals"))?;
        own(&caller, user)?;
        let recs = store::active(&s.db, user, None, s.now(), i64::try_from(limit).unwrap_or(5)).await?;
        return Ok(bare(recs.iter().map(|r| views::rec(r, None)).collect::<Vec<_>>()));
    }
    let list: Vec<Value> = listings::deals(&s.db, i64::try_from(limit).unwrap_or(5))
        .await?
        .into_iter()
        .map(|l| {
            let (now, before) = (l.nightly_price.unwrap_or(0.0), l.previous_price.unwrap_or(0.0));
            let percent = if before > 0.0 { ((before - now) / before * 100.0).round() } else { 0.0 };
            let name = l.destination.as_deref().and_then(catalog::get).map(|d| d.name.clone());
            json!({"id": l.id, "listingId": l.id, "title": l.title, "kind": l.kind, "city": l.city, "country": l.country,
                   "destinationId": l.destination, "destinationName": name, "price": now, "previousPrice": before,
                   "currency": l.currency, "discountPercent": percent, "droppedAt": l.dropped_at, "tags": l.tags})
        })
        .collect();
    Ok(bare(list))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct LocationParams {
    /// A destination type: city, beach, mountain, island, desert, nature.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// 1–50, default 10.
    pub limit: Option<String>,
    /// Ignored (as in DreamScape).
    #[allow(dead_code)]
    pub user_id: Option<String>,
}

/// Destinations whose name contains `location` (3 characters or more), or whose country code or
/// region it is (any case).
#[utoipa::path(get, path = "/api/v1/recommendations/activities/{location}", operation_id = "ai_rec_by_location", tag = "AI",
    params(("location" = String, Path, description = "Part of a name, a country code or a region"), LocationParams),
    responses((status = 200, description = "`{location, count, activities: [itemVector]}`", body = serde_json::Value),
        (status = 400, body = ErrorBody)))]
pub async fn by_location(
    AxumState(s): AxumState<State>,
    Path(location): Path<String>,
    Query(p): Query<LocationParams>,
) -> Result<Response, ApiError> {
    let limit = number(p.limit.as_deref(), "limit", 10, 1, 50)?;
    let needle = location.trim().to_lowercase();
    if needle.is_empty() || needle.chars().count() > 100 {
        return Err(ApiError::validation(vec![FieldError::new("location", "must be 1 to 100 characters")]));
    }
    let kind = p.kind.as_deref().map(|k| k.trim().to_lowercase());
    let pop = popularity(&s, ALL).await?;
    let list: Vec<Value> = catalog::all()
        .iter()
        .filter(|d| {
            (needle.chars().count() > 2 && d.name.to_lowercase().contains(&needle))
                || d.country.to_lowercase() == needle
                || d.region == needle
        })
        .filter(|d| kind.as_deref().is_none_or(|k| d.kind == k))
        .take(limit)
        .map(|d| views::item(d, pop.get(&d.code), None))
        .collect();
    Ok(bare(json!({"location": location, "count": list.len(), "activities": list})))
}

fn segment_of(raw: &str) -> Result<&'static str, ApiError> {
    let upper = raw.trim().to_ascii_uppercase();
    SEGMENTS.iter().copied().find(|s| *s == upper).ok_or_else(|| {
        ApiError::validation(vec![FieldError::new("segment", format!("must be one of {}", SEGMENTS.join(", ")))])
    })
}

/// The popular list: every destination by popularity (those nobody interacted with last).
fn popular_list(pop: &HashMap<String, Pop>, category: Option<&str>, limit: usize) -> Vec<Value> {
    let mut items: Vec<&Destination> =
        catalog::all().iter().filter(|d| category.is_none_or(|c| d.has(c) || d.region == c)).collect();
    let score = |d: &Destination| pop.get(&d.code).map(|p| (p.score, p.bookings)).unwrap_or((0.0, 0));
    items.sort_by(|a, b| score(b).0.total_cmp(&score(a).0).then(score(b).1.cmp(&score(a).1)).then(a.code.cmp(&b.code)));
    items.into_iter().take(limit).map(|d| views::item(d, pop.get(&d.code), None)).collect()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PopularParams {
    /// A UserSegment (BUDGET_BACKPACKER, …): popularity among its users.
    pub segment: Option<String>,
    /// A destination type, tag or region (beach, culture, europe, …).
    pub category: Option<String>,
    /// 1–50, default 20.
    pub limit: Option<String>,
}

/// Destinations by popularity (everyone's, or a segment's), optionally of one category.
#[utoipa::path(get, path = "/api/v1/recommendations/popular", operation_id = "ai_rec_popular", tag = "AI",
    params(PopularParams), responses((status = 200, description = "`{count, popular, metadata}`", body = serde_json::Value),
        (status = 400, body = ErrorBody)))]
pub async fn popular(AxumState(s): AxumState<State>, Query(p): Query<PopularParams>) -> Result<Response, ApiError> {
    let limit = number(p.limit.as_deref(), "limit", 20, 1, 50)?;
    let segment = p.segment.as_deref().map(segment_of).transpose()?;
    let category = p.category.as_deref().map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty());
    let pop = popularity(&s, segment.unwrap_or(ALL)).await?;
    let list = popular_list(&pop, category.as_deref(), limit);
    Ok(bare(json!({"count": list.len(), "popular": list,
        "metadata": {"source": "database", "segment": segment, "category": category}})))
}

/// Destinations popular with one segment's users.
#[utoipa::path(get, path = "/api/v1/recommendations/segments/{segment}/popular", operation_id = "ai_rec_segment_popular",
    tag = "AI", params(("segment" = String, Path, description = "A UserSegment"), LimitOnly),
    responses((status = 200, description = "`{segment, count, popular, metadata}`", body = serde_json::Value),
        (status = 400, body = ErrorBody)))]
pub async fn segment_popular(
    AxumState(s): AxumState<State>,
    Path(segment): Path<String>,
    Query(p): Query<LimitOnly>,
) -> Result<Response, ApiError> {
    let segment = segment_of(&segment)?;
    let limit = number(p.limit.as_deref(), "limit", 20, 1, 50)?;
    let list = popular_list(&popularity(&s, segment).await?, None, limit);
    Ok(bare(json!({"segment": segment, "count": list.len(), "popular": list, "metadata": {"source": "database"}})))
}
