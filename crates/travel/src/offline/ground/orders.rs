//! Orders of hotels, activities and transfers in `offline_orders`: placing one takes all its
//! inventory and records it in one transaction (all or nothing, never more than the capacity
//! under concurrency); the caller's idempotency key makes a retry answer the same order, even
//! when the retry races the first attempt (the unique key decides). Cancelling gives the
//! inventory back once.

use kernel::ApiError;
use platform::db::{Json, query};
use serde_json::Value;

use super::{Offline, unavailable};
use crate::offline::inventory;

/// Inventory an order takes: `count` of `key`, out of `capacity`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Hold {
    pub key: String,
    #[serde(skip)]
    pub capacity: i64,
    pub count: i64,
}

/// The idempotency key as stored: scoped by kind, so the flight orders' keys never collide.
fn scoped(kind: &str, key: Option<&str>) -> Option<String> {
    key.map(str::trim).filter(|k| !k.is_empty()).map(|k| format!("{kind}:{k}"))
}

/// The answer of the order placed with `key`, if there is one.
pub(super) async fn replay(offline: &Offline, kind: &str, key: Option<&str>) -> Result<Option<Value>, ApiError> {
    let Some(key) = scoped(kind, key) else { return Ok(None) };
    let row: Option<(Json<Value>,)> = query("SELECT answer FROM offline_orders WHERE idempotency_key = $1")
        .bind(key)
        .fetch_optional(&offline.db)
        .await?;
    Ok(row.map(|(answer,)| answer.0))
}

/// Places order `id` of `kind`: takes every hold, stores `answer`, answers it. `409
/// offer_unavailable` when any hold cannot be taken (nothing is taken then).
pub(super) async fn place(
    offline: &Offline,
    kind: &str,
    key: Option<&str>,
    id: &str,
    holds: &[Hold],
    answer: Value,
) -> Result<Value, ApiError> {
    if let Some(done) = replay(offline, kind, key).await? {
        return Ok(done);
    }
    let mut tx = offline.db.begin().await?;
    for hold in holds {
        if !inventory::take(&mut tx, &hold.key, hold.capacity, hold.count).await? {
            tx.rollback().await?;
            // A retry racing its first attempt may find the inventory gone to that attempt.
            if let Some(done) = replay(offline, kind, key).await? {
                return Ok(done);
            }
            return Err(unavailable("Not enough left to book this offer"));
        }
    }
    let holds = serde_json::to_value(holds).map_err(|_| ApiError::internal())?;
    let inserted = query(
        "INSERT INTO offline_orders (id, kind, idempotency_key, status, holds, answer, created_at) \
         VALUES ($1, $2, $3, 'CONFIRMED', $4, $5, $6)",
    )
    .bind(id)
    .bind(kind)
    .bind(scoped(kind, key))
    .bind(holds)
    .bind(answer.clone())
    .bind(offline.clock.now())
    .execute(&mut tx)
    .await;
    match inserted {
        Ok(_) => {
            tx.commit().await?;
            Ok(answer)
        }
        Err(e) if e.is_unique_violation("idempotency_key") => {
            // The same key won a race: answer its order, take nothing.
            tx.rollback().await?;
            replay(offline, kind, key).await?.ok_or_else(ApiError::internal)
        }
        Err(e) => Err(e.into()),
    }
}

/// Cancels order `id` of `kind`: gives its holds back once (a second cancel changes nothing)
/// and stores `cancelled(answer)` as its answer. `404` when there is no such order.
pub(super) async fn cancel(
    offline: &Offline,
    kind: &str,
    id: &str,
    cancelled: impl Fn(&mut Value),
) -> Result<Value, ApiError> {
    let mut tx = offline.db.begin().await?;
    let row: Option<(String, Json<Vec<Hold>>, Json<Value>)> =
        query("SELECT status, holds, answer FROM offline_orders WHERE id = $1 AND kind = $2")
            .bind(id)
            .bind(kind)
            .fetch_optional(&mut tx)
            .await?;
    let Some((status, holds, answer)) = row else {
        tx.rollback().await?;
        return Err(ApiError::not_found("No such order"));
    };
    let mut answer = answer.0;
    if status == "CANCELLED" {
        tx.rollback().await?;
        return Ok(answer);
    }
    // Only the cancel that flips the status gives back (a concurrent one finds it done).
    let flipped = query("UPDATE offline_orders SET status = 'CANCELLED', answer = $3 WHERE id = $1 AND kind = $2 AND status = 'CONFIRMED'")
        .bind(id)
        .bind(kind)
        .bind({
            cancelled(&mut answer);
            answer.clone()
        })
        .execute(&mut tx)
        .await?;
    if flipped == 1 {
        for hold in &holds.0 {
            inventory::give_back(&mut tx, &hold.key, hold.count).await?;
        }
    }
    tx.commit().await?;
    Ok(answer)
}

/// The stored answer of order `id` of `kind`.
pub(super) async fn load(offline: &Offline, kind: &str, id: &str) -> Result<Option<Value>, ApiError> {
    let row: Option<(Json<Value>,)> = query("SELECT answer FROM offline_orders WHERE id = $1 AND kind = $2")
        .bind(id)
        .bind(kind)
        .fetch_optional(&offline.db)
        .await?;
    Ok(row.map(|(a,)| a.0))
}

/// A new order id: a prefix and 16 characters of a fresh v7 id's random part (URL-safe).
pub(super) fn new_id(prefix: &str) -> String {
    let raw = kernel::new_id().simple().to_string().to_ascii_uppercase();
    format!("{prefix}{}", raw.get(raw.len() - 16..).unwrap_or(&raw))
}

/// A confirmation number: `digits` digits from a fresh id's random part.
pub(super) fn confirmation(digits: u32) -> String {
    let n = kernel::new_id().as_u128() & ((1u128 << 62) - 1);
    let modulus = 10u128.pow(digits);
    format!("{:0width$}", n % modulus, width = digits as usize)
}
