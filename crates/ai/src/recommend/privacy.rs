//! GDPR for the recommender: the export holds the user's onboarding profile as ai read it,
//! their signals, vector and segments and stored recommendations; erasure deletes them all
//! (also on `user.deleted`).

use async_trait::async_trait;
use chrono::{Duration, Utc};
use platform::db::{Db, query};
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{events, store, views};
use crate::profile;

pub struct RecommendData {
    pub db: Db,
}

fn err(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("ai", e)
}

#[async_trait]
impl PersonalData for RecommendData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let profile = profile::load(&self.db, user).await.map_err(err)?;
        let signals: Vec<(String, String, String)> = query(
            "SELECT item_kind, item_id, action FROM ai_interactions WHERE user_id = $1 ORDER BY at DESC LIMIT 10000",
        )
        .bind(user)
        .fetch_all(&self.db)
        .await
        .map_err(err)?;
        let vector = store::vector(&self.db, user).await.map_err(err)?;
        let far = Utc::now() + Duration::days(36_500);
        let recs = store::all_of(&self.db, Some(user), chrono::DateTime::<Utc>::UNIX_EPOCH, far).await.map_err(err)?;
        Ok(json!({
            "profile": profile,
            "interactions": signals.iter().map(|(k, i, a)| json!({"itemKind": k, "itemId": i, "action": a})).collect::<Vec<_>>(),
            "vector": vector.map(|v| json!({"vector": v.vector, "segments": v.segments, "primarySegment": v.primary_segment})),
            "recommendations": recs.iter().map(|r| views::rec(r, None)).collect::<Vec<_>>(),
        }))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(err)?;
        events::erase(&mut tx, user).await.map_err(err)?;
        tx.commit().await.map_err(err)
    }
}
