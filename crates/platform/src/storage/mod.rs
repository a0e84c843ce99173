//! Object storage for user media (avatars and listing photos). Contexts depend on the
//! [`ObjectStore`] trait through the [`Media`] handle in `ContextEnv`, which also builds the
//! public URL of an object; `GET /media/{*key}` serves the stored images.
//!
//! The embedded default, [`LocalStore`], keeps each object as the file `<data_dir>/media/<key>`
//! and its content type in a sidecar file next to it, `<key>~type` (one line, e.g.
//! `image/jpeg`). `~` is not a key character, so a sidecar or a temporary file can never be
//! mistaken for an object. Every file is written to a temporary file in the same directory,
//! synced and renamed into place, so a reader sees the old object or the new one, never half.

mod s3;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

pub use s3::S3Store;

/// The secret holding the S3 secret access key (`storage.backend = "s3"`).
pub const S3_SECRET: &str = "s3_secret_access_key";

/// Longest accepted object key, in bytes.
pub const MAX_KEY_LEN: usize = 200;

/// An object as stored: its bytes and the content type given when it was put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key breaks the key rules (see [`validate_key`]).
    #[error("invalid object key")]
    InvalidKey,
    /// The content type is empty or not a single header-safe line.
    #[error("invalid content type")]
    InvalidContentType,
    #[error("object storage I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The remote object store (S3) refused or could not be reached.
    #[error("object storage: {0}")]
    Remote(String),
}

#[async_trait]
pub trait ObjectStore: Send + Sync {
    /// Stores `bytes` under `key`, replacing any object already there.
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError>;
    /// The object under `key`, or `None` when there is none.
    async fn get(&self, key: &str) -> Result<Option<StoredObject>, StorageError>;
    /// Removes the object under `key`; removing a missing object is not an error.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
}

/// Keys are 1–200 characters of `a-z 0-9 / _ . -`: no leading `/`, no `..`, and no empty or
/// `.` path segment (so no trailing `/` and no `//`). Callers should make them
/// content-addressed (`avatars/<user>/<sha256>.jpg`): objects are served as immutable.
pub fn validate_key(key: &str) -> Result<(), StorageError> {
    let charset_ok = key.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'/' | b'_' | b'.' | b'-'));
    let ok = !key.is_empty()
        && key.len() <= MAX_KEY_LEN
        && charset_ok
        && !key.contains("..")
        && key.split('/').all(|segment| !segment.is_empty() && segment != ".");
    if ok { Ok(()) } else { Err(StorageError::InvalidKey) }
}

fn validate_content_type(content_type: &str) -> Result<(), StorageError> {
    let ok = !content_type.trim().is_empty()
        && content_type.len() <= 255
        && content_type.bytes().all(|b| (0x20..0x7f).contains(&b));
    if ok { Ok(()) } else { Err(StorageError::InvalidContentType) }
}

/// Files under a root directory (by default `<data_dir>/media`).
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// `<data_dir>/media`, where the default store keeps its files.
    pub fn media_dir(data_dir: &Path) -> PathBuf {
        data_dir.join("media")
    }

    /// The data file and the content-type sidecar of a (validated) key.
    fn paths(&self, key: &str) -> Result<(PathBuf, PathBuf), StorageError> {
        validate_key(key)?;
        let file = self.root.join(key);
        let sidecar = self.root.join(format!("{key}~type"));
        Ok((file, sidecar))
    }
}

/// Writes `bytes` to `path` through a synced temporary file in the same directory and a rename.
async fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("object path has no parent"))?;
    tokio::fs::create_dir_all(dir).await?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("object");
    let tmp = dir.join(format!("{name}~{}.tmp", kernel::new_id().simple()));
    let written = async {
        let mut file = tokio::fs::File::create(&tmp).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        drop(file);
        tokio::fs::rename(&tmp, path).await
    }
    .await;
    if written.is_err() {
        let _ = tokio::fs::remove_file(&tmp).await;
    }
    written
}

/// `NotFound`, a path through a regular file (`a/b` when `a` is an object), or a directory
/// (`a` when `a/b` is an object): no object.
fn is_absent(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{IsADirectory, NotADirectory, NotFound};
    matches!(e.kind(), NotFound | NotADirectory | IsADirectory)
}

#[async_trait]
impl ObjectStore for LocalStore {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        let (file, sidecar) = self.paths(key)?;
        validate_content_type(content_type)?;
        // Sidecar first: an object is never visible without its content type.
        write_atomic(&sidecar, content_type.as_bytes()).await?;
        write_atomic(&file, &bytes).await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<StoredObject>, StorageError> {
        let (file, sidecar) = self.paths(key)?;
        let bytes = match tokio::fs::read(&file).await {
            Ok(bytes) => bytes,
            Err(e) if is_absent(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let content_type = match tokio::fs::read_to_string(&sidecar).await {
            Ok(ct) => ct.trim().to_owned(),
            // Only while a delete is half done; such an object is never served as an image.
            Err(e) if is_absent(&e) => "application/octet-stream".to_owned(),
            Err(e) => return Err(e.into()),
        };
        Ok(Some(StoredObject { bytes, content_type }))
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let (file, sidecar) = self.paths(key)?;
        for path in [file, sidecar] {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => {}
                Err(e) if is_absent(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }
}

/// What contexts use: the store, plus where its objects are reachable from outside.
#[derive(Clone)]
pub struct Media {
    store: Arc<dyn ObjectStore>,
    base_url: String,
}

impl Media {
    /// `base_url` is the URL `GET /media/{*key}` is reachable at, e.g.
    /// `https://app.example.com/media`; a trailing `/` is dropped.
    pub fn new(store: Arc<dyn ObjectStore>, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self { store, base_url }
    }

    /// The local store under `<data_dir>/media`, with URLs on `storage.public_base_url`
    /// (default `<server.public_url>/media`).
    pub fn from_config(config: &crate::Config) -> Self {
        let store = Arc::new(LocalStore::new(LocalStore::media_dir(&config.data_dir)));
        Self::new(store, config.storage.base_url(&config.server.public_url()))
    }

    /// The configured store: local files, or the S3 bucket of `storage.s3` (its secret key is
    /// the secret [`S3_SECRET`]).
    pub fn configured(config: &crate::Config, secrets: &crate::secrets::Secrets) -> Result<Self, String> {
        if config.storage.backend == crate::config::StorageBackend::Local {
            return Ok(Self::from_config(config));
        }
        let s3 = &config.storage.s3;
        let secret = secrets.get(S3_SECRET).ok_or_else(|| format!("secret `{S3_SECRET}` is missing"))?;
        let store = S3Store::new(
            s3.endpoint.as_deref().unwrap_or_default(),
            &s3.bucket,
            &s3.region,
            s3.access_key_id.as_deref().unwrap_or_default(),
            secret.expose(),
        )?;
        Ok(Self::new(Arc::new(store), config.storage.base_url(&config.server.public_url())))
    }

    /// The public URL of the object under `key`.
    pub fn url_for(&self, key: &str) -> String {
        format!("{}/{key}", self.base_url)
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        self.store.put(key, bytes, content_type).await
    }

    pub async fn get(&self, key: &str) -> Result<Option<StoredObject>, StorageError> {
        self.store.get(key).await
    }

    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.store.delete(key).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn keys_follow_the_rules() {
        for good in ["a", "avatars/0193/ab_cd-ef.jpg", "x.y.z", "a/b/c/d.png", &"k".repeat(MAX_KEY_LEN)] {
            assert!(validate_key(good).is_ok(), "{good}");
        }
        let too_long = "k".repeat(MAX_KEY_LEN + 1);
        for bad in [
            "",
            "/etc/passwd",
            "../secrets.json",
            "a/../../b",
            "a..b",
            "a//b",
            "a/",
            "./a",
            "a/./b",
            ".",
            "A.jpg",
            "a b",
            "a\\b",
            "a~type",
            "é.jpg",
            "a\0b",
            too_long.as_str(),
        ] {
            assert!(matches!(validate_key(bad), Err(StorageError::InvalidKey)), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn local_store_round_trips_overwrites_and_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("media"));
        assert_eq!(store.get("avatars/u1/a.png").await.unwrap(), None);
        store.put("avatars/u1/a.png", vec![1, 2, 3], "image/png").await.unwrap();
        assert!(dir.path().join("media/avatars/u1/a.png").is_file());
        let got = store.get("avatars/u1/a.png").await.unwrap().unwrap();
        assert_eq!(got, StoredObject { bytes: vec![1, 2, 3], content_type: "image/png".into() });

        store.put("avatars/u1/a.png", vec![9], "image/webp").await.unwrap();
        let got = store.get("avatars/u1/a.png").await.unwrap().unwrap();
        assert_eq!((got.bytes, got.content_type.as_str()), (vec![9], "image/webp"));

        store.delete("avatars/u1/a.png").await.unwrap();
        assert_eq!(store.get("avatars/u1/a.png").await.unwrap(), None);
        // Idempotent, and nothing is left behind (no sidecar, no temporary file).
        store.delete("avatars/u1/a.png").await.unwrap();
        store.delete("never/there.jpg").await.unwrap();
        assert_eq!(std::fs::read_dir(dir.path().join("media/avatars/u1")).unwrap().count(), 0);
        // A path through an object, or a directory of objects, is "no object", not an error.
        store.put("f", vec![1], "image/png").await.unwrap();
        assert_eq!(store.get("f/g").await.unwrap(), None);
        store.delete("f/g").await.unwrap();
        assert_eq!(store.get("avatars/u1").await.unwrap(), None);
        store.delete("avatars").await.unwrap();
        assert!(dir.path().join("media/avatars/u1").is_dir());
    }

    #[tokio::test]
    async fn invalid_keys_and_content_types_are_refused_before_touching_the_disk() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("media"));
        assert!(matches!(store.put("../x", vec![1], "image/png").await, Err(StorageError::InvalidKey)));
        assert!(matches!(store.get("/etc/passwd").await, Err(StorageError::InvalidKey)));
        assert!(matches!(store.delete("a/../../x").await, Err(StorageError::InvalidKey)));
        assert!(matches!(store.put("a.png", vec![1], "").await, Err(StorageError::InvalidContentType)));
        assert!(matches!(
            store.put("a.png", vec![1], "image/png\r\nX-Evil: 1").await,
            Err(StorageError::InvalidContentType)
        ));
        assert!(!dir.path().join("media").exists());
    }

    #[tokio::test]
    async fn writes_are_atomic_under_concurrent_readers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(LocalStore::new(dir.path().join("media")));
        let (a, b) = (vec![b'a'; 256 * 1024], vec![b'b'; 256 * 1024]);
        store.put("big.bin", a.clone(), "image/png").await.unwrap();
        let writer = {
            let (store, a, b) = (store.clone(), a.clone(), b.clone());
            tokio::spawn(async move {
                for i in 0..20 {
                    let bytes = if i % 2 == 0 { b.clone() } else { a.clone() };
                    store.put("big.bin", bytes, "image/png").await.unwrap();
                }
            })
        };
        let mut reads = 0;
        while !writer.is_finished() || reads < 20 {
            let got = store.get("big.bin").await.unwrap().unwrap();
            assert!(got.bytes == a || got.bytes == b, "a reader saw a partly written object");
            reads += 1;
        }
        writer.await.unwrap();
        // No temporary file survives a completed write.
        let names: Vec<String> = std::fs::read_dir(dir.path().join("media"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.contains(&"big.bin".to_owned()) && names.contains(&"big.bin~type".to_owned()), "{names:?}");
    }

    #[test]
    fn urls_are_built_on_the_base() {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn ObjectStore> = Arc::new(LocalStore::new(dir.path().to_path_buf()));
        let media = Media::new(store, "https://cdn.example.com/media/");
        assert_eq!(media.url_for("avatars/a.jpg"), "https://cdn.example.com/media/avatars/a.jpg");
        let mut config = crate::Config::default();
        config.server.public_url = Some("https://app.example.com".into());
        assert_eq!(Media::from_config(&config).url_for("a.jpg"), "https://app.example.com/media/a.jpg");
        config.storage.public_base_url = Some("https://cdn.example.com/m".into());
        assert_eq!(Media::from_config(&config).url_for("a.jpg"), "https://cdn.example.com/m/a.jpg");
    }
}
