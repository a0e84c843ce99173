//! Platform-wide operations, administrators only: analytics over every stored
//! recommendation, expiring old ones, rebuilding the model, the model's state.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use axum::extract::State as AxumState;
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use kernel::{ApiError, ErrorBody, FieldError};
use platform::auth::AuthUser;
use platform::http::Query;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;

use super::{State, bare, user_param};
use crate::recommend::store::{self, Rec};

const TYPES: [&str; 6] = ["dashboard", "metrics", "destinations", "user", "reasons", "context"];

#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct AnalyticsParams {
    /// dashboard (default), metrics, destinations, user, reasons or context.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// The user, for `type=user`.
    pub user_id: Option<String>,
    /// Start (YYYY-MM-DD or RFC 3339); with `to`. Default: 30 days ago.
    pub from: Option<String>,
    /// End (exclusive; a date counts whole); with `from`.
    pub to: Option<String>,
}

fn instant(raw: &str, field: &str, end: bool) -> Result<DateTime<Utc>, ApiError> {
    let invalid = || {
        ApiError::validation(vec![FieldError::new(
            field,
            "must be a date (YYYY-MM-DD) or an RFC 3339 instant, years 1 to 9999",
        )])
    };
    let at = if let Ok(t) = DateTime::parse_from_rfc3339(raw.trim()) {
        t.with_timezone(&Utc)
    } else {
        let day = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| invalid())?;
        let day = if end { day.succ_opt().unwrap_or(day) } else { day };
        day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
    };
    // Both databases hold these years; chrono parses far more than PostgreSQL stores.
    if !(1..=10_000).contains(&chrono::Datelike::year(&at)) {
        return Err(invalid());
    }
    Ok(at)
}

fn rate(n: usize, of: usize) -> f64 {
    if of == 0 { 0.0 } else { ((n as f64 / of as f64) * 10_000.0).round() / 10_000.0 }
}

fn metrics(rows: &[Rec]) -> Value {
    let n = rows.len();
    let count = |f: fn(&Rec) -> bool| rows.iter().filter(|r| f(r)).count();
    let viewed = count(|r| r.viewed_at.is_some());
    let clicked = count(|r| r.clicked_at.is_some());
    let booked = count(|r| r.booked_at.is_some());
    let rejected = count(|r| r.rejected_at.is_some());
    let avg = if n == 0 { 0.0 } else { rows.iter().map(|r| r.score).sum::<f64>() / n as f64 };
    json!({"totalRecommendations": n, "activeRecommendations": count(|r| r.is_active), "viewed": viewed,
        "clicked": clicked, "booked": booked, "rejected": rejected, "viewRate": rate(viewed, n),
        "clickRate": rate(clicked, n), "conversionRate": rate(booked, n), "rejectionRate": rate(rejected, n),
        "averageScore": (avg * 10_000.0).round() / 10_000.0})
}

fn top<'a>(rows: &'a [Rec], key: impl Fn(&'a Rec) -> Vec<&'a str>, limit: usize) -> Vec<(&'a str, usize, usize)> {
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for r in rows {
        for k in key(r) {
            let e = counts.entry(k).or_default();
            e.0 += 1;
            e.1 += usize::from(r.booked_at.is_some());
        }
    }
    let mut list: Vec<(&str, usize, usize)> = counts.into_iter().map(|(k, (n, b))| (k, n, b)).collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    list.truncate(limit);
    list
}

/// Recommendation analytics over the period (default: the last 30 days), platform-wide.
#[utoipa::path(get, path = "/api/v1/recommendations/analytics", operation_id = "ai_rec_analytics", tag = "AI",
    security(("bearerAuth" = [])), params(AnalyticsParams),
    responses((status = 200, description = "The analytics object of the type asked", body = serde_json::Value),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn analytics(
    AxumState(s): AxumState<State>,
    admin: AuthUser,
    Query(p): Query<AnalyticsParams>,
) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let kind = p.kind.as_deref().unwrap_or("dashboard");
    if !TYPES.contains(&kind) {
        return Err(ApiError::bad_request(
            "Invalid type. Must be one of: dashboard, metrics, destinations, user, reasons, context",
        ));
    }
    let now = s.now();
    let (from, to, period) = match (p.from.as_deref(), p.to.as_deref()) {
        (Some(f), Some(t)) => {
            let (from, to) = (instant(f, "from", false)?, instant(t, "to", true)?);
            if to <= from {
                return Err(ApiError::validation(vec![FieldError::new("to", "must be after from")]));
            }
            (from, to, format!("{f} to {t}"))
        }
        (None, None) => (now - Duration::days(30), now + Duration::seconds(1), "Last 30 days".to_owned()),
        _ => return Err(ApiError::validation(vec![FieldError::new("from", "from and to go together")])),
    };
    let user = if kind == "user" {
        Some(user_param(p.user_id.as_deref(), "userId", "userId is required for type=user")?)
    } else {
        None
    };
    let rows = store::all_of(&s.db, user, from, to).await?;
    let destinations = || {
        top(&rows, |r| vec![r.destination_id.as_str()], 10)
            .into_iter()
            .map(|(d, n, b)| {
                let name = rows.iter().find(|r| r.destination_id == d).map(|r| r.destination_name.as_str());
                json!({"destinationId": d, "destinationName": name, "count": n, "booked": b})
            })
            .collect::<Vec<_>>()
    };
    let body = match kind {
        "metrics" => json!({"period": period, "metrics": metrics(&rows)}),
        "destinations" => json!({"period": period, "destinations": destinations()}),
        "user" => json!({"period": period, "userId": user, "metrics": metrics(&rows), "destinations": destinations()}),
        "reasons" => {
            json!({"period": period, "reasons": top(&rows, |r| r.reasons.iter().map(String::as_str).collect(), 20)
            .into_iter().map(|(k, n, b)| json!({"reason": k, "count": n, "booked": b})).collect::<Vec<_>>()})
        }
        "context" => json!({"period": period, "contexts": top(&rows, |r| vec![r.context_type.as_str()], 10)
            .into_iter().map(|(k, n, b)| json!({"contextType": k, "count": n, "booked": b})).collect::<Vec<_>>()}),
        _ => {
            let mut users: Vec<_> = rows.iter().map(|r| r.user_id).collect();
            users.sort();
            users.dedup();
            let per_user = if users.is_empty() { 0.0 } else { rows.len() as f64 / users.len() as f64 };
            json!({"period": period, "overallMetrics": metrics(&rows), "topDestinations": destinations(),
                "totalActiveUsers": users.len(), "averageRecommendationsPerUser": (per_user * 100.0).round() / 100.0})
        }
    };
    Ok(bare(body))
}

/// Marks active recommendations past their expiry `EXPIRED`.
#[utoipa::path(post, path = "/api/v1/recommendations/cleanup", operation_id = "ai_rec_cleanup", tag = "AI",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "`{success, expiredCount}`", body = serde_json::Value),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn cleanup(AxumState(s): AxumState<State>, admin: AuthUser) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let n = store::expire(&s.db, s.now()).await?;
    Ok(bare(json!({"success": true, "expiredCount": n})))
}

/// Rebuilds the model now (neighbours, popularity, trending, every known user's list).
#[utoipa::path(post, path = "/api/v1/recommendations/popularity/refresh", operation_id = "ai_rec_popularity_refresh",
    tag = "AI", security(("bearerAuth" = [])),
    responses((status = 200, description = "`{success, result}`", body = serde_json::Value),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn popularity_refresh(AxumState(s): AxumState<State>, admin: AuthUser) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let run = s.rebuild("manual").await?;
    Ok(bare(json!({"success": true, "result": run})))
}

/// The precomputed model's state: the last rebuild, its size, whether events wait for one.
#[utoipa::path(get, path = "/api/v1/recommendations/cache/stats", operation_id = "ai_rec_cache_stats", tag = "AI",
    security(("bearerAuth" = [])),
    responses((status = 200, description = "The model's statistics", body = serde_json::Value),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn cache_stats(AxumState(s): AxumState<State>, admin: AuthUser) -> Result<Response, ApiError> {
    admin.require_admin()?;
    let (last, runs) = store::last_run(&s.db).await?;
    let items = store::popularity(&s.db, crate::recommend::engine::ALL).await?.len();
    Ok(bare(
        json!({"source": "database", "lastRebuild": last, "rebuildsLast30Days": runs, "itemsWithPopularity": items,
        "pendingEvents": s.dirty.load(Ordering::Relaxed), "rebuildIntervalSecs": s.interval_secs,
        "trendingHalfLifeDays": s.half_life_days}),
    ))
}
