//! Tours: two scenes joined by hotspots, created and replaced under If-Match, read by the
//! public with the listing, validated against the listing's ready panoramas.

use reqwest::Method;
use serde_json::{Value, json};
use testkit::{expect_error, json};

use crate::support::{data, host_with_listing, panorama, register, send, settled, spawn, upload};

async fn ready_panorama(app: &testkit::TestApp, token: &str, listing: &str, tint: u8) -> String {
    let created = data(upload(app, token, listing, "panorama", "image/jpeg", panorama(2048, tint)).await).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(settled(app, token, &id).await["status"], "ready");
    id
}

pub fn two_scenes(living: &str, kitchen: &str) -> Value {
    json!({"title": "The loft", "initialSceneId": "living", "scenes": [
        {"id": "living", "panoramaId": living, "title": "Living room", "initialView": {"yaw": 15, "pitch": -5, "fov": 80},
         "hotspots": [{"yaw": 90, "pitch": 0, "type": "scene", "targetSceneId": "kitchen"},
                      {"yaw": -40, "pitch": 5, "type": "info", "title": "Fireplace", "text": "Wood is in the shed."}]},
        {"id": "kitchen", "panoramaId": kitchen, "title": "Kitchen",
         "hotspots": [{"yaw": -90, "pitch": 0, "type": "scene", "targetSceneId": "living"}]}]})
}

async fn put(
    app: &testkit::TestApp,
    token: &str,
    listing: &str,
    body: &Value,
    if_match: Option<&str>,
) -> reqwest::Response {
    let mut headers = vec![("content-type", "application/json".to_owned())];
    if let Some(tag) = if_match {
        headers.push(("if-match", tag.to_owned()));
    }
    send(
        app,
        Method::PUT,
        Some(token),
        &format!("/api/v1/listings/{listing}/tour"),
        serde_json::to_vec(body).unwrap(),
        &headers,
    )
    .await
}

#[tokio::test]
async fn a_host_builds_a_two_scene_tour_that_guests_read_with_the_listing() {
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let living = ready_panorama(&app, &host.token, &listing, 1).await;
    let kitchen = ready_panorama(&app, &host.token, &listing, 2).await;

    let r = put(&app, &host.token, &listing, &two_scenes(&living, &kitchen), None).await;
    assert_eq!(r.headers()["etag"], "\"1\"");
    let (status, body) = json(r).await;
    assert_eq!(status, 201, "{body}");
    let tour = &body["data"];
    assert_eq!(tour["scenes"].as_array().unwrap().len(), 2);
    assert_eq!(tour["scenes"][0]["panorama"]["variants"]["preview"]["width"], 2048);
    assert_eq!(tour["scenes"][1]["initialView"], json!({"yaw": 0.0, "pitch": 0.0, "fov": 90.0}));

    // A guest (no token) reads it; revalidation with the ETag answers 304.
    let r = app.call(Method::GET, None, &format!("/api/v1/listings/{listing}/tour"), None).await;
    assert_eq!(r.status(), 200);
    let public = data(r).await;
    assert_eq!(public["initialSceneId"], "living");
    assert_eq!(public["scenes"][0]["hotspots"][0]["targetSceneId"], "kitchen");
    assert_eq!(public["scenes"][0]["hotspots"][1]["title"], "Fireplace");
    assert!(public["scenes"][0]["panorama"]["url"].is_string());
    let r = send(
        &app,
        Method::GET,
        None,
        &format!("/api/v1/listings/{listing}/tour"),
        Vec::new(),
        &[("if-none-match", "\"1\"".into())],
    )
    .await;
    assert_eq!(r.status(), 304);

    // Replacing needs the ETag: none → 428, stale → 412, current → 200 with the next one.
    let mut edited = two_scenes(&living, &kitchen);
    edited["initialSceneId"] = json!("kitchen");
    expect_error(put(&app, &host.token, &listing, &edited, None).await, 428, "precondition_required").await;
    expect_error(put(&app, &host.token, &listing, &edited, Some("\"7\"")).await, 412, "version_conflict").await;
    expect_error(put(&app, &host.token, &listing, &edited, Some("nonsense")).await, 400, "bad_request").await;
    let r = put(&app, &host.token, &listing, &edited, Some("\"1\"")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"2\"");
    // The panorama a scene shows cannot be deleted.
    let r = app.call(Method::DELETE, Some(&host.token), &format!("/api/v1/media/{living}"), None).await;
    expect_error(r, 409, "in_use").await;

    // Someone else cannot edit or delete it.
    let other = register(&app, "other@example.com").await;
    expect_error(put(&app, &other.token, &listing, &edited, Some("\"2\"")).await, 404, "not_found").await;
    let r = app.call(Method::DELETE, Some(&other.token), &format!("/api/v1/listings/{listing}/tour"), None).await;
    assert_eq!(r.status(), 404);
    let r = app.call(Method::DELETE, Some(&host.token), &format!("/api/v1/listings/{listing}/tour"), None).await;
    assert_eq!(r.status(), 204);
    let r = app.call(Method::GET, None, &format!("/api/v1/listings/{listing}/tour"), None).await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn scenes_must_show_ready_panoramas_of_the_listing_and_hotspots_must_lead_somewhere() {
    let app = spawn().await;
    let (host, listing) = host_with_listing(&app, "host@example.com").await;
    let (_, other_listing) = host_with_listing(&app, "second@example.com").await;
    let living = ready_panorama(&app, &host.token, &listing, 3).await;
    let kitchen = ready_panorama(&app, &host.token, &listing, 4).await;

    let foreign = uuid::Uuid::now_v7().to_string();
    let err = expect_error(
        put(&app, &host.token, &listing, &two_scenes(&living, &foreign), None).await,
        400,
        "validation_failed",
    )
    .await;
    assert_eq!(err["details"][0]["field"], "scenes[1].panoramaId");
    let mut broken = two_scenes(&living, &kitchen);
    broken["scenes"][0]["hotspots"][0]["targetSceneId"] = json!("garden");
    broken["scenes"][1]["initialView"] = json!({"yaw": 200, "pitch": 0});
    let err = expect_error(put(&app, &host.token, &listing, &broken, None).await, 400, "validation_failed").await;
    let fields: Vec<&str> = err["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"scenes[0].hotspots[0].targetSceneId"), "{fields:?}");
    assert!(fields.contains(&"scenes[1].initialView.yaw"), "{fields:?}");
    // Malformed documents are 400/422, never 5xx.
    for bad in
        [json!({"scenes": "x"}), json!({"scenes": [{"id": "a"}]}), json!([]), json!({"scenes": [], "extra": true})]
    {
        let r = put(&app, &host.token, &listing, &bad, None).await;
        assert!(matches!(r.status().as_u16(), 400 | 422), "{bad}: {}", r.status());
    }
    // No tour yet on the other listing; a tour for an unknown listing is a 404.
    assert_eq!(
        app.call(Method::GET, None, &format!("/api/v1/listings/{other_listing}/tour"), None).await.status(),
        404
    );
    let unknown = uuid::Uuid::now_v7();
    let r = put(&app, &host.token, &unknown.to_string(), &two_scenes(&living, &kitchen), None).await;
    assert_eq!(r.status(), 404);
}
