use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, FromRow, Json, Row, Tx, query};
use serde_json::Value;
use uuid::Uuid;

/// A saved item. `item_type` is stored in lower case (`hotel`).
#[derive(Debug, Clone)]
pub struct Favorite {
    pub id: Uuid,
    pub user_id: Uuid,
    pub item_type: String,
    pub item_id: String,
    /// What the client stored to display the item without fetching it (name, image, price).
    pub item_data: Option<Value>,
    pub category: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FromRow for Favorite {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let data: Option<Json<Value>> = row.get("item_data")?;
        Ok(Favorite {
            id: row.get("id")?,
            user_id: row.get("user_id")?,
            item_type: row.get("item_type")?,
            item_id: row.get("item_id")?,
            item_data: data.map(|Json(v)| v),
            category: row.get("category")?,
            notes: row.get("notes")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

const COLUMNS: &str = "id, user_id, item_type, item_id, item_data, category, notes, created_at, COALESCE(updated_at, created_at) AS updated_at";

/// Adds unless present; true when this call added it.
pub async fn add(tx: &mut Tx, f: &Favorite) -> Result<bool, DbError> {
    let n = query(
        "INSERT INTO favorites (id, user_id, item_type, item_id, item_data, category, notes, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (user_id, item_type, item_id) DO NOTHING",
    )
    .bind(f.id)
    .bind(f.user_id)
    .bind(f.item_type.as_str())
    .bind(f.item_id.as_str())
    .bind(f.item_data.clone())
    .bind(f.category.clone())
    .bind(f.notes.clone())
    .bind(f.created_at)
    .bind(f.updated_at)
    .execute(tx)
    .await?;
    Ok(n == 1)
}

pub async fn find_item(tx: &mut Tx, user: Uuid, item_type: &str, item_id: &str) -> Result<Option<Favorite>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM favorites WHERE user_id = $1 AND item_type = $2 AND item_id = $3"
    ))
    .bind(user)
    .bind(item_type)
    .bind(item_id)
    .fetch_optional(tx)
    .await
}

pub async fn count(tx: &mut Tx, user: Uuid) -> Result<i64, DbError> {
    let (n,): (i64,) = query("SELECT COUNT(*) FROM favorites WHERE user_id = $1").bind(user).fetch_one(tx).await?;
    Ok(n)
}

pub async fn list(
    db: &Db,
    user: Uuid,
    item_type: Option<&str>,
    limit: u32,
    offset: u64,
) -> Result<(Vec<Favorite>, i64), DbError> {
    let (total,): (i64,) =
        query("SELECT COUNT(*) FROM favorites WHERE user_id = $1 AND ($2 IS NULL OR item_type = $2)")
            .bind(user)
            .bind(item_type)
            .fetch_one(db)
            .await?;
    let items = platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM favorites WHERE user_id = $1 AND ($2 IS NULL OR item_type = $2) \
         ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(user)
    .bind(item_type)
    .bind(i64::from(limit))
    .bind(i64::try_from(offset).unwrap_or(i64::MAX))
    .fetch_all(db)
    .await?;
    Ok((items, total))
}

/// The user's favourite of this item, if saved.
pub async fn matching(db: &Db, user: Uuid, item_type: &str, item_id: &str) -> Result<Option<Favorite>, DbError> {
    platform::db::query_dynamic(format!(
        "SELECT {COLUMNS} FROM favorites WHERE user_id = $1 AND item_type = $2 AND item_id = $3"
    ))
    .bind(user)
    .bind(item_type)
    .bind(item_id)
    .fetch_optional(db)
    .await
}

/// A favourite by id, whoever owns it (the caller checks ownership).
pub async fn find(db: &Db, id: Uuid) -> Result<Option<Favorite>, DbError> {
    platform::db::query_dynamic(format!("SELECT {COLUMNS} FROM favorites WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Writes category, notes and item data of one favourite.
pub async fn update(tx: &mut Tx, f: &Favorite) -> Result<(), DbError> {
    query("UPDATE favorites SET item_data = $1, category = $2, notes = $3, updated_at = $4 WHERE id = $5")
        .bind(f.item_data.clone())
        .bind(f.category.clone())
        .bind(f.notes.clone())
        .bind(f.updated_at)
        .bind(f.id)
        .execute(tx)
        .await?;
    Ok(())
}

/// Removes one of the user's favourites; false when it is not theirs or does not exist.
pub async fn remove(tx: &mut Tx, user: Uuid, id: Uuid) -> Result<bool, DbError> {
    Ok(query("DELETE FROM favorites WHERE id = $1 AND user_id = $2").bind(id).bind(user).execute(tx).await? == 1)
}

pub async fn remove_item(tx: &mut Tx, user: Uuid, item_type: &str, item_id: &str) -> Result<bool, DbError> {
    let n = query("DELETE FROM favorites WHERE user_id = $1 AND item_type = $2 AND item_id = $3")
        .bind(user)
        .bind(item_type)
        .bind(item_id)
        .execute(tx)
        .await?;
    Ok(n == 1)
}
