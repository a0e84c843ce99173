//! An S3-compatible object store (AWS S3, MinIO, Ceph RGW...), so that the processes of a split
//! deployment share media without a shared filesystem. Path-style requests
//! (`<endpoint>/<bucket>/<key>`), signed with AWS Signature Version 4 on the payload's SHA-256;
//! the content type is the object's own `Content-Type` and the entity tag its `ETag`.
//!
//! Small requests share a client with a 30 s overall timeout. Streamed reads use another one
//! that only bounds connecting and the wait for each piece of the body, since a 100 MB video
//! read at a viewer's pace may rightly take minutes. Large uploads are in [`super::s3_upload`].

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use futures_util::TryStreamExt;
use reqwest::header::HeaderMap;

use super::sigv4::{Signable, authorization, canonical_query, sha256_hex};
use super::{ByteStream, ObjectMeta, ObjectStore, StorageError, StoredObject, validate_content_type, validate_key};

/// The SHA-256 of an empty payload.
pub(super) const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

pub struct S3Store {
    client: reqwest::Client,
    streaming: reqwest::Client,
    /// `http(s)://host[:port]`, no trailing slash.
    endpoint: String,
    host: String,
    bucket: String,
    region: String,
    access_key: String,
    secret_key: String,
}

pub(super) fn remote(e: impl std::fmt::Display) -> StorageError {
    StorageError::Remote(e.to_string())
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Size, type and tag of an object from the headers of a HEAD, a GET or a ranged GET (whose
/// `Content-Range: bytes a-b/size` holds the whole size).
fn meta_from(headers: &HeaderMap, ranged: bool) -> Result<ObjectMeta, StorageError> {
    let size = if ranged {
        header(headers, "content-range").and_then(|r| r.rsplit_once('/')).and_then(|(_, size)| size.parse().ok())
    } else {
        header(headers, "content-length").and_then(|l| l.parse().ok())
    };
    let size = size.ok_or_else(|| remote("the object store gave no size"))?;
    let content_type = header(headers, "content-type").unwrap_or("application/octet-stream").to_owned();
    let etag = header(headers, "etag").ok_or_else(|| remote("the object store gave no ETag"))?;
    let etag = if etag.starts_with('"') { etag.to_owned() } else { format!("\"{etag}\"") };
    Ok(ObjectMeta { size, content_type, etag })
}

impl S3Store {
    pub fn new(endpoint: &str, bucket: &str, region: &str, access_key: &str, secret_key: &str) -> Result<Self, String> {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let uri: axum::http::Uri = endpoint.parse().map_err(|e| format!("storage.s3.endpoint: {e}"))?;
        let host = uri.authority().map(|a| a.as_str().to_owned()).ok_or("storage.s3.endpoint: no host")?;
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().map_err(|e| e.to_string())?;
        let streaming = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            streaming,
            endpoint,
            host,
            bucket: bucket.to_owned(),
            region: region.to_owned(),
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
        })
    }

    /// A signed request for `path` and `query` (name/value pairs) whose payload hashes to
    /// `payload_sha256`; on the streaming client when `streaming`. The caller adds the body.
    pub(super) fn signed(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        payload_sha256: &str,
        streaming: bool,
    ) -> reqwest::RequestBuilder {
        let now = Utc::now();
        let query = canonical_query(query);
        let headers = [
            ("host", self.host.clone()),
            ("x-amz-content-sha256", payload_sha256.to_owned()),
            ("x-amz-date", now.format("%Y%m%dT%H%M%SZ").to_string()),
        ];
        let signable = Signable { method: method.as_str(), path, query: &query, headers: &headers, payload_sha256 };
        let auth = authorization(&signable, &self.access_key, &self.secret_key, &self.region, "s3", now);
        let url = if query.is_empty() {
            format!("{}{path}", self.endpoint)
        } else {
            format!("{}{path}?{query}", self.endpoint)
        };
        let client = if streaming { &self.streaming } else { &self.client };
        client
            .request(method, url)
            .header("x-amz-content-sha256", payload_sha256)
            .header("x-amz-date", &headers[2].1)
            .header("authorization", auth)
    }

    /// A signed request carrying all of `body`.
    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let mut req = self.signed(method, path, &[], &sha256_hex(&body), false);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        req.body(body)
    }

    pub(super) fn object_path(&self, key: &str) -> Result<String, StorageError> {
        // Keys are `a-z 0-9 / _ . -` only: nothing to percent-encode.
        validate_key(key)?;
        Ok(format!("/{}/{key}", self.bucket))
    }

    /// Creates the bucket if it does not exist (deployments usually create it beforehand).
    pub async fn create_bucket(&self) -> Result<(), StorageError> {
        let r = self
            .request(reqwest::Method::PUT, &format!("/{}", self.bucket), Vec::new(), None)
            .send()
            .await
            .map_err(remote)?;
        match r.status().as_u16() {
            200 | 409 => Ok(()),
            s => Err(remote(format!("create bucket: HTTP {s}"))),
        }
    }

    /// The keys with a multipart upload started and neither completed nor aborted (an
    /// interrupted process leaves these behind; a bucket lifecycle rule should expire them).
    pub async fn multipart_uploads_in_progress(&self) -> Result<Vec<String>, StorageError> {
        let path = format!("/{}", self.bucket);
        let r = self.signed(reqwest::Method::GET, &path, &[("uploads", "")], EMPTY_SHA256, false);
        let r = r.send().await.map_err(remote)?;
        if !r.status().is_success() {
            return Err(remote(format!("list multipart uploads: HTTP {}", r.status())));
        }
        let xml = r.text().await.map_err(remote)?;
        let uploads = xml_values(&xml, "Upload");
        Ok(uploads.iter().filter_map(|u| xml_values(u, "Key").first().map(|k| (*k).to_owned())).collect())
    }
}

/// The text of every `<tag>…</tag>` element in `xml` (no nesting of the same tag, no
/// attributes: enough for S3's answers).
pub(super) fn xml_values<'x>(xml: &'x str, tag: &str) -> Vec<&'x str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else { break };
        found.push(&after[..end]);
        rest = &after[end + close.len()..];
    }
    found
}

#[async_trait]
impl ObjectStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &str) -> Result<(), StorageError> {
        let path = self.object_path(key)?;
        validate_content_type(content_type)?;
        let r = self.request(reqwest::Method::PUT, &path, bytes, Some(content_type)).send().await.map_err(remote)?;
        if r.status().is_success() { Ok(()) } else { Err(remote(format!("put {key}: HTTP {}", r.status()))) }
    }

    async fn get(&self, key: &str) -> Result<Option<StoredObject>, StorageError> {
        let path = self.object_path(key)?;
        let r = self.request(reqwest::Method::GET, &path, Vec::new(), None).send().await.map_err(remote)?;
        if r.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !r.status().is_success() {
            return Err(remote(format!("get {key}: HTTP {}", r.status())));
        }
        let content_type = header(r.headers(), "content-type").unwrap_or("application/octet-stream").to_owned();
        let bytes = r.bytes().await.map_err(remote)?.to_vec();
        Ok(Some(StoredObject { bytes, content_type }))
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = self.object_path(key)?;
        let r = self.request(reqwest::Method::DELETE, &path, Vec::new(), None).send().await.map_err(remote)?;
        // S3 answers 204 whether or not the object existed.
        if r.status().is_success() || r.status() == reqwest::StatusCode::NOT_FOUND {
            Ok(())
        } else {
            Err(remote(format!("delete {key}: HTTP {}", r.status())))
        }
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectMeta>, StorageError> {
        let path = self.object_path(key)?;
        let r = self.signed(reqwest::Method::HEAD, &path, &[], EMPTY_SHA256, false).send().await.map_err(remote)?;
        match r.status().as_u16() {
            404 => Ok(None),
            200 => meta_from(r.headers(), false).map(Some),
            s => Err(remote(format!("head {key}: HTTP {s}"))),
        }
    }

    async fn open(
        &self,
        key: &str,
        range: Option<(u64, u64)>,
    ) -> Result<Option<(ObjectMeta, ByteStream)>, StorageError> {
        let path = self.object_path(key)?;
        let mut req = self.signed(reqwest::Method::GET, &path, &[], EMPTY_SHA256, true);
        if let Some((first, last)) = range {
            req = req.header("range", format!("bytes={first}-{last}"));
        }
        let r = req.send().await.map_err(remote)?;
        let meta = match (r.status().as_u16(), range) {
            (404, _) => return Ok(None),
            (416, _) => {
                // `Content-Range: bytes */size`, or S3's `<ActualObjectSize>` in the error body.
                let header_size = header(r.headers(), "content-range")
                    .and_then(|c| c.strip_prefix("bytes */"))
                    .and_then(|s| s.parse().ok());
                let size = match header_size {
                    Some(size) => size,
                    None => {
                        let xml = r.text().await.unwrap_or_default();
                        xml_values(&xml, "ActualObjectSize").first().and_then(|s| s.parse().ok()).unwrap_or(0)
                    }
                };
                return Err(StorageError::RangeNotSatisfiable { size });
            }
            (200, None) => meta_from(r.headers(), false)?,
            (206, Some(_)) => meta_from(r.headers(), true)?,
            (s, _) => return Err(remote(format!("get {key}: HTTP {s}"))),
        };
        let stream: ByteStream = Box::pin(r.bytes_stream().map_err(std::io::Error::other));
        Ok(Some((meta, stream)))
    }

    async fn put_file(&self, key: &str, path: &std::path::Path, content_type: &str) -> Result<(), StorageError> {
        self.upload_file(key, path, content_type).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn meta_comes_from_plain_and_ranged_answers() {
        let mut headers = HeaderMap::new();
        headers.insert("content-length", "1234".parse().unwrap());
        headers.insert("content-type", "video/mp4".parse().unwrap());
        headers.insert("etag", "\"abc-2\"".parse().unwrap());
        let meta = meta_from(&headers, false).unwrap();
        assert_eq!(meta, ObjectMeta { size: 1234, content_type: "video/mp4".into(), etag: "\"abc-2\"".into() });
        headers.insert("content-range", "bytes 0-9/99999".parse().unwrap());
        headers.insert("etag", "abc".parse().unwrap());
        let meta = meta_from(&headers, true).unwrap();
        assert_eq!((meta.size, meta.etag.as_str()), (99_999, "\"abc\""));
        headers.remove("etag");
        assert!(matches!(meta_from(&headers, true), Err(StorageError::Remote(_))));
    }

    #[test]
    fn xml_values_are_found_in_order() {
        let xml = "<R><Upload><Key>a/b.mp4</Key><UploadId>1</UploadId></Upload><Upload><Key>c</Key></Upload></R>";
        assert_eq!(xml_values(xml, "Key"), ["a/b.mp4", "c"]);
        assert_eq!(xml_values(xml, "UploadId"), ["1"]);
        assert!(xml_values(xml, "ETag").is_empty());
        assert!(xml_values("<Key>unclosed", "Key").is_empty());
    }
}
