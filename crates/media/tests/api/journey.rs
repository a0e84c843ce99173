//! The "done when": a host uploads a panorama and a video, builds a two-scene tour,
//! and a guest streams the video with seeking.

use reqwest::Method;
use testkit::json;

use crate::support::{contains, data, fetch, ffmpeg, host_with_listing, panorama, settled, spawn, upload, video};
use crate::tours::two_scenes;

#[tokio::test]
async fn a_host_publishes_a_tour_and_a_video_and_a_guest_seeks_through_the_video() {
    let Some(ffmpeg) = ffmpeg() else { return };
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;

    let mut panoramas = Vec::new();
    for tint in [10, 20] {
        let created =
            data(upload(&app, &host.token, &listing, "panorama", "image/jpeg", panorama(2048, tint)).await).await;
        panoramas.push(created["id"].as_str().unwrap().to_owned());
    }
    let clip = video(&ffmpeg, "mp4", 3);
    assert!(contains(&clip, b"GPS-TAGGED") || contains(&clip, b"+48.8721"));
    let (status, body) = json(upload(&app, &host.token, &listing, "video", "video/mp4", clip.clone()).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["status"], "processing");
    assert_eq!(body["data"]["width"], 320);
    let video_id = body["data"]["id"].as_str().unwrap().to_owned();
    let duration = body["data"]["durationMs"].as_i64().unwrap();
    assert!((2900..=3100).contains(&duration), "{duration}");

    for id in &panoramas {
        assert_eq!(settled(&app, &host.token, id).await["status"], "ready");
    }
    let ready = settled(&app, &host.token, &video_id).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert_eq!(ready["contentType"], "video/mp4");
    assert_eq!(ready["variants"]["poster"]["width"], 320, "{ready}");
    assert!(ready["variants"]["thumb"].is_object());

    let r = app
        .call(
            Method::PUT,
            Some(&host.token),
            &format!("/api/v1/listings/{listing}/tour"),
            Some(&two_scenes(&panoramas[0], &panoramas[1])),
        )
        .await;
    assert_eq!(r.status(), 201);

    // The guest: the listing's media, the tour, then the video with seeking.
    let media =
        data(app.call(Method::GET, None, &format!("/api/v1/listings/{listing}/media?kind=video"), None).await).await;
    assert_eq!(media.as_array().unwrap().len(), 1);
    let url = media[0]["url"].clone();
    let tour = data(app.call(Method::GET, None, &format!("/api/v1/listings/{listing}/tour"), None).await).await;
    assert_eq!(tour["scenes"].as_array().unwrap().len(), 2);

    let whole = fetch(&app, &url, &[]).await;
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    let etag = whole.headers()["etag"].to_str().unwrap().to_owned();
    let served = whole.bytes().await.unwrap();
    assert_eq!(served.len(), clip.len(), "metadata is neutralised in place: same size");
    assert!(!contains(&served, b"GPS-TAGGED") && !contains(&served, b"+48.8721"), "the location must not be served");

    // Seeking: a range in the middle, the tail, and one past the end.
    let mid = served.len() / 2;
    let r = fetch(&app, &url, &[("range", format!("bytes={mid}-{}", mid + 999))]).await;
    assert_eq!(r.status(), 206);
    assert_eq!(r.headers()["content-range"], format!("bytes {mid}-{}/{}", mid + 999, served.len()));
    assert_eq!(r.bytes().await.unwrap(), served[mid..mid + 1000]);
    let r = fetch(&app, &url, &[("range", "bytes=-500".into())]).await;
    assert_eq!(r.status(), 206);
    assert_eq!(r.bytes().await.unwrap(), served[served.len() - 500..]);
    let r = fetch(&app, &url, &[("range", format!("bytes={}-", served.len() + 10))]).await;
    assert_eq!(r.status(), 416);
    let r = fetch(&app, &url, &[("if-none-match", etag)]).await;
    assert_eq!(r.status(), 304);
    let poster = fetch(&app, &ready["variants"]["poster"]["url"], &[]).await;
    assert_eq!(poster.headers()["content-type"], "image/jpeg");
}
