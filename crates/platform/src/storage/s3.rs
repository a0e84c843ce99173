//! An S3-compatible object store (AWS S3, MinIO, Ceph RGW...), so that the processes of a split
//! deployment share media without a shared filesystem. Path-style requests
//! (`<endpoint>/<bucket>/<key>`), signed with AWS Signature Version 4 on the whole payload; the
//! content type is the object's own `Content-Type`.

use async_trait::async_trait;
use aws_lc_rs::{digest, hmac};
use chrono::{DateTime, Utc};

use super::{ObjectStore, StorageError, StoredObject, validate_content_type, validate_key};

pub struct S3Store {
    client: reqwest::Client,
    /// `http(s)://host[:port]`, no trailing slash.
    endpoint: String,
    host: String,
    bucket: String,
    region: String,
    access_key: String,
    secret_key: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

fn hmac_sha256(key: &[u8], data: &str) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data.as_bytes()).as_ref().to_vec()
}

/// What one request signs: its method, path, headers (lowercase names, sorted) and payload hash.
pub struct Signable<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub headers: &'a [(&'a str, String)],
    pub payload_sha256: &'a str,
}

/// The `Authorization` header value of AWS Signature Version 4 for `service` in `region`.
pub fn authorization(
    req: &Signable<'_>,
    access_key: &str,
    secret_key: &str,
    region: &str,
    service: &str,
    at: DateTime<Utc>,
) -> String {
    let amz_date = at.format("%Y%m%dT%H%M%SZ").to_string();
    let date = at.format("%Y%m%d").to_string();
    let canonical_headers: String = req.headers.iter().map(|(k, v)| format!("{k}:{}\n", v.trim())).collect();
    let signed_headers = req.headers.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(";");
    let canonical =
        format!("{}\n{}\n\n{canonical_headers}\n{signed_headers}\n{}", req.method, req.path, req.payload_sha256);
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", sha256_hex(canonical.as_bytes()));
    let mut key = hmac_sha256(format!("AWS4{secret_key}").as_bytes(), &date);
    for part in [region, service, "aws4_request"] {
        key = hmac_sha256(&key, part);
    }
    let signature = hex(&hmac_sha256(&key, &to_sign));
    format!("AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed_headers}, Signature={signature}")
}

fn remote(e: impl std::fmt::Display) -> StorageError {
    StorageError::Remote(e.to_string())
}

impl S3Store {
    pub fn new(endpoint: &str, bucket: &str, region: &str, access_key: &str, secret_key: &str) -> Result<Self, String> {
        let endpoint = endpoint.trim_end_matches('/').to_owned();
        let uri: axum::http::Uri = endpoint.parse().map_err(|e| format!("storage.s3.endpoint: {e}"))?;
        let host = uri.authority().map(|a| a.as_str().to_owned()).ok_or("storage.s3.endpoint: no host")?;
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            client,
            endpoint,
            host,
            bucket: bucket.to_owned(),
            region: region.to_owned(),
            access_key: access_key.to_owned(),
            secret_key: secret_key.to_owned(),
        })
    }

    fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let now = Utc::now();
        let payload = sha256_hex(&body);
        let headers = [
            ("host", self.host.clone()),
            ("x-amz-content-sha256", payload.clone()),
            ("x-amz-date", now.format("%Y%m%dT%H%M%SZ").to_string()),
        ];
        let signable = Signable { method: method.as_str(), path, headers: &headers, payload_sha256: &payload };
        let auth = authorization(&signable, &self.access_key, &self.secret_key, &self.region, "s3", now);
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.endpoint))
            .header("x-amz-content-sha256", payload)
            .header("x-amz-date", &headers[2].1)
            .header("authorization", auth);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        req.body(body)
    }

    fn object_path(&self, key: &str) -> Result<String, StorageError> {
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
        let content_type = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/octet-stream")
            .to_owned();
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented example: GET /test.txt from examplebucket with a Range header.
    #[test]
    fn signs_as_aws_documents() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let headers = [
            ("host", "examplebucket.s3.amazonaws.com".to_owned()),
            ("range", "bytes=0-9".to_owned()),
            ("x-amz-content-sha256", empty.to_owned()),
            ("x-amz-date", "20130524T000000Z".to_owned()),
        ];
        let req = Signable { method: "GET", path: "/test.txt", headers: &headers, payload_sha256: empty };
        let at = DateTime::parse_from_rfc3339("2013-05-24T00:00:00Z").map(|d| d.with_timezone(&Utc)).ok();
        let auth = at.map(|at| {
            authorization(
                &req,
                "AKIAIOSFODNN7EXAMPLE",
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "us-east-1",
                "s3",
                at,
            )
        });
        assert_eq!(
            auth.as_deref(),
            Some(
                "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
                 SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, \
                 Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
            )
        );
    }
}
