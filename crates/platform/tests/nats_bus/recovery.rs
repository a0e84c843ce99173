//! Recovery: a failing handler, a copy the stream could not recognise and a lost stream neither
//! lose events nor apply them twice.

use platform::events::durable_name;

use super::*;

#[tokio::test]
async fn a_copy_published_after_the_duplicate_window_is_handled_once() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    let recorder = Recorder::default();
    bus.subscribe(Subscription::new(
        "notifications.bookings",
        "booking.*",
        database(&dir, "a").await,
        recorder.clone(),
    ));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    let e = event("booking.confirmed");
    bus.publish(&e).await.unwrap();
    // The relay's re-publish as the stream sees it once its duplicate window has passed: the
    // same event, without a message id it remembers.
    let js = jetstream(&url).await;
    let subject = format!("{}.booking.confirmed", opts.subject_prefix);
    js.publish(subject, serde_json::to_vec(&e).unwrap().into()).await.unwrap().await.unwrap();
    let mut stream = js.get_stream(&opts.stream).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 2, "the stream kept both copies");

    // Both copies are acknowledged; the effect happened once.
    let durable = durable_name("notifications.bookings");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info = stream.consumer_info(&durable).await.unwrap();
        if info.ack_floor.stream_sequence == 2 && info.num_ack_pending == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "copies not both acknowledged: {info:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(recorder.seen(), ["booking.confirmed"]);
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}

#[tokio::test]
async fn a_failing_event_does_not_hold_up_the_next_one() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    let flaky = Recorder { failures: Arc::new(Mutex::new(1)), ..Recorder::default() };
    bus.subscribe(Subscription::new("payments.refunds", "booking.*", database(&dir, "a").await, flaky.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    bus.publish(&event("booking.cancelled")).await.unwrap();
    bus.publish(&event("booking.created")).await.unwrap();
    until("both events", Duration::from_secs(10), || flaky.seen().len() == 2).await;
    assert_eq!(
        flaky.seen_in_order(),
        ["booking.created", "booking.cancelled"],
        "the failed event is retried later, after the one behind it"
    );
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}

#[tokio::test]
async fn an_event_that_fails_on_every_delivery_is_abandoned_after_max_deliver() {
    let Some(url) = nats_url() else { return };
    let opts = NatsOptions { max_deliver: 2, ..options(&url) };
    let dir = tempfile::tempdir().unwrap();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    let broken = Recorder { failures: Arc::new(Mutex::new(2)), ..Recorder::default() };
    bus.subscribe(Subscription::new("reviews.stays", "booking.*", database(&dir, "a").await, broken.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    bus.publish(&event("booking.completed")).await.unwrap();
    until("both deliveries", Duration::from_secs(10), || *broken.failures.lock().unwrap() == 0).await;
    bus.publish(&event("booking.created")).await.unwrap();
    until("the next event", Duration::from_secs(10), || broken.seen().len() == 1).await;
    // A third delivery would come 2 s after the second.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(broken.seen(), ["booking.created"], "the failing event was not delivered a third time");
    let stream = jetstream(&url).await.get_stream(&opts.stream).await.unwrap();
    let info = stream.consumer_info(&durable_name("reviews.stays")).await.unwrap();
    assert_eq!((info.num_pending, info.num_ack_pending), (0, 0), "nothing left for this consumer: {info:?}");
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}

#[tokio::test]
async fn a_lost_stream_is_recreated_and_delivery_resumes() {
    let Some(url) = nats_url() else { return };
    let opts = options(&url);
    let dir = tempfile::tempdir().unwrap();
    let bus = NatsBus::connect(opts.clone()).await.unwrap();
    let recorder = Recorder::default();
    bus.subscribe(Subscription::new("search.listings", "listing.*", database(&dir, "a").await, recorder.clone()));
    let (stop_handle, stop) = stop_pair();
    let workers = bus.start(stop);
    bus.publish(&event("listing.published")).await.unwrap();
    until("the first event", Duration::from_secs(10), || recorder.seen().len() == 1).await;

    // The stream goes away (deleted by hand, or a NATS server back with empty storage).
    jetstream(&url).await.delete_stream(&opts.stream).await.unwrap();
    bus.publish(&event("listing.updated")).await.expect("the publish recreates the stream");
    until("the event after the loss", Duration::from_secs(20), || recorder.seen().len() == 2).await;
    assert_eq!(recorder.seen(), ["listing.published", "listing.updated"]);
    assert!(bus.ping().await.is_ok());
    stop_handle.stop();
    for w in workers {
        w.await.unwrap();
    }
    delete_stream(&opts).await;
}
