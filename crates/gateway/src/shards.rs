//! Serving on one single-threaded runtime per core, each with its own listening socket
//! (`SO_REUSEPORT`: the kernel spreads new connections across them) and its own idle upstream
//! connections — nginx's worker model. A proxied request then lives on one thread from accept
//! to answer: no work stealing, no waking a parked worker on another core. Background work
//! (JWKS refresh, revocations from Redis) stays on the main runtime. Measurements are in
//! docs/PERFORMANCE.md, "Gateway hop".

use std::net::SocketAddr;
use std::time::Duration;

use platform::StartError;
use tokio::net::{TcpListener, TcpSocket};

use crate::{Edge, h1};

fn server_error(message: impl std::fmt::Display) -> StartError {
    StartError::Server(message.to_string())
}

/// The serving threads for `gateway.threads` (0 = one per core).
pub fn threads(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// `count` listening sockets on one address (the first decides the port when it is 0).
pub async fn bind(host: &str, port: u16, count: usize) -> Result<Vec<std::net::TcpListener>, StartError> {
    let cannot = |e: std::io::Error| server_error(format!("cannot listen on {host}:{port}: {e}"));
    let mut addr: SocketAddr = tokio::net::lookup_host((host, port))
        .await
        .map_err(cannot)?
        .next()
        .ok_or_else(|| server_error(format!("cannot listen on {host}:{port}: no address")))?;
    let mut listeners = Vec::with_capacity(count);
    for _ in 0..count.max(1) {
        let socket = if addr.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() }.map_err(cannot)?;
        socket.set_reuseaddr(true).map_err(cannot)?;
        socket.set_reuseport(true).map_err(cannot)?;
        socket.set_nodelay(true).map_err(cannot)?;
        socket.bind(addr).map_err(cannot)?;
        let listener = socket.listen(1024).map_err(cannot)?;
        addr = listener.local_addr().map_err(cannot)?;
        listeners.push(listener.into_std().map_err(cannot)?);
    }
    Ok(listeners)
}

/// Serves `edge` on each listener from its own thread until `shutdown`; each then lets its
/// in-flight requests finish for `grace`. If one thread fails, the others are stopped too.
pub async fn serve(
    edge: Edge,
    listeners: Vec<std::net::TcpListener>,
    grace: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let (stop_all, stopping) = tokio::sync::watch::channel(false);
    let (done_tx, mut done) = tokio::sync::mpsc::unbounded_channel::<Result<(), StartError>>();
    let count = listeners.len();
    for (index, listener) in listeners.into_iter().enumerate() {
        let (edge, mut stopping, done_tx) = (edge.clone(), stopping.clone(), done_tx.clone());
        let signal = async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        };
        std::thread::Builder::new()
            .name(format!("gateway-{index}"))
            .spawn(move || {
                let _ = done_tx.send(run_shard(index, edge, listener, grace, signal));
            })
            .map_err(server_error)?;
    }
    drop(done_tx);
    let outside = stop_all.clone();
    let watcher = tokio::spawn(async move {
        shutdown.await;
        let _ = outside.send(true);
    });
    let mut first_error = None;
    for _ in 0..count {
        match done.recv().await {
            Some(Ok(())) => {}
            Some(Err(error)) => {
                tracing::error!(%error, "a gateway serving thread stopped; stopping the others");
                let _ = stop_all.send(true);
                first_error.get_or_insert(error);
            }
            None => break,
        }
        // Once one has returned (shutdown or failure), the rest must follow.
        let _ = stop_all.send(true);
    }
    watcher.abort();
    first_error.map_or(Ok(()), Err)
}

fn run_shard(
    index: usize,
    edge: Edge,
    listener: std::net::TcpListener,
    grace: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(server_error)?;
    runtime.block_on(async move {
        h1::enter_shard(index);
        let listener = TcpListener::from_std(listener).map_err(server_error)?;
        crate::front::serve(edge, listener, grace, shutdown).await
    })
}
