//! `GET`/`HEAD /media/{*key}` through the whole HTTP stack: byte ranges (206, 416, ignored
//! ones), `If-Range`, `If-None-Match`, the served types and their headers, on the local store
//! and on an S3 bucket (`SOJOURN_TEST_S3_URL`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod media_support;

use media_support::{pattern, serve, store_via_spool};

const SIZE: usize = 3 * 1024 * 1024 + 12_345;

/// Asserts a 206 of `first..=last` of `bytes`, byte for byte.
async fn expect_part(response: reqwest::Response, bytes: &[u8], first: usize, last: usize) {
    assert_eq!(response.status(), 206, "{first}-{last}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-range"], format!("bytes {first}-{last}/{}", bytes.len()).as_str());
    assert_eq!(headers["content-length"], (last - first + 1).to_string().as_str());
    assert_eq!(headers["accept-ranges"], "bytes");
    let body = response.bytes().await.unwrap();
    assert!(body.as_ref() == &bytes[first..=last], "{first}-{last}: wrong bytes");
}

async fn expect_whole(response: reqwest::Response, bytes: &[u8]) {
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-range").is_none());
    assert_eq!(response.headers()["content-length"], bytes.len().to_string().as_str());
    assert!(response.bytes().await.unwrap().as_ref() == bytes, "wrong bytes");
}

#[tokio::test]
async fn ranges_at_the_start_middle_and_end_are_byte_exact() {
    let app = serve(|_| {}).await;
    let bytes = pattern(SIZE);
    store_via_spool(&app.media, "videos/l1/a.mp4", &bytes, "video/mp4").await;
    let key = "videos/l1/a.mp4";
    let middle = SIZE / 2;
    for (range, first, last) in [
        ("bytes=0-0".to_owned(), 0, 0),
        ("bytes=0-1048575".to_owned(), 0, 1_048_575),
        (format!("bytes={middle}-{}", middle + 1_000_000), middle, middle + 1_000_000),
        (format!("bytes={}-", SIZE - 10), SIZE - 10, SIZE - 1),
        ("bytes=-1".to_owned(), SIZE - 1, SIZE - 1),
        ("bytes=-70000".to_owned(), SIZE - 70_000, SIZE - 1),
        (format!("bytes={}-{}", SIZE - 5, SIZE * 2), SIZE - 5, SIZE - 1),
        ("bytes=-99999999".to_owned(), 0, SIZE - 1),
    ] {
        expect_part(app.get(key, &[("range", &range)]).await, &bytes, first, last).await;
    }
    expect_whole(app.get(key, &[]).await, &bytes).await;
}

#[tokio::test]
async fn a_range_past_the_end_is_416_and_odd_ranges_are_ignored() {
    let app = serve(|_| {}).await;
    let bytes = pattern(10_000);
    app.media.put("a/b.webm", bytes.clone(), "video/webm").await.unwrap();
    for range in ["bytes=10000-", "bytes=10000-20000", "bytes=-0", "bytes=99999999999999999999999-"] {
        let response = app.get("a/b.webm", &[("range", range)]).await;
        assert_eq!(response.status(), 416, "{range}");
        assert_eq!(response.headers()["content-range"], "bytes */10000", "{range}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["success"], false);
        assert_eq!(body["code"], "range_not_satisfiable", "{body}");
    }
    // Malformed, several ranges, another unit: the whole object (RFC 9110 lets a server ignore them).
    for range in ["bytes=5-1", "bytes=0-1,5-6", "bytes=abc", "items=0-1", "bytes=0--1", ""] {
        expect_whole(app.get("a/b.webm", &[("range", range)]).await, &bytes).await;
    }
}

#[tokio::test]
async fn if_range_and_if_none_match_follow_the_etag() {
    let app = serve(|_| {}).await;
    let bytes = pattern(50_000);
    app.media.put("p/s.ogg", bytes.clone(), "audio/ogg").await.unwrap();
    let first = app.get("p/s.ogg", &[]).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");

    let range = [("range", "bytes=100-199"), ("if-range", etag.as_str())];
    expect_part(app.get("p/s.ogg", &range).await, &bytes, 100, 199).await;
    for stale in ["\"other\"", &format!("W/{etag}"), "Tue, 15 Nov 1994 08:12:31 GMT"] {
        expect_whole(app.get("p/s.ogg", &[("range", "bytes=100-199"), ("if-range", stale)]).await, &bytes).await;
    }

    for current in [etag.clone(), format!("\"x\", {etag}"), format!("W/{etag}"), "*".to_owned()] {
        let response = app.get("p/s.ogg", &[("if-none-match", &current), ("range", "bytes=0-1")]).await;
        assert_eq!(response.status(), 304, "{current}");
        assert_eq!(response.headers()["etag"], etag.as_str());
        assert_eq!(response.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert!(response.bytes().await.unwrap().is_empty());
    }
    expect_whole(app.get("p/s.ogg", &[("if-none-match", "\"x\"")]).await, &bytes).await;

    // Replaced under the same key: a new tag, and a range asked against the old one gets the
    // whole new object.
    let replaced = pattern(40_000).into_iter().rev().collect::<Vec<u8>>();
    app.media.put("p/s.ogg", replaced.clone(), "audio/ogg").await.unwrap();
    let response = app.get("p/s.ogg", &range).await;
    assert_ne!(response.headers()["etag"], etag.as_str());
    expect_whole(response, &replaced).await;
    let response = app.get("p/s.ogg", &[("if-none-match", &etag)]).await;
    expect_whole(response, &replaced).await;
}

#[tokio::test]
async fn head_answers_the_headers_of_get_without_a_body() {
    let app = serve(|_| {}).await;
    let bytes = pattern(123_456);
    app.media.put("v/h.mp4", bytes, "video/mp4").await.unwrap();
    let head = app.client.head(app.url("v/h.mp4")).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], "123456");
    assert_eq!(head.headers()["content-type"], "video/mp4");
    assert_eq!(head.headers()["accept-ranges"], "bytes");
    let get = app.get("v/h.mp4", &[]).await;
    assert_eq!(head.headers()["etag"], get.headers()["etag"]);
    assert!(head.bytes().await.unwrap().is_empty());

    let ranged = app.client.head(app.url("v/h.mp4")).header("range", "bytes=-100").send().await.unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(ranged.headers()["content-range"], "bytes 123356-123455/123456");
    assert_eq!(ranged.headers()["content-length"], "100");
    let missing = app.client.head(app.url("v/none.mp4")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn media_types_are_served_inline_sandboxed_and_never_compressed() {
    let app = serve(|_| {}).await;
    let text_like = b"<html><script>alert(1)</script>".repeat(2000);
    for (key, content_type) in [
        ("m/a.jpg", "image/jpeg"),
        ("m/a.png", "image/png"),
        ("m/a.webp", "image/webp"),
        ("m/a.mp4", "video/mp4"),
        ("m/a.webm", "video/webm"),
        ("m/a.mp3", "audio/mpeg"),
        ("m/a.ogg", "audio/ogg"),
        ("m/b.mp4", "Video/MP4; codecs=\"avc1\""),
    ] {
        app.media.put(key, text_like.clone(), content_type).await.unwrap();
        // A browser's request: compression would drop `Content-Length` and `Accept-Ranges`.
        let response = app.get(key, &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(response.status(), 200, "{key}");
        let h = response.headers().clone();
        let expected_type = content_type.split(';').next().unwrap().to_ascii_lowercase();
        assert_eq!(h["content-type"], expected_type.as_str(), "{key}");
        assert_eq!(h["content-disposition"], "inline", "{key}");
        assert_eq!(h["content-security-policy"], "default-src 'none'; sandbox", "{key}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{key}");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable", "{key}");
        assert!(h.get("content-encoding").is_none(), "{key} was compressed");
        assert_eq!(h["content-length"], text_like.len().to_string().as_str(), "{key}");
        assert_eq!(h["accept-ranges"], "bytes", "{key}");
        assert!(response.bytes().await.unwrap().as_ref() == text_like.as_slice(), "{key}");
    }
    for (key, content_type) in [
        ("n/page.html", "text/html"),
        ("n/drawing.svg", "image/svg+xml"),
        ("n/anim.gif", "image/gif"),
        ("n/movie.mov", "video/quicktime"),
        ("n/data.bin", "application/octet-stream"),
    ] {
        app.media.put(key, text_like.clone(), content_type).await.unwrap();
        let response = app.get(key, &[("range", "bytes=0-10")]).await;
        assert_eq!(response.status(), 404, "{key}");
        assert!(!response.text().await.unwrap().contains("script"), "{key}");
    }
}

#[tokio::test]
async fn an_empty_object_is_served_whole() {
    let app = serve(|_| {}).await;
    app.media.put("e/empty.mp4", Vec::new(), "video/mp4").await.unwrap();
    expect_whole(app.get("e/empty.mp4", &[]).await, &[]).await;
    expect_whole(app.get("e/empty.mp4", &[("range", "bytes=-5")]).await, &[]).await;
    assert_eq!(app.get("e/empty.mp4", &[("range", "bytes=0-")]).await.status(), 416);
}

/// The same on an S3 bucket: a multipart-sized video is stored with `put_file`, then served
/// with ranges by another instance of the application.
#[tokio::test]
async fn ranges_are_served_from_an_s3_bucket() {
    let Some((endpoint, bucket)) = media_support::s3_bucket().await else { return };
    let writer = serve(|c| media_support::use_s3(c, &endpoint, &bucket)).await;
    let reader = serve(|c| media_support::use_s3(c, &endpoint, &bucket)).await;
    let size = 17 * 1024 * 1024 + 99;
    let bytes = pattern(size);
    store_via_spool(&writer.media, "videos/s3/big.mp4", &bytes, "video/mp4").await;

    let key = "videos/s3/big.mp4";
    let head = reader.client.head(reader.url(key)).send().await.unwrap();
    assert_eq!(head.headers()["content-length"], size.to_string().as_str());
    let etag = head.headers()["etag"].to_str().unwrap().to_owned();
    for (range, first, last) in [
        ("bytes=0-99".to_owned(), 0, 99),
        (
            format!("bytes={}-{}", 8 * 1024 * 1024 - 50, 8 * 1024 * 1024 + 50),
            8 * 1024 * 1024 - 50,
            8 * 1024 * 1024 + 50,
        ),
        ("bytes=-1000".to_owned(), size - 1000, size - 1),
    ] {
        let response = reader.get(key, &[("range", &range), ("if-range", &etag)]).await;
        assert_eq!(response.headers()["etag"], etag.as_str());
        expect_part(response, &bytes, first, last).await;
    }
    let response = reader.get(key, &[("range", &format!("bytes={size}-"))]).await;
    assert_eq!(response.status(), 416);
    assert_eq!(response.headers()["content-range"], format!("bytes */{size}").as_str());
    assert_eq!(reader.get(key, &[("if-none-match", &etag)]).await.status(), 304);
    expect_whole(reader.get(key, &[]).await, &bytes).await;
    assert_eq!(reader.get("videos/s3/none.mp4", &[]).await.status(), 404);
}
