//! GDPR for the analysis part. What it keeps about a person: the trip-purpose inputs of the
//! reservations they made as a guest, and the perceptual hashes of photos they analysed for
//! their listings. Review scores are about listings and keep no author. The export lists
//! both; erasure (and `user.deleted`) deletes both.

use async_trait::async_trait;
use platform::db::Db;
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::store;

pub struct AnalysisData {
    pub db: Db,
}

fn err(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("ai.analysis", e)
}

#[async_trait]
impl PersonalData for AnalysisData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let trips = store::trips_of_guest(&self.db, user).await.map_err(err)?;
        let photos = store::host_photos(&self.db, user).await.map_err(err)?;
        Ok(json!({
            "tripPurposeInputs": trips.into_iter().map(|(id, inputs)| json!({"reservationId": id, "inputs": inputs.0}))
                .collect::<Vec<_>>(),
            "analysedPhotos": photos.into_iter()
                .map(|p| json!({"id": p.id, "listingId": p.listing_id, "hash": p.hash, "analysedAt": p.created_at}))
                .collect::<Vec<_>>(),
        }))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(err)?;
        store::erase(&mut tx, user).await.map_err(err)?;
        tx.commit().await.map_err(err)
    }
}
