//! The administrators' reads: entries newest first with filters and an opaque cursor, and the
//! chain's status. Handlers parse and render; the paging and the rendering of an entry are
//! here.

use kernel::{ApiError, Cursor};
use platform::db::Db;
use serde_json::{Value, json};

use crate::chain::Entry;
use crate::store::{self, Filter};

/// Most entries per page.
pub const MAX_LIMIT: u32 = 200;
pub const DEFAULT_LIMIT: u32 = 50;

#[derive(Clone)]
pub struct Audit {
    pub db: Db,
}

/// One page of entries and the cursor of the next (`None` on the last page).
#[derive(Debug)]
pub struct Page {
    pub entries: Vec<Value>,
    pub next_cursor: Option<String>,
}

/// The seq a cursor stands for.
pub fn decode_cursor(raw: &str) -> Result<i64, ApiError> {
    Cursor::decode::<i64>(raw)
}

/// An entry as the API shows it.
pub fn view(e: &Entry) -> Value {
    json!({
        "seq": e.seq, "id": e.id, "at": e.at, "recordedAt": e.recorded_at, "category": e.category, "action": e.action,
        "actorId": e.actor_id, "subjectType": e.subject_type, "subjectId": e.subject_id, "amount": e.amount,
        "currency": e.currency, "ip": e.ip, "sourceEventId": e.source_event_id,
        "detail": serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::Null),
        "prevHash": e.prev_hash, "hash": e.hash,
    })
}

impl Audit {
    /// Entries matching `filter` (its `before` from the cursor), newest first.
    pub async fn list(&self, filter: &Filter, limit: u32) -> Result<Page, ApiError> {
        let mut rows = store::list(&self.db, filter, limit.saturating_add(1)).await?;
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let next_cursor = if more { rows.last().map(|e| Cursor::encode(&e.seq)) } else { None };
        Ok(Page { entries: rows.iter().map(view).collect(), next_cursor })
    }

    pub async fn verify(&self, known: Option<&crate::Position>) -> Result<crate::Verification, ApiError> {
        Ok(match known {
            Some(k) => crate::verify_known(&self.db, k).await?,
            None => crate::verify(&self.db).await?,
        })
    }
}
