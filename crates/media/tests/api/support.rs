//! Spawning identity + catalog + media, hosts with published listings, fixture files.

use std::io::Cursor;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;

pub async fn spawn() -> TestApp {
    spawn_tweaked(|_| {}).await
}

pub async fn spawn_tweaked(tweak: impl FnOnce(&mut platform::Config)) -> TestApp {
    testkit::spawn_with(vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog), Arc::new(media::Media)], |c| {
        c.auth.password_hash.memory_kib = 1024;
        c.auth.password_hash.iterations = 1;
        c.rate_limit.enabled = false;
        tweak(c);
    })
    .await
}

pub struct User {
    pub token: String,
}

pub async fn register(app: &TestApp, email: &str) -> User {
    let body = json!({"email": email, "password": "Password1!"});
    let (status, body) = testkit::json(app.post_json("/api/v1/auth/register", &body).await).await;
    assert_eq!(status, 201, "{body}");
    User { token: body["data"]["tokens"]["accessToken"].as_str().unwrap().to_owned() }
}

pub async fn data(response: reqwest::Response) -> Value {
    let (status, body) = testkit::json(response).await;
    assert!((200..300).contains(&status), "{status}: {body}");
    body["data"].clone()
}

/// A provider with a published stay; returns the host and the listing id.
pub async fn host_with_listing(app: &TestApp, email: &str) -> (User, String) {
    let user = register(app, email).await;
    let provider = json!({"displayName": "Canal Stays", "kind": "individual", "defaultCurrency": "EUR", "timezone": "Europe/Paris"});
    data(app.call(Method::POST, Some(&user.token), "/api/v1/providers", Some(&provider)).await).await;
    let listing = json!({ "kind": "stay", "title": "Loft by the canal", "description": "Bright loft, two bedrooms, by the canal.",
      "address": { "line1": "12 Quai de Valmy", "city": "Paris", "postalCode": "75010", "country": "FR" },
      "location": { "lat": 48.8721, "lng": 2.3631 }, "timezone": "Europe/Paris", "currency": "EUR", "instantBook": true,
      "stay": { "propertyType": "apartment", "maxGuests": 4, "bedrooms": 2, "beds": 2, "bathrooms": 1,
                "nightlyPrice": 12000, "checkInTime": "15:00", "checkOutTime": "11:00" } });
    let created = data(app.call(Method::POST, Some(&user.token), "/api/v1/listings", Some(&listing)).await).await;
    let id = created["listing"]["id"].as_str().unwrap().to_owned();
    data(app.call(Method::POST, Some(&user.token), &format!("/api/v1/listings/{id}/publish"), None).await).await;
    (user, id)
}

/// Sends raw bytes with a token and extra headers.
pub async fn send(
    app: &TestApp,
    method: Method,
    token: Option<&str>,
    path: &str,
    body: Vec<u8>,
    headers: &[(&str, String)],
) -> reqwest::Response {
    let mut req = reqwest::Client::new().request(method, app.url(path)).body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    req.send().await.unwrap()
}

/// Uploads `bytes` as one request; the answer.
pub async fn upload(
    app: &TestApp,
    token: &str,
    listing: &str,
    kind: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let path = format!("/api/v1/listings/{listing}/media?kind={kind}");
    send(app, Method::POST, Some(token), &path, bytes, &[("content-type", content_type.to_owned())]).await
}

/// Polls the object until it leaves `processing`.
pub async fn settled(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..300 {
        let o = data(app.call(Method::GET, Some(token), &format!("/api/v1/media/{id}"), None).await).await;
        if o["status"] != "processing" {
            return o;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("media {id} still processing after 15 s");
}

/// The path of a /media URL.
pub fn media_path(url: &Value) -> String {
    let url = url.as_str().unwrap();
    format!("/media/{}", url.split("/media/").nth(1).unwrap())
}

pub async fn fetch(app: &TestApp, url: &Value, headers: &[(&str, String)]) -> reqwest::Response {
    send(app, Method::GET, None, &media_path(url), Vec::new(), headers).await
}

fn encode(img: image::RgbImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A `width` × `width/2` equirectangular JPEG with an EXIF segment carrying a GPS note.
pub fn panorama(width: u32, tint: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, width / 2, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, tint]));
    with_gps_exif(&encode(img, image::ImageFormat::Jpeg))
}

pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 9]));
    encode(img, image::ImageFormat::Jpeg)
}

pub const GPS_NOTE: &[u8] = b"GPS 48.8721N 2.3631E";

fn with_gps_exif(jpeg: &[u8]) -> Vec<u8> {
    let mut payload = b"Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00".to_vec();
    payload.extend_from_slice(GPS_NOTE);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap().to_be_bytes());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&jpeg[2..]);
    out
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The ffmpeg to make test videos with: required in CI, else tests needing it are skipped.
pub fn ffmpeg() -> Option<PathBuf> {
    let found = std::env::var("SOJOURN_TEST_FFMPEG").ok().map(PathBuf::from).or_else(|| {
        std::process::Command::new("ffmpeg")
            .arg("-version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| "ffmpeg".into())
    });
    if found.is_none() {
        assert!(std::env::var("CI").is_err(), "ffmpeg is required in CI (SOJOURN_TEST_FFMPEG)");
        eprintln!("ffmpeg not found: skipping a video test");
    }
    found
}

/// A `seconds`-long 320×240 test-pattern video (`mp4` or `webm`), with a location tag.
pub fn video(ffmpeg: &PathBuf, container: &str, seconds: u32) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join(format!("v.{container}"));
    let codec: &[&str] =
        if container == "mp4" { &["-c:v", "mpeg4", "-q:v", "5"] } else { &["-c:v", "libvpx", "-b:v", "200k"] };
    let status = std::process::Command::new(ffmpeg)
        .args(["-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i"])
        .arg(format!("testsrc=duration={seconds}:size=320x240:rate=10"))
        .args(codec)
        .args(["-metadata", "location=+48.8721+002.3631/", "-metadata", "title=GPS-TAGGED"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "ffmpeg could not make the test video");
    std::fs::read(out).unwrap()
}
