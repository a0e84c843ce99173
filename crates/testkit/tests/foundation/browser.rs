//! What browser clients written against Express send, read as they mean it: trailing slashes,
//! bodiless POSTs without `Content-Type`, `key[]` arrays, and the access cookie instead of (or
//! beside a junk) `Authorization` header.

use platform::auth::{ACCESS_COOKIE, Role};
use serde_json::json;
use testkit::{expect_error, json, spawn_app};

#[tokio::test]
async fn a_trailing_slash_is_optional_under_api() {
    let app = spawn_app().await;
    let (status, body) = json(app.post_json("/api/v1/probes/", &json!({"name": "slash"})).await).await;
    assert_eq!(status, 201, "{body}");
    let id = body["data"]["probe"]["id"].as_str().unwrap().to_owned();
    for path in [format!("/api/v1/probes/{id}/"), format!("/api/v1/probes/{id}//"), format!("/api/v1/probes/{id}")] {
        let (status, body) = json(app.get(&path).await).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["data"]["probe"]["name"], "slash");
    }
    // The query survives the trim.
    let (status, body) = json(app.get("/api/v1/probes/echo/?n=3").await).await;
    assert_eq!((status, &body["data"]["n"]), (200, &json!(3)), "{body}");
    // Unknown paths are still the 404 envelope, with or without the slash.
    expect_error(app.get("/api/v1/nothing-here/").await, 404, "not_found").await;
}

#[tokio::test]
async fn a_bodiless_post_without_content_type_reads_as_an_empty_object() {
    let app = spawn_app().await;
    // Nothing sent: the probe's required `name` is reported missing, not a 415.
    let response = app.client.post(app.url("/api/v1/probes")).send().await.unwrap();
    let body = expect_error(response, 400, "validation_failed").await;
    assert_eq!(body["details"][0]["field"], "name", "{body}");
    assert_eq!(body["errors"][0]["path"], "name", "{body}");
    // A body without Content-Type is still refused.
    let response = app.client.post(app.url("/api/v1/probes")).body("{\"name\":\"x\"}").send().await.unwrap();
    expect_error(response, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn bracket_arrays_arrive_as_one_list() {
    let app = spawn_app().await;
    let (status, body) = json(app.get("/api/v1/probes/echo?tags[]=a&n=2&tags[]=b+c").await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"], json!({"tags": ["a", "b c"], "n": 2}));
    let (status, body) = json(app.get("/api/v1/probes/echo?tags%5B%5D=x").await).await;
    assert_eq!((status, &body["data"]["tags"]), (200, &json!(["x"])), "{body}");
    // A plain parameter sent twice is still an error, not silently joined.
    let response = app.get("/api/v1/probes/echo?n=1&n=2").await;
    expect_error(response, 400, "bad_request").await;
}

#[tokio::test]
async fn the_access_cookie_authenticates_when_no_usable_bearer_is_sent() {
    let app = spawn_app().await;
    let user = uuid::Uuid::now_v7();
    let token = app.platform.auth.issue(user, uuid::Uuid::now_v7(), Role::User).unwrap().token;
    let cookie = format!("theme=dark; {ACCESS_COOKIE}={token}");
    let whoami = |auth: Option<&'static str>| {
        let mut request = app.client.get(app.url("/api/v1/probes/whoami")).header("cookie", cookie.clone());
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request.send()
    };
    for auth in [None, Some("Bearer null"), Some("Bearer undefined"), Some("Bearer ")] {
        let (status, body) = json(whoami(auth).await.unwrap()).await;
        assert_eq!(status, 200, "{auth:?}: {body}");
        assert_eq!(body["data"]["userId"], user.to_string());
    }
    // A real but bad Bearer token is not overridden by the cookie.
    expect_error(whoami(Some("Bearer garbage")).await.unwrap(), 401, "invalid_token").await;
    // Neither header nor cookie: 401; a junk cookie: 401.
    expect_error(app.get("/api/v1/probes/whoami").await, 401, "unauthorized").await;
    let response =
        app.client.get(app.url("/api/v1/probes/whoami")).header("cookie", format!("{ACCESS_COOKIE}=junk")).send().await;
    expect_error(response.unwrap(), 401, "invalid_token").await;
}
