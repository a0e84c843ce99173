//! The gateway of a split deployment serves the built web apps too (`server.web_root`,
//! `[[server.mounts]]`), with the platform's module: client routes get the app's page, files
//! their types, validators and ranges, while every upstream path is still proxied and unknown
//! API paths stay JSON 404s.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[allow(dead_code)]
mod harness;

use harness::{fake_upstream, gateway};
use platform::config::WebMount;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const INDEX: &str = "<!doctype html><title>DreamScape</title>";
const PANORAMA: &str = "<!doctype html><title>Panorama</title>";
const BROWSER: &str = "text/html,application/xhtml+xml,*/*;q=0.8";

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, bytes: &[u8]| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write("web/index.html", INDEX.as_bytes());
    write("web/assets/app-1234.js", b"console.log(1)");
    write("web/.env", b"SECRET");
    write("panorama/index.html", PANORAMA.as_bytes());
    write("panorama/static/js/main.js", b"console.log(2)");
    write("panoramas/paris/eiffel-tower.jpg", &(0..=255u8).cycle().take(10_000).collect::<Vec<u8>>());
    dir
}

#[tokio::test]
async fn the_gateway_serves_the_web_apps_beside_its_upstreams() {
    let upstream = fake_upstream("a").await;
    let site = site();
    let at = |rel: &str| site.path().join(rel);
    let gw = gateway(vec![upstream.url()], |c| {
        c.server.web_root = Some(at("web"));
        c.server.mounts = vec![
            WebMount { path: "/panorama".into(), dir: at("panorama"), spa: true },
            WebMount { path: "/panoramas".into(), dir: at("panoramas"), spa: false },
        ];
    })
    .await;
    let navigate = |path: &str| gw.client.get(gw.url(path)).header("accept", BROWSER).send();

    for path in ["/", "/dashboard", "/destination/paris", "/admin/users/42", "/payment/confirmation?x=1"] {
        let r = navigate(path).await.unwrap();
        assert_eq!((r.status().as_u16(), header(&r, "cache-control")), (200, "no-cache"), "{path}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff", "{path}");
        assert_eq!(r.text().await.unwrap(), INDEX, "{path}");
    }
    for path in ["/panorama", "/panorama/", "/panorama/?pin=123456"] {
        assert_eq!(navigate(path).await.unwrap().text().await.unwrap(), PANORAMA, "{path}");
    }
    let r = gw.get("/assets/app-1234.js").await;
    assert_eq!(header(&r, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(header(&r, "cache-control"), "public, max-age=31536000, immutable");
    let etag = header(&r, "etag").to_owned();
    let again = gw.client.get(gw.url("/assets/app-1234.js")).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);

    let r = gw.client.get(gw.url("/panoramas/paris/eiffel-tower.jpg")).header("range", "bytes=256-259").send().await;
    let r = r.unwrap();
    assert_eq!((r.status().as_u16(), header(&r, "content-type")), (206, "image/jpeg"));
    assert_eq!(header(&r, "content-range"), "bytes 256-259/10000");
    assert_eq!(r.bytes().await.unwrap().as_ref(), [0, 1, 2, 3]);

    for path in ["/assets/missing.js", "/.env", "/panoramas/paris/louvre.jpg"] {
        let r = gw.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_found", "{path}");
    }
    let r = gw.client.post(gw.url("/dashboard")).body("{}").send().await.unwrap();
    assert_eq!((r.status().as_u16(), header(&r, "allow")), (405, "GET, HEAD"));

    // Traversal, written as is on the wire.
    let mut stream = tokio::net::TcpStream::connect(gw.base.trim_start_matches("http://")).await.unwrap();
    let request = "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");

    // What the gateway answered before: upstream paths proxied (with and without `Origin`),
    // unknown API paths and its own endpoints unchanged, the service information for non-browsers.
    let r = gw.get("/api/v1/things/7").await;
    assert_eq!(r.json::<Value>().await.unwrap()["id"], "7");
    let r = gw.client.get(gw.url("/api/v1/things/8")).header("origin", "http://localhost:5173").send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["id"], "8");
    for path in ["/api/v1/nowhere", "/media/x.jpg", "/internal/v1/payment-groups", "/socket.io/x"] {
        let r = navigate(path).await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_found", "{path}");
    }
    assert_eq!(gw.get("/health/live").await.json::<Value>().await.unwrap()["alive"], true);
    let r = gw.client.get(gw.url("/")).header("accept", "application/json").send().await.unwrap();
    assert!(header(&r, "vary").contains("Accept"));
    assert_eq!(r.json::<Value>().await.unwrap()["message"], "Sojourn API gateway");
}

#[tokio::test]
async fn a_gateway_with_a_missing_web_directory_does_not_start() {
    let site = site();
    let mut config = platform::config::Config { data_dir: site.path().join("data"), ..Default::default() };
    config.gateway.upstreams.insert("alpha".into(), Default::default());
    config.server.web_root = Some(site.path().join("not-built"));
    let contexts: Vec<std::sync::Arc<dyn platform::Context>> =
        vec![std::sync::Arc::new(harness::Described("alpha", harness::THINGS, harness::SOCKETS))];
    let built = gateway::Gateway::build(&config, &contexts, std::sync::Arc::new(kernel::SystemClock)).await;
    let err = built.err().expect("refused").to_string();
    assert!(err.contains("server.web_root"), "{err}");
}
