//! `/metrics` counters of the delivery worker: attempts per channel and outcome, and the queue
//! depth per channel as the worker last saw it.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct DeliveryMetrics {
    /// (channel, outcome) → attempts. Outcomes: sent, retried, failed, cancelled.
    outcomes: Mutex<BTreeMap<(String, &'static str), u64>>,
    pending: Mutex<BTreeMap<String, i64>>,
}

impl DeliveryMetrics {
    pub fn count(&self, channel: &str, outcome: &'static str) {
        if let Ok(mut map) = self.outcomes.lock() {
            *map.entry((channel.to_owned(), outcome)).or_default() += 1;
        }
    }

    pub fn set_pending(&self, by_channel: Vec<(String, i64)>) {
        if let Ok(mut pending) = self.pending.lock() {
            pending.clear();
            pending.extend(by_channel);
        }
    }

    /// Attempts of `channel` that ended in `outcome` so far.
    pub fn get(&self, channel: &str, outcome: &'static str) -> u64 {
        self.outcomes.lock().ok().and_then(|m| m.get(&(channel.to_owned(), outcome)).copied()).unwrap_or(0)
    }
}

impl platform::metrics::MetricsSource for DeliveryMetrics {
    fn render(&self, out: &mut String) {
        out.push_str("# HELP sojourn_notification_deliveries_total Delivery attempts by channel and outcome.\n");
        out.push_str("# TYPE sojourn_notification_deliveries_total counter\n");
        if let Ok(map) = self.outcomes.lock() {
            for ((channel, outcome), n) in map.iter() {
                let _ = writeln!(
                    out,
                    "sojourn_notification_deliveries_total{{channel=\"{}\",outcome=\"{outcome}\"}} {n}",
                    platform::metrics::escape(channel)
                );
            }
        }
        out.push_str("# HELP sojourn_notification_deliveries_pending Deliveries waiting to be sent, by channel.\n");
        out.push_str("# TYPE sojourn_notification_deliveries_pending gauge\n");
        if let Ok(pending) = self.pending.lock() {
            for channel in ["email", "sms", "push"] {
                let n = pending.get(channel).copied().unwrap_or(0);
                let _ = writeln!(out, "sojourn_notification_deliveries_pending{{channel=\"{channel}\"}} {n}");
            }
        }
    }
}
