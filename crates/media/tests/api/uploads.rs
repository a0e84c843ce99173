//! Chunked uploads: pieces at the server's offset, resuming after a mismatch, completion into
//! an object, limits, abandoning, ownership, racing pieces.

use reqwest::Method;
use serde_json::json;
use testkit::{expect_error, json};

use crate::support::{data, host_with_listing, panorama, register, send, settled, spawn};

async fn piece(app: &testkit::TestApp, token: &str, upload: &str, offset: usize, bytes: &[u8]) -> reqwest::Response {
    let path = format!("/api/v1/media/uploads/{upload}");
    send(app, Method::PATCH, Some(token), &path, bytes.to_vec(), &[("upload-offset", offset.to_string())]).await
}

#[tokio::test]
async fn a_file_sent_in_pieces_resumes_at_the_servers_offset_and_becomes_an_object() {
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let file = panorama(2048, 7);
    let start = json!({"kind": "panorama", "size": file.len(), "contentType": "image/jpeg", "title": "Terrace"});
    let r = app
        .call(Method::POST, Some(&host.token), &format!("/api/v1/listings/{listing}/media/uploads"), Some(&start))
        .await;
    assert_eq!(r.headers()["upload-offset"], "0");
    let (status, body) = json(r).await;
    assert_eq!(status, 201, "{body}");
    let upload = body["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["data"]["offset"], 0);
    assert!(body["data"]["chunkSize"].as_u64().unwrap() > 0);

    let third = file.len() / 3;
    let r = piece(&app, &host.token, &upload, 0, &file[..third]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["upload-offset"], third.to_string());
    // A client that lost track sends at the wrong offset: told where to resume.
    let r = piece(&app, &host.token, &upload, third * 2, &file[third * 2..]).await;
    let err = expect_error(r, 409, "offset_mismatch").await;
    assert_eq!(err["data"]["offset"], third);
    let status =
        data(app.call(Method::GET, Some(&host.token), &format!("/api/v1/media/uploads/{upload}"), None).await).await;
    assert_eq!(status["offset"], third);
    // Someone else's upload does not exist for them.
    let other = register(&app, "other@example.com").await;
    let r = app.call(Method::GET, Some(&other.token), &format!("/api/v1/media/uploads/{upload}"), None).await;
    assert_eq!(r.status(), 404);
    assert_eq!(piece(&app, &other.token, &upload, third, &file[third..]).await.status(), 404);

    let r = piece(&app, &host.token, &upload, third, &file[third..third * 2]).await;
    assert_eq!(r.status(), 200);
    let (status, body) = json(piece(&app, &host.token, &upload, third * 2, &file[third * 2..]).await).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["upload"]["offset"], file.len());
    let object = &body["data"]["object"];
    assert_eq!(object["status"], "processing");
    assert_eq!(object["title"], "Terrace");
    let ready = settled(&app, &host.token, object["id"].as_str().unwrap()).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    // The upload is over.
    let r = app.call(Method::GET, Some(&host.token), &format!("/api/v1/media/uploads/{upload}"), None).await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn pieces_past_the_declared_size_bad_offsets_and_abandoned_uploads() {
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let start = json!({"kind": "video", "size": 1000});
    let upload = data(
        app.call(Method::POST, Some(&host.token), &format!("/api/v1/listings/{listing}/media/uploads"), Some(&start))
            .await,
    )
    .await;
    let upload = upload["id"].as_str().unwrap().to_owned();
    expect_error(piece(&app, &host.token, &upload, 0, &[1u8; 1001]).await, 413, "payload_too_large").await;
    let status =
        data(app.call(Method::GET, Some(&host.token), &format!("/api/v1/media/uploads/{upload}"), None).await).await;
    assert_eq!(status["offset"], 0, "a refused piece leaves nothing");
    let path = format!("/api/v1/media/uploads/{upload}");
    let r = send(&app, Method::PATCH, Some(&host.token), &path, vec![1; 10], &[]).await;
    expect_error(r, 400, "bad_request").await;
    let r = send(&app, Method::PATCH, Some(&host.token), &path, vec![1; 10], &[("upload-offset", "-1".into())]).await;
    expect_error(r, 400, "bad_request").await;
    // Bad declarations.
    for bad in [json!({"kind": "video", "size": 0}), json!({"kind": "photo", "size": 10}), json!({"kind": "video"})] {
        let r = app
            .call(Method::POST, Some(&host.token), &format!("/api/v1/listings/{listing}/media/uploads"), Some(&bad))
            .await;
        assert!(matches!(r.status().as_u16(), 400 | 422), "{bad}: {}", r.status());
    }
    let r = app
        .call(
            Method::POST,
            Some(&host.token),
            &format!("/api/v1/listings/{listing}/media/uploads"),
            Some(&json!({"kind": "video", "size": u64::MAX / 2})),
        )
        .await;
    expect_error(r, 413, "payload_too_large").await;
    // Complete but not a video: refused with a 4xx, and nothing stays.
    let (status, body) = json(piece(&app, &host.token, &upload, 0, &[7u8; 1000]).await).await;
    assert_eq!(status, 415, "{body}");
    let list =
        data(app.call(Method::GET, Some(&host.token), &format!("/api/v1/listings/{listing}/media"), None).await).await;
    assert_eq!(list, json!([]));

    let second = data(
        app.call(Method::POST, Some(&host.token), &format!("/api/v1/listings/{listing}/media/uploads"), Some(&start))
            .await,
    )
    .await;
    let second = second["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.call(Method::DELETE, Some(&host.token), &format!("/api/v1/media/uploads/{second}"), None).await.status(),
        204
    );
    assert_eq!(piece(&app, &host.token, &second, 0, &[1u8; 10]).await.status(), 404);
}

#[tokio::test]
async fn racing_pieces_at_one_offset_land_once() {
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let start = json!({"kind": "video", "size": 100_000});
    let upload = data(
        app.call(Method::POST, Some(&host.token), &format!("/api/v1/listings/{listing}/media/uploads"), Some(&start))
            .await,
    )
    .await;
    let upload = upload["id"].as_str().unwrap().to_owned();
    let mut tasks = Vec::new();
    for i in 0..8u8 {
        let (app_url, token, upload) =
            (app.url(&format!("/api/v1/media/uploads/{upload}")), host.token.clone(), upload.clone());
        let _ = upload;
        tasks.push(tokio::spawn(async move {
            reqwest::Client::new()
                .patch(app_url)
                .bearer_auth(token)
                .header("upload-offset", "0")
                .body(vec![i; 10_000])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 409), "{statuses:?}");
    let status =
        data(app.call(Method::GET, Some(&host.token), &format!("/api/v1/media/uploads/{upload}"), None).await).await;
    assert_eq!(status["offset"], 10_000);
}
