//! Onboarding: start, answer steps in any order (answers can be revised), complete once the
//! required steps are answered. Completion publishes the traveller profile.

use kernel::{ApiError, FieldError};
use serde_json::{Value, json};
use uuid::Uuid;

use super::Accounts;
use crate::domain::onboarding::{self, REQUIRED, STEPS};
use crate::store::{self, onboarding::Onboarding};

impl Accounts {
    pub async fn onboarding_init(&self, user: Uuid) -> Result<Onboarding, ApiError> {
        let mut tx = self.db.begin().await?;
        store::onboarding::init(&mut tx, user, self.now()).await?;
        let state = store::onboarding::find_tx(&mut tx, user).await?.ok_or_else(ApiError::internal)?;
        tx.commit().await?;
        Ok(state)
    }

    /// The caller's progress; onboarding that never started reads as empty.
    pub async fn onboarding(&self, user: Uuid) -> Result<Option<Onboarding>, ApiError> {
        Ok(store::onboarding::find(&self.db, user).await?)
    }

    pub async fn onboarding_step(&self, user: Uuid, step: &str, data: &Value) -> Result<Onboarding, ApiError> {
        let answers = onboarding::validate(step, data).map_err(ApiError::validation)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::onboarding::init(&mut tx, user, now).await?;
        let mut state = store::onboarding::find_tx(&mut tx, user).await?.ok_or_else(ApiError::internal)?;
        state.steps.insert(step.to_owned(), answers);
        store::onboarding::save_steps(&mut tx, user, &state.steps, now).await?;
        let state = store::onboarding::find_tx(&mut tx, user).await?.ok_or_else(ApiError::internal)?;
        tx.commit().await?;
        Ok(state)
    }

    pub async fn onboarding_complete(&self, user: Uuid) -> Result<Onboarding, ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let state = store::onboarding::find_tx(&mut tx, user).await?;
        let answered = |s: &str| state.as_ref().is_some_and(|o| o.steps.contains_key(s));
        let missing: Vec<FieldError> = REQUIRED
            .iter()
            .filter(|s| !answered(s))
            .map(|s| FieldError::new(format!("steps.{s}"), "must be answered before completing"))
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::new(422, "onboarding_incomplete", "Some required steps are not answered yet")
                .with_details(missing));
        }
        let first_time = state.as_ref().is_some_and(|o| o.completed_at.is_none());
        store::onboarding::complete(&mut tx, user, now).await?;
        let state = store::onboarding::find_tx(&mut tx, user).await?.ok_or_else(ApiError::internal)?;
        if first_time {
            let data = json!({"userId": user, "travelProfile": state.steps});
            self.emit(&mut tx, "user.onboarding_completed", user, data).await?;
        }
        tx.commit().await?;
        self.events.committed();
        Ok(state)
    }
}

/// The progress view shared by every onboarding endpoint.
pub fn progress(state: Option<&Onboarding>) -> Value {
    let steps = state.map(|s| Value::Object(s.steps.clone())).unwrap_or_else(|| json!({}));
    let done: Vec<&str> = STEPS.iter().copied().filter(|s| steps.get(s).is_some()).collect();
    let remaining: Vec<&str> = STEPS.iter().copied().filter(|s| steps.get(s).is_none()).collect();
    let percent = done.len() * 100 / STEPS.len();
    json!({
        "started": state.is_some(),
        "isCompleted": state.is_some_and(|s| s.completed_at.is_some()),
        "steps": steps,
        "completedSteps": done,
        "remainingSteps": remaining,
        "currentStep": remaining.first(),
        "requiredSteps": REQUIRED,
        "progress": percent,
        "startedAt": state.map(|s| s.started_at),
        "completedAt": state.and_then(|s| s.completed_at),
    })
}
