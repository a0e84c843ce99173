//! `cargo run --release -p bench -- auth|booking|browse|hot|travel|all [--seconds N]` (`bench/run.sh` runs `all`;
//! `bench/run.sh travel` the travel benchmark)
//! and `bench realtime [--sockets N] [--rate N] [--seconds N]` (`bench/run.sh realtime`), and
//! `bench search [--listings N] [--data-dir DIR] [--seconds N] [--connections N] [--updates N]
//! [--probes N] [--burst N] [--rate N]` (`bench/run.sh search`), and `bench notifications [--notices N]
//! [--readers N] [--seconds N]` (`bench/run.sh notifications`), and `bench insights [--listings N]
//! [--users N] [--days N] [--per-day N] [--seconds N] [--connections N] [--data-dir DIR]`
//! (`bench/run.sh insights`), and `bench peer [--seconds N] [--connections N] [--users N]
//! [--peer-url URL] [--peer-spec FILE] [--peer-pid PID]` (`bench/run.sh peer`: Sojourn beside
//! another booking system), and `bench trace [--seconds N] [--rounds N]` (`bench/run.sh trace`).
//!
//! Benchmarks run on loopback, bounded in time, and print every throughput next to a limit
//! measured in the same run on the same machine (a minimal axum JSON endpoint), because
//! absolute numbers on shared 2-core machines mean little; ratios do. Correctness checks run
//! after the load (no night sold twice, a balanced ledger); a failed one makes the exit status
//! non-zero, so a fast but wrong run cannot pass for a good one.
#![allow(clippy::print_stdout, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod auth;
mod booking;
mod browse;
mod checks;
mod flows;
mod insights_bench;
mod insights_report;
mod insights_seed;
mod load;
mod notify;
mod notify_report;
mod peer;
mod peer_spec;
mod realtime;
mod rt_client;
mod rt_echo;
mod search;
mod search_bench;
mod search_mix;
mod search_report;
mod search_writes;
mod server;
mod smtp_sink;
mod trace_bench;
mod travel;

/// Runs the benchmarks named by `what`; false when a correctness check failed.
async fn bench(what: &str, seconds: u64) -> bool {
    match what {
        "auth" => {
            auth::run(seconds).await;
            true
        }
        "booking" => booking::run(seconds).await,
        // Boxed: the browse scenario's future is large (clippy::large_futures).
        "browse" => Box::pin(browse::run(seconds)).await,
        // The hot public reads with their cache on and off (issue 32); not part of `all`.
        "hot" => {
            Box::pin(browse::hot(seconds)).await;
            true
        }
        "travel" => travel::run(seconds).await,
        _ => {
            let browsed = Box::pin(browse::run(seconds)).await;
            auth::run(seconds).await;
            booking::run(seconds).await && browsed
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn interrupted() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).unwrap();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// The allocator `sojourn` ships with: the seeder and the limits' endpoints run inside this
/// process (the scenarios' server is its own process), and glibc's malloc once took about 9 %
/// of a booking run's samples here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The number after `name` in `args`, or `default`.
fn flag(args: &[String], name: &str, default: u64) -> u64 {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds = args
        .iter()
        .position(|a| a == "--seconds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(5);
    let what = args.first().map_or("", String::as_str);
    if what == "echo-server" {
        // The realtime benchmark's limit, as its own process (see rt_echo).
        rt_echo::serve().await;
        return;
    }
    if what == "realtime" {
        let flag = |name: &str, default: u64| flag(&args, name, default);
        let options = realtime::Options {
            sockets: flag("--sockets", 10_000) as usize,
            rate: flag("--rate", 1_000),
            seconds: flag("--seconds", 20),
        };
        let code = tokio::select! {
            ok = realtime::run(options) => if ok { 0 } else { 1 },
            () = interrupted() => 130,
        };
        std::process::exit(code);
    }
    if what == "search" {
        let flag = |name: &str, default: u64| flag(&args, name, default);
        let data_dir = args.iter().position(|a| a == "--data-dir").and_then(|i| args.get(i + 1)).map(Into::into);
        let options = search_bench::Options {
            listings: flag("--listings", 100_000) as usize,
            seconds: flag("--seconds", 20),
            connections: flag("--connections", 8) as usize,
            update_rate: flag("--updates", 50),
            data_dir,
            probes: flag("--probes", 50) as usize,
            burst: flag("--burst", 2_000) as usize,
            rate: flag("--rate", 0) as f64,
        };
        let code = tokio::select! {
            ok = search_bench::run(options) => if ok { 0 } else { 1 },
            () = interrupted() => 130,
        };
        std::process::exit(code);
    }
    if what == "insights" {
        let flag = |name: &str, default: u64| flag(&args, name, default);
        let data_dir = args.iter().position(|a| a == "--data-dir").and_then(|i| args.get(i + 1)).map(Into::into);
        let options = insights_bench::Options {
            listings: flag("--listings", 100_000) as usize,
            users: flag("--users", 5_000) as usize,
            days: flag("--days", 365).max(2),
            per_day: flag("--per-day", 1_500) as usize,
            seconds: flag("--seconds", 10),
            connections: flag("--connections", 4).max(1) as usize,
            data_dir,
        };
        // Boxed: the run's future is large (clippy::large_futures).
        let code = tokio::select! {
            ok = Box::pin(insights_bench::run(options)) => if ok { 0 } else { 1 },
            () = interrupted() => 130,
        };
        std::process::exit(code);
    }
    if what == "peer" {
        let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
        let options = peer::Options {
            seconds: flag(&args, "--seconds", 10),
            connections: flag(&args, "--connections", 16).max(1) as usize,
            users: flag(&args, "--users", 8).max(1) as usize,
            peer_spec: value("--peer-spec"),
            peer_url: value("--peer-url"),
            peer_pid: value("--peer-pid").and_then(|p| p.parse().ok()),
        };
        let code = tokio::select! {
            ok = Box::pin(peer::run(options)) => if ok { 0 } else { 1 },
            () = interrupted() => 130,
        };
        std::process::exit(code);
    }
    if what == "trace" {
        // Issue 32: the same load with tracing off and on, interleaved.
        let code = tokio::select! {
            ok = trace_bench::run(flag(&args, "--seconds", 10), flag(&args, "--rounds", 3) as usize) => if ok { 0 } else { 1 },
            () = interrupted() => 130,
        };
        std::process::exit(code);
    }
    if what == "notifications" {
        let flag = |name: &str, default: u64| flag(&args, name, default);
        let options = notify::Options {
            notices: flag("--notices", 10_000) as usize,
            readers: flag("--readers", 200).max(1) as usize,
            seconds: flag("--seconds", 10),
        };
        let code = tokio::select! {
            ok = notify::run(options) => if ok { 0 } else { 1 },
            () = interrupted() => 130,
        };
        std::process::exit(code);
    }
    if !["auth", "booking", "browse", "hot", "travel", "all"].contains(&what) {
        eprintln!(
            "usage: bench auth|booking|browse|hot|travel|all [--seconds N] | bench realtime [--sockets N] [--rate N] [--seconds N] \
             | bench search [--listings N] [--data-dir DIR] [--seconds N] [--connections N] [--updates N] \
             | bench notifications [--notices N] [--readers N] [--seconds N] \
             | bench peer [--seconds N] [--connections N] [--users N] [--peer-url URL] [--peer-spec FILE] [--peer-pid PID] \
             | bench trace [--seconds N] [--rounds N] \
             | bench insights [--listings N] [--users N] [--days N] [--per-day N] [--seconds N] [--connections N] [--data-dir DIR]"
        );
        std::process::exit(2);
    }
    // On an interruption the benchmark future is dropped before exiting, so the server child
    // process it started is stopped (see `server::Server`'s Drop).
    let code = tokio::select! {
        ok = bench(what, seconds) => if ok { 0 } else { 1 },
        () = interrupted() => 130,
    };
    if code == 1 {
        eprintln!("bench: a correctness check FAILED (see above)");
    }
    std::process::exit(code);
}
