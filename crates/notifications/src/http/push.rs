//! Web push subscriptions: the browser fetches our VAPID public key, subscribes with its push
//! service, and registers the resulting `PushSubscription` here; notices then reach it even
//! with no tab open. A subscription belongs to the signed-in user; one answered 404/410 by its
//! push service is removed by the delivery worker.

use axum::extract::State as AxumState;
use axum::http::HeaderMap;
use axum::response::Response;
use base64::Engine;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, created, ok, ok_with_message};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::State;
use crate::delivery::store::{self, PushSubscription};
use crate::webpush::Subscription;

/// Subscriptions kept per user: a new one past this replaces the oldest.
const MAX_PER_USER: usize = 20;

fn unavailable() -> ApiError {
    ApiError::new(404, "push_unavailable", "Web push is not offered by this server")
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VapidKeyView {
    /// The VAPID public key (uncompressed P-256 point, base64url): the browser's
    /// `applicationServerKey`.
    pub public_key: String,
}

/// The key browsers subscribe with (`pushManager.subscribe({ applicationServerKey })`).
#[utoipa::path(get, path = "/api/v1/users/notifications/push/vapid-public-key", tag = "Notifications", operation_id = "get_push_vapid_key",
    responses((status = 200, body = VapidKeyView), (status = 404, description = "`push_unavailable`", body = ErrorBody)))]
pub async fn vapid_public_key(AxumState(state): AxumState<State>) -> Result<Response, ApiError> {
    let vapid = state.vapid.as_ref().ok_or_else(unavailable)?;
    Ok(ok(VapidKeyView { public_key: vapid.public_key_b64url().to_owned() }))
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionView {
    pub id: uuid::Uuid,
    pub endpoint: String,
    pub user_agent: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_success_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<PushSubscription> for SubscriptionView {
    fn from(s: PushSubscription) -> Self {
        SubscriptionView {
            id: s.id,
            endpoint: s.endpoint,
            user_agent: s.user_agent,
            created_at: s.created_at,
            last_success_at: s.last_success_at,
        }
    }
}

/// The caller's push subscriptions.
#[utoipa::path(get, path = "/api/v1/users/notifications/push/subscriptions", tag = "Notifications", operation_id = "list_push_subscriptions",
    security(("bearerAuth" = [])),
    responses((status = 200, body = Vec<SubscriptionView>), (status = 401, body = ErrorBody)))]
pub async fn list(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    let subs = store::subscriptions(&state.db, user.user_id).await?;
    Ok(ok(subs.into_iter().map(SubscriptionView::from).collect::<Vec<_>>()))
}

/// A browser's `PushSubscription.toJSON()`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubscriptionIn {
    pub endpoint: Option<Value>,
    /// `{ p256dh, auth }`, base64url. (`expirationTime` is accepted and ignored: push services
    /// answer 404/410 once a subscription expires, and it is removed then.)
    pub keys: Option<Value>,
}

/// Registers (or refreshes) a push subscription of the caller's browser.
#[utoipa::path(post, path = "/api/v1/users/notifications/push/subscriptions", tag = "Notifications", operation_id = "create_push_subscription",
    security(("bearerAuth" = [])),
    request_body = SubscriptionIn,
    responses((status = 201, body = SubscriptionView),
        (status = 400, description = "`validation_failed`: `endpoint` (an https URL of a public push service), `keys.p256dh` (a P-256 point), `keys.auth` (16 bytes)", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, description = "`push_unavailable`", body = ErrorBody)))]
pub async fn subscribe(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    headers: HeaderMap,
    Json(body): Json<SubscriptionIn>,
) -> Result<Response, ApiError> {
    state.vapid.as_ref().ok_or_else(unavailable)?;
    let json = serde_json::json!({"endpoint": body.endpoint, "keys": body.keys});
    let parsed = Subscription::parse(&json, state.allow_private_endpoints).map_err(ApiError::validation)?;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let user_agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect::<String>());
    let now = state.clock.now();
    let row = PushSubscription {
        id: kernel::new_id(),
        user_id: user.user_id,
        endpoint: parsed.endpoint.clone(),
        p256dh: b64.encode(parsed.p256dh),
        auth: b64.encode(parsed.auth),
        user_agent,
        created_at: now,
        last_success_at: None,
    };
    let mut tx = state.db.begin().await?;
    let stored = store::upsert_subscription(&mut tx, &row).await?;
    let mine = store::subscriptions(&mut tx, user.user_id).await?;
    for old in mine.iter().take(mine.len().saturating_sub(MAX_PER_USER)) {
        store::forget_subscription_tx(&mut tx, old.id).await?;
    }
    tx.commit().await?;
    Ok(created(SubscriptionView::from(stored)))
}

/// The answer to a removal: `{ deleted: 1 }`, or 404 when the caller has no such subscription.
fn removed(found: bool) -> Result<Response, ApiError> {
    if found {
        Ok(ok_with_message(serde_json::json!({"deleted": 1}), "Subscription removed"))
    } else {
        Err(ApiError::not_found("Subscription not found"))
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EndpointIn {
    pub endpoint: Option<String>,
}

/// Removes the caller's subscription with this endpoint (what the browser knows after
/// `subscription.unsubscribe()`).
#[utoipa::path(delete, path = "/api/v1/users/notifications/push/subscriptions", tag = "Notifications", operation_id = "delete_push_subscription_by_endpoint",
    security(("bearerAuth" = [])),
    request_body = EndpointIn,
    responses((status = 200, description = "`{ deleted: 1 }`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "No such subscription of the caller", body = ErrorBody)))]
pub async fn unsubscribe_endpoint(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Json(body): Json<EndpointIn>,
) -> Result<Response, ApiError> {
    let endpoint = body.endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty() && e.len() <= 2048);
    let Some(endpoint) = endpoint else {
        return Err(ApiError::validation(vec![FieldError::new(
            "endpoint",
            "is required (the subscription's endpoint URL)",
        )]));
    };
    removed(store::delete_subscription(&state.db, user.user_id, None, Some(endpoint)).await?)
}

/// Removes one of the caller's subscriptions by id.
#[utoipa::path(delete, path = "/api/v1/users/notifications/push/subscriptions/{id}", tag = "Notifications", operation_id = "delete_push_subscription",
    security(("bearerAuth" = [])),
    params(("id" = String, Path, description = "Subscription id")),
    responses((status = 200, description = "`{ deleted: 1 }`"), (status = 401, body = ErrorBody),
        (status = 404, description = "No such subscription of the caller", body = ErrorBody)))]
pub async fn unsubscribe_one(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Ok(id) = uuid::Uuid::try_parse(id.trim()) else { return removed(false) };
    removed(store::delete_subscription(&state.db, user.user_id, Some(id), None).await?)
}
