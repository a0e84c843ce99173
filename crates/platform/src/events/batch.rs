//! How the in-process bus delivers a relay batch: per database, one transaction for every
//! consumer there.
//!
//! A purchase's events reach a dozen consumers in this process (payments, notifications,
//! insights' rollups, search, audit, ...). Each used to handle its share in a transaction of
//! its own, one after another: a commit — with `synchronous=FULL`, an fsync — per consumer, and
//! a batch as slow as the sum of them. Now:
//!
//! - **Databases run concurrently.** None of a batch's consumers depends on another having
//!   handled an event (what a handler emits goes to its own outbox, for a later pass), so a
//!   batch takes about as long as its busiest database.
//! - **The consumers of one database share one transaction**, each in a savepoint of its own:
//!   one commit per database and batch (insights' twelve consumers: one fsync, not twelve). A
//!   consumer whose handler fails is rolled back to its savepoint alone, and after the commit
//!   gets its events one by one in transactions of their own, so one failing event holds back
//!   neither the other consumers nor its other events. Consumers of one database run one after
//!   another, as its single SQLite writer would have them anyway (and a PostgreSQL pool is not
//!   drained by one context's consumers while a handler waits for another connection).
//!
//! Each consumer's dedupe rows commit with its effects, as before: redelivery stays harmless.

use kernel::EventEnvelope;

use super::Subscription;
use super::bus::{claim_all, deliver_traced};
use crate::db::{Tx, query_dynamic};
use crate::trace::{Span, SpanContext, Tracer};

/// One consumer and its share of the batch (indexes into the batch's events).
type Share<'a> = (&'a Subscription, Vec<usize>);

/// Delivers `events` to `subscriptions`; returns, per failed delivery, the event's index and
/// the error. `parents[i]` is the publish span of `events[i]`, when traced; `totals[i]` counts
/// the consumers event `i` was meant for.
pub(super) async fn deliver(
    subscriptions: &[Subscription],
    events: &[EventEnvelope],
    parents: &[Option<SpanContext>],
    tracer: Option<&Tracer>,
    totals: &mut [usize],
) -> Vec<(usize, String)> {
    // The consumers with a share, by database, in subscription order.
    let mut by_db: Vec<(&str, Vec<Share<'_>>)> = Vec::new();
    for sub in subscriptions {
        let share: Vec<usize> = (0..events.len()).filter(|&i| events[i].matches(&sub.pattern)).collect();
        if share.is_empty() {
            continue;
        }
        for &i in &share {
            totals[i] += 1;
        }
        match by_db.iter_mut().find(|(name, _)| *name == sub.db.name()) {
            Some((_, subs)) => subs.push((sub, share)),
            None => by_db.push((sub.db.name(), vec![(sub, share)])),
        }
    }
    let deliveries = by_db.into_iter().map(|(_, shares)| Box::pin(on_one_db(shares, events, parents, tracer)));
    futures_util::future::join_all(deliveries).await.into_iter().flatten().collect()
}

/// What one consumer handled inside the shared transaction: its fresh events (for
/// `after_commit`) and their consume spans (ended once committed).
struct Handled<'a> {
    sub: &'a Subscription,
    fresh: Vec<&'a EventEnvelope>,
    spans: Vec<Span>,
}

/// The consumers of one database: one transaction, a savepoint each; the failed ones (or all,
/// if the transaction itself fails) are then delivered event by event.
async fn on_one_db<'a>(
    shares: Vec<Share<'a>>,
    events: &'a [EventEnvelope],
    parents: &[Option<SpanContext>],
    tracer: Option<&Tracer>,
) -> Vec<(usize, String)> {
    let Some((first, _)) = shares.first() else { return Vec::new() };
    let mut retry: Vec<Share<'a>> = Vec::new();
    match first.db.begin().await {
        Err(_) => retry = shares,
        Ok(mut tx) => {
            let alone = shares.len() == 1;
            let mut handled = Vec::with_capacity(shares.len());
            let mut broken = false;
            for (k, (sub, share)) in shares.iter().enumerate() {
                if broken {
                    break;
                }
                let savepoint = format!("consumer_{k}");
                // A lone consumer needs no savepoint: its failure drops the whole transaction.
                // On SQLite the savepoint travels with the consumer's first statement (its
                // dedupe claim), saving a round trip to the connection's thread.
                if !alone && tx.defer(format!("SAVEPOINT {savepoint}")).await.is_err() {
                    broken = true;
                    break;
                }
                match handle_share(&mut tx, sub, share, events, parents, tracer).await {
                    Ok(done) => handled.push((k, done)),
                    Err(error) => {
                        tracing::debug!(consumer = %sub.consumer, %error, "a consumer's share failed; retried event by event");
                        broken = alone || undo(&mut tx, &savepoint).await.is_err();
                        retry.push((sub, share.clone()));
                    }
                }
            }
            if broken || tx.commit().await.is_err() {
                // Nothing of this database's transaction holds: every consumer goes again.
                retry = shares;
            } else {
                for (_, done) in handled {
                    done.spans.into_iter().for_each(Span::end);
                    for event in done.fresh {
                        done.sub.handler.after_commit(event).await;
                    }
                }
            }
        }
    }
    let mut failed = Vec::new();
    for (sub, share) in retry {
        failed.extend(one_by_one(sub, share, events, parents, tracer).await);
    }
    failed
}

/// Rolls the transaction back to `savepoint` (made by this module, named by a counter).
async fn undo(tx: &mut Tx, savepoint: &str) -> Result<(), crate::db::DbError> {
    query_dynamic(format!("ROLLBACK TO SAVEPOINT {savepoint}")).execute(&mut *tx).await?;
    query_dynamic(format!("RELEASE SAVEPOINT {savepoint}")).execute(&mut *tx).await?;
    Ok(())
}

/// Runs `sub`'s handler, in `tx`, for each event of its share it has not handled yet.
async fn handle_share<'a>(
    tx: &mut Tx,
    sub: &'a Subscription,
    share: &[usize],
    events: &'a [EventEnvelope],
    parents: &[Option<SpanContext>],
    tracer: Option<&Tracer>,
) -> Result<Handled<'a>, String> {
    let batch: Vec<&EventEnvelope> = share.iter().map(|&i| &events[i]).collect();
    let mut unclaimed = claim_all(tx, sub, &batch).await?;
    let mut done = Handled { sub, fresh: Vec::with_capacity(unclaimed.len()), spans: Vec::new() };
    for &i in share {
        let event = &events[i];
        // `remove`: an event repeated within the batch is handled once.
        if !unclaimed.remove(&event.id) {
            continue;
        }
        let parent = parents.get(i).cloned().flatten();
        match crate::trace::consume_span(tracer, parent, event, &sub.consumer, "in-process") {
            Some(span) => {
                let handled = crate::trace::in_span(&span, sub.handler.handle(tx, event)).await;
                handled.map_err(|e| e.to_string())?;
                done.spans.push(span);
            }
            None => sub.handler.handle(tx, event).await.map_err(|e| e.to_string())?,
        }
        done.fresh.push(event);
    }
    Ok(done)
}

/// `sub`'s share, each event in a transaction of its own: what failed, with the error.
async fn one_by_one(
    sub: &Subscription,
    share: Vec<usize>,
    events: &[EventEnvelope],
    parents: &[Option<SpanContext>],
    tracer: Option<&Tracer>,
) -> Vec<(usize, String)> {
    let mut failed = Vec::new();
    for i in share {
        let event = &events[i];
        let span = crate::trace::consume_span(tracer, parents[i].clone(), event, &sub.consumer, "in-process");
        if let Err(error) = deliver_traced(sub, event, span).await {
            tracing::warn!(consumer = %sub.consumer, event_id = %event.id, event_type = %event.event_type, %error, "event handler failed");
            failed.push((i, format!("{}: {error}", sub.consumer)));
        }
    }
    failed
}
