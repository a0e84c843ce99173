//! Retries with backoff, what is never retried, timeouts and the circuit breaker.

use std::time::{Duration, Instant};

use travel::amadeus::fake::Fault;
use travel::provider::{Operation, Provider, Request};

use super::support::*;

#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let s = setup().await;
    s.fake.fail_next(1, Fault::TooManyRequests { retry_after_secs: 1 });
    let started = Instant::now();
    let answer = s.amadeus.call(&flight_offers()).await.unwrap();
    assert_eq!(answer["data"][0]["type"], "flight-offer");
    assert!(started.elapsed() >= Duration::from_millis(950), "waited {:?}", started.elapsed());
    assert_eq!(s.fake.api_requests().len(), 2);
    assert_eq!(s.backend.seen().len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_up_to_max_attempts() {
    let s = setup().await;
    s.fake.fail_next(2, Fault::ServerError);
    let answer = s.amadeus.call(&pricing()).await.unwrap();
    assert_eq!(answer["data"]["flightOffers"][0]["id"], "1");
    assert_eq!(s.fake.api_requests().len(), 3);

    s.fake.fail_next(3, Fault::ServerError);
    let error = s.amadeus.call(&pricing()).await.unwrap_err();
    assert_eq!((error.status, error.code.as_ref()), (503, "service_unavailable"));
    assert!(error.retry_after.is_some_and(|s| s > 0));
    assert!(!error.message.contains("SYSTEM ERROR"), "nothing of Amadeus's 5xx: {}", error.message);
    assert_eq!(s.fake.api_requests().len(), 6);
}

#[tokio::test]
async fn a_write_without_a_key_is_not_retried_once_sent_and_one_with_a_key_is() {
    let s = setup().await;
    s.fake.fail_next(1, Fault::ServerError);
    assert_eq!(s.amadeus.call(&order("1")).await.unwrap_err().status, 503);
    assert_eq!(s.fake.api_requests().len(), 1);

    s.fake.fail_next(1, Fault::ServerError);
    let answer = s.amadeus.call(&order("1").key("k-1")).await.unwrap();
    assert_eq!(answer["data"]["id"], "ORDER-1");
    let calls = s.fake.api_requests();
    assert_eq!(calls.len(), 3);
    assert_eq!((calls[1].idempotency_key.as_deref(), calls[2].idempotency_key.as_deref()), (Some("k-1"), Some("k-1")));

    // Rate limited: Amadeus did nothing, so even an unkeyed write may go again.
    s.fake.fail_next(1, Fault::TooManyRequests { retry_after_secs: 0 });
    assert!(s.amadeus.call(&order("1")).await.is_ok());
    assert_eq!(s.fake.api_requests().len(), 5);
}

#[tokio::test]
async fn a_timeout_is_a_503_and_a_read_is_retried_after_one() {
    let s = setup_with(|c| c.max_attempts = 2).await;
    s.fake.fail_next(1, Fault::Hang(Duration::from_millis(1500)));
    let started = Instant::now();
    assert!(s.amadeus.call(&flight_offers()).await.is_ok());
    assert!(started.elapsed() >= Duration::from_secs(1), "the first attempt timed out");
    assert_eq!(s.fake.api_requests().len(), 2);

    let s = setup_with(|c| c.max_attempts = 1).await;
    s.fake.fail_next(1, Fault::Hang(Duration::from_millis(1500)));
    let error = s.amadeus.call(&Request::new(Operation::FlightOrder).id("ORDER-1")).await.unwrap_err();
    assert_eq!(error.status, 503);
    assert!(error.retry_after.is_some());
}

#[tokio::test]
async fn persistent_failures_open_the_circuit_and_a_good_trial_closes_it() {
    let s = setup_with(|c| {
        c.max_attempts = 2;
        c.breaker_failures = 3;
    })
    .await;
    s.amadeus.call(&pricing()).await.unwrap();
    s.fake.fail_next(100, Fault::ServerError);
    // 2 + 1 failed attempts open it; the second call fails fast on its second attempt.
    assert_eq!(s.amadeus.call(&pricing()).await.unwrap_err().status, 503);
    let error = s.amadeus.call(&pricing()).await.unwrap_err();
    assert_eq!(error.status, 503);
    assert_eq!(s.fake.api_requests().len(), 1 + 3);

    // Open: nothing reaches Amadeus, and callers are told when to come back.
    let started = Instant::now();
    for _ in 0..5 {
        let error = s.amadeus.call(&pricing()).await.unwrap_err();
        assert_eq!((error.status, error.retry_after), (503, Some(1)));
    }
    assert!(started.elapsed() < Duration::from_millis(100), "fails fast");
    assert_eq!(s.fake.api_requests().len(), 4);

    // After the window, one trial: it fails, and the circuit opens again at once.
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert_eq!(s.amadeus.call(&pricing()).await.unwrap_err().status, 503);
    assert_eq!(s.fake.api_requests().len(), 5, "one trial, not retried while open");

    // The next trial succeeds and the circuit closes.
    s.fake.clear_faults();
    tokio::time::sleep(Duration::from_millis(1050)).await;
    assert!(s.amadeus.call(&pricing()).await.is_ok());
    for _ in 0..3 {
        assert!(s.amadeus.call(&pricing()).await.is_ok());
    }
    assert_eq!(s.fake.api_requests().len(), 5 + 4);
}

#[tokio::test]
async fn no_connection_is_a_503_and_counts_toward_the_breaker() {
    let port = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut config = config(&format!("http://127.0.0.1:{port}"));
    config.breaker_failures = 2;
    let amadeus = travel::amadeus::Amadeus::new(&config, platform::secrets::Secret::new(CLIENT_SECRET)).unwrap();
    let error = amadeus.call(&order("1")).await.unwrap_err();
    assert_eq!((error.status, error.retry_after), (503, Some(1)), "the second failure opened the circuit");
    let error = amadeus.call(&locations("SAMPLE")).await.unwrap_err();
    assert_eq!((error.status, error.retry_after), (503, Some(1)));
    assert_eq!(amadeus.tokens_fetched(), 0);
}
