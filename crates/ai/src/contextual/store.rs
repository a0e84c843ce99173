//! The contextual part's SQL: named settings (`ai_ctx_settings`) and per-item interaction counts
//! of typed recommendations (`ai_ctx_item_stats`, no user attached).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, query, query_dynamic};
use serde_json::Value;

pub async fn setting(db: &Db, name: &str) -> Result<Option<Value>, DbError> {
    let row: Option<(String,)> =
        query("SELECT value FROM ai_ctx_settings WHERE name = $1").bind(name.to_owned()).fetch_optional(db).await?;
    Ok(row.and_then(|(v,)| serde_json::from_str(&v).ok()))
}

pub async fn put_setting(db: &Db, name: &str, value: &Value, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_ctx_settings (name, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(name.to_owned())
    .bind(value.to_string())
    .bind(at)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn count(db: &Db, kind: &str, item: &str, action: &str, at: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "INSERT INTO ai_ctx_item_stats (kind, item_id, action, count, updated_at) VALUES ($1, $2, $3, 1, $4) \
         ON CONFLICT (kind, item_id, action) DO UPDATE SET count = ai_ctx_item_stats.count + 1, \
         updated_at = excluded.updated_at",
    )
    .bind(kind.to_owned())
    .bind(item.to_owned())
    .bind(action.to_owned())
    .bind(at)
    .execute(db)
    .await
    .map(|_| ())
}

/// The counts by action of each of `items` (of `kind`) that has some.
pub async fn counts(db: &Db, kind: &str, items: &[String]) -> Result<HashMap<String, HashMap<String, i64>>, DbError> {
    let mut out: HashMap<String, HashMap<String, i64>> = HashMap::new();
    for chunk in items.chunks(100) {
        let marks: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT item_id, action, count FROM ai_ctx_item_stats WHERE kind = $1 AND item_id IN ({})",
            marks.join(", ")
        );
        let mut q = query_dynamic(sql).bind(kind.to_owned());
        for id in chunk {
            q = q.bind(id.clone());
        }
        let rows: Vec<(String, String, i64)> = q.fetch_all(db).await?;
        for (item, action, n) in rows {
            out.entry(item).or_default().insert(action, n);
        }
    }
    Ok(out)
}

/// Totals per (kind, action), and the number of items with counts per kind.
pub async fn totals(db: &Db) -> Result<(Vec<(String, String, i64)>, Vec<(String, i64)>), DbError> {
    let actions: Vec<(String, String, i64)> = query(
        "SELECT kind, action, CAST(SUM(count) AS BIGINT) FROM ai_ctx_item_stats GROUP BY kind, action ORDER BY kind, action",
    )
    .fetch_all(db)
    .await?;
    let items: Vec<(String, i64)> =
        query("SELECT kind, COUNT(DISTINCT item_id) FROM ai_ctx_item_stats GROUP BY kind ORDER BY kind")
            .fetch_all(db)
            .await?;
    Ok((actions, items))
}
