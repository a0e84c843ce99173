//! DreamScape's onboarding integration (`/api/v1/ai`): the first list after onboarding,
//! refining from an interaction, the user's segments, regenerating.

use std::time::Instant;

use axum::extract::State as AxumState;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{State, bare, own, user_param};
use crate::recommend::feedback::{self, Signal};
use crate::recommend::{catalog, store, views};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompleteBody {
    /// The user (required; the caller's own unless an administrator).
    pub user_id: Option<String>,
    /// DreamScape's travel-profile fields (`travelTypes`, `globalBudgetRange`, …) or our
    /// steps; absent: the profile identity published when onboarding completed.
    #[schema(value_type = Option<Object>)]
    pub onboarding_data: Option<Value>,
}

/// Builds the user's vector, segments and first recommendations from their onboarding.
/// `fallback` is true when there is no profile (popularity only).
#[utoipa::path(post, path = "/api/v1/ai/onboarding/complete", operation_id = "ai_rec_onboarding_complete", tag = "AI",
    security(("bearerAuth" = [])), request_body = CompleteBody,
    responses((status = 200, description = "`{success, fallback, userVector, recommendations, metadata}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn complete(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(b): Json<CompleteBody>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let user = user_param(b.user_id.as_deref(), "userId", "userId is required")?;
    own(&caller, user)?;
    let data = match b.onboarding_data {
        None | Some(Value::Null) => None,
        Some(v @ Value::Object(_)) => Some(v),
        Some(_) => return Err(ApiError::validation(vec![FieldError::new("onboardingData", "must be an object")])),
    };
    let (out, has_profile) = s.onboard(user, data.as_ref()).await?;
    let primary = out.segments.first().map(|x| x.segment);
    let recs: Vec<Value> = out.recs.iter().map(|r| views::rec(r, None)).collect();
    Ok(bare(json!({"success": true, "fallback": !has_profile,
        "userVector": {"segment": primary, "confidence": out.vector.confidence, "source": out.vector.source},
        "recommendations": recs,
        "metadata": {"processingTime": started.elapsed().as_millis() as u64,
            "strategy": if has_profile { "HYBRID_PREFERENCES" } else { "POPULARITY_ONLY" },
            "segmentAssigned": primary, "confidence": out.vector.confidence}})))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    /// view, click, book, like, save, wishlist, dislike, reject (DreamScape's past forms too).
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// A destination code (PAR) or name.
    pub destination_id: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RefineBody {
    pub interaction: Option<Interaction>,
}

/// Learns from one interaction with a destination: the vector, segments and list change.
#[utoipa::path(patch, path = "/api/v1/ai/users/{userId}/refine", operation_id = "ai_rec_refine", tag = "AI",
    security(("bearerAuth" = [])), params(("userId" = Uuid, Path, description = "The user")), request_body = RefineBody,
    responses((status = 200, description = "`{success, vectorUpdated, segmentsChanged, newRecommendationsGenerated}`", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "Unknown destination", body = ErrorBody)))]
pub async fn refine(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Path(user): Path<Uuid>,
    Json(b): Json<RefineBody>,
) -> Result<Response, ApiError> {
    own(&caller, user)?;
    let i = b.interaction.as_ref();
    let (Some(kind), Some(dest)) = (i.and_then(|i| i.kind.as_deref()), i.and_then(|i| i.destination_id.as_deref()))
    else {
        return Err(ApiError::bad_request("interaction.type and interaction.destinationId are required"));
    };
    let Some(weight) = feedback::weight(kind) else {
        return Err(ApiError::validation(vec![FieldError::new(
            "interaction.type",
            "must be one of view, click, book, like, save, wishlist, compare, favorite, dislike, reject",
        )]));
    };
    let d = catalog::resolve(dest).ok_or_else(|| ApiError::not_found(format!("Destination {dest} not found")))?;
    let before = store::vector(&s.db, user).await?.map(|v| v.primary_segment);
    let signal = Signal {
        user,
        item_kind: "destination".into(),
        item_id: d.code.clone(),
        destination: Some(d.code.clone()),
        action: feedback::canonical(kind).to_owned(),
        weight,
        source: "refine".into(),
        at: s.now(),
    };
    let out = s.signal(signal).await?;
    Ok(bare(json!({"success": true, "vectorUpdated": true,
        "segmentsChanged": before.as_deref() != Some(out.vector.primary_segment.as_str()),
        "newRecommendationsGenerated": !out.recs.is_empty()})))
}

/// The user's segments with the features that decided, primary first.
#[utoipa::path(get, path = "/api/v1/ai/users/{userId}/segment", operation_id = "ai_rec_segment", tag = "AI",
    security(("bearerAuth" = [])), params(("userId" = Uuid, Path, description = "The user")),
    responses((status = 200, description = "`{userId, segments, primarySegment, confidence, lastUpdated}`", body = serde_json::Value),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "No vector yet (no onboarding, no interaction)", body = ErrorBody)))]
pub async fn segment(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Path(user): Path<Uuid>,
) -> Result<Response, ApiError> {
    own(&caller, user)?;
    let v = store::vector(&s.db, user).await?.ok_or_else(|| ApiError::not_found("User vector not found"))?;
    Ok(bare(json!({"userId": user, "segments": v.segments, "primarySegment": v.primary_segment,
        "confidence": v.confidence, "lastUpdated": v.updated_at})))
}

/// Replaces the user's recommendations with freshly computed ones.
#[utoipa::path(post, path = "/api/v1/ai/users/{userId}/regenerate", operation_id = "ai_rec_regenerate", tag = "AI",
    security(("bearerAuth" = [])), params(("userId" = Uuid, Path, description = "The user")),
    responses((status = 200, description = "`{success, regenerated, recommendations: count, metadata}`", body = serde_json::Value),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn regenerate(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Path(user): Path<Uuid>,
) -> Result<Response, ApiError> {
    own(&caller, user)?;
    let started = Instant::now();
    let out = s.refresh(user).await?;
    Ok(bare(json!({"success": true, "regenerated": true, "recommendations": out.recs.len(),
        "metadata": {"processingTime": started.elapsed().as_millis() as u64, "segment": out.vector.primary_segment,
            "confidence": out.vector.confidence}})))
}
