//! What the offline supplier has sold, by inventory key: taking places is one conditional
//! update (or insert), so concurrent orders never sell more than the capacity.

use kernel::ApiError;
use platform::db::{Db, Tx};

/// How many of each key are sold (keys never sold are absent).
pub async fn sold(db: &Db, keys: &[String]) -> Result<std::collections::HashMap<String, i64>, ApiError> {
    if keys.is_empty() {
        return Ok(Default::default());
    }
    let marks: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT key, sold FROM offline_inventory WHERE key IN ({})", marks.join(", "));
    let mut q = platform::db::query_dynamic(sql);
    for k in keys {
        q = q.bind(k.as_str());
    }
    let rows: Vec<(String, i64)> = q.fetch_all(db).await?;
    Ok(rows.into_iter().collect())
}

/// Takes `count` places of `key` out of `capacity`; `false` (nothing taken) when fewer remain.
pub async fn take(tx: &mut Tx, key: &str, capacity: i64, count: i64) -> Result<bool, ApiError> {
    if count > capacity {
        return Ok(false);
    }
    platform::db::query("INSERT INTO offline_inventory (key, sold) VALUES ($1, 0) ON CONFLICT (key) DO NOTHING")
        .bind(key)
        .execute(&mut *tx)
        .await?;
    let taken = platform::db::query("UPDATE offline_inventory SET sold = sold + $2 WHERE key = $1 AND sold + $2 <= $3")
        .bind(key)
        .bind(count)
        .bind(capacity)
        .execute(&mut *tx)
        .await?;
    Ok(taken == 1)
}

/// Gives `count` places of `key` back (a cancelled order).
pub async fn give_back(tx: &mut Tx, key: &str, count: i64) -> Result<(), ApiError> {
    platform::db::query(
        "UPDATE offline_inventory SET sold = CASE WHEN sold >= $2 THEN sold - $2 ELSE 0 END WHERE key = $1",
    )
    .bind(key)
    .bind(count)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
