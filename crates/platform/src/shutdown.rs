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
