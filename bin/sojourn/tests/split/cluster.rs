//! A split deployment on this machine: each role is the real `sojourn` binary in its own
//! process and port, on one fresh PostgreSQL database (a schema per context), NATS JetStream
//! (a stream and subject prefix of its own) and Redis (a key prefix of its own).

use std::collections::BTreeMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sojourn");
pub const INTERNAL_KEY: &str = "split-test-internal-key-0123456789abcdef";

/// The engines the split deployment needs; `None` (outside CI) when one is not configured.
pub struct Engines {
    pub postgres: String,
    pub nats: String,
    pub redis: String,
}

impl Engines {
    /// Runs in the PostgreSQL pass of the suites (`SOJOURN_TEST_POSTGRES_URL`); there, CI must
    /// also provide NATS and Redis.
    pub fn from_env() -> Option<Self> {
        let get = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let postgres = get("SOJOURN_TEST_POSTGRES_URL")?;
        match (get("SOJOURN_TEST_NATS_URL"), get("SOJOURN_TEST_REDIS_URL")) {
            (Some(nats), Some(redis)) => Some(Self { postgres, nats, redis }),
            missing => {
                assert!(
                    std::env::var("CI").as_deref() != Ok("true"),
                    "CI needs SOJOURN_TEST_NATS_URL and SOJOURN_TEST_REDIS_URL: {missing:?}"
                );
                eprintln!("split deployment test skipped: NATS or Redis is not configured");
                None
            }
        }
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One role of the deployment: the command that starts it, and the running process.
pub struct Role {
    pub name: String,
    pub port: u16,
    env: BTreeMap<String, String>,
    args: Vec<String>,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

impl Role {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn start(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("log.txt")).unwrap();
        let mut cmd = Command::new(BIN);
        for (key, _) in std::env::vars() {
            if key.starts_with("SOJOURN") || ["DATABASE_URL", "REDIS_URL", "NATS_URL", "PORT"].contains(&key.as_str()) {
                cmd.env_remove(key);
            }
        }
        cmd.args(&self.args).envs(&self.env).stdout(Stdio::null()).stderr(log);
        self.child = Some(cmd.spawn().unwrap());
    }

    /// SIGKILL: no graceful shutdown, as when a machine dies.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log.txt")).unwrap_or_default()
    }

    pub async fn wait_ready(&mut self, client: &reqwest::Client) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let url = format!("{}/health/ready", self.base());
        loop {
            if let Ok(r) = client.get(&url).send().await
                && r.status() == 200
            {
                return;
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("{} exited with {status}:\n{}", self.name, self.logs());
            }
            assert!(Instant::now() < deadline, "{} never became ready:\n{}", self.name, self.logs());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Role {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Settings every role shares, unique to this run.
pub struct Shared {
    pub env: BTreeMap<String, String>,
    database: String,
    admin_url: String,
}

impl Shared {
    pub async fn create(engines: &Engines) -> Self {
        let run = &kernel::new_id().simple().to_string()[20..];
        let database = format!("sojourn_split_{run}");
        psql(&engines.postgres, &format!("CREATE DATABASE \"{database}\""));
        let mut env = BTreeMap::new();
        for (k, v) in [
            ("DATABASE_URL", testkit::postgres_url_with_database(&engines.postgres, &database)),
            ("NATS_URL", engines.nats.clone()),
            ("REDIS_URL", engines.redis.clone()),
            ("SOJOURN__EVENTS__NATS_STREAM", format!("SPLIT_{}", run.to_uppercase())),
            ("SOJOURN__EVENTS__NATS_SUBJECT_PREFIX", format!("split{run}.events")),
            ("SOJOURN__REDIS__KEY_PREFIX", format!("split{run}:")),
            ("SOJOURN__SECRETS__INTERNAL_API_KEY", INTERNAL_KEY.to_owned()),
            ("SOJOURN__LOG__FORMAT", "json".to_owned()),
            ("SOJOURN__LOG__LEVEL", "info,sqlx=warn".to_owned()),
            ("SOJOURN__SERVER__HOST", "127.0.0.1".to_owned()),
            ("SOJOURN__EVENTS__POLL_INTERVAL_MS", "200".to_owned()),
            ("SOJOURN__AUTH__PASSWORD_HASH__MEMORY_KIB", "1024".to_owned()),
            ("SOJOURN__AUTH__PASSWORD_HASH__ITERATIONS", "1".to_owned()),
        ] {
            env.insert(k.to_owned(), v);
        }
        Self { env, database, admin_url: engines.postgres.clone() }
    }

    /// Identity started and ready, with the URL of its signing keys (what the other roles set
    /// as `SOJOURN__AUTH__JWKS_URL`).
    pub async fn identity(&self, client: &reqwest::Client) -> (Role, String) {
        let mut identity = self.role("identity", &[]);
        identity.start();
        identity.wait_ready(client).await;
        let jwks = format!("{}/.well-known/jwks.json", identity.base());
        (identity, jwks)
    }

    /// A role running `only` (contexts, or `gateway`) on a port of its own.
    pub fn role(&self, only: &str, extra: &[(&str, String)]) -> Role {
        self.role_on(free_port(), only, extra)
    }

    /// [`Shared::role`] on `port` (known before the role exists, for roles that name each other).
    pub fn role_on(&self, port: u16, only: &str, extra: &[(&str, String)]) -> Role {
        let dir = tempfile::tempdir().unwrap();
        let mut env = self.env.clone();
        for (k, v) in extra {
            env.insert((*k).to_owned(), v.clone());
        }
        let args = ["serve", "--only", only, "--port", &port.to_string(), "--data-dir"]
            .iter()
            .map(|s| (*s).to_owned())
            .chain([dir.path().display().to_string()])
            .collect();
        Role { name: only.to_owned(), port, env, args, dir, child: None }
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        psql(&self.admin_url, &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.database));
    }
}

fn psql(url: &str, sql: &str) {
    let status = Command::new("psql").args(["-X", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql]).status().unwrap();
    assert!(status.success(), "psql failed: {sql}");
}
