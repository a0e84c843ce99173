//! Nothing outside the served directories, and nothing hidden in them, is ever answered; no
//! directory is listed; only GET and HEAD are served.

use super::support::{INDEX, PANORAMA_INDEX, SECRET, header, json, serve, site};

#[tokio::test]
async fn traversal_attempts_never_leave_the_served_directories() {
    let site = site();
    let app = serve(site.config()).await;
    for target in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/secret.txt",
        "/.%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "/assets\\..\\..\\secret.txt",
        "/assets/%00.js",
        "/assets/app-1234.js%00.png",
        "/panorama/../secret.txt",
        "/panoramas/%2e%2e/secret.txt",
        "/panoramas/paris/..%2f..%2f..%2fsecret.txt",
        "/audio/%2e%2e/%2e%2e/secret.txt",
        "/a%zz",
        "/%ff%fe",
    ] {
        let (status, text) = app.raw_get(target).await;
        assert!(matches!(status, 400 | 404), "{target}: {status}");
        assert!(!text.contains(SECRET), "{target} leaked");
    }
    let (status, text) = app.raw_get("/%2e%2e/secret.txt").await;
    assert_eq!(status, 400, "refused as such, not normalised: {text}");
    assert!(text.contains("\"code\":\"bad_request\""), "{text}");
}

#[tokio::test]
async fn hidden_files_and_links_out_of_the_root_are_not_found() {
    let site = site();
    let app = serve(site.config()).await;
    for path in [
        "/.env",
        "/.git/config",
        "/.git/",
        "/%2eenv",
        "/assets/.hidden.js",
        "/assets/%2Ehidden.js",
        // Symbolic links: to a file beside the root, to a hidden file inside it, to a
        // directory above it.
        "/assets/escape.txt",
        "/assets/config.js",
        "/up/secret.txt",
        "/panorama/.env",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(!r.text().await.unwrap().contains(SECRET), "{path} leaked");
        let r = app.navigate(path).await;
        assert!(!r.text().await.unwrap().contains(SECRET), "{path} leaked to a browser");
    }
    let r = app.get("/assets/latest.js").await;
    assert_eq!(r.status(), 200, "a link that stays inside the root is followed");
}

#[tokio::test]
async fn directories_are_never_listed() {
    let site = site();
    let app = serve(site.config()).await;
    for path in ["/panoramas", "/panoramas/", "/panoramas/paris/", "/audio/"] {
        let (status, body) = json(app.navigate(path).await).await;
        assert_eq!((status, body["code"].as_str()), (404, Some("not_found")), "{path}");
    }
    // An app's directory is one of its pages (the client's router decides), never a listing.
    for (path, page) in
        [("/locales/", INDEX), ("/locales/en", INDEX), ("/locales/en/", INDEX), ("/panorama/static/", PANORAMA_INDEX)]
    {
        assert_eq!(app.navigate(path).await.text().await.unwrap(), page, "{path}");
    }
}

#[tokio::test]
async fn only_get_and_head_are_served() {
    let site = site();
    let app = serve(site.config()).await;
    for (method, path) in [
        (reqwest::Method::POST, "/dashboard"),
        (reqwest::Method::PUT, "/"),
        (reqwest::Method::DELETE, "/assets/app-1234.js"),
        (reqwest::Method::PATCH, "/panorama/"),
        (reqwest::Method::PUT, "/panoramas/paris/eiffel-tower.jpg"),
        (reqwest::Method::POST, "/panoramas/paris/new.jpg"),
    ] {
        let r = app.client.request(method.clone(), app.url(path)).body("{}").send().await.unwrap();
        // `/` is also the API's route (the router's own 405 writes `GET,HEAD`).
        assert_eq!(header(&r, "allow").replace(' ', ""), "GET,HEAD", "{method} {path}");
        let (status, body) = json(r).await;
        assert_eq!((status, body["code"].as_str()), (405, Some("method_not_allowed")), "{method} {path}");
        assert_eq!(body["success"], false, "{method} {path}: the standard envelope");
    }
}
