//! `Db::grouped`: concurrent write transactions that share one commit on SQLite (each its own
//! transaction on PostgreSQL). What a caller is told must be what is durable, whatever the
//! others in its group do: fail, collide, or go away half-way.

use std::sync::Arc;
use std::time::Duration;

use platform::db::{Db, DbError, query, query_dynamic};
use testkit::spawn_app;

async fn table(db: &Db, name: &str) {
    let mut tx = db.begin().await.unwrap();
    query_dynamic(format!("CREATE TABLE {name} (id BIGINT NOT NULL PRIMARY KEY, who TEXT NOT NULL)"))
        .execute(&mut tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Runs every future as its own task, all at once, and collects their results in order.
async fn all<T: Send + 'static>(futures: impl Iterator<Item = impl Future<Output = T> + Send + 'static>) -> Vec<T> {
    let tasks: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

async fn ids(db: &Db, name: &str) -> Vec<i64> {
    let rows: Vec<(i64,)> = query_dynamic(format!("SELECT id FROM {name} ORDER BY id")).fetch_all(db).await.unwrap();
    rows.into_iter().map(|(id,)| id).collect()
}

#[tokio::test]
async fn concurrent_callers_are_told_done_only_once_committed_and_a_failure_undoes_only_its_own() {
    let app = spawn_app().await;
    let db = app.platform.db("probe").unwrap().clone();
    table(&db, "grouped_rows").await;

    let calls = (0..48_i64).map(|i| {
        let db = db.clone();
        async move {
            let result = db
                .grouped(async |tx| {
                    query("INSERT INTO grouped_rows (id, who) VALUES ($1, 'first')").bind(i).execute(&mut *tx).await?;
                    if i % 6 == 0 {
                        // Writes more, then refuses: none of its writes may survive.
                        query("INSERT INTO grouped_rows (id, who) VALUES ($1, 'second')")
                            .bind(1000 + i)
                            .execute(&mut *tx)
                            .await?;
                        return Err(DbError::Other("refused".into()));
                    }
                    Ok(i)
                })
                .await;
            if let Ok(id) = result {
                // Done means committed: another connection (SQLite's reader pool) sees it.
                let seen: Option<(i64,)> =
                    query("SELECT id FROM grouped_rows WHERE id = $1").bind(id).fetch_optional(&db).await.unwrap();
                assert_eq!(seen, Some((id,)), "row {id} reported done but not visible");
            }
            result.is_ok()
        }
    });
    let outcomes = all(calls).await;
    let expected: Vec<i64> = (0..48).filter(|i| i % 6 != 0).collect();
    let succeeded: Vec<i64> = (0..48).filter(|&i| outcomes[i as usize]).collect();
    assert_eq!(succeeded, expected);
    assert_eq!(ids(&db, "grouped_rows").await, expected);

    // `/metrics` counts the shared commits and the callers they carried (SQLite only).
    let text = app.get("/metrics").await.text().await.unwrap();
    let value = |name: &str| {
        let prefix = format!("{name}{{db=\"probe\"}} ");
        text.lines().find_map(|l| l.strip_prefix(&prefix)).map(|v| v.parse::<u64>().unwrap())
    };
    match db.dialect() {
        platform::db::Dialect::Sqlite => {
            assert_eq!(value("sojourn_db_group_members_total"), Some(expected.len() as u64), "{text}");
            let commits = value("sojourn_db_group_commits_total").unwrap();
            assert!((1..=expected.len() as u64).contains(&commits), "{text}");
        }
        platform::db::Dialect::Postgres => assert_eq!(value("sojourn_db_group_members_total"), None, "{text}"),
    }
}

#[tokio::test]
async fn racing_callers_for_one_key_leave_exactly_one_winner() {
    let app = spawn_app().await;
    let db = app.platform.db("probe").unwrap().clone();
    table(&db, "grouped_keys").await;

    let calls = (0..24).map(|n| {
        let db = db.clone();
        async move {
            db.grouped(async |tx| {
                // A write that stands, then the contested one.
                query("INSERT INTO grouped_keys (id, who) VALUES ($1, 'mine')").bind(100 + n).execute(&mut *tx).await?;
                query("INSERT INTO grouped_keys (id, who) VALUES (1, $1)")
                    .bind(format!("racer {n}"))
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, DbError>(n)
            })
            .await
        }
    });
    let results = all(calls).await;
    let winners: Vec<i64> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(
        results.iter().filter(|r| r.is_err()).all(|r| matches!(r, Err(DbError::UniqueViolation { .. }))),
        "{results:?}"
    );
    // The losers' first writes went with their failure; the winner's both stand.
    assert_eq!(ids(&db, "grouped_keys").await, vec![1, 100 + winners[0]]);
    let who: (String,) = query("SELECT who FROM grouped_keys WHERE id = 1").fetch_one(&db).await.unwrap();
    assert_eq!(who.0, format!("racer {}", winners[0]));
}

/// A grouped caller that writes row `id`, then never finishes; returned once it has written,
/// still holding the group.
async fn stuck_caller(db: &Db, id: i64) -> tokio::task::JoinHandle<Result<(), DbError>> {
    let wrote = Arc::new(tokio::sync::Notify::new());
    let (db, signal) = (db.clone(), wrote.clone());
    let task = tokio::spawn(async move {
        db.grouped(async |tx| {
            query("INSERT INTO grouped_gone (id, who) VALUES ($1, 'dropped')").bind(id).execute(&mut *tx).await?;
            signal.notify_one();
            std::future::pending::<()>().await;
            Ok::<_, DbError>(())
        })
        .await
    });
    wrote.notified().await;
    task
}

#[tokio::test]
async fn a_caller_dropped_half_way_leaves_nothing_behind_and_blocks_no_one() {
    let app = spawn_app().await;
    let db = app.platform.db("probe").unwrap().clone();
    table(&db, "grouped_gone").await;

    // A caller that writes, then never finishes; it is dropped while holding the group.
    let stuck = stuck_caller(&db, 1).await;
    stuck.abort();
    assert!(stuck.await.unwrap_err().is_cancelled());

    // Nobody comes after it: the group is closed anyway, and the writer is free again.
    let mut tx = tokio::time::timeout(Duration::from_secs(5), db.begin()).await.expect("writer freed").unwrap();
    query("INSERT INTO grouped_gone (id, who) VALUES (2, 'plain')").execute(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(ids(&db, "grouped_gone").await, vec![2]);

    // Dropped again, this time with a caller queued behind it: that one runs, and only its
    // write commits.
    let stuck = stuck_caller(&db, 3).await;
    let next = {
        let db = db.clone();
        tokio::spawn(async move {
            db.grouped(async |tx| {
                query("INSERT INTO grouped_gone (id, who) VALUES (4, 'next')").execute(&mut *tx).await?;
                Ok::<_, DbError>(())
            })
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    stuck.abort();
    tokio::time::timeout(Duration::from_secs(5), next).await.expect("the queued caller ran").unwrap().unwrap();
    assert_eq!(ids(&db, "grouped_gone").await, vec![2, 4]);
}
