//! `/metrics` of the job queues: runs per context, kind and outcome, and unfinished jobs per
//! context and kind as each worker last counted them. One instance per process, shared by
//! every context's queue, so each metric family is written once.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, PoisonError};

use crate::metrics::{MetricsSource, escape};

#[derive(Debug, Default)]
pub struct JobMetrics {
    /// (context, kind, outcome) → runs. Outcomes: done, retried, failed, lost.
    outcomes: Mutex<BTreeMap<(String, String, &'static str), u64>>,
    /// context → kind → unfinished jobs.
    pending: Mutex<BTreeMap<String, BTreeMap<String, i64>>>,
}

impl JobMetrics {
    pub(super) fn count(&self, context: &str, kind: &str, outcome: &'static str) {
        let mut map = self.outcomes.lock().unwrap_or_else(PoisonError::into_inner);
        *map.entry((context.to_owned(), kind.to_owned(), outcome)).or_default() += 1;
    }

    /// Replaces the counts of `context` (kinds without jobs appear as 0).
    pub(super) fn set_pending(&self, context: &str, by_kind: BTreeMap<String, i64>) {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner).insert(context.to_owned(), by_kind);
    }

    /// Runs of `kind` in `context` that ended in `outcome` so far.
    pub fn get(&self, context: &str, kind: &str, outcome: &'static str) -> u64 {
        let map = self.outcomes.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&(context.to_owned(), kind.to_owned(), outcome)).copied().unwrap_or(0)
    }
}

impl MetricsSource for JobMetrics {
    fn render(&self, out: &mut String) {
        out.push_str("# HELP sojourn_jobs_total Job runs by context, kind and outcome.\n");
        out.push_str("# TYPE sojourn_jobs_total counter\n");
        for ((context, kind, outcome), n) in self.outcomes.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            let _ = writeln!(
                out,
                "sojourn_jobs_total{{context=\"{}\",kind=\"{}\",outcome=\"{outcome}\"}} {n}",
                escape(context),
                escape(kind)
            );
        }
        out.push_str("# HELP sojourn_jobs_pending Jobs not finished yet (waiting or running), by context and kind.\n");
        out.push_str("# TYPE sojourn_jobs_pending gauge\n");
        for (context, kinds) in self.pending.lock().unwrap_or_else(PoisonError::into_inner).iter() {
            for (kind, n) in kinds {
                let _ = writeln!(
                    out,
                    "sojourn_jobs_pending{{context=\"{}\",kind=\"{}\"}} {n}",
                    escape(context),
                    escape(kind)
                );
            }
        }
    }
}
