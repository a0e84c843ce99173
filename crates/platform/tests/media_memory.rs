//! A 64 MiB video served by `GET /media/{*key}` with bounded memory: the server reads the file
//! as the client takes it (a paused client stops the reads) and the process never holds the
//! object whole. Alone in its test binary, so that the process-wide counters it reads
//! (`/proc/self/io`, `VmHWM`) see this test only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod media_support;

use std::time::Duration;

use aws_lc_rs::digest;
use bytes::Bytes;
use futures_util::stream;

const MIB: u64 = 1024 * 1024;
const SIZE: u64 = 64 * MIB;

/// The bytes `at..at + len` of the test object, generated (never held whole).
fn piece(at: u64, len: usize) -> Bytes {
    (0..len as u64).map(|i| ((at + i) % 251) as u8 ^ ((at + i) / 65_536) as u8).collect::<Vec<u8>>().into()
}

fn proc_value(file: &str, key: &str) -> u64 {
    let text = std::fs::read_to_string(file).unwrap();
    let line = text.lines().find(|l| l.starts_with(key)).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Bytes read by this process so far, files and sockets alike.
fn bytes_read() -> u64 {
    proc_value("/proc/self/io", "rchar:")
}

fn peak_rss_mib() -> u64 {
    proc_value("/proc/self/status", "VmHWM:") / 1024
}

#[tokio::test]
async fn a_64_mib_video_is_streamed_with_bounded_memory() {
    let app = media_support::serve(|_| {}).await;
    // Stored the way uploads are: spooled from a stream of 256 KiB pieces, then put_file.
    let pieces = (0..SIZE / (256 * 1024)).map(|i| Ok::<_, std::io::Error>(piece(i * 256 * 1024, 256 * 1024)));
    let spooled = platform::storage::spool::spool(stream::iter(pieces), &app.media.spool_dir(), SIZE).await.unwrap();
    let expected = spooled.sha256;
    app.media.put_file("videos/big/v.mp4", &spooled.path, "video/mp4").await.unwrap();
    drop(spooled);

    // Whatever came before (spooling) no longer counts towards the peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before_peak = peak_rss_mib();
    let before_reads = bytes_read();
    let mut response = app.get("videos/big/v.mp4", &[]).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-length"], SIZE.to_string().as_str());
    let first = response.chunk().await.unwrap().unwrap();
    assert!(first.len() as u64 <= MIB, "{}", first.len());

    // A client that stops reading stops the server's reads: only socket buffers and a chunk
    // or two are read ahead, not the 64 MiB.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let read_ahead = bytes_read() - before_reads;
    assert!(read_ahead < 24 * MIB, "read {} MiB while the client paused", read_ahead / MIB);

    let mut hash = digest::Context::new(&digest::SHA256);
    hash.update(&first);
    let mut received = first.len() as u64;
    let mut largest = first.len();
    while let Some(chunk) = response.chunk().await.unwrap() {
        received += chunk.len() as u64;
        largest = largest.max(chunk.len());
        hash.update(&chunk);
    }
    assert_eq!(received, SIZE);
    assert_eq!(hash.finish().as_ref(), expected.as_slice(), "the body is the object, byte for byte");
    assert!(largest as u64 <= 2 * MIB, "a {largest}-byte chunk");
    let growth = peak_rss_mib().saturating_sub(before_peak);
    eprintln!("read ahead while paused: {} KiB; peak RSS growth: {growth} MiB", read_ahead / 1024);
    assert!(growth < 32, "the peak resident memory grew by {growth} MiB serving 64 MiB");

    // Ranges at the start, the middle and the end, byte-exact.
    for (first, last) in [(0, MIB - 1), (SIZE / 2 - 12_345, SIZE / 2 + MIB), (SIZE - 4097, SIZE - 1)] {
        let response = app.get("videos/big/v.mp4", &[("range", &format!("bytes={first}-{last}"))]).await;
        assert_eq!(response.status(), 206);
        let len = usize::try_from(last - first + 1).unwrap();
        assert!(response.bytes().await.unwrap() == piece(first, len), "{first}-{last}");
    }
}
