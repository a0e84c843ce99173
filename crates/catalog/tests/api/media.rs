//! What catalog learns of a listing's media from the media context's events (injected into
//! catalog's outbox as media would publish them): every listing view shows
//! `media: { panoramas, videos, tour, cover }`; late, repeated and unusable events change
//! nothing they should not; and media is no change of the listing (same ETag, no listing event).

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;
use uuid::Uuid;

use crate::support::{call, create_listing, data, host, loft};

/// Puts a `media.*` event in catalog's outbox and relays it, as the media context would.
async fn media_event(app: &TestApp, event_type: &str, listing: &str, data: Value) {
    let event = kernel::EventEnvelope::new(event_type, listing, chrono::Utc::now(), data);
    let db = app.platform.db("catalog").unwrap();
    let mut tx = db.begin().await.unwrap();
    platform::events::enqueue(&mut tx, &event).await.unwrap();
    tx.commit().await.unwrap();
    app.drain_events().await;
}

fn ready(object: Uuid, listing: &str, kind: &str, thumb: Option<&str>) -> Value {
    let mut v = json!({"objectId": object, "listingId": listing, "kind": kind, "url": "https://m.example/o",
                       "width": 4096, "height": 2048, "durationMs": null});
    if let Some(thumb) = thumb {
        v["thumbUrl"] = json!(thumb);
        v[if kind == "video" { "posterUrl" } else { "previewUrl" }] = json!(format!("{thumb}-big"));
    }
    v
}

fn object(object: Uuid, listing: &str, kind: &str) -> Value {
    json!({"objectId": object, "listingId": listing, "kind": kind})
}

fn tour(tour: Uuid, listing: &str, version: i64, scenes: i64) -> Value {
    json!({"tourId": tour, "listingId": listing, "version": version, "scenes": scenes})
}

async fn shown(app: &TestApp, path: &str) -> (Value, String) {
    let response = call(app, Method::GET, None, path, None).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    (data(response).await["listing"]["media"].clone(), etag)
}

async fn listing_events(app: &TestApp) -> usize {
    let db = app.platform.db("catalog").unwrap();
    let (n,): (i64,) = platform::db::query("SELECT COUNT(*) FROM outbox WHERE event_type LIKE 'listing.%'")
        .fetch_one(db)
        .await
        .unwrap();
    usize::try_from(n).unwrap()
}

#[tokio::test]
async fn every_listing_view_shows_the_media_summary() {
    let app = crate::support::spawn().await;
    let h = host(&app, "host@example.com").await;
    let created = create_listing(&app, &h.token, &loft()).await;
    let none = json!({"panoramas": 0, "videos": 0, "tour": null, "cover": null});
    assert_eq!(created["media"], none, "a new listing has no media");
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    data(call(&app, Method::POST, Some(&h.token), &format!("{path}/publish"), None).await).await;
    let events = listing_events(&app).await;
    let (_, etag) = shown(&app, &path).await;

    // A video without a poster, then one with: the cover is the one with a thumbnail.
    let (v1, v2, p1, p2) = (kernel::new_id(), kernel::new_id(), kernel::new_id(), kernel::new_id());
    media_event(&app, "media.ready", &id, ready(v1, &id, "video", None)).await;
    media_event(&app, "media.ready", &id, ready(v2, &id, "video", Some("https://m.example/v2-thumb.jpg"))).await;
    let (media, same) = shown(&app, &path).await;
    let video_cover = json!({"kind": "video", "thumbUrl": "https://m.example/v2-thumb.jpg"});
    assert_eq!(media, json!({"panoramas": 0, "videos": 2, "tour": null, "cover": video_cover}));
    // The ETag is `"<version>.<hash of the body>"`: the body changed, the version did not.
    assert_ne!(same, etag, "the shown detail changed");
    assert_eq!(same.split('.').next(), etag.split('.').next(), "media is no new version of the listing");

    // Panoramas: the first one ready is the cover.
    media_event(&app, "media.ready", &id, ready(p1, &id, "panorama", Some("https://m.example/p1-thumb.jpg"))).await;
    media_event(&app, "media.ready", &id, ready(p2, &id, "panorama", Some("https://m.example/p2-thumb.jpg"))).await;
    let t = kernel::new_id();
    media_event(&app, "media.tour_changed", &id, tour(t, &id, 1, 2)).await;
    let expected = json!({"panoramas": 2, "videos": 2, "tour": {"id": t, "scenes": 2},
                          "cover": {"kind": "panorama", "thumbUrl": "https://m.example/p1-thumb.jpg"}});
    assert_eq!(shown(&app, &path).await.0, expected);
    let public = data(call(&app, Method::GET, None, "/api/v1/listings", None).await).await;
    assert_eq!(public["listings"][0]["media"], expected);
    let mine = data(call(&app, Method::GET, Some(&h.token), "/api/v1/listings/mine", None).await).await;
    assert_eq!(mine["listings"][0]["media"], expected);
    let edit = json!({"title": "Loft on the canal"});
    let updated = data(call(&app, Method::PUT, Some(&h.token), &path, Some(&edit)).await).await;
    assert_eq!(updated["listing"]["media"], expected);
    assert_eq!(listing_events(&app).await, events + 1, "only the edit made a listing event");
}

#[tokio::test]
async fn late_repeated_and_unusable_media_events_change_nothing_they_should_not() {
    let app = crate::support::spawn().await;
    let h = host(&app, "host@example.com").await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    data(call(&app, Method::POST, Some(&h.token), &format!("{path}/publish"), None).await).await;
    let (p1, p2, v1, failed) = (kernel::new_id(), kernel::new_id(), kernel::new_id(), kernel::new_id());
    for (o, kind) in [(p1, "panorama"), (p2, "panorama"), (v1, "video")] {
        let thumb = format!("https://m.example/{o}.jpg");
        media_event(&app, "media.ready", &id, ready(o, &id, kind, Some(&thumb))).await;
    }
    media_event(&app, "media.ready", &id, ready(p1, &id, "panorama", Some(&format!("https://m.example/{p1}.jpg"))))
        .await;
    assert_eq!(shown(&app, &path).await.0["panoramas"], 2, "a repeated media.ready counts once");

    // Deleted panoramas: the next one is the cover, then the video's poster thumbnail.
    media_event(&app, "media.deleted", &id, object(p1, &id, "panorama")).await;
    let media = shown(&app, &path).await.0;
    assert_eq!(
        (&media["panoramas"], &media["cover"]["thumbUrl"]),
        (&json!(1), &json!(format!("https://m.example/{p2}.jpg")))
    );
    media_event(&app, "media.deleted", &id, object(p2, &id, "panorama")).await;
    // A failed object is never shown, even if a media.ready for it comes late.
    media_event(
        &app,
        "media.failed",
        &id,
        json!({"objectId": failed, "listingId": id, "kind": "panorama", "reason": "x"}),
    )
    .await;
    media_event(&app, "media.ready", &id, ready(failed, &id, "panorama", Some("https://m.example/f.jpg"))).await;
    media_event(&app, "media.ready", &id, ready(p1, &id, "panorama", Some("https://m.example/p1.jpg"))).await;
    let video_only = json!({"panoramas": 0, "videos": 1, "tour": null,
                            "cover": {"kind": "video", "thumbUrl": format!("https://m.example/{v1}.jpg")}});
    assert_eq!(shown(&app, &path).await.0, video_only);

    // Tours: only a newer version changes it; a deleted tour stays deleted; a new one shows.
    let (t1, t2) = (kernel::new_id(), kernel::new_id());
    media_event(&app, "media.tour_changed", &id, tour(t1, &id, 3, 4)).await;
    media_event(&app, "media.tour_changed", &id, tour(t1, &id, 2, 1)).await;
    assert_eq!(shown(&app, &path).await.0["tour"], json!({"id": t1, "scenes": 4}));
    media_event(&app, "media.tour_deleted", &id, json!({"tourId": t1, "listingId": id})).await;
    media_event(&app, "media.tour_changed", &id, tour(t1, &id, 4, 5)).await;
    assert_eq!(shown(&app, &path).await.0["tour"], Value::Null);
    media_event(&app, "media.tour_changed", &id, tour(t2, &id, 1, 2)).await;
    assert_eq!(shown(&app, &path).await.0["tour"], json!({"id": t2, "scenes": 2}));

    // Unusable payloads and other media events are skipped; the consumer goes on.
    media_event(&app, "media.ready", &id, json!({"objectId": "nope", "kind": "panorama"})).await;
    media_event(&app, "media.ready", &id, ready(kernel::new_id(), &id, "hologram", Some("h"))).await;
    media_event(&app, "media.uploaded", &id, json!({"anything": true})).await;
    let v2 = kernel::new_id();
    media_event(&app, "media.ready", &id, ready(v2, &id, "video", None)).await;
    let media = shown(&app, &path).await.0;
    assert_eq!((&media["panoramas"], &media["videos"]), (&json!(0), &json!(2)));
}

#[tokio::test]
async fn the_cached_public_detail_shows_a_media_change_at_once() {
    let Some(url) = testkit::service_url("SOJOURN_TEST_REDIS_URL") else { return };
    let app = testkit::spawn_with(vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog)], |c| {
        c.auth.password_hash.memory_kib = 1024;
        c.auth.password_hash.iterations = 1;
        c.rate_limit.enabled = false;
        c.redis.url = Some(url.clone());
        c.redis.key_prefix = format!("test{}:", &kernel::new_id().simple().to_string()[20..]);
    })
    .await;
    let h = host(&app, "host@example.com").await;
    let id = create_listing(&app, &h.token, &loft()).await["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/listings/{id}");
    data(call(&app, Method::POST, Some(&h.token), &format!("{path}/publish"), None).await).await;
    for _ in 0..2 {
        assert_eq!(shown(&app, &path).await.0["panoramas"], 0, "read, then from the cache");
    }
    let p = kernel::new_id();
    media_event(&app, "media.ready", &id, ready(p, &id, "panorama", Some("https://m.example/p.jpg"))).await;
    assert_eq!(shown(&app, &path).await.0["panoramas"], 1);
}
