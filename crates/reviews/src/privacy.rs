//! GDPR for reviews. The export holds the reviews a user wrote (with their private notes),
//! those written about them (published ones, as they could read them), and the flags they
//! raised. Erasure removes the author's name and private notes but keeps the reviews and
//! their ratings (the listing's aggregate does not change), and drops the user from open
//! review windows.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use platform::db::{Db, DbError, Tx};
use platform::privacy::{PersonalData, PrivacyError};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::domain::Viewer;
use crate::service::status;
use crate::store::{self, moderation, people, stays};
use crate::view;

pub struct ReviewsData {
    pub db: Db,
}

pub async fn erase(tx: &mut Tx, user: Uuid, now: DateTime<Utc>) -> Result<(), DbError> {
    people::erase(tx, user, now).await?;
    store::erase_author(tx, user, now).await?;
    moderation::erase_reporter(tx, user).await?;
    stays::erase_party(tx, user).await?;
    Ok(())
}

fn err(e: impl std::fmt::Display) -> PrivacyError {
    PrivacyError::new("reviews", e)
}

#[async_trait]
impl PersonalData for ReviewsData {
    async fn export(&self, user: Uuid) -> Result<Value, PrivacyError> {
        let all = store::of_user(&self.db, user).await.map_err(err)?;
        let written: Vec<Value> =
            all.iter().filter(|r| r.author_id == user).map(|r| view::review(r, Viewer::Author)).collect();
        let about: Vec<Value> = all
            .iter()
            .filter(|r| r.subject_id == user && r.author_id != user)
            .filter(|r| Viewer::Subject.may_read(status(r)))
            .map(|r| view::review(r, Viewer::Subject))
            .collect();
        let flags = moderation::raised_by(&self.db, user).await.map_err(err)?;
        Ok(json!({"written": written, "about": about, "flags": flags}))
    }

    async fn erase(&self, user: Uuid) -> Result<(), PrivacyError> {
        let mut tx = self.db.begin().await.map_err(err)?;
        erase(&mut tx, user, Utc::now()).await.map_err(err)?;
        tx.commit().await.map_err(err)
    }
}
