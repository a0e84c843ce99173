//! `/api/v1/context/*` (DreamScape §5.3): weather, forecast, seasons, contextual re-scoring,
//! the module's health and its weather cache. DreamScape's envelope `{success, data}`; its
//! French error texts.

use axum::Json as AxumJson;
use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::{Json, Path, Query};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::State;
use super::climate::{self, City};
use super::rescore::{self, Context};
use super::typed::params::owner;

const TAG: &str = "AI context";

fn city_or_404(code: &str) -> Result<&'static City, ApiError> {
    climate::find(code).ok_or_else(|| {
        ApiError::new(404, "unknown_city", format!("Ville inconnue : {code}")).with_data(json!({
            "hint": "Use one of the bundled destinations' IATA city codes (PAR, NYC, …) or `Name,CC` (Paris,FR)"
        }))
    })
}

/// DreamScape's 404 without weather data, with our code and message beside its `error` and `hint`.
fn unavailable(error: &str) -> Response {
    let hint =
        "No weather provider is configured (ai.weather.url); /api/v1/context/seasonal answers from climate normals";
    (
        StatusCode::NOT_FOUND,
        AxumJson(
            json!({"success": false, "error": error, "code": "weather_unavailable", "message": error, "hint": hint}),
        ),
    )
        .into_response()
}

/// The city's current weather from the provider (cached `ai.weather.cache_secs`).
#[utoipa::path(get, path = "/api/v1/context/weather/{cityCode}", operation_id = "ai_ctx_weather", tag = TAG,
    params(("cityCode" = String, Path, description = "IATA city code (`PAR`) or `Name,CC` (`Paris,FR`)")),
    responses((status = 200, description = "`{success, data: {cityCode, cityName, country, temperature, feelsLike, humidity, windSpeed, condition, conditionDescription, uvIndex, visibility, isOutdoorFriendly, fetchedAt}}`", body = Value),
        (status = 404, description = "Unknown city, or no weather provider (`Données météo indisponibles`)", body = ErrorBody),
        (status = 503, description = "The provider does not answer", body = ErrorBody)))]
pub async fn weather(AxumState(s): AxumState<State>, Path(code): Path<String>) -> Result<Response, ApiError> {
    let city = city_or_404(&code)?;
    let Some(snap) = s.weather.of(city).await? else { return Ok(unavailable("Données météo indisponibles")) };
    let mut data = serde_json::to_value(&snap.current).unwrap_or_else(|_| json!({}));
    data["cityCode"] = json!(city.code);
    data["cityName"] = json!(city.name);
    data["country"] = json!(city.country);
    data["fetchedAt"] = json!(snap.fetched_at);
    Ok(AxumJson(json!({"success": true, "data": data})).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ForecastQuery {
    /// 1–5 (more is read as 5); default 5.
    days: Option<i64>,
}

/// The next days' forecast (at most 5).
#[utoipa::path(get, path = "/api/v1/context/forecast/{cityCode}", operation_id = "ai_ctx_forecast", tag = TAG,
    params(("cityCode" = String, Path, description = "IATA city code or `Name,CC`"), ForecastQuery),
    responses((status = 200, description = "`{success, data: {cityCode, days: [{date, tempMin, tempMax, condition, precipitationProbability, isOutdoorFriendly}], fetchedAt}}`", body = Value),
        (status = 400, body = ErrorBody), (status = 404, description = "Unknown city or no provider", body = ErrorBody),
        (status = 503, body = ErrorBody)))]
pub async fn forecast(
    AxumState(s): AxumState<State>,
    Path(code): Path<String>,
    Query(q): Query<ForecastQuery>,
) -> Result<Response, ApiError> {
    let days = match q.days {
        None => 5,
        Some(d) if d >= 1 => usize::try_from(d.min(5)).unwrap_or(5),
        Some(_) => return Err(ApiError::validation(vec![FieldError::new("days", "must be from 1 to 5")])),
    };
    let city = city_or_404(&code)?;
    let Some(snap) = s.weather.of(city).await? else {
        return Ok(unavailable("Prévisions indisponibles pour cette ville"));
    };
    let list: Vec<_> = snap.days.iter().take(days).collect();
    Ok(AxumJson(json!({"success": true, "data": {"cityCode": city.code, "days": list, "fetchedAt": snap.fetched_at}}))
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SeasonalQuery {
    /// A destination (IATA city code or `Name,CC`); default Paris.
    city_code: Option<String>,
    /// `YYYY-MM-DD`; default today (UTC).
    date: Option<String>,
}

/// The season block of a city on a day, from the climate normals.
pub fn seasonal_block(city: &City, day: NaiveDate) -> Value {
    let month = day.month();
    let n = city.normals(month);
    json!({
        "currentSeason": climate::season_of(month, city.south()),
        "travelSeason": city.travel_season(month).as_str(),
        "hemisphere": city.hemisphere(),
        "month": month,
        "isSchoolHoliday": climate::is_school_holiday(day),
        "isWeekend": day.weekday().number_from_monday() >= 6,
        "peakMonths": city.peak_months(),
        "city": {"code": city.code, "name": city.name, "country": city.country},
        "normals": {"highC": n.high, "lowC": n.low, "rainyDays": n.rainy_days},
        "typicalCondition": city.typical_condition(month),
        "source": "climate_normals",
    })
}

fn default_city() -> &'static City {
    climate::find("PAR").unwrap_or_else(|| &climate::all()[0])
}

/// Season, travel season and the month's normals of a destination (Paris by default). School
/// holidays are France's (approximate).
#[utoipa::path(get, path = "/api/v1/context/seasonal", operation_id = "ai_ctx_seasonal", tag = TAG, params(SeasonalQuery),
    responses((status = 200, description = "`{success, data: {currentSeason, travelSeason, hemisphere, month, isSchoolHoliday, isWeekend, peakMonths, city, normals, typicalCondition, source: \"climate_normals\"}}`", body = Value),
        (status = 400, body = ErrorBody), (status = 404, description = "Unknown city", body = ErrorBody)))]
pub async fn seasonal(AxumState(s): AxumState<State>, Query(q): Query<SeasonalQuery>) -> Result<Response, ApiError> {
    let city = match q.city_code.as_deref().filter(|c| !c.trim().is_empty()) {
        Some(code) => city_or_404(code)?,
        None => default_city(),
    };
    let day = match q.date.as_deref() {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| ApiError::validation(vec![FieldError::new("date", "must be a date YYYY-MM-DD")]))?,
        None => s.clock.now().date_naive(),
    };
    Ok(AxumJson(json!({"success": true, "data": seasonal_block(city, day)})).into_response())
}

/// The body of `POST /api/v1/context/recommendations`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code)]
pub struct RescoreBody {
    /// The caller (administrators may name another user).
    user_id: String,
    city_code: Option<String>,
    /// Exactly 8 numbers (0–1), the recommender's dimensions; index 2 is budget (cheap 0 … luxury 1), 3 activity.
    user_vector: Vec<f64>,
    /// 1–200 objects, each with a numeric `score`.
    #[schema(value_type = Vec<Object>)]
    recommendations: Vec<Value>,
    apply_weather: Option<bool>,
    apply_seasonal: Option<bool>,
}

fn bad(message: &str, field: &str) -> ApiError {
    ApiError::new(400, "validation_failed", message).with_details(vec![FieldError::new(field, message)])
}

/// Re-scores the given recommendations by the destination's weather (provider, else the
/// month's normals) and season, best first.
#[utoipa::path(post, path = "/api/v1/context/recommendations", operation_id = "ai_ctx_rescore", tag = TAG,
    security(("bearerAuth" = [])), request_body = RescoreBody,
    responses((status = 200, description = "`{success, userId, count, context: {cityCode, weather, season, travelSeason, source}, data: [item + contextualScore]}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, description = "`userId` is not the caller's", body = ErrorBody)))]
pub async fn recommendations(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Json(body): Json<Value>,
) -> Result<Response, ApiError> {
    let user = body.get("userId").and_then(Value::as_str).filter(|u| !u.trim().is_empty());
    let user = owner(&caller, Some(user.ok_or_else(|| bad("userId requis", "userId"))?))?;
    let vector: Option<[f64; 8]> = body
        .get("userVector")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
        .and_then(|v| v.try_into().ok());
    let vector = vector.ok_or_else(|| bad("userVector (8 dimensions) requis", "userVector"))?;
    let items = body
        .get("recommendations")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| bad("recommendations (liste non vide) requises", "recommendations"))?;
    if items.len() > 200 {
        return Err(bad("recommendations: 200 au plus", "recommendations"));
    }
    if let Some(i) = items.iter().position(|it| it.get("score").and_then(Value::as_f64).is_none()) {
        return Err(bad("chaque recommandation doit avoir un score numérique", &format!("recommendations[{i}].score")));
    }
    let flag = |k: &str| -> Result<bool, ApiError> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(true),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(bad(&format!("{k} doit être un booléen"), k)),
        }
    };
    let (apply_weather, apply_seasonal) = (flag("applyWeather")?, flag("applySeasonal")?);
    let city = match body.get("cityCode") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) if c.trim().is_empty() => None,
        Some(Value::String(c)) => Some(climate::find(c).ok_or_else(|| bad("cityCode inconnu", "cityCode"))?),
        Some(_) => return Err(bad("cityCode doit être un texte", "cityCode")),
    };
    let today = s.clock.now().date_naive();
    let month = today.month();
    let place = city.unwrap_or_else(default_city);
    let (mut source, mut weather) = ("climate_normals", Value::Null);
    let mut ctx = Context {
        condition: None,
        outdoor_friendly: None,
        season: climate::season_of(month, place.south()),
        travel_season: place.travel_season(month).as_str(),
    };
    if let Some(city) = city {
        let live = if apply_weather { s.weather.of(city).await.ok().flatten() } else { None };
        if let Some(snap) = live {
            source = "weather_provider";
            ctx.condition = Some(snap.current.condition.clone());
            ctx.outdoor_friendly = Some(snap.current.is_outdoor_friendly);
            weather = json!({"condition": snap.current.condition, "temperature": snap.current.temperature});
        } else {
            ctx.condition = Some(city.typical_condition(month).to_owned());
            ctx.outdoor_friendly = Some(city.outdoor_month(month));
            weather = json!({"condition": city.typical_condition(month), "temperature": city.normals(month).high});
        }
    }
    let mut scored: Vec<(Value, f64)> =
        items.iter().map(|it| rescore::rescore(it, &vector, &ctx, apply_weather, apply_seasonal)).collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    let data: Vec<Value> = scored.into_iter().map(|(v, _)| v).collect();
    Ok(AxumJson(json!({
        "success": true, "userId": user, "count": data.len(),
        "context": {"cityCode": city.map(|c| c.code.clone()), "weather": weather, "season": ctx.season,
                    "travelSeason": ctx.travel_season, "source": source},
        "data": data,
    }))
    .into_response())
}

/// The module's state: `200` when the weather provider answers, `206` otherwise (seasons and
/// re-scoring still work from the normals).
#[utoipa::path(get, path = "/api/v1/context/health", operation_id = "ai_ctx_health", tag = TAG,
    responses((status = 200, description = "`{success, data: {module, weatherApi: true, seasonal, currentSeason, travelSeason, climateNormals}}`", body = Value),
        (status = 206, description = "No weather provider, or it does not answer (`weatherApi: false`)", body = Value)))]
pub async fn health(AxumState(s): AxumState<State>) -> Response {
    let city = default_city();
    let reachable = s.weather.reachable(city).await;
    let month = s.clock.now().month();
    let status = if reachable { StatusCode::OK } else { StatusCode::PARTIAL_CONTENT };
    let data = json!({
        "module": "context", "weatherApi": reachable, "weatherConfigured": s.weather.configured(), "seasonal": true,
        "currentSeason": climate::season_of(month, false), "travelSeason": city.travel_season(month).as_str(),
        "climateNormals": climate::all().len(),
    });
    (status, AxumJson(json!({"success": true, "data": data}))).into_response()
}

/// Forgets a city's cached weather (administrators).
#[utoipa::path(delete, path = "/api/v1/context/cache/{cityCode}", operation_id = "ai_ctx_clear_cache", tag = TAG,
    security(("bearerAuth" = [])), params(("cityCode" = String, Path, description = "IATA city code or `Name,CC`")),
    responses((status = 200, description = "`{success, message: \"Cache météo invalidé pour <cityCode>\", data: {cityCode, cleared}}`", body = Value),
        (status = 401, body = ErrorBody), (status = 403, description = "Not an administrator", body = ErrorBody),
        (status = 404, description = "Unknown city", body = ErrorBody)))]
pub async fn clear_cache(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    Path(code): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let city = city_or_404(&code)?;
    let cleared = s.weather.forget(city);
    Ok(AxumJson(json!({"success": true, "message": format!("Cache météo invalidé pour {code}"),
                       "data": {"cityCode": city.code, "cleared": cleared}}))
    .into_response())
}
