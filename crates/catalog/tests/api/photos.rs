//! Listing photos: real images only, answered at once as `processing` and re-encoded by the
//! `catalog.photo` job into three JPEG sizes without metadata, served from /media; at most ten
//! (processing ones included), owner-only writes, reorder, captions, delete. The job's own
//! processing states are in `photo_jobs.rs`.

use std::io::Cursor;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{User, call, create_listing, data, host, loft, register, spawn};

pub fn encode(img: image::RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A gradient JPEG; `tint` makes pictures of the same size differ.
pub fn jpeg(width: u32, height: u32, tint: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, tint]));
    encode(img, image::ImageFormat::Jpeg)
}

/// Noise compresses badly: a PNG well over the server's default 1 MB body limit.
fn noisy_png(width: u32, height: u32) -> Vec<u8> {
    let mut seed = 11u32;
    let img = image::RgbImage::from_fn(width, height, |_, _| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let b = seed.to_le_bytes();
        image::Rgb([b[1], b[2], b[3]])
    });
    encode(img, image::ImageFormat::Png)
}

/// `jpeg` with an APP1 "Exif" segment carrying a GPS note spliced in right after SOI.
fn with_gps_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00".to_vec();
    tiff.extend_from_slice(b"GPS 48.8721N 2.3631E");
    let mut payload = b"Exif\x00\x00".to_vec();
    payload.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub struct Part<'a> {
    bytes: Vec<u8>,
    field: &'a str,
    filename: &'a str,
    content_type: &'a str,
    caption: Option<&'a str>,
}

pub fn part(bytes: Vec<u8>) -> Part<'static> {
    Part { bytes, field: "photo", filename: "photo.jpg", content_type: "image/jpeg", caption: None }
}

pub async fn upload(app: &TestApp, token: &str, listing: &str, p: Part<'_>) -> reqwest::Response {
    let boundary = "sojourn-photo-boundary";
    let mut body = Vec::new();
    if let Some(caption) = p.caption {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\n{caption}\r\n")
                .into_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            p.field, p.filename, p.content_type
        )
        .into_bytes(),
    );
    body.extend(p.bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    app.client
        .post(app.url(&format!("/api/v1/listings/{listing}/photos")))
        .bearer_auth(token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Uploads and expects a 201: the photo, still processing.
pub async fn add(app: &TestApp, token: &str, listing: &str, p: Part<'_>) -> Value {
    let (status, body) = json(upload(app, token, listing, p).await).await;
    assert_eq!(status, 201, "{body}");
    let photo = body["data"]["photo"].clone();
    assert_eq!((&photo["status"], &photo["variants"]), (&json!("processing"), &json!({})), "{photo}");
    photo
}

/// The photo as its owner sees it once its job has finished with it (ready or failed); the
/// bound is generous because rendering competes for the CPU with the other tests.
pub async fn processed(app: &TestApp, token: &str, listing: &str, photo: &Value) -> Value {
    let path = format!("/api/v1/listings/{listing}/photos");
    let started = std::time::Instant::now();
    loop {
        let photos = data(call(app, Method::GET, Some(token), &path, None).await).await["photos"].clone();
        let seen = photos.as_array().unwrap().iter().find(|p| p["id"] == photo["id"]).cloned();
        let seen = seen.unwrap_or_else(|| panic!("{photo} is not among {photos}"));
        if seen["status"] != "processing" {
            return seen;
        }
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let jobs: Vec<(String, i64, Option<String>)> = platform::db::query(
                "SELECT status, attempts, last_error FROM platform_jobs WHERE kind = 'catalog.photo'",
            )
            .fetch_all(app.platform.db("catalog").unwrap())
            .await
            .unwrap();
            panic!("still processing: {seen}; jobs: {jobs:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

/// Uploads and waits until the photo is ready: the photo.
pub async fn add_ready(app: &TestApp, token: &str, listing: &str, p: Part<'_>) -> Value {
    let photo = add(app, token, listing, p).await;
    let ready = processed(app, token, listing, &photo).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    ready
}

pub fn media_path(url: &Value) -> String {
    let url = url.as_str().expect("variant url");
    let at = url.find("/media/").expect("served from /media");
    url[at..].to_owned()
}

pub fn media_paths(photo: &Value) -> Vec<String> {
    ["thumb", "medium", "large"].iter().map(|v| media_path(&photo["variants"][v]["url"])).collect()
}

pub async fn listing_of(app: &TestApp, email: &str) -> (User, String) {
    let owner = host(app, email).await;
    let listing = create_listing(app, &owner.token, &loft()).await;
    (owner, listing["id"].as_str().unwrap().to_owned())
}

fn ids(photos: &Value) -> Vec<String> {
    photos.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn photos_are_resized_stripped_of_metadata_and_served() {
    let app = spawn().await;
    let (a, listing) = listing_of(&app, "host-a@example.com").await;
    let original = with_gps_exif(&jpeg(2200, 1100, 40));
    assert!(original.windows(3).any(|w| w == b"GPS") && original.windows(4).any(|w| w == b"Exif"));

    let uploaded =
        add(&app, &a.token, &listing, Part { caption: Some("Living room by the canal"), ..part(original) }).await;
    assert_eq!(uploaded["position"], 1);
    assert_eq!(uploaded["caption"], "Living room by the canal");
    let photo = processed(&app, &a.token, &listing, &uploaded).await;
    assert_eq!(photo["status"], "ready", "{photo}");
    assert_eq!(photo["id"], uploaded["id"]);
    assert_eq!(photo["position"], 1);
    assert_eq!(photo["caption"], "Living room by the canal");
    assert!(photo.get("failure").is_none(), "{photo}");
    let simple = listing.replace('-', "");
    for (name, width, height) in [("thumb", 320, 160), ("medium", 1024, 512), ("large", 2048, 1024)] {
        let v = &photo["variants"][name];
        assert_eq!((v["width"].as_u64().unwrap(), v["height"].as_u64().unwrap()), (width, height), "{name}");
        // No `server.public_url` is set: the URL is on the port this server really listens on
        // (picked by the OS, not 3000), and works as given.
        let url = v["url"].as_str().unwrap();
        assert!(url.starts_with(&format!("{}/media/", app.base)), "{url}");
        assert_eq!(app.client.get(url).send().await.unwrap().status(), 200, "{url}");
        let path = media_path(&v["url"]);
        let prefix = format!("/media/listings/{simple}/");
        assert!(path.starts_with(&prefix) && path.ends_with(&format!("-{name}.jpg")), "{path}");

        let served = app.get(&path).await;
        assert_eq!(served.status(), 200, "{path}");
        assert_eq!(served.headers()["content-type"], "image/jpeg");
        let bytes = served.bytes().await.unwrap();
        assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF]), "{name} is a JPEG");
        assert!(!bytes.windows(4).any(|w| w == b"Exif"), "EXIF survived in {name}");
        assert!(!bytes.windows(3).any(|w| w == b"GPS"), "GPS survived in {name}");
        let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((u64::from(decoded.width()), u64::from(decoded.height())), (width, height), "{name}");
    }

    // The owner sees the photos of the draft; nobody else does until it is published.
    let photos =
        data(call(&app, Method::GET, Some(&a.token), &format!("/api/v1/listings/{listing}/photos"), None).await).await
            ["photos"]
            .clone();
    assert_eq!(photos, json!([photo]));
    let path = format!("/api/v1/listings/{listing}/photos");
    expect_error(call(&app, Method::GET, None, &path, None).await, 404, "not_found").await;
    data(call(&app, Method::POST, Some(&a.token), &format!("/api/v1/listings/{listing}/publish"), None).await).await;
    let public = data(call(&app, Method::GET, None, &path, None).await).await;
    assert_eq!(public["photos"], json!([photo]));
}

#[tokio::test]
async fn uploads_go_by_content_and_are_limited() {
    let app = spawn().await;
    let (a, listing) = listing_of(&app, "host-a@example.com").await;

    // A PNG named x.jpg and labelled image/jpeg is judged by its bytes; it is bigger than the
    // server-wide body limit, which this route raises.
    let big = noisy_png(1100, 1000);
    assert!(big.len() > 1024 * 1024, "{}", big.len());
    let photo = add_ready(&app, &a.token, &listing, Part { filename: "x.jpg", field: "file", ..part(big) }).await;
    assert_eq!(photo["variants"]["large"]["width"], 1100);
    assert_eq!(photo["variants"]["thumb"]["width"], 320);
    assert_eq!(photo["variants"]["thumb"]["height"], 291);
    let served = app.get(&media_path(&photo["variants"]["large"]["url"])).await.bytes().await.unwrap();
    assert_eq!(image::guess_format(&served).unwrap(), image::ImageFormat::Jpeg);

    let text = Part { filename: "notes.jpg", ..part(b"hello, I am a text file".to_vec()) };
    expect_error(upload(&app, &a.token, &listing, text).await, 415, "unsupported_media_type").await;
    let broken = jpeg(64, 64, 0)[..40].to_vec();
    expect_error(upload(&app, &a.token, &listing, part(broken)).await, 400, "invalid_image").await;
    let wrong_field = Part { field: "picture", ..part(jpeg(64, 64, 0)) };
    expect_error(upload(&app, &a.token, &listing, wrong_field).await, 400, "validation_failed").await;
    let long = "x".repeat(201);
    let long_caption = Part { caption: Some(&long), ..part(jpeg(64, 64, 0)) };
    expect_error(upload(&app, &a.token, &listing, long_caption).await, 400, "validation_failed").await;
    let markup = Part { caption: Some("<b>cosy</b>"), ..part(jpeg(64, 64, 0)) };
    expect_error(upload(&app, &a.token, &listing, markup).await, 400, "validation_failed").await;
    let mut too_big = jpeg(64, 64, 0);
    too_big.resize(10 * 1024 * 1024 + 1, 0);
    expect_error(upload(&app, &a.token, &listing, part(too_big)).await, 413, "payload_too_large").await;

    // Photos still processing count: the 11th is refused without waiting for the others.
    for i in 2..=10u8 {
        let photo = add(&app, &a.token, &listing, part(jpeg(48, 32, i * 20))).await;
        assert_eq!(photo["position"], i);
    }
    expect_error(upload(&app, &a.token, &listing, part(jpeg(48, 32, 255))).await, 409, "photo_limit").await;
    let photos =
        data(call(&app, Method::GET, Some(&a.token), &format!("/api/v1/listings/{listing}/photos"), None).await).await
            ["photos"]
            .clone();
    assert_eq!(photos.as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn only_the_owner_changes_photos() {
    let app = spawn().await;
    let (a, listing) = listing_of(&app, "host-a@example.com").await;
    let b = register(&app, "someone-b@example.com").await;
    let photo = add_ready(&app, &a.token, &listing, part(jpeg(64, 48, 1))).await;
    let id = photo["id"].as_str().unwrap();
    let base = format!("/api/v1/listings/{listing}/photos");

    expect_error(upload(&app, &b.token, &listing, part(jpeg(64, 48, 2))).await, 404, "not_found").await;
    expect_error(call(&app, Method::DELETE, Some(&b.token), &format!("{base}/{id}"), None).await, 404, "not_found")
        .await;
    let caption = json!({"caption": "mine now"});
    expect_error(
        call(&app, Method::PATCH, Some(&b.token), &format!("{base}/{id}"), Some(&caption)).await,
        404,
        "not_found",
    )
    .await;
    expect_error(
        call(&app, Method::PATCH, Some(&b.token), &format!("{base}/{id}"), Some(&json!({}))).await,
        404,
        "not_found",
    )
    .await;
    let order = json!({"photoIds": [id]});
    expect_error(
        call(&app, Method::PUT, Some(&b.token), &format!("{base}/order"), Some(&order)).await,
        404,
        "not_found",
    )
    .await;
    expect_error(call(&app, Method::GET, Some(&b.token), &base, None).await, 404, "not_found").await;
    expect_error(upload(&app, "not-a-token", &listing, part(jpeg(64, 48, 2))).await, 401, "invalid_token").await;

    // B's own listing cannot reach A's photo either.
    let (c, other) = listing_of(&app, "host-c@example.com").await;
    let path = format!("/api/v1/listings/{other}/photos/{id}");
    expect_error(call(&app, Method::DELETE, Some(&c.token), &path, None).await, 404, "not_found").await;

    // Untouched.
    let photos = data(call(&app, Method::GET, Some(&a.token), &base, None).await).await["photos"].clone();
    assert_eq!(photos, json!([photo]));
    for path in media_paths(&photo) {
        assert_eq!(app.get(&path).await.status(), 200);
    }
}

#[tokio::test]
async fn photos_are_reordered_captioned_and_deleted() {
    let app = spawn().await;
    let (a, listing) = listing_of(&app, "host-a@example.com").await;
    let base = format!("/api/v1/listings/{listing}/photos");
    let first = add_ready(&app, &a.token, &listing, part(jpeg(80, 60, 10))).await;
    let second = add_ready(&app, &a.token, &listing, part(jpeg(80, 60, 120))).await;
    let third = add_ready(&app, &a.token, &listing, part(jpeg(80, 60, 240))).await;
    let [p1, p2, p3] = [&first, &second, &third].map(|p| p["id"].as_str().unwrap().to_owned());

    let order = json!({"photoIds": [p3, p1, p2]});
    let photos = data(call(&app, Method::PUT, Some(&a.token), &format!("{base}/order"), Some(&order)).await).await;
    assert_eq!(ids(&photos["photos"]), [p3.clone(), p1.clone(), p2.clone()]);
    assert_eq!(photos["photos"][0]["position"], 1);
    assert_eq!(photos["photos"][2]["position"], 3);
    let listed = data(call(&app, Method::GET, Some(&a.token), &base, None).await).await;
    assert_eq!(ids(&listed["photos"]), [p3.clone(), p1.clone(), p2.clone()]);
    for bad in [
        json!({"photoIds": [p3, p1]}),
        json!({"photoIds": [p3, p1, p1]}),
        json!({"photoIds": [p3, p1, p2, uuid_like()]}),
        json!({"photoIds": [p3, p1, "nope"]}),
    ] {
        let r = call(&app, Method::PUT, Some(&a.token), &format!("{base}/order"), Some(&bad)).await;
        expect_error(r, 400, "validation_failed").await;
    }

    let path = format!("{base}/{p1}");
    let patched =
        data(call(&app, Method::PATCH, Some(&a.token), &path, Some(&json!({"caption": "  The kitchen  "}))).await)
            .await;
    assert_eq!(patched["photo"]["caption"], "The kitchen");
    assert_eq!(patched["photo"]["position"], 2);
    let untouched = data(call(&app, Method::PATCH, Some(&a.token), &path, Some(&json!({}))).await).await;
    assert_eq!(untouched["photo"]["caption"], "The kitchen");
    let r = call(&app, Method::PATCH, Some(&a.token), &path, Some(&json!({"caption": "x".repeat(201)}))).await;
    expect_error(r, 400, "validation_failed").await;
    let cleared = data(call(&app, Method::PATCH, Some(&a.token), &path, Some(&json!({"caption": null}))).await).await;
    assert_eq!(cleared["photo"]["caption"], Value::Null);
    let missing = format!("{base}/{}", uuid_like());
    expect_error(
        call(&app, Method::PATCH, Some(&a.token), &missing, Some(&json!({"caption": "x"}))).await,
        404,
        "not_found",
    )
    .await;

    // The same picture twice: each photo has its own stored sizes.
    let copy = add_ready(&app, &a.token, &listing, part(jpeg(80, 60, 120))).await;
    let copy_paths = media_paths(&copy);
    assert!(copy_paths.iter().all(|p| !media_paths(&second).contains(p)), "{copy_paths:?}");

    // Deleting the middle photo removes its objects and closes the gap.
    data(call(&app, Method::DELETE, Some(&a.token), &format!("{base}/{p1}"), None).await).await;
    for path in media_paths(&first) {
        assert_eq!(app.get(&path).await.status(), 404, "{path} deleted");
    }
    let listed = data(call(&app, Method::GET, Some(&a.token), &base, None).await).await;
    let copy_id = copy["id"].as_str().unwrap().to_owned();
    assert_eq!(ids(&listed["photos"]), [p3.clone(), p2.clone(), copy_id.clone()]);
    let positions: Vec<_> = listed["photos"].as_array().unwrap().iter().map(|p| p["position"].clone()).collect();
    assert_eq!(positions, [json!(1), json!(2), json!(3)]);
    expect_error(call(&app, Method::DELETE, Some(&a.token), &format!("{base}/{p1}"), None).await, 404, "not_found")
        .await;

    data(call(&app, Method::DELETE, Some(&a.token), &format!("{base}/{copy_id}"), None).await).await;
    for path in &copy_paths {
        assert_eq!(app.get(path).await.status(), 404, "{path} deleted with its photo");
    }
    for path in media_paths(&second).iter().chain(&media_paths(&third)) {
        assert_eq!(app.get(path).await.status(), 200, "{path} kept");
    }
}

fn uuid_like() -> String {
    "0193a4b2-0000-7000-8000-000000000001".to_owned()
}

#[tokio::test]
async fn an_explicit_public_url_wins_for_photo_urls() {
    let app = testkit::spawn_with(
        vec![std::sync::Arc::new(identity::Identity), std::sync::Arc::new(catalog::Catalog)],
        |c| {
            c.auth.password_hash.memory_kib = 1024;
            c.auth.password_hash.iterations = 1;
            c.rate_limit.enabled = false;
            c.server.public_url = Some("https://stays.example.com".into());
        },
    )
    .await;
    let (a, listing) = listing_of(&app, "host-a@example.com").await;
    let photo = add_ready(&app, &a.token, &listing, part(jpeg(64, 48, 1))).await;
    let url = photo["variants"]["thumb"]["url"].as_str().unwrap();
    assert!(url.starts_with("https://stays.example.com/media/listings/"), "{url}");
}
