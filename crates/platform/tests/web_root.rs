//! Built web apps on the API's origin (`server.web_root`, `[[server.mounts]]`), over real HTTP:
//! DreamScape's client routes get the app's `index.html`, build assets their types and cache
//! policy, the panorama app and its root-absolute pictures and audio are served with ranges and
//! validators, nothing outside the served directories (or hidden in them) ever leaks, and every
//! path the API owns answers exactly as it does without web apps.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "web_root/api.rs"]
mod api;
#[path = "web_root/security.rs"]
mod security;
#[path = "web_root/support.rs"]
mod support;

use support::{APP_JS, INDEX, JPEG_LEN, PANORAMA_INDEX, header, serve, site};

/// Every client route of WEB-CLIENT.md §1.7, with its parameters filled in.
const CLIENT_ROUTES: &[&str] = &[
    "/auth",
    "/login",
    "/profile/setup",
    "/onboarding",
    "/hotels",
    "/flights",
    "/map",
    "/destinations",
    "/destination/paris",
    "/vr/paris",
    "/experiences",
    "/experiences/42",
    "/activities",
    "/activities/42",
    "/about",
    "/planner",
    "/planner/7",
    "/dashboard",
    "/dashboard/unified",
    "/dashboard/interchangeable",
    "/settings",
    "/history",
    "/favorites",
    "/bookings",
    "/bookings/BK-2026-0001",
    "/support",
    "/help",
    "/faq",
    "/blog",
    "/privacy-policy",
    "/analytics",
    "/flight-status",
    "/airports",
    "/airlines",
    "/transfers",
    "/insights",
    "/checkout",
    "/payment/confirmation?payment_intent=pi_1&redirect_status=succeeded",
    "/admin/dashboard",
    "/admin/users",
    "/admin/users/0190e2c4-5d6e-7f00-8000-000000000001",
    "/admin/bookings",
    "/admin/bookings/0190e2c4-5d6e-7f00-8000-000000000002",
    "/admin/payments",
];

#[tokio::test]
async fn every_client_route_gets_the_app_index_uncached() {
    let site = site();
    let app = serve(site.config()).await;
    for path in CLIENT_ROUTES {
        // A browser navigating, and a client that sends no `Accept` at all (no extension).
        for r in [app.navigate(path).await, app.get(path).await] {
            assert_eq!(r.status(), 200, "{path}");
            assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8", "{path}");
            assert_eq!(header(&r, "cache-control"), "no-cache", "{path}");
            assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
            assert!(header(&r, "content-security-policy").contains("frame-ancestors 'none'"), "{path}");
            assert_eq!(header(&r, "referrer-policy"), "strict-origin-when-cross-origin", "{path}");
            assert_eq!(r.text().await.unwrap(), INDEX, "{path}");
        }
    }
    // A page whose last segment has a dot is still a page to a browser.
    let r = app.navigate("/destination/st.petersburg").await;
    assert_eq!((r.status().as_u16(), r.text().await.unwrap()), (200, INDEX.to_owned()));

    // `/`: the page for a browser, the API's service information for anyone else.
    let r = app.navigate("/").await;
    assert_eq!((r.status().as_u16(), header(&r, "cache-control")), (200, "no-cache"));
    assert!(header(&r, "vary").contains("Accept"));
    assert_eq!(r.text().await.unwrap(), INDEX);
    let r = app.client.get(app.url("/")).header("accept", "application/json").send().await.unwrap();
    assert!(header(&r, "vary").contains("Accept"));
    let info: serde_json::Value = r.json().await.unwrap();
    assert_eq!(info["name"], "sojourn", "{info}");
}

#[tokio::test]
async fn build_assets_have_their_types_and_cache_policy() {
    let site = site();
    let mut config = site.config();
    config.server.web_csp = "default-src 'self'; frame-ancestors 'none'".into();
    let app = serve(config).await;
    let immutable = "public, max-age=31536000, immutable";
    for (path, content_type, cache, body) in [
        ("/assets/app-1234.js", "text/javascript; charset=utf-8", immutable, APP_JS.as_bytes()),
        ("/assets/app-1234.css", "text/css; charset=utf-8", immutable, b"body{margin:0}".as_slice()),
        ("/assets/latest.js", "text/javascript; charset=utf-8", immutable, APP_JS.as_bytes()),
        ("/locales/en/common.json", "application/json", "public, max-age=300", br#"{"hello":"Hello"}"#.as_slice()),
        ("/favicon.ico", "image/x-icon", "public, max-age=300", b"\0\0\x01\0icon".as_slice()),
        ("/index.html", "text/html; charset=utf-8", "no-cache", INDEX.as_bytes()),
        ("/panorama/static/js/main.js", "text/javascript; charset=utf-8", immutable, b"console.log('panorama');"),
        ("/panorama/manifest.json", "application/json", "public, max-age=300", br#"{"name":"Panorama"}"#),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(header(&r, "content-type"), content_type, "{path}");
        assert_eq!(header(&r, "cache-control"), cache, "{path}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(header(&r, "content-security-policy"), "default-src 'self'; frame-ancestors 'none'", "{path}");
        assert!(!header(&r, "etag").is_empty() && !header(&r, "last-modified").is_empty(), "{path}");
        assert_eq!(r.bytes().await.unwrap().as_ref(), body, "{path}");
    }
}

#[tokio::test]
async fn the_panorama_app_answers_at_both_forms_and_its_routes() {
    let site = site();
    let app = serve(site.config()).await;
    for path in ["/panorama", "/panorama/", "/panorama/?pin=123456", "/panorama?destination=paris&autoVR=true"] {
        let r = app.navigate(path).await;
        assert_eq!((r.status().as_u16(), header(&r, "cache-control")), (200, "no-cache"), "{path}");
        assert_eq!(r.text().await.unwrap(), PANORAMA_INDEX, "{path}");
    }
    let r = app.get("/panorama/gallery/paris").await;
    assert_eq!(r.text().await.unwrap(), PANORAMA_INDEX, "the panorama app's own routes");
    let (status, body) = support::json(app.get("/panorama/static/js/missing.js").await).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn panoramas_and_audio_stream_with_ranges() {
    let site = site();
    let app = serve(site.config()).await;
    let path = "/panoramas/paris/eiffel-tower.jpg";
    let r = app.client.get(app.url(path)).header("accept-encoding", "gzip, br").send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "image/jpeg");
    assert_eq!(header(&r, "content-length"), JPEG_LEN.to_string());
    assert_eq!(header(&r, "accept-ranges"), "bytes");
    assert_eq!(header(&r, "cache-control"), "public, max-age=300");
    assert!(header(&r, "content-encoding").is_empty(), "pictures are never re-encoded");
    let etag = header(&r, "etag").to_owned();
    assert!(etag.starts_with('"'), "a strong validator for a file sent as it is: {etag}");
    assert!(r.bytes().await.unwrap() == site.jpeg, "the whole file, byte for byte, over many chunks");

    let range = |value: &str| app.client.get(app.url(path)).header("range", value.to_owned());
    let len = JPEG_LEN;
    // The middle one crosses a chunk boundary of the body.
    let mid = 1024 * 1024 - 10;
    for (first, last, value) in [
        (0, 9, "bytes=0-9".to_owned()),
        (mid, mid + 299_999, format!("bytes={mid}-{}", mid + 299_999)),
        (len - 5, len - 1, "bytes=-5".to_owned()),
    ] {
        let r = range(&value).send().await.unwrap();
        assert_eq!(r.status(), 206, "{value}");
        assert_eq!(header(&r, "content-range"), format!("bytes {first}-{last}/{len}"), "{value}");
        assert_eq!(header(&r, "content-length"), (last - first + 1).to_string(), "{value}");
        assert!(r.bytes().await.unwrap() == site.jpeg[first..=last], "{value}: exact bytes");
    }
    let r = range("bytes=99999999-").send().await.unwrap();
    assert_eq!((r.status().as_u16(), header(&r, "content-range")), (416, &*format!("bytes */{len}")));
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "range_not_satisfiable");
    for ignored in ["bytes=0-1,5-6", "pages=1-2", "bytes=9-1"] {
        let r = range(ignored).send().await.unwrap();
        assert_eq!((r.status().as_u16(), r.bytes().await.unwrap().len()), (200, len), "{ignored}");
    }
    // `If-Range`: the current version resumes, a stale one restarts with the whole file.
    let r = range("bytes=0-9").header("if-range", &etag).send().await.unwrap();
    assert_eq!(r.status(), 206);
    let r = range("bytes=0-9").header("if-range", "\"stale\"").send().await.unwrap();
    assert_eq!(r.status(), 200);

    let r = app.client.get(app.url("/audio/paris/eiffel-tower.mp3")).header("accept-encoding", "gzip").send().await;
    let r = r.unwrap();
    assert_eq!((r.status().as_u16(), header(&r, "content-type")), (200, "audio/mpeg"));
    assert!(header(&r, "content-encoding").is_empty(), "audio is not gzipped on the fly");
    assert_eq!(header(&r, "content-length"), (14 * 200).to_string());

    for missing in ["/panoramas/paris/arc-triomphe.jpg", "/panoramas/paris/thumbnails/louvre-thumb.jpg", "/audio/x.mp3"]
    {
        let (status, body) = support::json(app.get(missing).await).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{missing}");
    }
    let r = app.navigate("/panoramas/paris").await;
    assert_eq!(r.status(), 404, "plain files: no page fallback, no listing");
}

#[tokio::test]
async fn missing_assets_are_404_while_pages_fall_back() {
    let site = site();
    let app = serve(site.config()).await;
    for path in ["/assets/missing.js", "/assets/app-9999.css", "/locales/de/common.json", "/logo.png"] {
        let (status, body) = support::json(app.get(path).await).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    let r = app.client.get(app.url("/images/x.png")).header("accept", "image/avif,image/webp,*/*").send().await;
    assert_eq!(r.unwrap().status(), 404, "an image request is not a page");
    let r = app.get("/assets/").await;
    assert_eq!(r.text().await.unwrap(), INDEX, "a directory without index.html: the app, never a listing");
}

#[tokio::test]
async fn validators_answer_304_and_head_has_no_body() {
    let site = site();
    let app = serve(site.config()).await;
    for path in ["/assets/app-1234.js", "/panoramas/paris/eiffel-tower.jpg", "/dashboard"] {
        let r = app.get(path).await;
        let (etag, modified) = (header(&r, "etag").to_owned(), header(&r, "last-modified").to_owned());
        let length = header(&r, "content-length").to_owned();
        let again = app.client.get(app.url(path)).header("if-none-match", &etag).send().await.unwrap();
        assert_eq!((again.status().as_u16(), header(&again, "etag")), (304, etag.as_str()), "{path}");
        assert!(!header(&again, "cache-control").is_empty(), "{path}");
        assert!(again.bytes().await.unwrap().is_empty(), "{path}");
        let other = app.client.get(app.url(path)).header("if-none-match", "\"other\"").send().await.unwrap();
        assert_eq!(other.status(), 200, "{path}");
        let since = app.client.get(app.url(path)).header("if-modified-since", &modified).send().await.unwrap();
        assert_eq!(since.status(), 304, "{path}");

        let head = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(head.status(), 200, "{path}");
        assert_eq!(header(&head, "content-length"), length, "{path}");
        assert_eq!(header(&head, "etag"), etag, "{path}");
        assert!(head.bytes().await.unwrap().is_empty(), "{path}");
    }
}

#[tokio::test]
async fn precompressed_siblings_are_served_to_clients_that_accept_them() {
    let site = site();
    let app = serve(site.config()).await;
    let fetch = |encoding: &'static str| {
        app.client.get(app.url("/assets/app-1234.js")).header("accept-encoding", encoding).send()
    };
    for (accept, encoding, body) in [
        ("gzip, deflate, br", "br", b"BROTLI-BYTES".as_slice()),
        ("gzip", "gzip", b"GZIP-BYTES".as_slice()),
        ("br;q=0, gzip", "gzip", b"GZIP-BYTES".as_slice()),
    ] {
        let r = fetch(accept).await.unwrap();
        assert_eq!(header(&r, "content-encoding"), encoding, "{accept}");
        assert_eq!(header(&r, "content-type"), "text/javascript; charset=utf-8", "{accept}");
        assert!(header(&r, "vary").contains("Accept-Encoding"), "{accept}");
        assert_eq!(r.bytes().await.unwrap().as_ref(), body, "{accept}");
    }
    let (br, gz) = (fetch("br").await.unwrap(), fetch("gzip").await.unwrap());
    assert_ne!(header(&br, "etag"), header(&gz, "etag"), "each encoding has its own validator");
    let plain = app.get("/assets/app-1234.js").await;
    assert!(header(&plain, "content-encoding").is_empty());
    assert_eq!(plain.text().await.unwrap(), APP_JS);
}

#[tokio::test]
async fn start_up_stops_on_a_missing_web_directory() {
    let site = site();
    let mut config = site.config();
    config.server.web_root = Some(site.path("dist-not-built"));
    let err = platform::App::build(config, Vec::new()).await.err().expect("refused").to_string();
    assert!(err.contains("server.web_root"), "{err}");
    let mut config = site.config();
    config.server.mounts[0].path = "/api/panorama".into();
    let err = platform::App::build(config, Vec::new()).await.err().expect("refused").to_string();
    assert!(err.contains("server.mounts[0].path"), "{err}");
}
