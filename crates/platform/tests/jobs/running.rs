//! What a worker does with a job: once and done, retries after the backoff (or when the
//! handler asks), failing for good, panics, dedupe, rolled-back enqueues, unknown kinds, `wait`.

use std::time::{Duration, Instant};

use platform::jobs::{JobError, JobSpec, JobState};
use platform::metrics::MetricsSource;
use platform::shutdown::Background;
use serde_json::json;

use super::*;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_job_runs_once_and_is_recorded_done() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe = Probe::ok();
    jobs.register("thumbnail", probe.clone());
    let bg = Background::default();
    assert!(jobs.start(&bg));
    assert!(!jobs.start(&bg), "one worker per queue");

    let id = jobs.submit(JobSpec::new("thumbnail", json!({ "photo": 7 }))).await.unwrap();
    assert_eq!(jobs.wait(id, WAIT).await.unwrap(), Some(JobState::Done));
    let runs = probe.runs();
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].id, runs[0].kind.as_str(), runs[0].attempt), (id, "thumbnail", 1));
    assert_eq!(runs[0].payload, json!({ "photo": 7 }));
    assert_eq!(runs[0].created_at, q.clock.now());
    a_poll().await;
    assert_eq!(probe.runs_of(id), 1, "a done job is not run again");
    assert_eq!(jobs.state(id).await.unwrap(), Some(JobState::Done));
    assert_eq!(jobs.state(kernel::new_id()).await.unwrap(), None);
    assert_eq!(q.metrics.get(CONTEXT, "thumbnail", "done"), 1);
    let mut out = String::new();
    q.metrics.render(&mut out);
    assert!(out.contains("sojourn_jobs_total{context=\"jobs\",kind=\"thumbnail\",outcome=\"done\"} 1"), "{out}");
    assert!(probe.failures().is_empty());
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn a_retry_waits_for_the_backoff_then_runs_again() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe = Probe::new(|job| if job.attempt == 1 { Err(JobError::retry("storage busy")) } else { Ok(()) });
    jobs.register("variant", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);

    let id = jobs.submit(JobSpec::new("variant", json!({}))).await.unwrap();
    until("the first attempt ran", || probe.runs().len() == 1).await;
    until("the retry is recorded", || q.metrics.get(CONTEXT, "variant", "retried") == 1).await;
    assert_eq!(jobs.state(id).await.unwrap(), Some(JobState::Pending));
    // The first retry waits 5 s plus up to 10 % jitter.
    q.advance(4);
    jobs.committed();
    a_poll().await;
    assert_eq!(probe.runs().len(), 1, "not before the backoff");
    q.advance(2);
    jobs.committed();
    assert_eq!(jobs.wait(id, WAIT).await.unwrap(), Some(JobState::Done));
    let attempts: Vec<u32> = probe.runs().iter().map(|j| j.attempt).collect();
    assert_eq!(attempts, [1, 2]);
    assert!(probe.failures().is_empty());
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn a_retry_after_a_given_time_waits_that_long() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe = Probe::new(|job| match job.attempt {
        1 => Err(JobError::retry_after("upload not complete", Duration::from_secs(60))),
        _ => Ok(()),
    });
    jobs.register("poster", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);

    let id = jobs.submit(JobSpec::new("poster", json!({}))).await.unwrap();
    until("the retry is recorded", || q.metrics.get(CONTEXT, "poster", "retried") == 1).await;
    q.advance(30);
    jobs.committed();
    a_poll().await;
    assert_eq!(probe.runs().len(), 1, "the handler asked for 60 s, more than the 5 s backoff");
    q.advance(31);
    jobs.committed();
    assert_eq!(jobs.wait(id, WAIT).await.unwrap(), Some(JobState::Done));
    assert_eq!(probe.runs().len(), 2);
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn a_failure_calls_failed_once_and_keeps_the_reason() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe = Probe::new(|_| Err(JobError::fail("not an image")));
    jobs.register("exif", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);

    let id = jobs.submit(JobSpec::new("exif", json!({}))).await.unwrap();
    let failed = Some(JobState::Failed { reason: "not an image".into() });
    assert_eq!(jobs.wait(id, WAIT).await.unwrap(), failed);
    assert_eq!(probe.failures(), [(id, "not an image".to_owned())], "`failed` ran before the failure was visible");
    q.advance(3600);
    jobs.committed();
    a_poll().await;
    assert_eq!(probe.runs().len(), 1, "a failed job is not retried");
    assert_eq!(probe.failures().len(), 1);
    assert_eq!(q.metrics.get(CONTEXT, "exif", "failed"), 1);
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn spent_attempts_fail_the_job_once() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe = Probe::new(|_| Err(JobError::retry("flaky")));
    jobs.register("flaky", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);

    let id = jobs.submit(JobSpec::new("flaky", json!({})).max_attempts(3)).await.unwrap();
    for attempt in 1..=3 {
        until("the next attempt ran", || probe.runs().len() == attempt).await;
        if attempt < 3 {
            until("its retry is recorded", || q.metrics.get(CONTEXT, "flaky", "retried") == attempt as u64).await;
            q.advance(700);
            jobs.committed();
        }
    }
    let failed = Some(JobState::Failed { reason: "gave up after 3 attempts: flaky".into() });
    assert_eq!(jobs.wait(id, WAIT).await.unwrap(), failed);
    assert_eq!(probe.failures(), [(id, "gave up after 3 attempts: flaky".to_owned())]);
    q.advance(3600);
    jobs.committed();
    a_poll().await;
    assert_eq!(probe.runs().len(), 3);
    assert_eq!(probe.failures().len(), 1);
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn a_panicking_handler_is_retried_and_the_worker_survives() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe =
        Probe::new(|job| if job.attempt == 1 && job.payload["bad"] == true { panic!("decoder bug") } else { Ok(()) });
    jobs.register("decode", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);

    let id = jobs.submit(JobSpec::new("decode", json!({ "bad": true }))).await.unwrap();
    until("the panicking attempt is recorded as a retry", || q.metrics.get(CONTEXT, "decode", "retried") == 1).await;
    assert_eq!(jobs.state(id).await.unwrap(), Some(JobState::Pending));
    q.advance(6);
    jobs.committed();
    assert_eq!(jobs.wait(id, WAIT).await.unwrap(), Some(JobState::Done));
    assert_eq!(probe.runs().len(), 2);
    // The same worker goes on taking jobs.
    let next = jobs.submit(JobSpec::new("decode", json!({}))).await.unwrap();
    assert_eq!(jobs.wait(next, WAIT).await.unwrap(), Some(JobState::Done));
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn an_unfinished_job_with_the_same_key_is_not_enqueued_twice() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe = Probe::ok();
    jobs.register("variants", probe.clone());
    let spec = || JobSpec::new("variants", json!({ "photo": 1 })).dedupe("photo:1");

    let first = jobs.submit(spec()).await.unwrap();
    let mut tx = q.db.begin().await.unwrap();
    assert_eq!(jobs.enqueue(&mut tx, spec()).await.unwrap(), first, "inside a transaction too");
    tx.commit().await.unwrap();
    assert_eq!(jobs.submit(spec()).await.unwrap(), first);
    let other_key = jobs.submit(JobSpec::new("variants", json!({})).dedupe("photo:2")).await.unwrap();
    let no_key = jobs.submit(JobSpec::new("variants", json!({}))).await.unwrap();
    let other_kind = q.jobs(&q.db, 1).submit(JobSpec::new("poster", json!({})).dedupe("photo:1")).await.unwrap();
    assert_eq!([other_key, no_key, other_kind].iter().filter(|id| **id == first).count(), 0);

    let bg = Background::default();
    jobs.start(&bg);
    assert_eq!(jobs.wait(first, WAIT).await.unwrap(), Some(JobState::Done));
    assert_eq!(probe.runs_of(first), 1);
    // Finished: the key is free again.
    let again = jobs.submit(spec()).await.unwrap();
    assert_ne!(again, first);
    assert_eq!(jobs.wait(again, WAIT).await.unwrap(), Some(JobState::Done));
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_does_not_exist() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe = Probe::ok();
    jobs.register("variants", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);

    let mut tx = q.db.begin().await.unwrap();
    let rolled_back = jobs.enqueue(&mut tx, JobSpec::new("variants", json!({}))).await.unwrap();
    tx.rollback().await.unwrap();
    let mut tx = q.db.begin().await.unwrap();
    let dropped = jobs.enqueue(&mut tx, JobSpec::new("variants", json!({}))).await.unwrap();
    drop(tx);
    jobs.committed();
    a_poll().await;
    assert_eq!(jobs.state(rolled_back).await.unwrap(), None);
    assert_eq!(jobs.state(dropped).await.unwrap(), None);
    assert!(probe.runs().is_empty());

    let mut tx = q.db.begin().await.unwrap();
    let kept = jobs.enqueue(&mut tx, JobSpec::new("variants", json!({}))).await.unwrap();
    tx.commit().await.unwrap();
    jobs.committed();
    assert_eq!(jobs.wait(kept, WAIT).await.unwrap(), Some(JobState::Done));
    bg.stop(WAIT).await;
}

#[tokio::test]
async fn a_delayed_job_waits_and_an_unknown_kind_is_left_pending() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe = Probe::ok();
    jobs.register("known", probe.clone());
    let later = jobs.submit(JobSpec::new("known", json!({})).delay(Duration::from_secs(120))).await.unwrap();
    let unknown = jobs.submit(JobSpec::new("unknown", json!({}))).await.unwrap();
    let bg = Background::default();
    jobs.start(&bg);
    until("the gauge counts both kinds", || {
        let mut out = String::new();
        q.metrics.render(&mut out);
        out.contains("sojourn_jobs_pending{context=\"jobs\",kind=\"known\"} 1")
            && out.contains("sojourn_jobs_pending{context=\"jobs\",kind=\"unknown\"} 1")
    })
    .await;
    a_poll().await;
    assert!(probe.runs().is_empty(), "not before its delay");
    assert_eq!(jobs.state(later).await.unwrap(), Some(JobState::Pending));
    assert_eq!(jobs.state(unknown).await.unwrap(), Some(JobState::Pending));

    q.advance(121);
    jobs.committed();
    assert_eq!(jobs.wait(later, WAIT).await.unwrap(), Some(JobState::Done));
    assert_eq!(jobs.state(unknown).await.unwrap(), Some(JobState::Pending), "left for a process that handles it");

    // A process that knows the kind runs it.
    let other = q.jobs(&q.reopen().await, 1);
    let handles = Probe::ok();
    other.register("unknown", handles.clone());
    let bg2 = Background::default();
    other.start(&bg2);
    assert_eq!(other.wait(unknown, WAIT).await.unwrap(), Some(JobState::Done));
    assert_eq!(handles.runs_of(unknown), 1);
    bg.stop(WAIT).await;
    bg2.stop(WAIT).await;
}

#[tokio::test]
async fn wait_returns_as_soon_as_the_job_finishes() {
    let q = fresh().await;
    let jobs = q.jobs(&q.db, 2);
    let probe = Probe::gated();
    jobs.register("slow", probe.clone());
    let bg = Background::default();
    jobs.start(&bg);

    let id = jobs.submit(JobSpec::new("slow", json!({}))).await.unwrap();
    until("the job runs", || probe.runs().len() == 1).await;
    assert_eq!(jobs.state(id).await.unwrap(), Some(JobState::Running));
    let short = Instant::now();
    assert_eq!(jobs.wait(id, Duration::from_millis(300)).await.unwrap(), Some(JobState::Running));
    assert!(short.elapsed() >= Duration::from_millis(300), "a timeout gives the last state seen");

    let here = tokio::spawn({
        let jobs = jobs.clone();
        async move { jobs.wait(id, Duration::from_secs(60)).await }
    });
    // Another process's handle sees it by polling.
    let elsewhere = q.jobs(&q.reopen().await, 1);
    let there = tokio::spawn(async move { elsewhere.wait(id, Duration::from_secs(60)).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let opened = Instant::now();
    probe.open(1);
    assert_eq!(here.await.unwrap().unwrap(), Some(JobState::Done));
    assert!(opened.elapsed() < Duration::from_secs(2), "woken by the finish, not the 60 s timeout");
    assert_eq!(there.await.unwrap().unwrap(), Some(JobState::Done));
    assert!(opened.elapsed() < Duration::from_secs(3));
    assert_eq!(jobs.wait(kernel::new_id(), Duration::from_secs(60)).await.unwrap(), None, "unknown: at once");
    bg.stop(WAIT).await;
}
