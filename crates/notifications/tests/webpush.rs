//! Web Push end to end against the fake push service: what `send` posts is accepted (VAPID
//! verified) and decrypted with the subscriber's keys, and each answer of the push service is
//! sorted into done, gone, rejected or retry. No database involved.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "api/fake_push.rs"]
mod fake_push;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fake_push::{FakePush, Subscriber};
use notifications::webpush::{
    PushOptions, SendError, Sent, Subscription, Urgency, Vapid, http_client, send, topic_from,
};
use serde_json::json;

const SECRET: &str = "a development secret: random hex in practice, 0123456789abcdef";

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

fn vapid() -> Vapid {
    Vapid::from_secret(SECRET, "mailto:ops@sojourn.example".to_owned()).unwrap()
}

fn subscription(sub: &Subscriber) -> Subscription {
    Subscription::parse(&sub.json, true).unwrap()
}

async fn push(sub: &Subscriber, payload: &[u8]) -> Result<Sent, SendError> {
    let client = http_client(true).unwrap();
    send(&client, &vapid(), &subscription(sub), payload, &PushOptions::default(), now()).await
}

#[tokio::test]
async fn a_push_is_accepted_and_decrypted_by_the_subscriber() {
    let fake = FakePush::start().await;
    let vapid = vapid();
    let sub = fake.subscriber_for_key(vapid.public_key_b64url());
    let other = fake.subscriber();
    let payload = json!({"title": "Your booking is confirmed", "url": "/trips/42", "tag": "booking_confirmed"});
    let opts = PushOptions { ttl_secs: 3600, urgency: Urgency::High, topic: Some(topic_from("delivery-42")) };
    let client = http_client(true).unwrap();

    let sent = send(&client, &vapid, &subscription(&sub), payload.to_string().as_bytes(), &opts, now()).await.unwrap();

    let location = sent.location.expect("a Location");
    assert!(location.starts_with(&format!("{}/message/", fake.origin())), "{location}");
    assert_eq!(fake.received_json(&sub), [payload]);
    assert!(fake.received(&other).is_empty());
    let posts = fake.posts();
    assert_eq!(posts.len(), 1);
    let headers = &posts[0].headers;
    assert_eq!(headers["content-encoding"], "aes128gcm");
    assert_eq!(headers["content-type"], "application/octet-stream");
    assert_eq!(headers["ttl"], "3600");
    assert_eq!(headers["urgency"], "high");
    assert_eq!(headers["topic"], opts.topic.as_deref().unwrap());
    let authorization = headers["authorization"].to_str().unwrap();
    assert!(authorization.starts_with("vapid t="));
    assert!(authorization.ends_with(&format!(", k={}", vapid.public_key_b64url())));
    // The body is ciphertext: the payload's words are not in it.
    assert!(!posts[0].body.windows(7).any(|w| w == b"booking"));
}

#[tokio::test]
async fn binary_and_maximal_payloads_round_trip() {
    let fake = FakePush::start().await;
    let sub = fake.subscriber();
    let big: Vec<u8> = (0..3993u32).map(|i| (i % 251) as u8).collect();
    push(&sub, b"").await.unwrap();
    push(&sub, &big).await.unwrap();
    assert_eq!(fake.received(&sub), [Vec::new(), big]);
    assert!(fake.posts().iter().all(|p| p.body.len() <= 4096));
}

#[tokio::test]
async fn too_large_a_payload_is_rejected_before_any_request() {
    let fake = FakePush::start().await;
    let sub = fake.subscriber();
    let result = push(&sub, &[b'x'; 3994]).await;
    assert!(matches!(result, Err(SendError::Rejected(ref why)) if why.contains("3993")), "{result:?}");
    assert!(fake.posts().is_empty());
}

#[tokio::test]
async fn gone_subscriptions_are_reported_for_removal() {
    let fake = FakePush::start().await;
    for status in [410, 404] {
        let sub = fake.subscriber();
        fake.fail_with(&sub, status);
        assert_eq!(push(&sub, b"{}").await, Err(SendError::Gone(status)));
        assert!(fake.received(&sub).is_empty());
    }
    // An endpoint the push service never issued is 404 too.
    let mut unknown = fake.subscriber();
    unknown.json["endpoint"] = json!(format!("{}/push/never-issued", fake.origin()));
    assert_eq!(push(&unknown, b"{}").await, Err(SendError::Gone(404)));
}

#[tokio::test]
async fn server_errors_are_retried_then_delivered_once() {
    let fake = FakePush::start().await;
    let sub = fake.subscriber();
    fake.fail_with(&sub, 500);
    let result = push(&sub, b"{\"n\":1}").await;
    assert!(matches!(result, Err(SendError::Retry(ref why, None)) if why.contains("500")), "{result:?}");
    fake.fail_with(&sub, 502);
    assert!(matches!(push(&sub, b"{\"n\":1}").await, Err(SendError::Retry(_, None))));
    fake.heal(&sub);
    push(&sub, b"{\"n\":1}").await.unwrap();
    assert_eq!(fake.received_json(&sub), [json!({"n": 1})]);
    assert_eq!(fake.posts().len(), 3);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let fake = FakePush::start().await;
    let sub = fake.subscriber();
    fake.fail_with_retry_after(&sub, 429, 120);
    assert!(matches!(push(&sub, b"{}").await, Err(SendError::Retry(_, Some(d))) if d == Duration::from_secs(120)));
    fake.fail_with_retry_after(&sub, 503, 7);
    assert!(matches!(push(&sub, b"{}").await, Err(SendError::Retry(_, Some(d))) if d == Duration::from_secs(7)));
}

#[tokio::test]
async fn permanent_refusals_are_rejected() {
    let fake = FakePush::start().await;
    for status in [400, 401, 403, 413] {
        let sub = fake.subscriber();
        fake.fail_with(&sub, status);
        let result = push(&sub, b"{}").await;
        assert!(
            matches!(result, Err(SendError::Rejected(ref why)) if why.contains(&status.to_string())),
            "{status}: {result:?}"
        );
    }
}

#[tokio::test]
async fn the_fake_refuses_bad_vapid_like_a_real_push_service() {
    let fake = FakePush::start().await;
    // Bound to another server's key: 403.
    let other = Vapid::from_secret("another deployment's secret, not ours at all", "https://x.example".into()).unwrap();
    let bound = fake.subscriber_for_key(other.public_key_b64url());
    let result = push(&bound, b"{}").await;
    assert!(matches!(result, Err(SendError::Rejected(ref why)) if why.contains("403")), "{result:?}");
    // A token that expired: 401.
    let sub = fake.subscriber();
    let client = http_client(true).unwrap();
    let stale = now() - 13 * 3600;
    let result = send(&client, &vapid(), &subscription(&sub), b"{}", &PushOptions::default(), stale).await;
    assert!(matches!(result, Err(SendError::Rejected(ref why)) if why.contains("401") && why.contains("exp")));
    assert!(fake.received(&sub).is_empty());
    assert_eq!(fake.posts().iter().map(|p| p.status).collect::<Vec<_>>(), [403, 401]);
}

#[tokio::test]
async fn network_failures_are_retried() {
    // Nothing listens on a port just released.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let mut sub = Subscription::parse(&FakePush::start().await.subscriber().json, true).unwrap();
    sub.endpoint = format!("http://{closed}/push/x");
    let client = http_client(true).unwrap();
    let result = send(&client, &vapid(), &sub, b"{}", &PushOptions::default(), now()).await;
    assert!(
        matches!(result, Err(SendError::Retry(ref why, None)) if why.starts_with("could not connect")),
        "{result:?}"
    );
    assert!(!format!("{result:?}").contains("/push/x"), "the endpoint stays out of the reason");

    // A push service that accepts the connection and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    sub.endpoint = format!("http://{}/push/x", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let (_socket, _) = silent.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let result = send(&impatient, &vapid(), &sub, b"{}", &PushOptions::default(), now()).await;
    assert!(matches!(result, Err(SendError::Retry(ref why, None)) if why.starts_with("timed out")), "{result:?}");
    hold.abort();
}

#[tokio::test]
async fn the_public_client_does_not_reach_local_addresses() {
    let fake = FakePush::start().await;
    let sub = fake.subscriber();
    // The subscription check refuses the fake's loopback endpoint outright...
    let refused = Subscription::parse(&sub.json, false).unwrap_err();
    assert_eq!(refused.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["endpoint"]);
    // ...and a name that resolves to loopback is not connected to by the production client.
    let mut by_name = subscription(&sub);
    by_name.endpoint = by_name.endpoint.replace("127.0.0.1", "localhost");
    let result = send(&http_client(false).unwrap(), &vapid(), &by_name, b"{}", &PushOptions::default(), now()).await;
    assert!(matches!(result, Err(SendError::Retry(..))), "{result:?}");
    assert!(fake.posts().is_empty());
}

#[tokio::test]
async fn an_invalid_topic_is_rejected_before_any_request() {
    let fake = FakePush::start().await;
    let sub = fake.subscriber();
    let opts = PushOptions { topic: Some("not a topic!".into()), ..PushOptions::default() };
    let result = send(&http_client(true).unwrap(), &vapid(), &subscription(&sub), b"{}", &opts, now()).await;
    assert!(matches!(result, Err(SendError::Rejected(_))), "{result:?}");
    assert!(fake.posts().is_empty());
}
