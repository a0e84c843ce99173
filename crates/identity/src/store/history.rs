use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// One history entry, in DreamScape's shape.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `CREATED`, `VIEWED`, `UPDATED`, `DELETED`, `SEARCHED`, `FAVORITED` or `UNFAVORITED`.
    pub action_type: String,
    /// `booking`, `search`, `favorite`, `destination`, `hotel`, `activity`, `flight` or `listing`.
    pub entity_type: String,
    pub entity_id: String,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Entry {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let metadata: Option<Json<Value>> = row.get("metadata")?;
        Ok(Entry {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            action_type: row.get("action_type")?,
            entity_type: row.get("entity_type")?,
            entity_id: row.get("entity_id")?,
            metadata: metadata.map(|Json(v)| v),
            created_at: row.get("created_at")?,
        })
    }
}

const COLUMNS: &str = "id, user_id, action_type, entity_type, entity_id, metadata, created_at";

pub async fn record(tx: &mut Tx, e: &Entry) -> Result<(), DbError> {
    query(
        "INSERT INTO history (id, user_id, action_type, entity_type, entity_id, metadata, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(e.id)
    .bind(e.user_id)
    .bind(e.action_type.as_str())
    .bind(e.entity_type.as_str())
    .bind(e.entity_id.as_str())
    .bind(e.metadata.clone())
    .bind(e.created_at)
    .execute(tx)
    .await?;
    Ok(())
}

#[derive(Debug, Default)]
pub struct HistoryFilter {
    pub action_type: Option<&'static str>,
    pub entity_type: Option<&'static str>,
    pub entity_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

const WHERE: &str = "user_id = $1 AND ($2 IS NULL OR action_type = $2) AND ($3 IS NULL OR entity_type = $3) \
     AND ($4 IS NULL OR entity_id = $4) AND ($5 IS NULL OR created_at >= $5) AND ($6 IS NULL OR created_at < $6)";

pub async fn list(
    db: &Db,
    user: Uuid,
    f: &HistoryFilter,
    limit: u32,
    offset: u64,
) -> Result<(Vec<Entry>, i64), DbError> {
    let (total,): (i64,) = platform::db::query_dynamic(format!("SELECT COUNT(*) FROM history WHERE {WHERE}"))
        .bind(user)
        .bind(f.action_type)
        .bind(f.entity_type)
        .bind(f.entity_id.clone())
        .bind(f.from)
        .bind(f.to)
        .fetch_one(db)
        .await?;
    let items = platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM history WHERE {WHERE} ORDER BY created_at DESC, id DESC LIMIT $7 OFFSET $8"
    ))
    .bind(user)
    .bind(f.action_type)
    .bind(f.entity_type)
    .bind(f.entity_id.clone())
    .bind(f.from)
    .bind(f.to)
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    Ok((items, total))
}

/// Counts of the user's entries by action type and by entity type, and the latest entry's time.
pub struct Stats {
    pub total: i64,
    pub by_action: Vec<(String, i64)>,
    pub by_entity: Vec<(String, i64)>,
    pub most_recent: Option<DateTime<Utc>>,
}

pub async fn stats(db: &Db, user: Uuid) -> Result<Stats, DbError> {
    let by_action: Vec<(String, i64)> =
        query("SELECT action_type, COUNT(*) FROM history WHERE user_id = $1 GROUP BY action_type ORDER BY action_type")
            .bind(user)
            .fetch_all(db)
            .await?;
    let by_entity: Vec<(String, i64)> =
        query("SELECT entity_type, COUNT(*) FROM history WHERE user_id = $1 GROUP BY entity_type ORDER BY entity_type")
            .bind(user)
            .fetch_all(db)
            .await?;
    let latest: Option<(DateTime<Utc>,)> =
        query("SELECT created_at FROM history WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1")
            .bind(user)
            .fetch_optional(db)
            .await?;
    Ok(Stats { total: by_action.iter().map(|(_, n)| n).sum(), by_action, by_entity, most_recent: latest.map(|(t,)| t) })
}

/// Deletes the user's entries of `entity_type` (all when `None`); returns how many.
pub async fn clear(tx: &mut Tx, user: Uuid, entity_type: Option<&str>) -> Result<u64, DbError> {
    query("DELETE FROM history WHERE user_id = $1 AND ($2 IS NULL OR entity_type = $2)")
        .bind(user)
        .bind(entity_type)
        .execute(tx)
        .await
}

pub async fn remove(tx: &mut Tx, user: Uuid, id: Uuid) -> Result<bool, DbError> {
    Ok(query("DELETE FROM history WHERE id = $1 AND user_id = $2").bind(id).bind(user).execute(tx).await? == 1)
}

/// Deletes entry `id` if it is the user's and of `action_type`; whether it was.
pub async fn remove_of_action(tx: &mut Tx, user: Uuid, id: Uuid, action_type: &str) -> Result<bool, DbError> {
    let n = query("DELETE FROM history WHERE id = $1 AND user_id = $2 AND action_type = $3")
        .bind(id)
        .bind(user)
        .bind(action_type)
        .execute(tx)
        .await?;
    Ok(n == 1)
}

/// Deletes the user's entries of `action_type`; returns how many.
pub async fn clear_action(tx: &mut Tx, user: Uuid, action_type: &str) -> Result<u64, DbError> {
    query("DELETE FROM history WHERE user_id = $1 AND action_type = $2").bind(user).bind(action_type).execute(tx).await
}

/// Whether `user` is an account that may still gather history (exists, not erased).
pub async fn is_live_user(tx: &mut Tx, user: Uuid) -> Result<bool, DbError> {
    let row: Option<(String,)> = query("SELECT status FROM users WHERE id = $1").bind(user).fetch_optional(tx).await?;
    Ok(row.is_some_and(|(status,)| status != "deleted"))
}
