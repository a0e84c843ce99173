//! GDPR for tracking. The export holds the user's tracked events (what they looked at,
//! searched and clicked while signed in) and their analytics consent as insights knows it.
//! Erasure makes their tracked events anonymous (`user_id` NULL: the counts stay) and drops
//! the consent row; the events of anonymous visitors were never linked to anyone.

use async_trait::async_trait;
use platform::db::Db;
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::store;

pub struct TrackingData {
    pub db: Db,
}

fn err(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("insights", e)
}

#[async_trait]
impl PersonalData for TrackingData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let tracked = store::of_user(&self.db, user).await.map_err(err)?;
        let consent = store::consent(&self.db, user)
            .await
            .map_err(err)?
            .map(|(granted, at)| json!({"analytics": granted, "updatedAt": at}));
        Ok(json!({"trackedEvents": tracked, "consent": consent}))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(err)?;
        store::erase(&mut tx, user).await.map_err(err)?;
        tx.commit().await.map_err(err)
    }
}
