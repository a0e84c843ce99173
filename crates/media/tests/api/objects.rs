//! Single-request uploads: processing then ready, metadata gone, bad files refused with 4xx and
//! nothing left behind, visibility, rename, delete, quota.

use reqwest::Method;
use serde_json::json;
use testkit::{expect_error, json};

use crate::support::{
    GPS_NOTE, contains, data, fetch, host_with_listing, jpeg, panorama, register, send, settled, spawn, spawn_tweaked,
    upload,
};

#[tokio::test]
async fn a_panorama_is_processing_at_once_then_ready_with_previews_and_no_location() {
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let original = panorama(2048, 1);
    assert!(contains(&original, GPS_NOTE));
    let (status, body) =
        json(upload(&app, &host.token, &listing, "panorama", "image/jpeg", original.clone()).await).await;
    assert_eq!(status, 201, "{body}");
    let created = &body["data"];
    assert_eq!(created["status"], "processing");
    assert_eq!(created["kind"], "panorama");
    assert_eq!(created["url"], serde_json::Value::Null, "no URL before it is ready");
    assert_eq!((created["width"].as_i64(), created["height"].as_i64()), (Some(2048), Some(1024)));

    let ready = settled(&app, &host.token, created["id"].as_str().unwrap()).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["variants"]["preview"]["width"], 2048);
    assert_eq!(ready["variants"]["preview"]["height"], 1024);
    assert_eq!(ready["variants"]["thumb"]["width"], 512);
    assert_eq!(ready["variants"]["thumb"]["height"], 256);

    let served = fetch(&app, &ready["url"], &[]).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    let bytes = served.bytes().await.unwrap();
    assert!(!contains(&bytes, GPS_NOTE), "the location must not be served");
    assert_eq!(i64::try_from(bytes.len()).unwrap(), ready["sizeBytes"].as_i64().unwrap());
    assert!(bytes.len() < original.len());
    image::load_from_memory(&bytes).expect("the stripped panorama still decodes");
    for v in ["preview", "thumb"] {
        let r = fetch(&app, &ready["variants"][v]["url"], &[]).await;
        assert_eq!(r.status(), 200);
        let img = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
        assert_eq!(i64::from(img.width()), ready["variants"][v]["width"].as_i64().unwrap());
    }
}

#[tokio::test]
async fn multipart_uploads_take_kind_and_title_from_fields() {
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let boundary = "sojourn-test-boundary";
    let mut form = Vec::new();
    for (name, value) in [("kind", "panorama"), ("title", " Living room ")] {
        form.extend_from_slice(
            format!("--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    form.extend_from_slice(
        format!("--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\ncontent-type: image/jpeg\r\n\r\n")
            .as_bytes(),
    );
    form.extend_from_slice(&panorama(2048, 2));
    form.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let path = format!("/api/v1/listings/{listing}/media");
    let r = send(&app, Method::POST, Some(&host.token), &path, form, &[("content-type", content_type)]).await;
    let (status, body) = json(r).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["title"], "Living room");
}

#[tokio::test]
async fn bad_files_are_refused_with_4xx_and_leave_nothing_stored() {
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let pano = panorama(2048, 3);
    // Not 2:1.
    expect_error(
        upload(&app, &host.token, &listing, "panorama", "image/jpeg", jpeg(2400, 1600)).await,
        422,
        "invalid_file",
    )
    .await;
    // Truncated: the header is fine, the end is missing.
    let truncated = pano[..pano.len() * 2 / 3].to_vec();
    expect_error(upload(&app, &host.token, &listing, "panorama", "image/jpeg", truncated).await, 422, "invalid_file")
        .await;
    // Lying: text sent as a JPEG, a video sent as a panorama.
    expect_error(
        upload(&app, &host.token, &listing, "panorama", "image/jpeg", b"not an image at all".repeat(50)).await,
        415,
        "unsupported_media_type",
    )
    .await;
    expect_error(
        upload(&app, &host.token, &listing, "video", "video/mp4", pano.clone()).await,
        415,
        "unsupported_media_type",
    )
    .await;
    expect_error(upload(&app, &host.token, &listing, "panorama", "image/jpeg", Vec::new()).await, 422, "invalid_file")
        .await;
    // No or unknown kind.
    let r =
        send(&app, Method::POST, Some(&host.token), &format!("/api/v1/listings/{listing}/media"), pano.clone(), &[])
            .await;
    expect_error(r, 400, "validation_failed").await;
    expect_error(upload(&app, &host.token, &listing, "audio", "audio/mpeg", pano).await, 400, "validation_failed")
        .await;

    let list =
        data(app.call(Method::GET, Some(&host.token), &format!("/api/v1/listings/{listing}/media"), None).await).await;
    assert_eq!(list, json!([]));
    let media_dir = app.platform.config.data_dir.join("media");
    let stored: Vec<_> = walk(&media_dir).into_iter().filter(|p| !p.contains(".spool") && !p.contains("~")).collect();
    assert!(stored.is_empty(), "left in storage: {stored:?}");
    let spool: Vec<_> = walk(&media_dir).into_iter().filter(|p| p.contains(".spool")).collect();
    assert!(spool.is_empty(), "left in the spool: {spool:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[tokio::test]
async fn oversize_uploads_and_the_quota_are_enforced() {
    let app = spawn_tweaked(|c| {
        c.media.max_panorama_mb = 1;
        c.media.listing_quota_mb = 1;
    })
    .await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let big = vec![0xFFu8; 1024 * 1024 + 1];
    expect_error(upload(&app, &host.token, &listing, "panorama", "image/jpeg", big).await, 413, "payload_too_large")
        .await;
    // Declaring more than the quota at the start of a chunked upload is refused at once.
    let start = json!({"kind": "video", "size": 2 * 1024 * 1024});
    let r = app
        .call(Method::POST, Some(&host.token), &format!("/api/v1/listings/{listing}/media/uploads"), Some(&start))
        .await;
    expect_error(r, 413, "quota_exceeded").await;
    // Fill the quota with panoramas until it refuses.
    let mut refused = false;
    for i in 0..40u8 {
        let r = upload(&app, &host.token, &listing, "panorama", "image/jpeg", panorama(2048, i)).await;
        if r.status() == 413 {
            expect_error(r, 413, "quota_exceeded").await;
            refused = true;
            break;
        }
        assert_eq!(r.status(), 201);
    }
    assert!(refused, "the quota was never reached");
}

#[tokio::test]
async fn only_the_owner_writes_and_the_public_sees_only_ready_media_of_public_listings() {
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let other = register(&app, "other@example.com").await;
    let r = upload(&app, &other.token, &listing, "panorama", "image/jpeg", panorama(2048, 4)).await;
    expect_error(r, 404, "not_found").await;
    let r = send(
        &app,
        Method::POST,
        None,
        &format!("/api/v1/listings/{listing}/media?kind=panorama"),
        panorama(2048, 4),
        &[],
    )
    .await;
    assert_eq!(r.status(), 401);

    let created = data(upload(&app, &host.token, &listing, "panorama", "image/jpeg", panorama(2048, 4)).await).await;
    let id = created["id"].as_str().unwrap().to_owned();
    settled(&app, &host.token, &id).await;
    let public = data(app.call(Method::GET, None, &format!("/api/v1/listings/{listing}/media"), None).await).await;
    assert_eq!(public.as_array().unwrap().len(), 1);
    assert_eq!(public[0]["status"], "ready");

    // Rename: owner only; control characters refused.
    let r =
        app.call(Method::PATCH, Some(&other.token), &format!("/api/v1/media/{id}"), Some(&json!({"title": "x"}))).await;
    expect_error(r, 404, "not_found").await;
    let renamed = data(
        app.call(Method::PATCH, Some(&host.token), &format!("/api/v1/media/{id}"), Some(&json!({"title": "Salon"})))
            .await,
    )
    .await;
    assert_eq!(renamed["title"], "Salon");
    let r = app
        .call(Method::PATCH, Some(&host.token), &format!("/api/v1/media/{id}"), Some(&json!({"title": "a\u{7}b"})))
        .await;
    expect_error(r, 400, "validation_failed").await;

    // Unpublished: the public no longer sees it, the owner does.
    data(app.call(Method::POST, Some(&host.token), &format!("/api/v1/listings/{listing}/unpublish"), None).await).await;
    let r = app.call(Method::GET, None, &format!("/api/v1/media/{id}"), None).await;
    expect_error(r, 404, "not_found").await;
    data(app.call(Method::GET, Some(&host.token), &format!("/api/v1/media/{id}"), None).await).await;

    // Delete: the files go too.
    let url = renamed["url"].clone();
    let r = app.call(Method::DELETE, Some(&other.token), &format!("/api/v1/media/{id}"), None).await;
    assert_eq!(r.status(), 404);
    let r = app.call(Method::DELETE, Some(&host.token), &format!("/api/v1/media/{id}"), None).await;
    assert_eq!(r.status(), 204);
    let mut gone = false;
    for _ in 0..100 {
        if fetch(&app, &url, &[]).await.status() == 404 {
            gone = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(gone, "the deleted panorama is still served");
    let r = app.call(Method::GET, Some(&host.token), &format!("/api/v1/media/{id}"), None).await;
    assert_eq!(r.status(), 404);
    let r = app.call(Method::GET, Some(&host.token), "/api/v1/media/not-an-id", None).await;
    assert_eq!(r.status(), 404);
}
