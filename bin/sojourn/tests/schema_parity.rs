//! Both dialects' migrations must create the same tables with the same columns (and the
//! same NOT NULL rules), for the platform's tables and every context the binary runs.
//! Needs PostgreSQL: set `SOJOURN_TEST_POSTGRES_URL` (`.ci/run` does, in its PostgreSQL pass).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::Arc;

use platform::Context;
use platform::db::{Db, DbError, FromRow, Row, query};

/// table → column → NOT NULL
type Shape = BTreeMap<String, BTreeMap<String, bool>>;

struct Column {
    table: String,
    column: String,
    not_null: bool,
}

impl FromRow for Column {
    fn from_row(row: &Row<'_>) -> Result<Self, DbError> {
        Ok(Column {
            table: row.get("table_name")?,
            column: row.get("column_name")?,
            not_null: row.get::<i64>("not_null")? != 0,
        })
    }
}

fn shape(columns: Vec<Column>) -> Shape {
    let mut shape = Shape::new();
    for c in columns {
        shape.entry(c.table).or_default().insert(c.column, c.not_null);
    }
    shape
}

async fn sqlite_shape(db: &Db) -> Shape {
    // An INTEGER PRIMARY KEY is the rowid: never NULL even without the keyword.
    let columns = query(
        "SELECT m.name AS table_name, p.name AS column_name, \
         CASE WHEN p.\"notnull\" = 1 OR (p.pk = 1 AND upper(p.type) = 'INTEGER') THEN 1 ELSE 0 END AS not_null \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1, 2",
    )
    .fetch_all(db)
    .await
    .unwrap();
    shape(columns)
}

async fn postgres_shape(db: &Db) -> Shape {
    let columns = query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, \
         CASE WHEN is_nullable::text = 'NO' THEN 1::bigint ELSE 0::bigint END AS not_null \
         FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2",
    )
    .fetch_all(db)
    .await
    .unwrap();
    shape(columns)
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_create_the_same_schema() {
    let Some(pg_url) = testkit::postgres_url() else {
        // `.ci/run` runs the whole suite again with PostgreSQL (and fails if it is unreachable).
        eprintln!("skipped: set {} to compare schemas", testkit::POSTGRES_ENV);
        return;
    };
    let mut contexts = sojourn::contexts::all();
    contexts.push(Arc::new(testkit::probe::Probe) as Arc<dyn Context>);

    let dir = tempfile::tempdir().unwrap();
    let sqlite_config = testkit::test_config(&dir);
    let mut sqlite_config = sqlite_config;
    sqlite_config.database.url = None;
    let mut pg_config = testkit::test_config(&dir);
    pg_config.database.url = Some(pg_url);
    if pg_config.database.schema_prefix.is_empty() {
        pg_config.database.schema_prefix = format!("parity{}_", &kernel::new_id().simple().to_string()[20..]);
    }

    let sqlite = platform::app::migrate_all(&sqlite_config, &contexts).await.unwrap();
    let postgres = platform::app::migrate_all(&pg_config, &contexts).await.unwrap();
    for ctx in &contexts {
        let name = ctx.name();
        let lite = sqlite_shape(&sqlite[name]).await;
        let pg = postgres_shape(&postgres[name]).await;
        assert!(lite.contains_key("outbox") && lite.contains_key("_sojourn_migrations"), "{name}: {lite:?}");
        assert_eq!(lite, pg, "context `{name}`: SQLite (left) and PostgreSQL (right) schemas differ");
    }
}
