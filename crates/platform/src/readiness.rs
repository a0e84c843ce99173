//! Readiness beyond "the dependencies answer": a context whose serving depends on state of its
//! own (a search index still warming from its owner's feeds, or lagging behind the events)
//! registers a probe here when it mounts. `/health/ready` runs every probe with the platform's
//! own checks, shows its detail, and is `503` while one says not ok — so a load balancer keeps
//! traffic off an instance that would answer from stale or empty state.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use serde_json::Value;

/// What a probe found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProbeResult {
    /// Whether this instance should get traffic.
    pub ok: bool,
    /// Shown as the check's `detail` (e.g. `{documents, lagSeconds, warming}`).
    pub detail: Option<Value>,
    /// Why not ok, shown as the check's `error`.
    pub error: Option<String>,
}

impl ProbeResult {
    pub fn ready(detail: Option<Value>) -> Self {
        Self { ok: true, detail, error: None }
    }

    pub fn not_ready(error: impl Into<String>, detail: Option<Value>) -> Self {
        Self { ok: false, detail, error: Some(error.into()) }
    }
}

/// A context's own readiness condition. Keep it cheap: it runs on every readiness poll (every
/// few seconds per instance) and fails when it takes longer than the platform's check timeout.
#[async_trait]
pub trait ReadinessProbe: Send + Sync + 'static {
    async fn probe(&self) -> ProbeResult;
}

/// The probes the contexts of this process registered, by check name.
#[derive(Default)]
pub struct Readiness {
    probes: RwLock<BTreeMap<String, Arc<dyn ReadinessProbe>>>,
}

impl std::fmt::Debug for Readiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readiness").field("probes", &self.names()).finish()
    }
}

impl Readiness {
    /// Adds the check `name` (by convention `<context>:<what>`, e.g. `search:index`); a second
    /// registration under the same name replaces the first.
    pub fn register(&self, name: impl Into<String>, probe: Arc<dyn ReadinessProbe>) {
        self.probes.write().unwrap_or_else(std::sync::PoisonError::into_inner).insert(name.into(), probe);
    }

    /// The registered check names, in order.
    pub fn names(&self) -> Vec<String> {
        self.probes.read().unwrap_or_else(std::sync::PoisonError::into_inner).keys().cloned().collect()
    }

    /// The probes, in name order (cloned out, so none runs under the lock).
    pub(crate) fn probes(&self) -> Vec<(String, Arc<dyn ReadinessProbe>)> {
        let probes = self.probes.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        probes.iter().map(|(name, probe)| (name.clone(), probe.clone())).collect()
    }
}
