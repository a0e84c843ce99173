//! Favourites: DreamScape's (one at a time, 409 on a duplicate, category and notes, 403 on
//! another user's) and ours (idempotent batches by type and id), on the same rows.

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Accounts;
use crate::domain::items;
use crate::store::{self, favorites::Favorite, history::Entry};

/// Most favourites one account keeps.
pub const MAX_FAVORITES: i64 = 1000;
/// Most items in one batch call.
pub const MAX_BATCH: usize = 100;

/// An item as a client names it, with what it keeps about it.
#[derive(Debug, Clone, Default)]
pub struct ItemRef {
    /// Stored form (lower case).
    pub item_type: String,
    pub item_id: String,
    pub item_data: Option<Value>,
    pub category: Option<String>,
    pub notes: Option<String>,
}

/// 400 whose message joins every failing rule's message, as DreamScape's routes answer.
pub fn rejected(details: Vec<FieldError>) -> ApiError {
    let message = details.iter().map(|d| d.message.as_str()).collect::<Vec<_>>().join(", ");
    ApiError { message, ..ApiError::validation(details) }
}

/// Our routes: validates raw (type, id, data) triples; field names carry the index in batches.
pub fn parse_items(raw: &[(String, String, Option<Value>)], batch: bool) -> Result<Vec<ItemRef>, ApiError> {
    let mut errors = Vec::new();
    if batch && (raw.is_empty() || raw.len() > MAX_BATCH) {
        errors.push(FieldError::new("items", "must list 1 to 100 items"));
    }
    let prefix = |i: usize, f: &str| if batch { format!("items[{i}].{f}") } else { f.to_owned() };
    let mut out = Vec::new();
    for (i, (t, id, data)) in raw.iter().enumerate() {
        let item_type = items::item_type(t).map_err(|m| errors.push(FieldError::new(prefix(i, "itemType"), m))).ok();
        let item_id = items::item_id(id).map_err(|m| errors.push(FieldError::new(prefix(i, "itemId"), m))).ok();
        let item_data = match data {
            None | Some(Value::Null) => Some(None),
            Some(v) => {
                items::snapshot(v).map(Some).map_err(|m| errors.push(FieldError::new(prefix(i, "itemData"), m))).ok()
            }
        };
        if let (Some(item_type), Some(item_id), Some(item_data)) = (item_type, item_id, item_data) {
            out.push(ItemRef { item_type, item_id, item_data, ..ItemRef::default() });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(out)
}

/// DreamScape's routes: an `entityType` (exact upper case) and `entityId`.
pub fn parse_entity(field: &str, entity_type: &str, entity_id: &str, errors: &mut Vec<FieldError>) -> Option<ItemRef> {
    let item_type = items::favorite_type(entity_type);
    if item_type.is_none() {
        errors.push(FieldError::new(format!("{field}entityType"), items::INVALID_FAVORITE_TYPE));
    }
    let item_id = items::item_id(entity_id)
        .map_err(|m| errors.push(FieldError::new(format!("{field}entityId"), format!("Entity ID {m}"))))
        .ok();
    Some(ItemRef { item_type: item_type?, item_id: item_id?, ..ItemRef::default() })
}

/// The account a favourite belongs to, as DreamScape embeds it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Owner {
    pub id: Uuid,
    pub email: String,
    pub username: Option<String>,
}

/// A favourite in DreamScape's shape.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FavoriteView {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `FLIGHT`, `HOTEL`, `ACTIVITY`, `DESTINATION`, `BOOKING` or `LISTING`.
    pub entity_type: String,
    pub entity_id: String,
    /// What the client stored with it, verbatim.
    pub entity_data: Option<Value>,
    pub category: Option<String>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub user: Owner,
}

/// A favourite in our routes' shape.
pub fn legacy_view(f: &Favorite) -> Value {
    json!({"id": f.id, "itemType": f.item_type, "itemId": f.item_id, "itemData": f.item_data, "createdAt": f.created_at})
}

/// What `PUT /favorites/{id}` may change: each field absent (`None`) or a raw JSON value.
#[derive(Debug, Default)]
pub struct FavoritePatch {
    pub category: Option<Value>,
    pub notes: Option<Value>,
    pub entity_data: Option<Value>,
}

fn text_or_null(field: &str, label: &str, v: &Value, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => items::note(Some(s), max)
            .map_err(|m| errors.push(FieldError::new(field, format!("{label} {m}"))))
            .ok()
            .flatten(),
        _ => {
            errors.push(FieldError::new(field, format!("{label} must be a string or null")));
            None
        }
    }
}

impl Accounts {
    pub async fn owner(&self, user: Uuid) -> Result<Owner, ApiError> {
        let u = self.user(user).await?;
        Ok(Owner { id: u.id, email: u.email, username: u.username })
    }

    pub fn favorite_view(f: Favorite, owner: &Owner) -> FavoriteView {
        FavoriteView {
            id: f.id,
            user_id: f.user_id,
            entity_type: items::favorite_type_label(&f.item_type),
            entity_id: f.item_id,
            entity_data: f.item_data,
            category: f.category,
            notes: f.notes,
            created_at: f.created_at,
            updated_at: f.updated_at,
            user: owner.clone(),
        }
    }

    /// Adds favourites that are not there yet; returns each item's favourite and whether it
    /// was added by this call. Each new one is also a `FAVORITED` history entry.
    pub async fn add_favorites(&self, user: Uuid, refs: Vec<ItemRef>) -> Result<Vec<(Favorite, bool)>, ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut out = Vec::new();
        for r in refs {
            let fav = Favorite {
                id: kernel::new_id(),
                user_id: user,
                item_type: r.item_type.clone(),
                item_id: r.item_id.clone(),
                item_data: r.item_data.clone(),
                category: r.category.clone(),
                notes: r.notes.clone(),
                created_at: now,
                updated_at: now,
            };
            let added = store::favorites::add(&mut tx, &fav).await?;
            if added {
                let entry = Entry {
                    id: kernel::new_id(),
                    user_id: user,
                    action_type: "FAVORITED".into(),
                    entity_type: r.item_type.clone(),
                    entity_id: r.item_id.clone(),
                    metadata: r.item_data.clone().filter(Value::is_object),
                    created_at: now,
                };
                store::history::record(&mut tx, &entry).await?;
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

    /// Adds one favourite; `409` when the item is already saved.
    pub async fn add_favorite(&self, user: Uuid, item: ItemRef) -> Result<Favorite, ApiError> {
        match self.add_favorites(user, vec![item]).await?.pop() {
            Some((f, true)) => Ok(f),
            Some((_, false)) => Err(ApiError::conflict("This item is already in your favorites")),
            None => Err(ApiError::internal()),
        }
    }

    pub async fn favorites(
        &self,
        user: Uuid,
        item_type: Option<&str>,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<Favorite>, i64), ApiError> {
        Ok(store::favorites::list(&self.db, user, item_type, limit, offset).await?)
    }

    /// For each item: the user's favourite of it, if saved.
    pub async fn check_favorites(&self, user: Uuid, refs: &[ItemRef]) -> Result<Vec<Option<Favorite>>, ApiError> {
        let mut out = Vec::with_capacity(refs.len());
        for r in refs {
            out.push(store::favorites::matching(&self.db, user, &r.item_type, &r.item_id).await?);
        }
        Ok(out)
    }

    /// One of the user's favourites: `404` when unknown, `403` when someone else's.
    pub async fn favorite(&self, user: Uuid, id: Uuid) -> Result<Favorite, ApiError> {
        let f = store::favorites::find(&self.db, id).await?.ok_or_else(|| ApiError::not_found("Favorite not found"))?;
        if f.user_id != user {
            return Err(ApiError::forbidden("Access denied"));
        }
        Ok(f)
    }

    /// Changes category, notes or item data (checked after ownership, as DreamScape does).
    pub async fn update_favorite(&self, user: Uuid, id: Uuid, patch: FavoritePatch) -> Result<Favorite, ApiError> {
        let mut f = self.favorite(user, id).await?;
        let mut errors = Vec::new();
        if let Some(v) = &patch.category {
            f.category = text_or_null("category", "Category", v, items::MAX_CATEGORY_CHARS, &mut errors);
        }
        if let Some(v) = &patch.notes {
            f.notes = text_or_null("notes", "Notes", v, items::MAX_NOTES_CHARS, &mut errors);
        }
        if let Some(v) = &patch.entity_data {
            match items::any_json(v) {
                Ok(Value::Null) => f.item_data = None,
                Ok(v) => f.item_data = Some(v),
                Err(m) => errors.push(FieldError::new("entityData", format!("Entity data {m}"))),
            }
        }
        if patch.category.is_none() && patch.notes.is_none() && patch.entity_data.is_none() {
            errors.push(FieldError::new("body", "No valid fields to update"));
        }
        if !errors.is_empty() {
            return Err(rejected(errors));
        }
        f.updated_at = self.now();
        let mut tx = self.db.begin().await?;
        store::favorites::update(&mut tx, &f).await?;
        tx.commit().await?;
        Ok(f)
    }

    /// Deletes one of the user's favourites: `404` when unknown, `403` when someone else's.
    pub async fn delete_favorite(&self, user: Uuid, id: Uuid) -> Result<(), ApiError> {
        self.favorite(user, id).await?;
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
}
