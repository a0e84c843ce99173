//! `Idempotency-Key` for payment POSTs, as Stripe does it: the first response to a key (status
//! and body) is kept for 24 hours and replayed for the same request; the same key with other
//! parameters is refused; a key whose first request is still running is refused with 409 —
//! never executed twice. The key is claimed in its own committed transaction before the work
//! runs, so a concurrent duplicate sees it on every database.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use kernel::{ApiError, FieldError};
use platform::db::{Db, DbError, Json, query};
use serde_json::Value;
use uuid::Uuid;

use crate::service::Payments;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// The key a request carries, if any (1–255 visible characters).
fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(raw) = headers.get("idempotency-key") else { return Ok(None) };
    match raw.to_str() {
        Ok(k) if (1..=255).contains(&k.trim().len()) => Ok(Some(k.trim().to_owned())),
        _ => Err(ApiError::validation(vec![FieldError::new(
            "Idempotency-Key",
            "must be 1 to 255 visible ASCII characters",
        )])),
    }
}

fn replay(status: i64, body: Value) -> Response {
    let status = u16::try_from(status).ok().and_then(|s| StatusCode::from_u16(s).ok()).unwrap_or(StatusCode::OK);
    let mut response = (status, axum::Json(body)).into_response();
    response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// Claims `key` for `user`; `Ok(None)` when claimed, `Ok(Some(response))` when an earlier
/// request answered it.
async fn claim(
    db: &Db,
    user: Uuid,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<Option<Response>, ApiError> {
    let mut tx = db.begin().await?;
    query("DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2 AND created_at < $3")
        .bind(user)
        .bind(key)
        .bind(now - Duration::hours(RETENTION_HOURS))
        .execute(&mut tx)
        .await?;
    let inserted =
        query("INSERT INTO idempotency_keys (user_id, idem_key, fingerprint, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user)
            .bind(key)
            .bind(fingerprint)
            .bind(now)
            .execute(&mut tx)
            .await;
    match inserted {
        Ok(_) => {
            tx.commit().await?;
            Ok(None)
        }
        Err(DbError::UniqueViolation { .. }) => {
            drop(tx);
            let seen: Option<(String, Option<i64>, Option<Json<Value>>)> = query(
                "SELECT fingerprint, status_code, body FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2",
            )
            .bind(user)
            .bind(key)
            .fetch_optional(db)
            .await?;
            match seen {
                Some((seen, _, _)) if seen != fingerprint => Err(ApiError::new(
                    409,
                    "idempotency_error",
                    "This Idempotency-Key was used with different parameters",
                )),
                Some((_, Some(status), Some(Json(body)))) => Ok(Some(replay(status, body))),
                _ => Err(ApiError::new(
                    409,
                    "idempotency_in_progress",
                    "A request with this Idempotency-Key is still running",
                )),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs `work` once per `Idempotency-Key` of `headers` (each time when there is none): claims
/// the key, runs, stores the answer (a server error frees the key for a retry instead).
pub async fn run<F, Fut>(
    state: &Payments,
    user: Uuid,
    headers: &HeaderMap,
    fingerprint: String,
    work: F,
) -> Result<Response, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(StatusCode, Value), ApiError>>,
{
    let key = key_of(headers)?;
    Ok(run_keyed(&state.db, user, key, fingerprint, state.clock.now(), work).await)
}

async fn run_keyed<F, Fut>(
    db: &Db,
    user: Uuid,
    key: Option<String>,
    fingerprint: String,
    now: DateTime<Utc>,
    work: F,
) -> Response
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(StatusCode, Value), ApiError>>,
{
    let Some(key) = key else {
        return match work().await {
            Ok((status, body)) => (status, axum::Json(body)).into_response(),
            Err(e) => e.into_response(),
        };
    };
    match claim(db, user, &key, &fingerprint, now).await {
        Ok(Some(replayed)) => return replayed,
        Ok(None) => {}
        Err(e) => return e.into_response(),
    }
    let (status, body) = match work().await {
        Ok(answer) => answer,
        Err(e) if e.is_server_error() => {
            let _ = forget(db, user, &key).await;
            return e.into_response();
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            let body = serde_json::to_value(kernel::ErrorBody::from(&e)).unwrap_or_default();
            (status, body)
        }
    };
    if let Err(e) = remember(db, user, &key, status, &body).await {
        tracing::warn!(error = %e, "could not store an idempotent response");
    }
    (status, axum::Json(body)).into_response()
}

async fn remember(db: &Db, user: Uuid, key: &str, status: StatusCode, body: &Value) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    query("UPDATE idempotency_keys SET status_code = $3, body = $4 WHERE user_id = $1 AND idem_key = $2")
        .bind(user)
        .bind(key)
        .bind(i64::from(status.as_u16()))
        .bind(body.clone())
        .execute(&mut tx)
        .await?;
    tx.commit().await
}

async fn forget(db: &Db, user: Uuid, key: &str) -> Result<(), DbError> {
    let mut tx = db.begin().await?;
    query("DELETE FROM idempotency_keys WHERE user_id = $1 AND idem_key = $2")
        .bind(user)
        .bind(key)
        .execute(&mut tx)
        .await?;
    tx.commit().await
}
