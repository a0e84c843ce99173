//! Favourites (idempotent add, batch add / check / remove) and the activity history.

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError, PageRequest};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Accounts;
use super::login::Fields;
use crate::domain::items;
use crate::store::{self, favorites::Favorite, history::Entry, history::HistoryFilter};

/// Most favourites one account keeps.
pub const MAX_FAVORITES: i64 = 1000;
/// Most items in one batch call.
pub const MAX_BATCH: usize = 100;

/// An item as a client names it.
#[derive(Debug, Clone)]
pub struct ItemRef {
    pub item_type: String,
    pub item_id: String,
    pub item_data: Option<Value>,
}

/// Validates raw (type, id, data) triples; field names carry the index in batches.
pub fn parse_items(raw: &[(String, String, Option<Value>)], batch: bool) -> Result<Vec<ItemRef>, ApiError> {
    let mut fields = Fields::default();
    if batch && (raw.is_empty() || raw.len() > MAX_BATCH) {
        fields.add("items", "must list 1 to 100 items");
    }
    let prefix = |i: usize, f: &str| if batch { format!("items[{i}].{f}") } else { f.to_owned() };
    let mut out = Vec::new();
    for (i, (t, id, data)) in raw.iter().enumerate() {
        let item_type = fields.check(&prefix(i, "itemType"), items::item_type(t));
        let item_id = fields.check(&prefix(i, "itemId"), items::item_id(id));
        let item_data = match data {
            None | Some(Value::Null) => Some(None),
            Some(v) => fields.check(&prefix(i, "itemData"), items::snapshot(v)).map(Some),
        };
        if let (Some(item_type), Some(item_id), Some(item_data)) = (item_type, item_id, item_data) {
            out.push(ItemRef { item_type, item_id, item_data });
        }
    }
    fields.finish()?;
    Ok(out)
}

impl Accounts {
    /// Adds favourites that are not there yet; returns each item's favourite and whether it
    /// was added by this call.
    pub async fn add_favorites(&self, user: Uuid, refs: Vec<ItemRef>) -> Result<Vec<(Favorite, bool)>, ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut out = Vec::new();
        for r in refs {
            let fav = Favorite {
                id: kernel::new_id(),
                item_type: r.item_type.clone(),
                item_id: r.item_id.clone(),
                item_data: r.item_data.clone(),
                created_at: now,
            };
            let added = store::favorites::add(&mut tx, user, &fav).await?;
            if added {
                let entry = Entry {
                    id: kernel::new_id(),
                    kind: "favorite".into(),
                    item_type: Some(r.item_type.clone()),
                    item_id: Some(r.item_id.clone()),
                    data: r.item_data.clone(),
                    created_at: now,
                };
                store::history::record(&mut tx, user, &entry).await?;
            }
            let stored = store::favorites::find_item(&mut tx, user, &r.item_type, &r.item_id)
                .await?
                .ok_or_else(ApiError::internal)?;
            out.push((stored, added));
        }
        if store::favorites::count(&mut tx, user).await? > MAX_FAVORITES {
            return Err(ApiError::new(
                422,
                "favorites_limit",
                format!("At most {MAX_FAVORITES} favourites per account"),
            ));
        }
        let added: Vec<&Favorite> = out.iter().filter(|(_, a)| *a).map(|(f, _)| f).collect();
        if !added.is_empty() {
            let items: Vec<Value> =
                added.iter().map(|f| json!({"itemType": f.item_type, "itemId": f.item_id})).collect();
            self.emit(&mut tx, "user.favorites_added", user, json!({"userId": user, "items": items})).await?;
        }
        tx.commit().await?;
        self.events.committed();
        Ok(out)
    }

    pub async fn favorites(
        &self,
        user: Uuid,
        item_type: Option<&str>,
        page: &PageRequest,
    ) -> Result<(Vec<Favorite>, i64), ApiError> {
        Ok(store::favorites::list(&self.db, user, item_type, page.limit, page.offset).await?)
    }

    /// For each item: the favourite's id if the user saved it.
    pub async fn check_favorites(&self, user: Uuid, refs: &[ItemRef]) -> Result<Vec<Option<Uuid>>, ApiError> {
        let mut out = Vec::with_capacity(refs.len());
        for r in refs {
            out.push(store::favorites::matching(&self.db, user, &r.item_type, &r.item_id).await?);
        }
        Ok(out)
    }

    /// Removes one favourite of the user; someone else's (or none) is "not found".
    pub async fn remove_favorite(&self, user: Uuid, id: Uuid) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        if !store::favorites::remove(&mut tx, user, id).await? {
            return Err(ApiError::not_found("Favorite not found"));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Removes the listed items from the user's favourites; returns how many were there.
    pub async fn remove_favorites(&self, user: Uuid, refs: &[ItemRef]) -> Result<usize, ApiError> {
        let mut tx = self.db.begin().await?;
        let mut removed = 0;
        for r in refs {
            if store::favorites::remove_item(&mut tx, user, &r.item_type, &r.item_id).await? {
                removed += 1;
            }
        }
        tx.commit().await?;
        Ok(removed)
    }

    pub async fn record_activity(
        &self,
        user: Uuid,
        kind: &str,
        item: Option<(String, String)>,
        data: Option<Value>,
    ) -> Result<Entry, ApiError> {
        let (item_type, item_id) = item.map_or((None, None), |(t, i)| (Some(t), Some(i)));
        let entry =
            Entry { id: kernel::new_id(), kind: kind.to_owned(), item_type, item_id, data, created_at: self.now() };
        let mut tx = self.db.begin().await?;
        store::history::record(&mut tx, user, &entry).await?;
        tx.commit().await?;
        Ok(entry)
    }

    pub async fn history(
        &self,
        user: Uuid,
        f: &HistoryFilter,
        page: &PageRequest,
    ) -> Result<(Vec<Entry>, i64), ApiError> {
        Ok(store::history::list(&self.db, user, f, page.limit, page.offset).await?)
    }

    pub async fn clear_history(&self, user: Uuid, kind: Option<&str>) -> Result<u64, ApiError> {
        let mut tx = self.db.begin().await?;
        let n = store::history::clear(&mut tx, user, kind).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn remove_history_entry(&self, user: Uuid, id: Uuid) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        if !store::history::remove(&mut tx, user, id).await? {
            return Err(ApiError::not_found("History entry not found"));
        }
        tx.commit().await?;
        Ok(())
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
