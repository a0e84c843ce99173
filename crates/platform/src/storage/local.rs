//! [`LocalStore`]: each object is the file `<root>/<key>` and its content type the one-line
//! sidecar file next to it, `<key>~type` (e.g. `image/jpeg`). `~` is not a key character, so a
//! sidecar, a temporary file or the spool directory (`<root>/~spool`) can never be mistaken for
//! an object. Every file is written to a temporary file in the same directory, synced and
//! renamed into place, so a reader sees the old object or the new one, never half.
//!
//! The entity tag is derived from the data file's own identity (inode, size, modification time
//! in nanoseconds), read from the very file descriptor that is served. Every write makes a new
//! file (a rename, never an in-place change), so the tag changes whenever the object does, and
//! it always describes the bytes actually streamed, even when a write races with a read. It
//! needs nothing in the sidecar, so sidecars written before tags existed keep working.

use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use tokio::io::AsyncWriteExt;

use super::file_stream::FileStream;
use super::{ByteStream, ObjectMeta, ObjectStore, StorageError, StoredObject, validate_content_type, validate_key};

/// The directory under the store's root where uploads are spooled (not a valid key).
pub const SPOOL_DIR: &str = "~spool";

/// The content type of an object whose sidecar is missing: only while a delete is half done,
/// and never served.
const UNKNOWN_TYPE: &str = "application/octet-stream";

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

    /// `<root>/~spool`: on the store's filesystem, so storing a spooled upload is a rename.
    pub fn spool_dir(&self) -> PathBuf {
        self.root.join(SPOOL_DIR)
    }

    /// The data file and the content-type sidecar of a (validated) key.
    fn paths(&self, key: &str) -> Result<(PathBuf, PathBuf), StorageError> {
        validate_key(key)?;
        let file = self.root.join(key);
        let sidecar = self.root.join(format!("{key}~type"));
        Ok((file, sidecar))
    }
}

/// A temporary name beside `path`, in the same directory (so a rename onto `path` is atomic).
fn temporary_beside(path: &Path) -> std::io::Result<PathBuf> {
    let dir = path.parent().ok_or_else(|| std::io::Error::other("object path has no parent"))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("object");
    Ok(dir.join(format!("{name}~{}.tmp", kernel::new_id().simple())))
}

/// Writes `bytes` to `path` through a synced temporary file in the same directory and a rename.
async fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary_beside(path)?;
    if let Some(dir) = path.parent() {
        tokio::fs::create_dir_all(dir).await?;
    }
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

/// Moves the file `src` to `dest`: synced first (its bytes are durable before they become
/// visible), then renamed; across filesystems, copied to a synced temporary file beside `dest`
/// and renamed, then `src` removed.
fn move_into_place(src: &Path, dest: &Path) -> std::io::Result<()> {
    std::fs::File::open(src)?.sync_all()?;
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::rename(src, dest) {
        Err(e) if e.kind() == ErrorKind::CrossesDevices => {}
        done => return done,
    }
    let tmp = temporary_beside(dest)?;
    let copied = std::fs::copy(src, &tmp)
        .and_then(|_| std::fs::OpenOptions::new().write(true).open(&tmp)?.sync_all())
        .and_then(|()| std::fs::rename(&tmp, dest));
    if copied.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    copied?;
    let _ = std::fs::remove_file(src);
    Ok(())
}

/// `NotFound`, a path through a regular file (`a/b` when `a` is an object), or a directory
/// (`a` when `a/b` is an object): no object.
fn is_absent(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory | ErrorKind::IsADirectory)
}

/// The first line of a sidecar, or [`UNKNOWN_TYPE`] when there is none.
fn content_type_of(sidecar: &str) -> String {
    sidecar.lines().next().map(str::trim).filter(|t| !t.is_empty()).unwrap_or(UNKNOWN_TYPE).to_owned()
}

fn read_content_type(sidecar: &Path) -> std::io::Result<String> {
    match std::fs::read_to_string(sidecar) {
        Ok(text) => Ok(content_type_of(&text)),
        Err(e) if is_absent(&e) => Ok(UNKNOWN_TYPE.to_owned()),
        Err(e) => Err(e),
    }
}

/// A strong tag from the file's identity: inode, size and modification time (ns).
fn etag_of(metadata: &std::fs::Metadata) -> String {
    let identity = format!("{}:{}:{}.{}", metadata.ino(), metadata.len(), metadata.mtime(), metadata.mtime_nsec());
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, identity.as_bytes());
    format!("\"{}\"", super::hex(&digest.as_ref()[..12]))
}

fn meta_of(metadata: &std::fs::Metadata, sidecar: &Path) -> std::io::Result<ObjectMeta> {
    Ok(ObjectMeta { size: metadata.len(), content_type: read_content_type(sidecar)?, etag: etag_of(metadata) })
}

/// Runs blocking file work on the blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StorageError> + Send + 'static,
) -> Result<T, StorageError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| StorageError::Io(std::io::Error::other(e)))?
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
            Ok(text) => content_type_of(&text),
            Err(e) if is_absent(&e) => UNKNOWN_TYPE.to_owned(),
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

    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StorageError> {
        let (file, sidecar) = self.paths(key)?;
        blocking(move || {
            let metadata = match std::fs::metadata(&file) {
                Ok(m) if m.is_file() => m,
                Ok(_) => return Ok(None),
                Err(e) if is_absent(&e) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            Ok(Some(meta_of(&metadata, &sidecar)?))
        })
        .await
    }

    async fn open(
        &self,
        key: &str,
        range: Option<(u64, u64)>,
    ) -> Result<Option<(ObjectMeta, ByteStream)>, StorageError> {
        let (file, sidecar) = self.paths(key)?;
        let opened = blocking(move || {
            let handle = match std::fs::File::open(&file) {
                Ok(handle) => handle,
                Err(e) if is_absent(&e) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            // Tag and size come from the descriptor that will be read, not from the path.
            let metadata = handle.metadata()?;
            if !metadata.is_file() {
                return Ok(None);
            }
            let meta = meta_of(&metadata, &sidecar)?;
            let (start, end) = match range {
                None => (0, meta.size),
                Some((first, last)) if first <= last && last < meta.size => (first, last + 1),
                Some(_) => return Err(StorageError::RangeNotSatisfiable { size: meta.size }),
            };
            Ok(Some((meta, handle, start, end)))
        })
        .await?;
        Ok(opened.map(|(meta, handle, start, end)| {
            let stream: ByteStream = Box::pin(FileStream::new(handle, start, end));
            (meta, stream)
        }))
    }

    async fn put_file(&self, key: &str, path: &Path, content_type: &str) -> Result<(), StorageError> {
        let (file, sidecar) = self.paths(key)?;
        validate_content_type(content_type)?;
        if !tokio::fs::metadata(path).await?.is_file() {
            return Err(StorageError::Io(std::io::Error::new(ErrorKind::InvalidInput, "not a regular file")));
        }
        write_atomic(&sidecar, content_type.as_bytes()).await?;
        let src = path.to_path_buf();
        blocking(move || Ok(move_into_place(&src, &file)?)).await
    }
}

#[cfg(test)]
#[path = "local_tests.rs"]
mod tests;
