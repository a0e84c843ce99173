//! Uploads streamed to storage: spooling a body to a file (hash, size limit, clean-up),
//! appending pieces of a resumable upload, and storing the file with `put_file`, locally (a
//! rename) and on S3 (`SOJOURN_TEST_S3_URL`: one streamed PUT, or a multipart upload that is
//! aborted when it fails).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod media_support;
mod s3_faults;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt, stream};
use media_support::{drain, pattern};
use platform::storage::spool::{self, SpoolError};
use platform::storage::{LocalStore, Media, ObjectStore};

type Chunk = Result<Bytes, std::io::Error>;

fn chunks_of(bytes: &[u8], size: usize) -> Vec<Chunk> {
    bytes.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect()
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes).as_ref().to_vec()
}

fn files_in(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, Iterator::count)
}

#[tokio::test]
async fn a_body_is_spooled_hashed_and_removed_unless_kept() {
    let dir = tempfile::tempdir().unwrap();
    let spool_dir = dir.path().join("~spool");
    let bytes = pattern(2 * 1024 * 1024 + 333);
    let spooled = spool::spool(stream::iter(chunks_of(&bytes, 10_000)), &spool_dir, 10 << 20).await.unwrap();
    assert_eq!(spooled.size, bytes.len() as u64);
    assert_eq!(spooled.sha256.to_vec(), sha256(&bytes));
    assert_eq!(spooled.sha256_hex().len(), 64);
    assert!(spooled.path.starts_with(&spool_dir));
    assert!(std::fs::read(&spooled.path).unwrap() == bytes);
    let path = spooled.path.clone();
    drop(spooled);
    assert!(!path.exists(), "dropped, removed");

    let empty = spool::spool(stream::iter(Vec::<Chunk>::new()), &spool_dir, 0).await.unwrap();
    assert_eq!((empty.size, empty.sha256.to_vec()), (0, sha256(b"")));
    let kept = empty.keep();
    assert!(kept.is_file(), "kept past its value");
    std::fs::remove_file(kept).unwrap();
    assert_eq!(files_in(&spool_dir), 0);
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_as_soon_as_it_crosses_it() {
    let dir = tempfile::tempdir().unwrap();
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    // An endless body: only the limit stops it.
    let endless = stream::repeat_with(move || {
        counter.fetch_add(1, Ordering::Relaxed);
        Chunk::Ok(Bytes::from_static(&[7; 1000]))
    });
    let limit = 1_000_000;
    let refused = spool::spool(endless, dir.path(), limit).await;
    assert!(matches!(refused, Err(SpoolError::TooLarge { limit: 1_000_000 })), "{refused:?}");
    assert_eq!(pulled.load(Ordering::Relaxed), 1001, "no chunk read past the one that crossed");
    assert_eq!(files_in(dir.path()), 0, "nothing left behind");

    // Exactly at the limit is accepted.
    let exact = spool::spool(stream::iter(chunks_of(&[1; 5000], 1000)), dir.path(), 5000).await.unwrap();
    assert_eq!(exact.size, 5000);
}

#[tokio::test]
async fn a_broken_body_is_aborted_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut chunks = chunks_of(&pattern(3 * 1024 * 1024), 100_000);
    chunks.insert(20, Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "client went away")));
    let failed = spool::spool(stream::iter(chunks), dir.path(), u64::MAX).await;
    assert!(matches!(&failed, Err(SpoolError::Aborted(m)) if m.contains("client went away")), "{failed:?}");
    assert_eq!(files_in(dir.path()), 0);
    let api: kernel::ApiError = failed.unwrap_err().into();
    assert_eq!((api.status, api.code.as_ref()), (400, "bad_request"));
    let api: kernel::ApiError = SpoolError::TooLarge { limit: 5 }.into();
    assert_eq!((api.status, api.code.as_ref()), (413, "payload_too_large"));
}

#[tokio::test]
async fn pieces_are_appended_at_the_right_offset_only() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("upload-1.part");
    let bytes = pattern(3_000_000);
    let piece = |range: std::ops::Range<usize>| stream::iter(chunks_of(&bytes[range], 64 * 1024));

    // A missing file is created for offset 0 only.
    let missing = spool::append(piece(0..10), &dir.path().join("none.part"), 5, u64::MAX).await;
    assert!(matches!(missing, Err(SpoolError::Io(_))), "{missing:?}");
    assert_eq!(spool::append(piece(0..1_000_000), &path, 0, 3_000_000).await.unwrap(), 1_000_000);
    // A repeated or skipped piece is refused with the current length.
    for offset in [0, 999_999, 1_000_001] {
        let refused = spool::append(piece(0..10), &path, offset, 3_000_000).await;
        assert!(matches!(refused, Err(SpoolError::OffsetMismatch { current: 1_000_000 })), "{refused:?}");
        let api: kernel::ApiError = refused.unwrap_err().into();
        assert_eq!((api.status, api.code.as_ref()), (409, "upload_offset_mismatch"));
    }
    // Past the total limit: refused, and the file is back at its offset.
    let too_much = spool::append(piece(1_000_000..3_000_000), &path, 1_000_000, 2_500_000).await;
    assert!(matches!(too_much, Err(SpoolError::TooLarge { limit: 2_500_000 })), "{too_much:?}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 1_000_000);
    // A body that breaks off keeps what arrived; the client resumes from there.
    let mut broken = chunks_of(&bytes[1_000_000..1_500_000], 100_000);
    broken.push(Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "cut")));
    let cut = spool::append(stream::iter(broken), &path, 1_000_000, 3_000_000).await;
    assert!(matches!(cut, Err(SpoolError::Aborted(_))), "{cut:?}");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), 1_500_000);
    assert_eq!(spool::append(piece(1_500_000..3_000_000), &path, 1_500_000, 3_000_000).await.unwrap(), 3_000_000);

    assert!(std::fs::read(&path).unwrap() == bytes);
    let (length, digest) = spool::digest_file(&path).await.unwrap();
    assert_eq!((length, digest.to_vec()), (3_000_000, sha256(&bytes)));
}

#[tokio::test]
async fn one_append_at_a_time_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("busy.part");
    std::fs::write(&path, b"").unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel::<Chunk>(1);
    let slow_body = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|c| (c, rx)) });
    let first = tokio::spawn({
        let path = path.clone();
        async move { spool::append(slow_body, &path, 0, u64::MAX).await }
    });
    tx.send(Ok(Bytes::from_static(b"first piece"))).await.unwrap();
    // Probing with a wrong offset writes nothing: a mismatch until the first append holds the
    // file, then busy.
    // A deadline, not a count of tries: on a loaded machine the first append's blocking file
    // work may wait seconds for a thread (CI once ran out of 1,000 tries of 2 ms).
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let busy = loop {
        match spool::append(stream::iter(chunks_of(b"x", 1)), &path, 999, u64::MAX).await {
            Err(SpoolError::Busy) => break true,
            Err(SpoolError::OffsetMismatch { .. }) if std::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            other => panic!("never saw the first append: {other:?}"),
        }
    };
    assert!(busy);
    tx.send(Ok(Bytes::from_static(b", second"))).await.unwrap();
    drop(tx);
    assert_eq!(first.await.unwrap().unwrap(), 19);
    assert_eq!(std::fs::read(&path).unwrap(), b"first piece, second");
}

#[tokio::test]
async fn abandoned_spool_files_are_swept() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.part");
    let fresh = dir.path().join("fresh.part");
    std::fs::write(&old, b"old").unwrap();
    std::fs::write(&fresh, b"fresh").unwrap();
    let day_ago = std::time::SystemTime::now() - Duration::from_secs(24 * 3600);
    std::fs::File::options().write(true).open(&old).unwrap().set_modified(day_ago).unwrap();
    assert_eq!(spool::sweep(dir.path(), Duration::from_secs(3600)).await.unwrap(), 1);
    assert!(!old.exists() && fresh.exists());
    assert_eq!(spool::sweep(&dir.path().join("none"), Duration::ZERO).await.unwrap(), 0);
}

#[tokio::test]
async fn a_spooled_upload_becomes_an_object_by_a_rename() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join("media"));
    let spool_dir = store.spool_dir();
    let media = Media::new(Arc::new(store), "http://x/media").with_spool_dir(spool_dir);
    let bytes = pattern(1_500_000);
    let spooled = spool::spool(stream::iter(chunks_of(&bytes, 8192)), &media.spool_dir(), u64::MAX).await.unwrap();
    let key = format!("videos/l1/{}.mp4", spooled.sha256_hex());
    media.put_file(&key, &spooled.path, "video/mp4").await.unwrap();
    drop(spooled);
    assert_eq!(files_in(&media.spool_dir()), 0);
    let meta = media.head(&key).await.unwrap().unwrap();
    assert_eq!((meta.size, meta.content_type.as_str()), (1_500_000, "video/mp4"));
    let (_, stream) = media.open(&key, Some((1_000_000, 1_499_999))).await.unwrap().unwrap();
    assert!(drain(stream).await == bytes[1_000_000..]);
    assert!(media.get(&key).await.unwrap().unwrap().bytes == bytes, "the whole-object API still works");
}

#[tokio::test]
async fn s3_put_file_streams_small_files_and_splits_large_ones_into_parts() {
    let Some((endpoint, bucket)) = media_support::s3_bucket().await else { return };
    let store = media_support::s3_store(&endpoint, &bucket);
    let dir = tempfile::tempdir().unwrap();
    for (key, size, parts) in [("v/small.mp4", 1_000_003, None), ("v/large.mp4", 17 * 1024 * 1024 + 5, Some(3))] {
        let bytes = pattern(size);
        let size = size as u64;
        let file = dir.path().join("upload");
        std::fs::write(&file, &bytes).unwrap();
        store.put_file(key, &file, "video/mp4").await.unwrap();
        assert!(file.exists(), "S3 leaves the file to its owner");
        let meta = store.head(key).await.unwrap().unwrap();
        assert_eq!((meta.size, meta.content_type.as_str()), (size, "video/mp4"));
        // S3 tags a multipart object `"<digest>-<parts>"`.
        assert_eq!(parts.is_some(), meta.etag.ends_with(&format!("-{}\"", parts.unwrap_or(0))), "{}", meta.etag);
        let (opened, stream) = store.open(key, None).await.unwrap().unwrap();
        assert_eq!(opened, meta);
        assert!(drain(stream).await == bytes, "{key}");
        for (first, last) in
            [(0, 0), (8 * 1024 * 1024 - 1, 8 * 1024 * 1024), (size - 7, size - 1), (size / 2, size / 2 + 9)]
        {
            if last >= size {
                continue;
            }
            let (opened, stream) = store.open(key, Some((first, last))).await.unwrap().unwrap();
            assert_eq!(opened.etag, meta.etag);
            assert!(drain(stream).await == bytes[first as usize..=last as usize], "{key} {first}-{last}");
        }
        let past = store.open(key, Some((size, size + 10))).await;
        assert!(matches!(past, Err(platform::storage::StorageError::RangeNotSatisfiable { size: s }) if s == size));
    }
    assert!(store.head("v/none.mp4").await.unwrap().is_none());
    assert!(store.open("v/none.mp4", Some((0, 1))).await.unwrap().is_none());
    assert!(store.multipart_uploads_in_progress().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_failed_multipart_upload_is_aborted() {
    let Some((endpoint, bucket)) = media_support::s3_bucket().await else { return };
    let direct = media_support::s3_store(&endpoint, &bucket);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("upload");
    std::fs::write(&file, pattern(20 * 1024 * 1024)).unwrap();

    // The second part fails; the abort goes through.
    let faults =
        s3_faults::FaultyS3::start(&endpoint, |method, query| method == "PUT" && query.contains("partNumber=2")).await;
    let through = media_support::s3_store(&faults.endpoint, &bucket);
    let failed = through.put_file("v/failed.mp4", &file, "video/mp4").await;
    assert!(matches!(failed, Err(platform::storage::StorageError::Remote(_))), "{failed:?}");
    assert_eq!(faults.aborts(), 1);
    assert!(direct.head("v/failed.mp4").await.unwrap().is_none(), "nothing half-written");
    assert!(direct.multipart_uploads_in_progress().await.unwrap().is_empty(), "the upload was aborted");

    // The same when the abort fails too: the upload stays listed (so the check above can fail).
    let faults = s3_faults::FaultyS3::start(&endpoint, |method, query| {
        (method == "PUT" && query.contains("partNumber=2")) || (method == "DELETE" && query.contains("uploadId"))
    })
    .await;
    let through = media_support::s3_store(&faults.endpoint, &bucket);
    assert!(through.put_file("v/orphan.mp4", &file, "video/mp4").await.is_err());
    assert_eq!(direct.multipart_uploads_in_progress().await.unwrap(), ["v/orphan.mp4"]);
}

#[tokio::test]
async fn local_streams_come_in_bounded_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join("media"));
    let bytes = pattern(5 * 1024 * 1024 + 1);
    store.put("v/c.mp4", bytes.clone(), "video/mp4").await.unwrap();
    let (_, mut stream) = store.open("v/c.mp4", None).await.unwrap().unwrap();
    let (mut sizes, mut got) = (Vec::new(), Vec::new());
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        sizes.push(chunk.len());
        got.extend_from_slice(&chunk);
    }
    assert!(got == bytes);
    assert!(sizes.len() >= 10 && sizes.iter().all(|&s| (1..=1024 * 1024).contains(&s)), "{sizes:?}");
}
