//! This context's part of GDPR exports and erasure: the provider profile (contact details,
//! name) and the listings a user offers. Erasure anonymises the provider and takes the
//! listings offline; the listing rows stay, as bookings and payments refer to them. Once that
//! commits, their cached public answers (and the provider's profile) are forgotten, so an
//! erased host's listings and name are not served from the hot cache.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use kernel::{Clock, EventEnvelope};
use platform::db::{Db, DbError, Tx, query};
use platform::events::{EventHandler, HandlerError};
use platform::hot::HotCache;
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{store, view};

pub struct CatalogData {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub cache: HotCache,
}

fn fail(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("catalog", e)
}

#[async_trait]
impl PersonalData for CatalogData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let provider = store::providers::of_user(&self.db, user).await.map_err(fail)?;
        let (listings, _) = store::listings::list_owned(&self.db, user, 10_000, 0).await.map_err(fail)?;
        let listings: Vec<Value> = listings.iter().map(view::listing).collect();
        Ok(json!({ "provider": provider, "listings": listings }))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(fail)?;
        erase(&mut tx, user, self.clock.now()).await.map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        forget_listings_of(&self.db, &self.cache, user).await;
        Ok(())
    }
}

/// Anonymises the provider and takes the user's listings offline (idempotent).
pub async fn erase(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    query(
        "UPDATE providers SET display_name = 'Former provider', contact_email = NULL, contact_phone = NULL, \
         payout_account_ref = NULL, updated_at = $1 WHERE user_id = $2",
    )
    .bind(now)
    .bind(user)
    .execute(&mut *tx)
    .await?;
    query(
        "UPDATE listings SET status = 'unpublished', version = version + 1, updated_at = $1 \
         WHERE owner_id = $2 AND status = 'published'",
    )
    .bind(now)
    .bind(user)
    .execute(tx)
    .await?;
    Ok(())
}

/// Forgets the cached answers about every listing `user` offers and their provider profile
/// (after an erasure committed).
async fn forget_listings_of(db: &Db, cache: &HotCache, user: Uuid) {
    if !cache.enabled() {
        return;
    }
    if let Ok(Some(provider)) = store::providers::of_user(db, user).await {
        cache.forget(&crate::service::cached::provider_group(provider.id)).await;
    }
    match store::listings::list_owned(db, user, 10_000, 0).await {
        Ok((listings, _)) => {
            for l in listings {
                crate::service::cached::forget(cache, l.id).await;
            }
        }
        Err(error) => tracing::warn!(%error, "cannot list an erased user's listings to forget their cache entries"),
    }
}

/// Erases on `user.deleted` too, so the erasure happens wherever this context runs and is
/// retried by the event's delivery if the synchronous call failed.
pub struct ErasureOnDelete {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub cache: HotCache,
}

#[async_trait]
impl EventHandler for ErasureOnDelete {
    async fn handle(&self, tx: &mut Tx, event: &EventEnvelope) -> Result<(), HandlerError> {
        if let Ok(user) = event.aggregate_id.parse::<Uuid>() {
            erase(tx, user, self.clock.now()).await?;
        }
        Ok(())
    }

    async fn after_commit(&self, event: &EventEnvelope) {
        if let Ok(user) = event.aggregate_id.parse::<Uuid>() {
            forget_listings_of(&self.db, &self.cache, user).await;
        }
    }
}
