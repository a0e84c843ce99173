use testkit::{expect_error, json, spawn_app};

const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

#[tokio::test]
async fn stored_images_are_served_with_their_type_and_cached_for_good() {
    let app = spawn_app().await;
    let media = &app.platform.media;
    for (key, content_type) in [
        ("avatars/u1/ab12.jpg", "image/jpeg"),
        ("avatars/u1/cd34.png", "image/png"),
        ("photos/x/ef56.webp", "image/webp"),
    ] {
        let bytes = format!("bytes of {key}").into_bytes();
        media.put(key, bytes.clone(), content_type).await.unwrap();
        // No `server.public_url` set: URLs point at the address the app really listens on.
        assert_eq!(media.url_for(key), format!("{}/media/{key}", app.base));

        let response = app.get(&format!("/media/{key}")).await;
        assert_eq!(response.status(), 200, "{key}");
        let headers = response.headers().clone();
        assert_eq!(headers["content-type"], content_type);
        assert_eq!(headers["cache-control"], CACHE_FOREVER);
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());

        // Revalidation by ETag: 304 without a body.
        let etag = headers["etag"].to_str().unwrap().to_owned();
        assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
        let again =
            app.client.get(app.url(&format!("/media/{key}"))).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304);
        assert!(again.bytes().await.unwrap().is_empty());
        let other =
            app.client.get(app.url(&format!("/media/{key}"))).header("if-none-match", "\"nope\"").send().await.unwrap();
        assert_eq!(other.status(), 200);
    }

    media.delete("avatars/u1/ab12.jpg").await.unwrap();
    expect_error(app.get("/media/avatars/u1/ab12.jpg").await, 404, "not_found").await;
    assert_eq!(app.get("/media/avatars/u1/cd34.png").await.status(), 200);
}

#[tokio::test]
async fn missing_and_invalid_keys_are_404_envelopes() {
    let app = spawn_app().await;
    // Development mode keeps `secrets.json` in the data directory, right above `media/`.
    let data_dir = app.data_dir.as_ref().unwrap().path();
    assert!(data_dir.join("secrets.json").is_file());
    app.platform.media.put("a/b.png", b"png".to_vec(), "image/png").await.unwrap();
    for path in [
        "/media/nothing/here.png",
        "/media/..%2Fsecrets.json",
        "/media/a/..%2F..%2Fsecrets.json",
        "/media/%2E%2E/secrets.json",
        "/media/%2Fetc%2Fpasswd",
        "/media/A/B.PNG",
        "/media/a//b.png",
        "/media/a/b.png~type",
        "/media/a",
        "/media/",
        &format!("/media/{}", "k".repeat(201)),
    ] {
        expect_error(app.get(path).await, 404, "not_found").await;
    }
}

#[tokio::test]
async fn objects_that_are_not_images_are_never_served() {
    let app = spawn_app().await;
    let media = &app.platform.media;
    for (key, content_type) in [
        ("notes/page.html", "text/html"),
        ("notes/drawing.svg", "image/svg+xml"),
        ("notes/data.bin", "application/octet-stream"),
        ("notes/anim.gif", "image/gif"),
    ] {
        media.put(key, b"<script>alert(1)</script>".to_vec(), content_type).await.unwrap();
        assert!(media.get(key).await.unwrap().is_some(), "{key} is stored");
        let body = expect_error(app.get(&format!("/media/{key}")).await, 404, "not_found").await;
        assert!(!body.to_string().contains("script"), "{body}");
    }
}

#[tokio::test]
async fn the_media_route_is_documented_under_system() {
    let app = spawn_app().await;
    let (status, doc) = json(app.get("/api-docs/openapi.json").await).await;
    assert_eq!(status, 200);
    let get = &doc["paths"]["/media/{key}"]["get"];
    assert_eq!(get["tags"][0], "System", "{get}");
    assert!(get["responses"].get("404").is_some(), "{get}");
}

/// The same through an S3-compatible bucket (`SOJOURN_TEST_S3_URL`, e.g. a local moto or MinIO
/// server; required when `CI=true`): two app instances share the objects, with no shared disk.
#[tokio::test]
async fn an_s3_bucket_is_shared_by_every_instance() {
    let Some(endpoint) = testkit::service_url("SOJOURN_TEST_S3_URL") else { return };
    let bucket = format!("media-{}", &kernel::new_id().simple().to_string()[20..]);
    let store = platform::storage::S3Store::new(
        &endpoint,
        &bucket,
        "us-east-1",
        "test-key",
        "test-secret-key-0123456789abcdef",
    )
    .unwrap();
    store.create_bucket().await.unwrap();
    let tweak = |c: &mut platform::Config| {
        c.storage.backend = platform::config::StorageBackend::S3;
        c.storage.s3.endpoint = Some(endpoint.clone());
        c.storage.s3.bucket = bucket.clone();
        c.storage.s3.access_key_id = Some("test-key".into());
        c.secrets.insert(
            platform::storage::S3_SECRET.into(),
            platform::secrets::Secret::new("test-secret-key-0123456789abcdef"),
        );
    };
    let writer = testkit::spawn_with(vec![std::sync::Arc::new(testkit::probe::Probe)], tweak).await;
    let reader = testkit::spawn_with(vec![std::sync::Arc::new(testkit::probe::Probe)], tweak).await;
    let bytes = b"\x89PNG not really".to_vec();
    writer.platform.media.put("photos/l1/aa11.png", bytes.clone(), "image/png").await.unwrap();
    let response = reader.get("/media/photos/l1/aa11.png").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.bytes().await.unwrap().as_ref(), bytes.as_slice());
    expect_error(reader.get("/media/photos/l1/none.png").await, 404, "not_found").await;
    writer.platform.media.delete("photos/l1/aa11.png").await.unwrap();
    writer.platform.media.delete("photos/l1/aa11.png").await.unwrap();
    expect_error(reader.get("/media/photos/l1/aa11.png").await, 404, "not_found").await;
}
