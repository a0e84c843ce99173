//! Guided tour sessions: a leader starts a live session of a tour, viewers join with its PIN,
//! and the leader's scene, view and pointer reach the joined viewers' sockets (`/ws`) as
//! `vr:state`; late joiners start from the stored state; ending notifies. The listing and tour
//! rows are fixtures written to media's database; everything asserted goes through HTTP and
//! the socket.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use platform::Context;
use reqwest::Method;
use serde_json::{Value, json};
use testkit::TestApp;
use testkit::accounts::{User, register};
use testkit::ws::{WsAuth, WsClient, ws_url};
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(5);

fn contexts() -> Vec<Arc<dyn Context>> {
    // The probe serves the sockets (messaging does in production).
    vec![Arc::new(identity::Identity), Arc::new(media::Media), Arc::new(testkit::probe::Probe)]
}

async fn spawn() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut app = testkit::spawn_config(testkit::quick_config(&dir), contexts()).await;
    app.data_dir = Some(dir);
    app
}

/// A listing of `owner` with `status` and a two-scene tour (`hall` → `kitchen`); the tour id.
async fn seed_tour(app: &TestApp, owner: &User, status: &str) -> Uuid {
    let db = app.platform.db("media").unwrap();
    let (listing, tour, owner) = (kernel::new_id(), kernel::new_id(), owner.id.parse::<Uuid>().unwrap());
    let now = chrono::Utc::now();
    platform::db::query("INSERT INTO listings (id, owner_id, status, updated_at) VALUES ($1, $2, $3, $4)")
        .bind(listing)
        .bind(owner)
        .bind(status)
        .bind(now)
        .execute(db)
        .await
        .unwrap();
    let document = json!({
        "title": "Loft", "initialSceneId": "hall",
        "scenes": [
            { "id": "hall", "panoramaId": kernel::new_id(), "initialView": { "yaw": 30.0, "pitch": -5.0, "fov": 80.0 },
              "hotspots": [{ "yaw": 90.0, "pitch": 0.0, "type": "scene", "targetSceneId": "kitchen" }] },
            { "id": "kitchen", "panoramaId": kernel::new_id(), "hotspots": [] }
        ]
    });
    platform::db::query(
        "INSERT INTO tours (listing_id, id, owner_id, document, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 1, $5, $5)",
    )
    .bind(listing)
    .bind(tour)
    .bind(owner)
    .bind(document)
    .bind(now)
    .execute(db)
    .await
    .unwrap();
    tour
}

async fn call(app: &TestApp, method: Method, user: &User, path: &str, body: Option<&Value>) -> (u16, Value) {
    testkit::json(app.call(method, Some(&user.token), path, body).await).await
}

/// Starts a session of `tour` led by `leader`: its `data`.
async fn start(app: &TestApp, leader: &User, tour: Uuid) -> Value {
    let (status, body) = call(app, Method::POST, leader, &format!("/api/v1/tours/{tour}/sessions"), None).await;
    assert_eq!(status, 201, "{body}");
    body["data"].clone()
}

async fn join(app: &TestApp, viewer: &User, pin: &str) -> Value {
    let (status, body) = call(app, Method::POST, viewer, &format!("/api/v1/vr/sessions/{pin}/join"), None).await;
    assert_eq!(status, 200, "{body}");
    body["data"].clone()
}

async fn socket(app: &TestApp, user: &User) -> WsClient {
    WsClient::connect_ready(&ws_url(&app.base), WsAuth::Header(user.token.clone())).await.0
}

/// The same across processes (NATS).
#[path = "tour_sessions/across.rs"]
mod across;

fn state_path(session: &Value) -> String {
    format!("/api/v1/tour-sessions/{}/state", session["id"].as_str().unwrap())
}

#[tokio::test]
async fn a_joined_viewer_follows_the_leaders_scene_and_pointer() {
    let app = spawn().await;
    let (host, guest) = (register(&app, "host@example.com").await, register(&app, "guest@example.com").await);
    let tour = seed_tour(&app, &host, "published").await;
    let session = start(&app, &host, tour).await;
    let (id, pin) = (session["id"].as_str().unwrap().to_owned(), session["pin"].as_str().unwrap().to_owned());
    assert_eq!(session["tourId"], json!(tour));
    assert_eq!(session["leaderId"], json!(host.id));
    assert_eq!(
        session["state"],
        json!({ "sceneId": "hall", "view": { "yaw": 30.0, "pitch": -5.0, "fov": 80.0 }, "pointer": null, "seq": 0 })
    );
    assert!(pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()), "{pin}");

    // The panorama app's lookup names the tour and does not use the PIN up.
    for _ in 0..2 {
        let (status, body) = testkit::json(app.get(&format!("/api/v1/vr/sessions/{pin}")).await).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["data"],
            json!({ "destination": format!("tour:{tour}"), "autoVR": true, "tourId": tour, "sessionId": id })
        );
    }

    let joined = join(&app, &guest, &pin).await;
    assert_eq!((joined["id"].as_str(), joined["state"]["sceneId"].as_str()), (Some(id.as_str()), Some("hall")));
    let mut viewer = socket(&app, &guest).await;
    let ack = viewer.emit_ack("vr:join", json!({ "sessionId": id }), WAIT).await;
    assert_eq!((ack["success"].as_bool(), ack["data"]["state"]["seq"].as_i64()), (Some(true), Some(0)), "{ack}");

    // The leader moves over its socket: a scene change...
    let mut leader = socket(&app, &host).await;
    let to_kitchen = json!({ "sessionId": id, "sceneId": "kitchen", "view": { "yaw": -120.5, "pitch": 10.0 } });
    let ack = leader.emit_ack("vr:state", to_kitchen, WAIT).await;
    assert_eq!((ack["success"].as_bool(), ack["data"]["seq"].as_i64()), (Some(true), Some(1)), "{ack}");
    let event = viewer.next_event("vr:state", WAIT).await.expect("the scene change");
    assert_eq!(
        event["data"],
        json!({ "sessionId": id, "sceneId": "kitchen", "view": { "yaw": -120.5, "pitch": 10.0, "fov": 90.0 },
                "pointer": null, "seq": 1 })
    );
    // ...then a pointer.
    let point = json!({ "sessionId": id, "sceneId": "kitchen", "view": { "yaw": -120.5, "pitch": 10.0 },
                        "pointer": { "yaw": -100.0, "pitch": 2.5 } });
    leader.emit_ack("vr:state", point, WAIT).await;
    let event = viewer.next_event("vr:state", WAIT).await.expect("the pointer");
    assert_eq!(
        (event["data"]["pointer"].clone(), event["data"]["seq"].as_i64()),
        (json!({ "yaw": -100.0, "pitch": 2.5 }), Some(2))
    );

    // Moves over HTTP (a leader without a socket) reach the viewer the same way.
    let body = json!({ "sceneId": "hall", "view": { "yaw": 0.0, "pitch": 0.0, "fov": 60.0 }, "pointer": null });
    let (status, moved) = call(&app, Method::PUT, &host, &state_path(&session), Some(&body)).await;
    assert_eq!((status, moved["data"]["seq"].as_i64(), moved["data"]["applied"].as_bool()), (200, Some(3), Some(true)));
    let event = viewer.next_event("vr:state", WAIT).await.expect("the HTTP move");
    assert_eq!((event["data"]["sceneId"].as_str(), event["data"]["seq"].as_i64()), (Some("hall"), Some(3)));

    // After `vr:leave`, nothing more.
    viewer.emit_ack("vr:leave", json!({ "sessionId": id }), WAIT).await;
    let body = json!({ "sceneId": "kitchen", "view": { "yaw": 0.0, "pitch": 0.0 } });
    call(&app, Method::PUT, &host, &state_path(&session), Some(&body)).await;
    viewer.expect_no_event("vr:state", Duration::from_millis(300)).await;
}

#[tokio::test]
async fn only_joined_viewers_follow_and_only_the_leader_moves() {
    let app = spawn().await;
    let host = register(&app, "host@example.com").await;
    let (guest, stranger) = (register(&app, "guest@example.com").await, register(&app, "stranger@example.com").await);
    let tour = seed_tour(&app, &host, "published").await;
    let session = start(&app, &host, tour).await;
    let id = session["id"].as_str().unwrap().to_owned();

    // Not joined by PIN: cannot follow, cannot read, cannot move.
    let mut outsider = socket(&app, &stranger).await;
    let ack = outsider.emit_ack("vr:join", json!({ "sessionId": id }), WAIT).await;
    assert_eq!(
        (ack["success"].as_bool(), ack["code"].as_str()),
        (Some(false), Some("tour_session_not_found")),
        "{ack}"
    );
    let path = format!("/api/v1/tour-sessions/{id}");
    testkit::expect_error(testkit::accounts::get(&app, &stranger, &path).await, 404, "tour_session_not_found").await;
    let body = json!({ "sceneId": "kitchen", "view": { "yaw": 0.0, "pitch": 0.0 } });
    let response = app.call(Method::PUT, Some(&stranger.token), &state_path(&session), Some(&body)).await;
    testkit::expect_error(response, 404, "tour_session_not_found").await;

    // Joined: follows and reads, but does not move (socket: an error ack; HTTP: 403).
    join(&app, &guest, session["pin"].as_str().unwrap()).await;
    let (status, read) = call(&app, Method::GET, &guest, &path, None).await;
    assert_eq!((status, read["data"]["id"].as_str()), (200, Some(id.as_str())), "{read}");
    let mut viewer = socket(&app, &guest).await;
    let ack = viewer.emit_ack("vr:join", json!({ "sessionId": id }), WAIT).await;
    assert_eq!(ack["success"], true, "{ack}");
    let mut moving = body.clone();
    moving["sessionId"] = json!(id);
    let ack = viewer.emit_ack("vr:state", moving, WAIT).await;
    assert_eq!((ack["success"].as_bool(), ack["code"].as_str()), (Some(false), Some("not_leader")), "{ack}");
    let response = app.call(Method::PUT, Some(&guest.token), &state_path(&session), Some(&body)).await;
    testkit::expect_error(response, 403, "not_leader").await;
    viewer.expect_no_event("vr:state", Duration::from_millis(200)).await;

    // The leader's bad moves are refused with the field named.
    for (bad, field) in [
        (json!({ "sceneId": "attic", "view": { "yaw": 0.0, "pitch": 0.0 } }), "sceneId"),
        (json!({ "sceneId": "hall", "view": { "yaw": 200.0, "pitch": 0.0 } }), "view.yaw"),
        (json!({ "sceneId": "hall", "view": { "yaw": 0.0, "pitch": 0.0, "fov": 10.0 } }), "view.fov"),
        (
            json!({ "sceneId": "hall", "view": { "yaw": 0.0, "pitch": 0.0 }, "pointer": { "yaw": 0.0, "pitch": -91.0 } }),
            "pointer.pitch",
        ),
        (json!({ "view": { "yaw": 0.0, "pitch": 0.0 } }), "sceneId"),
    ] {
        let response = app.call(Method::PUT, Some(&host.token), &state_path(&session), Some(&bad)).await;
        let error = testkit::expect_error(response, 400, "validation_failed").await;
        assert_eq!(error["details"][0]["field"], field, "{error}");
    }
    let mut leader = socket(&app, &host).await;
    let ack = leader
        .emit_ack("vr:state", json!({ "sessionId": id, "sceneId": "attic", "view": { "yaw": 0, "pitch": 0 } }), WAIT)
        .await;
    assert_eq!((ack["success"].as_bool(), ack["code"].as_str()), (Some(false), Some("validation_failed")), "{ack}");
}

#[tokio::test]
async fn a_late_joiner_starts_where_the_leader_is() {
    let app = spawn().await;
    let (host, late) = (register(&app, "host@example.com").await, register(&app, "late@example.com").await);
    let tour = seed_tour(&app, &host, "published").await;
    let session = start(&app, &host, tour).await;
    let moves = [
        json!({ "sceneId": "kitchen", "view": { "yaw": 45.0, "pitch": 0.0 } }),
        json!({ "sceneId": "kitchen", "view": { "yaw": 50.0, "pitch": 1.0 }, "pointer": { "yaw": 60.0, "pitch": 3.0 } }),
    ];
    for body in &moves {
        let (status, answer) = call(&app, Method::PUT, &host, &state_path(&session), Some(body)).await;
        assert_eq!(status, 200, "{answer}");
    }
    let joined = join(&app, &late, session["pin"].as_str().unwrap()).await;
    assert_eq!(
        joined["state"],
        json!({ "sceneId": "kitchen", "view": { "yaw": 50.0, "pitch": 1.0, "fov": 90.0 },
                "pointer": { "yaw": 60.0, "pitch": 3.0 }, "seq": 2 })
    );
    // The same from another process on the same database (the pointer move is stored within
    // a second).
    let there = testkit::spawn_config(app.platform.config.as_ref().clone(), contexts()).await;
    let path = format!("/api/v1/tour-sessions/{}", session["id"].as_str().unwrap());
    let deadline = Instant::now() + WAIT;
    loop {
        let (status, read) = call(&there, Method::GET, &late, &path, None).await;
        assert_eq!(status, 200, "{read}");
        if read["data"]["state"] == joined["state"] {
            break;
        }
        assert!(Instant::now() < deadline, "never stored: {read}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn ending_tells_the_viewers_and_closes_the_pin() {
    let app = spawn().await;
    let (host, guest) = (register(&app, "host@example.com").await, register(&app, "guest@example.com").await);
    let tour = seed_tour(&app, &host, "published").await;
    let session = start(&app, &host, tour).await;
    let (id, pin) = (session["id"].as_str().unwrap().to_owned(), session["pin"].as_str().unwrap().to_owned());
    join(&app, &guest, &pin).await;
    let mut viewer = socket(&app, &guest).await;
    viewer.emit_ack("vr:join", json!({ "sessionId": id }), WAIT).await;

    let path = format!("/api/v1/tour-sessions/{id}");
    testkit::expect_error(app.call(Method::DELETE, Some(&guest.token), &path, None).await, 403, "not_leader").await;
    let (status, body) = call(&app, Method::DELETE, &host, &path, None).await;
    assert_eq!((status, body["data"]["ended"].as_bool()), (200, Some(true)), "{body}");
    let ended = viewer.next_event("vr:ended", WAIT).await.expect("vr:ended");
    assert_eq!(ended["data"], json!({ "sessionId": id, "reason": "ended" }));

    let (status, body) = testkit::json(app.get(&format!("/api/v1/vr/sessions/{pin}")).await).await;
    assert_eq!((status, body["code"].as_str()), (404, Some("pin_not_found")), "{body}");
    testkit::expect_error(testkit::accounts::get(&app, &host, &path).await, 404, "tour_session_not_found").await;
}

#[tokio::test]
async fn a_deleted_leaders_sessions_end() {
    let app = spawn().await;
    let (host, guest) = (register(&app, "host@example.com").await, register(&app, "guest@example.com").await);
    let tour = seed_tour(&app, &host, "published").await;
    let session = start(&app, &host, tour).await;
    let (id, pin) = (session["id"].as_str().unwrap().to_owned(), session["pin"].as_str().unwrap().to_owned());
    join(&app, &guest, &pin).await;
    let mut viewer = socket(&app, &guest).await;
    viewer.emit_ack("vr:join", json!({ "sessionId": id }), WAIT).await;

    let password = json!({ "password": testkit::accounts::PASSWORD });
    let (status, body) = call(&app, Method::DELETE, &host, "/api/v1/users/profile", Some(&password)).await;
    assert_eq!(status, 200, "{body}");
    app.drain_events().await;
    let ended = viewer.next_event("vr:ended", WAIT).await.expect("vr:ended");
    assert_eq!(ended["data"]["sessionId"], json!(id));
    let (status, _) = testkit::json(app.get(&format!("/api/v1/vr/sessions/{pin}")).await).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn moves_within_a_scene_are_throttled_per_session() {
    let app = spawn().await;
    let host = register(&app, "host@example.com").await;
    let tour = seed_tour(&app, &host, "published").await;
    let session = start(&app, &host, tour).await;
    let path = state_path(&session);
    let started = Instant::now();
    let moves = (0..40).map(|n| {
        let body = json!({ "sceneId": "hall", "view": { "yaw": 0.0, "pitch": 0.0 }, "pointer": { "yaw": f64::from(n), "pitch": 0.0 } });
        let request = app.client.put(app.url(&path)).bearer_auth(&host.token).json(&body);
        async move { testkit::json(request.send().await.unwrap()).await }
    });
    let answers = futures_util::future::join_all(moves).await;
    let elapsed = started.elapsed().as_secs_f64();
    assert!(answers.iter().all(|(status, _)| *status == 200), "{answers:?}");
    let applied = answers.iter().filter(|(_, a)| a["data"]["applied"] == true).count();
    // A full burst of 20, then 20 a second.
    let allowed = 20 + (20.0 * elapsed).ceil() as usize;
    assert!((20..=allowed.min(40)).contains(&applied), "{applied} applied in {elapsed:.2}s");
    let top = answers.iter().filter_map(|(_, a)| a["data"]["seq"].as_i64()).max();
    assert_eq!(top, Some(applied as i64), "seq counts the applied moves");
    // A scene change always goes through.
    let body = json!({ "sceneId": "kitchen", "view": { "yaw": 0.0, "pitch": 0.0 } });
    let (_, answer) = call(&app, Method::PUT, &host, &path, Some(&body)).await;
    assert_eq!(answer["data"]["applied"], true, "{answer}");
}

#[tokio::test]
async fn who_may_start_a_session() {
    let app = spawn().await;
    let (host, guest) = (register(&app, "host@example.com").await, register(&app, "guest@example.com").await);
    let draft = seed_tour(&app, &host, "draft").await;
    let path = format!("/api/v1/tours/{draft}/sessions");
    let response = app.call(Method::POST, Some(&guest.token), &path, None).await;
    testkit::expect_error(response, 404, "tour_not_found").await;
    testkit::expect_error(app.call(Method::POST, None, &path, None).await, 401, "unauthorized").await;
    start(&app, &host, draft).await;
    let unknown = format!("/api/v1/tours/{}/sessions", kernel::new_id());
    testkit::expect_error(app.call(Method::POST, Some(&host.token), &unknown, None).await, 404, "tour_not_found").await;

    // A published tour: anyone signed in may lead one. A DreamScape PIN is not joinable.
    let public = seed_tour(&app, &host, "published").await;
    start(&app, &guest, public).await;
    let (_, made) = testkit::json(app.post_json("/api/v1/vr/sessions", &json!({ "destination": "paris" })).await).await;
    let path = format!("/api/v1/vr/sessions/{}/join", made["data"]["pin"].as_str().unwrap());
    let response = app.call(Method::POST, Some(&guest.token), &path, None).await;
    testkit::expect_error(response, 409, "not_a_tour_session").await;
}

#[tokio::test]
async fn a_session_expires_two_hours_after_its_last_activity() {
    let app = testkit::spawn_clocked("2030-03-01T10:00:00Z", contexts()).await;
    let (host, guest) = (register(&app, "host@example.com").await, register(&app, "guest@example.com").await);
    let tour = seed_tour(&app, &host, "published").await;
    let session = start(&app, &host, tour).await;
    assert_eq!(session["expiresAt"], "2030-03-01T12:00:00Z");
    let pin = session["pin"].as_str().unwrap().to_owned();
    // A move an hour later pushes the end to 13:00.
    app.clock.advance(chrono::Duration::hours(1));
    let host = testkit::accounts::login(&app, &host).await;
    let body = json!({ "sceneId": "kitchen", "view": { "yaw": 0.0, "pitch": 0.0 } });
    let (status, _) = call(&app, Method::PUT, &host, &state_path(&session), Some(&body)).await;
    assert_eq!(status, 200);
    app.clock.advance(chrono::Duration::minutes(90));
    let guest = testkit::accounts::login(&app, &guest).await;
    join(&app, &guest, &pin).await;
    // Nothing since the join at 12:30: gone after 14:30.
    app.clock.advance(chrono::Duration::minutes(121));
    let (status, body) = testkit::json(app.get(&format!("/api/v1/vr/sessions/{pin}")).await).await;
    assert_eq!((status, body["error"].as_str()), (410, Some("PIN has expired")), "{body}");
    let (status, _) = testkit::json(app.get(&format!("/api/v1/vr/sessions/{pin}")).await).await;
    assert_eq!(status, 404);
}
