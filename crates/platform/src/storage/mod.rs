//! Object storage for user media (avatars, listing photos, panoramas, videos). Contexts depend
//! on the [`ObjectStore`] trait through the [`Media`] handle in `ContextEnv`, which also builds
//! the public URL of an object; `GET /media/{*key}` serves the stored objects.
//!
//! Small objects go through [`ObjectStore::put`] and [`ObjectStore::get`], whole in memory.
//! Videos and panoramas are too big for that: an upload is first [`spool`]ed to a temporary
//! file (hashed and size-limited as it arrives), then handed over with
//! [`ObjectStore::put_file`] (a rename on the local store, a streamed or multipart upload to
//! S3), and served with [`ObjectStore::head`] and [`ObjectStore::open`], which stream the
//! object, or one byte range of it, without ever holding it whole.
//!
//! The embedded default, [`LocalStore`], keeps each object as the file `<data_dir>/media/<key>`
//! (see [`local`] for the layout); [`S3Store`] keeps them in an S3-compatible bucket.

mod file_stream;
mod local;
mod media;
mod s3;
mod s3_upload;
mod sigv4;
pub mod spool;

use std::path::Path;

use async_trait::async_trait;

pub use local::{LocalStore, SPOOL_DIR};
pub use media::Media;
pub use s3::S3Store;
pub use spool::{SpoolError, Spooled};

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

/// What is known of an object without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// Length in bytes of the whole object.
    pub size: u64,
    pub content_type: String,
    /// A strong entity tag, quoted (`"…"`): it changes whenever the object under the key
    /// changes, so it can answer `If-None-Match` and `If-Range`.
    pub etag: String,
}

/// The bytes of an object (or of one range of it), in chunks, as they are read.
pub type ByteStream = std::pin::Pin<Box<dyn futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send>>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The key breaks the key rules (see [`validate_key`]).
    #[error("invalid object key")]
    InvalidKey,
    /// The content type is empty or not a single header-safe line.
    #[error("invalid content type")]
    InvalidContentType,
    /// [`ObjectStore::open`] was given a range that does not fit the object as it is now (it
    /// changed since the range was checked against its size).
    #[error("range not satisfiable (the object has {size} bytes)")]
    RangeNotSatisfiable { size: u64 },
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
    /// Size, content type and entity tag of the object under `key`, or `None`.
    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StorageError>;
    /// Streams the object under `key`: the inclusive byte `range` (already checked against the
    /// size from [`ObjectStore::head`]), or the whole object with `None`. The meta returned is
    /// that of the object actually read: compare its `etag` with the one the range was checked
    /// against. `None` when there is no object; [`StorageError::RangeNotSatisfiable`] when it
    /// changed and the range no longer fits.
    async fn open(
        &self,
        key: &str,
        range: Option<(u64, u64)>,
    ) -> Result<Option<(ObjectMeta, ByteStream)>, StorageError>;
    /// Stores the file at `path` under `key` without reading it whole into memory. The store
    /// may move the file (the local store renames it into place when it can), so the caller
    /// must not use `path` afterwards, except to remove it if it is still there.
    async fn put_file(&self, key: &str, path: &Path, content_type: &str) -> Result<(), StorageError>;
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

/// Lowercase hexadecimal.
fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
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
            SPOOL_DIR,
            &format!("{SPOOL_DIR}/x"),
            "é.jpg",
            "a\0b",
            too_long.as_str(),
        ] {
            assert!(matches!(validate_key(bad), Err(StorageError::InvalidKey)), "{bad:?}");
        }
    }

    #[test]
    fn content_types_are_single_printable_lines() {
        assert!(validate_content_type("video/mp4").is_ok());
        for bad in ["", "  ", "image/png\r\nX-Evil: 1", &"a".repeat(256), "vidéo/mp4"] {
            assert!(matches!(validate_content_type(bad), Err(StorageError::InvalidContentType)), "{bad:?}");
        }
    }
}
