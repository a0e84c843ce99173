//! After something went wrong: a restart with jobs waiting, a lease left by a crashed worker,
//! a worker stopped mid-run whose lease was taken over, shutdown finishing what is in hand,
//! two workers on one queue, finished jobs purged after 7 days, and the platform's wiring.

use std::collections::HashMap;
use std::time::Duration;

use platform::db::query;
use platform::jobs::{JobSpec, JobState};
use platform::shutdown::Background;
use serde_json::json;

use super::*;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_job_left_by_a_stopped_process_runs_after_a_restart() {
    let q = fresh().await;
    let id = {
        // The first process enqueues, and stops before any worker of its ran the job.
        let db = q.reopen().await;
        let jobs = q.jobs(&db, 2);
        let id = jobs.submit(JobSpec::new("variants", json!({ "photo": 3 }))).await.unwrap();
        db.close().await;
        id
    };
    let db = q.reopen().await;
    let jobs = q.jobs(&db, 2);
    let probe = Probe::ok();
    jobs.register("variants", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);
    assert_eq!(jobs.wait(id, WAIT).await.unwrap(), Some(JobState::Done));
    assert_eq!(probe.runs_of(id), 1);
    assert_eq!(probe.runs()[0].payload, json!({ "photo": 3 }));
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn a_lease_left_by_a_crashed_worker_is_taken_again_once_it_runs_out() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let id = jobs.submit(JobSpec::new("variants", json!({}))).await.unwrap();
    // A worker took it (attempt 1) and died: its lease stays for 300 s.
    let lease_until = q.clock.now() + chrono::Duration::seconds(300);
    let taken =
        query("UPDATE platform_jobs SET lease_until = $1, lease_token = $2, attempts = attempts + 1 WHERE id = $3")
            .bind(lease_until)
            .bind(kernel::new_id())
            .bind(id)
            .execute(&q.db)
            .await
            .unwrap();
    assert_eq!(taken, 1);

    let probe = Probe::ok();
    jobs.register("variants", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);
    a_poll().await;
    assert!(probe.runs().is_empty(), "leased elsewhere");
    assert_eq!(jobs.state(id).await.unwrap(), Some(JobState::Running));
    q.advance(301);
    jobs.committed();
    assert_eq!(jobs.wait(id, WAIT).await.unwrap(), Some(JobState::Done));
    assert_eq!(probe.runs().iter().map(|j| j.attempt).collect::<Vec<_>>(), [2]);
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn a_worker_that_lost_its_lease_records_nothing() {
    let q = fresh().await;
    let first = q.jobs(&q.db, 1);
    let stale = Probe::gated();
    first.register("variants", stale.clone());
    let bg = Background::default();
    first.start(&bg);
    let id = first.submit(JobSpec::new("variants", json!({}))).await.unwrap();
    until("the first worker runs it", || stale.runs().len() == 1).await;
    // Stopped mid-run with no time to finish: the job stays leased to it.
    bg.stop(Duration::from_millis(50)).await;

    q.advance(301);
    let second = q.jobs(&q.reopen().await, 1);
    let current = Probe::gated_with(|_| Err(JobError::retry("storage busy")));
    second.register("variants", current.clone());
    let bg2 = Background::default();
    second.start(&bg2);
    until("the second worker runs it", || current.runs().len() == 1).await;
    assert_eq!(current.runs()[0].attempt, 2);

    // The first run ends now, while the second holds the job: its "done" is refused.
    stale.open(1);
    until("the stale outcome is refused", || q.metrics.get(CONTEXT, "variants", "lost") == 1).await;
    assert_eq!(first.state(id).await.unwrap(), Some(JobState::Running));
    assert_eq!(q.metrics.get(CONTEXT, "variants", "done"), 0);
    // The holder's outcome is the one recorded.
    current.open(1);
    until("the holder's retry is recorded", || q.metrics.get(CONTEXT, "variants", "retried") == 1).await;
    assert_eq!(first.state(id).await.unwrap(), Some(JobState::Pending));
    bg2.stop(WAIT).await;
}

#[tokio::test]
async fn spent_attempts_with_a_crashed_last_one_fail_without_running() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 1);
    let id = jobs.submit(JobSpec::new("variants", json!({})).max_attempts(1)).await.unwrap();
    let lease_until = q.clock.now() + chrono::Duration::seconds(300);
    query("UPDATE platform_jobs SET lease_until = $1, lease_token = $2, attempts = 1 WHERE id = $3")
        .bind(lease_until)
        .bind(kernel::new_id())
        .bind(id)
        .execute(&q.db)
        .await
        .unwrap();
    let probe = Probe::ok();
    jobs.register("variants", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);
    q.advance(301);
    jobs.committed();
    let reason = "gave up after 1 attempts: the last one did not finish".to_owned();
    assert_eq!(jobs.wait(id, WAIT).await.unwrap(), Some(JobState::Failed { reason: reason.clone() }));
    assert!(probe.runs().is_empty());
    assert_eq!(probe.failures(), [(id, reason)]);
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn shutdown_finishes_the_running_job_and_takes_no_other() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 1);
    let probe = Probe::gated();
    jobs.register("variants", probe.clone());
    let bg = std::sync::Arc::new(Background::default());
    jobs.start(&bg);
    let running = jobs.submit(JobSpec::new("variants", json!({}))).await.unwrap();
    until("the job runs", || probe.runs().len() == 1).await;

    let stopping = tokio::spawn({
        let bg = bg.clone();
        async move { bg.stop(WAIT).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!stopping.is_finished(), "the stop waits for the job in hand");
    let queued = jobs.submit(JobSpec::new("variants", json!({}))).await.unwrap();
    probe.open(2);
    stopping.await.unwrap();
    assert_eq!(jobs.state(running).await.unwrap(), Some(JobState::Done), "recorded before the stop returned");
    a_poll().await;
    assert_eq!(jobs.state(queued).await.unwrap(), Some(JobState::Pending));
    assert_eq!(probe.runs().len(), 1);
}

#[tokio::test]
async fn two_workers_on_one_queue_run_each_of_200_jobs_once() {
    let q = fresh().await;
    let (probe_a, probe_b) = (Probe::ok(), Probe::ok());
    let (db_a, db_b) = (q.reopen().await, q.reopen().await);
    let (a, b) = (q.jobs(&db_a, 4), q.jobs(&db_b, 4));
    a.register("count", probe_a.clone());
    b.register("count", probe_b.clone());
    let (bg_a, bg_b) = (Background::default(), Background::default());
    a.start(&bg_a);
    b.start(&bg_b);

    let mut ids = Vec::new();
    for i in 0..200 {
        let via = if i % 2 == 0 { &a } else { &b };
        ids.push(via.submit(JobSpec::new("count", json!({ "n": i }))).await.unwrap());
    }
    for id in &ids {
        assert_eq!(a.wait(*id, Duration::from_secs(60)).await.unwrap(), Some(JobState::Done));
    }
    a_poll().await;
    let mut runs: HashMap<Uuid, usize> = HashMap::new();
    for job in probe_a.runs().into_iter().chain(probe_b.runs()) {
        *runs.entry(job.id).or_default() += 1;
    }
    let (ran_a, ran_b) = (probe_a.runs().len(), probe_b.runs().len());
    assert!(ran_a > 0 && ran_b > 0, "both workers took jobs: {ran_a} and {ran_b}");
    assert_eq!(runs.len(), 200);
    assert!(runs.values().all(|n| *n == 1), "every job exactly once");
    assert!(ids.iter().all(|id| runs.contains_key(id)));
    assert_eq!(q.metrics.get(CONTEXT, "count", "done"), 200);
    bg_a.stop(WAIT).await;
    bg_b.stop(WAIT).await;
}

#[tokio::test]
async fn finished_jobs_are_kept_seven_days() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 1);
    let probe = Probe::ok();
    jobs.register("variants", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);
    let old = jobs.submit(JobSpec::new("variants", json!({}))).await.unwrap();
    assert_eq!(jobs.wait(old, WAIT).await.unwrap(), Some(JobState::Done));
    q.advance(3 * 86_400);
    let recent = jobs.submit(JobSpec::new("variants", json!({}))).await.unwrap();
    assert_eq!(jobs.wait(recent, WAIT).await.unwrap(), Some(JobState::Done));
    bg.stop(WAIT).await;

    // Seven days and a minute after the first finished, a worker starting up purges it.
    q.advance(4 * 86_400 + 60);
    let db = q.reopen().await;
    let restarted = q.jobs(&db, 1);
    restarted.register("variants", Probe::ok());
    let bg = Background::default();
    restarted.start(&bg);
    let deadline = std::time::Instant::now() + WAIT;
    while restarted.state(old).await.unwrap().is_some() {
        assert!(std::time::Instant::now() < deadline, "the old job was never purged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(restarted.state(recent).await.unwrap(), Some(JobState::Done), "four days old: kept");
    bg.stop(WAIT).await;
}
