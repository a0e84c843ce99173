//! A built site on disk (DreamScape's web client, its panorama app, panoramas and audio) and
//! the app serving it on port 0.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use platform::App;
use platform::config::{Config, WebMount};
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

pub const INDEX: &str = "<!doctype html><title>DreamScape</title><script src=\"/assets/app-1234.js\"></script>";
pub const PANORAMA_INDEX: &str = "<!doctype html><title>Panorama</title>";
pub const APP_JS: &str = "console.log('DreamScape app bundle');\n";
pub const SECRET: &str = "TOP-SECRET-VALUE";
/// Size of the panorama picture: several body chunks.
pub const JPEG_LEN: usize = 3 * 1024 * 1024 + 123;

pub struct Site {
    pub dir: TempDir,
    pub jpeg: Vec<u8>,
}

impl Site {
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// web_root plus `/panorama` (an app), `/panoramas` and `/audio` (plain files).
    pub fn config(&self) -> Config {
        let mut config = base_config(&self.dir);
        config.server.web_root = Some(self.path("web"));
        config.server.mounts = vec![
            WebMount { path: "/panorama".into(), dir: self.path("panorama"), spa: true },
            WebMount { path: "/panoramas".into(), dir: self.path("panoramas"), spa: false },
            WebMount { path: "/audio".into(), dir: self.path("audio"), spa: false },
        ];
        config
    }
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// The files of the site; `secret.txt` lies beside the served directories, never inside.
pub fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let at = |rel: &str| dir.path().join(rel);
    write(&at("web/index.html"), INDEX.as_bytes());
    write(&at("web/assets/app-1234.js"), APP_JS.as_bytes());
    write(&at("web/assets/app-1234.js.br"), b"BROTLI-BYTES");
    write(&at("web/assets/app-1234.js.gz"), b"GZIP-BYTES");
    write(&at("web/assets/app-1234.css"), b"body{margin:0}");
    write(&at("web/locales/en/common.json"), br#"{"hello":"Hello"}"#);
    write(&at("web/favicon.ico"), b"\0\0\x01\0icon");
    write(&at("web/.env"), SECRET.as_bytes());
    write(&at("web/.git/config"), SECRET.as_bytes());
    write(&at("web/assets/.hidden.js"), SECRET.as_bytes());
    write(&at("secret.txt"), SECRET.as_bytes());
    std::os::unix::fs::symlink(at("secret.txt"), at("web/assets/escape.txt")).unwrap();
    std::os::unix::fs::symlink(at("web/.env"), at("web/assets/config.js")).unwrap();
    std::os::unix::fs::symlink("app-1234.js", at("web/assets/latest.js")).unwrap();
    std::os::unix::fs::symlink(dir.path(), at("web/up")).unwrap();

    write(&at("panorama/index.html"), PANORAMA_INDEX.as_bytes());
    write(&at("panorama/static/js/main.js"), b"console.log('panorama');");
    write(&at("panorama/manifest.json"), br#"{"name":"Panorama"}"#);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    let mut x: u32 = 0x1234_5678;
    while jpeg.len() < JPEG_LEN {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        jpeg.push(x.to_le_bytes()[0]);
    }
    write(&at("panoramas/paris/eiffel-tower.jpg"), &jpeg);
    write(&at("audio/paris/eiffel-tower.mp3"), "ID3 narration ".repeat(200).as_bytes());
    Site { dir, jpeg }
}

/// A config for one test: its own data directory, port 0, no contexts' databases.
pub fn base_config(dir: &TempDir) -> Config {
    let mut config = Config { data_dir: dir.path().join("data"), ..Config::default() };
    config.server.host = "127.0.0.1".into();
    config.server.port = 0;
    config
}

pub struct Running {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    _stop: oneshot::Sender<()>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A browser navigating to `path`.
    pub async fn navigate(&self, path: &str) -> reqwest::Response {
        let accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        self.client.get(self.url(path)).header("accept", accept).send().await.unwrap()
    }

    /// `GET <target>` written as is: no client normalises `..` or `%2e%2e` away. Returns the
    /// status and the whole answer as text.
    pub async fn raw_get(&self, target: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(self.addr).await.unwrap();
        let request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let text = String::from_utf8_lossy(&answer).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, text)
    }
}

/// Builds the app on `config` (no contexts) and serves it until the handle is dropped.
pub async fn serve(config: Config) -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Box::pin(App::build(config, Vec::new())).await.unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.serve(listener, async move {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Running { addr, client, _stop: stop }
}

pub fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Status and JSON body (`null` when the body is not JSON).
pub async fn json(response: reqwest::Response) -> (u16, serde_json::Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}
