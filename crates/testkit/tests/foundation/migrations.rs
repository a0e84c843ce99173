use std::sync::Arc;

use platform::db::{DbError, Migration, Migrations, migrate};
use serde_json::json;
use testkit::{json, spawn_config, test_config};

#[tokio::test]
async fn migrations_are_idempotent_and_data_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(&dir);

    let app = spawn_config(config.clone(), vec![Arc::new(testkit::probe::Probe)]).await;
    let (_, created) = json(app.post_json("/api/v1/probes", &json!({"name": "durable"})).await).await;
    let id = created["data"]["probe"]["id"].as_str().unwrap().to_owned();
    let db = app.platform.db("probe").unwrap().clone();
    let again = Migrations {
        scope: "probe",
        list: <testkit::probe::Probe as platform::Context>::migrations(&testkit::probe::Probe),
    };
    assert_eq!(migrate(&db, &again).await.unwrap(), 0);
    assert_eq!(migrate(&db, &platform::app::PLATFORM_MIGRATIONS).await.unwrap(), 0);
    app.shutdown().await.unwrap();

    // Restart on the same data: migrations run again (no-op) and the row is still there.
    let app = spawn_config(config, vec![Arc::new(testkit::probe::Probe)]).await;
    let (status, body) = json(app.get(&format!("/api/v1/probes/{id}")).await).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["probe"]["name"], "durable");
}

const V1: Migration = Migration {
    version: 1,
    name: "widgets",
    sqlite: "CREATE TABLE widgets (id INTEGER PRIMARY KEY);",
    postgres: "CREATE TABLE widgets (id BIGINT PRIMARY KEY);",
};
const V1_EDITED: Migration = Migration {
    version: 1,
    name: "widgets",
    sqlite: "CREATE TABLE widgets (id INTEGER PRIMARY KEY, extra TEXT);",
    postgres: "CREATE TABLE widgets (id BIGINT PRIMARY KEY, extra TEXT);",
};
const V2_BROKEN: Migration =
    Migration { version: 2, name: "broken", sqlite: "CREATE TABLE oops (;", postgres: "CREATE TABLE oops (;" };

#[tokio::test]
async fn edited_or_broken_migrations_are_refused() {
    let app = testkit::spawn_app().await;
    let db = app.platform.db("probe").unwrap();
    assert_eq!(migrate(db, &Migrations { scope: "demo", list: &[V1] }).await.unwrap(), 1);
    let err = migrate(db, &Migrations { scope: "demo", list: &[V1_EDITED] }).await.unwrap_err();
    assert!(matches!(&err, DbError::Migration(m) if m.contains("modified")), "{err}");

    let err = migrate(db, &Migrations { scope: "demo", list: &[V1, V2_BROKEN] }).await.unwrap_err();
    assert!(matches!(&err, DbError::Migration(m) if m.contains("0002_broken")), "{err}");
    // The failed migration left nothing behind and is not recorded: fixing it and rerunning works.
    assert_eq!(migrate(db, &Migrations { scope: "demo", list: &[V1, V2_FIXED] }).await.unwrap(), 1);
}

const V2_FIXED: Migration = Migration {
    version: 2,
    name: "broken",
    sqlite: "CREATE TABLE oops (id INTEGER);",
    postgres: "CREATE TABLE oops (id BIGINT);",
};

#[tokio::test]
async fn concurrent_migrators_on_one_database_all_succeed_once() {
    // Several processes starting at once (scale-out) each open their own pools.
    let dir = tempfile::tempdir().unwrap();
    let config = test_config(&dir);
    let contexts: Vec<Arc<dyn platform::Context>> = vec![Arc::new(testkit::probe::Probe)];
    let runs: Vec<_> = (0..6)
        .map(|_| {
            let (config, contexts) = (config.clone(), contexts.clone());
            tokio::spawn(
                async move { platform::app::migrate_all(&config, &contexts).await.map(|dbs| dbs["probe"].clone()) },
            )
        })
        .collect();
    let mut dbs = Vec::new();
    for run in runs {
        dbs.push(run.await.unwrap().expect("every concurrent migrator succeeds"));
    }
    let (applied,): (i64,) =
        platform::db::query("SELECT COUNT(*) FROM _sojourn_migrations").fetch_one(&dbs[0]).await.unwrap();
    let expected = platform::app::PLATFORM_MIGRATIONS.list.len() + 1;
    assert_eq!(applied, i64::try_from(expected).unwrap());
}
