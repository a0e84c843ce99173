//! Itineraries: a traveller's own plans — a name, optional dates and an ordered list of items
//! (flights, stays, restaurants, notes, …), each optionally pointing at a booking. Only their
//! owner sees them (anyone else gets 404). Items sit at dense positions 0..n-1 that every add,
//! move and removal renumbers in one transaction, under a lock on the itinerary's row.

mod domain;
mod store;

use kernel::ApiError;
use platform::auth::AuthUser;
use platform::db::Tx;
use serde_json::Value;
use uuid::Uuid;

pub use domain::{ItemIn, ItineraryIn, item_view, itinerary_view};
use domain::{MAX_ITEMS, MAX_ITINERARIES, apply_item, apply_itinerary};
pub use store::{Item, Itinerary};

use crate::service::Bookings;

/// An itinerary with its items in order.
#[derive(Debug, Clone)]
pub struct Detail {
    pub itinerary: Itinerary,
    pub items: Vec<Item>,
}

impl Detail {
    pub fn view(&self) -> Value {
        itinerary_view(&self.itinerary, Some(&self.items))
    }

    /// The itinerary as an RFC 5545 calendar: one event per item with a start, in order.
    pub fn ics(&self) -> String {
        let events: Vec<crate::export::ics::Event<'_>> = self
            .items
            .iter()
            .filter_map(|i| {
                let starts_at = i.starts_at?;
                let description = [i.description.clone(), i.booking_reference.as_ref().map(|r| format!("Booking {r}"))]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join("\n");
                Some(crate::export::ics::Event {
                    uid: format!("{}@sojourn", i.id),
                    summary: &i.title,
                    description,
                    location: i.location.as_deref(),
                    starts_at,
                    ends_at: i.ends_at,
                    timezone: i.timezone.as_deref(),
                    stamp: i.updated_at,
                })
            })
            .collect();
        crate::export::ics::calendar(&self.itinerary.name, &events)
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("Itinerary not found")
}

fn item_not_found() -> ApiError {
    ApiError::not_found("Itinerary item not found")
}

fn limit_reached(message: String) -> ApiError {
    ApiError::new(409, "limit_reached", message)
}

impl Bookings {
    pub async fn create_itinerary(&self, user: &AuthUser, body: &ItineraryIn) -> Result<Detail, ApiError> {
        let now = kernel::truncate_micros(self.clock.now());
        let mut i = Itinerary {
            id: kernel::new_id(),
            owner_id: user.user_id,
            name: String::new(),
            description: None,
            destination: None,
            start_date: None,
            end_date: None,
            is_public: false,
            item_count: 0,
            created_at: now,
            updated_at: now,
        };
        apply_itinerary(&mut i, body, true)?;
        let mut tx = self.db.begin().await?;
        store::lock_owner(&mut tx, user.user_id, now).await?;
        if store::count_of_owner(&mut tx, user.user_id).await? >= MAX_ITINERARIES {
            return Err(limit_reached(format!("You can keep at most {MAX_ITINERARIES} itineraries")));
        }
        store::insert(&mut tx, &i).await?;
        tx.commit().await?;
        Ok(Detail { itinerary: i, items: Vec::new() })
    }

    /// A page of the caller's itineraries, newest first, and how many they have.
    pub async fn itineraries(
        &self,
        user: &AuthUser,
        page: &kernel::PageRequest,
    ) -> Result<(Vec<Itinerary>, i64), ApiError> {
        let offset = i64::try_from(page.offset).unwrap_or(i64::MAX);
        Ok(store::of_owner(&self.db, user.user_id, i64::from(page.limit), offset).await?)
    }

    /// The caller's itinerary with its items (404 for anyone else's).
    pub async fn itinerary(&self, user: &AuthUser, id: Uuid) -> Result<Detail, ApiError> {
        let itinerary = store::find(&self.db, id, user.user_id).await?.ok_or_else(not_found)?;
        let items = store::items(&self.db, id).await?;
        Ok(Detail { itinerary, items })
    }

    pub async fn update_itinerary(&self, user: &AuthUser, id: Uuid, body: &ItineraryIn) -> Result<Detail, ApiError> {
        let mut tx = self.locked(user, id).await?;
        let mut i = store::find(&mut tx, id, user.user_id).await?.ok_or_else(not_found)?;
        apply_itinerary(&mut i, body, false)?;
        store::update(&mut tx, &i).await?;
        let items = store::items(&mut tx, id).await?;
        tx.commit().await?;
        Ok(Detail { itinerary: i, items })
    }

    pub async fn delete_itinerary(&self, user: &AuthUser, id: Uuid) -> Result<(), ApiError> {
        let mut tx = self.locked(user, id).await?;
        store::delete(&mut tx, id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds an item at `order` (clamped), or at the end.
    pub async fn add_item(&self, user: &AuthUser, id: Uuid, body: &ItemIn) -> Result<(Item, Detail), ApiError> {
        let now = kernel::truncate_micros(self.clock.now());
        let mut item = Item {
            id: kernel::new_id(),
            itinerary_id: id,
            position: 0,
            kind: String::new(),
            title: String::new(),
            description: None,
            location: None,
            starts_at: None,
            ends_at: None,
            timezone: None,
            booking_reference: None,
            reservation_id: None,
            data: None,
            created_at: now,
            updated_at: now,
        };
        apply_item(&mut item, body, true)?;
        let mut tx = self.locked(user, id).await?;
        let count = i64::try_from(store::items(&mut tx, id).await?.len()).unwrap_or(i64::MAX);
        if count >= MAX_ITEMS {
            return Err(limit_reached(format!("An itinerary holds at most {MAX_ITEMS} items")));
        }
        item.position = domain::requested_order(&body.order).map_or(count, |o| o.clamp(0, count));
        store::shift(&mut tx, id, item.position, count - 1, 1).await?;
        store::insert_item(&mut tx, &item).await?;
        let detail = commit_detail(tx, user, id).await?;
        Ok((item_in(&detail, item.id)?, detail))
    }

    /// Changes an item; a new `order` moves it there (clamped) and renumbers the others.
    pub async fn update_item(
        &self,
        user: &AuthUser,
        id: Uuid,
        item_id: Uuid,
        body: &ItemIn,
    ) -> Result<(Item, Detail), ApiError> {
        let mut tx = self.locked(user, id).await?;
        let items = store::items(&mut tx, id).await?;
        let last = i64::try_from(items.len()).unwrap_or(i64::MAX) - 1;
        let mut item = items.into_iter().find(|t| t.id == item_id).ok_or_else(item_not_found)?;
        apply_item(&mut item, body, false)?;
        item.updated_at = kernel::truncate_micros(self.clock.now());
        store::update_item(&mut tx, &item).await?;
        if let Some(order) = domain::requested_order(&body.order) {
            store::move_item(&mut tx, id, item.id, item.position, order.clamp(0, last)).await?;
        }
        let detail = commit_detail(tx, user, id).await?;
        Ok((item_in(&detail, item_id)?, detail))
    }

    /// Removes an item; the ones after it move up.
    pub async fn delete_item(&self, user: &AuthUser, id: Uuid, item_id: Uuid) -> Result<Detail, ApiError> {
        let mut tx = self.locked(user, id).await?;
        let items = store::items(&mut tx, id).await?;
        let last = i64::try_from(items.len()).unwrap_or(i64::MAX) - 1;
        let item = items.iter().find(|t| t.id == item_id).ok_or_else(item_not_found)?;
        store::delete_item(&mut tx, item.id).await?;
        store::shift(&mut tx, id, item.position + 1, last, -1).await?;
        commit_detail(tx, user, id).await
    }

    /// A transaction holding the caller's itinerary, marked changed now (404 for anyone
    /// else's).
    async fn locked(&self, user: &AuthUser, id: Uuid) -> Result<Tx, ApiError> {
        let mut tx = self.db.begin().await?;
        if !store::lock(&mut tx, id, user.user_id, kernel::truncate_micros(self.clock.now())).await? {
            return Err(not_found());
        }
        Ok(tx)
    }
}

/// Reads the itinerary back and commits.
async fn commit_detail(mut tx: Tx, user: &AuthUser, id: Uuid) -> Result<Detail, ApiError> {
    let itinerary = store::find(&mut tx, id, user.user_id).await?.ok_or_else(not_found)?;
    let items = store::items(&mut tx, id).await?;
    tx.commit().await?;
    Ok(Detail { itinerary, items })
}

fn item_in(detail: &Detail, id: Uuid) -> Result<Item, ApiError> {
    detail.items.iter().find(|t| t.id == id).cloned().ok_or_else(ApiError::internal)
}

/// A user's itineraries with their items, for their GDPR export.
pub async fn export(db: &platform::db::Db, owner: Uuid) -> Result<Vec<Value>, platform::db::DbError> {
    let (rows, _) = store::of_owner(db, owner, 10_000, 0).await?;
    let mut out = Vec::new();
    for i in &rows {
        let items = store::items(db, i.id).await?;
        out.push(itinerary_view(i, Some(&items)));
    }
    Ok(out)
}
