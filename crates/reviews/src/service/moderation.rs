//! Moderation: anyone who can read a review may flag it with a reason; administrators work a
//! queue and hide or restore reviews with a reason (the author is told, the listing's
//! aggregate changes), or dismiss the flags.

use kernel::{ApiError, FieldError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Actor, FLAGS_PER_HOUR, Reviews, event, review_not_found, viewer};
use crate::domain::draft::{DETAILS_MAX, FLAG_REASONS, REASON_MAX, text};
use crate::domain::{self, Viewer};
use crate::store::moderation::{self, Flag, Queue};
use crate::store::{self, stays};
use crate::view;

/// What a moderator may do.
const ACTIONS: [&str; 3] = ["hide", "restore", "dismiss"];

impl Reviews {
    /// Flags a review the actor can read (not their own), once per review and reporter.
    pub async fn flag(
        &self,
        actor: &Actor,
        id: Uuid,
        reason: Option<&Value>,
        details: Option<&Value>,
    ) -> Result<Flag, ApiError> {
        let review = self.readable(Some(actor), id).await?;
        if viewer(Some(actor), &review) == Viewer::Author {
            return Err(ApiError::new(422, "cannot_flag_own", "You cannot flag your own review"));
        }
        let mut errors = Vec::new();
        let reason = match reason.and_then(Value::as_str).map(str::trim) {
            Some(r) if FLAG_REASONS.contains(&r) => r.to_owned(),
            _ => {
                errors.push(FieldError::new("reason", format!("must be one of: {}", FLAG_REASONS.join(", "))));
                String::new()
            }
        };
        let details = text(details, "details", DETAILS_MAX, &mut errors);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        self.limits.check(&format!("reviews:flags:{}", actor.user_id), FLAGS_PER_HOUR).await?;
        let f = Flag {
            id: kernel::new_id(),
            review_id: id,
            reporter_id: actor.user_id,
            reason,
            details,
            created_at: self.clock.now(),
            resolved_at: None,
            resolution: None,
        };
        let mut tx = self.db.begin().await?;
        moderation::flag(&mut tx, &f).await.map_err(|e| {
            if e.is_unique_violation("review_flags_once") || e.is_unique_violation("review_flags.review_id") {
                ApiError::new(409, "already_flagged", "You have already flagged this review")
            } else {
                e.into()
            }
        })?;
        tx.commit().await?;
        Ok(f)
    }

    /// The moderators' queue: flagged reviews (most flags first) or hidden ones.
    pub async fn queue(
        &self,
        actor: &Actor,
        which: Queue,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<Value>, u64), ApiError> {
        let (page, total) = moderation::queue(&self.db, which, limit, offset).await?;
        let mut items = Vec::with_capacity(page.len());
        for (id, open) in page {
            let Some(review) = store::find(&self.db, id).await? else { continue };
            let flags = moderation::flags_of(&self.db, id).await?;
            let mut v = view::review(&review, viewer(Some(actor), &review));
            if let Some(map) = v.as_object_mut() {
                map.insert("openFlags".into(), json!(open));
                map.insert("flags".into(), json!(flags));
            }
            items.push(v);
        }
        Ok((items, total))
    }

    /// Hides or restores a review (`reason` required, told to the author), or dismisses its
    /// open flags. Returns the review as administrators read it.
    pub async fn moderate(
        &self,
        actor: &Actor,
        id: Uuid,
        action: &str,
        reason: Option<&Value>,
    ) -> Result<Value, ApiError> {
        let mut errors = Vec::new();
        if !ACTIONS.contains(&action) {
            errors.push(FieldError::new("action", "must be hide, restore or dismiss"));
        }
        let reason = text(reason, "reason", REASON_MAX, &mut errors);
        if reason.is_none() && !errors.iter().any(|e| e.field == "reason") {
            errors.push(FieldError::new("reason", "is required"));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let reason = reason.unwrap_or_default();
        let review = store::find(&self.db, id).await?.ok_or_else(review_not_found)?;
        let title = stays::find(&self.db, review.reservation_id).await?.and_then(|s| s.listing_title);
        let now = self.clock.now();
        let mut tx = self.db.begin().await?;
        let changed = match action {
            "hide" => store::set_hidden(&mut tx, id, Some(&reason), now).await?,
            "restore" => store::set_hidden(&mut tx, id, None, now).await?,
            _ => true,
        };
        if !changed {
            let (code, msg) = if action == "hide" {
                ("already_hidden", "This review is already hidden")
            } else {
                ("not_hidden", "This review is not hidden")
            };
            return Err(ApiError::new(409, code, msg));
        }
        moderation::resolve_flags(&mut tx, id, action, now).await?;
        moderation::log(&mut tx, id, actor.user_id, action, &reason, now).await?;
        if action != "dismiss" {
            let data = json!({"reviewId": id, "listingId": review.listing_id, "listingTitle": title,
                "authorId": review.author_id, "action": if action == "hide" { "hidden" } else { "restored" }, "reason": reason});
            platform::events::enqueue(&mut tx, &event("review.moderated", id, Some(actor.user_id), now, data)).await?;
            if review.published_at.is_some() && review.author_role == domain::GUEST {
                self.refresh_summary(&mut tx, review.listing_id).await?;
            }
        }
        tx.commit().await?;
        self.events.committed();
        self.get(Some(actor), id).await
    }
}
