//! A restaurant's staff: its owner invites people to work its order queue with a one-time code
//! (only its digest is stored; valid 7 days), lists and removes them. A staff member sees and
//! moves the listing's orders, nothing else of the listing.

use chrono::Duration;
use kernel::{ApiError, FieldError};
use platform::auth::AuthUser;
use serde_json::{Value, json};
use uuid::Uuid;

use super::store;
use crate::service::Bookings;

const INVITATION_DAYS: i64 = 7;

fn digest(code: &str) -> String {
    let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, code.trim().as_bytes());
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

impl Bookings {
    /// The listing if `user` owns it (or administers); 404 otherwise, as for others' drafts.
    pub(crate) async fn owned_restaurant(
        &self,
        user: &AuthUser,
        listing: Uuid,
    ) -> Result<crate::store::ListingModel, ApiError> {
        let l = self.visible_listing(listing, Some(user)).await?;
        if l.owner_id != user.user_id && !user.is_admin() {
            return Err(ApiError::new(
                403,
                "forbidden",
                "Only the listing's owner can manage its staff and orders settings",
            ));
        }
        if l.kind != "restaurant" {
            return Err(ApiError::new(409, "not_a_restaurant", "Only restaurants take orders"));
        }
        Ok(l)
    }

    /// A new invitation: `{code, expiresAt}` (the code is shown once).
    pub async fn invite_staff(&self, user: &AuthUser, listing: Uuid) -> Result<Value, ApiError> {
        self.owned_restaurant(user, listing).await?;
        let mut bytes = [0u8; 18];
        getrandom::fill(&mut bytes).map_err(|_| ApiError::internal())?;
        let code: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let now = self.clock.now();
        let expires_at = now + Duration::days(INVITATION_DAYS);
        let mut tx = self.db.begin().await?;
        store::invite(&mut tx, &digest(&code), listing, user.user_id, expires_at, now).await?;
        tx.commit().await?;
        Ok(json!({"code": code, "listingId": listing, "role": "staff", "expiresAt": expires_at}))
    }

    /// Joins the staff the code was made for.
    pub async fn join_staff(&self, user: &AuthUser, code: Option<&str>) -> Result<Value, ApiError> {
        let code = code
            .map(str::trim)
            .filter(|c| !c.is_empty() && c.len() <= 100)
            .ok_or_else(|| ApiError::validation(vec![FieldError::new("code", "is required: the invitation's code")]))?;
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let listing = store::redeem(&mut tx, &digest(code), user.user_id, now).await?.ok_or_else(|| {
            ApiError::new(404, "invitation_not_found", "This invitation does not exist, was used or expired")
        })?;
        tx.commit().await?;
        Ok(json!({"listingId": listing, "userId": user.user_id, "role": "staff"}))
    }

    pub async fn list_staff(&self, user: &AuthUser, listing: Uuid) -> Result<Vec<Value>, ApiError> {
        self.owned_restaurant(user, listing).await?;
        Ok(store::staff(&self.db, listing)
            .await?
            .into_iter()
            .map(|(user, role, at)| json!({"userId": user, "role": role, "addedAt": at}))
            .collect())
    }

    pub async fn remove_staff(&self, user: &AuthUser, listing: Uuid, member: Uuid) -> Result<(), ApiError> {
        self.owned_restaurant(user, listing).await?;
        let mut tx = self.db.begin().await?;
        if !store::remove_staff(&mut tx, listing, member).await? {
            return Err(ApiError::new(404, "staff_not_found", "This user is not on the staff"));
        }
        tx.commit().await?;
        Ok(())
    }
}
