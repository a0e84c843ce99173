//! The precomputed model's SQL: item neighbours, popularity per segment, rebuild runs, and the
//! signals a rebuild reads.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Executor, FromRow, Row, Tx, query};

use super::engine::{Neighbour, Pop};

/// Every neighbour list (the model is small: ≤ 20 per destination).
pub async fn neighbours<'c>(on: impl Executor<'c>) -> Result<HashMap<String, Vec<Neighbour>>, DbError> {
    let rows: Vec<(String, String, f64)> =
        query("SELECT item_id, neighbour_id, score FROM ai_neighbours ORDER BY item_id, score DESC, neighbour_id")
            .fetch_all(on)
            .await?;
    let mut out: HashMap<String, Vec<Neighbour>> = HashMap::new();
    for (item, n, score) in rows {
        out.entry(item).or_default().push(Neighbour { item: n, score, co_users: 0 });
    }
    Ok(out)
}

/// Neighbours of one item with their co-user counts.
pub async fn neighbours_of(db: &Db, item: &str) -> Result<Vec<Neighbour>, DbError> {
    let rows: Vec<(String, f64, i64)> = query(
        "SELECT neighbour_id, score, co_users FROM ai_neighbours WHERE item_id = $1 ORDER BY score DESC, neighbour_id",
    )
    .bind(item)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(item, score, co)| Neighbour { item, score, co_users: u32::try_from(co).unwrap_or(0) })
        .collect())
}

struct PopRow(String, Pop);

impl FromRow for PopRow {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        let bookings: i64 = row.get("bookings")?;
        let signals: i64 = row.get("signals")?;
        Ok(PopRow(
            row.get("item_id")?,
            Pop {
                score: row.get("score")?,
                trending: row.get("trending")?,
                bookings: u32::try_from(bookings).unwrap_or(u32::MAX),
                signals: u32::try_from(signals).unwrap_or(u32::MAX),
            },
        ))
    }
}

/// One segment's popularity (`ALL`: everyone's).
pub async fn popularity<'c>(on: impl Executor<'c>, segment: &str) -> Result<HashMap<String, Pop>, DbError> {
    let rows: Vec<PopRow> =
        query("SELECT item_id, score, trending, bookings, signals FROM ai_popularity WHERE segment = $1")
            .bind(segment)
            .fetch_all(on)
            .await?;
    Ok(rows.into_iter().map(|PopRow(i, p)| (i, p)).collect())
}

/// Replaces the model in one transaction and records the run.
pub async fn replace_model(
    tx: &mut Tx,
    neighbours: &HashMap<String, Vec<Neighbour>>,
    popularity: &HashMap<String, HashMap<String, Pop>>,
    run: &Run,
) -> Result<(), DbError> {
    query("DELETE FROM ai_neighbours").execute(&mut *tx).await?;
    query("DELETE FROM ai_popularity").execute(&mut *tx).await?;
    for (item, list) in neighbours {
        for n in list {
            query("INSERT INTO ai_neighbours (item_id, neighbour_id, score, co_users) VALUES ($1, $2, $3, $4)")
                .bind(item.as_str())
                .bind(n.item.as_str())
                .bind(n.score)
                .bind(i64::from(n.co_users))
                .execute(&mut *tx)
                .await?;
        }
    }
    for (segment, items) in popularity {
        for (item, p) in items {
            query(
                "INSERT INTO ai_popularity (segment, item_id, score, trending, bookings, signals) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(segment.as_str())
            .bind(item.as_str())
            .bind(p.score)
            .bind(p.trending)
            .bind(i64::from(p.bookings))
            .bind(i64::from(p.signals))
            .execute(&mut *tx)
            .await?;
        }
    }
    query(
        "INSERT INTO ai_model_runs (id, trigger, started_at, finished_at, users, interactions, pairs) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(kernel::new_id())
    .bind(run.trigger.as_str())
    .bind(run.started_at)
    .bind(run.finished_at)
    .bind(run.users)
    .bind(run.interactions)
    .bind(run.pairs)
    .execute(&mut *tx)
    .await?;
    query("DELETE FROM ai_model_runs WHERE started_at < $1")
        .bind(run.started_at - chrono::Duration::days(30))
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// A model rebuild.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub trigger: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub users: i64,
    pub interactions: i64,
    pub pairs: i64,
}

impl FromRow for Run {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Run {
            trigger: row.get("trigger")?,
            started_at: row.get("started_at")?,
            finished_at: row.get("finished_at")?,
            users: row.get("users")?,
            interactions: row.get("interactions")?,
            pairs: row.get("pairs")?,
        })
    }
}

/// The latest rebuild, and how many ran in the last 30 days.
pub async fn last_run(db: &Db) -> Result<(Option<Run>, i64), DbError> {
    let last = query(
        "SELECT trigger, started_at, finished_at, users, interactions, pairs FROM ai_model_runs \
         ORDER BY started_at DESC LIMIT 1",
    )
    .fetch_optional(db)
    .await?;
    let (n,): (i64,) = query("SELECT COUNT(*) FROM ai_model_runs").fetch_one(db).await?;
    Ok((last, n))
}

/// Every signal counted by the model since `from` (destination, weight, booked?).
pub async fn signals_since(db: &Db, from: DateTime<Utc>, limit: i64) -> Result<Vec<super::engine::Event>, DbError> {
    struct E(super::engine::Event);
    impl FromRow for E {
        fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
            let action: String = row.get("action")?;
            Ok(E(super::engine::Event {
                user: row.get("user_id")?,
                item: row.get("destination")?,
                weight: row.get("weight")?,
                booked: action == "book",
                at: row.get("at")?,
            }))
        }
    }
    let rows: Vec<E> = query(
        "SELECT user_id, destination, weight, action, at FROM ai_interactions \
         WHERE destination IS NOT NULL AND at >= $1 ORDER BY at DESC LIMIT $2",
    )
    .bind(from)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|E(e)| e).collect())
}
