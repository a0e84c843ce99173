//! With `geocoding.url` set, a listing that gives an address but no coordinates gets them from
//! the (Nominatim-compatible) geocoder.

use std::sync::Arc;

use axum::extract::Query;
use reqwest::Method;
use serde_json::json;

use crate::support::{call, data, host};

async fn fake_nominatim() -> String {
    let app = axum::Router::new().route(
        "/search",
        axum::routing::get(
            |Query(q): Query<std::collections::HashMap<String, String>>, headers: axum::http::HeaderMap| async move {
                let agent_ok = headers.get("user-agent").and_then(|v| v.to_str().ok()) == Some("sojourn-tests");
                let found = agent_ok
                    && q.get("city").map(String::as_str) == Some("Paris")
                    && q.get("countrycodes").map(String::as_str) == Some("fr");
                axum::Json(if found {
                    json!([{"lat": "48.8721", "lon": "2.3631", "display_name": "Quai de Valmy"}])
                } else {
                    json!([])
                })
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/search")
}

#[tokio::test]
async fn addresses_are_geocoded_when_configured() {
    let url = fake_nominatim().await;
    let app = testkit::spawn_with(vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog)], |c| {
        c.auth.password_hash.memory_kib = 1024;
        c.auth.password_hash.iterations = 1;
        c.rate_limit.enabled = false;
        c.geocoding.url = Some(url);
        c.geocoding.user_agent = Some("sojourn-tests".into());
    })
    .await;
    let h = host(&app, "geo@example.com").await;
    let mut body = crate::support::loft();
    body.as_object_mut().unwrap().remove("location");
    let listing =
        data(call(&app, Method::POST, Some(&h.token), "/api/v1/listings", Some(&body)).await).await["listing"].clone();
    assert_eq!(listing["location"], json!({"lat": 48.8721, "lng": 2.3631}));

    // Nothing found: the location stays missing, and publishing says so.
    let mut elsewhere = crate::support::loft();
    elsewhere.as_object_mut().unwrap().remove("location");
    elsewhere["address"]["city"] = json!("Atlantis");
    let listing =
        data(call(&app, Method::POST, Some(&h.token), "/api/v1/listings", Some(&elsewhere)).await).await["listing"]
            .clone();
    assert!(listing["location"].is_null());
    let id = listing["id"].as_str().unwrap();
    let err = testkit::expect_error(
        call(&app, Method::POST, Some(&h.token), &format!("/api/v1/listings/{id}/publish"), None).await,
        422,
        "listing_incomplete",
    )
    .await;
    assert!(err.to_string().contains("\"location\""), "{err}");
}
