//! Sentiment of a listing's reviews and trip purpose of a reservation (or of given features).

use std::collections::HashMap;

use axum::extract::State as AxumState;
use axum::response::Response;
use chrono::NaiveDate;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use super::{State, bare};
use crate::analysis::lexicon::{self, round3};
use crate::analysis::purpose::{self, Inputs, Prediction};
use crate::analysis::store;

/// A phrase across a listing's reviews.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Phrase {
    pub phrase: String,
    /// Reviews it decided in.
    pub count: u32,
    /// Its contributions, summed.
    pub contribution: f64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub positive: u32,
    pub neutral: u32,
    pub negative: u32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ListingSentiment {
    pub listing_id: Uuid,
    /// Published, visible guest reviews scored.
    pub reviews: u32,
    /// Mean of the reviews' scores (−1..1); `null` without reviews.
    pub score: Option<f64>,
    /// `positive`, `neutral` or `negative`; `null` without reviews.
    pub label: Option<&'static str>,
    /// Reviews by label.
    pub counts: Counts,
    /// The phrases that decided most, across reviews (at most 10).
    pub words: Vec<Phrase>,
}

/// The sentiment of a listing's published guest reviews (public, as the reviews are), scored
/// offline by the bundled English and French lexicons; hidden reviews are left out.
#[utoipa::path(get, path = "/api/v1/ai/listings/{listingId}/sentiment", tag = "AI", operation_id = "ai_an_listing_sentiment",
    params(("listingId" = String, Path, description = "Listing id")),
    responses((status = 200, body = ListingSentiment), (status = 404, body = ErrorBody)))]
pub async fn listing_sentiment(
    AxumState(state): AxumState<State>,
    Path(listing): Path<String>,
) -> Result<Response, ApiError> {
    let listing_id = kernel::parse_id(&listing, "listing")?;
    let rows = store::listing_reviews(&state.db, listing_id).await?;
    let mut counts = Counts { positive: 0, neutral: 0, negative: 0 };
    let mut phrases: HashMap<String, (u32, f64)> = HashMap::new();
    for r in &rows {
        match lexicon::label(r.score) {
            "positive" => counts.positive += 1,
            "negative" => counts.negative += 1,
            _ => counts.neutral += 1,
        }
        for w in r.words.as_array().into_iter().flatten() {
            let (Some(p), Some(c)) =
                (w.get("phrase").and_then(Value::as_str), w.get("contribution").and_then(Value::as_f64))
            else {
                continue;
            };
            let e = phrases.entry(p.to_owned()).or_default();
            e.0 += 1;
            e.1 += c;
        }
    }
    let mut words: Vec<Phrase> =
        phrases.into_iter().map(|(phrase, (count, sum))| Phrase { phrase, count, contribution: round3(sum) }).collect();
    words.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()).then(a.phrase.cmp(&b.phrase)));
    words.truncate(10);
    let n = u32::try_from(rows.len()).unwrap_or(u32::MAX);
    let score = (!rows.is_empty()).then(|| round3(rows.iter().map(|r| r.score).sum::<f64>() / rows.len() as f64));
    Ok(bare(ListingSentiment { listing_id, reviews: n, score, label: score.map(lexicon::label), counts, words }))
}

/// Business or leisure for a confirmed reservation, with every feature and what it
/// contributed. The guest, the listing's host and administrators; anyone else `404`, as for a
/// reservation not (yet) confirmed.
#[utoipa::path(get, path = "/api/v1/ai/reservations/{id}/trip-purpose", tag = "AI", operation_id = "ai_an_reservation_purpose",
    security(("bearerAuth" = [])), params(("id" = String, Path, description = "Reservation id")),
    responses((status = 200, body = Prediction), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reservation_purpose(
    AxumState(state): AxumState<State>,
    user: AuthUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let reservation = kernel::parse_id(&id, "reservation")?;
    let not_found = || ApiError::not_found("No confirmed reservation with this id that you take part in");
    let trip = store::find_trip(&state.db, reservation).await?.ok_or_else(not_found)?;
    let party = trip.guest_id == Some(user.user_id) || trip.host_id == Some(user.user_id);
    if !party && !user.is_admin() {
        return Err(not_found());
    }
    let inputs: Inputs = serde_json::from_value(trip.inputs).map_err(|e| {
        tracing::error!(error = %e, %reservation, "stored trip-purpose inputs do not read");
        ApiError::internal()
    })?;
    Ok(bare(purpose::predict(&inputs)))
}

/// Trip-purpose features given directly: either `checkIn` and `checkOut` (dates) or `nights`
/// and `checkInWeekday`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PurposeInput {
    /// `stay` (default), `restaurant`, `activity`, `transport` or `product`.
    pub kind: Option<String>,
    /// 1–100 (default 1).
    #[schema(minimum = 1, maximum = 100)]
    pub guests: Option<u32>,
    #[schema(value_type = Option<String>, format = Date)]
    pub check_in: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub check_out: Option<String>,
    /// 1–365.
    #[schema(minimum = 1, maximum = 365)]
    pub nights: Option<u32>,
    /// `monday` … `sunday` (or `mon` … `sun`).
    pub check_in_weekday: Option<String>,
    /// Days between booking and arrival, 0–1000. Default: from today to `checkIn` with dates,
    /// 14 otherwise (neither short nor long).
    #[schema(minimum = 0, maximum = 1000)]
    pub lead_time_days: Option<u32>,
}

const KINDS: [&str; 5] = ["stay", "restaurant", "activity", "transport", "product"];

fn inputs_of(body: &PurposeInput, today: NaiveDate) -> Result<Inputs, ApiError> {
    let mut errors = Vec::new();
    let kind = body.kind.as_deref().unwrap_or("stay");
    if !KINDS.contains(&kind) {
        errors.push(FieldError::new("kind", "one of stay, restaurant, activity, transport, product"));
    }
    let guests = body.guests.unwrap_or(1);
    if !(1..=100).contains(&guests) {
        errors.push(FieldError::new("guests", "between 1 and 100"));
    }
    if body.lead_time_days.is_some_and(|d| d > 1000) {
        errors.push(FieldError::new("leadTimeDays", "between 0 and 1000"));
    }
    let date = |field: &str, raw: &Option<String>, errors: &mut Vec<FieldError>| {
        let parsed = raw.as_deref().map(|r| r.parse::<NaiveDate>());
        if let Some(Err(_)) = parsed {
            errors.push(FieldError::new(field, "a date, YYYY-MM-DD"));
        }
        parsed.and_then(Result::ok)
    };
    let check_in = date("checkIn", &body.check_in, &mut errors);
    let check_out = date("checkOut", &body.check_out, &mut errors);
    let mut inputs = match (check_in, check_out, body.nights, body.check_in_weekday.as_deref()) {
        (Some(a), Some(b), None, None) => {
            let nights = (b - a).num_days();
            if !(1..=365).contains(&nights) {
                errors.push(FieldError::new("checkOut", "1 to 365 nights after checkIn"));
            }
            let lead = body.lead_time_days.unwrap_or_else(|| u32::try_from((a - today).num_days()).unwrap_or(0));
            // Out-of-range input was reported above; never compute a date outside the calendar.
            let booked = a.checked_sub_days(chrono::Days::new(u64::from(lead.min(1000)))).unwrap_or(a);
            Some(Inputs::from_dates(kind, a, b, guests, booked))
        }
        (None, None, Some(nights), Some(day)) => {
            if !(1..=365).contains(&nights) {
                errors.push(FieldError::new("nights", "between 1 and 365"));
            }
            let weekday = purpose::parse_weekday(day);
            if weekday.is_none() {
                errors.push(FieldError::new("checkInWeekday", "monday … sunday"));
            }
            weekday.map(|check_in_weekday| Inputs {
                kind: kind.to_owned(),
                nights,
                guests,
                check_in_weekday,
                lead_time_days: body.lead_time_days.unwrap_or(14),
            })
        }
        _ => {
            if errors.is_empty() {
                errors
                    .push(FieldError::new("checkIn", "give either checkIn and checkOut, or nights and checkInWeekday"));
            }
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    inputs.take().ok_or_else(|| ApiError::validation(vec![FieldError::new("checkIn", "not readable")]))
}

/// Business or leisure for features given in the request (no token needed: nothing about
/// anyone is read).
#[utoipa::path(post, path = "/api/v1/ai/trip-purpose", tag = "AI", operation_id = "ai_an_purpose_of_input",
    request_body = PurposeInput,
    responses((status = 200, body = Prediction), (status = 400, body = ErrorBody)))]
pub async fn purpose_of_input(
    AxumState(state): AxumState<State>,
    Json(body): Json<PurposeInput>,
) -> Result<Response, ApiError> {
    let inputs = inputs_of(&body, state.clock.now().date_naive())?;
    Ok(bare(purpose::predict(&inputs)))
}
