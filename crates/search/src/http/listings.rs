//! `GET /api/v1/search/listings`: full text, filters, distance, sorts and facets. Every query
//! value is read as text so a bad one is named in a 400 `validation_failed`; the search itself
//! runs on a blocking thread (Tantivy is synchronous).

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::MaybeAuthUser;
use platform::http::{Query, ok};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::State;
use crate::index::query::{self, SearchRequest, Sort};

/// Longest `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
/// Largest `offset`: deeper pages are not served (refine the search instead).
pub const MAX_OFFSET: usize = 1_000;
pub const DEFAULT_RADIUS_KM: f64 = 25.0;
pub const MAX_RADIUS_KM: f64 = 500.0;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// Words matched against title, description, city and amenities (at most 200 characters);
    /// English and French stems, typos (one from 5 letters, two from 9), the last word as a prefix.
    pub q: Option<String>,
    /// `stay`, `product`, `activity`, `transport` or `restaurant`.
    pub kind: Option<String>,
    /// City, case-insensitive exact match.
    pub city: Option<String>,
    /// ISO country code as written in the listing's address (case-insensitive).
    pub country: Option<String>,
    /// Stays for at least this many guests.
    #[param(value_type = Option<i64>)]
    pub guests: Option<String>,
    /// Minor units of the listing's own currency (no conversion).
    #[param(value_type = Option<i64>)]
    pub price_min: Option<String>,
    /// Minor units of the listing's own currency (no conversion).
    #[param(value_type = Option<i64>)]
    pub price_max: Option<String>,
    /// At least this many bedrooms.
    #[param(value_type = Option<i64>)]
    pub bedrooms: Option<String>,
    /// Comma-separated; the listing must have all of them.
    pub amenities: Option<String>,
    #[param(value_type = Option<bool>)]
    pub instant_book: Option<String>,
    /// `lat,lng`: only listings within `radiusKm` of it; hits then carry `distanceKm`.
    pub near: Option<String>,
    /// With `near`: more than 0, at most 500 (default 25).
    #[param(value_type = Option<f64>)]
    pub radius_km: Option<String>,
    /// `relevance` (default), `price_asc`, `price_desc`, `newest`, `distance` (needs `near`).
    pub sort: Option<String>,
    /// 1–100 (default 20).
    #[param(value_type = Option<i64>)]
    pub limit: Option<String>,
    /// 0–1,000.
    #[param(value_type = Option<i64>)]
    pub offset: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Pagination {
    pub total: usize,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SearchData {
    /// Hits: id, kind, title, city, country, price, currency, location, instantBook,
    /// maxGuests, bedrooms, amenities, createdAt, score (relevance sort), distanceKm (`near`).
    #[schema(value_type = Vec<Object>)]
    pub listings: Vec<Value>,
    /// Counts per `kind`, `city` and `amenities` over the whole filtered set.
    #[schema(value_type = Object)]
    pub facets: Value,
    pub pagination: Pagination,
}

/// Searches published listings.
#[utoipa::path(get, path = "/api/v1/search/listings", tag = "Search", operation_id = "search_listings",
    params(SearchQuery),
    responses((status = 200, description = "A page of hits with facets", body = SearchData),
        (status = 400, description = "`validation_failed`: the field is named", body = ErrorBody)))]
pub async fn search(
    AxumState(state): AxumState<State>,
    viewer: MaybeAuthUser,
    Query(query): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    let request = validate(&query)?;
    let index = state.index.clone();
    let req = request.clone();
    let result = tokio::task::spawn_blocking(move || query::run(&index, &req))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "search: the search task failed");
            ApiError::internal()
        })?
        .map_err(|e| {
            tracing::error!(error = %e, "search: the index failed");
            ApiError::internal()
        })?;
    // Discovery: popular destinations count it; a signed-in caller's history records it.
    let user = viewer.0.map(|u| u.user_id);
    state.discover.searched(user, &request, result.total);
    Ok(ok(SearchData {
        listings: result.hits,
        facets: result.facets,
        pagination: Pagination { total: result.total, limit: request.limit, offset: request.offset },
    }))
}

fn int(raw: Option<&str>, field: &str, min: i64, max: i64, errors: &mut Vec<FieldError>) -> Option<i64> {
    let raw = raw?;
    match raw.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            errors.push(FieldError::new(field, format!("must be an integer from {min} to {max}")));
            None
        }
    }
}

fn word(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The search `q` describes, or a 400 naming every bad field.
pub fn validate(q: &SearchQuery) -> Result<SearchRequest, ApiError> {
    let mut e = Vec::new();
    let text = q.q.clone().unwrap_or_default();
    if text.chars().count() > MAX_QUERY_CHARS {
        e.push(FieldError::new("q", format!("must be at most {MAX_QUERY_CHARS} characters")));
    }
    let kind = word(q.kind.as_deref());
    if kind.as_deref().is_some_and(|k| !["stay", "product", "activity", "transport", "restaurant"].contains(&k)) {
        e.push(FieldError::new("kind", "must be one of stay, product, activity, transport, restaurant"));
    }
    let guests = int(q.guests.as_deref(), "guests", 1, 1_000, &mut e);
    let bedrooms = int(q.bedrooms.as_deref(), "bedrooms", 0, 1_000, &mut e);
    let price_min = int(q.price_min.as_deref(), "priceMin", 0, i64::MAX, &mut e);
    let price_max = int(q.price_max.as_deref(), "priceMax", 0, i64::MAX, &mut e);
    if let (Some(lo), Some(hi)) = (price_min, price_max)
        && lo > hi
    {
        e.push(FieldError::new("priceMin", "must not be greater than priceMax"));
    }
    let limit = int(q.limit.as_deref(), "limit", 1, MAX_LIMIT as i64, &mut e).map_or(DEFAULT_LIMIT, |n| n as usize);
    let offset = int(q.offset.as_deref(), "offset", 0, MAX_OFFSET as i64, &mut e).map_or(0, |n| n as usize);
    let instant_book = match q.instant_book.as_deref().map(str::trim) {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            e.push(FieldError::new("instantBook", "must be true or false"));
            None
        }
    };
    let amenities: Vec<String> =
        q.amenities.as_deref().unwrap_or_default().split(',').filter_map(|a| word(Some(a))).collect();
    let point = q.near.as_deref().and_then(|raw| {
        let parsed =
            raw.split_once(',').and_then(|(a, b)| Some((a.trim().parse::<f64>().ok()?, b.trim().parse::<f64>().ok()?)));
        match parsed {
            Some((lat, lng)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) => Some((lat, lng)),
            _ => {
                e.push(FieldError::new("near", "must be lat,lng (latitude -90..90, longitude -180..180)"));
                None
            }
        }
    });
    let radius = match q.radius_km.as_deref() {
        None => DEFAULT_RADIUS_KM,
        Some(raw) => match raw.trim().parse::<f64>() {
            Ok(r) if r > 0.0 && r <= MAX_RADIUS_KM => r,
            _ => {
                e.push(FieldError::new("radiusKm", format!("must be a number above 0 and at most {MAX_RADIUS_KM}")));
                DEFAULT_RADIUS_KM
            }
        },
    };
    let sort = match q.sort.as_deref() {
        None => Sort::Relevance,
        Some(raw) => Sort::parse(raw.trim()).unwrap_or_else(|| {
            e.push(FieldError::new("sort", format!("must be one of {}", Sort::NAMES)));
            Sort::Relevance
        }),
    };
    if sort == Sort::Distance && q.near.is_none() {
        e.push(FieldError::new("sort", "distance needs near"));
    }
    if !e.is_empty() {
        return Err(ApiError::validation(e));
    }
    Ok(SearchRequest {
        q: text,
        kind,
        city: word(q.city.as_deref()),
        country: word(q.country.as_deref()),
        guests,
        price_min,
        price_max,
        bedrooms,
        amenities,
        instant_book,
        near: point.map(|(lat, lng)| (lat, lng, radius)),
        sort,
        limit,
        offset,
    })
}
