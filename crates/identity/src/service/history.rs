//! The activity history (DreamScape's: action type, entity type and id, metadata) and the
//! recent flight searches the dashboard reads from it.

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Accounts;
use super::favorites::rejected;
use crate::domain::items;
use crate::store::{self, history::Entry, history::HistoryFilter};

/// A history entry as a client sends it.
#[derive(Debug)]
pub struct NewEntry {
    pub action_type: String,
    pub entity_type: String,
    pub entity_id: String,
    pub metadata: Option<Value>,
}

/// Counts by action type and entity type (only those that occur), DreamScape's stats shape.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryStats {
    pub total_count: i64,
    #[schema(value_type = Object)]
    pub by_action_type: Map<String, Value>,
    #[schema(value_type = Object)]
    pub by_entity_type: Map<String, Value>,
    pub most_recent_activity: Option<DateTime<Utc>>,
}

/// Most searches `recent_searches` answers.
pub const MAX_RECENT: u32 = 20;
/// How many of the latest flight searches are looked at to find usable ones.
const SEARCH_SCAN: u32 = 100;

impl Accounts {
    /// Records an entry; DreamScape's checks and messages, in its order.
    pub async fn record_activity(&self, user: Uuid, e: NewEntry) -> Result<Entry, ApiError> {
        let mut errors = Vec::new();
        let action = items::action_type(&e.action_type);
        if action.is_none() {
            errors.push(FieldError::new("actionType", items::INVALID_ACTION_TYPE));
        }
        let entity = items::entity_type(&e.entity_type);
        if entity.is_none() {
            errors.push(FieldError::new("entityType", items::INVALID_ENTITY_TYPE));
        }
        let entity_id = items::item_id(&e.entity_id)
            .map_err(|m| errors.push(FieldError::new("entityId", format!("Entity ID {m}"))))
            .ok();
        let metadata = match &e.metadata {
            None | Some(Value::Null) => None,
            Some(v) => {
                items::snapshot(v).map_err(|m| errors.push(FieldError::new("metadata", format!("Metadata {m}")))).ok()
            }
        };
        let (Some(action), Some(entity), Some(entity_id), true) = (action, entity, entity_id, errors.is_empty()) else {
            // DreamScape answers its first failing check.
            let first = errors.first().map(|d| d.message.clone()).unwrap_or_default();
            return Err(ApiError { message: first, ..rejected(errors) });
        };
        let entry = Entry {
            id: kernel::new_id(),
            user_id: user,
            action_type: action.to_owned(),
            entity_type: entity.to_owned(),
            entity_id,
            metadata,
            created_at: self.now(),
        };
        let mut tx = self.db.begin().await?;
        store::history::record(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(entry)
    }

    pub async fn history(
        &self,
        user: Uuid,
        f: &HistoryFilter,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<Entry>, i64), ApiError> {
        Ok(store::history::list(&self.db, user, f, limit, offset).await?)
    }

    pub async fn history_stats(&self, user: Uuid) -> Result<HistoryStats, ApiError> {
        let s = store::history::stats(&self.db, user).await?;
        Ok(HistoryStats {
            total_count: s.total,
            by_action_type: s.by_action.into_iter().map(|(k, n)| (k, json!(n))).collect(),
            by_entity_type: s.by_entity.into_iter().map(|(k, n)| (k, json!(n))).collect(),
            most_recent_activity: s.most_recent,
        })
    }

    /// Deletes the whole history, or only the entries of one entity type.
    pub async fn clear_history(&self, user: Uuid, entity_type: Option<&str>) -> Result<u64, ApiError> {
        let mut tx = self.db.begin().await?;
        let n = store::history::clear(&mut tx, user, entity_type).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn remove_history_entry(&self, user: Uuid, id: Uuid) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        if !store::history::remove(&mut tx, user, id).await? {
            return Err(ApiError::not_found("History entry not found or does not belong to you"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// The user's latest flight searches (`SEARCHED` + `flight` entries whose metadata, or its
    /// `query` object, names an origin and a destination), newest first.
    pub async fn recent_searches(&self, user: Uuid, limit: u32) -> Result<Vec<Value>, ApiError> {
        let filter =
            HistoryFilter { action_type: Some("SEARCHED"), entity_type: Some("flight"), ..HistoryFilter::default() };
        let (entries, _) = store::history::list(&self.db, user, &filter, SEARCH_SCAN, 0).await?;
        Ok(entries.iter().filter_map(flight_search).take(limit as usize).collect())
    }
}

/// `from` / `to` query values: a date (`YYYY-MM-DD`, whole day) or an RFC 3339 instant.
pub fn parse_bound(field: &str, raw: Option<&str>, end: bool) -> Result<Option<DateTime<Utc>>, FieldError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(None) };
    let t = kernel::parse_day_or_instant(raw)
        .ok_or_else(|| FieldError::new(field, "must be a date YYYY-MM-DD or an RFC 3339 instant"))?;
    // A day given as the end bound includes that whole day.
    let is_day = raw.len() == 10;
    Ok(Some(if end && is_day { t + chrono::Duration::days(1) } else { t }))
}

/// The first of `keys` holding a short string.
fn text(o: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .filter_map(|k| o.get(*k)?.as_str())
        .map(str::trim)
        .find(|s| !s.is_empty() && s.chars().count() <= 100)
        .map(str::to_owned)
}

fn count(o: &Map<String, Value>, key: &str) -> Option<u64> {
    o.get(key).and_then(|v| v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())).filter(|n| *n <= 20)
}

/// A flight search as the dashboard reads it, from one history entry.
fn flight_search(e: &Entry) -> Option<Value> {
    let meta = e.metadata.as_ref()?.as_object()?;
    let o = match meta.get("query") {
        Some(Value::Object(q)) => q,
        _ => meta,
    };
    let origin = text(o, &["origin", "originLocationCode", "from"])?;
    let destination = text(o, &["destination", "destinationLocationCode", "to"])?;
    let (adults, children, infants) = match o.get("passengers") {
        Some(Value::Object(p)) => (count(p, "adults"), count(p, "children"), count(p, "infants")),
        Some(v) => (v.as_u64().filter(|n| *n <= 20), count(o, "children"), count(o, "infants")),
        None => (count(o, "adults"), count(o, "children"), count(o, "infants")),
    };
    Some(json!({
        "id": e.id,
        "origin": origin,
        "destination": destination,
        "departureDate": text(o, &["departureDate", "departure"]),
        "returnDate": text(o, &["returnDate"]),
        "passengers": {"adults": adults.unwrap_or(1), "children": children.unwrap_or(0), "infants": infants.unwrap_or(0)},
        "cabinClass": text(o, &["cabinClass", "travelClass"]).unwrap_or_else(|| "ECONOMY".to_owned()),
        "searchedAt": e.created_at,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(metadata: Value) -> Entry {
        Entry {
            id: kernel::new_id(),
            user_id: kernel::new_id(),
            action_type: "SEARCHED".into(),
            entity_type: "flight".into(),
            entity_id: "search-1".into(),
            metadata: Some(metadata),
            created_at: Utc::now(),
        }
    }

    #[test]
    fn flight_searches_are_read_from_metadata_or_its_query() {
        let flat = flight_search(&entry(json!({"origin": "CDG", "destination": "JFK", "adults": 2}))).unwrap();
        assert_eq!(flat["passengers"], json!({"adults": 2, "children": 0, "infants": 0}));
        assert_eq!(flat["cabinClass"], "ECONOMY");
        let nested = json!({"query": {"originLocationCode": "LHR", "destinationLocationCode": "NRT",
            "departureDate": "2026-12-01", "passengers": {"adults": 1, "children": 1, "infants": 0}, "travelClass": "BUSINESS"}});
        let nested = flight_search(&entry(nested)).unwrap();
        assert_eq!((nested["origin"].as_str(), nested["destination"].as_str()), (Some("LHR"), Some("NRT")));
        assert_eq!(nested["passengers"]["children"], 1);
        assert_eq!(nested["cabinClass"], "BUSINESS");
        assert!(nested["returnDate"].is_null());
        assert!(flight_search(&entry(json!({"query": "Paris to Rome"}))).is_none());
        assert!(flight_search(&entry(json!({"origin": "CDG"}))).is_none());
    }
}
