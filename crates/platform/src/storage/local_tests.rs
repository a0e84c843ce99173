#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::sync::Arc;

use futures_util::TryStreamExt;

use super::*;

async fn read_all(store: &LocalStore, key: &str, range: Option<(u64, u64)>) -> (ObjectMeta, Vec<u8>) {
    let (meta, stream) = store.open(key, range).await.unwrap().unwrap();
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
    (meta, chunks.concat())
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
    assert_eq!(store.head("f/g").await.unwrap(), None);
    assert!(store.open("f/g", None).await.unwrap().is_none());
    store.delete("f/g").await.unwrap();
    assert_eq!(store.get("avatars/u1").await.unwrap(), None);
    assert_eq!(store.head("avatars/u1").await.unwrap(), None);
    assert!(store.open("avatars", None).await.unwrap().is_none());
    store.delete("avatars").await.unwrap();
    assert!(dir.path().join("media/avatars/u1").is_dir());
}

#[tokio::test]
async fn invalid_keys_and_content_types_are_refused_before_touching_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join("media"));
    let file = dir.path().join("upload");
    std::fs::write(&file, b"x").unwrap();
    assert!(matches!(store.put("../x", vec![1], "image/png").await, Err(StorageError::InvalidKey)));
    assert!(matches!(store.get("/etc/passwd").await, Err(StorageError::InvalidKey)));
    assert!(matches!(store.head("/etc/passwd").await, Err(StorageError::InvalidKey)));
    assert!(matches!(store.open("a/../../x", None).await, Err(StorageError::InvalidKey)));
    assert!(matches!(store.delete("a/../../x").await, Err(StorageError::InvalidKey)));
    assert!(matches!(store.put_file("~spool/x", &file, "video/mp4").await, Err(StorageError::InvalidKey)));
    assert!(matches!(store.put("a.png", vec![1], "").await, Err(StorageError::InvalidContentType)));
    assert!(matches!(store.put_file("a.mp4", &file, "").await, Err(StorageError::InvalidContentType)));
    assert!(matches!(
        store.put("a.png", vec![1], "image/png\r\nX-Evil: 1").await,
        Err(StorageError::InvalidContentType)
    ));
    assert!(!dir.path().join("media").exists());
    assert!(file.is_file(), "a refused file is left to its owner");
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
        // A stream sees one version too, and its tag is that version's.
        let (meta, streamed) = read_all(&store, "big.bin", None).await;
        assert!(streamed == a || streamed == b, "a stream saw a partly written object");
        assert_eq!(meta.size, streamed.len() as u64);
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

#[tokio::test]
async fn head_and_open_give_size_type_and_a_tag_that_changes_with_the_object() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join("media"));
    assert_eq!(store.head("v/a.mp4").await.unwrap(), None);
    assert!(store.open("v/a.mp4", None).await.unwrap().is_none());
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    store.put("v/a.mp4", bytes.clone(), "video/mp4").await.unwrap();

    let meta = store.head("v/a.mp4").await.unwrap().unwrap();
    assert_eq!((meta.size, meta.content_type.as_str()), (100_000, "video/mp4"));
    assert!(meta.etag.starts_with('"') && meta.etag.ends_with('"') && meta.etag.len() > 10, "{}", meta.etag);
    assert_eq!(store.head("v/a.mp4").await.unwrap().unwrap(), meta, "stable while unchanged");

    let (opened, all) = read_all(&store, "v/a.mp4", None).await;
    assert_eq!(opened, meta);
    assert!(all == bytes);
    for (first, last) in [(0, 0), (0, 99_999), (99_999, 99_999), (1_000, 50_000)] {
        let (_, got) = read_all(&store, "v/a.mp4", Some((first, last))).await;
        assert!(got == bytes[first as usize..=last as usize], "{first}-{last}");
    }
    for bad in [(0, 100_000), (100_000, 100_001), (5, 4)] {
        assert!(
            matches!(store.open("v/a.mp4", Some(bad)).await, Err(StorageError::RangeNotSatisfiable { size: 100_000 })),
            "{bad:?}"
        );
    }

    // Same size, same type, rewritten at once: still a new tag.
    let mut tags = vec![meta.etag.clone()];
    for round in 0..5u8 {
        let mut changed = bytes.clone();
        changed[0] = round;
        store.put("v/a.mp4", changed, "video/mp4").await.unwrap();
        let etag = store.head("v/a.mp4").await.unwrap().unwrap().etag;
        assert!(!tags.contains(&etag), "round {round}: {etag} was already used");
        tags.push(etag);
    }
}

#[tokio::test]
async fn sidecars_from_before_tags_and_extra_lines_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("media");
    std::fs::create_dir_all(root.join("p")).unwrap();
    std::fs::write(root.join("p/old.jpg"), b"jpeg").unwrap();
    std::fs::write(root.join("p/old.jpg~type"), b"image/jpeg").unwrap();
    std::fs::write(root.join("p/new.jpg"), b"jpeg").unwrap();
    std::fs::write(root.join("p/new.jpg~type"), b"image/jpeg\nsomething later\n").unwrap();
    let store = LocalStore::new(root);
    for key in ["p/old.jpg", "p/new.jpg"] {
        assert_eq!(store.head(key).await.unwrap().unwrap().content_type, "image/jpeg");
        assert_eq!(store.get(key).await.unwrap().unwrap().content_type, "image/jpeg");
    }
}

#[tokio::test]
async fn put_file_moves_the_file_into_place() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::new(dir.path().join("media"));
    let spool = store.spool_dir();
    std::fs::create_dir_all(&spool).unwrap();
    let upload = spool.join("u1");
    let bytes = vec![7u8; 300_000];
    std::fs::write(&upload, &bytes).unwrap();
    let inode = std::fs::metadata(&upload).unwrap().ino();

    store.put_file("videos/l1/abc.mp4", &upload, "video/mp4").await.unwrap();
    assert!(!upload.exists(), "the spooled file was consumed");
    let stored = dir.path().join("media/videos/l1/abc.mp4");
    assert_eq!(std::fs::metadata(&stored).unwrap().ino(), inode, "renamed, not copied");
    let (meta, got) = read_all(&store, "videos/l1/abc.mp4", None).await;
    assert_eq!((meta.size, meta.content_type.as_str()), (300_000, "video/mp4"));
    assert!(got == bytes);

    // Replacing an object through put_file changes its tag; a missing file is an error and
    // leaves the object alone.
    std::fs::write(&upload, &bytes).unwrap();
    store.put_file("videos/l1/abc.mp4", &upload, "video/mp4").await.unwrap();
    assert_ne!(store.head("videos/l1/abc.mp4").await.unwrap().unwrap().etag, meta.etag);
    assert!(matches!(
        store.put_file("videos/l1/abc.mp4", &spool.join("gone"), "video/mp4").await,
        Err(StorageError::Io(_))
    ));
    assert_eq!(store.head("videos/l1/abc.mp4").await.unwrap().unwrap().size, 300_000);
    assert!(matches!(store.put_file("videos/x.mp4", &spool, "video/mp4").await, Err(StorageError::Io(_))));
}

#[test]
fn a_move_across_filesystems_copies_syncs_and_removes_the_source() {
    // /dev/shm is a tmpfs on Linux, so a rename from it into a disk directory crosses devices.
    let shm = std::path::Path::new("/dev/shm");
    let dir = tempfile::tempdir().unwrap();
    let Ok(src_dir) = tempfile::tempdir_in(shm) else {
        eprintln!("skipped: no /dev/shm");
        return;
    };
    if std::fs::metadata(src_dir.path()).unwrap().dev() == std::fs::metadata(dir.path()).unwrap().dev() {
        eprintln!("skipped: /dev/shm is on the same filesystem as the temporary directory");
        return;
    }
    let src = src_dir.path().join("upload");
    std::fs::write(&src, b"across devices").unwrap();
    let dest = dir.path().join("a/b.mp4");
    move_into_place(&src, &dest).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"across devices");
    assert!(!src.exists());
    assert_eq!(std::fs::read_dir(dir.path().join("a")).unwrap().count(), 1, "no temporary file left");
}
