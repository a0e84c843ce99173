//! Avatar upload: real images only, re-encoded to a 512×512 JPEG by the `identity.avatar` job
//! the upload waits for, served from /media, the previous one deleted once the new one is in
//! place, and gone with the account. An upload whose job outlasts the wait answers the URL the
//! avatar will have; an image damaged inside is refused once the job has tried it.

use std::io::Cursor;

use serde_json::Value;
use testkit::{TestApp, expect_error, json};

use crate::support::{Session, register, spawn};

pub fn png(width: u32, height: u32, noisy: bool) -> Vec<u8> {
    let mut seed = 7u32;
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        if noisy {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let b = seed.to_le_bytes();
            image::Rgb([b[1], b[2], b[3]])
        } else {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn upload(app: &TestApp, s: &Session, bytes: Vec<u8>, field: &str) -> reqwest::Response {
    let boundary = "sojourn-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    app.client
        .post(app.url("/api/v1/users/profile/avatar"))
        .bearer_auth(&s.access)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The `/media/...` path of an avatar URL (the upload answers the URL as a bare JSON string).
pub fn media_path(url: &Value) -> String {
    let url = url.as_str().expect("avatar url");
    let at = url.find("/media/").expect("served from /media");
    url[at..].to_owned()
}

#[tokio::test]
async fn avatars_are_normalised_served_and_replaced() {
    let app = spawn().await;
    let s = register(&app, "ava@example.com").await;
    let big = png(1100, 1000, true);
    assert!(big.len() > 1024 * 1024, "larger than the default body limit: {}", big.len());
    let (status, body) = json(upload(&app, &s, big, "avatar").await).await;
    assert_eq!(status, 200, "{body}");
    let first = media_path(&body);

    let served = app.get(&first).await;
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    let image = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (512, 512));

    let (status, body) = json(upload(&app, &s, png(300, 600, false), "file").await).await;
    assert_eq!(status, 200, "{body}");
    let second = media_path(&body);
    assert_ne!(first, second);
    assert_eq!(app.get(&first).await.status(), 404, "the replaced avatar is deleted");

    let (status, body) =
        json(app.client.delete(app.url("/api/v1/users/profile/avatar")).bearer_auth(&s.access).send().await.unwrap())
            .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["profile"]["avatar"], Value::Null);
    assert_eq!(app.get(&second).await.status(), 404);
}

#[tokio::test]
async fn non_images_and_bad_uploads_are_refused() {
    let app = spawn().await;
    let s = register(&app, "ava@example.com").await;
    expect_error(upload(&app, &s, b"<svg onload=alert(1)>".to_vec(), "avatar").await, 415, "unsupported_media_type")
        .await;
    let mut truncated = png(64, 64, false);
    truncated.truncate(truncated.len() / 2);
    expect_error(upload(&app, &s, truncated, "avatar").await, 400, "invalid_image").await;
    expect_error(upload(&app, &s, png(10, 10, false), "photo").await, 400, "validation_failed").await;
    let json_body = app
        .client
        .post(app.url("/api/v1/users/profile/avatar"))
        .bearer_auth(&s.access)
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert!(json_body.status().is_client_error(), "{}", json_body.status());
    let anonymous = app.client.post(app.url("/api/v1/users/profile/avatar")).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

/// A multipart body with one text field (no file name), as DreamScape's web client sends U3.
async fn upload_text(app: &TestApp, s: &Session, text: &str) -> reqwest::Response {
    let boundary = "sojourn-text-boundary";
    let body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"avatar\"\r\n\r\n{text}\r\n--{boundary}--\r\n");
    app.client
        .post(app.url("/api/v1/users/profile/avatar"))
        .bearer_auth(&s.access)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn the_web_clients_data_url_becomes_the_avatar_and_round_trips_through_settings() {
    use base64::Engine;
    let app = spawn().await;
    let s = register(&app, "ava@example.com").await;
    let data_url =
        format!("data:image/jpeg;base64,{}", base64::engine::general_purpose::STANDARD.encode(jpeg(200, 150)));
    let (status, url) = json(upload_text(&app, &s, &data_url).await).await;
    assert_eq!(status, 200, "{url}");
    assert!(url.is_string(), "the body is the URL itself: {url}");
    let served = app.get(&media_path(&url)).await;
    assert_eq!(served.status(), 200);
    let image = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (512, 512));

    // The settings page stores the answer as `profile.photo` and sends it back (U2).
    let page = app.client.get(app.url("/api/v1/users/profile")).bearer_auth(&s.access).send().await.unwrap();
    let (_, mut page) = json(page).await;
    assert_eq!(page["profile"]["photo"], url);
    page["profile"]["photo"] = url.clone();
    let saved = app.client.put(app.url("/api/v1/users/profile")).bearer_auth(&s.access).json(&page).send().await;
    let (status, saved) = json(saved.unwrap()).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["profile"]["photo"], url);

    expect_error(upload_text(&app, &s, "data:text/html;base64,PGI+aGk8L2I+").await, 415, "unsupported_media_type")
        .await;
    expect_error(upload_text(&app, &s, "data:image/png;base64,***").await, 400, "invalid_image").await;
    expect_error(upload_text(&app, &s, "just text").await, 415, "unsupported_media_type").await;
}

/// Where the local media store keeps its files.
pub fn media_dir(app: &TestApp) -> std::path::PathBuf {
    app.data_dir.as_ref().unwrap().path().join("media")
}

/// Makes storing `user`'s avatars fail (a file where their directory goes; the directory set
/// aside meanwhile) until [`Blocked::lift`]: the job retries after its backoff, about 5 s.
pub struct Blocked {
    path: std::path::PathBuf,
    aside: Option<std::path::PathBuf>,
}

impl Blocked {
    pub fn avatars_of(app: &TestApp, user: &str) -> Self {
        let path = media_dir(app).join("avatars").join(user.replace('-', ""));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let aside = path.is_dir().then(|| {
            let aside = path.with_extension("aside");
            std::fs::rename(&path, &aside).unwrap();
            aside
        });
        std::fs::write(&path, b"in the way").unwrap();
        Self { path, aside }
    }

    pub fn lift(self) {
        std::fs::remove_file(&self.path).unwrap();
        if let Some(aside) = self.aside {
            std::fs::rename(aside, &self.path).unwrap();
        }
    }
}

/// The settings page's `profile.photo` (the avatar URL).
async fn photo(app: &TestApp, s: &Session) -> Value {
    let page = app.client.get(app.url("/api/v1/users/profile")).bearer_auth(&s.access).send().await.unwrap();
    json(page).await.1["profile"]["photo"].clone()
}

#[tokio::test]
async fn an_upload_that_outlasts_the_wait_answers_the_url_the_avatar_will_have() {
    let app = spawn().await;
    let s = register(&app, "slow@example.com").await;
    let (status, first) = json(upload(&app, &s, png(64, 64, false), "avatar").await).await;
    assert_eq!(status, 200, "{first}");

    let blocked = Blocked::avatars_of(&app, &s.user_id());
    let started = std::time::Instant::now();
    let (status, second) = json(upload(&app, &s, png(80, 80, true), "avatar").await).await;
    assert_eq!(status, 200, "{second}");
    assert!(started.elapsed() >= std::time::Duration::from_secs(4), "it waited for the job");
    assert!(second.is_string() && second != first, "the new avatar's URL: {second}");
    assert_eq!(photo(&app, &s).await, first, "the profile keeps the previous avatar until the new one is made");
    blocked.lift();
    assert_eq!(app.get(&media_path(&first)).await.status(), 200);

    let started = std::time::Instant::now();
    while photo(&app, &s).await != second {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the avatar was never made");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let served = app.get(&media_path(&second)).await;
    assert_eq!(served.status(), 200, "the announced URL serves the avatar");
    let image = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((image.width(), image.height()), (512, 512));
    assert_eq!(app.get(&media_path(&first)).await.status(), 404, "the previous avatar is deleted then");
}

/// A PNG whose header and `IEND` are intact but whose pixel data is garbage.
pub fn damaged_inside_png() -> Vec<u8> {
    let mut png = png(64, 64, false);
    let at = png.windows(4).position(|w| w == b"IDAT").unwrap();
    let len = u32::from_be_bytes(png[at - 4..at].try_into().unwrap()) as usize;
    for b in &mut png[at + 4..at + 4 + len] {
        *b = 0xA5;
    }
    png
}

#[tokio::test]
async fn an_image_damaged_inside_is_refused_once_the_job_tried_it() {
    let app = spawn().await;
    let s = register(&app, "damaged@example.com").await;
    let err = expect_error(upload(&app, &s, damaged_inside_png(), "avatar").await, 400, "invalid_image").await;
    assert_eq!(err["message"], "the image is damaged or incomplete");
    assert_eq!(photo(&app, &s).await, Value::Null);
    let incoming = media_dir(&app).join("incoming/avatars").join(s.user_id().replace('-', ""));
    assert_eq!(std::fs::read_dir(&incoming).map(Iterator::count).unwrap_or(0), 0, "the upload is not kept");
}
