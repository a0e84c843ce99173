use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: Uuid,
    /// `search`, `view`, `booking` or `favorite`.
    #[serde(rename = "type")]
    pub kind: String,
    pub item_type: Option<String>,
    pub item_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Entry {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let data: Option<Json<Value>> = row.get("data")?;
        Ok(Entry {
            id: row.get("id")?,
            kind: row.get("kind")?,
            item_type: row.get("item_type")?,
            item_id: row.get("item_id")?,
            data: data.map(|Json(v)| v),
            created_at: row.get("created_at")?,
        })
    }
}

pub async fn record(tx: &mut Tx, user: Uuid, e: &Entry) -> Result<(), DbError> {
    query("INSERT INTO history (id, user_id, kind, item_type, item_id, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(e.id)
        .bind(user)
        .bind(e.kind.as_str())
        .bind(e.item_type.clone())
        .bind(e.item_id.clone())
        .bind(e.data.clone())
        .bind(e.created_at)
        .execute(tx)
        .await?;
    Ok(())
}

pub struct HistoryFilter {
    pub kind: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

const WHERE: &str = "user_id = $1 AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR created_at >= $3) AND ($4 IS NULL OR created_at < $4)";

pub async fn list(
    db: &Db,
    user: Uuid,
    f: &HistoryFilter,
    limit: u32,
    offset: u64,
) -> Result<(Vec<Entry>, i64), DbError> {
    let (total,): (i64,) = platform::db::query_dynamic(format!("SELECT COUNT(*) FROM history WHERE {WHERE}"))
        .bind(user)
        .bind(f.kind.clone())
        .bind(f.from)
        .bind(f.to)
        .fetch_one(db)
        .await?;
    let items = platform::db::query_dynamic(format!(
        "SELECT id, kind, item_type, item_id, data, created_at FROM history WHERE {WHERE} \
         ORDER BY created_at DESC, id DESC LIMIT $5 OFFSET $6"
    ))
    .bind(user)
    .bind(f.kind.clone())
    .bind(f.from)
    .bind(f.to)
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    Ok((items, total))
}

/// Deletes the user's entries of `kind` (all kinds when `None`); returns how many.
pub async fn clear(tx: &mut Tx, user: Uuid, kind: Option<&str>) -> Result<u64, DbError> {
    query("DELETE FROM history WHERE user_id = $1 AND ($2 IS NULL OR kind = $2)")
        .bind(user)
        .bind(kind)
        .execute(tx)
        .await
}

pub async fn remove(tx: &mut Tx, user: Uuid, id: Uuid) -> Result<bool, DbError> {
    Ok(query("DELETE FROM history WHERE id = $1 AND user_id = $2").bind(id).bind(user).execute(tx).await? == 1)
}
