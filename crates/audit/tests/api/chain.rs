//! The hash chain: a redelivered event appends nothing; verification passes, then names an
//! edited and a deleted entry; retention prunes and the rest verifies from the anchor; many
//! concurrent appends leave one valid chain.

use std::sync::Arc;

use kernel::Clock;
use serde_json::json;
use testkit::accounts::{self, admin, register};

use crate::support::{db, entries, spawn, spawn_tweaked, verified};

async fn count(app: &testkit::TestApp) -> i64 {
    let (n,): (i64,) = platform::db::query("SELECT COUNT(*) FROM audit_entries").fetch_one(db(app)).await.unwrap();
    n
}

#[tokio::test]
async fn a_redelivered_event_appends_nothing() {
    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    accounts::login(&app, &ann).await;
    let signed_in = entries(&app, &boss, &format!("action=user.logged_in&actorId={}", ann.id)).await;
    assert_eq!(signed_in.len(), 1);
    let event: uuid::Uuid = signed_in[0]["sourceEventId"].as_str().unwrap().parse().unwrap();
    let before = count(&app).await;
    // Published again, and forgotten by the platform's own dedupe: the log still records it once.
    platform::db::query("UPDATE outbox SET published_at = NULL WHERE event_id = $1")
        .bind(event)
        .execute(app.platform.db("identity").unwrap())
        .await
        .unwrap();
    let forgotten = platform::db::query("DELETE FROM processed_events WHERE event_id = $1")
        .bind(event)
        .execute(db(&app))
        .await
        .unwrap();
    assert_eq!(forgotten, 1);
    app.drain_events().await;
    assert_eq!(count(&app).await, before);
    assert_eq!(verified(&app, &boss).await["ok"], true);
}

#[tokio::test]
async fn verification_passes_then_names_an_edited_and_a_deleted_entry() {
    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    for _ in 0..3 {
        accounts::login(&app, &ann).await;
    }
    let v = verified(&app, &boss).await;
    let n = count(&app).await;
    assert_eq!((v["ok"].as_bool(), v["entries"].as_i64(), v["problem"].clone()), (Some(true), Some(n), json!(null)));
    assert_eq!(v["head"]["seq"].as_i64(), Some(n));
    let fine = audit::verify(db(&app)).await.unwrap();
    assert!(fine.ok);
    assert_eq!(fine.head.hash, v["head"]["hash"].as_str().unwrap());

    // An entry edited in place: its hash no longer matches.
    let edit = |delta: i64| {
        platform::db::query("UPDATE audit_entries SET amount = COALESCE(amount, 0) + $1 WHERE seq = 2").bind(delta)
    };
    edit(1).execute(db(&app)).await.unwrap();
    let broken = audit::verify(db(&app)).await.unwrap();
    let problem = broken.problem.clone().unwrap();
    assert_eq!((broken.ok, problem.seq, problem.kind), (false, 2, audit::ProblemKind::EditedEntry), "{broken:?}");
    let v = verified(&app, &boss).await;
    assert_eq!((v["ok"].as_bool(), v["problem"]["kind"].as_str()), (Some(false), Some("edited_entry")));
    platform::db::query("UPDATE audit_entries SET amount = NULL WHERE seq = 2").execute(db(&app)).await.unwrap();
    assert!(audit::verify(db(&app)).await.unwrap().ok, "restored");

    // An entry deleted: the run of seqs has a hole.
    platform::db::query("DELETE FROM audit_entries WHERE seq = 3").execute(db(&app)).await.unwrap();
    let broken = audit::verify(db(&app)).await.unwrap();
    let problem = broken.problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (3, audit::ProblemKind::MissingEntry), "{}", problem.message);
}

#[tokio::test]
async fn the_newest_entry_deleted_or_a_link_rewritten_is_noticed() {
    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    accounts::login(&app, &ann).await;
    accounts::login(&app, &ann).await;
    app.drain_events().await;
    let n = count(&app).await;
    assert!(n >= 2);
    platform::db::query("DELETE FROM audit_entries WHERE seq = $1").bind(n).execute(db(&app)).await.unwrap();
    let problem = audit::verify(db(&app)).await.unwrap().problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (n, audit::ProblemKind::MissingEntry), "{}", problem.message);

    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    accounts::login(&app, &ann).await;
    accounts::login(&app, &ann).await;
    app.drain_events().await;
    // Entry 2's link pointed elsewhere: its hash covers the link, so it no longer matches.
    platform::db::query("UPDATE audit_entries SET prev_hash = $1 WHERE seq = 2")
        .bind("1".repeat(64))
        .execute(db(&app))
        .await
        .unwrap();
    let problem = audit::verify(db(&app)).await.unwrap().problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (2, audit::ProblemKind::EditedEntry), "{}", problem.message);
}

#[tokio::test]
async fn retention_prunes_the_oldest_and_the_rest_verifies_from_the_anchor() {
    let app = spawn_tweaked(|c| c.audit.retention_days = 30).await;
    let ann = register(&app, "ann@example.com").await;
    for _ in 0..3 {
        accounts::login(&app, &ann).await;
    }
    app.drain_events().await;
    let old = count(&app).await;
    app.clock.advance(chrono::Duration::days(31));
    let ann = accounts::login(&app, &ann).await;
    let boss = admin(&app, "boss@example.com").await;
    app.drain_events().await;
    let total = count(&app).await;
    let keep = chrono::Duration::days(30);
    assert_eq!(audit::prune(db(&app), keep, app.clock.now()).await.unwrap(), u64::try_from(old).unwrap());
    assert_eq!(audit::prune(db(&app), keep, app.clock.now()).await.unwrap(), 0, "once");
    assert_eq!(count(&app).await, total - old);
    let v = verified(&app, &boss).await;
    assert_eq!((v["ok"].as_bool(), v["entries"].as_i64()), (Some(true), Some(total - old)), "{v}");
    assert_eq!(v["anchor"]["seq"].as_i64(), Some(old));
    // The first entry left still links to the anchor; deleting it is still noticed.
    let first = entries(&app, &boss, &format!("actorId={}", ann.id)).await;
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["prevHash"], v["anchor"]["hash"]);
    platform::db::query("DELETE FROM audit_entries WHERE seq = $1").bind(old + 1).execute(db(&app)).await.unwrap();
    let problem = audit::verify(db(&app)).await.unwrap().problem.unwrap();
    assert_eq!((problem.seq, problem.kind), (old + 1, audit::ProblemKind::MissingEntry));
}

#[tokio::test]
async fn concurrent_sign_ins_and_appends_leave_one_valid_chain() {
    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    let logins = (0..40).map(|_| accounts::login(&app, &ann));
    futures_util::future::join_all(logins).await;
    // Appends in 40 transactions at once, as consumers in several processes would.
    let app = Arc::new(app);
    let appends = (0..40).map(|i| {
        let app = app.clone();
        tokio::spawn(async move {
            let event = kernel::EventEnvelope::new(
                "payout.paid",
                kernel::new_id(),
                chrono::Utc::now(),
                json!({"id": format!("po_{i}"), "amount": 100 + i, "currency": "EUR"}),
            );
            let mut tx = db(&app).begin().await.unwrap();
            let entry = audit::append(&mut tx, &event, chrono::Utc::now()).await.unwrap();
            tx.commit().await.unwrap();
            entry.is_some()
        })
    });
    let appended = futures_util::future::join_all(appends).await;
    assert!(appended.into_iter().all(|r| r.unwrap()));
    let v = verified(&app, &boss).await;
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(entries(&app, &boss, "action=user.logged_in").await.len(), 41, "40 and the administrator's");
    assert_eq!(entries(&app, &boss, "action=payout.paid").await.len(), 40);
    assert_eq!(v["entries"].as_i64(), Some(count(&app).await));
}

#[tokio::test]
async fn a_known_head_must_still_be_in_the_chain() {
    let app = spawn().await;
    let ann = register(&app, "ann@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    accounts::login(&app, &ann).await;
    let v = verified(&app, &boss).await;
    let head = format!("{}:{}", v["head"]["seq"], v["head"]["hash"].as_str().unwrap());
    let ask = |known: String| {
        let (app, boss) = (&app, &boss);
        async move { accounts::get(app, boss, &format!("/api/v1/admin/audit/verify?knownHead={known}")).await }
    };
    let still = accounts::data(ask(head.clone()).await).await;
    assert_eq!((still["ok"].clone(), still["problem"].clone()), (json!(true), json!(null)), "{still}");
    // More entries since: the recorded head is still there.
    accounts::login(&app, &ann).await;
    assert_eq!(accounts::data(ask(head.clone()).await).await["ok"], true);
    // A head this chain never had.
    let seq = v["head"]["seq"].as_i64().unwrap();
    let forged = accounts::data(ask(format!("{seq}:{}", "ab".repeat(32))).await).await;
    assert_eq!((forged["ok"].clone(), forged["problem"]["kind"].clone()), (json!(false), json!("known_head_mismatch")));
    assert_eq!(forged["problem"]["seq"].as_i64(), Some(seq));
    let beyond = accounts::data(ask(format!("{}:{}", seq + 1000, "ab".repeat(32))).await).await;
    assert_eq!(beyond["problem"]["kind"], "known_head_mismatch", "{beyond}");
    for bad in ["12", "x:ab", "-1:ab", "3:abc"] {
        testkit::expect_error(ask(bad.to_owned()).await, 400, "validation_failed").await;
    }
}
