//! The `catalog.photo` job as owners and guests see it: an upload is `processing` — the owner's
//! alone — until the job makes it `ready`; an image damaged inside (valid header and end)
//! ends `failed` with a reason; a truncated one is refused at upload; a photo deleted while
//! processing leaves no file behind; the cached public detail shows a photo once it is ready.
//! To hold a photo in `processing`, a test puts a file where the job stores the listing's sizes
//! (the storage write fails and the job retries after its backoff, about 5 s) and removes it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{TestApp, expect_error};

use crate::photos::{add, encode, jpeg, listing_of, media_path, part, processed, upload};
use crate::support::{call, data};

fn media_dir(app: &TestApp) -> PathBuf {
    app.data_dir.as_ref().unwrap().path().join("media")
}

fn simple(id: &str) -> String {
    id.replace('-', "")
}

/// Makes storing the sizes of `listing`'s photos fail until [`unblock`]: a file where their
/// directory goes (the directory, if any, set aside meanwhile).
struct Blocked {
    path: PathBuf,
    aside: Option<PathBuf>,
}

fn block_sizes(app: &TestApp, listing: &str) -> Blocked {
    let path = media_dir(app).join("listings").join(simple(listing));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let aside = path.is_dir().then(|| {
        let aside = path.with_extension("aside");
        std::fs::rename(&path, &aside).unwrap();
        aside
    });
    std::fs::write(&path, b"in the way").unwrap();
    Blocked { path, aside }
}

fn unblock(blocked: &Blocked) {
    std::fs::remove_file(&blocked.path).unwrap();
    if let Some(aside) = &blocked.aside {
        std::fs::rename(aside, &blocked.path).unwrap();
    }
}

/// Where the upload of `photo` waits for its job.
fn original(app: &TestApp, listing: &str, photo: &Value) -> PathBuf {
    media_dir(app).join("incoming/photos").join(simple(listing)).join(simple(photo["id"].as_str().unwrap()))
}

/// Every file under `dir` (none when it does not exist).
fn files(dir: &PathBuf) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries
        .flat_map(|e| {
            let path = e.unwrap().path();
            if path.is_dir() { files(&path) } else { vec![path] }
        })
        .collect()
}

async fn publish(app: &TestApp, token: &str, listing: &str) {
    data(call(app, Method::POST, Some(token), &format!("/api/v1/listings/{listing}/publish"), None).await).await;
}

async fn photos(app: &TestApp, token: Option<&str>, listing: &str) -> Value {
    data(call(app, Method::GET, token, &format!("/api/v1/listings/{listing}/photos"), None).await).await["photos"]
        .clone()
}

async fn detail_photos(app: &TestApp, token: Option<&str>, listing: &str) -> Value {
    data(call(app, Method::GET, token, &format!("/api/v1/listings/{listing}"), None).await).await["listing"]["photos"]
        .clone()
}

fn statuses(photos: &Value) -> Vec<String> {
    photos.as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn an_upload_is_processing_and_the_owners_alone_until_ready() {
    let app = crate::support::spawn().await;
    let (a, listing) = listing_of(&app, "host-a@example.com").await;
    publish(&app, &a.token, &listing).await;
    let blocked = block_sizes(&app, &listing);

    let uploaded = add(&app, &a.token, &listing, part(jpeg(300, 200, 9))).await;
    assert_eq!(uploaded["position"], 1);
    assert!(uploaded.get("failure").is_none(), "{uploaded}");
    let kept = original(&app, &listing, &uploaded);
    assert!(kept.is_file(), "the upload waits under a private key");
    let private = format!("/media/incoming/photos/{}/{}", simple(&listing), simple(uploaded["id"].as_str().unwrap()));
    assert_eq!(app.get(&private).await.status(), 404, "the original is never served");

    assert_eq!(photos(&app, Some(&a.token), &listing).await, json!([uploaded]));
    assert_eq!(statuses(&detail_photos(&app, Some(&a.token), &listing).await), ["processing"]);
    assert_eq!(photos(&app, None, &listing).await, json!([]), "guests see ready photos only");
    assert_eq!(detail_photos(&app, None, &listing).await, json!([]));

    unblock(&blocked);
    let ready = processed(&app, &a.token, &listing, &uploaded).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(
        (&ready["variants"]["large"]["width"], &ready["variants"]["large"]["height"]),
        (&json!(300), &json!(200))
    );
    assert_eq!(app.get(&media_path(&ready["variants"]["thumb"]["url"])).await.status(), 200);
    assert_eq!(photos(&app, None, &listing).await, json!([ready]));
    assert_eq!(detail_photos(&app, None, &listing).await, json!([ready]));
    assert!(!kept.exists(), "the original is deleted once the sizes are stored");
}

/// A PNG whose header and `IEND` are intact but whose pixel data is garbage.
fn damaged_inside_png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8 * 4, y as u8 * 4, 77]));
    let mut png = encode(img, image::ImageFormat::Png);
    let at = png.windows(4).position(|w| w == b"IDAT").unwrap();
    let len = u32::from_be_bytes(png[at - 4..at].try_into().unwrap()) as usize;
    for b in &mut png[at + 4..at + 4 + len] {
        *b = 0xA5;
    }
    png
}

#[tokio::test]
async fn an_image_damaged_inside_ends_failed_with_a_reason() {
    let app = crate::support::spawn().await;
    let (a, listing) = listing_of(&app, "host-a@example.com").await;
    publish(&app, &a.token, &listing).await;

    let uploaded = add(&app, &a.token, &listing, part(damaged_inside_png())).await;
    let failed = processed(&app, &a.token, &listing, &uploaded).await;
    assert_eq!(failed["status"], "failed", "{failed}");
    assert_eq!(failed["failure"], "the image is damaged or incomplete");
    assert_eq!(failed["variants"], json!({}));
    // The job marks the photo failed, then deletes the original: the status may be seen first.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while original(&app, &listing, &uploaded).exists() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert!(!original(&app, &listing, &uploaded).exists(), "nothing is kept of a failed upload");
    assert_eq!(photos(&app, None, &listing).await, json!([]), "guests never see it");
    assert_eq!(statuses(&detail_photos(&app, Some(&a.token), &listing).await), ["failed"]);

    // It takes a place until the owner deletes it.
    let path = format!("/api/v1/listings/{listing}/photos/{}", failed["id"].as_str().unwrap());
    data(call(&app, Method::DELETE, Some(&a.token), &path, None).await).await;
    assert_eq!(photos(&app, Some(&a.token), &listing).await, json!([]));
}

#[tokio::test]
async fn a_truncated_file_is_refused_at_upload_and_nothing_is_stored() {
    let app = crate::support::spawn().await;
    let (a, listing) = listing_of(&app, "host-a@example.com").await;
    for format in [image::ImageFormat::Jpeg, image::ImageFormat::Png, image::ImageFormat::WebP] {
        let img = image::RgbImage::from_fn(120, 90, |x, y| image::Rgb([x as u8, y as u8, 3]));
        let mut bytes = encode(img, format);
        bytes.truncate(bytes.len() - 5);
        let err = expect_error(upload(&app, &a.token, &listing, part(bytes)).await, 400, "invalid_image").await;
        assert_eq!(err["message"], "the image is damaged or incomplete", "{format:?}");
    }
    assert_eq!(photos(&app, Some(&a.token), &listing).await, json!([]));
    assert_eq!(files(&media_dir(&app)), Vec::<PathBuf>::new());
}

#[tokio::test]
async fn a_photo_deleted_while_processing_leaves_no_file_behind() {
    let app = crate::support::spawn().await;
    let (a, listing) = listing_of(&app, "host-a@example.com").await;
    let blocked = block_sizes(&app, &listing);
    let uploaded = add(&app, &a.token, &listing, part(jpeg(200, 100, 50))).await;
    let path = format!("/api/v1/listings/{listing}/photos/{}", uploaded["id"].as_str().unwrap());
    data(call(&app, Method::DELETE, Some(&a.token), &path, None).await).await;
    assert_eq!(photos(&app, Some(&a.token), &listing).await, json!([]));
    assert!(!original(&app, &listing, &uploaded).exists());

    unblock(&blocked);
    let db = app.platform.db("catalog").unwrap();
    let (job,): (uuid::Uuid,) =
        platform::db::query("SELECT id FROM platform_jobs WHERE kind = 'catalog.photo'").fetch_one(db).await.unwrap();
    let state = app.platform.jobs("catalog").unwrap().wait(job, Duration::from_secs(60)).await.unwrap();
    assert_eq!(state, Some(platform::jobs::JobState::Done));
    assert_eq!(files(&media_dir(&app)), Vec::<PathBuf>::new());
}

/// Identity and catalog with the shared cache; `None` (skip) without a test Redis.
async fn spawn_cached() -> Option<TestApp> {
    let url = testkit::service_url("SOJOURN_TEST_REDIS_URL")?;
    let app = testkit::spawn_with(vec![Arc::new(identity::Identity), Arc::new(catalog::Catalog)], |c| {
        c.auth.password_hash.memory_kib = 1024;
        c.auth.password_hash.iterations = 1;
        c.rate_limit.enabled = false;
        c.redis.url = Some(url.clone());
        c.redis.key_prefix = format!("test{}:", &kernel::new_id().simple().to_string()[20..]);
    })
    .await;
    Some(app)
}

#[tokio::test]
async fn the_cached_detail_is_the_publics_and_shows_a_photo_once_ready() {
    let Some(app) = spawn_cached().await else { return };
    let (a, listing) = listing_of(&app, "host-a@example.com").await;
    publish(&app, &a.token, &listing).await;
    let first = add(&app, &a.token, &listing, part(jpeg(90, 60, 1))).await;
    let first = processed(&app, &a.token, &listing, &first).await;
    for _ in 0..2 {
        assert_eq!(detail_photos(&app, None, &listing).await, json!([first]), "read, then from the cache");
    }

    let blocked = block_sizes(&app, &listing);
    let second = add(&app, &a.token, &listing, part(jpeg(90, 60, 2))).await;
    assert_eq!(detail_photos(&app, None, &listing).await, json!([first]));
    let owners = detail_photos(&app, Some(&a.token), &listing).await;
    assert_eq!(statuses(&owners), ["ready", "processing"], "the owner is not served the public copy");

    unblock(&blocked);
    let second = processed(&app, &a.token, &listing, &second).await;
    assert_eq!(detail_photos(&app, None, &listing).await, json!([first, second]), "the job forgot the cached detail");
}
