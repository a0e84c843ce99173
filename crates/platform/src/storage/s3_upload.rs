//! [`S3Store::put_file`](super::ObjectStore::put_file): a file up to [`SINGLE_PUT_MAX`] is one
//! PUT whose body is streamed from the file; a larger one is a multipart upload of
//! [`PART_SIZE`] parts, one part in memory at a time, aborted if any step fails so that no
//! orphaned parts are left to pay for. Every payload is signed with its SHA-256 (computed from
//! the file first), so the store refuses bytes that changed on the way.

use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::file_stream::FileStream;
use super::s3::{S3Store, remote, xml_values};
use super::sigv4::sha256_hex;
use super::{StorageError, hex, validate_content_type};

/// Largest file sent as one PUT.
pub const SINGLE_PUT_MAX: u64 = 16 * 1024 * 1024;
/// Size of each part of a multipart upload (the last one may be smaller; S3's minimum is 5 MiB).
pub const PART_SIZE: u64 = 8 * 1024 * 1024;
/// Bound on one upload request (a single PUT or one part).
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, StorageError> {
    Ok(tokio::task::spawn_blocking(work).await.map_err(std::io::Error::other)??)
}

/// The SHA-256 (hex) of the whole file, read in large blocks on the blocking pool.
async fn file_sha256(path: PathBuf) -> Result<String, StorageError> {
    blocking(move || {
        use std::io::Read;
        let mut file = std::fs::File::open(path)?;
        let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        let mut buf = vec![0; 1024 * 1024];
        loop {
            match file.read(&mut buf)? {
                0 => break,
                n => ctx.update(&buf[..n]),
            }
        }
        Ok(hex(ctx.finish().as_ref()))
    })
    .await
}

/// `len` bytes of the file at `offset`.
async fn read_part(file: std::sync::Arc<std::fs::File>, offset: u64, len: u64) -> Result<Vec<u8>, StorageError> {
    blocking(move || {
        let mut buf = vec![0; usize::try_from(len).map_err(std::io::Error::other)?];
        file.read_exact_at(&mut buf, offset)?;
        Ok(buf)
    })
    .await
}

impl S3Store {
    pub(super) async fn upload_file(&self, key: &str, path: &Path, content_type: &str) -> Result<(), StorageError> {
        let object = self.object_path(key)?;
        validate_content_type(content_type)?;
        let source = path.to_path_buf();
        let (file, size) = blocking(move || {
            let file = std::fs::File::open(source)?;
            let size = file.metadata()?.len();
            Ok((file, size))
        })
        .await?;
        if size <= SINGLE_PUT_MAX {
            self.single_put(&object, file, size, path, content_type).await
        } else {
            self.multipart(&object, file, size, content_type).await
        }
    }

    async fn single_put(
        &self,
        object: &str,
        file: std::fs::File,
        size: u64,
        path: &Path,
        content_type: &str,
    ) -> Result<(), StorageError> {
        let sha256 = file_sha256(path.to_path_buf()).await?;
        let body = reqwest::Body::wrap_stream(FileStream::new(file, 0, size));
        let r = self
            .signed(reqwest::Method::PUT, object, &[], &sha256, false)
            .timeout(UPLOAD_TIMEOUT)
            .header("content-type", content_type)
            .header("content-length", size)
            .body(body)
            .send()
            .await
            .map_err(remote)?;
        if r.status().is_success() { Ok(()) } else { Err(remote(format!("put {object}: HTTP {}", r.status()))) }
    }

    async fn multipart(
        &self,
        object: &str,
        file: std::fs::File,
        size: u64,
        content_type: &str,
    ) -> Result<(), StorageError> {
        let r = self
            .signed(reqwest::Method::POST, object, &[("uploads", "")], super::s3::EMPTY_SHA256, false)
            .header("content-type", content_type)
            .send()
            .await
            .map_err(remote)?;
        if !r.status().is_success() {
            return Err(remote(format!("start multipart upload of {object}: HTTP {}", r.status())));
        }
        let xml = r.text().await.map_err(remote)?;
        let upload_id = xml_values(&xml, "UploadId")
            .first()
            .map(|id| (*id).to_owned())
            .ok_or_else(|| remote("start multipart upload: no UploadId"))?;
        let sent = self.send_parts(object, &upload_id, file, size).await;
        if sent.is_err() {
            self.abort(object, &upload_id).await;
        }
        sent
    }

    /// Uploads every part, then completes the upload.
    async fn send_parts(
        &self,
        object: &str,
        upload_id: &str,
        file: std::fs::File,
        size: u64,
    ) -> Result<(), StorageError> {
        let file = std::sync::Arc::new(file);
        let mut completion = String::from("<CompleteMultipartUpload>");
        let mut offset = 0;
        let mut number = 0u32;
        while offset < size {
            number += 1;
            let len = PART_SIZE.min(size - offset);
            let part = read_part(file.clone(), offset, len).await?;
            let sha256 = sha256_hex(&part);
            let number_text = number.to_string();
            let query = [("partNumber", number_text.as_str()), ("uploadId", upload_id)];
            let r = self
                .signed(reqwest::Method::PUT, object, &query, &sha256, false)
                .timeout(UPLOAD_TIMEOUT)
                .body(part)
                .send()
                .await
                .map_err(remote)?;
            if !r.status().is_success() {
                return Err(remote(format!("upload part {number} of {object}: HTTP {}", r.status())));
            }
            let etag = r.headers().get("etag").and_then(|v| v.to_str().ok());
            let etag = etag.ok_or_else(|| remote(format!("upload part {number} of {object}: no ETag")))?;
            completion.push_str(&format!("<Part><PartNumber>{number}</PartNumber><ETag>{etag}</ETag></Part>"));
            offset += len;
        }
        completion.push_str("</CompleteMultipartUpload>");
        let body = completion.into_bytes();
        let r = self
            .signed(reqwest::Method::POST, object, &[("uploadId", upload_id)], &sha256_hex(&body), false)
            .timeout(UPLOAD_TIMEOUT)
            .header("content-type", "application/xml")
            .body(body)
            .send()
            .await
            .map_err(remote)?;
        let status = r.status();
        // S3 may answer 200 and still report a failure in the body.
        let text = r.text().await.map_err(remote)?;
        if !status.is_success() || text.contains("<Error>") {
            return Err(remote(format!("complete multipart upload of {object}: HTTP {status}")));
        }
        Ok(())
    }

    /// Aborts the upload (its parts are deleted); a failure is only logged, the bucket's
    /// lifecycle rule is then the safety net.
    async fn abort(&self, object: &str, upload_id: &str) {
        let aborted = self
            .signed(reqwest::Method::DELETE, object, &[("uploadId", upload_id)], super::s3::EMPTY_SHA256, false)
            .send()
            .await;
        match aborted {
            Ok(r) if r.status().is_success() || r.status() == reqwest::StatusCode::NOT_FOUND => {}
            Ok(r) => tracing::warn!(object, status = %r.status(), "could not abort a multipart upload"),
            Err(e) => tracing::warn!(object, error = %e, "could not abort a multipart upload"),
        }
    }
}
