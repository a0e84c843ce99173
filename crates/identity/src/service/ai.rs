//! What the user service tells recommendation engines (DreamScape's `/api/v1/ai` endpoints of
//! the user service): a user's AI-preferences document, many at once, and how much onboarding
//! data there is.

use kernel::ApiError;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Accounts;
use crate::domain::preferences::{self, Source};
use crate::domain::user::Status;
use crate::store;

/// At most this many users per batch request.
pub const BATCH_MAX: usize = 100;

impl Accounts {
    /// The AI-preferences document of `id`, or `None` for an unknown or deleted account.
    async fn preferences_document(&self, id: Uuid) -> Result<Option<Value>, ApiError> {
        let Some(user) = store::users::find(&self.db, id).await?.filter(|u| u.status != Status::Deleted) else {
            return Ok(None);
        };
        let state = store::onboarding::find(&self.db, id).await?;
        let empty = Map::new();
        let source = Source {
            user_id: user.id,
            completed: user.onboarding_completed,
            completed_at: state.as_ref().and_then(|s| s.completed_at).filter(|_| user.onboarding_completed),
            updated_at: state.as_ref().map_or(user.updated_at, |s| s.updated_at),
            answers: state.as_ref().map_or(&empty, |s| &s.answers),
            steps: state.as_ref().map_or(&empty, |s| &s.steps),
            completed_steps: state.as_ref().map_or(&[], |s| s.completed_steps.as_slice()),
            version: state.as_ref().map_or(0, |s| s.version),
        };
        Ok(Some(preferences::document(&source)))
    }

    /// 404 `User not found` for an unknown id (a malformed id is unknown too).
    pub async fn ai_preferences(&self, id: &str) -> Result<Value, ApiError> {
        let not_found = || ApiError::not_found("User not found");
        let id = Uuid::parse_str(id.trim()).map_err(|_| not_found())?;
        self.preferences_document(id).await?.ok_or_else(not_found)
    }

    /// The documents of `ids` (1–100), with which were not found.
    pub async fn ai_preferences_batch(&self, ids: &[String]) -> Result<Value, ApiError> {
        let refuse = |message: &str| {
            ApiError::new(400, "validation_failed", message)
                .with_details(vec![kernel::FieldError::new("userIds", message)])
        };
        if ids.is_empty() {
            return Err(refuse("User IDs array is required"));
        }
        if ids.len() > BATCH_MAX {
            return Err(refuse("Maximum 100 users per batch request"));
        }
        if ids.iter().any(|id| id.len() > 100) {
            return Err(refuse("User IDs must be at most 100 characters"));
        }
        let mut users = Vec::new();
        let mut not_found = Vec::new();
        for raw in ids {
            let doc = match Uuid::parse_str(raw.trim()) {
                Ok(id) => self.preferences_document(id).await?,
                Err(_) => None,
            };
            match doc {
                Some(doc) => users.push(doc),
                None => not_found.push(raw.clone()),
            }
        }
        Ok(json!({
            "users": users,
            "meta": {"requested": ids.len(), "found": ids.len() - not_found.len(), "notFound": not_found},
        }))
    }

    /// Counts of accounts and onboarding, and a verdict: `overall` is `healthy` when at least
    /// half the accounts have started onboarding (else `warning`); `dataQuality` is `good` when
    /// at least 70 % of started questionnaires are completed. `requestsLast24h` counts the
    /// questionnaires changed in the last 24 hours.
    pub async fn ai_health(&self) -> Result<Value, ApiError> {
        let now = self.now();
        let s = store::onboarding::stats(&self.db, now - chrono::Duration::hours(24)).await?;
        let rate = |part: i64, whole: i64| if whole > 0 { (part * 100 + whole / 2) / whole } else { 0 };
        let completion = rate(s.profiles_completed, s.profiles);
        let availability = rate(s.profiles, s.users);
        Ok(json!({
            "totalUsers": s.users,
            "onboardingStats": {
                "usersWithCompletedOnboarding": s.users_completed,
                "usersWithOnboardingProfile": s.profiles,
                "profilesCompleted": s.profiles_completed,
                "completionRate": completion,
            },
            "aiIntegration": {"requestsLast24h": s.updated_since, "dataAvailabilityRate": availability, "lastUpdated": now},
            "healthStatus": {
                "overall": if availability >= 50 { "healthy" } else { "warning" },
                "dataQuality": if completion >= 70 { "good" } else { "needs_improvement" },
                "apiAvailability": "operational",
            },
        }))
    }
}
