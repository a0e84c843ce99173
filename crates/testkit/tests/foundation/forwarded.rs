//! The client address (`ClientIp`) and `X-Forwarded-For`: ignored unless the TCP peer is in
//! `server.trusted_proxies`; from a trusted peer, the right-most hop that is not a trusted
//! proxy. Rate limits are keyed by that address.

use std::sync::Arc;

use async_trait::async_trait;
use axum::routing::get;
use kernel::ApiError;
use platform::config::Limit;
use platform::db::Migration;
use platform::http::{ClientIp, TrustForwardedFor};
use platform::{Context, ContextEnv, Mounted, StartError};
use serde_json::{Value, json};
use testkit::{TestApp, json, spawn_with};

/// A context answering who the client is, under a per-address limit of two requests a minute.
struct Whois;

#[async_trait]
impl Context for Whois {
    fn name(&self) -> &'static str {
        "whois"
    }

    fn migrations(&self) -> &'static [Migration] {
        &[]
    }

    fn openapi(&self) -> utoipa::openapi::OpenApi {
        utoipa::openapi::OpenApi::default()
    }

    async fn mount(&self, env: &ContextEnv) -> Result<Mounted, StartError> {
        let limits = env.limits.clone();
        let router = axum::Router::new().route(
            "/api/v1/whois",
            get(move |ip: ClientIp, trusted: axum::Extension<TrustForwardedFor>| {
                let limits = limits.clone();
                async move {
                    limits.check(&format!("whois:{}", ip.label()), Limit::new(2, 60)).await.map_err(ApiError::from)?;
                    Ok::<_, ApiError>(axum::Json(json!({"ip": ip.label(), "peerTrusted": trusted.0.0})))
                }
            }),
        );
        Ok(Mounted { router: utoipa_axum::router::OpenApiRouter::from(router), subscriptions: Vec::new() })
    }
}

async fn spawn(trusted: &[&str]) -> TestApp {
    let trusted: Vec<String> = trusted.iter().map(|s| (*s).to_owned()).collect();
    spawn_with(vec![Arc::new(Whois)], move |c| {
        c.rate_limit.enabled = true;
        c.server.trusted_proxies = trusted;
    })
    .await
}

async fn whois(app: &TestApp, forwarded_for: Option<&str>) -> (u16, Value) {
    let mut request = reqwest::Client::new().get(app.url("/api/v1/whois"));
    if let Some(value) = forwarded_for {
        request = request.header("x-forwarded-for", value);
    }
    json(request.send().await.unwrap()).await
}

#[tokio::test]
async fn spoofed_forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = spawn(&[]).await;
    let (status, body) = whois(&app, Some("6.6.6.6")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((&body["ip"], &body["peerTrusted"]), (&json!("127.0.0.1"), &json!(false)));
    // Changing the header does not escape the limit: it is keyed by the peer.
    assert_eq!(whois(&app, Some("6.6.6.7")).await.0, 200);
    let (status, body) = whois(&app, Some("6.6.6.8")).await;
    assert_eq!((status, &body["code"]), (429, &json!("rate_limited")), "{body}");
    app.shutdown().await.unwrap();

    // A proxy is trusted only when it is the peer: listing another address changes nothing.
    let app = spawn(&["10.0.0.0/8"]).await;
    let (_, body) = whois(&app, Some("6.6.6.6, 10.0.0.1")).await;
    assert_eq!(body["ip"], "127.0.0.1", "{body}");
    app.shutdown().await.unwrap();
}

#[tokio::test]
async fn from_a_trusted_peer_the_right_most_untrusted_hop_is_the_client() {
    let app = spawn(&["127.0.0.1", "10.0.0.0/8"]).await;
    // What the client wrote (6.6.6.6) is left of what the proxy saw (198.51.100.7).
    let (status, body) = whois(&app, Some("6.6.6.6, 198.51.100.7")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((&body["ip"], &body["peerTrusted"]), (&json!("198.51.100.7"), &json!(true)));
    // Hops added by trusted proxies are skipped.
    let (_, body) = whois(&app, Some("6.6.6.6, 198.51.100.7, 10.1.2.3")).await;
    assert_eq!(body["ip"], "198.51.100.7", "{body}");
    // The limit follows the client, whatever the client puts on the left.
    let (status, body) = whois(&app, Some("1.1.1.1, 198.51.100.7")).await;
    assert_eq!((status, &body["code"]), (429, &json!("rate_limited")), "{body}");
    let (status, body) = whois(&app, Some("198.51.100.8")).await;
    assert_eq!((status, &body["ip"]), (200, &json!("198.51.100.8")), "{body}");
    // No header from a trusted proxy: the proxy itself.
    let (_, body) = whois(&app, None).await;
    assert_eq!(body["ip"], "127.0.0.1", "{body}");
    app.shutdown().await.unwrap();
}
