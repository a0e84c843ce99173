//! DreamScape's GDPR consent and privacy-policy endpoints (`/api/v1/users/gdpr/...`), the
//! data-access log and account deletion (`DELETE /api/v1/users/profile`). Requests and the
//! export are in `gdpr_requests`; administration in `gdpr_admin`.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State as AxumState;
use axum::http::HeaderMap;
use axum::response::Response;
use kernel::{ApiError, ErrorBody, FieldError, Page, PageQuery, PageRequest};
use platform::auth::{AuthUser, MaybeAuthUser};
use platform::http::{ClientIp, Json, Query, ok, ok_with_message};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use utoipa::ToSchema;

use super::State;
use super::dto::optional_json;
use crate::service::favorites::rejected;
use crate::service::privacy::{ConsentSnapshot, ConsentView, consent_snapshots, consent_view};
use crate::store::privacy::{Acceptance, Policy, Source};

/// An optional JSON object body: empty or `null` is the default; anything but an object is a
/// 400 (serde would otherwise read a struct from an array).
pub(super) fn object_body<T: DeserializeOwned + Default>(body: &Bytes) -> Result<T, ApiError> {
    match optional_json::<serde_json::Value>(body)? {
        None | Some(serde_json::Value::Null) => Ok(T::default()),
        Some(v @ serde_json::Value::Object(_)) => {
            serde_json::from_value(v).map_err(|e| ApiError::validation(vec![FieldError::new("body", e.to_string())]))
        }
        Some(_) => Err(ApiError::validation(vec![FieldError::new("body", "must be a JSON object")])),
    }
}

/// Where a consent or an acceptance came from.
fn source(ip: ClientIp, headers: &HeaderMap) -> Source {
    let origin = super::origin(ip, headers);
    Source { ip: Some(origin.ip), user_agent: origin.user_agent.map(|ua| ua.chars().take(512).collect()) }
}

/// The caller's consents (never-answered purposes: only `functional` is on).
#[utoipa::path(get, path = "/api/v1/users/gdpr/consent", tag = "GDPR", security(("bearerAuth" = [])),
    responses((status = 200, description = "The consent record", body = ConsentView), (status = 401, body = ErrorBody)))]
pub async fn get_consent(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(consent_view(user.user_id, &state.consents(user.user_id).await?)))
}

/// Grant or withdraw any of the four purposes (our form; DreamScape's is `PUT`).
#[utoipa::path(post, path = "/api/v1/users/gdpr/consent", tag = "GDPR", security(("bearerAuth" = [])),
    request_body(content = Object, description = "`{analytics?, marketing?, functional?, preferences?}` booleans"),
    responses((status = 200, description = "The consent record", body = ConsentView), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn set_consent(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    ip: ClientIp,
    headers: HeaderMap,
    Json(body): Json<BTreeMap<String, bool>>,
) -> Result<Response, ApiError> {
    let history = state.set_consents(user.user_id, &body, &source(ip, &headers)).await?;
    Ok(ok_with_message(consent_view(user.user_id, &history), "Consents updated"))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentUpdate {
    pub analytics: Option<bool>,
    pub marketing: Option<bool>,
    pub preferences: Option<bool>,
}

/// Change any of analytics, marketing and preferences (`functional` cannot be refused here
/// and is ignored). At least one of the three is needed.
#[utoipa::path(put, path = "/api/v1/users/gdpr/consent", operation_id = "update_consent", tag = "GDPR", security(("bearerAuth" = [])),
    request_body = ConsentUpdate,
    responses((status = 200, description = "`Consent updated successfully`: the consent record", body = ConsentView),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn put_consent(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    ip: ClientIp,
    headers: HeaderMap,
    Json(body): Json<ConsentUpdate>,
) -> Result<Response, ApiError> {
    let choices: BTreeMap<String, bool> =
        [("analytics", body.analytics), ("marketing", body.marketing), ("preferences", body.preferences)]
            .into_iter()
            .filter_map(|(k, v)| Some((k.to_owned(), v?)))
            .collect();
    if choices.is_empty() {
        return Err(rejected(vec![FieldError::new("body", "At least one consent field must be provided")]));
    }
    let history = state.set_consents(user.user_id, &choices, &source(ip, &headers)).await?;
    Ok(ok_with_message(consent_view(user.user_id, &history), "Consent updated successfully"))
}

/// The consents after each change, newest first.
#[utoipa::path(get, path = "/api/v1/users/gdpr/consent/history", tag = "GDPR", security(("bearerAuth" = [])),
    responses((status = 200, description = "Snapshots, newest first", body = [ConsentSnapshot]), (status = 401, body = ErrorBody)))]
pub async fn consent_history(AxumState(state): AxumState<State>, user: AuthUser) -> Result<Response, ApiError> {
    Ok(ok(consent_snapshots(user.user_id, &state.consents(user.user_id).await?)))
}

/// The privacy policy in force (public); with a token, `accepted` says whether the caller
/// accepted this version.
#[utoipa::path(get, path = "/api/v1/users/gdpr/privacy-policy", tag = "GDPR", security((), ("bearerAuth" = [])),
    responses((status = 200, description = "The policy, plus `accepted` when signed in", body = Policy),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn privacy_policy(AxumState(state): AxumState<State>, user: MaybeAuthUser) -> Result<Response, ApiError> {
    let policy = state.privacy_policy().await?;
    let mut data = json!(policy);
    if let Some(user) = user.0 {
        let accepted = state.accepted_policies(user.user_id).await?;
        data["accepted"] = json!(accepted.iter().any(|a| a.policy_id == policy.id));
    }
    Ok(ok(data))
}

/// Every version of the privacy policy, future ones included, latest effective first.
#[utoipa::path(get, path = "/api/v1/users/gdpr/privacy-policy/versions", tag = "GDPR", security(()),
    responses((status = 200, description = "The versions", body = [Policy])))]
pub async fn policy_versions(AxumState(state): AxumState<State>) -> Result<Response, ApiError> {
    Ok(ok(state.policy_versions().await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptRequest {
    /// The `id` of the policy being accepted (not its version).
    #[schema(max_length = 100)]
    pub policy_id: String,
}

/// Accept a privacy policy. Accepting it again refreshes the acceptance.
#[utoipa::path(post, path = "/api/v1/users/gdpr/privacy-policy/accept", tag = "GDPR", security(("bearerAuth" = [])),
    request_body(content = AcceptRequest, description = "Required: the policy's id"),
    responses((status = 200, description = "`Policy accepted successfully`: the acceptance", body = Acceptance),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn accept_policy(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    ip: ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let missing = || rejected(vec![FieldError::new("policyId", "Policy ID is required")]);
    let body: serde_json::Value = optional_json(&body)?.ok_or_else(missing)?;
    // Read by hand for DreamScape's messages (missing, not a string).
    let body = match body.get("policyId") {
        None | Some(serde_json::Value::Null) => return Err(missing()),
        Some(serde_json::Value::String(s)) if s.chars().count() <= 100 => AcceptRequest { policy_id: s.clone() },
        Some(serde_json::Value::String(_)) => {
            return Err(rejected(vec![FieldError::new("policyId", "Policy ID must be at most 100 characters")]));
        }
        Some(_) => return Err(rejected(vec![FieldError::new("policyId", "Policy ID must be a string")])),
    };
    let acceptance = state.accept_policy(user.user_id, &body.policy_id, &source(ip, &headers)).await?;
    Ok(ok_with_message(acceptance, "Policy accepted successfully"))
}

/// Who accessed or handed out the caller's personal data.
#[utoipa::path(get, path = "/api/v1/users/gdpr/access-log", tag = "GDPR", security(("bearerAuth" = [])), params(PageQuery),
    responses((status = 200, description = "`{entries, pagination}`"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn access_log(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Query(q): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let page = PageRequest::parse(&q)?;
    let (entries, total) = state.access_log(user.user_id, &page).await?;
    Ok(ok(Page::new(entries, &page, u64::try_from(total).ok()).keyed("entries")))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteAccountRequest {
    /// Needed unless the session signed in within the last 10 minutes.
    pub password: Option<String>,
}

/// Delete the account (GDPR erasure): personal data is erased everywhere; payment records are
/// kept without names or contact details.
#[utoipa::path(delete, path = "/api/v1/users/profile", tag = "Profile", security(("bearerAuth" = [])),
    request_body(content = Option<DeleteAccountRequest>, description = "Optional"),
    responses((status = 200, description = "Deleted"), (status = 401, body = ErrorBody),
        (status = 403, description = "`reauthentication_required`", body = ErrorBody)))]
pub async fn delete_account(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: DeleteAccountRequest = object_body(&body)?;
    state.delete_account(user.user_id, user.session_id, body.password.as_deref()).await?;
    Ok(ok_with_message(json!({}), "Account deleted"))
}
