//! The probe context's SQL.

use chrono::{DateTime, Utc};
use kernel::EventEnvelope;
use platform::db::{Db, DbError, FromRow, Row, Tx, query};
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

impl FromRow for Probe {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Probe { id: row.get("id")?, name: row.get("name")?, created_at: row.get("created_at")? })
    }
}

pub async fn insert(tx: &mut Tx, probe: &Probe) -> Result<(), DbError> {
    query("INSERT INTO probes (id, name, created_at) VALUES ($1, $2, $3)")
        .bind(probe.id)
        .bind(probe.name.as_str())
        .bind(probe.created_at)
        .execute(tx)
        .await?;
    Ok(())
}

pub async fn find(db: &Db, id: Uuid) -> Result<Option<Probe>, DbError> {
    query("SELECT id, name, created_at FROM probes WHERE id = $1").bind(id).fetch_optional(db).await
}

pub async fn count(db: &Db) -> Result<i64, DbError> {
    let (n,): (i64,) = query("SELECT COUNT(*) FROM probes").fetch_one(db).await?;
    Ok(n)
}

pub async fn record_received(tx: &mut Tx, event: &EventEnvelope) -> Result<(), DbError> {
    query("INSERT INTO probe_received (event_id, event_type, aggregate_id, received_at) VALUES ($1, $2, $3, $4)")
        .bind(event.id)
        .bind(event.event_type.as_str())
        .bind(event.aggregate_id.as_str())
        .bind(Utc::now())
        .execute(tx)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Received {
    pub event_id: Uuid,
    pub event_type: String,
    pub aggregate_id: String,
}

impl FromRow for Received {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Received {
            event_id: row.get("event_id")?,
            event_type: row.get("event_type")?,
            aggregate_id: row.get("aggregate_id")?,
        })
    }
}

pub async fn received(db: &Db) -> Result<Vec<Received>, DbError> {
    query("SELECT event_id, event_type, aggregate_id FROM probe_received ORDER BY received_at, event_id")
        .fetch_all(db)
        .await
}
