//! The handle contexts hold: the configured store, where its objects are reachable from
//! outside, and where uploads are spooled before they are stored.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{ByteStream, LocalStore, ObjectMeta, ObjectStore, S3_SECRET, S3Store, StorageError, StoredObject};

/// What contexts use: the store, plus where its objects are reachable from outside.
#[derive(Clone)]
pub struct Media {
    store: Arc<dyn ObjectStore>,
    base_url: String,
    spool: PathBuf,
}

impl Media {
    /// `base_url` is the URL `GET /media/{*key}` is reachable at, e.g.
    /// `https://app.example.com/media`; a trailing `/` is dropped. Uploads are spooled under
    /// the system's temporary directory unless [`Media::with_spool_dir`] says otherwise.
    pub fn new(store: Arc<dyn ObjectStore>, base_url: impl Into<String>) -> Self {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        Self { store, base_url, spool: std::env::temp_dir().join("sojourn-spool") }
    }

    /// Spool uploads in `dir` (created on first use). For a local store it should be on the
    /// same filesystem as the store's root, so that storing a spooled file is a rename.
    pub fn with_spool_dir(mut self, dir: PathBuf) -> Self {
        self.spool = dir;
        self
    }

    /// The local store under `<data_dir>/media`, with URLs on `storage.public_base_url`
    /// (default `<server.public_url>/media`), spooling in `<data_dir>/media/~spool`.
    pub fn from_config(config: &crate::Config) -> Self {
        let store = LocalStore::new(LocalStore::media_dir(&config.data_dir));
        let spool = store.spool_dir();
        Self::new(Arc::new(store), config.storage.base_url(&config.server.public_url())).with_spool_dir(spool)
    }

    /// The configured store: local files, or the S3 bucket of `storage.s3` (its secret key is
    /// the secret [`S3_SECRET`]; uploads then spool in `<data_dir>/spool`).
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
        Ok(Self::new(Arc::new(store), config.storage.base_url(&config.server.public_url()))
            .with_spool_dir(config.data_dir.join("spool")))
    }

    /// The public URL of the object under `key`.
    pub fn url_for(&self, key: &str) -> String {
        format!("{}/{key}", self.base_url)
    }

    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// Where uploads are spooled (see [`super::spool`]): never a key, since key segments cannot
    /// start with `~`.
    pub fn spool_dir(&self) -> PathBuf {
        self.spool.clone()
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

    pub async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StorageError> {
        self.store.head(key).await
    }

    pub async fn open(
        &self,
        key: &str,
        range: Option<(u64, u64)>,
    ) -> Result<Option<(ObjectMeta, ByteStream)>, StorageError> {
        self.store.open(key, range).await
    }

    pub async fn put_file(&self, key: &str, path: &Path, content_type: &str) -> Result<(), StorageError> {
        self.store.put_file(key, path, content_type).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

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

    #[test]
    fn the_local_spool_sits_inside_the_media_directory_under_a_name_no_key_can_take() {
        let config = crate::Config { data_dir: "/srv/sojourn".into(), ..crate::Config::default() };
        let spool = Media::from_config(&config).spool_dir();
        assert_eq!(spool, Path::new("/srv/sojourn/media/~spool"));
        let name = spool.file_name().and_then(|n| n.to_str()).unwrap();
        assert!(super::super::validate_key(name).is_err());
    }
}
