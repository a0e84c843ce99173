//! Settings every instance shares (stored in `ai_ctx_settings`, read per request): the A/B test
//! between the learned and the rule-based scoring of typed recommendations, the learned
//! scorer's circuit breaker, and the accommodation scoring configuration. The A/B bucket of a
//! user is a stable hash of their id, so a user stays in one arm while the split stays.

use kernel::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

pub const AB_TEST: &str = "ab_test";
pub const CIRCUIT: &str = "circuit";
pub const ACCOMMODATIONS: &str = "accommodations_config";

/// Failures of the learned scorer in a row that open the circuit (rule-based for everyone until
/// an administrator resets it).
pub const FAILURES_TO_OPEN: u32 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AbTest {
    pub enabled: bool,
    /// Percent of users whose typed recommendations use the learned scoring.
    pub ml_split_percent: u8,
}

impl Default for AbTest {
    fn default() -> Self {
        Self { enabled: true, ml_split_percent: 50 }
    }
}

/// Which scoring a request uses; `metadata.strategy` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Learned,
    RuleBased,
    /// Learned was due but its circuit is open.
    Fallback,
}

impl Variant {
    pub fn strategy(self) -> &'static str {
        match self {
            Self::Learned => "ml_learned",
            Self::RuleBased => "rule_based",
            Self::Fallback => "rule_based_fallback",
        }
    }
}

/// FNV-1a of the id's bytes, 0–99: stable across processes and releases.
pub fn bucket(user: Uuid) -> u8 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in user.as_bytes() {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    u8::try_from(hash % 100).unwrap_or(0)
}

impl AbTest {
    pub fn variant(&self, user: Uuid, circuit_open: bool) -> Variant {
        if !self.enabled || bucket(user) >= self.ml_split_percent {
            Variant::RuleBased
        } else if circuit_open {
            Variant::Fallback
        } else {
            Variant::Learned
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Circuit {
    /// `CLOSED` (learned scoring in use) or `OPEN`.
    pub open: bool,
    pub failures: u32,
    pub last_failure: Option<String>,
    pub reset_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl Circuit {
    pub fn state(&self) -> &'static str {
        if self.open { "OPEN" } else { "CLOSED" }
    }
}

/// The weights of the accommodation scoring. `vectorization` weighs the features of an item's
/// `vector`; `scoring` the parts of its final score.
pub const VECTOR_KEYS: [&str; 4] = ["priceWeight", "ratingWeight", "amenitiesWeight", "locationWeight"];
pub const SCORING_KEYS: [&str; 5] =
    ["similarityWeight", "popularityWeight", "qualityWeight", "priceWeight", "segmentWeight"];

pub fn default_accommodation_config() -> Value {
    serde_json::json!({
        "vectorization": {"priceWeight": 1.0, "ratingWeight": 1.0, "amenitiesWeight": 0.5, "locationWeight": 0.5},
        "scoring": {"similarityWeight": 0.25, "popularityWeight": 0.1, "qualityWeight": 0.25, "priceWeight": 0.25,
                    "segmentWeight": 0.15},
    })
}

/// Applies a PATCH body (`{vectorization?, scoring?}`, each a partial object of known weights
/// 0–1) to `current`; `400` naming the field otherwise.
pub fn patch_accommodation_config(current: &Value, body: &Value) -> Result<Value, ApiError> {
    let Some(body) = body.as_object() else {
        return Err(ApiError::validation(vec![FieldError::new("body", "must be an object")]));
    };
    let mut out = current.clone();
    let mut errors = Vec::new();
    for key in body.keys().filter(|k| !["vectorization", "scoring"].contains(&k.as_str())) {
        errors.push(FieldError::new(key.clone(), "unknown field (vectorization, scoring)"));
    }
    for (section, keys) in [("vectorization", &VECTOR_KEYS[..]), ("scoring", &SCORING_KEYS[..])] {
        let Some(patch) = body.get(section) else { continue };
        let Some(patch) = patch.as_object() else {
            errors.push(FieldError::new(section, "must be an object"));
            continue;
        };
        let mut merged: Map<String, Value> = out.get(section).and_then(Value::as_object).cloned().unwrap_or_default();
        for (k, v) in patch {
            let field = format!("{section}.{k}");
            if !keys.contains(&k.as_str()) {
                errors.push(FieldError::new(field, format!("unknown weight ({})", keys.join(", "))));
            } else if let Some(n) = v.as_f64().filter(|n| (0.0..=1.0).contains(n)) {
                merged.insert(k.clone(), Value::from(n));
            } else {
                errors.push(FieldError::new(field, "must be a number from 0 to 1"));
            }
        }
        out[section] = Value::Object(merged);
    }
    if errors.is_empty() { Ok(out) } else { Err(ApiError::validation(errors)) }
}

/// A weight of the configuration (its default when missing).
pub fn weight(config: &Value, section: &str, key: &str) -> f64 {
    config
        .pointer(&format!("/{section}/{key}"))
        .and_then(Value::as_f64)
        .or_else(|| default_accommodation_config().pointer(&format!("/{section}/{key}")).and_then(Value::as_f64))
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_split_decides_by_a_stable_bucket() {
        let user = Uuid::from_u128(42);
        assert_eq!(bucket(user), bucket(user));
        let all = AbTest { enabled: true, ml_split_percent: 100 };
        let none = AbTest { enabled: true, ml_split_percent: 0 };
        assert_eq!(all.variant(user, false), Variant::Learned);
        assert_eq!(all.variant(user, true), Variant::Fallback);
        assert_eq!(none.variant(user, false), Variant::RuleBased);
        assert_eq!(AbTest { enabled: false, ..all }.variant(user, false), Variant::RuleBased);
        let learned = (0..1000u128).filter(|i| bucket(Uuid::from_u128(i * 7919)) < 30).count();
        assert!((200..400).contains(&learned), "{learned}");
    }

    #[test]
    fn config_patches_merge_known_weights_only() {
        let base = default_accommodation_config();
        let out = patch_accommodation_config(&base, &json!({"scoring": {"priceWeight": 0.9}})).unwrap();
        assert_eq!(weight(&out, "scoring", "priceWeight"), 0.9);
        assert_eq!(weight(&out, "scoring", "qualityWeight"), 0.25);
        assert!(patch_accommodation_config(&base, &json!({"scoring": {"priceWeight": 2}})).is_err());
        assert!(patch_accommodation_config(&base, &json!({"scoring": {"nope": 0.1}})).is_err());
        assert!(patch_accommodation_config(&base, &json!({"other": {}})).is_err());
        assert!(patch_accommodation_config(&base, &json!([1])).is_err());
    }
}
