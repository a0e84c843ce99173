//! `sojourn search reindex`: rebuilds the search index from its owners' feeds. It leaves a
//! request in `<data_dir>/search/` and starts this process's contexts (without a public port)
//! so the search context honours it at start-up; it waits until the rebuild reports, then
//! stops. If a server already holds the index (Tantivy's lock), the request stays for that
//! server's next start.

use std::time::{Duration, Instant};

use platform::App;
use platform::config::{self, Overrides};

#[allow(clippy::print_stderr)]
pub async fn run(overrides: &Overrides, only: &[String]) -> Result<(), String> {
    let config = config::load(overrides).map_err(|e| e.to_string())?;
    platform::telemetry::init(&config.log);
    crate::contexts::check_overrides(config.contexts.keys())?;
    let contexts = crate::contexts::select(only)?;
    if !contexts.iter().any(|c| c.name() == "search") {
        return Err("--only must include search".into());
    }
    let dir = config.data_dir.join("search");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let request = dir.join(search::REINDEX_REQUEST);
    std::fs::write(&request, b"requested by sojourn search reindex\n").map_err(|e| e.to_string())?;
    let report = dir.join(search::LAST_REBUILD);
    let _ = std::fs::remove_file(&report);
    let app = match App::build(config, contexts).await {
        Ok(app) => app,
        Err(e) if e.to_string().contains("lock") || e.to_string().contains("Lock") => {
            eprintln!(
                "a running server holds the index: it reindexes at its next start \
                 (or now: POST /api/v1/admin/search/reindex as an administrator)"
            );
            return Ok(());
        }
        Err(e) => return Err(e.to_string()),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    let waiting = report.clone();
    let watcher = tokio::spawn(async move {
        while !waiting.exists() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let _ = done.send(());
    });
    app.serve(listener, async move {
        let _ = finished.await;
    })
    .await
    .map_err(|e| e.to_string())?;
    watcher.abort();
    let last: serde_json::Value = std::fs::read(&report)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("the reindex did not report")?;
    if last["ok"] != true {
        return Err(format!("the reindex failed (see the log above): {last}"));
    }
    eprintln!("search index rebuilt: {} listings in {:.1} s", last["listings"], started.elapsed().as_secs_f64());
    Ok(())
}
