//! Uploads on their way to the store. A request body is written to a temporary file as it
//! arrives ([`spool`]), hashed on the way and refused the moment it crosses its size limit, so
//! a 100 MB video never sits in memory and an oversized one costs no more than the limit. The
//! file is then checked by its owner (type, resolution...) and handed to
//! [`ObjectStore::put_file`](super::ObjectStore::put_file), which renames it into a local store.
//! Uploads sent in pieces (resumable, chunked) grow one partial file with [`append`].
//!
//! Writes are batched into large blocks written on the blocking pool, and the file is synced
//! before it is reported complete. [`Spooled`] removes its file when dropped (a refused or
//! abandoned upload leaves nothing behind) unless it was kept or moved into the store.

use std::fs::{File, OpenOptions, TryLockError};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use aws_lc_rs::digest;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};

/// Bytes gathered before one write.
const BLOCK: usize = 1024 * 1024;

/// A complete upload in a temporary file.
#[derive(Debug)]
pub struct Spooled {
    pub path: PathBuf,
    pub size: u64,
    pub sha256: [u8; 32],
    kept: bool,
}

impl Spooled {
    /// Keeps the file past this value (its path is returned); the caller removes it.
    pub fn keep(mut self) -> PathBuf {
        self.kept = true;
        std::mem::take(&mut self.path)
    }

    /// The SHA-256 in lowercase hex, e.g. for a content-addressed key.
    pub fn sha256_hex(&self) -> String {
        super::hex(&self.sha256)
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        // Already gone when the store moved it into place.
        if !self.kept && !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// The upload went past `limit` bytes; what was written of it is gone.
    #[error("the upload is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("spool I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The request body failed (the client went away, a broken chunked encoding...).
    #[error("the upload was interrupted: {0}")]
    Aborted(String),
    /// [`append`] was given an offset other than the partial file's length, `current`.
    #[error("the upload is at offset {current}")]
    OffsetMismatch { current: u64 },
    /// Another [`append`] to the same file is still running.
    #[error("another part of this upload is being written")]
    Busy,
}

impl From<SpoolError> for kernel::ApiError {
    fn from(e: SpoolError) -> Self {
        use kernel::{ApiError, ErrorCode};
        match e {
            SpoolError::TooLarge { limit } => {
                ApiError::from_code(ErrorCode::PayloadTooLarge, format!("The upload is larger than {limit} bytes"))
            }
            SpoolError::Aborted(_) => ApiError::bad_request("The upload was interrupted before its end"),
            SpoolError::OffsetMismatch { current } => {
                ApiError::new(409, "upload_offset_mismatch", format!("The upload is at offset {current}"))
                    .with_data(serde_json::json!({ "offset": current }))
            }
            SpoolError::Busy => {
                ApiError::new(409, "upload_busy", "Another part of this upload is being written").with_retry_after(1)
            }
            SpoolError::Io(e) => {
                tracing::error!(error = %e, "could not spool an upload");
                ApiError::internal()
            }
        }
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SpoolError> + Send + 'static,
) -> Result<T, SpoolError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| SpoolError::Io(std::io::Error::other(e)))?
}

/// Writes at a position through large blocks, hashing what it writes when asked to.
struct Writer {
    file: Option<File>,
    at: u64,
    block: Vec<u8>,
    hash: Option<digest::Context>,
}

impl Writer {
    fn new(file: File, at: u64, hashing: bool) -> Self {
        let hash = hashing.then(|| digest::Context::new(&digest::SHA256));
        Self { file: Some(file), at, block: Vec::with_capacity(BLOCK), hash }
    }

    async fn push(&mut self, chunk: &[u8]) -> Result<(), SpoolError> {
        self.block.extend_from_slice(chunk);
        if self.block.len() >= BLOCK { self.flush(false).await } else { Ok(()) }
    }

    /// Writes the gathered block (and syncs the file when `sync`).
    async fn flush(&mut self, sync: bool) -> Result<(), SpoolError> {
        let file = self.file.take().ok_or_else(|| std::io::Error::other("spool writer already failed"))?;
        let (block, hash, at) = (std::mem::take(&mut self.block), self.hash.take(), self.at);
        let (file, mut block, hash) = blocking(move || {
            let mut hash = hash;
            file.write_all_at(&block, at)?;
            if let Some(hash) = hash.as_mut() {
                hash.update(&block);
            }
            if sync {
                file.sync_data()?;
            }
            Ok((file, block, hash))
        })
        .await?;
        self.at += block.len() as u64;
        block.clear();
        (self.file, self.block, self.hash) = (Some(file), block, hash);
        Ok(())
    }

    fn file(&self) -> Option<&File> {
        self.file.as_ref()
    }
}

/// Streams `body` into a new file in `dir` (created if needed), hashing it, and refuses it with
/// [`SpoolError::TooLarge`] as soon as it goes past `limit` bytes. On any error the file is
/// removed. Works on an axum body (`Body::into_data_stream()`) or any stream of bytes.
pub async fn spool<S, B, E>(body: S, dir: &Path, limit: u64) -> Result<Spooled, SpoolError>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
    E: std::fmt::Display,
{
    tokio::fs::create_dir_all(dir).await?;
    let path = dir.join(format!("{}.part", kernel::new_id().simple()));
    let created = path.clone();
    let file = blocking(move || Ok(OpenOptions::new().write(true).create_new(true).open(created)?)).await?;
    // From here on, dropping `spooled` (an error, or the request going away) removes the file.
    let mut spooled = Spooled { path, size: 0, sha256: [0; 32], kept: false };
    let mut writer = Writer::new(file, 0, true);
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk: Bytes = chunk.map_err(|e| SpoolError::Aborted(e.to_string()))?.into();
        spooled.size += chunk.len() as u64;
        if spooled.size > limit {
            return Err(SpoolError::TooLarge { limit });
        }
        writer.push(&chunk).await?;
    }
    writer.flush(true).await?;
    let hash = writer.hash.take().ok_or_else(|| std::io::Error::other("spool hash lost"))?;
    spooled.sha256.copy_from_slice(hash.finish().as_ref());
    Ok(spooled)
}

/// Appends `body` to the partial upload at `path`, which must be exactly `offset` bytes long
/// (else [`SpoolError::OffsetMismatch`] with its length; a missing file is created when
/// `offset` is 0). Returns the new length. Past `limit_total` bytes in all, the file is cut
/// back to `offset` ([`SpoolError::TooLarge`]); when the body breaks off, what arrived is kept
/// ([`SpoolError::Aborted`]) and the client resumes from the file's length. One append at a
/// time per file ([`SpoolError::Busy`] otherwise).
pub async fn append<S, B, E>(body: S, path: &Path, offset: u64, limit_total: u64) -> Result<u64, SpoolError>
where
    S: Stream<Item = Result<B, E>>,
    B: Into<Bytes>,
    E: std::fmt::Display,
{
    let opened = path.to_path_buf();
    let file = blocking(move || {
        let file = OpenOptions::new().write(true).create(offset == 0).truncate(false).open(opened)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(SpoolError::Busy),
            Err(TryLockError::Error(e)) => return Err(e.into()),
        }
        let current = file.metadata()?.len();
        if current == offset { Ok(file) } else { Err(SpoolError::OffsetMismatch { current }) }
    })
    .await?;
    if offset > limit_total {
        return Err(SpoolError::TooLarge { limit: limit_total });
    }
    let mut writer = Writer::new(file, offset, false);
    let mut length = offset;
    let mut body = std::pin::pin!(body);
    while let Some(chunk) = body.next().await {
        let chunk: Bytes = match chunk {
            Ok(chunk) => chunk.into(),
            Err(e) => {
                writer.flush(true).await?;
                return Err(SpoolError::Aborted(e.to_string()));
            }
        };
        length += chunk.len() as u64;
        if length > limit_total {
            if let Some(file) = writer.file() {
                let file = file.try_clone()?;
                blocking(move || Ok(file.set_len(offset)?)).await?;
            }
            return Err(SpoolError::TooLarge { limit: limit_total });
        }
        writer.push(&chunk).await?;
    }
    writer.flush(true).await?;
    Ok(length)
}

/// Length and SHA-256 of a file (e.g. a partial upload once complete), read in large blocks on
/// the blocking pool.
pub async fn digest_file(path: &Path) -> Result<(u64, [u8; 32]), SpoolError> {
    let path = path.to_path_buf();
    blocking(move || {
        use std::io::Read;
        let mut file = File::open(path)?;
        let mut hash = digest::Context::new(&digest::SHA256);
        let (mut buf, mut length) = (vec![0; BLOCK], 0u64);
        loop {
            match file.read(&mut buf)? {
                0 => break,
                n => {
                    hash.update(&buf[..n]);
                    length += n as u64;
                }
            }
        }
        let mut sha256 = [0; 32];
        sha256.copy_from_slice(hash.finish().as_ref());
        Ok((length, sha256))
    })
    .await
}

/// Removes the files of `dir` not modified for `max_age` (uploads abandoned half-way, files a
/// crash left behind); returns how many. A missing directory is empty.
pub async fn sweep(dir: &Path, max_age: Duration) -> Result<usize, SpoolError> {
    let dir = dir.to_path_buf();
    blocking(move || {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(e.into()),
        };
        let now = SystemTime::now();
        let mut removed = 0;
        for entry in entries {
            let entry = entry?;
            let metadata = entry.metadata()?;
            let age = metadata.modified().ok().and_then(|m| now.duration_since(m).ok()).unwrap_or_default();
            if metadata.is_file() && age > max_age && std::fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    })
    .await
}
