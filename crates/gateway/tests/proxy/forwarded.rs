//! `X-Forwarded-For` through the gateway: from a peer that is not in `server.trusted_proxies`
//! the client's header is replaced by the peer; from a trusted peer the chain is kept and the
//! peer appended, and the gateway's own rate limit counts the right-most hop that is not a
//! trusted proxy. The same on the shortcut (a plain GET) and through hyper (a POST).
use crate::harness::{fake_upstream, gateway};

#[tokio::test]
async fn an_untrusted_peer_cannot_choose_its_address() {
    let up = fake_upstream("f").await;
    let gw = gateway(vec![up.url()], |c| c.gateway.rate_limit = platform::config::Limit::new(2, 60)).await;
    for spoof in ["6.6.6.6", "6.6.6.7"] {
        let r = gw.client.get(gw.url("/api/v1/things/1")).header("x-forwarded-for", spoof).send().await.unwrap();
        let (status, got) = crate::body(r).await;
        assert_eq!((status, &got["forwardedFor"]), (200, &serde_json::json!("127.0.0.1")), "{got}");
    }
    let r = gw.client.get(gw.url("/api/v1/things/1")).header("x-forwarded-for", "6.6.6.8").send().await.unwrap();
    assert_eq!(r.status(), 429, "the limit is keyed by the peer, whatever the header says");
}

#[tokio::test]
async fn a_trusted_peer_keeps_the_chain_and_the_limit_follows_the_client() {
    let up = fake_upstream("f").await;
    let gw = gateway(vec![up.url()], |c| {
        c.server.trusted_proxies = vec!["127.0.0.1".into()];
        c.gateway.rate_limit = platform::config::Limit::new(1, 60);
    })
    .await;
    let get = |xff: &'static str| gw.client.get(gw.url("/api/v1/things/1")).header("x-forwarded-for", xff).send();
    let (status, got) = crate::body(get("6.6.6.6, 198.51.100.7").await.unwrap()).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["forwardedFor"], "6.6.6.6, 198.51.100.7, 127.0.0.1");
    // Another client behind the same proxy has its own budget.
    assert_eq!(get("198.51.100.8").await.unwrap().status(), 200);
    // Whatever 198.51.100.7 writes on the left, it is still 198.51.100.7.
    assert_eq!(get("1.1.1.1, 198.51.100.7").await.unwrap().status(), 429);
    // Through hyper's server (a body) the same rule applies.
    let r = gw
        .client
        .post(gw.url("/api/v1/things"))
        .header("x-forwarded-for", "203.0.113.5")
        .header("x-forwarded-proto", "https")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}
