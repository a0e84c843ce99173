//! Search replicas across processes: each search process keeps its own index, in its own
//! database, fed by its own durable consumers. A replica started after listings were published
//! bootstraps from catalog's feed over HTTP; a listing published afterwards reaches both.

use std::time::{Duration, Instant};

use reqwest::{Client, Method};
use serde_json::{Value, json};

use super::Api;
use super::cluster::{Engines, Role, Shared};

/// A search replica named `instance`, with its database in a directory of its own.
fn replica(shared: &Shared, instance: &str, jwks: &str, catalog: &Role, db: &tempfile::TempDir) -> Role {
    shared.role(
        "search",
        &[
            ("SOJOURN__AUTH__JWKS_URL", jwks.to_owned()),
            ("SOJOURN__SERVICES__CATALOG_URL", catalog.base()),
            ("SOJOURN__CONTEXTS__SEARCH__INSTANCE", instance.to_owned()),
            ("SOJOURN__CONTEXTS__SEARCH__DATABASE_URL", format!("sqlite://{}", db.path().display())),
        ],
    )
}

/// Waits until `q` finds `id` on `replica`.
async fn finds(client: &Client, replica: &Role, q: &str, id: &str) {
    let started = Instant::now();
    loop {
        let url = format!("{}/api/v1/search/listings?q={q}", replica.base());
        let body: Value = client.get(&url).send().await.unwrap().json().await.unwrap_or(Value::Null);
        let hits = body["data"]["listings"].as_array().cloned().unwrap_or_default();
        if hits.iter().any(|h| h["id"] == id) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{} never found {id}: {body}\n{}",
            replica.base(),
            replica.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn publish(api: &Api, host: &str, title: &str) -> String {
    let body = json!({"kind": "stay", "title": title, "description": "A bright flat on the canal, close to everything.",
        "address": {"line1": "1 Quai de Valmy", "city": "Paris", "country": "FR"}, "location": {"lat": 48.87, "lng": 2.36},
        "instantBook": true, "stay": {"propertyType": "apartment", "maxGuests": 2, "bedrooms": 1, "beds": 1,
        "bathrooms": 1, "nightlyPrice": 10000, "checkInTime": "15:00", "checkOutTime": "11:00"}});
    let listing = api.ok(Method::POST, Some(host), "/api/v1/listings", Some(&body)).await;
    let id = listing["listing"]["id"].as_str().unwrap().to_owned();
    api.ok(Method::POST, Some(host), &format!("/api/v1/listings/{id}/publish"), None).await;
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_search_replica_keeps_its_own_index_of_every_listing() {
    let Some(engines) = Engines::from_env() else { return };
    let client = Client::new();
    let shared = Shared::create(&engines).await;
    let (identity, jwks) = shared.identity(&client).await;
    let mut catalog = shared.role("catalog", &[("SOJOURN__AUTH__JWKS_URL", jwks.clone())]);
    catalog.start();
    catalog.wait_ready(&client).await;
    let (db_a, db_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut a = replica(&shared, "search-a", &jwks, &catalog, &db_a);
    a.start();
    a.wait_ready(&client).await;

    let accounts = Api { client: client.clone(), base: identity.base() };
    let host = accounts.register("host@example.com").await;
    let api = Api { client: client.clone(), base: catalog.base() };
    let provider = json!({"displayName": "Host", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    api.ok(Method::POST, Some(&host), "/api/v1/providers", Some(&provider)).await;
    let first = publish(&api, &host, "Canal flat").await;
    finds(&client, &a, "canal", &first).await;

    // A replica started now builds its index (catalog's feed over HTTP, or the stream).
    let mut b = replica(&shared, "search-b", &jwks, &catalog, &db_b);
    b.start();
    b.wait_ready(&client).await;
    finds(&client, &b, "canal", &first).await;

    // A later listing reaches both: each replica has its own consumers.
    let second = publish(&api, &host, "Harbour loft").await;
    finds(&client, &a, "harbour", &second).await;
    finds(&client, &b, "harbour", &second).await;
}
