//! `POST /api/v1/ai/itineraries/draft`: a one-shot itinerary. The request becomes the first
//! message of a new conversation and runs through the same tool loop, so the draft is built
//! from real searches, priced by the supplier, and the traveller can continue the conversation
//! to change it.

use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::MaybeAuthUser;
use platform::http::Json;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::http::{State, caller};

/// Longest trip a draft plans, in days.
const MAX_DAYS: i64 = 30;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DraftIn {
    /// A city or IATA code, up to 100 characters.
    pub destination: String,
    /// Where the traveller leaves from (flights are searched when given).
    pub origin: Option<String>,
    /// YYYY-MM-DD, not in the past.
    pub start_date: String,
    /// YYYY-MM-DD, at most 30 days after `startDate`.
    pub end_date: String,
    /// 1 to 9 (default 1).
    pub adults: Option<i64>,
    /// The whole trip's budget, in `currency` (major units).
    pub budget: Option<f64>,
    /// ISO 4217 (default EUR).
    pub currency: Option<String>,
    /// Up to 10, each up to 50 characters (`food`, `museums`, …).
    pub interests: Option<Vec<String>>,
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError::new(name, message)
}

/// The request as the assistant's first message; the problems when it is not valid.
pub fn prompt(body: &DraftIn, today: NaiveDate) -> Result<String, ApiError> {
    let mut errors = Vec::new();
    let destination = body.destination.trim();
    if destination.is_empty() || destination.chars().count() > 100 {
        errors.push(field("destination", "is required, up to 100 characters"));
    }
    let origin = body.origin.as_deref().map(str::trim).filter(|o| !o.is_empty());
    if origin.is_some_and(|o| o.chars().count() > 100) {
        errors.push(field("origin", "must be up to 100 characters"));
    }
    let parse = |raw: &str| NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
    let (start, end) = (parse(&body.start_date), parse(&body.end_date));
    match (start, end) {
        (None, _) => errors.push(field("startDate", "must be YYYY-MM-DD")),
        (_, None) => errors.push(field("endDate", "must be YYYY-MM-DD")),
        (Some(s), Some(e)) => {
            if s < today {
                errors.push(field("startDate", "must not be in the past"));
            }
            if e < s || (e - s).num_days() > MAX_DAYS {
                errors.push(field("endDate", "must be on or after startDate, at most 30 days later"));
            }
        }
    }
    let adults = body.adults.unwrap_or(1);
    if !(1..=9).contains(&adults) {
        errors.push(field("adults", "must be 1 to 9"));
    }
    if body.budget.is_some_and(|b| !b.is_finite() || b <= 0.0 || b > 1e9) {
        errors.push(field("budget", "must be a positive amount"));
    }
    let currency = body.currency.as_deref().unwrap_or("EUR");
    if kernel::Currency::parse(currency).is_err() {
        errors.push(field("currency", "must be an ISO 4217 code"));
    }
    let interests = body.interests.clone().unwrap_or_default();
    if interests.len() > 10 || interests.iter().any(|i| i.trim().is_empty() || i.chars().count() > 50) {
        errors.push(field("interests", "up to 10, each 1 to 50 characters"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut text = format!(
        "Draft a bookable itinerary to {destination} from {} to {} for {adults} adult(s).",
        body.start_date.trim(),
        body.end_date.trim()
    );
    if let Some(origin) = origin {
        text.push_str(&format!(" I leave from {origin}: include the flights."));
    }
    if let Some(budget) = body.budget {
        text.push_str(&format!(" The whole trip's budget is {budget:.2} {}.", currency.to_ascii_uppercase()));
    }
    if !interests.is_empty() {
        text.push_str(&format!(" I like: {}.", interests.iter().map(|i| i.trim()).collect::<Vec<_>>().join(", ")));
    }
    text.push_str(" Search the offers, then call draft_itinerary.");
    Ok(text)
}

/// Drafts an itinerary in one call (DreamScape's "itinerary drafting"): searches flights (with
/// an `origin`), hotels and activities, then proposes a plan whose items go straight into the
/// cart (`items[].cartItem` is the body of `POST /api/v1/cart/items`). The draft opens a
/// conversation the traveller can continue to change it.
#[utoipa::path(post, path = "/api/v1/ai/itineraries/draft", tag = "AI assistant",
    operation_id = "ai_assistant_draft_itinerary", security(("bearerAuth" = [])), request_body = DraftIn,
    responses((status = 200, description = "`{conversationId, itinerary (null when the model drafted none), message}`"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, description = "`ai_quota_exceeded` or `rate_limited`", body = ErrorBody),
        (status = 502, description = "`model_error`", body = ErrorBody),
        (status = 503, description = "`assistant_not_configured`, `model_unavailable`", body = ErrorBody)))]
pub async fn draft_itinerary(
    AxumState(state): AxumState<State>,
    MaybeAuthUser(user): MaybeAuthUser,
    Json(body): Json<DraftIn>,
) -> Result<Response, ApiError> {
    let user = caller(&state, user)?;
    let text = prompt(&body, state.now().date_naive())?;
    // Refused before a conversation is opened for it.
    state.check_quota(user).await?;
    let title = format!("Itinerary: {}", body.destination.trim());
    let created = state.create(user, Some(&title)).await?;
    let id = created["id"].as_str().and_then(|s| s.parse().ok()).ok_or_else(ApiError::internal)?;
    let (conversation, _busy) = state.admit(user, id, &text).await?;
    let message = state.turn(user, &conversation, &text, None).await?;
    let itinerary = message.get("itinerary").cloned().unwrap_or(serde_json::Value::Null);
    Ok(axum::Json(json!({"conversationId": id, "itinerary": itinerary, "message": message})).into_response())
}
