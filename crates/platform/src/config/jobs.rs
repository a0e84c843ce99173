//! `[jobs]`: the worker of each context's durable job queue (see [`crate::jobs`]) — how many
//! jobs it runs at once, and how long a taken job is held before another worker may take it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Jobs one worker (one per context database) runs at once. Default: the number of CPUs.
    pub concurrency: usize,
    /// How long a taken job is held (renewed while it runs): after a crash, the job runs
    /// again once this has passed.
    pub lease_secs: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        Self { concurrency: cpus.max(1), lease_secs: 300 }
    }
}

pub(super) fn validate(config: &JobsConfig) -> Result<(), super::ConfigError> {
    if !(1..=1024).contains(&config.concurrency) {
        return Err(super::ConfigError::key("jobs.concurrency", "must be between 1 and 1024"));
    }
    if !(10..=86_400).contains(&config.lease_secs) {
        return Err(super::ConfigError::key("jobs.lease_secs", "must be between 10 and 86400"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bounds_are_checked() {
        let config = JobsConfig::default();
        assert!(config.concurrency >= 1);
        assert_eq!(config.lease_secs, 300);
        assert!(validate(&config).is_ok());
        let zero = JobsConfig { concurrency: 0, ..JobsConfig::default() };
        assert!(validate(&zero).is_err_and(|e| e.to_string().contains("jobs.concurrency")));
        let short = JobsConfig { lease_secs: 5, ..JobsConfig::default() };
        assert!(validate(&short).is_err_and(|e| e.to_string().contains("jobs.lease_secs")));
    }
}
