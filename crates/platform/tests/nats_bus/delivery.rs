//! Delivery: each subscriber gets the events of its pattern, once, and across restarts.

use super::*;

#[tokio::test]
async fn each_subscriber_gets_the_events_of_its_pattern_once() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    let (bookings, everything) = (Recorder::default(), Recorder::default());
    bus.subscribe(Subscription::new("payments.bookings", "booking.*", database(&dir, "a").await, bookings.clone()));
    bus.subscribe(Subscription::new("audit.all", "*", database(&dir, "b").await, everything.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    for kind in ["booking.created", "booking.confirmed", "listing.published"] {
        bus.publish(&event(kind)).await.unwrap();
    }
    until("three events in the audit", Duration::from_secs(10), || everything.seen().len() == 3).await;
    until("two booking events", Duration::from_secs(10), || bookings.seen().len() == 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(bookings.seen(), ["booking.confirmed", "booking.created"]);
    assert_eq!(everything.seen(), ["booking.confirmed", "booking.created", "listing.published"]);
    assert!(bus.ping().await.is_ok());
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}

#[tokio::test]
async fn a_failed_handler_gets_the_event_again_and_a_republished_event_counts_once() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    let flaky = Recorder { failures: Arc::new(Mutex::new(1)), ..Recorder::default() };
    bus.subscribe(Subscription::new("flaky", "booking.*", database(&dir, "a").await, flaky.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    let e = event("booking.created");
    bus.publish(&e).await.unwrap();
    // The relay published it again (say it crashed before marking it): one message, one effect.
    bus.publish(&e).await.unwrap();
    until("the retry after the failure", Duration::from_secs(10), || flaky.seen().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(flaky.seen(), ["booking.created"]);
    assert_eq!(*flaky.failures.lock().unwrap(), 0, "the first attempt failed");
    let client = async_nats::connect(url.as_str()).await.unwrap();
    let mut stream = async_nats::jetstream::new(client).get_stream(&opts.stream).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1, "the duplicate was dropped by the stream");
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}

#[tokio::test]
async fn a_consumer_that_was_down_gets_what_was_published_meanwhile() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, "a").await;
    let first = Recorder::default();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    bus.subscribe(Subscription::new("booking.payments", "payment.*", db.clone(), first.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    bus.publish(&event("payment.succeeded")).await.unwrap();
    until("the first event", Duration::from_secs(10), || first.seen().len() == 1).await;
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }

    // Down: another process publishes.
    let publisher = NatsBus::connect(opts.clone()).await.unwrap();
    publisher.publish(&event("payment.refunded")).await.unwrap();

    // Back up under the same consumer name: only the missed event arrives.
    let second = Recorder::default();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    bus.subscribe(Subscription::new("booking.payments", "payment.*", db, second.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    until("the missed event", Duration::from_secs(10), || second.seen().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(second.seen(), ["payment.refunded"]);
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}

#[tokio::test]
async fn an_unreachable_server_fails_at_connect() {
    let Some(_) = nats_url() else { return };
    let opts = NatsOptions { url: "nats://127.0.0.1:1".into(), ..options("nats://127.0.0.1:1") };
    let started = Instant::now();
    let err = NatsBus::connect(opts).await.err().expect("no server there");
    assert!(err.to_string().contains("cannot connect"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_consumer_whose_pattern_changed_follows_the_new_pattern() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let db = database(&dir, "a").await;
    let before = Recorder::default();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    bus.subscribe(Subscription::new("search.indexer", "listing.*", db.clone(), before.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    bus.publish(&event("listing.published")).await.unwrap();
    until("the first event", Duration::from_secs(10), || before.seen().len() == 1).await;
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }

    // Redeployed with another pattern under the same name: the old event is not handled again,
    // the new family arrives.
    let after = Recorder::default();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    bus.subscribe(Subscription::new("search.indexer", "*", db, after.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    bus.publish(&event("provider.updated")).await.unwrap();
    until("the new family", Duration::from_secs(10), || after.seen().contains(&"provider.updated".to_owned())).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(after.seen(), ["provider.updated"], "the replayed listing event was skipped as already handled");
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}
