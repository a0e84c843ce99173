//! The platform's wiring: every context database gets the queue's table, a context registers
//! its handlers at mount through `env.jobs`, and the worker is started for it — only for a
//! context that registered one.

use std::sync::Arc;
use std::time::Duration;

use platform::config::Config;
use platform::db::Migration;
use platform::jobs::{JobSpec, JobState};
use platform::{App, Context, ContextEnv, Mounted, StartError};
use serde_json::json;
use utoipa::openapi::OpenApi;

use super::*;

/// A context whose only business is to register `probe` for `kind` (when given).
struct Worked {
    name: &'static str,
    kind: Option<(&'static str, Arc<Probe>)>,
}

#[async_trait]
impl Context for Worked {
    fn name(&self) -> &'static str {
        self.name
    }

    fn migrations(&self) -> &'static [Migration] {
        &[]
    }

    fn openapi(&self) -> OpenApi {
        OpenApi::default()
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        if let Some((kind, probe)) = &self.kind {
            env.jobs.register(kind, probe.clone());
        }
        Ok(Mounted { router: utoipa_axum::router::OpenApiRouter::new(), subscriptions: Vec::new() })
    }
}

#[tokio::test]
async fn a_context_registers_at_mount_and_the_platform_runs_its_worker() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
    config.events.relay_enabled = false;
    config.jobs.concurrency = 2;
    if let Some(url) = postgres_url() {
        let unique = kernel::new_id().simple().to_string();
        config.database.url = Some(url);
        config.database.schema_prefix = format!("t{}_", &unique[unique.len() - 12..]);
        config.database.max_connections = 5;
    }
    let probe = Probe::ok();
    let contexts: Vec<Arc<dyn Context>> = vec![
        Arc::new(Worked { name: "media", kind: Some(("variants", probe.clone())) }),
        Arc::new(Worked { name: "quiet", kind: None }),
    ];
    let app = App::build(config, contexts).await.unwrap();
    let platform = app.platform.clone();

    let media = platform.jobs("media").unwrap();
    let id = media.submit(JobSpec::new("variants", json!({ "photo": 1 }))).await.unwrap();
    assert_eq!(media.wait(id, Duration::from_secs(10)).await.unwrap(), Some(JobState::Done));
    assert_eq!(probe.runs_of(id), 1);

    // The other context's database has the table too, but no worker runs there.
    let quiet = platform.jobs("quiet").unwrap();
    let waiting = quiet.submit(JobSpec::new("variants", json!({}))).await.unwrap();
    a_poll().await;
    assert_eq!(quiet.state(waiting).await.unwrap(), Some(JobState::Pending));
    assert_eq!(probe.runs().len(), 1);

    platform.background.stop(Duration::from_secs(5)).await;
    for db in platform.dbs() {
        db.close().await;
    }
}
