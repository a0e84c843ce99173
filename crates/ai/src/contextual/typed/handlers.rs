//! The three typed recommendation routes: read the query, load the caller's profile, search the
//! supplier, filter, score (rule-based or learned, by the A/B split), rank, answer DreamScape's
//! document (`recommendations` also as `data`).

use std::collections::HashMap;
use std::time::Instant;

use axum::extract::RawQuery;
use axum::extract::State as AxumState;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use serde_json::{Value, json};

use super::super::climate;
use super::super::settings::{ACCOMMODATIONS, default_accommodation_config, weight};
use super::params::{Params, exact, invalid, owner};
use super::prefs::Prefs;
use super::score::{Weights, document, rank};
use super::{activities, flights, learn, price_stats, search, stays, store, variant};
use crate::contextual::State;

const FLIGHT_WEIGHTS: Weights =
    Weights { similarity: 0.25, price: 0.25, quality: 0.2, contextual: 0.15, popularity: 0.15 };
const ACTIVITY_WEIGHTS: Weights =
    Weights { similarity: 0.3, price: 0.2, quality: 0.2, contextual: 0.15, popularity: 0.15 };

fn map(pairs: &[(&str, Option<String>)]) -> HashMap<String, String> {
    pairs.iter().filter_map(|(k, v)| v.clone().map(|v| ((*k).to_owned(), v))).collect()
}

fn elapsed(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Flight offers ranked for the caller. Without `origin`, `departureDate` and `adults` (all three
/// absent, as DreamScape's dashboard calls it), suggestions from Paris, 30 days ahead, 1 adult,
/// to the destinations that fit the profile best.
#[utoipa::path(get, path = "/api/v1/recommendations/flights", operation_id = "ai_ctx_flights", tag = "AI recommendations",
    security(("bearerAuth" = [])),
    params(("userId" = Option<String>, Query, description = "The caller's id (default); administrators may name another user"),
        ("origin" = Option<String>, Query), ("departureDate" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("adults" = Option<i64>, Query), ("destination" = Option<String>, Query),
        ("destinations" = Option<Vec<String>>, Query, description = "Repeatable or comma-joined; none: suggested"),
        ("returnDate" = Option<String>, Query), ("children" = Option<i64>, Query), ("infants" = Option<i64>, Query),
        ("travelClass" = Option<String>, Query), ("budgetPerPerson" = Option<f64>, Query),
        ("preferDirectFlights" = Option<bool>, Query), ("preferredDepartureTime" = Option<String>, Query),
        ("avoidRedEye" = Option<bool>, Query), ("maxStops" = Option<i64>, Query),
        ("maxDuration" = Option<i64>, Query, description = "Minutes"), ("maxPrice" = Option<f64>, Query),
        ("airlines" = Option<Vec<String>>, Query), ("flightClasses" = Option<Vec<String>>, Query),
        ("departureTimeEarliest" = Option<String>, Query), ("departureTimeLatest" = Option<String>, Query),
        ("arrivalTimeEarliest" = Option<String>, Query), ("arrivalTimeLatest" = Option<String>, Query),
        ("limit" = Option<i64>, Query, description = "1–50, default 20"), ("diversityFactor" = Option<f64>, Query)),
    responses((status = 200, description = "`{userId, count, recommendations: [{flight, vector, score, confidence, breakdown, reasons, rank}], data (the same), metadata, context}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, description = "No travel supplier on this deployment", body = ErrorBody),
        (status = 503, description = "The supplier did not answer (`data.metadata.strategy`)", body = ErrorBody)))]
pub async fn flights(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let q = Params::parse(raw.as_deref());
    let user = owner(&caller, q.get("userId"))?;
    let profile = crate::profile::load(&s.db, user).await?;
    let prefs = Prefs::new(profile.as_ref(), &q);
    let ask = flights::ask(&q, &prefs, s.clock.now().date_naive())?;
    let filters = flights::Filters::read(&q)?;
    let limit = q.limit(20, 50)?;
    let diversity = q.num("diversityFactor", 0.0, 1.0)?.unwrap_or(0.3);
    let searches = ask.destinations.iter().map(|dest| {
        let params = map(&[
            ("originLocationCode", Some(ask.origin.clone())),
            ("destinationLocationCode", Some(dest.clone())),
            ("departureDate", Some(ask.departure.to_string())),
            ("returnDate", ask.back.map(|d| d.to_string())),
            ("adults", Some(ask.adults.to_string())),
            ("children", (ask.children > 0).then(|| ask.children.to_string())),
            ("infants", (ask.infants > 0).then(|| ask.infants.to_string())),
            ("travelClass", ask.cabin.clone()),
            ("max", Some("30".to_owned())),
        ]);
        search(&s, "flights", params)
    });
    let answers = futures_util::future::join_all(searches).await;
    let (mut found, mut with_results, mut errors) = (Vec::new(), 0, Vec::new());
    for answer in answers {
        match answer {
            Ok(body) => {
                let dictionaries = body.get("dictionaries").cloned().unwrap_or(Value::Null);
                let offers = body["data"].as_array().cloned().unwrap_or_default();
                with_results += usize::from(!offers.is_empty());
                found.extend(offers.iter().filter_map(|o| flights::flight(o, &dictionaries)));
            }
            Err(e) => errors.push(e),
        }
    }
    if with_results == 0 && errors.len() == ask.destinations.len() && !errors.is_empty() {
        return Err(errors.swap_remove(0));
    }
    let total = found.len();
    let kept: Vec<Value> = found.into_iter().filter(|f| filters.keep(f)).collect();
    let prices: Vec<f64> = kept.iter().filter_map(|f| f.pointer("/price/amount").and_then(Value::as_f64)).collect();
    let mut airlines: Vec<String> =
        kept.iter().filter_map(|f| f.pointer("/airline/code")?.as_str().map(str::to_owned)).collect();
    airlines.sort();
    airlines.dedup();
    let outlook = forecast_at(&s, &ask).await;
    let arm = variant(&s, user).await?;
    let mut scored = flights::score(kept, &prefs, &q, &ask, &outlook)?;
    let filtered = scored.len();
    let arm = learn(&s, "flight", &mut scored, arm).await;
    let weights = FLIGHT_WEIGHTS.for_thrift(prefs.thrift());
    scored.iter_mut().for_each(|x| x.finish(weights, arm));
    let picked = rank(scored, limit, diversity);
    let stats = price_stats(&prices);
    let metadata = json!({
        "processingTime": elapsed(started), "strategy": arm.strategy(), "cacheHit": false, "favoritesUsed": false,
        "profileUsed": prefs.has_profile, "destinationsSearched": ask.destinations,
        "destinationsWithResults": with_results, "suggestedDestinations": ask.suggested,
        "defaultsApplied": ask.defaults_applied, "origin": ask.origin, "departureDate": ask.departure.to_string(),
        "adults": ask.adults, "errors": errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>(),
        "weatherSource": if outlook.is_empty() { "climate_normals" } else { "weather_provider" },
    });
    let context = json!({"totalFlightsFound": total, "filteredFlights": filtered, "averagePrice": stats["average"],
                         "priceRange": {"min": stats["min"], "max": stats["max"]}, "airlines": airlines});
    Ok(axum::Json(document(user, "flight", &picked, metadata, context)).into_response())
}

/// For a departure within the forecast (5 days) and a provider: whether each destination's day
/// suits being outside. Empty otherwise (the normals decide).
async fn forecast_at(s: &crate::contextual::Service, ask: &flights::Ask) -> HashMap<String, bool> {
    let mut outlook = HashMap::new();
    let ahead = (ask.departure - s.clock.now().date_naive()).num_days();
    if !s.weather.configured() || ahead > 4 {
        return outlook;
    }
    let day = ask.departure.to_string();
    for city in ask.destinations.iter().filter_map(|c| climate::find(c)) {
        if let Ok(Some(w)) = s.weather.of(city).await {
            let fine =
                w.days.iter().find(|d| d.date == day).map_or(w.current.is_outdoor_friendly, |d| d.is_outdoor_friendly);
            outlook.insert(city.code.clone(), fine);
        }
    }
    outlook
}

fn missing_for_stays(q: &Params) -> Result<(), ApiError> {
    let required = ["cityCode", "checkInDate", "checkOutDate", "adults"];
    let missing: Vec<&str> = required.iter().copied().filter(|k| !q.has(k)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::new(400, "validation_failed", "Missing required parameters")
        .with_details(missing.iter().map(|k| FieldError::new(*k, "is required")).collect())
        .with_data(json!({"required": ["userId", "cityCode", "checkInDate", "checkOutDate", "adults"],
                          "metadata": {"strategy": "invalid_params"}})))
}

/// A city code for the supplier: a bundled destination by code or `Name,CC`, else the code as sent.
fn city_code(q: &Params) -> Result<String, ApiError> {
    match q.get("cityCode").and_then(climate::find) {
        Some(city) => Ok(city.code.clone()),
        None => q.code("cityCode")?.ok_or_else(|| invalid("cityCode", "is required")),
    }
}

/// Hotel offers of a city for the stay, ranked for the caller.
#[utoipa::path(get, path = "/api/v1/recommendations/accommodations", operation_id = "ai_ctx_accommodations",
    tag = "AI recommendations", security(("bearerAuth" = [])),
    params(("userId" = Option<String>, Query), ("cityCode" = String, Query), ("checkInDate" = String, Query),
        ("checkOutDate" = String, Query), ("adults" = i64, Query), ("children" = Option<i64>, Query),
        ("rooms" = Option<i64>, Query), ("minRating" = Option<f64>, Query),
        ("maxPrice" = Option<f64>, Query, description = "Per night"), ("requiredAmenities" = Option<String>, Query),
        ("categories" = Option<String>, Query), ("limit" = Option<i64>, Query), ("diversityFactor" = Option<f64>, Query),
        ("budgetMin" = Option<f64>, Query), ("budgetMax" = Option<f64>, Query, description = "Per night; the ceiling when maxPrice is absent"),
        ("currency" = Option<String>, Query), ("travelTypes" = Option<String>, Query), ("accommodationTypes" = Option<String>, Query),
        ("activityTypes" = Option<String>, Query), ("preferredDestinations" = Option<String>, Query),
        ("comfortLevel" = Option<String>, Query), ("travelStyle" = Option<String>, Query),
        ("travelGroupType" = Option<String>, Query), ("activityLevel" = Option<String>, Query)),
    responses((status = 200, description = "`{userId, count, recommendations: [{accommodation, vector, score, confidence, breakdown, reasons, rank}], data, metadata, context}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn accommodations(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let q = Params::parse(raw.as_deref());
    let user = owner(&caller, q.get("userId"))?;
    missing_for_stays(&q)?;
    let (check_in, check_out) =
        (q.date("checkInDate")?.unwrap_or_default(), q.date("checkOutDate")?.unwrap_or_default());
    if check_out <= check_in {
        return Err(exact("checkOutDate", "checkOutDate must be after checkInDate"));
    }
    let limit = q.limit(20, 50).map_err(|_| exact("limit", "limit must be between 1 and 50"))?;
    let diversity = q
        .num("diversityFactor", 0.0, 1.0)
        .map_err(|_| exact("diversityFactor", "diversityFactor must be between 0 and 1"))?
        .unwrap_or(0.7);
    let adults = q.int("adults", 1, 9)?.unwrap_or(1);
    let rooms = q.int("rooms", 1, 9)?.unwrap_or(1);
    q.int("children", 0, 8)?;
    let min_rating = q.num("minRating", 0.0, 5.0)?;
    let (budget_min, budget_max) = (q.num("budgetMin", 0.0, 1e9)?, q.num("budgetMax", 0.0, 1e9)?);
    if let (Some(lo), Some(hi)) = (budget_min, budget_max)
        && lo > hi
    {
        return Err(invalid("budgetMin", "must not exceed budgetMax"));
    }
    let max_price = q.num("maxPrice", 0.0, 1e9)?.or(budget_max);
    let amenities: Vec<String> = q.list("requiredAmenities").into_iter().map(|a| a.to_ascii_uppercase()).collect();
    let categories = q.words("categories");
    let code = city_code(&q)?;
    let profile = crate::profile::load(&s.db, user).await?;
    let mut prefs = Prefs::new(profile.as_ref(), &q);
    prefs.set_budget(budget_min, budget_max);
    let params = map(&[
        ("cityCode", Some(code.clone())),
        ("checkInDate", Some(check_in.to_string())),
        ("checkOutDate", Some(check_out.to_string())),
        ("adults", Some(adults.to_string())),
        ("roomQuantity", Some(rooms.to_string())),
        ("pageSize", Some("50".to_owned())),
    ]);
    let body = search(&s, "hotels", params).await?;
    let hotels = body["data"].as_array().cloned().unwrap_or_default();
    let total = hotels.len();
    let kept: Vec<Value> = hotels
        .into_iter()
        .filter(|h| min_rating.is_none_or(|m| h["rating"].as_f64().is_some_and(|r| r >= m)))
        .filter(|h| max_price.is_none_or(|m| stays::per_night(h).is_some_and(|p| p <= m)))
        .filter(|h| {
            let have: Vec<String> = h["amenities"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_ascii_uppercase).collect())
                .unwrap_or_default();
            amenities.iter().all(|want| have.iter().any(|a| a.contains(want.as_str())))
        })
        .collect();
    let nightly: Vec<f64> = kept.iter().filter_map(stays::per_night).collect();
    let config = store::setting(&s.db, ACCOMMODATIONS).await?.unwrap_or_else(default_accommodation_config);
    let arm = variant(&s, user).await?;
    let mut scored = stays::score(kept, &prefs, &config, &categories, stays::month_of(check_in));
    let filtered = scored.len();
    let arm = learn(&s, "hotel", &mut scored, arm).await;
    let w = |k: &str| weight(&config, "scoring", k);
    let weights = Weights {
        similarity: w("similarityWeight"),
        price: w("priceWeight"),
        quality: w("qualityWeight"),
        contextual: 0.1,
        popularity: w("popularityWeight"),
    }
    .for_thrift(prefs.thrift());
    scored.iter_mut().for_each(|x| x.finish(weights, arm));
    let picked = rank(scored, limit, diversity);
    let stats = price_stats(&nightly);
    let season = climate::find(&code).map(|c| c.travel_season(check_in.month()).as_str());
    let metadata = json!({"processingTime": elapsed(started), "strategy": arm.strategy(), "cacheHit": false,
                          "profileUsed": prefs.has_profile, "cityCode": code});
    let context = json!({"totalHotelsFound": total, "filteredHotels": filtered, "averagePricePerNight": stats["average"],
                         "priceRange": {"min": stats["min"], "max": stats["max"]}, "checkInDate": check_in.to_string(),
                         "checkOutDate": check_out.to_string(), "nights": (check_out - check_in).num_days(), "travelSeason": season});
    Ok(axum::Json(document(user, "accommodation", &picked, metadata, context)).into_response())
}

/// Where a city the bundled table does not know lies: the position of its first hotel at the
/// supplier (which knows every city it sells), or `400` naming `cityCode`.
async fn locate(s: &crate::contextual::Service, q: &Params) -> Result<(f64, f64), ApiError> {
    let code = q.code("cityCode")?.unwrap_or_default();
    let day = s.clock.now().date_naive() + chrono::Days::new(1);
    let params = map(&[
        ("cityCode", Some(code)),
        ("checkInDate", Some(day.to_string())),
        ("checkOutDate", Some((day + chrono::Days::new(1)).to_string())),
        ("pageSize", Some("1".to_owned())),
    ]);
    let unknown = || invalid("cityCode", "is not a city the supplier knows; send latitude and longitude instead");
    let body = search(s, "hotels", params).await.map_err(|e| if e.status < 500 { unknown() } else { e })?;
    let at = |k: &str| body.pointer(&format!("/data/0/location/{k}")).and_then(Value::as_f64);
    at("latitude").zip(at("longitude")).ok_or_else(unknown)
}

/// Activities around a destination (or a point), ranked for the caller.
#[utoipa::path(get, path = "/api/v1/recommendations/activities", operation_id = "ai_ctx_activities",
    tag = "AI recommendations", security(("bearerAuth" = [])),
    params(("userId" = Option<String>, Query), ("cityCode" = Option<String>, Query, description = "A city code (or send latitude and longitude)"),
        ("latitude" = Option<f64>, Query), ("longitude" = Option<f64>, Query), ("radiusKm" = Option<f64>, Query, description = "Default 50; the supplier searches at most 20 km"),
        ("startDate" = Option<String>, Query), ("endDate" = Option<String>, Query), ("budgetPerActivity" = Option<f64>, Query),
        ("categories" = Option<Vec<String>>, Query), ("intensityLevels" = Option<Vec<String>>, Query),
        ("minRating" = Option<f64>, Query), ("maxPrice" = Option<f64>, Query), ("maxDuration" = Option<i64>, Query, description = "Minutes"),
        ("childFriendly" = Option<bool>, Query), ("accessible" = Option<bool>, Query), ("limit" = Option<i64>, Query),
        ("diversityFactor" = Option<f64>, Query), ("travelTypes" = Option<Vec<String>>, Query), ("activityTypes" = Option<Vec<String>>, Query),
        ("comfortLevel" = Option<String>, Query), ("activityLevel" = Option<String>, Query)),
    responses((status = 200, description = "`{userId, count, recommendations: [{activity, vector, score, confidence, breakdown, reasons, rank}], data, metadata, context}`", body = Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn activities(
    AxumState(s): AxumState<State>,
    caller: AuthUser,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let q = Params::parse(raw.as_deref());
    let user = owner(&caller, q.get("userId"))?;
    let city = q.get("cityCode").and_then(climate::find);
    let (lat, lon) = match (city, q.num("latitude", -90.0, 90.0)?, q.num("longitude", -180.0, 180.0)?) {
        (_, Some(lat), Some(lon)) => (lat, lon),
        (Some(c), _, _) => (c.lat, c.lon),
        (None, _, _) if q.has("cityCode") => locate(&s, &q).await?,
        _ => {
            return Err(ApiError::new(
                400,
                "validation_failed",
                "Either cityCode or location (latitude, longitude) is required",
            )
            .with_details(vec![FieldError::new("cityCode", "or latitude and longitude are required")])
            .with_data(json!({"metadata": {"strategy": "invalid_params"}})));
        }
    };
    let radius = q.num("radiusKm", 0.0, 500.0)?.unwrap_or(50.0).min(20.0);
    let start = q.date("startDate")?;
    if let (Some(a), Some(b)) = (start, q.date("endDate")?)
        && b < a
    {
        return Err(invalid("endDate", "must not be before startDate"));
    }
    let filters = activities::Filters {
        categories: q.words("categories"),
        intensities: q.words("intensityLevels"),
        min_rating: q.num("minRating", 0.0, 5.0)?,
        max_price: q.num("maxPrice", 0.0, 1e9)?,
        max_duration: q.int("maxDuration", 1, 100_000)?,
        child_friendly: q.flag("childFriendly")?.unwrap_or(false),
    };
    // Checked though not yet used: no supplier says which activities are accessible.
    q.flag("accessible")?;
    let budget = q.num("budgetPerActivity", 0.0, 1e9)?;
    let limit = q.limit(20, 50)?;
    let diversity = q.num("diversityFactor", 0.0, 1.0)?.unwrap_or(0.3);
    let profile = crate::profile::load(&s.db, user).await?;
    let prefs = Prefs::new(profile.as_ref(), &q);
    let params = map(&[
        ("latitude", Some(format!("{lat:.5}"))),
        ("longitude", Some(format!("{lon:.5}"))),
        ("radius", Some(format!("{}", radius.round() as i64))),
    ]);
    let body = search(&s, "activities", params).await?;
    let found: Vec<Value> =
        body["data"].as_array().map(|l| l.iter().map(activities::activity).collect()).unwrap_or_default();
    let total = found.len();
    let kept: Vec<Value> = found.into_iter().filter(|a| filters.keep(a)).collect();
    let today = s.clock.now().date_naive();
    let day = start.unwrap_or(today);
    let (outdoor_ok, source) = match city {
        Some(c) if (day - today).num_days() <= 4 && s.weather.configured() => match s.weather.of(c).await {
            Ok(Some(w)) => (
                Some(
                    w.days
                        .iter()
                        .find(|d| d.date == day.to_string())
                        .map_or(w.current.is_outdoor_friendly, |d| d.is_outdoor_friendly),
                ),
                "weather_provider",
            ),
            _ => (Some(c.outdoor_month(day.month())), "climate_normals"),
        },
        Some(c) => (Some(c.outdoor_month(day.month())), "climate_normals"),
        None => (None, "none"),
    };
    let prices: Vec<f64> = kept.iter().filter_map(|a| a.pointer("/price/amount").and_then(Value::as_f64)).collect();
    let mut categories: HashMap<String, usize> = HashMap::new();
    for a in &kept {
        *categories.entry(a["category"].as_str().unwrap_or("tour").to_owned()).or_default() += 1;
    }
    let arm = variant(&s, user).await?;
    let mut scored = activities::score(kept, &prefs, budget, outdoor_ok);
    let filtered = scored.len();
    let arm = learn(&s, "activity", &mut scored, arm).await;
    scored.iter_mut().for_each(|x| x.finish(ACTIVITY_WEIGHTS, arm));
    let picked = rank(scored, limit, diversity);
    let stats = price_stats(&prices);
    let metadata = json!({"processingTime": elapsed(started), "strategy": arm.strategy(), "cacheHit": false,
                          "profileUsed": prefs.has_profile, "weatherSource": source,
                          "accessibilityKnown": false});
    let context = json!({"totalActivitiesFound": total, "filteredActivities": filtered, "averagePrice": stats["average"],
                         "categories": categories, "cityCode": city.map(|c| c.code.clone())});
    Ok(axum::Json(document(user, "activity", &picked, metadata, context)).into_response())
}
