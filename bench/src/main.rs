//! `cargo run --release -p bench -- auth|booking|browse|all [--seconds N]` (`bench/run.sh` runs `all`)
//!
//! Benchmarks run on loopback, bounded in time, and print every throughput next to a limit
//! measured in the same run on the same machine (a minimal axum JSON endpoint), because
//! absolute numbers on shared 2-core machines mean little; ratios do.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod booking;
mod browse;
mod flows;
mod load;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(5);
    match args.first().map(String::as_str) {
        Some("auth") => auth::run(seconds).await,
        Some("booking") => booking::run(seconds).await,
        Some("browse") => browse::run(seconds).await,
        Some("all") => {
            browse::run(seconds).await;
            auth::run(seconds).await;
            booking::run(seconds).await;
        }
        _ => {
            eprintln!("usage: bench auth|booking|browse|all [--seconds N]");
            std::process::exit(2);
        }
    }
}
