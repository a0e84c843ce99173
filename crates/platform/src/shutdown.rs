//! A broadcast "stop" signal shared by the server and background tasks.

use std::sync::Arc;

use tokio::sync::watch;

/// Waits for the stop signal. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Stop(watch::Receiver<bool>);

/// Fires the stop signal.
#[derive(Clone, Debug)]
pub struct StopHandle(Arc<watch::Sender<bool>>);

pub fn stop_pair() -> (StopHandle, Stop) {
    let (tx, rx) = watch::channel(false);
    (StopHandle(Arc::new(tx)), Stop(rx))
}

impl StopHandle {
    pub fn stop(&self) {
        // Ignored error: no receiver left means nobody is waiting.
        let _ = self.0.send(true);
    }
}

impl Stop {
    pub async fn wait(&self) {
        let mut rx = self.0.clone();
        // An error means the sender is gone, which also means stop.
        let _ = rx.wait_for(|stopped| *stopped).await;
    }
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
pub async fn os_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received, shutting down"),
        () = term => tracing::info!("SIGTERM received, shutting down"),
    }
}

/// A context's long-running background work (a delivery worker): started at mount with the
/// process's stop signal, and awaited on shutdown before the databases close, so work in hand
/// (a message being sent) finishes and is recorded rather than cut off and repeated.
#[derive(Debug)]
pub struct Background {
    stop: Stop,
    handle: StopHandle,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Default for Background {
    fn default() -> Self {
        let (handle, stop) = stop_pair();
        Self { stop, handle, tasks: std::sync::Mutex::default() }
    }
}

impl Background {
    /// Runs `work(stop)`; it should return soon after `stop` fires.
    pub fn spawn<F, Fut>(&self, work: F)
    where
        F: FnOnce(Stop) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let task = tokio::spawn(work(self.stop.clone()));
        if let Ok(mut tasks) = self.tasks.lock() {
            tasks.retain(|t| !t.is_finished());
            tasks.push(task);
        }
    }

    /// Fires the stop signal and waits up to `grace` for every task to finish.
    pub async fn stop(&self, grace: std::time::Duration) {
        self.handle.stop();
        let tasks: Vec<_> = self.tasks.lock().map(|mut t| std::mem::take(&mut *t)).unwrap_or_default();
        let _ = tokio::time::timeout(grace, futures_util::future::join_all(tasks)).await;
    }
}
