//! DreamScape's profile row by user id (`POST`/`DELETE /api/v1/users/profile/{userId}`,
//! `POST …/{userId}/avatar`): open to anyone in DreamScape, the caller's own id here. Its avatar
//! upload waits for the avatar job like ours: an image damaged inside is a 400, and a job that
//! outlasts the wait answers the URL the avatar will have.

use std::io::Cursor;

use serde_json::{Value, json};
use testkit::{TestApp, expect_error, json};

use crate::support::{PASSWORD, Session, admin, login, register, spawn};

async fn create(app: &TestApp, s: &Session, id: &str, body: &Value) -> reqwest::Response {
    let url = app.url(&format!("/api/v1/users/profile/{id}"));
    app.client.post(url).bearer_auth(&s.access).json(body).send().await.unwrap()
}

async fn delete(app: &TestApp, s: &Session, id: &str) -> reqwest::Response {
    let url = app.url(&format!("/api/v1/users/profile/{id}"));
    app.client.delete(url).bearer_auth(&s.access).send().await.unwrap()
}

async fn upload(app: &TestApp, s: &Session, id: &str, field: &str, bytes: Vec<u8>) -> reqwest::Response {
    let boundary = "row-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    app.client
        .post(app.url(&format!("/api/v1/users/profile/{id}/avatar")))
        .bearer_auth(&s.access)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

fn png(side: u32, noisy: bool) -> Vec<u8> {
    let mut seed = 11u32;
    let img = image::RgbImage::from_fn(side, side, |x, y| {
        if noisy {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let b = seed.to_le_bytes();
            image::Rgb([b[1], b[2], b[3]])
        } else {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
        }
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn the_caller_creates_uploads_to_and_deletes_their_profile_row() {
    let app = spawn().await;
    let s = register(&app, "rowan@example.com").await;
    let id = s.user_id();
    let body = json!({"firstName": "Rowan", "lastName": "Oak", "phone": "+44 20 7946 0958",
                      "dateOfBirth": "1988-07-01T00:00:00.000Z", "preferences": {"seat": "aisle"}});
    let (status, row) = json(create(&app, &s, &id, &body).await).await;
    assert_eq!(status, 201, "{row}");
    assert_eq!((&row["id"], &row["userId"]), (&json!(id), &json!(id)));
    assert_eq!(
        (&row["firstName"], &row["lastName"], &row["phone"]),
        (&json!("Rowan"), &json!("Oak"), &json!("+44 20 7946 0958"))
    );
    assert_eq!(row["dateOfBirth"], "1988-07-01");
    assert_eq!(row["avatar"], Value::Null);
    assert_eq!(row["preferences"], json!({"seat": "aisle"}));
    assert_eq!(row["user"], json!({"email": "rowan@example.com", "firstName": "Rowan", "lastName": "Oak"}));
    assert!(row["createdAt"].is_string() && row["updatedAt"].is_string(), "{row}");
    expect_error(create(&app, &s, &id, &body).await, 409, "conflict").await;

    let (status, up) = json(upload(&app, &s, &id, "avatar", png(64, false)).await).await;
    assert_eq!(status, 200, "{up}");
    assert_eq!(up["message"], "Avatar uploaded successfully");
    let avatar = up["avatar"].as_str().unwrap().to_owned();
    assert_eq!(up["profile"]["avatar"], avatar.as_str());
    let media = &avatar[avatar.find("/media/").unwrap()..];
    assert_eq!(app.get(media).await.status(), 200);

    let (status, gone) = json(delete(&app, &s, &id).await).await;
    assert_eq!(status, 200, "{gone}");
    assert_eq!(gone["message"], "Profile deleted successfully");
    assert_eq!(app.get(media).await.status(), 404, "the avatar image is deleted with the profile");
    expect_error(delete(&app, &s, &id).await, 404, "not_found").await;
    // The account and its names stay; the profile can be created again.
    let again = login(&app, "rowan@example.com", PASSWORD).await;
    assert_eq!(again.user["firstName"], "Rowan");
    assert_eq!(create(&app, &s, &id, &body).await.status(), 201);
}

#[tokio::test]
async fn another_users_id_is_forbidden_and_admins_may_act_for_others() {
    let app = spawn().await;
    let a = register(&app, "a@example.com").await;
    let b = register(&app, "b@example.com").await;
    let boss = admin(&app, "boss@example.com").await;
    let body = json!({"firstName": "Bea", "lastName": "Bee"});
    expect_error(create(&app, &a, &b.user_id(), &body).await, 403, "forbidden").await;
    expect_error(create(&app, &a, "not-a-uuid", &body).await, 403, "forbidden").await;
    expect_error(upload(&app, &a, &b.user_id(), "avatar", png(16, false)).await, 403, "forbidden").await;
    expect_error(delete(&app, &a, &b.user_id()).await, 403, "forbidden").await;
    let anonymous = app.client.post(app.url(&format!("/api/v1/users/profile/{}", b.user_id()))).json(&body).send();
    assert_eq!(anonymous.await.unwrap().status(), 401);

    assert_eq!(create(&app, &boss, &b.user_id(), &body).await.status(), 201);
    expect_error(create(&app, &boss, &kernel::new_id().to_string(), &body).await, 404, "not_found").await;
    assert_eq!(delete(&app, &boss, &b.user_id()).await.status(), 200);
}

#[tokio::test]
async fn bad_input_is_a_4xx_never_a_5xx() {
    let app = spawn().await;
    let s = register(&app, "bad@example.com").await;
    let id = s.user_id();
    // DreamScape: 404 when there is no profile yet (the upload is refused before storing).
    expect_error(upload(&app, &s, &id, "avatar", png(16, false)).await, 404, "not_found").await;

    let missing =
        expect_error(create(&app, &s, &id, &json!({"firstName": "", "lastName": " "})).await, 400, "validation_failed")
            .await;
    assert_eq!(missing["message"], "First name and last name are required");
    expect_error(create(&app, &s, &id, &json!({"firstName": "X"})).await, 400, "validation_failed").await;
    for (field, value) in
        [("phone", json!("call me")), ("dateOfBirth", json!("yesterday")), ("preferences", json!("x"))]
    {
        let mut body = json!({"firstName": "Bo", "lastName": "Ba"});
        body[field] = value;
        let err = expect_error(create(&app, &s, &id, &body).await, 400, "validation_failed").await;
        assert!(crate::support::detail_fields(&err).contains(&field.to_owned()), "{field}: {err}");
    }
    assert_eq!(create(&app, &s, &id, &json!({"firstName": "Bo", "lastName": "Ba"})).await.status(), 201);

    expect_error(upload(&app, &s, &id, "photo", png(16, false)).await, 400, "validation_failed").await;
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,".to_vec();
    expect_error(upload(&app, &s, &id, "avatar", gif).await, 415, "unsupported_media_type").await;
    expect_error(
        upload(&app, &s, &id, "avatar", b"%PDF-1.4 not an image".to_vec()).await,
        415,
        "unsupported_media_type",
    )
    .await;
    let big = png(1500, true);
    assert!(big.len() > 2 * 1024 * 1024, "{}", big.len());
    expect_error(upload(&app, &s, &id, "avatar", big).await, 413, "payload_too_large").await;
    let mut broken = png(64, false);
    broken.truncate(broken.len() / 2);
    expect_error(upload(&app, &s, &id, "avatar", broken).await, 400, "invalid_image").await;
}

#[tokio::test]
async fn the_rows_avatar_upload_waits_for_the_job() {
    let app = spawn().await;
    let s = register(&app, "rowan@example.com").await;
    let id = s.user_id();
    assert_eq!(create(&app, &s, &id, &json!({"firstName": "Rowan", "lastName": "Oak"})).await.status(), 201);
    let damaged = crate::avatar::damaged_inside_png();
    let err = expect_error(upload(&app, &s, &id, "avatar", damaged).await, 400, "invalid_image").await;
    assert_eq!(err["message"], "the image is damaged or incomplete");

    let blocked = crate::avatar::Blocked::avatars_of(&app, &id);
    let (status, up) = json(upload(&app, &s, &id, "avatar", png(48, false)).await).await;
    assert_eq!(status, 200, "{up}");
    let avatar = up["avatar"].as_str().unwrap().to_owned();
    assert!(avatar.contains("/media/avatars/"), "{avatar}");
    assert_eq!(up["profile"]["avatar"], Value::Null, "the profile shows it once it is made");
    blocked.lift();
    let media = &avatar[avatar.find("/media/").unwrap()..];
    let started = std::time::Instant::now();
    while app.get(media).await.status() != 200 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the avatar was never made");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The job stores the file, then records it on the profile: the second may lag the first.
    loop {
        let page = app.client.get(app.url("/api/v1/users/profile")).bearer_auth(&s.access).send().await.unwrap();
        let photo = json(page).await.1["profile"]["photo"].clone();
        if photo == avatar.as_str() {
            break;
        }
        assert_eq!(photo, Value::Null, "the profile shows no other photo meanwhile");
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the profile never showed the avatar");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
