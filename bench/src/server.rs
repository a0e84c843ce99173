//! The platform as a child process: the release `sojourn` binary next to this one, serving a
//! seeded data directory on a free loopback port. In its own process, its CPU time and memory
//! are the server's alone (read from `/proc/<pid>`), not mixed with the load client's, and its
//! start-up is a real one (exec, configuration, database opening, migrations check).
//!
//! CPU time is `utime + stime` from `/proc/<pid>/stat`, which the kernel sums over every thread
//! of the process, including threads that have already exited (summing `/proc/<pid>/task/*`
//! would miss those). The child never outlives the bench: [`Server`] stops it on drop, so on a
//! panic or an interrupted run too.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The `sojourn` binary built beside this executable (`cargo build --release -p bench -p sojourn`).
pub fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("own path");
    let bin = exe.parent().expect("executable directory").join("sojourn");
    assert!(bin.is_file(), "{} is missing: build it with `cargo build --release -p bench -p sojourn`", bin.display());
    bin
}

/// Clock ticks per second of `/proc` CPU times (`getconf CLK_TCK`; 100 on Linux when unknown).
fn clock_ticks() -> u64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

/// A loopback port nobody listens on at the moment of asking.
fn free_port() -> u16 {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    socket.local_addr().expect("local address").port()
}

/// The environment every child gets: quiet logs, no rate limits (the load comes from one
/// address), loopback only. Configuration inherited from the bench's own environment
/// (`DATABASE_URL`, `SOJOURN__…`) is removed, so the server runs on exactly what the bench
/// gives it.
fn quiet(command: &mut Command) -> &mut Command {
    let conventional = ["DATABASE_URL", "REDIS_URL", "NATS_URL", "PORT", "SOJOURN_DATA_DIR"];
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with("SOJOURN__") || conventional.contains(&name.as_ref()) {
            command.env_remove(&key);
        }
    }
    command
        .env("SOJOURN__RATE_LIMIT__ENABLED", "false")
        .env("SOJOURN__LOG__LEVEL", "warn")
        .env("SOJOURN__SERVER__HOST", "127.0.0.1")
        .env("SOJOURN__SERVER__SHUTDOWN_GRACE_SECS", "5")
        .stdin(Stdio::null())
}

/// `sojourn ARGS…` as a one-shot command (`seed`, `search reindex`), in the bench's quiet
/// environment; its output once it exits.
pub fn command(args: &[&std::ffi::OsStr]) -> std::process::Output {
    quiet(&mut Command::new(binary())).args(args).output().expect("run sojourn")
}

/// `sojourn admin create-user --role admin`: the operator's way to make the first administrator.
pub fn create_admin(data_dir: &Path, email: &str, password: &str) {
    let out = quiet(&mut Command::new(binary()))
        .args(["admin", "create-user", "--role", "admin", "--email", email, "--data-dir"])
        .arg(data_dir)
        .env("SOJOURN_ADMIN_PASSWORD", password)
        .output()
        .expect("run sojourn admin create-user");
    assert!(out.status.success(), "sojourn admin create-user failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// The child's counters at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub at: Instant,
    /// User + system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    pub rss_kib: u64,
    /// Peak resident memory so far.
    pub hwm_kib: u64,
}

/// What the server spent between two [`Usage`] readings.
#[derive(Debug, Clone, Copy)]
pub struct Spent {
    pub cpu_s: f64,
    pub wall_s: f64,
    pub rss_mib: f64,
    pub hwm_mib: f64,
}

impl Spent {
    /// Server CPU per request, in microseconds.
    pub fn us_per(&self, requests: usize) -> f64 {
        self.cpu_s * 1e6 / requests.max(1) as f64
    }
}

pub const CPU_HEADER: &str = "| scenario | requests | server CPU s | server CPU µs per request | server cores busy | server RSS MiB after |\n|---|---:|---:|---:|---:|---:|";

impl Spent {
    pub fn row(&self, name: &str, requests: usize) -> String {
        format!(
            "| {name} | {requests} | {:.2} | {:.0} | {:.2} | {:.0} |",
            self.cpu_s,
            self.us_per(requests),
            self.cpu_s / self.wall_s.max(1e-9),
            self.rss_mib
        )
    }
}

/// Any process's CPU time and memory from `/proc/<pid>` (a server we started, or a peer
/// implementation given by its pid).
#[derive(Debug, Clone, Copy)]
pub struct Watched {
    pub pid: u32,
    ticks_per_s: f64,
}

impl Watched {
    pub fn new(pid: u32) -> Self {
        Watched { pid, ticks_per_s: clock_ticks() as f64 }
    }

    pub fn usage(&self) -> Usage {
        let at = Instant::now();
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // Fields after the command name (which may hold spaces, hence the last ')'): state is
        // field 3, utime 14 and stime 15 (proc(5)).
        let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
        let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let kib = |key: &str| {
            status
                .lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
                .unwrap_or(0)
        };
        Usage { at, cpu_ticks: field(14) + field(15), rss_kib: kib("VmRSS:"), hwm_kib: kib("VmHWM:") }
    }

    /// What the process spent since `before`.
    pub fn since(&self, before: Usage) -> Spent {
        let now = self.usage();
        Spent {
            cpu_s: now.cpu_ticks.saturating_sub(before.cpu_ticks) as f64 / self.ticks_per_s,
            wall_s: now.at.duration_since(before.at).as_secs_f64(),
            rss_mib: now.rss_kib as f64 / 1024.0,
            hwm_mib: now.hwm_kib as f64 / 1024.0,
        }
    }
}

/// A running `sojourn serve`; stopped (SIGTERM, then SIGKILL if it lingers) when dropped.
pub struct Server {
    child: Option<Child>,
    pid: u32,
    ticks_per_s: f64,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    log: PathBuf,
    /// From spawn to the first 200 of `/health/ready`.
    pub cold_start: Duration,
}

impl Server {
    /// Starts `sojourn serve` on `data_dir` and waits until `/health/ready` answers 200
    /// (polled every 10 ms); its output goes to `log`.
    pub async fn start(data_dir: &Path, log: &Path) -> Server {
        Self::start_with(data_dir, log, &[], &[]).await
    }

    /// [`Server::start`] with more arguments to `serve` (`--only …`) and more environment
    /// (configuration such as `SOJOURN__DATABASE__URL`).
    pub async fn start_with(data_dir: &Path, log: &Path, args: &[&str], env: &[(&str, String)]) -> Server {
        Self::start_patient(data_dir, log, args, env, Duration::from_secs(30)).await
    }

    /// [`Server::start_with`], waiting up to `patience` for readiness (a large data directory
    /// may take longer to open).
    pub async fn start_patient(
        data_dir: &Path,
        log: &Path,
        args: &[&str],
        env: &[(&str, String)],
        patience: Duration,
    ) -> Server {
        let port = free_port();
        let out = std::fs::File::create(log).expect("server log file");
        let started = Instant::now();
        let child = quiet(&mut Command::new(binary()))
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--port", &port.to_string()])
            .args(args)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(out.try_clone().expect("log handle"))
            .stderr(out)
            .spawn()
            .expect("spawn sojourn serve");
        let mut server = Server {
            pid: child.id(),
            child: Some(child),
            ticks_per_s: clock_ticks() as f64,
            base: format!("http://127.0.0.1:{port}"),
            log: log.to_path_buf(),
            cold_start: Duration::ZERO,
        };
        let client = reqwest::Client::new();
        let ready = format!("{}/health/ready", server.base);
        loop {
            if client.get(&ready).send().await.is_ok_and(|r| r.status() == 200) {
                break;
            }
            let exited = server.child.as_mut().and_then(|c| c.try_wait().ok().flatten());
            if exited.is_some() || started.elapsed() > patience {
                panic!("sojourn serve not ready ({exited:?}); its log:\n{}", server.log_text());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        server.cold_start = started.elapsed();
        server
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The server's process, for [`Watched::usage`] and [`Watched::since`].
    pub fn watched(&self) -> Watched {
        Watched { pid: self.pid, ticks_per_s: self.ticks_per_s }
    }

    pub fn usage(&self) -> Usage {
        self.watched().usage()
    }

    /// What the server spent since `before`.
    pub fn since(&self, before: Usage) -> Spent {
        self.watched().since(before)
    }

    /// SIGTERM, then waits for the exit (SIGKILL after 15 s); the time it took and how it ended.
    pub fn stop(&mut self) -> Option<(Duration, ExitStatus)> {
        let mut child = self.child.take()?;
        let asked = Instant::now();
        let _ = Command::new("kill").args(["-TERM", &self.pid.to_string()]).status();
        while asked.elapsed() < Duration::from_secs(15) {
            if let Ok(Some(status)) = child.try_wait() {
                return Some((asked.elapsed(), status));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        eprintln!("sojourn serve ignored SIGTERM for 15 s; killing it. Its log:\n{}", self.log_text());
        let _ = child.kill();
        child.wait().ok().map(|status| (asked.elapsed(), status))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
