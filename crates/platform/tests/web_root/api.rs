//! The paths the API owns answer the same with and without web apps: the apps are the
//! router's fallback and never take `/api`, `/media`, `/health`, `/metrics`, `/socket.io`,
//! `/ws`, `/docs`, `/api-docs`, `/internal` or `/.well-known`, even for a browser.

use reqwest::Method;

use super::support::{INDEX, base_config, header, serve, site};

const BROWSER: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

#[tokio::test]
async fn paths_the_api_owns_answer_as_without_web_apps() {
    let site = site();
    let with = serve(site.config()).await;
    let bare_dir = tempfile::tempdir().unwrap();
    let without = serve(base_config(&bare_dir)).await;
    let get = Method::GET;
    let cases = [
        (get.clone(), "/api/v1/nowhere"),
        (get.clone(), "/api/v1/users/favorites/"),
        (get.clone(), "/api"),
        (get.clone(), "/api/"),
        (get.clone(), "/API/v1/nowhere"),
        (get.clone(), "/%61pi/v1/nowhere"),
        (get.clone(), "/api/price-alerts"),
        (get.clone(), "/media/avatars/someone/abc.jpg"),
        (get.clone(), "/media"),
        (get.clone(), "/health"),
        (get.clone(), "/health/live"),
        (get.clone(), "/health/ready"),
        (get.clone(), "/health/nowhere"),
        (get.clone(), "/api/health"),
        (get.clone(), "/api/health/live"),
        (get.clone(), "/api/health/ready"),
        (get.clone(), "/metrics"),
        (get.clone(), "/docs"),
        (get.clone(), "/docs/ui/swagger-ui.css"),
        (get.clone(), "/docs/nowhere.js"),
        (get.clone(), "/api-docs/openapi.json"),
        (get.clone(), "/api-docs/nowhere"),
        (get.clone(), "/socket.io/?EIO=4&transport=websocket"),
        (get.clone(), "/socket.io/nowhere"),
        (get.clone(), "/ws"),
        (get.clone(), "/internal/v1/payment-groups"),
        (get.clone(), "/.well-known/jwks.json"),
        (Method::POST, "/api/v1/vr/sessions"),
        (Method::POST, "/api/v1/nowhere"),
        (Method::DELETE, "/media/x.jpg"),
        (Method::POST, "/"),
    ];
    for (method, path) in cases {
        for accept in ["application/json", BROWSER] {
            let call = |base: &super::support::Running| {
                base.client.request(method.clone(), base.url(path)).header("accept", accept).send()
            };
            let (a, b) = (call(&with).await.unwrap(), call(&without).await.unwrap());
            let what = format!("{method} {path} (accept {accept})");
            assert_eq!(a.status(), b.status(), "{what}");
            assert_eq!(header(&a, "content-type"), header(&b, "content-type"), "{what}");
            let is_json = header(&a, "content-type").starts_with("application/json");
            let (a, b) = (a.text().await.unwrap(), b.text().await.unwrap());
            assert_ne!(a, INDEX, "{what}: the app's page");
            if is_json && !path.starts_with("/health") && !path.starts_with("/api/health") {
                let code = |t: &str| serde_json::from_str::<serde_json::Value>(t).unwrap_or_default()["code"].clone();
                assert_eq!(code(&a), code(&b), "{what}");
            }
        }
    }
    // `/` for anything but a browser: the service information, as before.
    let (a, b) = (with.get("/").await, without.get("/").await);
    assert_eq!((a.status(), header(&a, "content-type")), (b.status(), header(&b, "content-type")));
}

#[tokio::test]
async fn without_web_apps_unknown_paths_stay_json_404s() {
    let dir = tempfile::tempdir().unwrap();
    let app = serve(base_config(&dir)).await;
    for path in ["/dashboard", "/panorama/", "/assets/app.js", "/"] {
        let r = app.client.get(app.url(path)).header("accept", BROWSER).send().await.unwrap();
        if path == "/" {
            assert_eq!(header(&r, "content-type"), "application/json", "the service information");
            continue;
        }
        assert_eq!(r.status(), 404, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], "not_found", "{path}");
    }
}
