//! `[audit]`: how long the audit log keeps its entries. Seven years by default (the usual
//! bookkeeping obligation for money records); older entries are pruned by a daily job, which
//! leaves an anchor so the rest of the chain still verifies.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Entries recorded longer ago than this many days are deleted, oldest first. 0 keeps
    /// everything forever.
    pub retention_days: u32,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self { retention_days: 2555 }
    }
}

impl AuditConfig {
    /// How long entries are kept; `None`: forever.
    pub fn retention(&self) -> Option<chrono::Duration> {
        (self.retention_days > 0).then(|| chrono::Duration::days(i64::from(self.retention_days)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_years_by_default_and_zero_keeps_forever() {
        assert_eq!(AuditConfig::default().retention(), Some(chrono::Duration::days(2555)));
        assert_eq!(AuditConfig { retention_days: 0 }.retention(), None);
    }
}
