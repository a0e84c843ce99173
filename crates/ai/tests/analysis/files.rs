//! Image analysis on generated PNG and JPEG bytes, near-duplicates across a host's listings,
//! descriptions and transcriptions against the fake model, and the limits.

use ai::llm::fake::{FakeModel, Reply};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use serde_json::json;

use super::*;

fn encode(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// A room-like scene with edges: coloured blocks and stripes.
fn scene(w: u32, h: u32, seed: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        let block = ((x / (40 + seed)) + (y / 40)) % 3;
        let stripe = if (x / 8) % 2 == 0 { 60 } else { 0 };
        match block {
            0 => Rgb([200 - stripe, 40, 40]),
            1 => Rgb([30, 160 + stripe / 2, 60]),
            _ => Rgb([230, 230 - stripe, 210]),
        }
    }))
}

fn hamming(a: &Value, b: &Value) -> u32 {
    let parse = |v: &Value| u64::from_str_radix(v.as_str().unwrap(), 16).unwrap();
    (parse(a) ^ parse(b)).count_ones()
}

const ANALYZE: &str = "/api/v1/ai/images/analyze";

#[tokio::test]
async fn photos_are_analysed_offline() {
    let app = spawn(None).await;
    let user = register(&app, "photographer@files.test").await;

    let sharp = scene(800, 600, 0);
    let a = bare(send(&app, &user, ANALYZE, "image/png", encode(&sharp, ImageFormat::Png)).await).await;
    assert_eq!((a["format"].as_str(), a["width"].as_i64(), a["height"].as_i64()), (Some("png"), Some(800), Some(600)));
    assert_eq!(a["flags"], json!({"blurry": false, "dark": false, "small": false}), "{a}");
    assert_eq!(a["hash"].as_str().unwrap().len(), 16);
    let colours = a["colors"].as_array().unwrap();
    assert!(!colours.is_empty() && colours.len() <= 5);
    assert!(colours.iter().all(|c| c["hex"].as_str().unwrap().starts_with('#')));

    // The same scene, blurred, as a multipart JPEG.
    let (kind, body) = multipart(Some(("soft.jpg", "image/jpeg", &encode(&sharp.blur(6.0), ImageFormat::Jpeg))), &[]);
    let b = bare(send(&app, &user, ANALYZE, &kind, body).await).await;
    assert_eq!((b["format"].as_str(), b["flags"]["blurry"].as_bool()), (Some("jpeg"), Some(true)), "{b}");
    assert!(b["sharpness"].as_f64().unwrap() < a["sharpness"].as_f64().unwrap());

    // A dark, small picture.
    let dark = DynamicImage::ImageRgb8(RgbImage::from_fn(320, 240, |x, y| Rgb([((x + y) % 30) as u8, 12, 20])));
    let d = bare(send(&app, &user, ANALYZE, "image/png", encode(&dark, ImageFormat::Png)).await).await;
    assert_eq!((d["flags"]["dark"].as_bool(), d["flags"]["small"].as_bool()), (Some(true), Some(true)), "{d}");
    assert!(d["brightness"].as_f64().unwrap() < 0.25);

    // The same picture resized and re-encoded: a close hash; a different picture: a far one.
    let copy = bare(
        send(
            &app,
            &user,
            ANALYZE,
            "image/jpeg",
            encode(&sharp.resize_exact(640, 480, image::imageops::FilterType::Lanczos3), ImageFormat::Jpeg),
        )
        .await,
    )
    .await;
    assert!(hamming(&a["hash"], &copy["hash"]) <= 10, "{} vs {}", a["hash"], copy["hash"]);
    assert!(hamming(&a["hash"], &d["hash"]) > 10, "{} vs {}", a["hash"], d["hash"]);

    // Limits and bad input.
    let mut big = encode(&scene(64, 64, 0), ImageFormat::Png);
    big.resize(10 * 1024 * 1024 + 1, 0);
    testkit::expect_error(send(&app, &user, ANALYZE, "image/png", big.clone()).await, 413, "payload_too_large").await;
    // Beyond the route's body limit too, raw or as a multipart file.
    big.resize(12 * 1024 * 1024, 0);
    testkit::expect_error(send(&app, &user, ANALYZE, "image/png", big.clone()).await, 413, "payload_too_large").await;
    let (kind, body) = multipart(Some(("huge.png", "image/png", &big)), &[]);
    testkit::expect_error(send(&app, &user, ANALYZE, &kind, body).await, 413, "payload_too_large").await;
    let png = encode(&scene(64, 64, 0), ImageFormat::Png);
    testkit::expect_error(
        send(&app, &user, ANALYZE, "image/png", png[..png.len() / 2].to_vec()).await,
        400,
        "invalid_image",
    )
    .await;
    testkit::expect_error(
        send(&app, &user, ANALYZE, "image/png", b"GIF89a not a png".to_vec()).await,
        415,
        "unsupported_media_type",
    )
    .await;
    testkit::expect_error(
        send(&app, &user, ANALYZE, "text/plain", b"hello".to_vec()).await,
        415,
        "unsupported_media_type",
    )
    .await;
    testkit::expect_error(send(&app, &user, ANALYZE, "image/png", Vec::new()).await, 400, "validation_failed").await;
    let (kind, body) = multipart(None, &[("caption", "no file")]);
    testkit::expect_error(send(&app, &user, ANALYZE, &kind, body).await, 400, "validation_failed").await;
    let (status, _) = testkit::json(
        app.client.post(app.url(ANALYZE)).header("content-type", "image/png").body(png).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn near_duplicates_across_a_hosts_listings() {
    let app = spawn(None).await;
    let owner = host(&app, "owner@dupes.test").await;
    let (first, second) = (flat(&app, &owner, "Nice").await, flat(&app, &owner, "Nantes").await);
    let other = host(&app, "other@dupes.test").await;
    let theirs = flat(&app, &other, "Brest").await;
    let photo = scene(800, 600, 0);

    let a = bare(
        send(&app, &owner, &format!("{ANALYZE}?listingId={first}"), "image/png", encode(&photo, ImageFormat::Png))
            .await,
    )
    .await;
    assert_eq!(a["duplicates"], json!([]));
    // Another host's identical photo is not compared with ours.
    bare(
        send(&app, &other, &format!("{ANALYZE}?listingId={theirs}"), "image/png", encode(&photo, ImageFormat::Png))
            .await,
    )
    .await;
    // The same photo, re-encoded, on the owner's second listing.
    let b = bare(
        send(&app, &owner, &format!("{ANALYZE}?listingId={second}"), "image/jpeg", encode(&photo, ImageFormat::Jpeg))
            .await,
    )
    .await;
    let dupes = b["duplicates"].as_array().unwrap();
    assert_eq!(dupes.len(), 1, "{b}");
    assert_eq!(
        (dupes[0]["photoId"].clone(), dupes[0]["listingId"].as_str()),
        (a["photoId"].clone(), Some(first.as_str()))
    );
    // A different photo on the first listing: no duplicate.
    let dark =
        DynamicImage::ImageRgb8(RgbImage::from_fn(640, 480, |x, y| Rgb([((x * y) % 251) as u8, (x % 256) as u8, 40])));
    let c = bare(
        send(&app, &owner, &format!("{ANALYZE}?listingId={first}"), "image/png", encode(&dark, ImageFormat::Png)).await,
    )
    .await;
    assert_eq!(c["duplicates"], json!([]));

    let listed = bare(get(&app, &owner, &format!("/api/v1/ai/listings/{first}/photos/duplicates")).await).await;
    let photos = listed["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 2, "{listed}");
    let with = photos.iter().find(|p| p["photoId"] == a["photoId"]).unwrap();
    assert_eq!(with["duplicates"].as_array().unwrap().len(), 1);
    assert_eq!(with["duplicates"][0]["photoId"], b["photoId"]);
    assert_eq!(photos.iter().find(|p| p["photoId"] == c["photoId"]).unwrap()["duplicates"], json!([]));

    // Someone else's listing is 404 for both routes; an administrator may look.
    testkit::expect_error(
        get(&app, &other, &format!("/api/v1/ai/listings/{first}/photos/duplicates")).await,
        404,
        "not_found",
    )
    .await;
    let png = encode(&photo, ImageFormat::Png);
    testkit::expect_error(
        send(&app, &other, &format!("{ANALYZE}?listingId={first}"), "image/png", png).await,
        404,
        "not_found",
    )
    .await;
    let boss = admin(&app, "admin@dupes.test").await;
    bare(get(&app, &boss, &format!("/api/v1/ai/listings/{first}/photos/duplicates")).await).await;
}

#[tokio::test]
async fn descriptions_and_transcriptions_need_the_model() {
    let app = spawn(None).await;
    let user = register(&app, "nomodel@files.test").await;
    let png = encode(&scene(200, 150, 0), ImageFormat::Png);
    testkit::expect_error(
        send(&app, &user, "/api/v1/ai/images/describe", "image/png", png).await,
        503,
        "model_not_configured",
    )
    .await;
    let (kind, body) = multipart(Some(("note.ogg", "audio/ogg", b"OggS fake audio")), &[("language", "fr")]);
    testkit::expect_error(
        send(&app, &user, "/api/v1/ai/audio/transcriptions", &kind, body).await,
        503,
        "model_not_configured",
    )
    .await;
}

#[tokio::test]
async fn descriptions_and_transcriptions_through_the_fake_model() {
    let fake = FakeModel::start().await.unwrap();
    let app = spawn(Some(&fake)).await;
    let user = register(&app, "model@files.test").await;
    let png = encode(&scene(200, 150, 0), ImageFormat::Png);

    fake.push(Reply::text(r#"{"caption": "A bright bedroom with striped walls.", "tags": ["bedroom", "bright"], "moderation": {"verdict": "safe", "reasons": []}}"#));
    let d = bare(send(&app, &user, "/api/v1/ai/images/describe", "image/png", png.clone()).await).await;
    assert_eq!(d["caption"], "A bright bedroom with striped walls.");
    assert_eq!((d["tags"].clone(), d["moderation"]["verdict"].as_str()), (json!(["bedroom", "bright"]), Some("safe")));
    let seen = fake.requests();
    let request = seen[0].body.as_ref().unwrap();
    assert_eq!(request["model"], "fake-vision");
    let parts = request["messages"][1]["content"].as_array().unwrap();
    let url = parts.iter().find_map(|p| p["image_url"]["url"].as_str()).unwrap();
    // Re-encoded as a JPEG without metadata before it leaves.
    assert!(url.starts_with("data:image/jpeg;base64,/9j/"), "{}", &url[..40]);

    // Transcription: the file and the language go to /audio/transcriptions.
    fake.push(Reply::transcript("Bonjour, la clé est sous le paillasson."));
    let audio = b"OggS\x00\x02 fake voice message".to_vec();
    let (kind, body) = multipart(Some(("note.ogg", "audio/ogg", &audio)), &[("language", "fr")]);
    let t = bare(send(&app, &user, "/api/v1/ai/audio/transcriptions", &kind, body).await).await;
    assert_eq!(t["text"], "Bonjour, la clé est sous le paillasson.");
    let seen = fake.requests();
    let sent = seen.iter().find(|r| r.path == "/v1/audio/transcriptions").unwrap();
    assert_eq!((sent.fields["model"].as_str(), sent.fields["language"].as_str()), ("fake-whisper", "fr"));
    assert_eq!(sent.files[0].3, audio);
    assert_eq!(sent.files[0].2, "audio/ogg");

    // Not audio, too large, a bad language: refused before the model hears of it.
    let before = fake.requests().len();
    let (kind, body) = multipart(Some(("x.txt", "text/plain", b"hello")), &[]);
    testkit::expect_error(
        send(&app, &user, "/api/v1/ai/audio/transcriptions", &kind, body).await,
        415,
        "unsupported_media_type",
    )
    .await;
    let big = vec![0u8; 25 * 1024 * 1024 + 1];
    let (kind, body) = multipart(Some(("long.mp3", "audio/mpeg", &big)), &[]);
    testkit::expect_error(
        send(&app, &user, "/api/v1/ai/audio/transcriptions", &kind, body).await,
        413,
        "payload_too_large",
    )
    .await;
    let (kind, body) = multipart(Some(("a.mp3", "audio/mpeg", b"ID3")), &[("language", "french!")]);
    testkit::expect_error(
        send(&app, &user, "/api/v1/ai/audio/transcriptions", &kind, body).await,
        400,
        "validation_failed",
    )
    .await;
    testkit::expect_error(
        send(&app, &user, "/api/v1/ai/images/describe", "image/png", b"nope".to_vec()).await,
        415,
        "unsupported_media_type",
    )
    .await;
    assert_eq!(fake.requests().len(), before);
}
