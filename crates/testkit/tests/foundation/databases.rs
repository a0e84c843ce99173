//! Each context may own its database (`contexts.<name>.database_url`), PostgreSQL cancels runaway
//! statements, and readiness follows the database: 503 while it is gone, 200 once it is back.
//! The SQLite case runs everywhere; the rest needs `SOJOURN_TEST_POSTGRES_URL`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::config::ContextConfig;
use platform::db::{DbError, query};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use testkit::{json, postgres_url, spawn_with};

/// A fresh database on the test server, dropped when the guard goes.
struct OwnDatabase {
    server: String,
    name: String,
    url: String,
}

impl OwnDatabase {
    async fn create(server: &str) -> Self {
        let name = format!("sojourn_own_{}", &kernel::new_id().simple().to_string()[20..]);
        let mut admin = PgConnection::connect(server).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\""))).execute(&mut admin).await.unwrap();
        let url = testkit::postgres_url_with_database(server, &name);
        Self { server: server.to_owned(), url, name }
    }

    async fn admin(&self, sql: String) {
        let mut admin = PgConnection::connect(&self.server).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await.unwrap();
    }

    /// Refuses new connections and ends the open ones: the database is gone for its clients.
    async fn take_away(&self) {
        self.admin(format!("ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS false", self.name)).await;
        self.admin(format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}' AND pid <> pg_backend_pid()",
            self.name
        ))
        .await;
    }

    async fn bring_back(&self) {
        self.admin(format!("ALTER DATABASE \"{}\" WITH ALLOW_CONNECTIONS true", self.name)).await;
    }

    async fn drop(self) {
        self.admin(format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name)).await;
    }
}

fn own(url: &str) -> ContextConfig {
    ContextConfig { database_url: Some(url.to_owned()), max_connections: Some(3), instance: None }
}

async fn schemas_in(url: &str) -> Vec<String> {
    let mut conn = PgConnection::connect(url).await.unwrap();
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT schema_name::text FROM information_schema.schemata").fetch_all(&mut conn).await.unwrap();
    rows.into_iter().map(|(s,)| s).collect()
}

#[tokio::test]
async fn a_context_with_its_own_sqlite_directory_keeps_its_file_there() {
    let elsewhere = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", elsewhere.path().display());
    if postgres_url().is_some() {
        return; // the PostgreSQL variant below covers this run
    }
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| {
        c.contexts.insert("probe".into(), own(&url));
    })
    .await;
    let (status, body) = json(app.post_json("/api/v1/probes", &json!({"name": "moved"})).await).await;
    assert_eq!(status, 201, "{body}");
    assert!(elsewhere.path().join("probe.db").exists());
    let data_dir = app.data_dir.as_ref().unwrap().path().to_path_buf();
    assert!(!data_dir.join("probe.db").exists(), "the shared data directory must not hold it");
}

#[tokio::test]
async fn a_context_can_own_its_postgres_database() {
    let Some(server) = postgres_url() else { return };
    let db = OwnDatabase::create(&server).await;
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| {
        c.contexts.insert("probe".into(), own(&db.url));
    })
    .await;
    let prefix = app.platform.config.database.schema_prefix.clone();
    let (status, body) = json(app.post_json("/api/v1/probes", &json!({"name": "owned"})).await).await;
    assert_eq!(status, 201, "{body}");
    let schema = format!("{prefix}probe");
    assert!(schemas_in(&db.url).await.contains(&schema), "schema {schema} should live in {}", db.name);
    assert!(!schemas_in(&server).await.contains(&schema), "and not in the shared database");
    app.shutdown().await.unwrap();
    db.drop().await;
}

#[tokio::test]
async fn postgres_cancels_a_statement_past_the_timeout() {
    let Some(_) = postgres_url() else { return };
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| c.database.statement_timeout_ms = 200).await;
    let db = app.platform.db("probe").unwrap();
    let mut tx = db.begin().await.unwrap();
    let started = Instant::now();
    let err = query("SELECT pg_sleep(5)").execute(&mut tx).await.unwrap_err();
    assert!(matches!(err, DbError::Timeout(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "cancelled at the timeout, took {:?}", started.elapsed());
}

async fn ready(app: &testkit::TestApp) -> (u16, Value) {
    json(app.get("/health/ready").await).await
}

#[tokio::test]
async fn readiness_fails_while_the_database_is_gone_and_recovers_when_it_returns() {
    let Some(server) = postgres_url() else { return };
    let db = OwnDatabase::create(&server).await;
    let app = spawn_with(vec![Arc::new(testkit::probe::Probe)], |c| {
        c.contexts.insert("probe".into(), own(&db.url));
        c.database.acquire_timeout_ms = 500;
    })
    .await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, 200, "{body}");

    db.take_away().await;
    let (status, body) = ready(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready");
    // Requests that need the database get a 503 envelope, not a 500.
    let (status, body) = json(app.post_json("/api/v1/probes", &json!({"name": "while-gone"})).await).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["success"], false, "{body}");

    db.bring_back().await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = ready(&app).await;
        if status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "still not ready after the database came back: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = json(app.post_json("/api/v1/probes", &json!({"name": "after"})).await).await;
    assert_eq!(status, 201, "{body}");
    app.shutdown().await.unwrap();
    db.drop().await;
}
