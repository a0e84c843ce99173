//! `search:index` in `/health/ready`: how many listings the index holds, how far its commits
//! lag, whether its first build still runs. A warming index does not fail readiness — the
//! issue's promise is that a rebuild never holds a process out of traffic for more than a few
//! seconds; searches answer `503 search_warming_up` meanwhile — but a writer stuck for longer
//! than [`MAX_LAG_SECONDS`] does: that instance would answer from an index going stale.

use async_trait::async_trait;
use platform::readiness::{ProbeResult, ReadinessProbe};
use serde_json::json;

use crate::http::State;

/// Longest wait of an uncommitted change before the instance is reported not ready.
pub const MAX_LAG_SECONDS: f64 = 30.0;

pub struct IndexProbe(pub State);

#[async_trait]
impl ReadinessProbe for IndexProbe {
    async fn probe(&self) -> ProbeResult {
        let status = crate::http::status_of(&self.0);
        let detail = Some(json!({
            "documents": status.documents,
            "lagSeconds": status.lag_seconds,
            "warming": !status.serving,
            "rebuilding": status.rebuilding,
        }));
        if status.lag_seconds > MAX_LAG_SECONDS {
            return ProbeResult::not_ready(
                format!("index commits lag {:.0} s behind the events", status.lag_seconds),
                detail,
            );
        }
        ProbeResult::ready(detail)
    }
}
