//! The OAuth2 token: fetched once, reused, renewed before it expires by one caller, and renewed
//! once when Amadeus refuses it; the client secret never reaches an error.

use std::time::Duration;

use travel::provider::Provider;

use super::support::*;

#[tokio::test]
async fn the_token_is_fetched_once_with_the_client_credentials_and_reused() {
    let s = setup().await;
    for _ in 0..3 {
        s.amadeus.call(&pricing()).await.unwrap();
    }
    assert_eq!(s.fake.token_requests(), 1);
    assert_eq!(s.amadeus.tokens_fetched(), 1);
    let token = &s.fake.requests()[0];
    assert_eq!(token.method, "POST");
    assert_eq!(token.content_type.as_deref(), Some("application/x-www-form-urlencoded"));
    let form: Vec<(&str, &str)> = token.form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        form,
        [("grant_type", "client_credentials"), ("client_id", CLIENT_ID), ("client_secret", CLIENT_SECRET)]
    );
    let calls = s.fake.api_requests();
    assert_eq!(calls.len(), 3);
    let bearer = calls[0].authorization.clone().unwrap();
    assert!(bearer.starts_with("Bearer fake1x"), "{bearer}");
    assert!(calls.iter().all(|c| c.authorization.as_deref() == Some(bearer.as_str())));
}

#[tokio::test]
async fn the_token_is_renewed_before_it_expires() {
    let s = setup().await;
    // A one-second token is renewed with a tenth of it left, before the fake would refuse it.
    s.fake.set_token_lifetime(1);
    s.amadeus.call(&pricing()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(920)).await;
    s.amadeus.call(&pricing()).await.unwrap();
    assert_eq!(s.fake.token_requests(), 2);
    let calls = s.fake.api_requests();
    assert_eq!(calls.len(), 2, "no call was refused: the old token was never sent late");
    assert_ne!(calls[0].authorization, calls[1].authorization);
}

#[tokio::test]
async fn twenty_concurrent_calls_cause_one_token_request() {
    let s = setup().await;
    let burst = |n: usize| {
        let tasks: Vec<_> = (0..n)
            .map(|i| {
                let amadeus = s.amadeus.clone();
                // Different ids: no cache in the way.
                tokio::spawn(async move { amadeus.call(&order("1").key(format!("k{i}"))).await })
            })
            .collect();
        async move {
            for task in tasks {
                task.await.unwrap().unwrap();
            }
        }
    };
    burst(20).await;
    assert_eq!(s.fake.token_requests(), 1, "cold start");

    // The token expires; twenty calls at once renew it once.
    s.fake.set_token_lifetime(1);
    s.fake.revoke_tokens();
    s.amadeus.call(&order("1")).await.unwrap();
    assert_eq!(s.fake.token_requests(), 2);
    s.fake.set_token_lifetime(1799);
    tokio::time::sleep(Duration::from_millis(950)).await;
    burst(20).await;
    assert_eq!(s.fake.token_requests(), 3);
    assert_eq!(s.fake.api_requests().len(), 20 + 2 + 20);
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_call_repeated() {
    let s = setup().await;
    s.amadeus.call(&pricing()).await.unwrap();
    s.fake.revoke_tokens();
    let answer = s.amadeus.call(&pricing()).await.unwrap();
    assert_eq!(answer["data"]["type"], "flight-offers-pricing");
    assert_eq!(s.fake.token_requests(), 2);
    let calls = s.fake.api_requests();
    assert_eq!(calls.len(), 3);
    assert_eq!(calls[0].authorization, calls[1].authorization, "the refused call");
    assert_ne!(calls[1].authorization, calls[2].authorization, "repeated with the new token");
    assert_eq!(s.backend.seen().len(), 2, "the refused call never reached the supplier");
}

#[tokio::test]
async fn wrong_credentials_are_a_503_that_says_nothing_of_them() {
    let s = setup().await;
    let wrong = "wrong-secret-value-that-must-not-leak-000000";
    let amadeus = travel::amadeus::Amadeus::new(&config(&s.fake.url), platform::secrets::Secret::new(wrong)).unwrap();
    let error = amadeus.call(&flight_offers()).await.unwrap_err();
    assert_eq!((error.status, error.code.as_ref()), (503, "service_unavailable"));
    assert!(error.retry_after.is_some());
    let shown = format!("{error:?} {}", error.message);
    assert!(!shown.contains(wrong) && !shown.contains("secret") && !shown.contains("credential"), "{shown}");
    assert!(!format!("{amadeus:?}").contains(wrong));
    assert_eq!(s.fake.token_requests(), 1, "a refusal of the credentials is not retried");
    assert!(s.fake.api_requests().is_empty());
    // Nor is an empty secret accepted.
    assert!(travel::amadeus::Amadeus::new(&config(&s.fake.url), platform::secrets::Secret::new(" ")).is_err());
}
