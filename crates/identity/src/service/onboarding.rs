//! Onboarding: one questionnaire per user, answered through our six steps (`POST /progress`)
//! or DreamScape's travel-profile fields (`PUT /step`), or both. It completes once either set of
//! required steps is answered; completion publishes the traveller profile.

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::Accounts;
use crate::domain::onboarding::{self, STEPS};
use crate::domain::questionnaire::{self, KNOWN_STEPS, MAX_COMPLETED, WIZARD};
use crate::domain::user::User;
use crate::store::{self, onboarding::Onboarding};

fn not_found() -> ApiError {
    ApiError::not_found("Onboarding profile not found")
}

impl Accounts {
    /// Starts onboarding (idempotent: answers already given are kept).
    pub async fn onboarding_init(&self, user: Uuid) -> Result<Onboarding, ApiError> {
        let mut tx = self.db.begin().await?;
        store::onboarding::init(&mut tx, user, self.now()).await?;
        let state = store::onboarding::find_tx(&mut tx, user).await?.ok_or_else(ApiError::internal)?;
        tx.commit().await?;
        Ok(state)
    }

    /// DreamScape's create: 409 when onboarding already started.
    pub async fn onboarding_create(&self, user: Uuid) -> Result<Onboarding, ApiError> {
        let mut tx = self.db.begin().await?;
        if !store::onboarding::init(&mut tx, user, self.now()).await? {
            return Err(ApiError::conflict("Onboarding profile already exists"));
        }
        let state = store::onboarding::find_tx(&mut tx, user).await?.ok_or_else(ApiError::internal)?;
        tx.commit().await?;
        Ok(state)
    }

    /// The caller's questionnaire, if started.
    pub async fn onboarding(&self, user: Uuid) -> Result<Option<Onboarding>, ApiError> {
        Ok(store::onboarding::find(&self.db, user).await?)
    }

    /// The caller's questionnaire; 404 if not started.
    pub async fn onboarding_started(&self, user: Uuid) -> Result<Onboarding, ApiError> {
        self.onboarding(user).await?.ok_or_else(not_found)
    }

    /// Saves one of our steps (starting onboarding if needed).
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

    /// Saves one DreamScape step: its `data` fields, and the step as completed when asked.
    /// 404 before onboarding started (as DreamScape: create it first).
    pub async fn onboarding_answer(
        &self,
        user: Uuid,
        step: &str,
        data: &Map<String, Value>,
        mark_completed: bool,
    ) -> Result<Onboarding, ApiError> {
        let step = questionnaire::step_key(step).map_err(|m| ApiError::validation(vec![FieldError::new("step", m)]))?;
        let fields = questionnaire::validate(&step, data).map_err(|issues| {
            let listed: Vec<Value> = issues
                .iter()
                .map(|i| json!({"step": step, "field": i.field, "error": i.message, "value": i.value}))
                .collect();
            let details = issues.into_iter().map(|i| FieldError::new(format!("data.{}", i.field), i.message)).collect();
            ApiError::validation(details).with_data(json!({"validationErrors": listed}))
        })?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut state = store::onboarding::find_tx(&mut tx, user)
            .await?
            .ok_or_else(|| ApiError::not_found("Onboarding profile not found. Create profile first."))?;
        for (key, value) in fields {
            if value.is_null() {
                state.answers.remove(&key);
            } else {
                state.answers.insert(key, value);
            }
        }
        if mark_completed && !state.completed_steps.contains(&step) {
            if state.completed_steps.len() >= MAX_COMPLETED {
                return Err(ApiError::validation(vec![FieldError::new("step", "too many different steps completed")]));
            }
            state.completed_steps.push(step);
        }
        store::onboarding::save_answers(&mut tx, user, &state, now).await?;
        let state = store::onboarding::find_tx(&mut tx, user).await?.ok_or_else(ApiError::internal)?;
        tx.commit().await?;
        Ok(state)
    }

    /// Completes onboarding once DreamScape's five required steps are completed or our three
    /// required steps answered. The first completion publishes `user.onboarding_completed`.
    pub async fn onboarding_complete(&self, user: Uuid) -> Result<Onboarding, ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let state = store::onboarding::find_tx(&mut tx, user).await?.ok_or_else(not_found)?;
        let theirs: Vec<&str> =
            questionnaire::REQUIRED.into_iter().filter(|s| !state.completed_steps.iter().any(|c| c == s)).collect();
        let ours: Vec<&str> = onboarding::REQUIRED.into_iter().filter(|s| !state.steps.contains_key(*s)).collect();
        if !theirs.is_empty() && !ours.is_empty() {
            let missing = if state.completed_steps.is_empty() && !state.steps.is_empty() { ours } else { theirs };
            let details =
                missing.iter().map(|s| FieldError::new(format!("steps.{s}"), "must be answered before completing"));
            let message = format!("Cannot complete onboarding. Missing required steps: {}", missing.join(", "));
            return Err(ApiError::new(400, "onboarding_incomplete", message).with_details(details.collect()));
        }
        let first_time = state.completed_at.is_none();
        store::onboarding::complete(&mut tx, user, now).await?;
        let state = store::onboarding::find_tx(&mut tx, user).await?.ok_or_else(ApiError::internal)?;
        if first_time {
            let data = json!({"userId": user, "travelProfile": state.steps, "answers": state.answers,
                              "completedSteps": state.completed_steps});
            self.emit(&mut tx, "user.onboarding_completed", user, data).await?;
        }
        tx.commit().await?;
        self.forget_account(user).await;
        self.events.committed();
        Ok(state)
    }

    /// Deletes the questionnaire and clears the account's completion; 404 if there is none.
    pub async fn onboarding_reset(&self, user: Uuid) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        if !store::onboarding::delete(&mut tx, user, self.now()).await? {
            return Err(not_found());
        }
        tx.commit().await?;
        self.forget_account(user).await;
        Ok(())
    }
}

/// Our progress view, shared by our onboarding endpoints (and under `onboarding` in
/// DreamScape's).
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
        "requiredSteps": onboarding::REQUIRED,
        "progress": percent,
        "startedAt": state.map(|s| s.started_at),
        "completedAt": state.and_then(|s| s.completed_at),
    })
}

/// When the account completed onboarding, if it counts as completed.
fn completed_at(user: &User, state: &Onboarding) -> Option<DateTime<Utc>> {
    state.completed_at.filter(|_| user.onboarding_completed)
}

fn account_flags(user: &User, state: &Onboarding) -> Value {
    json!({"onboardingCompleted": user.onboarding_completed, "onboardingCompletedAt": completed_at(user, state)})
}

/// DreamScape's onboarding profile: its fields both flattened and under `stepData`, the account
/// flags under `user`, and our progress under `onboarding`.
pub fn profile_view(user: &User, state: &Onboarding) -> Value {
    let fields = questionnaire::with_defaults(&state.answers);
    let mut data = Map::new();
    for (key, value) in [
        ("id", json!(user.id)),
        ("userId", json!(user.id)),
        ("isCompleted", json!(state.completed_at.is_some())),
        ("completedSteps", json!(state.completed_steps)),
        ("completedAt", json!(state.completed_at)),
        ("version", json!(state.version)),
        ("createdAt", json!(state.started_at)),
        ("updatedAt", json!(state.updated_at)),
    ] {
        data.insert(key.to_owned(), value);
    }
    data.extend(fields.clone());
    data.insert("stepData".into(), Value::Object(fields));
    data.insert("user".into(), account_flags(user, state));
    data.insert("onboarding".into(), progress(Some(state)));
    Value::Object(data)
}

/// DreamScape's progress, with `currentStep` (the index, in the web client's wizard, of its
/// first step not completed) and our progress under `onboarding`.
pub fn progress_view(user: &User, state: &Onboarding) -> Value {
    let done = &state.completed_steps;
    let total = KNOWN_STEPS.len();
    let percent = (done.len() * 100 + total / 2) / total;
    let current = WIZARD.iter().position(|s| !done.iter().any(|d| d == s)).unwrap_or(WIZARD.len() - 1);
    let mut data = json!({
        "userId": user.id,
        "completedSteps": done,
        "totalSteps": total,
        "progressPercentage": percent.min(100),
        "isCompleted": user.onboarding_completed,
        "currentStep": current,
        "currentStepKey": WIZARD[current],
        "onboarding": progress(Some(state)),
    });
    if let Some(map) = data.as_object_mut() {
        if let Some(at) = completed_at(user, state) {
            map.insert("completedAt".into(), json!(at));
        }
        if let Some(next) = KNOWN_STEPS.iter().find(|s| !done.iter().any(|d| d == *s)) {
            map.insert("nextRecommendedStep".into(), json!(next));
        }
    }
    data
}

/// What `POST /complete` answers.
pub fn completion_view(user: &User, state: &Onboarding) -> Value {
    let at = state.completed_at;
    json!({
        "completedAt": at,
        "user": {"id": user.id, "onboardingCompleted": user.onboarding_completed, "onboardingCompletedAt": completed_at(user, state)},
        "profile": {"isCompleted": at.is_some(), "completedAt": at},
        "onboarding": progress(Some(state)),
    })
}
