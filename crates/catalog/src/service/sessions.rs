//! Sessions of activity listings: the owner schedules them; anyone who can see the listing
//! sees them. Each addition or removal is an event, so booking knows the capacity it sells.

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde_json::json;
use uuid::Uuid;

use super::Catalog;
use crate::store::{self, sessions::Session};
use kernel::Window;

/// How far ahead sessions may be scheduled.
const HORIZON_DAYS: i64 = 2 * 366;

pub struct NewSession {
    pub starts_at: DateTime<Utc>,
    pub capacity: Option<i64>,
    pub price_per_person: Option<i64>,
}

impl Catalog {
    pub async fn add_session(&self, listing: Uuid, user: &AuthUser, s: NewSession) -> Result<Session, ApiError> {
        let l = self.owned(listing, user).await?;
        if l.kind != "activity" {
            return Err(ApiError::new(409, "not_an_activity", "Only activity listings have sessions"));
        }
        let now = self.clock.now();
        let mut errors = Vec::new();
        if s.starts_at <= now || s.starts_at > now + chrono::Duration::days(HORIZON_DAYS) {
            errors.push(FieldError::new("startsAt", "must be in the future, at most two years ahead"));
        }
        let capacity = s.capacity.or(l.activity.max_participants);
        match capacity {
            Some(c) if (1..=1000).contains(&c) => {}
            Some(_) => errors.push(FieldError::new("capacity", "must be from 1 to 1000")),
            None => errors.push(FieldError::new("capacity", "is required (or set activity.maxParticipants)")),
        }
        let price = s.price_per_person.or(l.activity.price_per_person);
        match price {
            Some(p) if (0..=100_000_000).contains(&p) => {}
            Some(_) => errors.push(FieldError::new("pricePerPerson", "must be 0 to 100000000 minor units")),
            None => errors.push(FieldError::new("pricePerPerson", "is required (or set activity.pricePerPerson)")),
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let session = Session {
            id: kernel::new_id(),
            listing_id: l.id,
            starts_at: s.starts_at,
            capacity: capacity.unwrap_or(1),
            price_per_person: price.unwrap_or(0),
            created_at: now,
        };
        let mut tx = self.db.begin().await?;
        store::sessions::insert(&mut tx, &session).await.map_err(|e| {
            if e.is_unique_violation("start") || e.is_unique_violation("starts_at") {
                ApiError::new(409, "session_exists", "A session already starts at that time")
            } else {
                e.into()
            }
        })?;
        let data = json!({"listingId": l.id, "sessionId": session.id, "startsAt": session.starts_at,
                          "capacity": session.capacity, "pricePerPerson": session.price_per_person, "currency": l.currency});
        self.emit(&mut tx, "listing.session_added", l.id, user.user_id, data).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(session)
    }

    pub async fn sessions(
        &self,
        listing: Uuid,
        viewer: Option<&AuthUser>,
        window: &Window,
    ) -> Result<Vec<Session>, ApiError> {
        let l = self.listing(listing, viewer).await?;
        let (from, to) = window.resolve(&l.timezone.parse().unwrap_or(chrono_tz::UTC), self.clock.now())?;
        Ok(store::sessions::between(&self.db, l.id, from, to).await?)
    }

    pub async fn remove_session(&self, listing: Uuid, user: &AuthUser, id: Uuid) -> Result<(), ApiError> {
        let l = self.owned(listing, user).await?;
        let mut tx = self.db.begin().await?;
        let removed = store::sessions::remove(&mut tx, l.id, id)
            .await?
            .ok_or_else(|| ApiError::not_found("Session not found"))?;
        let data = json!({"listingId": l.id, "sessionId": removed.id, "startsAt": removed.starts_at});
        self.emit(&mut tx, "listing.session_removed", l.id, user.user_id, data).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(())
    }
}
