//! A user's recommendations: generate, read, track, refresh, vectors, cold start.

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{State, bare, number, own, real, user_param};
use crate::recommend::service::{Computed, LIST};
use crate::recommend::{store, views};

const CONTEXTS: [&str; 4] = ["general", "onboarding", "search_based", "seasonal"];
const STATUSES: [&str; 6] = ["GENERATED", "VIEWED", "CLICKED", "BOOKED", "REJECTED", "EXPIRED"];
const STRATEGIES: [&str; 4] = ["POPULARITY_ONLY", "HYBRID_SEGMENT", "HYBRID_PREFERENCES", "ADAPTIVE"];

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GenerateBody {
    /// The user (required; the caller's own unless an administrator).
    pub user_id: Option<String>,
    /// `general` (default), `onboarding`, `search_based` or `seasonal`.
    pub context_type: Option<String>,
    /// 1–50, default 10.
    pub limit: Option<u32>,
    /// 0–1, default 0.3.
    pub min_score: Option<f64>,
}

fn recs_json(c: &Computed, limit: usize, min_score: f64) -> Vec<Value> {
    c.recs.iter().filter(|r| r.score >= min_score).take(limit).map(|r| views::rec(r, None)).collect()
}

/// Computes and stores the user's recommendations now (booked destinations left out).
#[utoipa::path(post, path = "/api/v1/recommendations/generate", operation_id = "ai_rec_generate", tag = "AI",
    security(("bearerAuth" = [])), request_body = GenerateBody,
    responses((status = 200, description = "`{userId, count, recommendations}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn generate(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(b): Json<GenerateBody>,
) -> Result<Response, ApiError> {
    let user = user_param(b.user_id.as_deref(), "userId", "userId is required")?;
    own(&caller, user)?;
    let context = b.context_type.as_deref().unwrap_or("general");
    if !CONTEXTS.contains(&context) {
        return Err(ApiError::validation(vec![FieldError::new(
            "contextType",
            format!("must be one of {}", CONTEXTS.join(", ")),
        )]));
    }
    let limit = number(b.limit.map(|l| l.to_string()).as_deref(), "limit", 10, 1, 50)?;
    let min = real(b.min_score.map(|m| m.to_string()).as_deref(), "minScore", 0.3, 0.0, 1.0)?;
    let out = s.compute_list(user, context, "generate", limit.max(LIST)).await?;
    let recs = recs_json(&out, limit, min);
    Ok(bare(json!({"userId": user, "count": recs.len(), "recommendations": recs})))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PersonalizedParams {
    /// The user (required; the caller's own unless an administrator).
    pub user_id: Option<String>,
    /// 1–50, default 10.
    pub limit: Option<String>,
    /// GENERATED, VIEWED, CLICKED, BOOKED, REJECTED or EXPIRED.
    pub status: Option<String>,
    /// `true` embeds `itemVector`.
    pub include_item_vector: Option<String>,
}

/// The user's stored recommendations, best first; computed at once if they have none.
#[utoipa::path(get, path = "/api/v1/recommendations/personalized", operation_id = "ai_rec_personalized", tag = "AI",
    security(("bearerAuth" = [])), params(PersonalizedParams),
    responses((status = 200, description = "`{userId, count, recommendations}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn personalized(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Query(p): Query<PersonalizedParams>,
) -> Result<Response, ApiError> {
    let user = user_param(p.user_id.as_deref(), "userId", "userId query parameter is required")?;
    own(&caller, user)?;
    let limit = number(p.limit.as_deref(), "limit", 10, 1, 50)?;
    let status = p.status.as_deref().map(str::to_ascii_uppercase);
    if let Some(st) = status.as_deref().filter(|st| !STATUSES.contains(st)) {
        return Err(ApiError::validation(vec![FieldError::new(
            "status",
            format!("{st} is not one of {}", STATUSES.join(", ")),
        )]));
    }
    let now = s.now();
    let limit_i = i64::try_from(limit).unwrap_or(50);
    let mut recs = store::active(&s.db, user, status.as_deref(), now, limit_i).await?;
    if recs.is_empty() && status.is_none() {
        s.compute(user, "general", "personalized").await?;
        recs = store::active(&s.db, user, None, now, limit_i).await?;
    }
    let with_item = p.include_item_vector.as_deref() == Some("true");
    let all =
        if with_item { store::popularity(&s.db, crate::recommend::engine::ALL).await? } else { Default::default() };
    let list: Vec<Value> = recs
        .iter()
        .map(|r| {
            views::rec(
                r,
                with_item.then(|| views::item_of(&r.destination_id, all.get(&r.destination_id), None)).flatten(),
            )
        })
        .collect();
    Ok(bare(json!({"userId": user, "count": list.len(), "recommendations": list})))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TrackBody {
    /// `viewed`, `clicked`, `booked` or `rejected`.
    pub action: Option<String>,
    /// 1–5, kept with `booked`.
    pub rating: Option<i64>,
}

/// Records what the user did with one of their recommendations (and learns from it).
#[utoipa::path(post, path = "/api/v1/recommendations/{id}/track", operation_id = "ai_rec_track", tag = "AI",
    security(("bearerAuth" = [])), params(("id" = Uuid, Path, description = "The recommendation")), request_body = TrackBody,
    responses((status = 200, description = "`{success, recommendation}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn track(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Path(id): Path<Uuid>,
    Json(b): Json<TrackBody>,
) -> Result<Response, ApiError> {
    let action = b.action.as_deref().map(str::trim).unwrap_or_default();
    if !["viewed", "clicked", "booked", "rejected"].contains(&action) {
        return Err(ApiError::bad_request("Invalid action. Must be one of: viewed, clicked, booked, rejected"));
    }
    if b.rating.is_some_and(|r| !(1..=5).contains(&r)) {
        return Err(ApiError::validation(vec![FieldError::new("rating", "must be a whole number from 1 to 5")]));
    }
    let not_found = || ApiError::not_found(format!("Recommendation {id} not found"));
    let owner = s.owner_of(id).await?.ok_or_else(not_found)?;
    own(&caller, owner)?;
    let rating = if action == "booked" { b.rating } else { None };
    let rec = s.track(id, action, rating).await?.ok_or_else(not_found)?;
    Ok(bare(json!({"success": true, "recommendation": views::rec(&rec, None)})))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    /// The user (required; the caller's own unless an administrator).
    pub user_id: Option<String>,
    /// What the vector is recomputed from (`onboarding` by default; informative).
    pub source: Option<String>,
}

/// Recomputes the user's vector and replaces every active recommendation with 10 new ones.
#[utoipa::path(post, path = "/api/v1/recommendations/refresh", operation_id = "ai_rec_refresh", tag = "AI",
    security(("bearerAuth" = [])), request_body = UserBody,
    responses((status = 200, description = "`{success, userId, count, recommendations}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn refresh(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(b): Json<UserBody>,
) -> Result<Response, ApiError> {
    let user = user_param(b.user_id.as_deref(), "userId", "userId is required")?;
    own(&caller, user)?;
    let out = s.refresh(user).await?;
    let recs = recs_json(&out, LIST, 0.0);
    Ok(bare(json!({"success": true, "userId": user, "count": recs.len(), "recommendations": recs})))
}

/// Recomputes and stores the user's 8-dimension vector (and their list).
#[utoipa::path(post, path = "/api/v1/recommendations/vectors/user", operation_id = "ai_rec_vector_post", tag = "AI",
    security(("bearerAuth" = [])), request_body = UserBody,
    responses((status = 200, description = "`{success, userId, vector, dimensions: 8}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn vector_post(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(b): Json<UserBody>,
) -> Result<Response, ApiError> {
    let user = user_param(b.user_id.as_deref(), "userId", "userId is required")?;
    own(&caller, user)?;
    let source = b.source.as_deref().map(str::trim).filter(|x| !x.is_empty() && x.len() <= 40).unwrap_or("onboarding");
    let out = s.compute(user, "general", source).await?;
    Ok(bare(json!({"success": true, "userId": user, "vector": out.vector.vector, "dimensions": 8})))
}

/// The user's vector (computed if they have none yet).
#[utoipa::path(get, path = "/api/v1/recommendations/vectors/user/{userId}", operation_id = "ai_rec_vector_get", tag = "AI",
    security(("bearerAuth" = [])), params(("userId" = Uuid, Path, description = "The user")),
    responses((status = 200, description = "`{userId, vector, dimensions: 8}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn vector_get(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Path(user): Path<Uuid>,
) -> Result<Response, ApiError> {
    own(&caller, user)?;
    let vector = match store::vector(&s.db, user).await? {
        Some(v) => v.vector,
        None => s.compute(user, "general", "onboarding").await?.vector.vector,
    };
    Ok(bare(json!({"userId": user, "vector": vector, "dimensions": 8})))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ColdStartParams {
    /// The user (required; the caller's own unless an administrator).
    pub user_id: Option<String>,
    /// POPULARITY_ONLY, HYBRID_SEGMENT, HYBRID_PREFERENCES or ADAPTIVE (default; any case).
    pub strategy: Option<String>,
    /// 1–50, default 20.
    pub limit: Option<String>,
    /// 0–1, default 0.3: how much a destination of a type already listed is pushed down.
    pub diversity_factor: Option<String>,
}

/// Recommendations for a user with little or no history, by strategy, with the breakdown.
#[utoipa::path(get, path = "/api/v1/recommendations/cold-start", operation_id = "ai_rec_cold_start", tag = "AI",
    security(("bearerAuth" = [])), params(ColdStartParams),
    responses((status = 200, description = "`{userId, count, strategy, recommendations}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn cold_start(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Query(p): Query<ColdStartParams>,
) -> Result<Response, ApiError> {
    let user = user_param(p.user_id.as_deref(), "userId", "userId is required")?;
    own(&caller, user)?;
    let strategy = p.strategy.as_deref().unwrap_or("ADAPTIVE").trim().to_ascii_uppercase();
    if !STRATEGIES.contains(&strategy.as_str()) {
        return Err(ApiError::validation(vec![FieldError::new(
            "strategy",
            format!("must be one of {}", STRATEGIES.join(", ")),
        )]));
    }
    let limit = number(p.limit.as_deref(), "limit", 20, 1, 50)?;
    let diversity = real(p.diversity_factor.as_deref(), "diversityFactor", 0.3, 0.0, 1.0)?;
    let recs = s.cold_start(user, &strategy, limit, diversity).await?;
    Ok(bare(json!({"userId": user, "count": recs.len(), "strategy": strategy, "recommendations": recs})))
}
