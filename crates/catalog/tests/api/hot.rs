//! The hot cache of public answers (`platform::hot`, in-process, no Redis): a cached read is
//! the uncached one byte for byte, every change shows on the next read, `If-None-Match` gets
//! `304` only for the current ETag, drafts never leave their owner, and readers racing a writer
//! all see the last version once it is saved.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

use crate::photos::{add_ready, jpeg, part};
use crate::support::{call, create_listing, data, host, loft, spawn};

fn metric(text: &str, name: &str) -> u64 {
    text.lines().find_map(|l| l.strip_prefix(name)?.trim().parse().ok()).unwrap_or(0)
}

async fn hits(app: &TestApp) -> u64 {
    let text = app.client.get(app.url("/metrics")).send().await.unwrap().text().await.unwrap();
    metric(&text, "sojourn_hot_cache_hits_total{context=\"catalog\"}")
}

/// A public read: (status, ETag, raw body).
async fn read(app: &TestApp, path: &str, if_none_match: Option<&str>) -> (u16, String, Vec<u8>) {
    let mut request = app.client.get(app.url(path));
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let etag = response.headers().get("etag").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, etag, response.bytes().await.unwrap().to_vec())
}

fn parsed(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap()
}

/// A published loft: (host token, listing path).
async fn published(app: &TestApp, email: &str) -> (String, String, String) {
    let h = host(app, email).await;
    let id = create_listing(app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    data(call(app, Method::POST, Some(&h.token), &format!("{path}/publish"), None).await).await;
    (h.token, id, path)
}

#[tokio::test]
async fn a_cached_read_is_the_uncached_one_and_revalidates_with_304() {
    let app = spawn().await;
    let (token, _, path) = published(&app, "host@example.com").await;
    let before = hits(&app).await;
    let (status, etag, first) = read(&app, &path, None).await;
    assert_eq!(status, 200);
    assert!(etag.starts_with("\"2."), "{etag}");
    let (_, again_tag, again) = read(&app, &path, None).await;
    assert_eq!((again_tag.as_str(), &again), (etag.as_str(), &first), "the hit is the same bytes and ETag");
    assert!(hits(&app).await > before, "the second read was served from the cache");
    // The owner's answer is built for them every time (never cached): with every photo ready,
    // it is what the public gets.
    let owner = call(&app, Method::GET, Some(&token), &path, None).await;
    assert_eq!(owner.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(parsed(&owner.bytes().await.unwrap()), parsed(&first));

    // Revalidation: the current ETag → 304 and no body; an old or foreign one → the body.
    let (status, tag, body) = read(&app, &path, Some(&etag)).await;
    assert_eq!((status, tag.as_str(), body.len()), (304, etag.as_str(), 0));
    let (status, _, body) = read(&app, &path, Some(&format!("\"x\", W/{etag}"))).await;
    assert_eq!((status, body.len()), (304, 0), "a list, weak form included");
    let (status, _, body) = read(&app, &path, Some("\"1.0000000000000000\"")).await;
    assert_eq!((status, parsed(&body)), (200, parsed(&first)));

    // The detail's ETag still guards writes.
    let put = app.client.put(app.url(&path)).bearer_auth(&token).header("if-match", &etag);
    let response = put.json(&json!({"title": "Loft, canal side"})).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let (status, newer, body) = read(&app, &path, Some(&etag)).await;
    assert_eq!(status, 200, "the old ETag is no longer current");
    assert!(newer.starts_with("\"3."), "{newer}");
    assert_eq!(parsed(&body)["data"]["listing"]["title"], "Loft, canal side");
}

#[tokio::test]
async fn every_change_shows_on_the_next_read() {
    let app = spawn().await;
    let (token, id, path) = published(&app, "host@example.com").await;
    let photos_path = format!("{path}/photos");
    for p in [&path, &path, &photos_path, &photos_path] {
        assert_eq!(read(&app, p, None).await.0, 200, "read and cached");
    }
    // A price change.
    let body = json!({"stay": {"nightlyPrice": 15000}});
    data(call(&app, Method::PUT, Some(&token), &path, Some(&body)).await).await;
    let (_, _, seen) = read(&app, &path, None).await;
    assert_eq!(parsed(&seen)["data"]["listing"]["stay"]["nightlyPrice"], 15000);

    // A photo added (and made ready by its job): in the detail and in the photo list.
    let photo = add_ready(&app, &token, &id, part(jpeg(64, 48, 10))).await;
    let (_, _, seen) = read(&app, &path, None).await;
    assert_eq!(parsed(&seen)["data"]["listing"]["photos"][0]["id"], photo["id"]);
    let (_, _, listed) = read(&app, &photos_path, None).await;
    assert_eq!(parsed(&listed)["data"]["photos"][0]["id"], photo["id"]);
    let (_, photos_tag, _) = read(&app, &photos_path, None).await;
    assert_eq!(read(&app, &photos_path, Some(&photos_tag)).await.0, 304);

    // Unpublished: gone for the public at once, though it was cached.
    data(call(&app, Method::POST, Some(&token), &format!("{path}/unpublish"), None).await).await;
    assert_eq!(read(&app, &path, None).await.0, 404);
    assert_eq!(read(&app, &photos_path, None).await.0, 404);
}

#[tokio::test]
async fn drafts_are_never_served_to_the_public() {
    let app = spawn().await;
    let h = host(&app, "host@example.com").await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    for _ in 0..2 {
        data(call(&app, Method::GET, Some(&h.token), &path, None).await).await;
        data(call(&app, Method::GET, Some(&h.token), &format!("{path}/photos"), None).await).await;
    }
    assert_eq!(read(&app, &path, None).await.0, 404);
    assert_eq!(read(&app, &format!("{path}/photos"), None).await.0, 404);
    let stranger = crate::support::register(&app, "stranger@example.com").await;
    assert_eq!(call(&app, Method::GET, Some(&stranger.token), &path, None).await.status(), 404);
}

#[tokio::test]
async fn provider_profiles_are_cached_and_forgotten_on_change() {
    let app = spawn().await;
    let h = host(&app, "host@example.com").await;
    let me = data(call(&app, Method::GET, Some(&h.token), "/api/v1/providers/me", None).await).await;
    let path = format!("/api/v1/providers/{}", me["provider"]["id"].as_str().unwrap());
    let (_, etag, first) = read(&app, &path, None).await;
    assert_eq!(parsed(&first)["data"]["provider"]["displayName"], "Canal Stays");
    assert_eq!(read(&app, &path, Some(&etag)).await.0, 304);
    let body = json!({"displayName": "Quai Stays"});
    data(call(&app, Method::PUT, Some(&h.token), "/api/v1/providers/me", Some(&body)).await).await;
    let (status, _, seen) = read(&app, &path, Some(&etag)).await;
    assert_eq!((status, &parsed(&seen)["data"]["provider"]["displayName"]), (200, &json!("Quai Stays")));
    assert_eq!(read(&app, "/api/v1/providers/00000000-0000-7000-8000-000000000000", None).await.0, 404);
}

#[tokio::test]
async fn readers_racing_a_writer_all_see_the_last_version() {
    let app = Arc::new(spawn().await);
    let (token, _, path) = published(&app, "host@example.com").await;
    let path: Arc<str> = path.into();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..12)
        .map(|_| {
            let (app, path, done) = (app.clone(), path.clone(), done.clone());
            tokio::spawn(async move {
                let mut reads = 0;
                while !done.load(std::sync::atomic::Ordering::Acquire) {
                    assert_eq!(read(&app, &path, None).await.0, 200);
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    let mut last = String::new();
    for n in 0..6 {
        last = format!("Loft, edition {n}");
        data(call(&app, Method::PUT, Some(&token), &path, Some(&json!({"title": last}))).await).await;
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    }
    done.store(true, std::sync::atomic::Ordering::Release);
    for reader in readers {
        assert!(reader.await.unwrap() > 0);
    }
    // The last write has returned: every reader, at once and many times, sees it.
    let reads = (0..24).map(|_| {
        let (app, path) = (app.clone(), path.clone());
        async move { read(&app, &path, None).await }
    });
    for (status, etag, body) in futures_util::future::join_all(reads).await {
        assert_eq!(status, 200);
        assert!(etag.starts_with("\"8."), "{etag}");
        assert_eq!(parsed(&body)["data"]["listing"]["title"], last.as_str());
    }
}
