//! Blocking users and reporting messages; the administrators' report queue.

use kernel::{ApiError, FieldError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Actor, Messaging, message_not_found};
use crate::store::messages;
use crate::store::moderation::{self, Report};
use crate::view::{Reader, message_view};

/// Accepted report reasons.
pub const REASONS: [&str; 6] = ["spam", "harassment", "scam", "off_platform_payment", "inappropriate", "other"];

fn report_not_found() -> ApiError {
    ApiError::new(404, "report_not_found", "Report not found")
}

impl Messaging {
    pub async fn block(&self, actor: &Actor, user: Uuid) -> Result<Value, ApiError> {
        if user == actor.user_id {
            return Err(ApiError::new(422, "cannot_block_self", "You cannot block yourself"));
        }
        let now = self.clock.now();
        moderation::block(&self.db, actor.user_id, user, now).await?;
        Ok(json!({"userId": user, "blocked": true}))
    }

    pub async fn unblock(&self, actor: &Actor, user: Uuid) -> Result<(), ApiError> {
        if moderation::unblock(&self.db, actor.user_id, user).await? {
            Ok(())
        } else {
            Err(ApiError::new(404, "block_not_found", "This user is not blocked"))
        }
    }

    pub async fn blocks(&self, actor: &Actor) -> Result<Vec<Value>, ApiError> {
        let rows = moderation::blocks(&self.db, actor.user_id).await?;
        Ok(rows.into_iter().map(|(u, at)| json!({"userId": u, "createdAt": at})).collect())
    }

    /// Reports a message of a conversation the actor takes part in; 409 when they already
    /// have an open report on it.
    pub async fn report(
        &self,
        actor: &Actor,
        id: Uuid,
        message: Uuid,
        reason: &str,
        details: Option<String>,
    ) -> Result<Value, ApiError> {
        let access = self.access(actor, id).await?;
        if access.me.is_none() {
            return Err(super::conversation_not_found());
        }
        let m = messages::find(&self.db, id, message).await?.ok_or_else(message_not_found)?;
        if !REASONS.contains(&reason) {
            return Err(ApiError::validation(vec![FieldError::new(
                "reason",
                format!("must be one of {}", REASONS.join(", ")),
            )]));
        }
        let details = details.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty());
        if details.as_ref().is_some_and(|d| d.chars().count() > 2000) {
            return Err(ApiError::validation(vec![FieldError::new("details", "must be at most 2000 characters")]));
        }
        let report = Report {
            id: kernel::new_id(),
            message_id: m.id,
            conversation_id: id,
            reporter_id: Some(actor.user_id),
            reason: reason.to_owned(),
            details,
            status: "open".into(),
            action: None,
            note: None,
            resolved_by: None,
            resolved_at: None,
            created_at: self.clock.now(),
        };
        moderation::insert_report(&self.db, &report).await.map_err(|e| {
            if e.is_unique_violation("message_reports") {
                ApiError::new(409, "already_reported", "You already reported this message")
            } else {
                e.into()
            }
        })?;
        self.report_view(&report).await
    }

    /// A report with the message it is about, as written (moderators read the original).
    pub async fn report_view(&self, r: &Report) -> Result<Value, ApiError> {
        let message = match messages::find(&self.db, r.conversation_id, r.message_id).await? {
            Some(m) => {
                let attachments = messages::attachments_of(&self.db, &[m.id]).await?;
                Some(message_view(&m, &attachments, Reader::Moderator))
            }
            None => None,
        };
        Ok(json!({"id": r.id, "messageId": r.message_id, "conversationId": r.conversation_id,
                  "reporterId": r.reporter_id, "reason": r.reason, "details": r.details, "status": r.status,
                  "action": r.action, "note": r.note, "resolvedBy": r.resolved_by, "resolvedAt": r.resolved_at,
                  "createdAt": r.created_at, "message": message}))
    }

    pub async fn reports(&self, status: &str, limit: u32, offset: u64) -> Result<(Vec<Value>, i64), ApiError> {
        let (rows, total) = moderation::reports(&self.db, status, limit, offset).await?;
        let mut views = Vec::with_capacity(rows.len());
        for r in &rows {
            views.push(self.report_view(r).await?);
        }
        Ok((views, total))
    }

    /// Resolves an open report: `dismiss`, or `remove_message` (soft-deletes the message).
    pub async fn resolve(
        &self,
        actor: &Actor,
        id: Uuid,
        action: &str,
        note: Option<String>,
    ) -> Result<Value, ApiError> {
        if !matches!(action, "dismiss" | "remove_message") {
            return Err(ApiError::validation(vec![FieldError::new("action", "must be dismiss or remove_message")]));
        }
        let report = moderation::find_report(&self.db, id).await?.ok_or_else(report_not_found)?;
        let note = note.map(|n| n.trim().chars().take(2000).collect::<String>()).filter(|n| !n.is_empty());
        let mut tx = self.db.begin().await?;
        let resolved =
            moderation::resolve(&mut tx, id, action, note.as_deref(), actor.user_id, self.clock.now()).await?;
        tx.commit().await?;
        if !resolved {
            return Err(ApiError::new(409, "report_resolved", "This report is already resolved"));
        }
        if action == "remove_message"
            && let Some(m) = messages::find(&self.db, report.conversation_id, report.message_id).await?
        {
            self.remove_message(&m).await?;
        }
        let report = moderation::find_report(&self.db, id).await?.ok_or_else(report_not_found)?;
        self.report_view(&report).await
    }
}
