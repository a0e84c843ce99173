//! The whole application (middleware included) with no context, on port 0 and a fresh data
//! directory, for the media route's tests; and deterministic test bytes.
#![allow(dead_code)]

use futures_util::TryStreamExt;
use platform::config::Config;
use platform::storage::Media;
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct Served {
    pub base: String,
    pub media: Media,
    pub client: reqwest::Client,
    pub dir: TempDir,
    _stop: oneshot::Sender<()>,
}

impl Served {
    pub fn url(&self, key: &str) -> String {
        format!("{}/media/{key}", self.base)
    }

    /// `GET /media/<key>` with `headers`.
    pub async fn get(&self, key: &str, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = self.client.get(self.url(key));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap()
    }
}

/// Starts the application; `tweak` adjusts the configuration first.
pub async fn serve(tweak: impl FnOnce(&mut Config)) -> Served {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config { data_dir: dir.path().to_path_buf(), ..Config::default() };
    config.server.host = "127.0.0.1".into();
    config.server.port = 0;
    config.events.relay_enabled = false;
    if let Some(url) = std::env::var("SOJOURN_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) {
        let unique = kernel::new_id().simple().to_string();
        config.database.url = Some(url);
        config.database.schema_prefix = format!("t{}_", &unique[unique.len() - 12..]);
        config.database.max_connections = 2;
    }
    tweak(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    config.server.listening_on(addr);
    let app = Box::pin(platform::App::build(config, Vec::new())).await.unwrap();
    let media = app.platform.media.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.serve(listener, async move {
        let _ = stopped.await;
    }));
    Served { base: format!("http://{addr}"), media, client: reqwest::Client::new(), dir, _stop: stop }
}

/// `len` bytes where every position differs from its neighbours (an off-by-one shows).
pub fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ (i / 251 % 256) as u8).collect()
}

/// Stores `bytes` under `key` the way uploads do: spooled from a stream, then `put_file`.
pub async fn store_via_spool(media: &Media, key: &str, bytes: &[u8], content_type: &str) {
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> =
        bytes.chunks(64 * 1024).map(|c| Ok(bytes::Bytes::copy_from_slice(c))).collect();
    let spooled = platform::storage::spool::spool(futures_util::stream::iter(chunks), &media.spool_dir(), u64::MAX)
        .await
        .unwrap();
    media.put_file(key, &spooled.path, content_type).await.unwrap();
}

/// The S3 bucket to test against (`SOJOURN_TEST_S3_URL`, required when `CI=true`): a fresh one.
pub async fn s3_bucket() -> Option<(String, String)> {
    let Some(endpoint) = std::env::var("SOJOURN_TEST_S3_URL").ok().filter(|u| !u.is_empty()) else {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs SOJOURN_TEST_S3_URL");
        eprintln!("skipped: SOJOURN_TEST_S3_URL is not set");
        return None;
    };
    let bucket = format!("media-{}", &kernel::new_id().simple().to_string()[20..]);
    s3_store(&endpoint, &bucket).create_bucket().await.unwrap();
    Some((endpoint, bucket))
}

pub const S3_KEY_ID: &str = "test-key";
pub const S3_SECRET_KEY: &str = "test-secret-key-0123456789abcdef";

pub fn s3_store(endpoint: &str, bucket: &str) -> platform::storage::S3Store {
    platform::storage::S3Store::new(endpoint, bucket, "us-east-1", S3_KEY_ID, S3_SECRET_KEY).unwrap()
}

/// The configuration of an application storing media in `bucket`.
pub fn use_s3(config: &mut Config, endpoint: &str, bucket: &str) {
    config.storage.backend = platform::config::StorageBackend::S3;
    config.storage.s3.endpoint = Some(endpoint.to_owned());
    config.storage.s3.bucket = bucket.to_owned();
    config.storage.s3.access_key_id = Some(S3_KEY_ID.into());
    config.secrets.insert(platform::storage::S3_SECRET.into(), platform::secrets::Secret::new(S3_SECRET_KEY));
}

/// Everything a store's stream yields.
pub async fn drain(stream: platform::storage::ByteStream) -> Vec<u8> {
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
    chunks.concat()
}
