//! GDPR: consents with history and privacy-policy versions and acceptance. Data-subject
//! requests, the export and erasure are in `requests`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kernel::{ApiError, FieldError};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::Accounts;
use crate::store::{self, privacy::Acceptance, privacy::ConsentEvent, privacy::Policy, privacy::Source};

pub const PURPOSES: [&str; 4] = ["analytics", "marketing", "functional", "preferences"];

/// A purpose's value before the user ever answered: only strictly necessary (functional)
/// processing goes without consent.
fn default_consent(purpose: &str) -> bool {
    purpose == "functional"
}

/// The user's consents as DreamScape's consent record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentView {
    /// Derived from the user id: one consent record per user.
    pub id: Uuid,
    pub user_id: Uuid,
    pub analytics: bool,
    pub marketing: bool,
    pub functional: bool,
    pub preferences: bool,
    /// The last change, or `null` before any.
    pub last_updated_at: Option<DateTime<Utc>>,
    /// Same as `lastUpdatedAt` (our earlier name).
    pub updated_at: Option<DateTime<Utc>>,
    /// Where the last change came from.
    pub ip_address: Option<String>,
}

/// The consents after one change, DreamScape's consent-history entry.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsentSnapshot {
    pub id: Uuid,
    pub consent_id: Uuid,
    pub user_id: Uuid,
    pub analytics: bool,
    pub marketing: bool,
    pub functional: bool,
    pub preferences: bool,
    pub changed_at: DateTime<Utc>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// Always `null`: changes carry no reason.
    pub change_reason: Option<String>,
}

fn consent_id(user: Uuid) -> Uuid {
    store::privacy::derived_id("consent", &user.to_string())
}

/// The latest choice per purpose (defaults for purposes never answered).
pub fn current_consents(history: &[ConsentEvent]) -> BTreeMap<&'static str, bool> {
    let mut current: BTreeMap<&'static str, bool> = PURPOSES.iter().map(|p| (*p, default_consent(p))).collect();
    for e in history {
        if let Some(p) = PURPOSES.iter().find(|p| **p == e.purpose) {
            current.insert(p, e.granted);
        }
    }
    current
}

pub fn consent_view(user: Uuid, history: &[ConsentEvent]) -> ConsentView {
    let c = current_consents(history);
    let last = history.last();
    ConsentView {
        id: consent_id(user),
        user_id: user,
        analytics: c["analytics"],
        marketing: c["marketing"],
        functional: c["functional"],
        preferences: c["preferences"],
        last_updated_at: last.map(|e| e.created_at),
        updated_at: last.map(|e| e.created_at),
        ip_address: last.and_then(|e| e.ip_address.clone()),
    }
}

/// One snapshot per change (the events written together), newest first.
pub fn consent_snapshots(user: Uuid, history: &[ConsentEvent]) -> Vec<ConsentSnapshot> {
    let mut out: Vec<ConsentSnapshot> = Vec::new();
    let mut c = current_consents(&[]);
    let mut seen = 0;
    while seen < history.len() {
        let at = history[seen].created_at;
        let group = history[seen..].iter().take_while(|e| e.created_at == at).count();
        for e in &history[seen..seen + group] {
            if let Some(p) = PURPOSES.iter().find(|p| **p == e.purpose) {
                c.insert(p, e.granted);
            }
        }
        let first = &history[seen];
        out.push(ConsentSnapshot {
            id: first.id,
            consent_id: consent_id(user),
            user_id: user,
            analytics: c["analytics"],
            marketing: c["marketing"],
            functional: c["functional"],
            preferences: c["preferences"],
            changed_at: at,
            ip_address: first.ip_address.clone(),
            user_agent: first.user_agent.clone(),
            change_reason: None,
        });
        seen += group;
    }
    out.reverse();
    out
}

impl Accounts {
    pub async fn consents(&self, user: Uuid) -> Result<Vec<ConsentEvent>, ApiError> {
        Ok(store::privacy::consent_history(&self.db, user).await?)
    }

    /// Records the purposes whose answer changed; returns the full history.
    pub async fn set_consents(
        &self,
        user: Uuid,
        choices: &BTreeMap<String, bool>,
        source: &Source,
    ) -> Result<Vec<ConsentEvent>, ApiError> {
        let unknown: Vec<FieldError> = choices
            .keys()
            .filter(|k| !PURPOSES.contains(&k.as_str()))
            .map(|k| {
                FieldError::new(
                    k.chars().take(50).collect::<String>(),
                    "is not a consent purpose (analytics, marketing, functional, preferences)",
                )
            })
            .take(10)
            .collect();
        if !unknown.is_empty() {
            return Err(ApiError::validation(unknown));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = store::privacy::consent_history_tx(&mut tx, user).await?;
        let current = current_consents(&before);
        let mut changed = Vec::new();
        for (purpose, granted) in choices {
            if current.get(purpose.as_str()) != Some(granted) || !before.iter().any(|e| e.purpose == *purpose) {
                store::privacy::record_consent(&mut tx, user, purpose, *granted, source, now).await?;
                changed.push(json!({"purpose": purpose, "granted": granted}));
            }
        }
        if !changed.is_empty() {
            self.emit(&mut tx, "user.consent_changed", user, json!({"userId": user, "changes": changed})).await?;
        }
        let history = store::privacy::consent_history_tx(&mut tx, user).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(history)
    }

    pub async fn privacy_policy(&self) -> Result<Policy, ApiError> {
        store::privacy::current_policy(&self.db, self.now())
            .await?
            .ok_or_else(|| ApiError::not_found("No active privacy policy found"))
    }

    /// Every version, including future ones, latest effective first.
    pub async fn policy_versions(&self) -> Result<Vec<Policy>, ApiError> {
        Ok(store::privacy::policies(&self.db).await?)
    }

    /// The policies the user accepted, oldest first.
    pub async fn accepted_policies(&self, user: Uuid) -> Result<Vec<Acceptance>, ApiError> {
        Ok(store::privacy::acceptances(&self.db, user).await?)
    }

    /// Accepts the policy with this id (any published version). Accepting again refreshes the
    /// time and origin.
    pub async fn accept_policy(&self, user: Uuid, policy_id: &str, source: &Source) -> Result<Acceptance, ApiError> {
        let not_found = || ApiError::not_found("Policy not found");
        let id = Uuid::try_parse(policy_id.trim()).map_err(|_| not_found())?;
        let policy = self.policy_versions().await?.into_iter().find(|p| p.id == id).ok_or_else(not_found)?;
        let mut tx = self.db.begin().await?;
        store::privacy::accept_policy(&mut tx, user, &policy.version, source, self.now()).await?;
        tx.commit().await?;
        self.accepted_policies(user).await?.into_iter().find(|a| a.policy_id == id).ok_or_else(ApiError::internal)
    }

    pub async fn publish_policy(&self, admin: Uuid, policy: Policy) -> Result<Policy, ApiError> {
        let mut tx = self.db.begin().await?;
        store::privacy::insert_policy(&mut tx, &policy).await.map_err(|e| {
            if e.is_unique_violation("version") || e.is_unique_violation("privacy_policies") {
                ApiError::new(409, "version_exists", "This policy version already exists")
            } else {
                e.into()
            }
        })?;
        let data = json!({"version": policy.version, "effectiveAt": policy.effective_at, "by": admin});
        self.emit(&mut tx, "privacy_policy.published", admin, data).await?;
        tx.commit().await?;
        self.events.committed();
        Ok(policy)
    }
}
